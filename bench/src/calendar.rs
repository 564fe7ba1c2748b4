//! The planning calendar: the free-slot finder for 10,000 devices against
//! 5,000 calendar items (goal ≤ 50 ms), and the store's range query over
//! 5,000 stored items when the viewed month is ten years after they began.
//!
//! The items are what a large fleet has: a weekly maintenance window per
//! site in its zone, recurring downtimes, thousands of one-off downtimes
//! scoped to sites, lines or listed devices, a few freezes; and other
//! updates holding windows on a tenth of the devices.

use std::path::Path;
use std::time::Instant;

use chrono::{DateTime, Duration, TimeZone, Utc};
use rollwright::calendar::{Busy, Occurrence, Placed, Planning, SlotRequest};
use rollwright::domain::{
    DeviceId, Downtime, DowntimeId, DowntimeKind, Labels, NewDowntime, Scope, UpdateId, Zone,
};
use rollwright::store::Store;
use serde_json::{json, Value};

use crate::stats;

const DEVICES: usize = 10_000;
const ITEMS: usize = 5_000;
const SITES: usize = 40;
const RUNS: usize = 20;

fn origin() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 1, 7, 0, 0, 0).unwrap()
}

fn devices() -> Vec<(DeviceId, Labels)> {
    (0..DEVICES)
        .map(|n| {
            let labels: Labels = [
                ("site".to_owned(), format!("site-{}", n % SITES)),
                ("line".to_owned(), format!("line-{}", n % 200)),
            ]
            .into();
            (DeviceId(n as i64 + 1), labels)
        })
        .collect()
}

/// The items, unsaved; item `i` is deterministic.
fn new_items() -> Vec<NewDowntime> {
    let berlin = Zone::parse("zone", "Europe/Berlin").expect("known zone");
    let mut rng = fastrand::Rng::with_seed(7);
    (0..ITEMS)
        .map(|i| {
            let site = Scope::Label {
                key: "site".into(),
                value: format!("site-{}", i % SITES),
            };
            if i < SITES {
                // Each site's weekly window: Saturday 22:00 for 6 hours.
                let from = berlin.resolve(
                    (origin() + Duration::days(5))
                        .date_naive()
                        .and_hms_opt(22, 0, 0)
                        .expect("valid time"),
                );
                return recurring(
                    DowntimeKind::Window,
                    from,
                    6,
                    "FREQ=WEEKLY;BYDAY=SA",
                    site,
                    berlin,
                );
            }
            let start = origin() + Duration::minutes(rng.i64(0..60 * 24 * 90));
            match i % 50 {
                0 => NewDowntime::once(
                    DowntimeKind::Freeze,
                    format!("freeze {i}"),
                    start,
                    start + Duration::hours(rng.i64(4..48)),
                    site,
                ),
                1..=9 => recurring(
                    DowntimeKind::Planned,
                    start,
                    rng.i64(1..4),
                    if i % 2 == 0 {
                        "FREQ=WEEKLY"
                    } else {
                        "FREQ=DAILY;INTERVAL=3"
                    },
                    site,
                    berlin,
                ),
                _ => {
                    let scope = match i % 3 {
                        0 => site,
                        1 => Scope::Label {
                            key: "line".into(),
                            value: format!("line-{}", rng.usize(0..200)),
                        },
                        _ => Scope::Devices {
                            devices: (0..5)
                                .map(|_| DeviceId(rng.i64(1..=DEVICES as i64)))
                                .collect(),
                        },
                    };
                    let kind = if i % 2 == 0 {
                        DowntimeKind::Planned
                    } else {
                        DowntimeKind::Unplanned
                    };
                    NewDowntime::once(
                        kind,
                        format!("downtime {i}"),
                        start,
                        start + Duration::minutes(rng.i64(30..600)),
                        scope,
                    )
                }
            }
        })
        .collect()
}

fn recurring(
    kind: DowntimeKind,
    from: DateTime<Utc>,
    hours: i64,
    rule: &str,
    scope: Scope,
    zone: Zone,
) -> NewDowntime {
    NewDowntime {
        kind,
        title: format!("{} {rule}", kind.words()),
        from,
        to: from + Duration::hours(hours),
        zone: zone.name().to_owned(),
        rrule: Some(rule.to_owned()),
        exdates: Vec::new(),
        scope,
    }
}

