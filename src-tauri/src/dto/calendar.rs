//! The planning calendar's shapes: items with their occurrences in the
//! viewed range, updates as bars, what the item dialog sends, and the
//! reports of an .ics import and export. Times travel as RFC 3339 text.

use super::TargetView;
use chrono::{DateTime, Utc};
use rollwright::calendar::ics::IcsEvent;
use rollwright::calendar::{CalendarUpdate, Occurrence, UpdatePhase};
use rollwright::domain::{DowntimeKind, NewDowntime, Scope, ValidationError, Zone};
use rollwright::store::PlacedItem;
use serde::{Deserialize, Serialize};

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339()
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum ItemKind {
    Planned,
    Unplanned,
    Window,
    Freeze,
}

impl From<ItemKind> for DowntimeKind {
    fn from(k: ItemKind) -> DowntimeKind {
        match k {
            ItemKind::Planned => DowntimeKind::Planned,
            ItemKind::Unplanned => DowntimeKind::Unplanned,
            ItemKind::Window => DowntimeKind::Window,
            ItemKind::Freeze => DowntimeKind::Freeze,
        }
    }
}

impl From<DowntimeKind> for ItemKind {
    fn from(k: DowntimeKind) -> ItemKind {
        match k {
            DowntimeKind::Planned => ItemKind::Planned,
            DowntimeKind::Unplanned => ItemKind::Unplanned,
            DowntimeKind::Window => ItemKind::Window,
            DowntimeKind::Freeze => ItemKind::Freeze,
        }
    }
}

#[derive(Debug, Clone, Copy, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum UpdatePhaseView {
    Scheduled,
    Running,
    Finished,
}

impl From<UpdatePhase> for UpdatePhaseView {
    fn from(p: UpdatePhase) -> Self {
        match p {
            UpdatePhase::Scheduled => UpdatePhaseView::Scheduled,
            UpdatePhase::Running => UpdatePhaseView::Running,
            UpdatePhase::Finished => UpdatePhaseView::Finished,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "scope", rename_all = "snake_case")]
pub(crate) enum ScopeView {
    All,
    Label {
        key: String,
        value: String,
    },
    Devices {
        devices: Vec<i64>,
        names: Vec<String>,
    },
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct OccurrenceView {
    pub from: String,
    pub to: String,
}

impl From<Occurrence> for OccurrenceView {
    fn from(o: Occurrence) -> Self {
        OccurrenceView {
            from: time(o.from),
            to: time(o.to),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct CalendarItemView {
    pub id: i64,
    pub kind: ItemKind,
    pub title: String,
    /// The first occurrence.
    pub first_from: String,
    pub first_to: String,
    /// IANA name.
    pub zone: String,
    pub rrule: Option<String>,
    pub recurrence_words: Option<String>,
    pub exdates: Vec<String>,
    pub scope: ScopeView,
    pub scope_words: String,
    /// Those in the range asked for.
    pub occurrences: Vec<OccurrenceView>,
}

impl CalendarItemView {
    /// `names` are the listed devices' names, in the scope's order.
    pub fn new(placed: PlacedItem, names: Vec<String>) -> Self {
        let d = &placed.item;
        let scope_words = d.scope.words(&names);
        let scope = match &d.scope {
            Scope::All => ScopeView::All,
            Scope::Label { key, value } => ScopeView::Label {
                key: key.clone(),
                value: value.clone(),
            },
            Scope::Devices { devices } => ScopeView::Devices {
                devices: devices.iter().map(|d| d.0).collect(),
                names,
            },
        };
        CalendarItemView {
            id: d.id.0,
            kind: d.kind.into(),
            title: d.title.clone(),
            first_from: time(d.from),
            first_to: time(d.to),
            zone: d.zone.name().to_owned(),
            rrule: d.recurrence.as_ref().map(|r| r.rule.clone()),
            recurrence_words: placed.recurrence_words.clone(),
            exdates: d
                .recurrence
                .iter()
                .flat_map(|r| r.exdates.iter().copied().map(time))
                .collect(),
            scope,
            scope_words,
            occurrences: placed.occurrences.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct CalendarUpdateView {
    pub id: i64,
    pub title: String,
    pub targets: Vec<TargetView>,
    pub from: String,
    /// The actual end once finished, else the planned end.
    pub to: String,
    pub planned_to: String,
    pub phase: UpdatePhaseView,
    pub devices: u32,
    pub sites: Vec<String>,
}

impl From<CalendarUpdate> for CalendarUpdateView {
    fn from(u: CalendarUpdate) -> Self {
        CalendarUpdateView {
            id: u.id.0,
            title: u.title,
            targets: TargetView::list(&u.targets),
            from: time(u.from),
            to: time(u.to),
            planned_to: time(u.planned_to),
            phase: u.phase.into(),
            devices: u.devices,
            sites: u.sites,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct CalendarView {
    pub items: Vec<CalendarItemView>,
    pub updates: Vec<CalendarUpdateView>,
    /// Every site of the fleet, for the calendar's rows.
    pub sites: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(tag = "scope", rename_all = "snake_case")]
pub(crate) enum ScopeInput {
    All,
    Label { key: String, value: String },
    Devices { names: Vec<String> },
}

/// The item dialog's fields. Times are wall-clock times in `zone`, as a
/// `datetime-local` input gives them (`2030-01-05T22:00`).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DowntimeInput {
    pub kind: ItemKind,
    pub title: String,
    pub from: String,
    pub to: String,
    pub zone: String,
    pub rrule: Option<String>,
    pub exdates: Vec<String>,
    pub scope: ScopeInput,
}

impl DowntimeInput {
    /// The item to validate, with listed devices resolved by `scope`.
    pub fn into_new(self, scope: Scope) -> Result<NewDowntime, ValidationError> {
        let zone = if self.zone.trim().is_empty() {
            Zone::UTC
        } else {
            Zone::parse("zone", &self.zone)?
        };
        let exdates = self
            .exdates
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(i, t)| zone.read_time(&format!("exdates[{i}]"), t))
            .collect::<Result<_, _>>()?;
        Ok(NewDowntime {
            kind: self.kind.into(),
            title: self.title,
            from: zone.read_time("from", &self.from)?,
            to: zone.read_time("to", &self.to)?,
            zone: zone.name().to_owned(),
            rrule: self.rrule.filter(|r| !r.trim().is_empty()),
            exdates,
            scope,
        })
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct IcsEventView {
    pub index: u32,
    pub uid: Option<String>,
    pub summary: Option<String>,
    pub imported: bool,
    pub reason: Option<String>,
    pub item_id: Option<i64>,
}

impl IcsEventView {
    pub fn new(e: &IcsEvent, item_id: Option<i64>) -> Self {
        IcsEventView {
            index: e.index as u32,
            uid: e.uid.clone(),
            summary: e.summary.clone(),
            imported: item_id.is_some(),
            reason: e.skip_reason().map(str::to_owned),
            item_id,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct IcsImportReportView {
    pub file: String,
    pub imported: u32,
    pub skipped: u32,
    pub events: Vec<IcsEventView>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct IcsExportView {
    pub path: String,
    pub items: u32,
    pub updates: u32,
}
