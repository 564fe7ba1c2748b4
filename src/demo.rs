//! The demo landscape: three products, ~60 devices across four sites, a month
//! of downtimes, some finished updates, and a simulated fleet on loopback that
//! answers for those devices. Seeds only an empty database, and only through
//! the store's ordinary functions, so the demo obeys every rule real data does.
//!
//! Everything is a pure function of the fixed plan below and `now`; only the
//! fleet's token (random, kept in `meta`) and its port differ between seeds.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Duration as Span, NaiveTime, Utc};
use rollwright_agent::fleet::faults::{mix, Faults};
use rollwright_agent::fleet::spec::{DeviceSpec, FleetSpec, ProductSpec};
use rollwright_agent::fleet::{persist, Fleet, FleetConfig};
use rollwright_protocol::ModuleRef;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::domain::{
    DeployOption, DeviceUpdateStatus, DowntimeKind, ErrorCode, LogEntry, LogLevel, LogSource,
    Manifest, NewDevice, NewDowntime, NewUpdate, Scope, ValidationError,
};
use crate::store::{DeviceUpdateChange, Store, StoreError};

/// The fault-injection seed of the demo fleet: the same deployments fail on
/// every run, so a demo can be rehearsed.
pub const DEMO_SEED: u64 = 0x5eed_2030;
/// The `meta` key holding [`DemoFleetInfo`] as JSON; its presence marks the
/// landscape as the demo.
pub const META_KEY: &str = "demo.fleet";
/// The fleet's state file inside the state directory.
pub const STATE_FILE: &str = "demo-fleet.json";

/// Install time of a simulated deployment: long enough to watch progress.
const INSTALL_MS: (u64, u64) = (300, 1500);
/// About one deployment in thirty fails, so the demo shows an error now and then.
const FAIL_RATE: f64 = 0.03;

const MANIFESTS: [&str; 12] = [
    include_str!("../tests/fixtures/manifests/acme-erp-2.3.0.toml"),
    include_str!("../tests/fixtures/manifests/acme-erp-2.4.0.toml"),
    include_str!("../tests/fixtures/manifests/acme-erp-2.5.0-rc.1.toml"),
    include_str!("../tests/fixtures/manifests/acme-erp-2.5.0.toml"),
    include_str!("../tests/fixtures/manifests/edge-gateway-0.9.0.toml"),
    include_str!("../tests/fixtures/manifests/edge-gateway-1.0.0.toml"),
    include_str!("../tests/fixtures/manifests/edge-gateway-1.1.0.toml"),
    include_str!("../tests/fixtures/manifests/edge-gateway-1.2.0.toml"),
    include_str!("../tests/fixtures/manifests/vision-inspector-1.8.2.toml"),
    include_str!("../tests/fixtures/manifests/vision-inspector-1.9.0.toml"),
    include_str!("../tests/fixtures/manifests/vision-inspector-2.0.0.toml"),
    include_str!("../tests/fixtures/manifests/vision-inspector-2.0.1.toml"),
];

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database is not empty ({devices} devices, {products} products); the demo seeds only an empty one")]
    NotEmpty { devices: usize, products: usize },
    #[error("this database holds no demo landscape")]
    NotDemo,
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    /// The simulated fleet could not be built, e.g. an unreadable state file.
    #[error("demo fleet: {0}")]
    Fleet(String),
    /// The demo's own data broke a rule: a bug in this file.
    #[error("demo data: {0}")]
    Data(#[from] ValidationError),
}

impl DemoError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DemoError::Store(e) => e.code(),
            DemoError::NotEmpty { .. } => ErrorCode::Conflict,
            DemoError::NotDemo => ErrorCode::NotFound,
            DemoError::Listen(_) | DemoError::Fleet(_) | DemoError::Data(_) => ErrorCode::Internal,
        }
    }
}

/// Where the demo fleet listens and the token it expects; kept in `meta` so a
/// later start brings the same fleet back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoFleetInfo {
    pub port: u16,
    pub token: String,
}

impl DemoFleetInfo {
    /// A fresh random token for a fleet on `port`.
    pub fn new(port: u16) -> DemoFleetInfo {
        DemoFleetInfo {
            port,
            token: format!("demo-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// The fleet's base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        fleet_url(self.port)
    }
}

fn fleet_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// What [`seed`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub products: usize,
    pub versions: usize,
    pub devices: usize,
    pub downtimes: usize,
    pub updates: usize,
    pub device_updates: usize,
    pub fleet_url: String,
}

/// How to start the demo.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Where the fleet keeps its state file across restarts.
    pub state_dir: PathBuf,
    /// A port to prefer over the stored one (or over a free one when seeding).
    pub port: Option<u16>,
}

