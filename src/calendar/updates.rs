//! Updates as the calendar shows them: a bar from the planned start to the
//! planned end, or to the actual end once finished.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::domain::{Target, UpdateId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdatePhase {
    /// Nothing has started on any device yet.
    Scheduled,
    Running,
    /// Every device update settled; `to` is the actual end.
    Finished,
}

impl UpdatePhase {
    pub fn as_str(self) -> &'static str {
        match self {
            UpdatePhase::Scheduled => "scheduled",
            UpdatePhase::Running => "running",
            UpdatePhase::Finished => "finished",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CalendarUpdate {
    pub id: UpdateId,
    pub title: String,
    /// Its products and their target versions.
    pub targets: Vec<Target>,
    pub from: DateTime<Utc>,
    /// The actual end once finished, else the planned end.
    pub to: DateTime<Utc>,
    pub planned_to: DateTime<Utc>,
    pub phase: UpdatePhase,
    pub devices: u32,
    /// The `site` labels of its devices, for the calendar's rows.
    pub sites: Vec<String>,
}
