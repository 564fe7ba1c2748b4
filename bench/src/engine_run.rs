//! The engine's side of the benchmark, run in a child process of its own so
//! that its CPU time and peak memory are the engine's alone (the fleet is
//! another process). A real rollout: SQLite store on disk, every transition
//! durable through the engine's group-commit journal before it is acted on.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Context};
use chrono::Utc;
use rollwright::domain::{
    Actor, DeployOption, DeviceId, DeviceUpdateStatus, NewDevice, NewTarget, NewUpdate,
};
use rollwright::engine::{Engine, EngineConfig, Silent, SystemClock};
use rollwright::store::{DeviceSelection, Store};
use serde_json::{json, Value};

use crate::fleet::{FROM, PRODUCT, TO, TOKEN};
use crate::stats;

/// Longest a rollout may take before the benchmark gives up.
const LIMIT: Duration = Duration::from_secs(300);

pub struct EngineArgs<'a> {
    pub root: &'a str,
    pub db: &'a Path,
    pub fixtures: &'a Path,
    pub concurrency: usize,
}

/// Opens a fresh store with both versions imported and, per `(first, count)`
/// set, devices `dev-{first}` .. registered against the fleet at `root`.
fn landscape(
    a: &EngineArgs<'_>,
    sets: &[(usize, usize)],
) -> anyhow::Result<(Store, Vec<Vec<DeviceId>>)> {
    ensure!(
        !a.db.exists(),
        "{} exists; the bench wants a fresh database",
        a.db.display()
    );
    // One process builds the landscape and runs the engine on it: its
    // tokens can stay in memory (a file store's put rewrites its file).
    let store = Store::open(a.db, Arc::new(rollwright::secrets::MemoryStore::new()))?;
    for v in [FROM, TO] {
        let path = a.fixtures.join(format!("{PRODUCT}-{v}.toml"));
        let m = rollwright::manifest_file::read_manifest(&path)
            .with_context(|| path.display().to_string())?;
        store.import_manifest(&bench_admin(), &m, Utc::now())?;
    }
    let mut out = Vec::new();
    for &(first, count) in sets {
        let mut ids = Vec::with_capacity(count);
        for n in first..first + count {
            let name = format!("dev-{n:05}");
            let d = NewDevice {
                agent_url: format!("{}/devices/{name}", a.root),
                name,
                agent_token: TOKEN.into(),
                tls_fingerprint: None,
                labels: vec!["site=bench".into()],
                products: [(
                    PRODUCT.to_string(),
                    (Some(FROM.to_string()), Some(FROM.to_string())),
                )]
                .into(),
            }
            .validate()?;
            ids.push(store.add_device(&bench_admin(), &d)?.id);
        }
        out.push(ids);
    }
    Ok((store, out))
}

fn new_update(
    title: &str,
    devices: Vec<(DeviceId, DeployOption)>,
    now: chrono::DateTime<Utc>,
) -> NewUpdate {
    NewUpdate {
        targets: vec![NewTarget::new(PRODUCT, TO)],
        title: title.into(),
        window_from: now,
        window_to: now + chrono::Duration::hours(1),
        devices,
    }
}

fn engine(store: &Store, concurrency: usize) -> anyhow::Result<Engine> {
    engine_with(store, concurrency, None)
}

fn engine_with(
    store: &Store,
    concurrency: usize,
    lateness_probe: Option<tokio::sync::mpsc::UnboundedSender<Duration>>,
) -> anyhow::Result<Engine> {
    let config = EngineConfig {
        concurrency,
        lateness_probe,
        ..EngineConfig::default()
    };
    Ok(Engine::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(Silent),
        config,
    )?)
}

fn succeeded(store: &Store, update: rollwright::domain::UpdateId) -> anyhow::Result<usize> {
    Ok(store
        .device_updates_of(update)?
        .iter()
        .filter(|du| du.status == DeviceUpdateStatus::Succeeded)
        .count())
}

