//! A landscape for engine tests: a temporary SQLite store with two versions
//! of a product imported, and a fleet simulator in-process on 127.0.0.1:0
//! whose devices are registered in the store.
#![allow(dead_code)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rollwright::agent_client::{AgentClient, ClientOptions};
use rollwright::domain::{
    Actor, DeployOption, DeviceId, NewDevice, NewTarget, NewUpdate, UpdateId,
};
use rollwright::engine::{Clock, Engine, EngineConfig, Notification, Notifier, RetryPolicy};
use rollwright::store::Store;
use rollwright_agent::fleet::FleetSpec;
use rollwright_agent::{Fleet, FleetConfig, Token};

pub const TOKEN: &str = "engine-test-token";
pub const PRODUCT: &str = "acme-erp";
pub const FROM: &str = "2.3.0";
pub const TO: &str = "2.4.0";

pub struct Landscape {
    pub store: Store,
    pub devices: Vec<(DeviceId, String)>,
    /// `http://127.0.0.1:PORT`
    pub root: String,
    pub fleet: Fleet,
    _dir: tempfile::TempDir,
}

/// The admin the tests act as: the first user of each test database.
pub fn admin() -> Actor {
    Actor::new("admin").unwrap()
}

#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<Notification>>);

impl Notifier for Recorder {
    fn notify(&self, n: Notification) {
        self.0.lock().unwrap().push(n);
    }
}

impl Recorder {
    pub fn all(&self) -> Vec<Notification> {
        self.0.lock().unwrap().clone()
    }
}

pub async fn landscape(devices: usize, fleet: FleetConfig) -> Landscape {
    landscape_over(devices, fleet, None).await
}

/// [`landscape`] with the fleet served over TLS with the certificate kept in
/// `tls_dir` (generated there if absent), each device pinning it.
pub async fn landscape_over(
    devices: usize,
    fleet: FleetConfig,
    tls_dir: Option<&Path>,
) -> Landscape {
    let mut fleet_cfg = fleet;
    fleet_cfg.devices = devices;
    // Every simulated device starts on FROM, as the store is told below.
    fleet_cfg.spec.get_or_insert_with(|| {
        FleetSpec::parse(&format!(
            r#"{{"devices": [{{"labels": {{"site": "test"}}, "products": {{"{PRODUCT}": {{"version": "{FROM}"}}}}}}]}}"#
        ))
        .unwrap()
    });
    let fleet = Fleet::new(fleet_cfg).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = rollwright_agent::fleet_app(fleet.clone(), Token::new(TOKEN).unwrap());
    let (root, pin) = match tls_dir {
        None => {
            tokio::spawn(rollwright_agent::serve(listener, app));
            (format!("http://{addr}"), None)
        }
        Some(dir) => {
            use rollwright_agent::tls::{TlsMaterial, TlsSource};
            let tls = TlsMaterial::load(&TlsSource::Dir(dir.to_path_buf())).unwrap();
            let config = tls.server_config().unwrap();
            tokio::spawn(rollwright_agent::serve_tls(listener, app, config));
            (format!("https://{addr}"), Some(tls.fingerprint()))
        }
    };

    let dir = tempfile::tempdir().unwrap();
    // Tokens in the encrypted file beside the database, as a CLI process
    // opening it with `ROLLWRIGHT_SECRETS=file` finds them.
    let secrets = rollwright::secrets::file_store(dir.path()).unwrap();
    let store = Store::open(&dir.path().join("rollwright.sqlite3"), secrets).unwrap();
    for v in [FROM, TO] {
        import_manifest(&store, &format!("{PRODUCT}-{v}.toml"));
    }
    let mut ids = Vec::with_capacity(devices);
    for n in 0..devices {
        let fleet_id = format!("dev-{n:05}");
        let d = NewDevice {
            name: fleet_id.clone(),
            agent_url: format!("{root}/devices/{fleet_id}"),
            agent_token: TOKEN.into(),
            tls_fingerprint: pin.clone(),
            labels: vec!["site=test".into()],
            products: [(
                PRODUCT.to_string(),
                (Some(FROM.to_string()), Some(FROM.to_string())),
            )]
            .into(),
        }
        .validate()
        .unwrap();
        ids.push((store.add_device(&admin(), &d).unwrap().id, fleet_id));
    }
    Landscape {
        store,
        devices: ids,
        root,
        fleet,
        _dir: dir,
    }
}

