//! `cargo xtask mutants [FILE-GLOB...]`: mutation testing of the pure core.
//! cargo-mutants changes one operator or return value at a time and runs the
//! lib tests of the mutated crate; a mutant the tests still pass with is a
//! rule no test holds. Prints caught / missed / unviable per file and fails
//! below the goal. Never part of `cargo xtask test`: a run takes minutes.

use std::collections::BTreeMap;
use std::path::Path;

use crate::cmd::{self, step, Result};
use crate::{project_root, setup};

/// The files whose rules every later change relies on.
const DEFAULT_GLOBS: &[&str] = &["src/domain/**", "protocol/src/validate.rs"];

/// Share of viable mutants the tests must catch, per glob.
const GOAL_PERCENT: f64 = 95.0;

/// The major version whose options and output files this code knows.
const CARGO_MUTANTS_VERSION: &str = "^27";

pub fn mutants(args: &[String]) -> Result {
    let root = project_root();
    let globs: Vec<&str> = if args.is_empty() {
        DEFAULT_GLOBS.to_vec()
    } else {
        args.iter().map(String::as_str).collect()
    };
    let program = ensure_cargo_mutants()?;
    let out = root.join("target/mutants");
    let mut below_goal = vec![];
    for glob in &globs {
        // One run per glob, so each glob's score stands on its own and a
        // glob's report survives the next run's.
        let dir = out.join(sanitize(glob));
        let mut command = std::process::Command::new(&program);
        command.current_dir(&root).args([
            "mutants",
            // In place: the tree is already built, so a mutant costs an
            // incremental build of one crate plus its lib tests (~3 s here).
            // cargo-mutants puts the source back when it ends or is stopped.
            "--in-place",
            "--no-shuffle",
            // Only the crate that holds the file is built and tested.
            "--package",
            package_of(glob),
            "--file",
            glob,
            "--output",
        ]);
        // Lib tests only: the rules live in pure code, and the lib tests run in
        // a second where the integration tests take minutes.
        command
            .arg(&dir)
            .arg("--cargo-arg=--lib")
            // A property test failing on a mutant would otherwise save its
            // case as a regression seed in the source tree.
            .env("PROPTEST_DISABLE_FAILURE_PERSISTENCE", "1");
        std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        println!("\n==> cargo mutants --file {glob}");
        let status = command
            .status()
            .map_err(|e| format!("cannot start cargo-mutants: {e}"))?;
        // 2 and 3 say some mutant was missed or timed out: the score, not
        // that, decides here. Anything else is cargo-mutants failing to run
        // (a usage error, or tests that fail without any mutant).
        if !matches!(status.code(), Some(0 | 2 | 3)) {
            return Err(format!("cargo mutants --file {glob}: {status}"));
        }
        let report = Report::read(&dir.join("mutants.out"))?;
        if report.files.is_empty() {
            return Err(format!("no mutants in files matching {glob}"));
        }
        report.print(glob);
        if report.total().score() < GOAL_PERCENT {
            below_goal.push(format!("{glob} ({:.1} %)", report.total().score()));
        }
    }
    if below_goal.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "below the goal of {GOAL_PERCENT} % caught: {}; the missed mutants are listed above and in target/mutants/*/mutants.out/missed.txt",
            below_goal.join(", ")
        ))
    }
}

fn ensure_cargo_mutants() -> Result<std::path::PathBuf> {
    if let Some(path) = setup::cargo_installed("cargo-mutants") {
        println!("==> cargo-mutants: present");
        return Ok(path);
    }
    step(
        "cargo install cargo-mutants",
        cmd::cargo().args([
            "install",
            "cargo-mutants",
            "--locked",
            "--version",
            CARGO_MUTANTS_VERSION,
        ]),
    )?;
    setup::cargo_installed("cargo-mutants").ok_or_else(|| "cargo-mutants did not install".into())
}

/// The workspace member a path glob points into.
fn package_of(glob: &str) -> &'static str {
    [
        ("protocol/", "rollwright-protocol"),
        ("agent/", "rollwright-agent"),
        ("bench/", "rollwright-bench"),
        ("src-tauri/", "rollwright-desktop"),
    ]
    .iter()
    .find(|(dir, _)| glob.starts_with(dir))
    .map_or("rollwright", |(_, package)| package)
}

fn sanitize(glob: &str) -> String {
    glob.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Outcomes counted per mutated file.
#[derive(Default)]
struct Report {
    files: BTreeMap<String, Counts>,
    missed: Vec<String>,
}

#[derive(Default, Clone, Copy)]
struct Counts {
    caught: usize,
    missed: usize,
    /// The mutant made the tests hang: caught, though slowly.
    timeout: usize,
    /// The mutant did not build; it says nothing about the tests.
    unviable: usize,
}

impl Counts {
    fn add(&mut self, other: Counts) {
        self.caught += other.caught;
        self.missed += other.missed;
        self.timeout += other.timeout;
        self.unviable += other.unviable;
    }

    /// Percent of viable mutants the tests caught (100 when none is viable).
    fn score(&self) -> f64 {
        let killed = self.caught + self.timeout;
        let viable = killed + self.missed;
        if viable == 0 {
            100.0
        } else {
            100.0 * killed as f64 / viable as f64
        }
    }
}

impl Report {
    /// Reads cargo-mutants' outcome lists: one mutant per line, starting
    /// with `path:line:column:`.
    fn read(out: &Path) -> Result<Report> {
        let mut report = Report::default();
        for name in ["caught.txt", "missed.txt", "timeout.txt", "unviable.txt"] {
            let path = out.join(name);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                let file = line.split(':').next().unwrap_or(line).to_owned();
                let counts = report.files.entry(file).or_default();
                match name {
                    "caught.txt" => counts.caught += 1,
                    "missed.txt" => {
                        counts.missed += 1;
                        report.missed.push(line.to_owned());
                    }
                    "timeout.txt" => counts.timeout += 1,
                    _ => counts.unviable += 1,
                }
            }
        }
        Ok(report)
    }

    fn total(&self) -> Counts {
        let mut total = Counts::default();
        for c in self.files.values() {
            total.add(*c);
        }
        total
    }

    fn print(&self, glob: &str) {
        println!("\nmutants of {glob}");
        println!(
            "{:<36} {:>7} {:>7} {:>8} {:>9} {:>7}",
            "file", "caught", "missed", "timeout", "unviable", "score"
        );
        let row = |name: &str, c: &Counts| {
            println!(
                "{:<36} {:>7} {:>7} {:>8} {:>9} {:>6.1}%",
                name,
                c.caught,
                c.missed,
                c.timeout,
                c.unviable,
                c.score()
            );
        };
        for (file, c) in &self.files {
            row(file, c);
        }
        row("total", &self.total());
        if !self.missed.is_empty() {
            println!("\nmissed (no test fails with this change):");
            for m in &self.missed {
                println!("  {m}");
            }
        }
    }
}
