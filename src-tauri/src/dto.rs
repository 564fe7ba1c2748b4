//! The shapes that cross IPC to the UI, each built from core types with
//! `From`. Their TypeScript declarations are generated (`bindings.rs`), never
//! written by hand.

use std::collections::BTreeMap;

use rollwright::domain::{DeviceUpdateStatus, Update, UpdateStatus, UpdateSummary};
use serde::Serialize;

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct AppInfo {
    pub version: String,
    pub db_path: String,
    pub schema_version: u32,
    /// The demo fleet's URL on loopback, when the landscape is the demo.
    pub demo_fleet: Option<String>,
}

/// One row of the update status list.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct UpdateRow {
    pub id: i64,
    pub title: String,
    pub product: String,
    pub version: String,
    pub created_by: String,
    pub status: UpdateStatus,
    pub progress: u8,
    pub devices: usize,
    pub counts: BTreeMap<DeviceUpdateStatus, usize>,
    pub window_from: String,
    /// The actual end once finished, else the estimate.
    pub end: String,
    pub end_is_actual: bool,
}

impl From<(Update, UpdateSummary)> for UpdateRow {
    fn from((u, s): (Update, UpdateSummary)) -> UpdateRow {
        UpdateRow {
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
        }
    }
}

/// What the engine is doing when the user asks to quit from the tray: the
/// payload of the confirm-quit event.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct Activity {
    pub running: usize,
    pub waiting: usize,
}