// ---------------------------------------------------------------- the plan

const SITES: [&str; 4] = ["berlin", "munich", "hamburg", "vienna"];
const SERVERS_PER_SITE: usize = 5;
const EDGES_PER_SITE: usize = 10;

/// One device of the plan, with the versions it runs *now* (after history).
#[derive(Debug, Clone)]
struct Planned {
    /// The fleet's id, `dev-NNNNN`, which is its index in the fleet.
    fleet_id: String,
    name: String,
    labels: BTreeMap<String, String>,
    products: BTreeMap<&'static str, &'static str>,
}

/// The demo fleet: per site five servers (acme-erp) and ten edge boxes
/// (edge-gateway, every other one also vision-inspector), versions mixed so
/// that every product has devices to update.
fn plan() -> Vec<Planned> {
    let mut out = Vec::new();
    for site in SITES {
        for k in 0..SERVERS_PER_SITE + EDGES_PER_SITE {
            let n = out.len();
            let server = k < SERVERS_PER_SITE;
            let (role, name) = if server {
                ("server", format!("{site}-srv-{:02}", k + 1))
            } else {
                (
                    "edge",
                    format!("{site}-edge-{:02}", k - SERVERS_PER_SITE + 1),
                )
            };
            let labels = BTreeMap::from([
                ("site".to_owned(), site.to_owned()),
                ("role".to_owned(), role.to_owned()),
                ("group".to_owned(), format!("line-{}", k % 3 + 1)),
            ]);
            let mut products = BTreeMap::new();
            if server {
                products.insert("acme-erp", if k % 3 == 0 { "2.3.0" } else { "2.4.0" });
            } else {
                let gw = ["1.0.0", "1.1.0", "1.1.0", "0.9.0"][k % 4];
                products.insert("edge-gateway", gw);
                if k % 2 == 0 {
                    let vi = ["1.9.0", "2.0.0", "1.8.2"][(k / 2) % 3];
                    products.insert("vision-inspector", vi);
                }
            }
            out.push(Planned {
                fleet_id: rollwright_agent::fleet::spec::device_id(n),
                name,
                labels,
                products,
            });
        }
    }
    out
}

/// How a device's part of a past update ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Succeeded,
    Error,
    Cancelled,
}

/// A finished update of the history: devices of `site` (and `role`) running
/// `product`. Those now at `to` succeeded; those still at `from` ended as
/// `stuck` says, in order (the rest were not part of it).
struct Past {
    title: &'static str,
    product: &'static str,
    from: &'static str,
    to: &'static str,
    site: &'static str,
    days_ago: i64,
    /// How the devices still at `from` ended, so the history shows a clean
    /// rollout, a failed one and one with a cancellation.
    stuck: &'static [Ending],
}

const HISTORY: [Past; 3] = [
    Past {
        title: "Edge gateway 1.1 for Berlin",
        product: "edge-gateway",
        from: "1.0.0",
        to: "1.1.0",
        site: "berlin",
        stuck: &[],
        days_ago: 20,
    },
    Past {
        title: "Vision inspector 2.0 in Munich",
        product: "vision-inspector",
        from: "1.9.0",
        to: "2.0.0",
        site: "munich",
        stuck: &[Ending::Error, Ending::Cancelled],
        days_ago: 12,
    },
    Past {
        title: "ERP 2.4 for Hamburg",
        product: "acme-erp",
        from: "2.3.0",
        to: "2.4.0",
        site: "hamburg",
        stuck: &[Ending::Cancelled],
        days_ago: 5,
    },
];

/// The devices of a past update (indices into the plan) and how each ended.
fn members(past: &Past, plan: &[Planned]) -> Vec<(usize, Ending)> {
    let mut stuck = 0;
    let mut out = Vec::new();
    for (i, d) in plan.iter().enumerate() {
        if d.labels["site"] != past.site {
            continue;
        }
        match d.products.get(past.product) {
            Some(v) if *v == past.to => out.push((i, Ending::Succeeded)),
            Some(v) if *v == past.from && stuck < past.stuck.len() => {
                out.push((i, past.stuck[stuck]));
                stuck += 1;
            }
            _ => {}
        }
    }
    out
}

fn manifests() -> Result<Vec<Manifest>, DemoError> {
    Ok(MANIFESTS
        .iter()
        .map(|t| Manifest::parse(t))
        .collect::<Result<_, _>>()?)
}