/// Imports `tests/fixtures/manifests/<file>` into the catalog.
pub fn import_manifest(store: &Store, file: &str) {
    // The core's tests and the CLI crate's crash test both include this file.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("tests/fixtures/manifests"))
        .find(|dir| dir.is_dir())
        .expect("tests/fixtures/manifests in the workspace");
    let m = rollwright::manifest_file::read_manifest(&fixtures.join(file)).unwrap();
    store.import_manifest(&admin(), &m, Utc::now()).unwrap();
}

/// Fast settings for tests: quick polls and retries.
pub fn config() -> EngineConfig {
    EngineConfig {
        concurrency: 32,
        retry: RetryPolicy {
            max_tries: 3,
            base: Duration::from_millis(10),
            max: Duration::from_millis(50),
        },
        client: ClientOptions {
            timeout: Duration::from_secs(2),
            ..ClientOptions::default()
        },
        poll_interval: Duration::from_millis(20),
        deploy_timeout: Duration::from_secs(3),
        stall_limit: Duration::from_secs(3),
        failure_group_window: Duration::from_millis(500),
        inventory_interval: None,
        sync_concurrency: 16,
        sync_timeout: Duration::from_secs(2),
        watch_interval: Some(Duration::from_millis(100)),
        lateness_probe: None,
    }
}

pub fn engine(l: &Landscape, clock: Arc<dyn Clock>, notifier: Arc<dyn Notifier>) -> Engine {
    Engine::new(l.store.clone(), clock, notifier, config()).unwrap()
}

/// Records an approval as `rollwright-cli update approve` does: through an
/// engine that is not started, so nothing runs until one is.
pub async fn approve_without_running(l: &Landscape, update: UpdateId, clock: Arc<dyn Clock>) {
    let engine = engine(l, clock, Arc::new(rollwright::engine::Silent));
    engine.approve(&admin(), update).await.unwrap();
    engine.shutdown().await;
}

impl Landscape {
    pub fn create_update(&self, options: &[DeployOption], now: DateTime<Utc>) -> UpdateId {
        let devices = self
            .devices
            .iter()
            .zip(options.iter().cycle())
            .map(|((id, _), o)| (*id, *o))
            .collect();
        let (update, _) = self
            .store
            .create_update(
                &admin(),
                NewUpdate {
                    targets: vec![NewTarget::new(PRODUCT, TO)],
                    title: "Roll out acme-erp 2.4.0".into(),
                    window_from: now,
                    window_to: now + chrono::Duration::hours(2),
                    devices,
                },
                now,
            )
            .unwrap();
        update.id
    }

    /// Whether the update's actual end has been recorded.
    pub fn finished(&self, update: UpdateId) -> bool {
        self.store
            .update(update)
            .unwrap()
            .unwrap()
            .actual_end
            .is_some()
    }

    /// The fleet simulator's id of a device of the store.
    pub fn fleet_id(&self, device: DeviceId) -> &str {
        &self.devices.iter().find(|(id, _)| *id == device).unwrap().1
    }

    pub fn client(&self, fleet_id: &str) -> AgentClient {
        AgentClient::new(
            &format!("{}/devices/{fleet_id}", self.root),
            TOKEN,
            None,
            &ClientOptions::default(),
        )
        .unwrap()
    }
}

/// Waits for the engine to go idle, failing the test after `limit`.
pub async fn settle(engine: &Engine, limit: Duration) {
    tokio::time::timeout(limit, engine.wait_idle())
        .await
        .expect("the engine did not go idle in time");
}

/// Polls `check` until it holds, failing the test after `limit`: for facts
/// that other tasks make true.
pub async fn eventually(what: &str, limit: Duration, mut check: impl AsyncFnMut() -> bool) {
    let started = std::time::Instant::now();
    while !check().await {
        assert!(started.elapsed() < limit, "not within {limit:?}: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
