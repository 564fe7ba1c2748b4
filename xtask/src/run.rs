//! `cargo xtask run`: build the UI and the app, then start it.

use std::path::Path;
use std::process::Command;
use std::time::SystemTime;

use crate::cmd::{self, step, Result};
use crate::{project_root, setup};

pub fn run() -> Result {
    let root = project_root();
    setup::ensure_for_run(&root)?;
    build_ui_and_app(&root)?;
    if std::env::var_os("DISPLAY").is_none() && std::env::var_os("WAYLAND_DISPLAY").is_none() {
        return Err("no display: run this from a desktop session (DISPLAY or WAYLAND_DISPLAY must be set), \
                    or under Xvfb: xvfb-run -a dbus-run-session -- cargo xtask run"
            .into());
    }
    let app = root.join("target/debug/rollwright");
    println!("\n==> starting {}", app.display());
    // A newcomer lands in the demo landscape; an existing database is left
    // as it is, and the installed app never seeds the demo unasked.
    let status = Command::new(&app)
        .arg("--demo")
        .status()
        .map_err(|e| format!("cannot start {}: {e}", app.display()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("Rollwright exited with {status}"))
    }
}

/// The app embeds `ui/dist` at compile time, so the UI is built first, but
/// only when its sources changed: a fresh `ui/dist` would make cargo embed
/// and link the app again for nothing.
pub fn build_ui_and_app(root: &Path) -> Result {
    let ui = root.join("ui");
    if newest(&ui.join("dist")) > newest_source(&ui) {
        println!("==> UI: up to date");
    } else {
        step(
            "vite build (UI)",
            cmd::npm(&ui).args(["run", "--silent", "build"]),
        )?;
    }
    step(
        "cargo build (desktop app)",
        cmd::cargo()
            .current_dir(root)
            .args(["build", "-p", "rollwright-desktop"]),
    )
}

/// The newest modification time of what the UI is built from.
fn newest_source(ui: &Path) -> Option<SystemTime> {
    [
        "src",
        "public",
        "index.html",
        "vite.config.ts",
        "svelte.config.js",
        "tsconfig.json",
        "package-lock.json",
    ]
    .iter()
    .filter_map(|p| newest(&ui.join(p)))
    .max()
}

/// The newest modification time of a file, or of anything below a folder;
/// `None` when it does not exist.
fn newest(path: &Path) -> Option<SystemTime> {
    let meta = std::fs::metadata(path).ok()?;
    let own = meta.modified().ok();
    if !meta.is_dir() {
        return own;
    }
    std::fs::read_dir(path)
        .ok()?
        .flatten()
        .filter_map(|e| newest(&e.path()))
        .chain(own)
        .max()
}
