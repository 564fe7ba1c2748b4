//! Installs what the project needs and is missing: Debian packages, the UI's
//! npm packages and tauri-driver. Each check is cheap, so a machine that has
//! everything passes through in a second or two.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd::{self, step, Result};

/// Debian packages for building the Tauri app (WebKitGTK and friends), driving
/// it under Xvfb with WebDriver, observing notifications, testing the secret
/// store against a real Secret Service (gnome-keyring, headless under
/// `dbus-run-session`: `tests/secret_service.rs`), and benchmarking.
const DEBIAN_PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "file",
    "libssl-dev",
    "libxdo-dev",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "libayatana-appindicator3-dev",
    "librsvg2-dev",
    "libsoup-3.0-dev",
    "webkit2gtk-driver",
    "xvfb",
    "xauth",
    "dbus",
    "dbus-x11",
    "gnome-keyring",
    "dunst",
    "libnotify-bin",
    "imagemagick",
    "x11-apps",
    "xdotool",
    "wrk",
];

pub fn ensure_all(root: &Path) -> Result {
    ensure_debian_packages()?;
    ensure_npm_packages(&root.join("ui"))?;
    ensure_tauri_driver()?;
    Ok(())
}

/// Only what the app itself needs to build and run (no test tools).
pub fn ensure_for_run(root: &Path) -> Result {
    ensure_debian_packages()?;
    ensure_npm_packages(&root.join("ui"))
}

fn ensure_debian_packages() -> Result {
    ensure_debian(DEBIAN_PACKAGES)
}

/// Installs whichever of `packages` are missing (apt-get, as root or sudo -n).
pub fn ensure_debian(packages: &[&str]) -> Result {
    let missing: Vec<&str> = packages
        .iter()
        .copied()
        .filter(|p| !debian_package_installed(p))
        .collect();
    if missing.is_empty() {
        println!("==> Debian packages: all {} present", packages.len());
        return Ok(());
    }
    println!("==> Debian packages missing: {}", missing.join(" "));
    let sudo: &[&str] = if is_root() { &[] } else { &["sudo", "-n"] };
    let apt = |args: &[&str]| {
        let mut all: Vec<&str> = sudo.to_vec();
        all.push("apt-get");
        all.extend_from_slice(args);
        let mut c = Command::new(all[0]);
        c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
        c
    };
    step("apt-get update", &mut apt(&["update", "-qq"]))?;
    let mut install = vec!["install", "-y", "-qq", "--no-install-recommends"];
    install.extend_from_slice(&missing);
    step("apt-get install", &mut apt(&install))
}

fn debian_package_installed(package: &str) -> bool {
    Command::new("dpkg-query")
        .args(["-W", "-f=${Status}", package])
        .output()
        .map(|o| {
            o.status.success()
                && String::from_utf8_lossy(&o.stdout).contains("install ok installed")
        })
        .unwrap_or(false)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Installs the UI's packages when node_modules is missing or older than the
/// lock file. `npm install` rather than `npm ci`: the npm here writes lock
/// files without other platforms' optional packages, which `npm ci` rejects;
/// `npm install` still installs the locked versions and leaves the lock as is.
fn ensure_npm_packages(ui: &Path) -> Result {
    let lock = ui.join("package-lock.json");
    let installed = ui.join("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => seconds(installed) >= seconds(lock),
        _ => false,
    };
    if fresh {
        println!("==> npm packages: up to date");
        return Ok(());
    }
    step(
        "npm install (UI packages)",
        cmd::npm(ui).args(["install", "--no-audit", "--no-fund"]),
    )
}

/// npm writes both files within the same second; finer times would make the
/// check flap.
fn seconds(t: std::time::SystemTime) -> u64 {
    t.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}

fn ensure_tauri_driver() -> Result {
    if tauri_driver_path().is_some() {
        println!("==> tauri-driver: present");
        return Ok(());
    }
    step(
        "cargo install tauri-driver",
        cmd::cargo().args(["install", "tauri-driver", "--locked"]),
    )
}

/// tauri-driver from PATH or from cargo's bin directory.
pub fn tauri_driver_path() -> Option<PathBuf> {
    cargo_installed("tauri-driver")
}

/// A program `cargo install` put in place, found on PATH or in cargo's bin
/// directory (which a fresh shell may not have on PATH yet).
pub fn cargo_installed(program: &str) -> Option<PathBuf> {
    if cmd::on_path(program) {
        return Some(PathBuf::from(program));
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let path = cargo_home.join("bin").join(program);
    path.is_file().then_some(path)
}
