//! iCalendar (RFC 5545) import and export of the planning calendar: an .ics
//! file from Outlook, Google or Thunderbird becomes calendar items, and the
//! calendar becomes one .ics file any of them can subscribe to. Pure: no I/O
//! and no clock reads (the export's time stamp comes in); the store reads the
//! file and writes what comes out. Never hands out an item the core would
//! refuse: every imported item has passed `NewDowntime::validate`, and every
//! skipped event says why in the words the store will record.
//!
//! Import reads each VEVENT on its own, so one odd event is reported as
//! skipped, with the reason, instead of failing the file; only a text that is
//! not an iCalendar object at all is an error (field `file`).
//!
//! - this file: the import's report ([`IcsEvent`], [`IcsOutcome`]) and its
//!   limits ([`MAX_ICS_BYTES`], [`NO_TITLE`]).
//! - `read`: the text level: unfolding, properties and components, TEXT
//!   unescaping, DATE, DATE-TIME and DURATION values.
//! - `import`: [`import_ics`]: zones (IANA, Windows names, VTIMEZONE hints),
//!   VEVENTs read as items, UNTIL made UTC.
//! - `export`: [`export_ics`]: the content-line writer (folding, escaping),
//!   items and updates as VEVENTs.
//! - `vtimezone`: a zone's offset changes, the yearly rules that give them,
//!   and its VTIMEZONE block.
//! - `windows_zones`: Windows zone names (Outlook's TZID) to IANA names.

use serde::Serialize;

use crate::domain::NewDowntime;

mod export;
mod import;
mod read;
mod vtimezone;
mod windows_zones;

pub use export::export_ics;
pub use import::import_ics;

/// The largest file import reads; a planning calendar is a few hundred kB.
pub const MAX_ICS_BYTES: usize = 4 * 1024 * 1024;

/// The title of an imported event without a SUMMARY (Outlook leaves it out
/// of private appointments): the core refuses an empty title.
pub const NO_TITLE: &str = "(no title)";

/// What became of one VEVENT of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IcsEvent {
    /// 1-based number of the VEVENT in the file, so a person can find it.
    pub index: usize,
    pub uid: Option<String>,
    pub summary: Option<String>,
    #[serde(flatten)]
    pub outcome: IcsOutcome,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum IcsOutcome {
    /// Passed `NewDowntime::validate`; the store checks the scope's devices.
    Imported {
        #[serde(skip)]
        item: NewDowntime,
    },
    Skipped {
        reason: String,
    },
}

impl IcsEvent {
    /// The item to add, when the event is imported.
    pub fn item(&self) -> Option<&NewDowntime> {
        match &self.outcome {
            IcsOutcome::Imported { item } => Some(item),
            IcsOutcome::Skipped { .. } => None,
        }
    }

    /// Why the event was not imported.
    pub fn skip_reason(&self) -> Option<&str> {
        match &self.outcome {
            IcsOutcome::Imported { .. } => None,
            IcsOutcome::Skipped { reason } => Some(reason),
        }
    }
}

#[cfg(test)]
mod test_support;

#[cfg(test)]
mod round_trip_tests;

#[cfg(test)]
mod tests {
    use super::test_support::{ics, import};

    #[test]
    fn the_report_is_flat_json_without_the_item() {
        let text = ics(
            "BEGIN:VEVENT\nUID:a\nSUMMARY:ok\nDTSTART:20300105T220000Z\nDURATION:PT1H\nEND:VEVENT\n\
             BEGIN:VEVENT\nSUMMARY:gone\nSTATUS:CANCELLED\nDTSTART:20300105T220000Z\nEND:VEVENT",
        );
        let json = serde_json::to_value(import(&text)).unwrap();
        assert_eq!(
            json,
            serde_json::json!([
                {"index": 1, "uid": "a", "summary": "ok", "outcome": "imported"},
                {"index": 2, "uid": null, "summary": "gone", "outcome": "skipped", "reason": "cancelled in the file"},
            ])
        );
    }
}
