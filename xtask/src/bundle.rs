//! `cargo xtask bundle`: the release app as a Debian package, built by the
//! Tauri bundler (desktop entry, icons), then checked as a user would meet
//! it: unpacked, and its binary started under Xvfb until its window shows.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, step, Result};
use crate::{project_root, setup};

/// How long the installed app may take to show its window.
const WINDOW_WAIT_S: u32 = 90;

pub fn bundle() -> Result {
    let root = project_root();
    setup::ensure_for_run(&root)?;
    let ui = root.join("ui");
    step(
        "vite build (UI)",
        cmd::npm(&ui).args(["run", "--silent", "build"]),
    )?;
    step(
        "tauri build --bundles deb (release app and package)",
        Command::new(ui.join("node_modules/.bin/tauri"))
            .current_dir(&ui)
            // The configuration lives beside the desktop crate, the UI here.
            .env("TAURI_APP_PATH", root.join("src-tauri"))
            .env("TAURI_FRONTEND_PATH", &ui)
            .args(["build", "--bundles", "deb", "--ci"])
            .args(["--config", r#"{"bundle":{"active":true}}"#]),
    )?;
    let deb = newest_deb(&root.join("target/release/bundle/deb"))?;
    println!("\n==> package: {}", deb.display());
    check(&root, &deb)?;
    println!(
        "\n{} is checked. Install it with: sudo apt install {}",
        deb.file_name().unwrap_or_default().to_string_lossy(),
        deb.display()
    );
    Ok(())
}

fn newest_deb(dir: &Path) -> Result<PathBuf> {
    std::fs::read_dir(dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "deb"))
        .max_by_key(|p| p.metadata().and_then(|m| m.modified()).ok())
        .ok_or_else(|| format!("no .deb in {}", dir.display()))
}

/// Unpacks the package, checks its parts and starts its binary under Xvfb
/// until the window is shown.
fn check(root: &Path, deb: &Path) -> Result {
    let unpacked = root.join("target/release/bundle/deb-check");
    let _ = std::fs::remove_dir_all(&unpacked);
    step(
        "unpack the package (dpkg-deb -x)",
        Command::new("dpkg-deb").arg("-x").arg(deb).arg(&unpacked),
    )?;
    let desktop = unpacked.join("usr/share/applications/Rollwright.desktop");
    let icons = unpacked.join("usr/share/icons/hicolor");
    for part in [&desktop, &icons] {
        if !part.exists() {
            return Err(format!("the package lacks {}", part.display()));
        }
    }
    // The binary the desktop entry starts, as the menu would.
    let entry = std::fs::read_to_string(&desktop).map_err(|e| e.to_string())?;
    let program = entry
        .lines()
        .find_map(|l| l.strip_prefix("Exec="))
        .and_then(|exec| exec.split_whitespace().next())
        .ok_or_else(|| format!("{} has no Exec line:\n{entry}", desktop.display()))?;
    let binary = unpacked.join("usr/bin").join(program);
    if !binary.is_file() {
        return Err(format!(
            "the desktop entry starts {program}, which the package lacks ({})",
            binary.display()
        ));
    }
    let data = unpacked.join("data");
    std::fs::create_dir_all(&data).map_err(|e| e.to_string())?;
    // Waits for a visible window titled Rollwright, then ends the app.
    let script = format!(
        r#"app="$1"; "$app" & pid=$!
for i in $(seq 1 {ticks}); do
  if xdotool search --onlyvisible --name '^Rollwright$' >/dev/null 2>&1; then
    echo "    the installed app's window is shown"; kill $pid; wait $pid; exit 0
  fi
  if ! kill -0 $pid 2>/dev/null; then echo "the installed app exited before its window showed" >&2; exit 1; fi
  sleep 0.5
done
kill $pid; echo "no window within {WINDOW_WAIT_S} s" >&2; exit 1"#,
        ticks = WINDOW_WAIT_S * 2
    );
    step(
        "start the installed app under Xvfb until its window shows",
        cmd::under_xvfb("sh")
            .args(["-c", &script, "check"])
            .arg(&binary)
            // Never a user's data or keyring: a directory of its own.
            .env("ROLLWRIGHT_DATA_DIR", &data)
            .env("ROLLWRIGHT_SECRETS", "file"),
    )
}
