//! Tauri commands: each takes the managed state, calls the core and converts
//! the answer. No SQL and no business rules here.

use serde::Serialize;
use tauri::State;

use crate::error::IpcError;
use crate::state::AppState;

#[derive(Serialize)]
pub struct AppInfo {
    version: &'static str,
    db_path: String,
    schema_version: u32,
    /// The demo fleet's URL on loopback, when the landscape is the demo.
    demo_fleet: Option<String>,
}

#[tauri::command]
pub fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    Ok(AppInfo {
        version: env!("CARGO_PKG_VERSION"),
        db_path: state.store.path().display().to_string(),
        schema_version: state.store.schema_version()?,
        demo_fleet: state.demo_fleet.as_ref().map(|f| f.url()),
    })
}

/// Quits after the user confirmed in the UI; unfinished work resumes at the next start.
#[tauri::command]
pub fn quit_app(app: tauri::AppHandle) {
    app.exit(0);
}

/// One row of the update status list.
#[derive(Serialize)]
pub struct UpdateRow {
    id: i64,
    title: String,
    product: String,
    version: String,
    created_by: String,
    status: rollwright::domain::UpdateStatus,
    progress: u8,
    devices: usize,
    counts: std::collections::BTreeMap<rollwright::domain::DeviceUpdateStatus, usize>,
    window_from: String,
    /// The actual end once finished, else the estimate.
    end: String,
    end_is_actual: bool,
}

/// The newest updates with their derived status and progress.
#[tauri::command]
pub fn list_updates(state: State<'_, AppState>) -> Result<Vec<UpdateRow>, IpcError> {
    Ok(state
        .store
        .recent_updates(100)?
        .into_iter()
        .map(|(u, s)| UpdateRow {
            id: u.id.0,
            end: u.end().to_rfc3339(),
            end_is_actual: u.actual_end.is_some(),
            title: u.title,
            product: u.product.to_string(),
            version: u.version.to_string(),
            created_by: u.created_by,
            status: s.status,
            progress: s.progress,
            devices: s.total,
            counts: s.counts,
            window_from: u.window_from.to_rfc3339(),
        })
        .collect())
}
