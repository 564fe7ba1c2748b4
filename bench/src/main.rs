//! `rollwright-bench`: the figures of `docs/benchmarks.md`, on loopback only,
//! with bounded counts. `cargo xtask bench` builds it in release mode and runs
//! `rollwright-bench all`, which starts the fleet simulator, the load
//! generator, the scripts users would write instead, and itself again as a
//! child process for each engine measurement (so the engine's CPU time and
//! memory are its own), then prints one table and writes it as JSON.
//!
//! Never asserts anything: figures are printed and compared with the goals,
//! and a missed goal is reported, not failed.
//!
//! - `orchestrate`: runs the phases in order and collects their JSON.
//! - `engine_run`: the engine side (child process): throughput, inventory
//!   sync, the status list during a rollout, and lateness.
//! - `calendar`: the free-slot finder and the calendar's range query.
//! - `history`: 100,000 devices and 1,000,000 finished device updates.
//! - `report`: the table and the JSON file.

mod calendar;
mod engine_run;
mod fleet;
mod history;
mod orchestrate;
mod report;
mod stats;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};

const USAGE: &str = "\
usage:
  rollwright-bench all [--agent PATH] [--out DIR] [--only PHASE,...] [--concurrency N]
                       [--lateness-concurrent N]
      phases: ceiling, get-device, engine, sync, status-load, aiohttp, bash, lateness, history,
              calendar, app (figures the app's end-to-end tests wrote: --app-figures DIR)
  (children started by `all`; each prints one JSON line)
  rollwright-bench engine-throughput --root URL --db PATH --devices N --concurrency N
  rollwright-bench engine-status-load --root URL --db PATH --devices N --concurrency N
  rollwright-bench engine-sync --root URL --db PATH --devices N --concurrency N
  rollwright-bench engine-lateness --root URL --db PATH --devices N --concurrent N --concurrency N
  rollwright-bench history-build --db PATH [--devices N] [--updates N] [--per-update N]
  rollwright-bench history-probe --db PATH";

/// The repository root, for the manifests, the scripts and the target dir.
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ has a parent")
        .to_path_buf()
}

fn fixtures() -> PathBuf {
    repo_root().join("tests/fixtures/manifests")
}

struct Flags(BTreeMap<String, String>);

impl Flags {
    fn parse(args: &[String]) -> anyhow::Result<Flags> {
        let mut map = BTreeMap::new();
        let mut it = args.iter();
        while let Some(flag) = it.next() {
            let Some(name) = flag.strip_prefix("--") else {
                bail!("unexpected argument {flag:?}\n{USAGE}");
            };
            let value = it.next().with_context(|| format!("{flag} needs a value"))?;
            map.insert(name.to_string(), value.clone());
        }
        Ok(Flags(map))
    }

    fn text(&self, name: &str) -> anyhow::Result<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .with_context(|| format!("--{name} is required\n{USAGE}"))
    }

    fn number(&self, name: &str, default: Option<usize>) -> anyhow::Result<usize> {
        match (self.0.get(name), default) {
            (Some(v), _) => v.parse().with_context(|| format!("--{name}")),
            (None, Some(d)) => Ok(d),
            (None, None) => bail!("--{name} is required\n{USAGE}"),
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = args.split_first().context(USAGE)?;
    let flags = Flags::parse(rest)?;
    let runtime = || tokio::runtime::Runtime::new().context("starting tokio");
    let child_output = match command.as_str() {
        "all" => return orchestrate::all(&flags),
        "engine-throughput" | "engine-status-load" | "engine-sync" | "engine-lateness" => {
            let db = PathBuf::from(flags.text("db")?);
            let fixtures = fixtures();
            let a = engine_run::EngineArgs {
                root: flags.text("root")?,
                db: &db,
                fixtures: &fixtures,
                concurrency: flags.number("concurrency", Some(32))?,
            };
            let devices = flags.number("devices", None)?;
            runtime()?.block_on(async {
                if command == "engine-throughput" {
                    engine_run::throughput(&a, devices).await
                } else if command == "engine-sync" {
                    engine_run::sync(&a, devices).await
                } else if command == "engine-status-load" {
                    engine_run::status_under_load(&a, devices).await
                } else {
                    let concurrent = flags.number("concurrent", Some(0))?;
                    let span = Duration::from_secs(10);
                    engine_run::lateness(&a, devices, concurrent, span, Duration::from_secs(5))
                        .await
                }
            })?
        }
        "history-build" => {
            let db = PathBuf::from(flags.text("db")?);
            let fixtures = fixtures();
            history::build(&history::HistoryArgs {
                db: &db,
                fixtures: &fixtures,
                devices: flags.number("devices", Some(100_000))?,
                updates: flags.number("updates", Some(100_000))?,
                per_update: flags.number("per-update", Some(10))?,
            })?
        }
        "history-probe" => {
            let db = PathBuf::from(flags.text("db")?);
            runtime()?.block_on(history::probe(&db))?
        }
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return Ok(());
        }
        other => bail!("unknown command {other:?}\n{USAGE}"),
    };
    println!("{child_output}");
    Ok(())
}
