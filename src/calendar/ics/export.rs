//! The export: [`export_ics`] writes items and updates as VEVENTs of one
//! VCALENDAR, through a writer of RFC 5545 content lines (CRLF, folded at
//! 75 octets, TEXT escaped).

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};

use super::vtimezone::vtimezone;
use crate::calendar::updates::{CalendarUpdate, UpdatePhase};
use crate::domain::{targets_words, Downtime, DowntimeKind, Zone};

/// One VCALENDAR with every item (downtimes/windows/freezes, recurring ones
/// with RRULE/EXDATE in their zone) and every update as VEVENTs, and a
/// VTIMEZONE for each zone a TZID names. `stamp` is the DTSTAMP of every
/// event (when the file was made).
pub fn export_ics(items: &[Downtime], updates: &[CalendarUpdate], stamp: DateTime<Utc>) -> String {
    let mut out = Writer::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//Rollwright//Planning calendar//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    // Each zone once, described from the earliest year an item starts in.
    // Written before the events: older Outlook versions want a VTIMEZONE
    // before the first TZID that names it.
    let mut zones: BTreeMap<&'static str, (Zone, i32)> = BTreeMap::new();
    for item in items.iter().filter(|i| i.zone != Zone::UTC) {
        let year = item.zone.local(item.from).year();
        let entry = zones.entry(item.zone.name()).or_insert((item.zone, year));
        entry.1 = entry.1.min(year);
    }
    for (zone, year) in zones.values() {
        vtimezone(&mut out, *zone, *year);
    }
    let dtstamp = utc_text(stamp);
    for item in items {
        item_event(&mut out, item, &dtstamp);
    }
    for update in updates {
        update_event(&mut out, update, &dtstamp);
    }
    out.line("END:VCALENDAR");
    out.text
}

/// RFC 5545 content lines: CRLF, folded at 75 octets.
#[derive(Default)]
pub(super) struct Writer {
    text: String,
}

const MAX_LINE_OCTETS: usize = 75;

impl Writer {
    /// Writes one content line, folding it at 75 octets (continuation lines
    /// start with a space, which counts) without splitting a character.
    pub(super) fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            let n = c.len_utf8();
            if width + n > MAX_LINE_OCTETS {
                self.text.push_str("\r\n ");
                width = 1;
            }
            self.text.push(c);
            width += n;
        }
        self.text.push_str("\r\n");
    }

    pub(super) fn prop(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{value}"));
    }

    pub(super) fn text_prop(&mut self, name: &str, value: &str) {
        self.prop(name, &escape_text(value));
    }

    /// A DATE-TIME in `zone`: with TZID when the wall-clock time names the
    /// instant exactly, else in UTC (the second 02:30 of a night the clocks
    /// go back). `keep_zone` forces the TZID (a series' DTSTART, which
    /// expands in its zone).
    fn time(&mut self, name: &str, t: DateTime<Utc>, zone: Zone, keep_zone: bool) {
        if zone == Zone::UTC || (!keep_zone && zone.resolve(zone.local(t)) != t) {
            self.prop(name, &utc_text(t));
        } else {
            self.prop(
                &format!("{name};TZID={}", zone.name()),
                &local_text(zone.local(t)),
            );
        }
    }
}

pub(super) fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

pub(super) fn local_text(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

/// Escapes a TEXT value; drops control characters RFC 5545 does not allow.
fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push(c),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn capitalized(words: &str) -> String {
    let mut chars = words.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

fn item_event(out: &mut Writer, item: &Downtime, dtstamp: &str) {
    out.line("BEGIN:VEVENT");
    out.prop("UID", &format!("downtime-{}@rollwright", item.id));
    out.prop("DTSTAMP", dtstamp);
    out.text_prop("SUMMARY", &item.title);
    out.text_prop(
        "DESCRIPTION",
        &format!(
            "{} for {}",
            capitalized(item.kind.words()),
            item.scope.words(&[])
        ),
    );
    out.text_prop("CATEGORIES", item.kind.words());
    out.prop(
        "TRANSP",
        if item.kind == DowntimeKind::Window {
            "TRANSPARENT"
        } else {
            "OPAQUE"
        },
    );
    out.time("DTSTART", item.from, item.zone, item.recurrence.is_some());
    out.time("DTEND", item.to, item.zone, false);
    if let Some(recurrence) = &item.recurrence {
        out.prop("RRULE", &recurrence.rule);
        let zone = item.zone;
        // In the series' zone, except the odd instant its wall clock
        // cannot name (see `Writer::time`).
        let (local, utc): (Vec<DateTime<Utc>>, Vec<DateTime<Utc>>) = recurrence
            .exdates
            .iter()
            .partition(|t| zone != Zone::UTC && zone.resolve(zone.local(**t)) == **t);
        if !local.is_empty() {
            let values: Vec<String> = local.iter().map(|t| local_text(zone.local(*t))).collect();
            out.prop(&format!("EXDATE;TZID={}", zone.name()), &values.join(","));
        }
        if !utc.is_empty() {
            let values: Vec<String> = utc.iter().map(|t| utc_text(*t)).collect();
            out.prop("EXDATE", &values.join(","));
        }
    }
    out.line("END:VEVENT");
}

fn update_event(out: &mut Writer, update: &CalendarUpdate, dtstamp: &str) {
    out.line("BEGIN:VEVENT");
    out.prop("UID", &format!("update-{}@rollwright", update.id));
    out.prop("DTSTAMP", dtstamp);
    out.text_prop(
        "SUMMARY",
        &format!(
            "Update: {} ({})",
            update.title,
            targets_words(&update.targets)
        ),
    );
    let devices = match update.devices {
        1 => "1 device".to_owned(),
        n => format!("{n} devices"),
    };
    let mut description = format!(
        "{} update to {} on {devices}",
        capitalized(update.phase.as_str()),
        targets_words(&update.targets)
    );
    if update.phase == UpdatePhase::Finished {
        description.push_str(&format!(
            ", ended {}",
            update.to.format("%Y-%m-%d %H:%M UTC")
        ));
    }
    if !update.sites.is_empty() {
        description.push_str(&format!("\nSites: {}", update.sites.join(", ")));
    }
    out.text_prop("DESCRIPTION", &description);
    out.prop("CATEGORIES", "update");
    out.prop("TRANSP", "OPAQUE");
    // Scheduled and running updates will happen; finished ones did.
    out.prop("STATUS", "CONFIRMED");
    out.prop("DTSTART", &utc_text(update.from));
    // A zero-length bar (an update that ended as it began) has no DTEND,
    // since RFC 5545 wants DTEND after DTSTART.
    if update.to > update.from {
        out.prop("DTEND", &utc_text(update.to));
    }
    out.line("END:VEVENT");
}

#[cfg(test)]
#[path = "export_tests.rs"]
mod tests;
