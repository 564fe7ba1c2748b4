//! What the app holds for its whole life, managed by Tauri.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rollwright::demo::{self, DemoFleet};
use rollwright::domain::Actor;
use rollwright::engine::{Engine, EngineConfig, SystemClock};
use rollwright::os_user::os_actor;
use rollwright::store::{DeviceSelection, Store, DB_FILE_NAME};
use tauri::{AppHandle, Emitter, Manager};

use crate::dto::AppInfo;
use crate::error::IpcError;
use crate::notifier::DesktopNotifier;

/// Set this to keep the app's data elsewhere, e.g. in a temporary directory
/// for tests, so they never touch a user's real data.
pub const DATA_DIR_ENV: &str = "ROLLWRIGHT_DATA_DIR";

/// Where the demo fleet keeps its simulated devices' state, in the data directory.
const DEMO_FLEET_DIR: &str = "demo-fleet";

/// The event the UI listens to for every change the engine makes.
pub const ENGINE_EVENT: &str = "engine://change";

pub struct AppState {
    pub store: Store,
    pub engine: Engine,
    /// The operating-system account running the app: who every command acts
    /// as. Its role is read from the store on each check, so a grant made
    /// elsewhere (the CLI) counts at once.
    pub actor: Actor,
    /// The demo fleet's URL on loopback, when the landscape is the demo.
    demo_url: Option<String>,
    /// The demo fleet itself; it serves until [`AppState::shutdown`].
    demo_fleet: Mutex<Option<DemoFleet>>,
}

impl AppState {
    /// Opens the database, starts the engine (resuming unfinished work) and
    /// forwards its events to the UI.
    pub fn open(app: &AppHandle) -> Result<AppState, Box<dyn std::error::Error>> {
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
        let starting = engine.clone();
        tauri::async_runtime::spawn(async move {
            match starting.start().await {
                Ok(0) => {}
                Ok(n) => tracing::info!("resumed {n} unfinished device updates"),
                Err(e) => tracing::error!("cannot resume unfinished work: {e}"),
            }
            // The landscape as the agents see it now, not as last time.
            if let Err(e) = starting.sync_inventory(DeviceSelection::All).await {
                tracing::warn!("inventory sync at start failed: {e}");
            }
        });
        Ok(AppState {
            store,
            engine,
            actor,
            demo_url: demo_fleet.as_ref().map(DemoFleet::url),
            demo_fleet: Mutex::new(demo_fleet),
        })
    }

    pub fn app_info(&self, schema_version: u32) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            db_path: self.store.path().display().to_string(),
            schema_version,
            secrets: self.store.secrets_backend().to_owned(),
            demo_fleet: self.demo_url.clone(),
        }
    }

    /// Stops the engine at a durable point, then the demo fleet it talks to
    /// (which saves its devices' state): what quitting does.
    pub async fn shutdown(&self) {
        self.engine.shutdown().await;
        let fleet = self
            .demo_fleet
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
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