/// A landscape of `devices` devices with one update of them all, `now`, not
/// approved yet, and a started engine.
async fn started_rollout(
    a: &EngineArgs<'_>,
    devices: usize,
) -> anyhow::Result<(Store, rollwright::domain::Update, Engine)> {
    let (store, sets) = landscape(a, &[(0, devices)])?;
    let now = Utc::now();
    let options = sets[0].iter().map(|id| (*id, DeployOption::Now)).collect();
    let (update, _) = store.create_update(
        &bench_admin(),
        new_update("Bench rollout", options, now),
        now,
    )?;
    let engine = engine(&store, a.concurrency)?;
    engine.start().await?;
    Ok((store, update, engine))
}

/// The status list as the status screen reads it (`Store::recent_updates`,
/// newest 100), queried from another thread every 10 ms while a `now`
/// rollout of `devices` devices runs: p50 / p99 / max of the query.
pub async fn status_under_load(a: &EngineArgs<'_>, devices: usize) -> anyhow::Result<Value> {
    let (store, update, engine) = started_rollout(a, devices).await?;
    let running = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let reader = {
        let (store, running) = (store.clone(), running.clone());
        std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
            let mut took = Vec::new();
            while running.load(std::sync::atomic::Ordering::SeqCst) {
                let t = Instant::now();
                store.recent_updates(100)?;
                took.push(t.elapsed());
                std::thread::sleep(Duration::from_millis(10));
            }
            Ok(took)
        })
    };
    let t0 = Instant::now();
    engine.approve(&bench_admin(), update.id).await?;
    let finished = tokio::time::timeout(LIMIT, engine.wait_idle()).await;
    let rollout_s = t0.elapsed().as_secs_f64();
    running.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut took = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the status reader panicked"))??;
    finished.context("the rollout did not finish in time")?;
    took.sort();
    Ok(json!({
        "devices": devices,
        "succeeded": succeeded(&store, update.id)?,
        "rollout_s": rollout_s,
        "queries": took.len(),
        "p50_ms": stats::quantile_ms(&took, 0.50),
        "p99_ms": stats::quantile_ms(&took, 0.99),
        "max_ms": took.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
    }))
}

/// One update of `devices` devices, all `now`: devices/s, CPU per 1,000
/// device updates and peak memory of this process.
pub async fn throughput(a: &EngineArgs<'_>, devices: usize) -> anyhow::Result<Value> {
    let setup = Instant::now();
    let (store, update, engine) = started_rollout(a, devices).await?;
    let setup_s = setup.elapsed().as_secs_f64();
    let rss_before = stats::rss_mib();

    let cpu0 = stats::cpu_time();
    let t0 = Instant::now();
    engine.approve(&bench_admin(), update.id).await?;
    tokio::time::timeout(LIMIT, engine.wait_idle())
        .await
        .context("the rollout did not finish in time")?;
    let seconds = t0.elapsed().as_secs_f64();
    let cpu = (stats::cpu_time() - cpu0).as_secs_f64();
    let threads = stats::cpu_by_thread();

    let ok = succeeded(&store, update.id)?;
    Ok(json!({
        "devices": devices,
        "succeeded": ok,
        "seconds": seconds,
        "devices_per_s": ok as f64 / seconds,
        "cpu_s": cpu,
        "cpu_s_per_1000": cpu / (devices as f64 / 1000.0),
        "peak_rss_mib": stats::peak_rss_mib(),
        "rss_before_mib": rss_before,
        "setup_s": setup_s,
        "concurrency": a.concurrency,
        "db_bytes": db_bytes(a.db),
        "cpu_s_by_thread": threads,
    }))
}

