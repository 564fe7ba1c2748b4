//! `cargo xtask run|test|bench|bundle|mutants`: the project's front door. Installs whatever is
//! missing (Debian packages, npm packages, tauri-driver), builds, and runs.
//! Uses only std so that it builds in seconds on a fresh machine.

mod bench;
mod bundle;
mod cmd;
mod mutants;
mod run;
mod setup;
mod test;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "\
usage: cargo xtask <command>

commands:
  run     set up what is missing, build the UI and the app, and start Rollwright
  test    set up what is missing and run every test: cargo fmt --check, clippy,
          the workspace's cargo tests, svelte-check, vitest and the end-to-end
          tests of the real app under Xvfb
  bench   build in release mode and run the benchmarks on loopback: rollout
          throughput against the load-generator ceiling and against scripts,
          scheduler lateness, memory and history; one table, JSON under
          target/bench/ (extra arguments go to rollwright-bench, e.g.
          --only engine,lateness)
  bundle  build the release app and its Debian package (target/release/bundle/deb/),
          then check it: unpack it and start the installed binary under Xvfb
          until its window shows
  mutants [FILE-GLOB...]
          mutation testing of the pure core (default: src/domain/** and
          protocol/src/validate.rs): caught / missed / unviable per file,
          fails below 95 % caught; installs cargo-mutants when missing";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run::run(),
        Some("test") => test::test(),
        Some("bench") => bench::bench(&args[1..]),
        Some("bundle") => bundle::bundle(),
        Some("mutants") => mutants::mutants(&args[1..]),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => Err(format!("unknown or missing command\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The repository root: xtask lives one level below it.
fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask has a parent directory")
        .to_path_buf()
}
