//! Running commands with a visible step name and timing, so a long setup
//! says what it is doing while it does it.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

pub type Result<T = ()> = std::result::Result<T, String>;

/// Prints a step heading, runs `cmd` with inherited output and fails with the
/// step's name when the command fails.
pub fn step(name: &str, cmd: &mut Command) -> Result {
    println!("\n==> {name}");
    let started = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("{name}: cannot start {:?}: {e}", cmd.get_program()))?;
    let took = started.elapsed().as_secs_f32();
    if status.success() {
        println!("    {name}: ok ({took:.1} s)");
        Ok(())
    } else {
        Err(format!("{name}: failed ({status}) after {took:.1} s"))
    }
}

pub fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

pub fn npm(ui_dir: &Path) -> Command {
    let mut c = Command::new("npm");
    c.current_dir(ui_dir);
    c
}

/// `program` under a virtual display (Xvfb, 1280×800) with a session bus of
/// its own: how the end-to-end tests and the package check run the app.
pub fn under_xvfb(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut c = Command::new("xvfb-run");
    c.args([
        "-a",
        "-s",
        "-screen 0 1280x800x24",
        "dbus-run-session",
        "--",
    ])
    .arg(program)
    .env("NO_AT_BRIDGE", "1");
    c
}

/// Whether `program` can be found on PATH.
pub fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
        .unwrap_or(false)
}
