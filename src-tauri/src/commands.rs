//! Tauri commands: each takes the managed state, calls the core and converts
//! the answer into its wire shape (`dto.rs`). No SQL and no business rules
//! here; reads run off the main thread on read connections of their own.

use tauri::State;

use crate::dto::{AppInfo, UpdateRow};
use crate::error::IpcError;
use crate::state::{blocking, AppState};

/// The status list shows this many of the newest updates.
const STATUS_LIST_LEN: u32 = 100;

#[tauri::command]
pub(crate) async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    let store = state.store.clone();
    let schema_version = blocking(move || store.schema_version()).await?;
    Ok(state.app_info(schema_version))
}

/// Quits after the user confirmed in the UI; the engine stops at a durable
/// point first (see `main.rs`), and unfinished work resumes at the next start.
#[tauri::command]
pub(crate) async fn quit_app(app: tauri::AppHandle) {
    app.exit(0);
}

/// The newest updates with their derived status and progress.
#[tauri::command]
pub(crate) async fn list_updates(state: State<'_, AppState>) -> Result<Vec<UpdateRow>, IpcError> {
    let store = state.store.clone();
    let updates = blocking(move || store.recent_updates(STATUS_LIST_LEN)).await?;
    Ok(updates.into_iter().map(UpdateRow::from).collect())
}