/// The fleet's initial inventory: the plan's current versions with the
/// modules their manifests list.
fn fleet_spec(plan: &[Planned], manifests: &[Manifest]) -> FleetSpec {
    let modules = |product: &str, version: &str| -> Vec<ModuleRef> {
        manifests
            .iter()
            .find(|m| m.product.as_str() == product && m.version.to_string() == version)
            .map(|m| {
                m.modules
                    .iter()
                    .map(|x| ModuleRef {
                        name: x.name.clone(),
                        version: x.version.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    FleetSpec {
        devices: plan
            .iter()
            .map(|d| DeviceSpec {
                name: Some(d.name.clone()),
                labels: d.labels.clone(),
                products: d
                    .products
                    .iter()
                    .map(|(p, v)| {
                        (
                            (*p).to_owned(),
                            ProductSpec {
                                version: (*v).to_owned(),
                                modules: modules(p, v),
                            },
                        )
                    })
                    .collect(),
            })
            .collect(),
    }
}

// ---------------------------------------------------------------- seeding

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
/// refused with [`DemoError::NotEmpty`], and nothing is written.
pub fn seed(
    store: &Store,
    fleet: &DemoFleetInfo,
    now: DateTime<Utc>,
) -> Result<DemoSummary, DemoError> {
    let (devices, products) = (store.devices()?.len(), store.products()?.len());
    if devices + products > 0 {
        return Err(DemoError::NotEmpty { devices, products });
    }
    let manifests = manifests()?;
    for m in &manifests {
        store.import_manifest(m, now - Span::days(60))?;
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
            &NewDevice {
                name: d.name.clone(),
                agent_url: format!("{}/devices/{}", fleet.url(), d.fleet_id),
                agent_token: fleet.token.clone(),
                labels: d.labels.iter().map(|(k, v)| format!("{k}={v}")).collect(),
                products,
            }
            .validate()?,
        )?;
        ids.push(device.id);
    }

    let mut device_updates = 0;
    for (past, members) in HISTORY.iter().zip(&history) {
        device_updates += replay(store, past, members, &ids, now)?;
    }

    let downtimes = downtimes(&plan, &ids, now);
    for d in &downtimes {
        store.add_downtime(d.clone())?;
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
    past: &Past,
    members: &[(usize, Ending)],
    ids: &[crate::domain::DeviceId],
    now: DateTime<Utc>,
) -> Result<usize, DemoError> {
    let start = at_time(now, -past.days_ago, 9, 0);
    let created = start - Span::hours(20);
    let (update, dus) = store.create_update(
        NewUpdate {
            product: past.product.to_owned(),
            version: past.to.to_owned(),
            title: past.title.to_owned(),
            created_by: "demo-admin".to_owned(),
            window_from: start,
            window_to: start + Span::hours(3),
            devices: members
                .iter()
                .map(|(i, _)| (ids[*i], DeployOption::Now))
                .collect(),
        },
        created,
    )?;
    store.approve_update(update.id, "demo-lead", created + Span::hours(2))?;

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
    let dt = |kind, title: &str, from, to, scope| NewDowntime {
        kind,
        title: title.to_owned(),
        from,
        to,
        scope,
    };
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

// ---------------------------------------------------------------- the fleet

/// The running demo fleet. Dropping it stops accepting connections;
/// [`DemoFleet::shutdown`] also writes the state file.
pub struct DemoFleet {
    port: u16,
    token: String,
    fleet: Fleet,
    server: JoinHandle<std::io::Result<()>>,
}

impl DemoFleet {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// `http://127.0.0.1:PORT`; devices live under `/devices/{id}`.
    pub fn url(&self) -> String {
        fleet_url(self.port)
    }

    /// Stops serving and saves the fleet's state for the next start.
    pub async fn shutdown(mut self) -> Result<(), DemoError> {
        self.server.abort();
        // Wait until the aborted server task is gone, so its listener is
        // closed and the port free when this returns.
        let _ = (&mut self.server).await;
        let fleet = self.fleet.clone();
        tokio::task::spawn_blocking(move || persist::save_if_dirty(&fleet))
            .await
            .map_err(|e| DemoError::Fleet(e.to_string()))?
            .map_err(|e| DemoError::Fleet(e.to_string()))
    }
}

impl Drop for DemoFleet {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DemoError> + Send + 'static,
) -> Result<T, DemoError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DemoError::Fleet(format!("database task: {e}")))?
}

/// Starts (or restarts) the demo fleet of this database on loopback, with its
/// state in `state_dir`. Uses the stored port, else a free one, and then
/// moves the devices' agent URLs and the stored port to match.
pub async fn start_fleet(store: &Store, state_dir: &Path) -> Result<DemoFleet, DemoError> {
    start_fleet_on(store, state_dir, None).await
}

async fn start_fleet_on(
    store: &Store,
    state_dir: &Path,
    port: Option<u16>,
) -> Result<DemoFleet, DemoError> {
    let s = store.clone();
    let mut info = blocking(move || fleet_info(&s)?.ok_or(DemoError::NotDemo)).await?;
    let wanted = port.unwrap_or(info.port);
    let listener = match TcpListener::bind((Ipv4Addr::LOCALHOST, wanted)).await {
        Ok(l) => l,
        // Someone else took the port since: any free one will do, since the
        // devices' URLs are rewritten below.
        Err(_) => TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(DemoError::Listen)?,
    };
    let actual = listener.local_addr().map_err(DemoError::Listen)?.port();
    if actual != info.port {
        let (old, new) = (info.url(), fleet_url(actual));
        info.port = actual;
        let s = store.clone();
        let json = serde_json::to_string(&info).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        blocking(move || {
            s.rebase_agent_urls(&format!("{old}/"), &format!("{new}/"))?;
            s.set_meta(META_KEY, &json)?;
            Ok(())
        })
        .await?;
    }

    std::fs::create_dir_all(state_dir).map_err(|e| DemoError::Fleet(e.to_string()))?;
    let plan = plan();
    let spec = fleet_spec(&plan, &manifests()?);
    let fleet = Fleet::new(FleetConfig {
        devices: plan.len(),
        spec: Some(spec),
        faults: Faults {
            seed: DEMO_SEED,
            install_ms: INSTALL_MS,
            fail_rate: FAIL_RATE,
            hang_rate: 0.0,
            error_rate: 0.0,
        },
        state_file: Some(state_dir.join(STATE_FILE)),
    })
    .map_err(|e| DemoError::Fleet(e.to_string()))?;
    persist::spawn_writer(fleet.clone(), Duration::from_millis(500));
    let token =
        rollwright_agent::Token::new(&info.token).map_err(|e| DemoError::Fleet(e.to_string()))?;
    let router = rollwright_agent::fleet_app(fleet.clone(), token);
    let server = tokio::spawn(rollwright_agent::serve(listener, router));
    Ok(DemoFleet {
        port: actual,
        token: info.token,
        fleet,
        server,
    })
}

/// What [`ensure_with`] did.
pub struct Ensured {
    /// Present when the database was empty and has just been seeded.
    pub seeded: Option<DemoSummary>,
    pub fleet: DemoFleet,
}

/// At app start: seeds an empty database with the demo, and (re)starts the
/// demo fleet when the database holds the demo. Any other landscape is left
/// alone (`None`).
pub async fn ensure(
    store: &Store,
    state_dir: &Path,
    now: DateTime<Utc>,
) -> Result<Option<DemoFleet>, DemoError> {
    let config = DemoConfig {
        state_dir: state_dir.to_path_buf(),
        port: None,
    };
    Ok(ensure_with(store, &config, now).await?.map(|e| e.fleet))
}

/// [`ensure`] with a preferred port, saying whether it seeded.
pub async fn ensure_with(
    store: &Store,
    config: &DemoConfig,
    now: DateTime<Utc>,
) -> Result<Option<Ensured>, DemoError> {
    let s = store.clone();
    let (demo, empty) = blocking(move || Ok((fleet_info(&s)?.is_some(), is_empty(&s)?))).await?;
    let seeded = if demo {
        None
    } else if empty {
        let port = match config.port {
            Some(p) => p,
            None => free_port()?,
        };
        let info = DemoFleetInfo::new(port);
        let s = store.clone();
        Some(blocking(move || seed(&s, &info, now)).await?)
    } else {
        return Ok(None);
    };
    let fleet = start_fleet_on(store, &config.state_dir, config.port).await?;
    Ok(Some(Ensured { seeded, fleet }))
}

/// A port that was free a moment ago; if it is taken by the time the fleet
/// starts, the fleet moves to another and rewrites the URLs.
fn free_port() -> Result<u16, DemoError> {
    let l = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(DemoError::Listen)?;
    Ok(l.local_addr().map_err(DemoError::Listen)?.port())
}

#[cfg(test)]
mod tests;
