//! Item 4: a database holding 100,000 devices and 1,000,000 finished device
//! updates (100,000 updates of 10 devices), how big it is, how much memory
//! the engine needs on top of it, and how the status list (the newest 100,
//! and the screen's pages of 50, filtered or not) scales with the history.
//!
//! The history is written by this module's own SQL against the documented
//! schema (migration 2 and 3 in `src/store/migrations.rs`), because the store
//! has no bulk path and `create_update` validates against the whole fleet each
//! time (100,000 devices × 10,000 updates would take hours). The schema comes
//! from `Store::open`, so the rows are exactly what the store reads back.
//! This is the only SQL outside `src/store/`, and it writes a benchmark
//! fixture, never a user's database.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use rollwright::domain::{RawDeviceQuery, UpdateStatus};
use rollwright::engine::{Engine, EngineConfig, Silent, SystemClock};
use rollwright::secrets::Secret;
use rollwright::store::{Store, UpdateFilter};
use rusqlite::params;
use serde_json::{json, Value};

use crate::engine_run::db_bytes;
use crate::fleet::{FROM, PRODUCT, TO};
use crate::stats;

pub struct HistoryArgs<'a> {
    pub db: &'a Path,
    pub fixtures: &'a Path,
    pub devices: usize,
    pub updates: usize,
    pub per_update: usize,
}

/// Builds the history in steps and times the status list after each step.
pub fn build(a: &HistoryArgs<'_>) -> anyhow::Result<Value> {
    anyhow::ensure!(!a.db.exists(), "{} exists", a.db.display());
    let store = Store::open(a.db, bench_secrets(a.db)?)?;
    for v in [FROM, TO] {
        let m = rollwright::manifest_file::read_manifest(
            &a.fixtures.join(format!("{PRODUCT}-{v}.toml")),
        )?;
        store.import_manifest(&crate::engine_run::bench_admin(), &m, Utc::now())?;
    }
    // Every fixture device shares one token, stored once: a secret store
    // holds tokens, the rows only its reference.
    let token_ref = bench_secrets(a.db)?.put(&Secret::new("token"))?;
    let mut conn = rusqlite::Connection::open(a.db)?;
    // A fixture: nothing to lose on a crash, so no syncing while it is written.
    conn.pragma_update(None, "synchronous", "OFF")?;
    conn.pragma_update(None, "cache_size", -262_144)?;

    let started = Instant::now();
    insert_devices(&mut conn, a.devices, &token_ref.to_string())?;
    let mut steps = Vec::new();
    let mut done = 0;
    // Status timings at 1%, 10% and 100% of the history.
    for target in [a.updates / 100, a.updates / 10, a.updates] {
        insert_updates(&mut conn, a, done..target)?;
        done = target;
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        let mut step = status_timings(&store)?;
        step["device_updates"] = json!(done * a.per_update);
        step["updates"] = json!(done);
        step["db_bytes"] = json!(db_bytes(a.db));
        steps.push(step);
    }
    Ok(json!({
        "devices": a.devices,
        "updates": a.updates,
        "device_updates": a.updates * a.per_update,
        "build_s": started.elapsed().as_secs_f64(),
        "db_bytes": db_bytes(a.db),
        "steps": steps,
    }))
}

fn insert_devices(
    conn: &mut rusqlite::Connection,
    devices: usize,
    token_ref: &str,
) -> anyhow::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut dev = tx.prepare(
            "INSERT INTO devices (id, name, agent_url, agent_token, labels, token_ref)
             VALUES (?1, ?2, ?3, '', ?4, ?5)",
        )?;
        let mut prod = tx.prepare(
            "INSERT INTO device_products (device_id, product, configured_version, deployed_version)
             VALUES (?1, ?2, ?3, ?3)",
        )?;
        for n in 0..devices {
            let id = n as i64 + 1;
            let name = format!("dev-{n:06}");
            dev.execute(params![
                id,
                name,
                format!("https://{name}.example.com:8443"),
                format!(r#"{{"site":"site-{}"}}"#, n % 40),
                token_ref
            ])?;
            prod.execute(params![id, PRODUCT, TO])?;
        }
    }
    tx.commit()?;
    Ok(())
}

