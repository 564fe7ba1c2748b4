//! Helpers the iCalendar tests share: instants and zones, calendars around
//! hand-written events, the import with its outcomes unwrapped, and stored
//! items and updates to export.

use chrono::{DateTime, TimeZone, Utc};

use super::read::unfold;
use super::{import_ics, IcsEvent, IcsOutcome};
use crate::calendar::updates::{CalendarUpdate, UpdatePhase};
use crate::domain::{
    Downtime, DowntimeId, DowntimeKind, NewDowntime, ProductName, Scope, Target, UpdateId, Version,
    Zone,
};

pub(super) fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

pub(super) fn zone(name: &str) -> Zone {
    Zone::parse("zone", name).unwrap()
}

/// A VCALENDAR around `body`, with CRLF line ends.
pub(super) fn ics(body: &str) -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n");
    for line in body.lines() {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

/// One VEVENT with the given lines.
pub(super) fn event(lines: &str) -> String {
    ics(&format!("BEGIN:VEVENT\nUID:e1@test\n{lines}\nEND:VEVENT"))
}

pub(super) fn import_in(text: &str, floating: Zone) -> Vec<IcsEvent> {
    import_ics(text, DowntimeKind::Planned, &Scope::All, floating).unwrap()
}

pub(super) fn import(text: &str) -> Vec<IcsEvent> {
    import_in(text, Zone::UTC)
}

pub(super) fn imported(e: &IcsEvent) -> &NewDowntime {
    match &e.outcome {
        IcsOutcome::Imported { item } => item,
        IcsOutcome::Skipped { reason } => panic!("event {} skipped: {reason}", e.index),
    }
}

pub(super) fn reason(e: &IcsEvent) -> &str {
    match &e.outcome {
        IcsOutcome::Skipped { reason } => reason,
        IcsOutcome::Imported { item } => panic!("event {} imported: {item:?}", e.index),
    }
}

/// The only event of `text`, imported.
pub(super) fn only_item(text: &str) -> NewDowntime {
    let events = import(text);
    assert_eq!(events.len(), 1, "{events:?}");
    imported(&events[0]).clone()
}

pub(super) fn only_reason(text: &str) -> String {
    let events = import(text);
    assert_eq!(events.len(), 1, "{events:?}");
    reason(&events[0]).to_owned()
}

pub(super) fn stamp() -> DateTime<Utc> {
    utc(2029, 12, 1, 8, 30)
}

pub(super) fn stored(new: NewDowntime, id: i64) -> Downtime {
    new.validate().unwrap().with_id(DowntimeId(id))
}

pub(super) fn series_item(
    kind: DowntimeKind,
    title: &str,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    zone_name: &str,
    rule: &str,
    exdates: Vec<DateTime<Utc>>,
) -> NewDowntime {
    NewDowntime {
        zone: zone_name.into(),
        rrule: Some(rule.into()),
        exdates,
        ..NewDowntime::once(kind, title, from, to, Scope::All)
    }
}

pub(super) fn update(phase: UpdatePhase) -> CalendarUpdate {
    CalendarUpdate {
        id: UpdateId(7),
        title: "Spring release".into(),
        targets: vec![Target {
            product: ProductName::parse("product", "acme-erp").unwrap(),
            version: Version::new(2, 4, 0),
        }],
        from: utc(2030, 1, 8, 20, 0),
        to: utc(2030, 1, 8, 22, 0),
        planned_to: utc(2030, 1, 8, 23, 0),
        phase,
        devices: 3,
        sites: vec!["berlin".into(), "lyon".into()],
    }
}

/// The content lines of an export, unfolded.
pub(super) fn unfolded(text: &str) -> Vec<String> {
    unfold(text).into_iter().map(|(_, line)| line).collect()
}

pub(super) fn has(lines: &[String], line: &str) -> bool {
    lines.iter().any(|l| l == line)
}
