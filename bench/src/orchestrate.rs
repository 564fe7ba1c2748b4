//! `rollwright-bench all`: runs every phase in order, each against a fresh
//! fleet simulator process, and hands the collected figures to `report`.
//! A phase that fails is reported as failed; the others still run.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use anyhow::{bail, Context};
use serde_json::{json, Map, Value};

use crate::fleet::{FleetFiles, FleetProcess, PRODUCT, TO, TOKEN};
use crate::{fixtures, repo_root, report, Flags};

const PHASES: &[&str] = &[
    "ceiling",
    "get-device",
    "engine",
    "sync",
    "status-load",
    "aiohttp",
    "bash",
    "lateness",
    "history",
    "calendar",
    "app",
];

/// Devices per phase: bounded so the whole run takes a few minutes.
const CEILING_DEVICES: usize = 1_000;
const ENGINE_DEVICES: usize = 10_000;
const AIOHTTP_DEVICES: usize = 10_000;
const BASH_DEVICES: usize = 1_000;
const LATENESS_DEVICES: usize = 10_000;
/// Connections of the load generator and requests in flight of the scripts.
const CONNECTIONS: usize = 64;

struct Ctx {
    files: FleetFiles,
    work: PathBuf,
    body_file: PathBuf,
    body: Vec<u8>,
    concurrency: usize,
    /// Devices of the `now` rollout that runs during the lateness span.
    lateness_concurrent: usize,
}

pub fn all(flags: &Flags) -> anyhow::Result<()> {
    let root = repo_root();
    let agent = flags.0.get("agent").map_or_else(
        || root.join("target/release/rollwright-agent"),
        PathBuf::from,
    );
    let out = flags
        .0
        .get("out")
        .map_or_else(|| root.join("target/bench"), PathBuf::from);
    let only: Vec<&str> = match flags.0.get("only") {
        Some(list) => list.split(',').map(str::trim).collect(),
        None => PHASES.to_vec(),
    };
    if let Some(bad) = only.iter().find(|p| !PHASES.contains(p)) {
        bail!("unknown phase {bad:?}; phases: {}", PHASES.join(", "));
    }
    let work = out.join("work");
    if work.exists() {
        std::fs::remove_dir_all(&work).with_context(|| work.display().to_string())?;
    }
    std::fs::create_dir_all(&work)?;
    let body = config_body()?;
    let body_file = work.join("config-body.json");
    std::fs::write(&body_file, &body)?;
    let ctx = Ctx {
        files: FleetFiles::write(agent, &work)?,
        work: work.clone(),
        body_file,
        body,
        concurrency: flags.number("concurrency", Some(32))?,
        lateness_concurrent: flags.number("lateness-concurrent", Some(LATENESS_DEVICES))?,
    };

    let mut results = Map::new();
    for phase in PHASES.iter().filter(|p| only.contains(p)) {
        println!("==> bench: {phase}");
        let started = Instant::now();
        let result = match *phase {
            "ceiling" => ceiling(&ctx),
            "get-device" => get_device(&ctx),
            "engine" => engine(&ctx),
            "sync" => sync(&ctx),
            "status-load" => status_load(&ctx),
            "aiohttp" => aiohttp(&ctx),
            "bash" => bash(&ctx),
            "lateness" => lateness(&ctx),
            "history" => history(&ctx),
            "calendar" => crate::calendar::run(&ctx.work),
            "app" => app_figures(flags.0.get("app-figures")),
            _ => unreachable!("checked above"),
        };
        let value = result.unwrap_or_else(|e| {
            eprintln!("    {phase}: FAILED: {e:#}");
            json!({ "failed": format!("{e:#}") })
        });
        println!(
            "    {phase}: {value} ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
        results.insert((*phase).to_string(), value);
    }
    let _ = std::fs::remove_dir_all(&work);
    let complete = PHASES.iter().all(|p| only.contains(p));
    report::print_and_write(results, ctx.concurrency, complete, &out)
}

/// The configuration body of TO, exactly as the engine sends it.
fn config_body() -> anyhow::Result<Vec<u8>> {
    let m =
        rollwright::manifest_file::read_manifest(&fixtures().join(format!("{PRODUCT}-{TO}.toml")))?;
    Ok(serde_json::to_vec(&rollwright::engine::config_request(&m))?)
}

/// The last line of a command's standard output, as JSON.
fn json_line(cmd: &mut Command, marker: &str) -> anyhow::Result<Value> {
    let out = cmd
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot run {:?}", cmd.get_program()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        bail!("{:?} failed ({}): {stdout}", cmd.get_program(), out.status);
    }
    let line = stdout
        .lines()
        .rev()
        .find_map(|l| l.trim().strip_prefix(marker))
        .with_context(|| format!("no result line in: {stdout}"))?;
    serde_json::from_str(line.trim()).with_context(|| format!("bad result line {line:?}"))
}

