//! The app as a desktop citizen: whose engine runs, the first start's demo,
//! and starting at login.

use tauri::State;
use tauri_plugin_autostart::ManagerExt;

use crate::dto::EngineStatus;
use crate::error::IpcError;
use crate::state::AppState;

/// Whether this app's engine carries out updates, or which other process's does.
#[tauri::command]
pub(crate) async fn engine_status(state: State<'_, AppState>) -> Result<EngineStatus, IpcError> {
    Ok(state.engine_status())
}

/// The welcome screen's *Open the demo landscape*: seeds an empty database
/// with the demo and starts its fleet. Only an admin may; returns whether
/// the landscape is the demo now.
#[tauri::command]
pub(crate) async fn open_demo(state: State<'_, AppState>) -> Result<bool, IpcError> {
    state.open_demo().await
}

/// Whether the app starts at login, in the tray.
#[tauri::command]
pub(crate) async fn autostart_enabled(app: tauri::AppHandle) -> Result<bool, IpcError> {
    app.autolaunch()
        .is_enabled()
        .map_err(|e| IpcError::internal(format!("cannot read the login start: {e}")))
}

/// Turns starting at login (in the tray, window hidden) on or off.
#[tauri::command]
pub(crate) async fn set_autostart(app: tauri::AppHandle, enabled: bool) -> Result<bool, IpcError> {
    let launcher = app.autolaunch();
    let done = if enabled {
        launcher.enable()
    } else {
        launcher.disable()
    };
    done.map_err(|e| IpcError::internal(format!("cannot change the login start: {e}")))?;
    launcher
        .is_enabled()
        .map_err(|e| IpcError::internal(format!("cannot read the login start: {e}")))
}
