//! What the app holds for its whole life, managed by Tauri.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rollwright::demo::{self, DemoFleet};
use rollwright::domain::Actor;
use rollwright::engine::{Engine, EngineConfig, EngineError, SystemClock};
use rollwright::os_user::os_actor;
use rollwright::store::{DeviceSelection, Store, DB_FILE_NAME};
use tauri::{AppHandle, Emitter, Manager};

use crate::dto::{AppInfo, EngineStatus};
use crate::error::IpcError;
use crate::notifier::DesktopNotifier;

/// Set this to keep the app's data elsewhere, e.g. in a temporary directory
/// for tests, so they never touch a user's real data.
pub const DATA_DIR_ENV: &str = "ROLLWRIGHT_DATA_DIR";

/// Where the demo fleet keeps its simulated devices' state, in the data directory.
const DEMO_FLEET_DIR: &str = "demo-fleet";

/// The event the UI listens to for every change the engine makes.
pub const ENGINE_EVENT: &str = "engine://change";

/// The event that says whether this app's engine runs or waits for another.
pub const ENGINE_STATUS_EVENT: &str = "app://engine-status";

/// How often an engine refused because another process holds the database
/// tries again.
const ENGINE_RETRY: std::time::Duration = std::time::Duration::from_secs(5);

/// Start options: `--demo` seeds an empty database with the demo landscape
/// (what `cargo xtask run` passes); `--in-tray` starts without showing the
/// window (what start at login passes).
pub const DEMO_FLAG: &str = "--demo";
pub const IN_TRAY_FLAG: &str = "--in-tray";

pub struct AppState {
    pub store: Store,
    pub engine: Engine,
    /// The operating-system account running the app: who every command acts
    /// as. Its role is read from the store on each check, so a grant made
    /// elsewhere (the CLI) counts at once.
    pub actor: Actor,
    /// The demo fleet, when the landscape is the demo; it serves until
    /// [`AppState::shutdown`].
    demo_fleet: tokio::sync::Mutex<Option<DemoFleet>>,
    data_dir: PathBuf,
    /// Which process's engine holds the database while this app's waits.
    engine_holder: Arc<Mutex<Option<String>>>,
}

impl AppState {
    /// Opens the database, starts the engine (resuming unfinished work) and
    /// forwards its events to the UI.
    pub fn open(app: &AppHandle, seed_demo: bool) -> Result<AppState, Box<dyn std::error::Error>> {
        let data_dir = data_dir(app)?;
        std::fs::create_dir_all(&data_dir)
            .map_err(|e| format!("cannot create data directory {}: {e}", data_dir.display()))?;
        let store = Store::open_default(&data_dir.join(DB_FILE_NAME))?;
        let actor = os_actor()?;
        let notifier = Arc::new(DesktopNotifier { app: app.clone() });
        // The demo fleet must answer before the engine resumes work on it.
        let (demo_fleet, engine) = tauri::async_runtime::block_on(async {
            let demo_fleet = demo::ensure(
                &store,
                &actor,
                &data_dir.join(DEMO_FLEET_DIR),
                seed_demo,
                chrono::Utc::now(),
            )
            .await?;
            let engine = Engine::new(
                store.clone(),
                Arc::new(SystemClock),
                notifier,
                EngineConfig::default(),
            )?;
            Ok::<_, Box<dyn std::error::Error>>((demo_fleet, engine))
        })?;
        if let Some(fleet) = &demo_fleet {
            tracing::info!(url = %fleet.url(), "demo fleet serving");
        }
        forward_events(app.clone(), &engine);
        let engine_holder = Arc::new(Mutex::new(None));
        tauri::async_runtime::spawn(start_engine(
            app.clone(),
            engine.clone(),
            engine_holder.clone(),
        ));
        Ok(AppState {
            store,
            engine,
            actor,
            demo_fleet: tokio::sync::Mutex::new(demo_fleet),
            data_dir,
            engine_holder,
        })
    }