fn child(args: &[&str]) -> anyhow::Result<Value> {
    json_line(Command::new(std::env::current_exe()?).args(args), "")
}

/// wrk at 64 connections over the three calls of a device update.
fn ceiling(ctx: &Ctx) -> anyhow::Result<Value> {
    let fleet = FleetProcess::start(&ctx.files, CEILING_DEVICES)?;
    prewarm(&fleet.root, CEILING_DEVICES, &ctx.body)?;
    let body_file = ctx.body_file.to_string_lossy();
    let mut v = wrk("update", &fleet.root, CEILING_DEVICES, &[&body_file])?;
    v["devices_per_s"] = json!(v["requests_per_s"].as_f64().unwrap_or(f64::NAN) / 3.0);
    Ok(v)
}

/// Runs of the figures that are compared as a ratio (the GET-device ceiling
/// and the sync): on two cores shared by the fleet and its caller one run
/// moved by ±15 %, so the median of these is reported, every run beside it.
const RUNS: usize = 3;

/// wrk at 64 connections reading devices: the agent's cheapest call, on a
/// fleet the size of the sync's, which is measured against it (a fleet of
/// 10,000 answered 5–10 % fewer calls a second than one of 1,000).
fn get_device(ctx: &Ctx) -> anyhow::Result<Value> {
    let fleet = FleetProcess::start(&ctx.files, ENGINE_DEVICES)?;
    let runs = (0..RUNS)
        .map(|_| wrk("get-device", &fleet.root, ENGINE_DEVICES, &[]))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(json!({
        "requests_per_s": median(&runs, &["requests_per_s"]),
        "connections": CONNECTIONS,
        "runs": runs,
    }))
}

/// Inventory syncs of 10,000 devices, each on a fresh database and fleet:
/// the median of each of the first and the second sync.
fn sync(ctx: &Ctx) -> anyhow::Result<Value> {
    let runs = (0..RUNS)
        .map(|n| rollout_child(ctx, "engine-sync", &format!("sync-{n}.sqlite3")))
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(json!({
        "devices": ENGINE_DEVICES,
        "concurrency": ctx.concurrency,
        "first": { "devices_per_s": median(&runs, &["first", "devices_per_s"]) },
        "again": { "devices_per_s": median(&runs, &["again", "devices_per_s"]) },
        "runs": runs,
    }))
}

/// The median of the number at `path` in each of `runs`.
fn median(runs: &[Value], path: &[&str]) -> f64 {
    let mut xs: Vec<f64> = runs
        .iter()
        .map(|r| {
            path.iter()
                .fold(r, |v, k| &v[*k])
                .as_f64()
                .unwrap_or(f64::NAN)
        })
        .collect();
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

/// Runs wrk for 5 s with `bench/lua/fleet.lua` (which prints one `WRK {...}`
/// line) in `mode`, rotating over the first `devices` devices.
fn wrk(mode: &str, root: &str, devices: usize, extra: &[&str]) -> anyhow::Result<Value> {
    let lua = Path::new(env!("CARGO_MANIFEST_DIR")).join("lua/fleet.lua");
    let mut v = json_line(
        Command::new("wrk")
            .args(["-t2", &format!("-c{CONNECTIONS}"), "-d5s", "-s"])
            .arg(&lua)
            .arg(root)
            .arg("--")
            .arg(mode)
            .arg(TOKEN)
            .arg(devices.to_string())
            .args(extra),
        "WRK",
    )?;
    if v["non_2xx"].as_u64() != Some(0) {
        bail!("wrk saw answers other than 2xx: {v}");
    }
    let requests = v["requests"].as_f64().unwrap_or(0.0);
    let seconds = v["duration_us"].as_f64().unwrap_or(f64::NAN) / 1e6;
    v["requests_per_s"] = json!(requests / seconds);
    v["connections"] = json!(CONNECTIONS);
    Ok(v)
}

/// One real update of each ceiling device, so that wrk's repeated calls all
/// find their configuration and deployment (deployment id `ceiling-<n>`).
fn prewarm(root: &str, devices: usize, body: &[u8]) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(async {
        let http = reqwest::Client::new();
        let auth = format!("Bearer {TOKEN}");
        for n in 0..devices {
            let dev = format!("{root}/devices/dev-{n:05}/v1");
            let id = format!("ceiling-{n}");
            let calls = [
                http.put(format!("{dev}/products/{PRODUCT}/config"))
                    .header("content-type", "application/json")
                    .body(body.to_vec()),
                http.post(format!("{dev}/deployments")).json(&json!({
                    "id": id, "product": PRODUCT, "version": TO
                })),
                http.get(format!("{dev}/deployments/{id}")),
            ];
            for call in calls {
                call.header("authorization", &auth)
                    .send()
                    .await?
                    .error_for_status()?;
            }
        }
        anyhow::Ok(())
    })
}