fn items() -> anyhow::Result<Vec<Downtime>> {
    new_items()
        .into_iter()
        .enumerate()
        .map(|(i, d)| Ok(d.validate()?.with_id(DowntimeId(i as i64 + 1))))
        .collect()
}

fn busy() -> Vec<Busy> {
    let mut rng = fastrand::Rng::with_seed(11);
    (0..DEVICES / 10)
        .map(|k| {
            let from = origin() + Duration::minutes(rng.i64(0..60 * 24 * 30));
            Busy {
                device: DeviceId(rng.i64(1..=DEVICES as i64)),
                update: UpdateId(k as i64 + 1),
                title: format!("update {k}"),
                window: Occurrence {
                    from,
                    to: from + Duration::hours(2),
                },
            }
        })
        .collect()
}

/// The finder, in process: pure code, nothing to isolate.
pub fn run(work: &Path) -> anyhow::Result<Value> {
    let devices = devices();
    let placed: Vec<Placed<'_>> = devices
        .iter()
        .map(|(id, labels)| Placed { id: *id, labels })
        .collect();
    let items = items()?;
    let busy = busy();
    let req = SlotRequest {
        duration: Duration::hours(2),
        earliest: origin() + Duration::hours(1),
        horizon: Duration::days(30),
    }
    .check()?;
    let (from, to) = req.range();

    let mut build = Vec::new();
    let mut together = Vec::new();
    let mut each = Vec::new();
    let mut found = (None, 0);
    for _ in 0..RUNS {
        let t = Instant::now();
        let planning = Planning::new(&items, busy.clone(), from, to)?;
        build.push(t.elapsed());
        let t = Instant::now();
        let slot = planning.free_slot(&placed, req);
        together.push(t.elapsed());
        let t = Instant::now();
        let per_device = planning.free_slot_per_device(&placed, req);
        each.push(t.elapsed());
        found = (slot, per_device.iter().filter(|s| s.slot.is_some()).count());
    }
    let total: Vec<_> = (0..RUNS).map(|i| build[i] + together[i]).collect();
    Ok(json!({
        "devices": DEVICES,
        "items": ITEMS,
        "busy": busy.len(),
        "horizon_days": 30,
        "runs": RUNS,
        "expand_ms": stats::summary_ms(&build),
        "together_ms": stats::summary_ms(&together),
        "per_device_ms": stats::summary_ms(&each),
        "find_total_ms": stats::summary_ms(&total),
        "slot": found.0,
        "devices_with_own_slot": found.1,
        "store": range_query(work)?,
    }))
}

/// 5,000 items stored, then a month's items read and expanded at the start
/// and ten years later.
fn range_query(work: &Path) -> anyhow::Result<Value> {
    let db = work.join("calendar.sqlite3");
    let _ = std::fs::remove_file(&db);
    let store = Store::open(&db, crate::history::bench_secrets(&db)?)?;
    let admin = crate::engine_run::bench_admin();
    // Listed devices would need the devices stored; their items read the
    // same way when scoped by label.
    let stored: Vec<NewDowntime> = new_items()
        .into_iter()
        .map(|mut d| {
            if matches!(d.scope, Scope::Devices { .. }) {
                d.scope = Scope::Label {
                    key: "line".into(),
                    value: "line-0".into(),
                };
            }
            d
        })
        .collect();
    let t = Instant::now();
    store.add_downtimes(&admin, stored, "the benchmark")?;
    let write_ms = t.elapsed().as_secs_f64() * 1e3;
    let mut out = json!({ "write_ms": write_ms });
    for (name, years) in [("month_now", 0), ("month_in_10_years", 10)] {
        let from = origin() + Duration::days(365 * years);
        let to = from + Duration::days(31);
        let mut times = Vec::new();
        let mut count = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let planning = store.planning(from, to)?;
            times.push(t.elapsed());
            count = planning.occurrence_count();
        }
        out[name] = json!({ "ms": stats::summary_ms(&times), "occurrences": count });
    }
    Ok(out)
}