/// Updates `range` (one per simulated hour, oldest first), each finished on
/// `per_update` devices in rotation.
fn insert_updates(
    conn: &mut rusqlite::Connection,
    a: &HistoryArgs<'_>,
    range: std::ops::Range<usize>,
) -> anyhow::Result<()> {
    const HOUR_MS: i64 = 3_600_000;
    let origin = Utc::now().timestamp_millis() - a.updates as i64 * HOUR_MS;
    let tx = conn.transaction()?;
    {
        let mut upd = tx.prepare(
            "INSERT INTO updates (id, product, version, title, created_by, created_at, window_from,
                 window_to, approved_at, approved_by, actual_end)
             VALUES (?1, ?2, ?3, ?4, 'admin', ?5, ?5, ?6, ?5, 'admin', ?7)",
        )?;
        let mut target = tx.prepare(
            "INSERT INTO update_targets (update_id, position, product, version)
             VALUES (?1, 0, ?2, ?3)",
        )?;
        let mut du = tx.prepare(
            "INSERT INTO device_updates (id, update_id, device_id, option, at_ms, window_from,
                 window_to, status, progress, actual_start, actual_end, attempts, updated_at)
             VALUES (?1, ?2, ?3, 'now', NULL, ?4, ?5, 'succeeded', 100, ?4, ?6, 1, ?6)",
        )?;
        let mut du_target = tx.prepare(
            "INSERT INTO device_update_targets (device_update_id, position, product, version,
                 previous_configured, previous_deployed)
             VALUES (?1, 0, ?2, ?3, ?4, ?4)",
        )?;
        let mut rng = fastrand::Rng::with_seed(range.start as u64);
        for u in range {
            let id = u as i64 + 1;
            let at = origin + u as i64 * HOUR_MS;
            let end = at + 20 * 60_000;
            upd.execute(params![
                id,
                PRODUCT,
                TO,
                format!("Roll out {PRODUCT} {TO} (wave {u})"),
                at,
                at + HOUR_MS,
                end
            ])?;
            target.execute(params![id, PRODUCT, TO])?;
            for k in 0..a.per_update {
                let device = ((u * a.per_update + k) % a.devices) as i64 + 1;
                // Device update ids are `du-` and a random UUID, as the store makes them.
                let du_id = format!("du-{:032x}", rng.u128(..));
                du.execute(params![du_id, id, device, at, at + HOUR_MS, end])?;
                du_target.execute(params![du_id, PRODUCT, TO, FROM])?;
            }
        }
    }
    tx.commit()?;
    Ok(())
}

/// The status list of the newest 100 updates, and one update's device
/// updates, each timed over repeated runs after a warm-up.
fn status_timings(store: &Store) -> anyhow::Result<Value> {
    let newest = store
        .recent_updates(1)?
        .first()
        .map(|(u, _)| u.id)
        .context("no updates")?;
    Ok(json!({
        "recent_100": time(&|| {
            anyhow::ensure!(store.recent_updates(100)?.len() == 100, "fewer than 100 updates");
            Ok(())
        })?,
        "device_updates_of_newest": time(&|| {
            store.device_updates_of(newest)?;
            Ok(())
        })?,
        "status_pages": status_pages(store)?,
    }))
}

/// `f`'s p50 and max over 25 runs after 3 warm-ups.
fn time(f: &dyn Fn() -> anyhow::Result<()>) -> anyhow::Result<Value> {
    for _ in 0..3 {
        f()?;
    }
    let mut runs: Vec<Duration> = (0..25)
        .map(|_| {
            let t = Instant::now();
            f().map(|()| t.elapsed())
        })
        .collect::<anyhow::Result<_>>()?;
    runs.sort();
    Ok(json!({
        "p50_ms": stats::quantile_ms(&runs, 0.5),
        "max_ms": stats::quantile_ms(&runs, 1.0),
    }))
}