fn engine(ctx: &Ctx) -> anyhow::Result<Value> {
    rollout_child(ctx, "engine-throughput", "engine.sqlite3")
}

fn status_load(ctx: &Ctx) -> anyhow::Result<Value> {
    rollout_child(ctx, "engine-status-load", "status-load.sqlite3")
}

/// Runs `command` of the child on a fresh fleet of the engine phase's size.
fn rollout_child(ctx: &Ctx, command: &str, db_file: &str) -> anyhow::Result<Value> {
    let fleet = FleetProcess::start(&ctx.files, ENGINE_DEVICES)?;
    let db = ctx.work.join(db_file);
    child(&[
        command,
        "--root",
        &fleet.root,
        "--db",
        &db.to_string_lossy(),
        "--devices",
        &ENGINE_DEVICES.to_string(),
        "--concurrency",
        &ctx.concurrency.to_string(),
    ])
}

fn script(mut cmd: Command, devices: usize) -> anyhow::Result<Value> {
    let mut v = json_line(&mut cmd, "")?;
    let failed = v["failed"].as_u64().unwrap_or(0) as f64;
    let seconds = v["seconds"].as_f64().unwrap_or(f64::NAN);
    v["devices_per_s"] = json!((devices as f64 - failed) / seconds);
    Ok(v)
}

fn baseline(name: &str) -> PathBuf {
    repo_root().join("benches/baselines").join(name)
}

fn aiohttp(ctx: &Ctx) -> anyhow::Result<Value> {
    let fleet = FleetProcess::start(&ctx.files, AIOHTTP_DEVICES)?;
    let mut cmd = Command::new("python3");
    cmd.arg(baseline("aiohttp_rollout.py"))
        .args([&fleet.root, TOKEN, "0", &AIOHTTP_DEVICES.to_string()])
        .arg(&ctx.body_file)
        .arg(CONNECTIONS.to_string());
    script(cmd, AIOHTTP_DEVICES)
}

fn bash(ctx: &Ctx) -> anyhow::Result<Value> {
    let fleet = FleetProcess::start(&ctx.files, BASH_DEVICES)?;
    let mut cmd = Command::new("bash");
    cmd.arg(baseline("xargs_curl.sh"))
        .args([&fleet.root, TOKEN, "0", &BASH_DEVICES.to_string()])
        .arg(&ctx.body_file)
        .arg(CONNECTIONS.to_string());
    script(cmd, BASH_DEVICES)
}

fn lateness(ctx: &Ctx) -> anyhow::Result<Value> {
    let fleet = FleetProcess::start(&ctx.files, LATENESS_DEVICES + ctx.lateness_concurrent)?;
    let db = ctx.work.join("lateness.sqlite3");
    child(&[
        "engine-lateness",
        "--root",
        &fleet.root,
        "--db",
        &db.to_string_lossy(),
        "--devices",
        &LATENESS_DEVICES.to_string(),
        "--concurrent",
        &ctx.lateness_concurrent.to_string(),
        "--concurrency",
        &ctx.concurrency.to_string(),
    ])
}

fn history(ctx: &Ctx) -> anyhow::Result<Value> {
    let db = ctx.work.join("history.sqlite3");
    let db = db.to_string_lossy();
    let build = child(&["history-build", "--db", &db])?;
    let probe = child(&["history-probe", "--db", &db])?;
    Ok(json!({ "build": build, "probe": probe }))
}

/// The figures the real app's end-to-end tests measured (`cargo xtask bench`
/// runs them first and passes their directory): one JSON file per test.
fn app_figures(dir: Option<&String>) -> anyhow::Result<Value> {
    let dir =
        dir.context("no --app-figures DIR: `cargo xtask bench` runs the app's figure tests")?;
    let mut out = Map::new();
    for entry in std::fs::read_dir(dir).with_context(|| dir.clone())? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path
                .file_stem()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let text = std::fs::read_to_string(&path)?;
            out.insert(
                name,
                serde_json::from_str(&text).with_context(|| path.display().to_string())?,
            );
        }
    }
    anyhow::ensure!(!out.is_empty(), "{dir} holds no figures");
    Ok(Value::Object(out))
}
