//! Seeding: the plan written into an empty database through the store's
//! ordinary functions, past updates replayed through the state machine.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration as Span, NaiveTime, Utc, Weekday};
use rollwright_agent::fleet::faults::mix;

use crate::domain::{
    Actor, DeployOption, DeviceUpdateStatus, DowntimeKind, LogEntry, LogLevel, LogSource,
    NewDevice, NewDowntime, NewTarget, NewUpdate, Scope, Zone,
};
use crate::store::{DeviceUpdateChange, Store, StoreError};

use super::plan::*;
use super::{DemoError, DemoFleetInfo, DemoSummary, META_KEY};

/// Whether the database holds neither devices nor products.
pub fn is_empty(store: &Store) -> Result<bool, DemoError> {
    Ok(store.devices()?.is_empty() && store.products()?.is_empty())
}

/// The demo fleet's port and token, if this database holds the demo.
pub fn fleet_info(store: &Store) -> Result<Option<DemoFleetInfo>, DemoError> {
    store
        .meta(META_KEY)?
        .map(|json| {
            serde_json::from_str(&json)
                .map_err(|e| StoreError::Corrupt(format!("{META_KEY}: {e}")).into())
        })
        .transpose()
}

/// Seeds an empty database with the demo landscape, its devices pointing at a
/// fleet described by `fleet`. A database with any device or product is
/// refused with [`DemoError::NotEmpty`], and nothing is written. `actor`
/// (who opened the demo) writes it, through the same gate and audit log as
/// any admin action.
pub fn seed(
    store: &Store,
    actor: &Actor,
    fleet: &DemoFleetInfo,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DemoError> {
    let (devices, products) = (store.devices()?.len(), store.products()?.len());
    if devices + products > 0 {
        return Err(DemoError::NotEmpty { devices, products });
    }
    let manifests = manifests()?;
    for m in &manifests {
        store.import_manifest(actor, m, now - Span::days(60))?;
    }
    let plan = plan();
    let history: Vec<_> = HISTORY.iter().map(|p| members(p, &plan)).collect();

    // Devices that succeeded in a past update are registered at its `from`
    // version, so replaying the history brings them to today's version.
    let mut ids = Vec::with_capacity(plan.len());
    for (i, d) in plan.iter().enumerate() {
        let mut products = BTreeMap::new();
        for (p, v) in &d.products {
            let before = HISTORY
                .iter()
                .zip(&history)
                .find(|(past, m)| past.product == *p && m.contains(&(i, Ending::Succeeded)))
                .map_or(*v, |(past, _)| past.from);
            products.insert(
                (*p).to_owned(),
                (Some(before.to_owned()), Some(before.to_owned())),
            );
        }
        let device = store.add_device(
            actor,
            &NewDevice {
                name: d.name.clone(),
                agent_url: format!("{}/devices/{}", fleet.url(), d.fleet_id),
                agent_token: fleet.token.clone(),
                tls_fingerprint: None,
                labels: d.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                products,
            }
            .validate()?,
        )?;
        ids.push(device.id);
    }

    let mut device_updates = 0;
    for (past, members) in HISTORY.iter().zip(&history) {
        device_updates += replay(store, actor, past, members, &ids, now)?;
    }

    let mut downtimes = downtimes(&plan, &ids, now);
    downtimes.extend(windows_and_freeze(now));
    for d in &downtimes {
        store.add_downtime(actor, d.clone())?;
    }

    // Written last: its presence says the seed completed.
    let info = serde_json::to_string(fleet).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    store.set_meta(META_KEY, &info)?;

    Ok(DemoSummary {
        products: 3,
        versions: manifests.len(),
        devices: plan.len(),
        downtimes: downtimes.len(),
        updates: HISTORY.len(),
        device_updates,
        fleet_url: fleet.url(),
    })
}

/// Every site's weekly maintenance window, in the site's own zone, and a
/// freeze over the whole fleet in the third week.
fn windows_and_freeze(now: DateTime<Utc>) -> Vec<NewDowntime> {
    let weekly = |site: &str, title: &str, zone: &str, day: Weekday, hour: u32, hours: i64| {
        let zone = Zone::parse("zone", zone).expect("a known zone");
        let today = zone.local(now).date();
        let ahead = (7 + day.num_days_from_monday() as i64
            - today.weekday().num_days_from_monday() as i64)
            % 7;
        let start = (today + Span::days(ahead))
            .and_time(NaiveTime::from_hms_opt(hour, 0, 0).expect("valid time"));
        NewDowntime {
            kind: DowntimeKind::Window,
            title: title.to_owned(),
            from: zone.resolve(start),
            to: zone.resolve(start + Span::hours(hours)),
            zone: zone.name().to_owned(),
            // BYDAY takes the weekday's first two letters: SA, SU, WE.
            rrule: Some(format!(
                "FREQ=WEEKLY;BYDAY={}",
                &day.to_string()[..2].to_ascii_uppercase()
            )),
            exdates: Vec::new(),
            scope: Scope::Label {
                key: "site".to_owned(),
                value: site.to_owned(),
            },
        }
    };
    vec![
        weekly(
            "berlin",
            "Berlin maintenance window",
            "Europe/Berlin",
            Weekday::Sat,
            22,
            4,
        ),
        weekly(
            "munich",
            "Munich maintenance window",
            "Europe/Berlin",
            Weekday::Sun,
            1,
            4,
        ),
        weekly(
            "hamburg",
            "Hamburg maintenance window",
            "Europe/Berlin",
            Weekday::Wed,
            20,
            3,
        ),
        weekly(
            "vienna",
            "Vienna maintenance window",
            "Europe/Vienna",
            Weekday::Sat,
            23,
            4,
        ),
        NewDowntime::once(
            DowntimeKind::Freeze,
            "Trade fair: no changes",
            at_time(now, 17, 0, 0),
            at_time(now, 20, 0, 0),
            Scope::All,
        ),
    ]
}

fn at_time(now: DateTime<Utc>, days: i64, hour: u32, minute: u32) -> DateTime<Utc> {
    let day = now.date_naive() + Span::days(days);
    day.and_time(NaiveTime::from_hms_opt(hour, minute, 0).expect("valid time"))
        .and_utc()
}

/// Writes one past update through the state machine, with realistic times:
/// planned the day before, approved, devices started 45 s apart, installs of
/// three to nine minutes.
fn replay(
    store: &Store,
    actor: &Actor,
    past: &Past,
    members: &[(usize, Ending)],
    ids: &[crate::domain::DeviceId],
    now: DateTime<Utc>,
) -> Result<usize, DemoError> {
    let start = at_time(now, -past.days_ago, 9, 0);
    let created = start - Span::hours(20);
    let (update, dus) = store.create_update(
        actor,
        NewUpdate {
            targets: vec![NewTarget::new(past.product, past.to)],
            title: past.title.to_owned(),
            window_from: start,
            window_to: start + Span::hours(3),
            devices: members
                .iter()
                .map(|(i, _)| (ids[*i], DeployOption::Now))
                .collect(),
        },
        created,
    )?;
    store.approve_update(actor, update.id, created + Span::hours(2))?;

    use DeviceUpdateStatus::*;
    let mut changes = Vec::new();
    let mut end = start;
    for (k, ((i, ending), du)) in members.iter().zip(&dus).enumerate() {
        let id = du.id.clone();
        let t0 = start + Span::seconds(45 * k as i64);
        let install = Span::seconds(180 + (mix(*i as u64 ^ past.days_ago as u64) % 360) as i64);
        let tr = |to, at| DeviceUpdateChange::Transition {
            id: id.clone(),
            to,
            at,
        };
        let log = |at, level, source, code: &str, message: String, detail: Option<&str>| {
            DeviceUpdateChange::Log {
                id: id.clone(),
                entry: LogEntry {
                    at,
                    level,
                    code: code.to_owned(),
                    message,
                    detail: detail.map(str::to_owned),
                    source,
                },
            }
        };
        let done = match ending {
            Ending::Cancelled => {
                let t = start - Span::minutes(30);
                changes.extend([
                    tr(Cancelling, t),
                    log(
                        t,
                        LogLevel::Info,
                        LogSource::Rollwright,
                        "CANCELLED",
                        "cancelled by demo-lead before the window: device reserved for a line trial".into(),
                        None,
                    ),
                    tr(Cancelled, t + Span::seconds(2)),
                ]);
                t + Span::seconds(2)
            }
            Ending::Succeeded | Ending::Error => {
                let deploying = t0 + Span::seconds(4);
                changes.extend([
                    tr(Configuring, t0),
                    tr(Configured, t0 + Span::seconds(2)),
                    tr(Deploying, deploying),
                    DeviceUpdateChange::Progress {
                        id: id.clone(),
                        progress: 50,
                        at: deploying + install / 2,
                    },
                ]);
                let t = deploying + install;
                if *ending == Ending::Succeeded {
                    changes.push(tr(Succeeded, t));
                } else {
                    changes.extend([
                        log(
                            t - Span::seconds(20),
                            LogLevel::Info,
                            LogSource::Agent,
                            "INSTALLING",
                            format!("installing {} {}", past.product, past.to),
                            None,
                        ),
                        log(
                            t,
                            LogLevel::Error,
                            LogSource::Agent,
                            "HEALTH_CHECK_FAILED",
                            "health check failed after switching; switched back".into(),
                            Some(
                                "GET http://localhost:8080/health returned 503 three times in 30 s",
                            ),
                        ),
                        log(
                            t,
                            LogLevel::Error,
                            LogSource::Rollwright,
                            "DEPLOY_FAILED",
                            format!(
                                "deployment of {} {} failed; the device still runs {}",
                                past.product, past.to, past.from
                            ),
                            None,
                        ),
                        tr(Error, t),
                    ]);
                }
                t
            }
        };
        end = end.max(done);
    }
    store.apply(&changes)?;
    store.finish_update(update.id, end)?;
    Ok(dus.len())
}

/// Planned and unplanned downtimes over the four weeks after `now`, scoped to
/// all devices, to a label, or to listed devices.
fn downtimes(
    plan: &[Planned],
    ids: &[crate::domain::DeviceId],
    now: DateTime<Utc>,
) -> Vec<NewDowntime> {
    let by_name = |names: &[&str]| Scope::Devices {
        devices: names
            .iter()
            .filter_map(|n| plan.iter().position(|d| d.name == *n).map(|i| ids[i]))
            .collect(),
    };
    let label = |k: &str, v: &str| Scope::Label {
        key: k.to_owned(),
        value: v.to_owned(),
    };
    let dt = |kind, title: &str, from, to, scope| NewDowntime::once(kind, title, from, to, scope);
    use DowntimeKind::{Planned as P, Unplanned as U};
    vec![
        dt(
            U,
            "Camera bus fault on line 2",
            now - Span::hours(3),
            now + Span::hours(5),
            by_name(&["munich-edge-06", "munich-edge-07"]),
        ),
        dt(
            U,
            "Storage array degraded (vendor notice)",
            at_time(now, 1, 12, 0),
            at_time(now, 1, 16, 0),
            label("site", "hamburg"),
        ),
        dt(
            P,
            "Berlin power supply test",
            at_time(now, 3, 6, 0),
            at_time(now, 3, 10, 0),
            label("site", "berlin"),
        ),
        dt(
            P,
            "Database patch window",
            at_time(now, 6, 20, 0),
            at_time(now, 6, 23, 0),
            label("role", "server"),
        ),
        dt(
            P,
            "Quarterly network maintenance",
            at_time(now, 9, 22, 0),
            at_time(now, 10, 2, 0),
            Scope::All,
        ),
        dt(
            P,
            "Line 2 retooling",
            at_time(now, 13, 6, 0),
            at_time(now, 13, 18, 0),
            label("group", "line-2"),
        ),
        dt(
            P,
            "Disk replacement",
            at_time(now, 16, 7, 0),
            at_time(now, 16, 9, 0),
            by_name(&["berlin-srv-01"]),
        ),
        dt(
            P,
            "Vienna plant shutdown",
            at_time(now, 20, 0, 0),
            at_time(now, 23, 0, 0),
            label("site", "vienna"),
        ),
        dt(
            P,
            "Munich network cutover",
            at_time(now, 26, 21, 0),
            at_time(now, 27, 1, 0),
            label("site", "munich"),
        ),
    ]
}
