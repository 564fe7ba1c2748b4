//! What the engine tells the world: one typed event per change, on a
//! broadcast channel. The desktop forwards them to the UI; the CLI prints them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{DeviceId, DeviceUpdateId, DeviceUpdateStatus, UpdateId};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum EngineEvent {
    /// A device update changed status or progress.
    DeviceUpdate {
        update: UpdateId,
        device_update: DeviceUpdateId,
        device: DeviceId,
        status: DeviceUpdateStatus,
        progress: u8,
        /// Nothing more happens to it without an admin.
        settled: bool,
    },
    /// An inventory sync ended; the landscape changed where `changed` > 0.
    InventorySynced {
        devices: usize,
        reached: usize,
        unreachable: usize,
        mismatched: usize,
        changed: usize,
    },
    /// An update was approved and its work handed to the engine.
    UpdateApproved { update: UpdateId },
    /// The last device update of an update settled; `actual_end` replaced
    /// the estimated end of its window.
    UpdateFinished {
        update: UpdateId,
        succeeded: usize,
        failed: usize,
        cancelled: usize,
        actual_end: DateTime<Utc>,
    },
}