/// `devices` device updates due within one `span`, starting `lead` from now
/// (time for their early configuration), while a `now` rollout of
/// `concurrent` other devices starts with the span: lateness p50/p99/max.
pub async fn lateness(
    a: &EngineArgs<'_>,
    devices: usize,
    concurrent: usize,
    span: Duration,
    lead: Duration,
) -> anyhow::Result<Value> {
    let (store, sets) = landscape(a, &[(0, devices), (devices, concurrent)])?;
    let now = Utc::now();
    let start = now + chrono::Duration::from_std(lead)?;
    let step = span.as_secs_f64() / devices as f64;
    let timed = sets[0]
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let offset = chrono::Duration::microseconds((i as f64 * step * 1e6) as i64);
            (*id, DeployOption::At(start + offset))
        })
        .collect();
    let (timed, _) = store.create_update(
        &bench_admin(),
        new_update("Bench timed rollout", timed, now),
        now,
    )?;
    let rollout = if concurrent > 0 {
        let opts = sets[1].iter().map(|id| (*id, DeployOption::Now)).collect();
        Some(
            store
                .create_update(
                    &bench_admin(),
                    new_update("Bench concurrent rollout", opts, now),
                    now,
                )?
                .0,
        )
    } else {
        None
    };
    let (probe, mut lateness) = tokio::sync::mpsc::unbounded_channel();
    let engine = engine_with(&store, a.concurrency, Some(probe))?;
    engine.start().await?;
    let cpu0 = stats::cpu_time();
    engine.approve(&bench_admin(), timed.id).await?;
    let until_start = (start - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(until_start).await;
    let mut rollout_s = None;
    if let Some(u) = &rollout {
        let t0 = Instant::now();
        engine.approve(&bench_admin(), u.id).await?;
        // The concurrent rollout ends well inside the span; its own speed is
        // measured by watching its device updates settle.
        let mut events = engine.subscribe();
        let mut left = concurrent;
        let watch = async {
            while left > 0 {
                match events.recv().await {
                    Ok(rollwright::engine::EngineEvent::UpdateFinished { update, .. })
                        if update == u.id =>
                    {
                        left = 0
                    }
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
        };
        if tokio::time::timeout(span + LIMIT, watch).await.is_ok() {
            rollout_s = Some(t0.elapsed().as_secs_f64());
        }
    }
    tokio::time::timeout(span + LIMIT, engine.wait_idle())
        .await
        .context("the timed rollout did not finish in time")?;
    let cpu = (stats::cpu_time() - cpu0).as_secs_f64();
    let mut late = Vec::new();
    while let Ok(d) = lateness.try_recv() {
        late.push(d);
    }
    late.sort();
    Ok(json!({
        "devices": devices,
        "dispatched": late.len(),
        "succeeded": succeeded(&store, timed.id)?,
        "span_s": span.as_secs_f64(),
        "p50_ms": stats::quantile_ms(&late, 0.50),
        "p99_ms": stats::quantile_ms(&late, 0.99),
        "max_ms": late.last().map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0),
        "concurrent_devices": concurrent,
        "concurrent_succeeded": match &rollout { Some(u) => succeeded(&store, u.id)?, None => 0 },
        "concurrent_rollout_s": rollout_s,
        "cpu_s": cpu,
        "cpu_s_by_thread": stats::cpu_by_thread(),
        "peak_rss_mib": stats::peak_rss_mib(),
    }))
}

pub fn db_bytes(db: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(p).ok()
        })
        .map(|m| m.len())
        .sum()
}

/// Who the benchmark acts as: the first user of its database, hence admin.
pub(crate) fn bench_admin() -> Actor {
    Actor::new("bench").expect("a valid user name")
}

/// One inventory sync of `devices` fleet devices that were registered with
/// other versions than they run: devices/s of the sync (one `GET /v1/device`
/// each, answers written in batches), twice: the first sync builds the
/// clients and writes every device; the second finds nothing changed.
pub async fn sync(a: &EngineArgs<'_>, devices: usize) -> anyhow::Result<Value> {
    let (store, _) = landscape(a, &[(0, devices)])?;
    let config = EngineConfig {
        sync_concurrency: a.concurrency,
        ..EngineConfig::default()
    };
    let engine = Engine::new(store, Arc::new(SystemClock), Arc::new(Silent), config)?;
    let mut runs = Vec::new();
    for _ in 0..2 {
        let cpu0 = stats::cpu_time();
        let t0 = Instant::now();
        let report = engine.sync_inventory(DeviceSelection::All).await?;
        let seconds = t0.elapsed().as_secs_f64();
        ensure!(
            report.reached == devices,
            "only {} of {devices} devices answered: {report:?}",
            report.reached
        );
        runs.push(json!({
            "seconds": seconds,
            "devices_per_s": devices as f64 / seconds,
            "changed": report.changed,
            "cpu_s": (stats::cpu_time() - cpu0).as_secs_f64(),
        }));
    }
    engine.shutdown().await;
    Ok(json!({
        "devices": devices,
        "concurrency": a.concurrency,
        "first": runs[0],
        "again": runs[1],
        "peak_rss_mib": stats::peak_rss_mib(),
    }))
}
