//! `cargo xtask bench`: installs what the benchmark needs (wrk, curl, Python
//! with aiohttp), builds the fleet simulator and the benchmark in release
//! mode, and runs every phase once on loopback; first it runs the real app's
//! figure tests under Xvfb (`end_to_end` with the filter `figures_`). Prints
//! one table and writes it as JSON under `target/bench/`. Never part of
//! `cargo xtask test`.

use std::process::Command;

use crate::cmd::{self, step, Result};
use crate::run::build_ui_and_app;
use crate::{project_root, setup};

/// Debian packages of the load generator and the shell baseline.
const BENCH_PACKAGES: &[&str] = &["wrk", "curl", "python3"];

pub fn bench(args: &[String]) -> Result {
    let root = project_root();
    setup::ensure_debian(BENCH_PACKAGES)?;
    ensure_aiohttp()?;
    step(
        "cargo build --release (fleet simulator and benchmark)",
        cmd::cargo().current_dir(&root).args([
            "build",
            "--release",
            "-p",
            "rollwright-bench",
            "-p",
            "rollwright-agent",
        ]),
    )?;
    // Figures only the real app gives (the calendar's month view with 5,000
    // items, the wizard's 10,000 devices, memory while the landscape scrolls
    // 100,000): their end-to-end tests write them under target/e2e-figures/,
    // and the report reads them. Measured on the release build, which is
    // what admins run; the debug build's IPC and layout are several times
    // slower.
    setup::ensure_all(&root)?;
    build_ui_and_app(&root)?;
    step(
        "cargo build --release (desktop app, for its figures)",
        cmd::cargo()
            .current_dir(&root)
            .args(["build", "--release", "-p", "rollwright-desktop"]),
    )?;
    let figures = root.join("target/e2e-figures");
    let _ = std::fs::remove_dir_all(&figures);
    crate::test::end_to_end(
        &root,
        &root.join("target/release/rollwright"),
        Some("figures_"),
    )?;
    let release = root.join("target/release");
    step(
        "rollwright-bench all",
        Command::new(release.join("rollwright-bench"))
            .current_dir(&root)
            .arg("all")
            .arg("--agent")
            .arg(release.join("rollwright-agent"))
            .arg("--out")
            .arg(root.join("target/bench"))
            .arg("--app-figures")
            .arg(&figures)
            .args(args),
    )
}

fn python_has_aiohttp() -> bool {
    Command::new("python3")
        .args(["-c", "import aiohttp"])
        .output()
        .is_ok_and(|o| o.status.success())
}

/// aiohttp for the `python3` on PATH: pip first (works for pyenv and venvs),
/// Debian's python3-aiohttp when pip cannot.
fn ensure_aiohttp() -> Result {
    if python_has_aiohttp() {
        println!("==> python3 aiohttp: present");
        return Ok(());
    }
    let pip = step(
        "pip install aiohttp",
        Command::new("python3").args(["-m", "pip", "install", "--quiet", "aiohttp"]),
    );
    if pip.is_ok() && python_has_aiohttp() {
        return Ok(());
    }
    setup::ensure_debian(&["python3-aiohttp"])?;
    if python_has_aiohttp() {
        Ok(())
    } else {
        Err("python3 cannot import aiohttp after installing it".into())
    }
}