/// The status screen's pages (`Store::updates_page`, 50 rows as the screen
/// reads them): the first, the last, and the first filtered by derived
/// status and title text, which counts every match.
fn status_pages(store: &Store) -> anyhow::Result<Value> {
    const PAGE: u32 = 50;
    let all = UpdateFilter::default();
    let total = store.updates_page(&all, 0, 1)?.total;
    let filtered = UpdateFilter {
        status: Some(UpdateStatus::Succeeded),
        text: Some("wave".into()),
        ..UpdateFilter::default()
    };
    let page = |filter: &UpdateFilter, offset: u64| -> anyhow::Result<()> {
        let p = store.updates_page(filter, offset, PAGE)?;
        anyhow::ensure!(!p.updates.is_empty(), "an empty status page");
        Ok(())
    };
    Ok(json!({
        "updates": total,
        "first": time(&|| page(&all, 0))?,
        "last": time(&|| page(&all, total.saturating_sub(PAGE.into())))?,
        "filtered": time(&|| page(&filtered, 0))?,
    }))
}

/// In a fresh process: open the store, start the engine on it (resume finds
/// nothing to do), list the newest 100 updates; report memory.
pub async fn probe(db: &Path) -> anyhow::Result<Value> {
    let rss_start = stats::rss_mib();
    let t = Instant::now();
    let store = Store::open(db, bench_secrets(db)?)?;
    let engine = Engine::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(Silent),
        EngineConfig::default(),
    )?;
    let resumed = engine.start().await?;
    let start_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let listed = store.recent_updates(100)?.len();
    let first_status_ms = t.elapsed().as_secs_f64() * 1000.0;
    let rss_engine = stats::rss_mib();
    let landscape = scroll_landscape(&store)?;
    Ok(json!({
        "rss_start_mib": rss_start,
        "engine_start_s": start_s,
        "resumed": resumed,
        "first_status_ms": first_status_ms,
        "listed": listed,
        "rss_engine_mib": rss_engine,
        "landscape": landscape,
        "peak_rss_mib": stats::peak_rss_mib(),
    }))
}

/// Scrolls the landscape screen's way through every device: pages of 200 as
/// the screen fetches them, from the first to the last, each page turned
/// into its rows; then a filtered page. Per-page times and the memory of
/// this process after scrolling (the desktop process's side of the screen;
/// the WebView's own memory is not in it).
fn scroll_landscape(store: &Store) -> anyhow::Result<Value> {
    const PAGE: usize = 200;
    let query = |offset: usize| {
        RawDeviceQuery {
            offset,
            limit: Some(PAGE),
            ..RawDeviceQuery::default()
        }
        .validate()
    };
    let mut took = Vec::new();
    let mut offset = 0;
    let mut seen = 0;
    loop {
        let t = Instant::now();
        let page = store.device_page(&query(offset)?)?;
        // What the command sends: the page as JSON.
        let rows = serde_json::to_vec(&page)?;
        took.push(t.elapsed());
        std::hint::black_box(rows);
        seen += page.devices.len();
        offset += PAGE;
        if offset >= page.total {
            break;
        }
    }
    let filtered = RawDeviceQuery {
        labels: vec!["site=site-7".into()],
        product: Some(PRODUCT.into()),
        version: Some(TO.into()),
        offset: 1_000,
        limit: Some(PAGE),
        ..RawDeviceQuery::default()
    }
    .validate()?;
    let t = Instant::now();
    let filtered_total = store.device_page(&filtered)?.total;
    let filtered_ms = t.elapsed().as_secs_f64() * 1000.0;
    took.sort();
    Ok(json!({
        "devices": seen,
        "pages": took.len(),
        "page_p50_ms": stats::quantile_ms(&took, 0.5),
        "page_p99_ms": stats::quantile_ms(&took, 0.99),
        "page_max_ms": stats::quantile_ms(&took, 1.0),
        "filtered_page_ms": filtered_ms,
        "filtered_total": filtered_total,
        "rss_after_scroll_mib": stats::rss_mib(),
    }))
}

/// The benchmark's tokens: the encrypted file beside its database, never the
/// keyring of whoever runs it.
pub(crate) fn bench_secrets(
    db: &std::path::Path,
) -> anyhow::Result<std::sync::Arc<dyn rollwright::secrets::SecretStore>> {
    let dir = db.parent().unwrap_or(std::path::Path::new("."));
    Ok(rollwright::secrets::file_store(dir)?)
}