    pub async fn app_info(&self, schema_version: u32, devices: u64) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            db_path: self.store.path().display().to_string(),
            schema_version,
            secrets: self.store.secrets_backend().to_owned(),
            demo_fleet: self.demo_fleet.lock().await.as_ref().map(DemoFleet::url),
            devices,
        }
    }

    pub fn engine_status(&self) -> EngineStatus {
        let holder = self
            .engine_holder
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        EngineStatus {
            running_here: holder.is_none(),
            holder,
        }
    }

    /// Seeds an empty database with the demo landscape and starts its fleet
    /// (the welcome screen's choice); then the engine reads its inventory in
    /// the background. Returns whether the landscape is the demo now.
    pub async fn open_demo(&self) -> Result<bool, IpcError> {
        let mut fleet = self.demo_fleet.lock().await;
        if fleet.is_none() {
            *fleet = demo::ensure(
                &self.store,
                &self.actor,
                &self.data_dir.join(DEMO_FLEET_DIR),
                true,
                chrono::Utc::now(),
            )
            .await
            .map_err(|e| IpcError::internal(format!("cannot open the demo: {e}")))?;
            if fleet.is_some() {
                tauri::async_runtime::spawn(sync_all(self.engine.clone()));
            }
        }
        Ok(fleet.is_some())
    }

    /// Stops the engine at a durable point, then the demo fleet it talks to
    /// (which saves its devices' state): what quitting does.
    pub async fn shutdown(&self) {
        self.engine.shutdown().await;
        let fleet = self.demo_fleet.lock().await.take();
        if let Some(fleet) = fleet {
            if let Err(e) = fleet.shutdown().await {
                tracing::error!("cannot save the demo fleet's state: {e}");
            }
        }
    }
}

/// Runs a blocking core call (SQLite) off the async workers.
pub async fn blocking<T, E>(
    f: impl FnOnce() -> Result<T, E> + Send + 'static,
) -> Result<T, IpcError>
where
    T: Send + 'static,
    E: Into<IpcError> + Send + 'static,
{
    match tauri::async_runtime::spawn_blocking(f).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(IpcError::internal(format!("a database task failed: {e}"))),
    }
}

/// Starts the engine, resuming unfinished work. While another process's
/// engine holds the database (`rollwright-cli run`), says so and tries again.
async fn start_engine(app: AppHandle, engine: Engine, holder: Arc<Mutex<Option<String>>>) {
    let set_holder = |who: Option<String>| {
        let changed = {
            let mut held = holder.lock().unwrap_or_else(|p| p.into_inner());
            let changed = *held != who;
            *held = who.clone();
            changed
        };
        if changed {
            let status = EngineStatus {
                running_here: who.is_none(),
                holder: who,
            };
            let _ = app.emit(ENGINE_STATUS_EVENT, status);
        }
    };
    loop {
        match engine.start().await {
            Ok(resumed) => {
                set_holder(None);
                if resumed > 0 {
                    tracing::info!("resumed {resumed} unfinished device updates");
                }
                break;
            }
            Err(EngineError::Busy(busy)) => {
                tracing::warn!("{busy}");
                set_holder(Some(busy.holder));
                tokio::time::sleep(ENGINE_RETRY).await;
            }
            Err(EngineError::ShuttingDown) => return,
            Err(e) => return tracing::error!("cannot start the engine: {e}"),
        }
    }
    // The landscape as the agents see it now, not as last time.
    sync_all(engine).await;
    crate::process_memory::release_freed();
}

/// Reads every device's inventory from its agent.
async fn sync_all(engine: Engine) {
    if let Err(e) = engine.sync_inventory(DeviceSelection::All).await {
        tracing::warn!("inventory sync failed: {e}");
    }
}

fn forward_events(app: AppHandle, engine: &Engine) {
    let mut events = engine.subscribe();
    tauri::async_runtime::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match events.recv().await {
                Ok(event) => {
                    let _ = app.emit(ENGINE_EVENT, &event);
                }
                // The UI re-reads the status list on its own timer anyway.
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            }
        }
    });
}

fn data_dir(app: &AppHandle) -> Result<PathBuf, tauri::Error> {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => Ok(PathBuf::from(dir)),
        _ => app.path().app_data_dir(),
    }
}
