//! `cargo xtask test`: every check the project has, in the order that fails
//! fastest. Stops at the first failure and exits non-zero.

use crate::cmd::{self, step, Result};
use crate::run::build_ui_and_app;
use crate::{project_root, setup};

pub fn test() -> Result {
    let root = project_root();
    let started = std::time::Instant::now();
    setup::ensure_all(&root)?;
    let ui = root.join("ui");

    step(
        "cargo fmt --check",
        cmd::cargo()
            .current_dir(&root)
            .args(["fmt", "--all", "--check"]),
    )?;
    // clippy and the desktop crate need ui/dist, which the app embeds.
    build_ui_and_app(&root)?;
    step(
        "cargo clippy",
        cmd::cargo().current_dir(&root).args([
            "clippy",
            "--workspace",
            "--all-targets",
            // The end-to-end tests are linted too, though only Xvfb runs them.
            "--features",
            "rollwright/e2e",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    step(
        "cargo test (workspace)",
        cmd::cargo()
            .current_dir(&root)
            .args(["test", "--workspace"]),
    )?;
    step(
        "svelte-check",
        cmd::npm(&ui).args(["run", "--silent", "check"]),
    )?;
    step("vitest", cmd::npm(&ui).args(["run", "--silent", "test"]))?;
    end_to_end(&root, &root.join("target/debug/rollwright"), None)?;

    println!(
        "\nall tests passed in {:.0} s",
        started.elapsed().as_secs_f32()
    );
    Ok(())
}

/// The real app under Xvfb, driven through tauri-driver and WebKitWebDriver:
/// every end-to-end test, or those whose name contains `filter`.
/// Runs the end-to-end tests (those matching `filter`) against the app
/// binary `app`.
pub fn end_to_end(root: &std::path::Path, app: &std::path::Path, filter: Option<&str>) -> Result {
    let driver = setup::tauri_driver_path().ok_or("tauri-driver is not installed")?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    step(
        &format!(
            "end-to-end tests (real app under Xvfb){}",
            filter.map(|f| format!(": {f}")).unwrap_or_default()
        ),
        cmd::under_xvfb(cargo)
            .current_dir(root)
            .args([
                "test",
                "-p",
                "rollwright",
                "--features",
                "e2e",
                "--test",
                "e2e",
                "--",
                "--test-threads=1",
            ])
            .args(filter)
            .env("TAURI_DRIVER", driver)
            .env("ROLLWRIGHT_APP", app),
    )
}
