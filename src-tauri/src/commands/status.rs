//! The status screen's commands: the paged update list, one update's device
//! updates, their logs, and cancel (which the engine authorizes).

use chrono::Utc;
use rollwright::domain::{DeviceUpdateId, DeviceUpdateStatus, UpdateId};
use tauri::State;

use crate::dto::status::{DeviceUpdateRow, LogRow, UpdatePage, UpdateQuery};
use crate::error::IpcError;
use crate::state::{blocking, AppState};

/// The status list shows this many updates per page.
const PAGE_LEN: u32 = 50;

/// One page of updates matching `query`, newest first, with their derived
/// status and progress.
#[tauri::command]
pub(crate) async fn list_updates(
    state: State<'_, AppState>,
    query: UpdateQuery,
) -> Result<UpdatePage, IpcError> {
    let store = state.store.clone();
    let (filter, offset) = (query.filter(), query.offset);
    let read_at = Utc::now().to_rfc3339();
    let page = blocking(move || store.updates_page(&filter, offset.into(), PAGE_LEN)).await?;
    Ok(UpdatePage::new(page, offset, PAGE_LEN, read_at))
}

/// The device updates of `update`, only those in `status` when given.
#[tauri::command]
pub(crate) async fn update_devices(
    state: State<'_, AppState>,
    update: i64,
    status: Option<DeviceUpdateStatus>,
) -> Result<Vec<DeviceUpdateRow>, IpcError> {
    let store = state.store.clone();
    let rows = blocking(move || store.device_update_listings(UpdateId(update), status)).await?;
    Ok(rows.into_iter().map(DeviceUpdateRow::from).collect())
}

/// A device update's log, oldest first.
#[tauri::command]
pub(crate) async fn device_update_log(
    state: State<'_, AppState>,
    id: String,
) -> Result<Vec<LogRow>, IpcError> {
    let id = DeviceUpdateId::parse(&id)?;
    let store = state.store.clone();
    let entries = blocking(move || store.log_of(&id)).await?;
    Ok(entries.into_iter().map(LogRow::from).collect())
}

/// Cancels every scheduled or failed device update of `update`; returns how
/// many began cleaning up.
#[tauri::command]
pub(crate) async fn cancel_update(
    state: State<'_, AppState>,
    update: i64,
) -> Result<usize, IpcError> {
    Ok(state
        .engine
        .cancel_update(&state.actor, UpdateId(update))
        .await?)
}

/// Cancels one scheduled or failed device update.
#[tauri::command]
pub(crate) async fn cancel_device_update(
    state: State<'_, AppState>,
    id: String,
) -> Result<(), IpcError> {
    let id = DeviceUpdateId::parse(&id)?;
    Ok(state.engine.cancel_device_update(&state.actor, &id).await?)
}
