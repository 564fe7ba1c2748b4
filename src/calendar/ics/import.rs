//! The import: [`import_ics`] reads each VEVENT of the components `read`
//! parsed as a calendar item, resolving TZIDs to IANA zones (IANA names,
//! Windows names, the hints of a VTIMEZONE) and making UNTIL UTC.

use std::collections::BTreeMap;

use super::export::utc_text;
use super::read::{
    file_error, parse_calendars, parse_date, parse_date_time, parse_duration, unescape_text,
    Component, IcsDuration, Property, Stamp,
};
use super::windows_zones;
use super::{IcsEvent, IcsOutcome, MAX_ICS_BYTES, NO_TITLE};
use crate::domain::{DowntimeKind, NewDowntime, Scope, ValidationError, Zone};

/// Parses an .ics text: each VEVENT becomes a NewDowntime of `kind` with
/// `scope`, or is skipped with the reason. Times without a zone (floating
/// times) and all-day events are read in `floating_zone`.
///
/// Err(ValidationError with field "file") when the text is not an iCalendar
/// object at all (no BEGIN:VCALENDAR … END:VCALENDAR, or binary), or is too
/// large.
pub fn import_ics(
    text: &str,
    kind: DowntimeKind,
    scope: &Scope,
    floating_zone: Zone,
) -> Result<Vec<IcsEvent>, ValidationError> {
    if text.len() > MAX_ICS_BYTES {
        return Err(file_error(format!(
            "must be at most {MAX_ICS_BYTES} bytes, 4 MiB (got {})",
            text.len()
        )));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.contains('\0') {
        return Err(file_error(
            "is not an iCalendar file: it holds binary data".to_owned(),
        ));
    }
    let calendars = parse_calendars(text)?;
    let reader = EventReader {
        kind,
        scope,
        floating: floating_zone,
        vtimezones: vtimezone_zones(&calendars),
    };
    let events = calendars
        .iter()
        .flat_map(|c| &c.children)
        .filter(|c| c.name == "VEVENT")
        .enumerate()
        .map(|(i, event)| {
            let outcome = match reader.item(event) {
                Ok(item) => match item.clone().validate() {
                    Ok(_) => IcsOutcome::Imported { item },
                    Err(e) => IcsOutcome::Skipped {
                        reason: e.to_string(),
                    },
                },
                Err(reason) => IcsOutcome::Skipped { reason },
            };
            IcsEvent {
                index: i + 1,
                uid: event.text("UID"),
                summary: event.text("SUMMARY"),
                outcome,
            }
        })
        .collect();
    Ok(events)
}

/// The IANA zone named by a TZID: an IANA name (quoted, or with a path in
/// front such as `/mozilla.org/20050126_1/Europe/Berlin`), or a Windows name
/// as Outlook writes it.
fn named_zone(tzid: &str) -> Option<Zone> {
    let name = tzid.trim().trim_matches('"').trim();
    if name.is_empty() {
        return None;
    }
    let mut candidate = name;
    loop {
        if let Some(zone) = iana_zone(candidate) {
            return Some(zone);
        }
        match candidate.split_once('/') {
            Some((_, rest)) if !rest.is_empty() => candidate = rest,
            _ => break,
        }
    }
    windows_zones::iana_name(name).and_then(iana_zone)
}

/// Names of UTC other than `UTC` itself, so they all become the core's UTC.
const UTC_ALIASES: [&str; 10] = [
    "Etc/UTC",
    "Etc/UCT",
    "Etc/Universal",
    "Etc/Zulu",
    "Etc/GMT",
    "Etc/GMT0",
    "Etc/Greenwich",
    "GMT",
    "Universal",
    "Zulu",
];

fn iana_zone(name: &str) -> Option<Zone> {
    if UTC_ALIASES.contains(&name) {
        return Some(Zone::UTC);
    }
    name.parse::<chrono_tz::Tz>()
        .ok()
        .and_then(|tz| Zone::parse("zone", tz.name()).ok())
}

/// For each VTIMEZONE of the file whose own TZID names no zone, the IANA zone
/// its X-LIC-LOCATION, TZID-ALIAS-OF or TZURL names, if any.
fn vtimezone_zones(calendars: &[Component]) -> BTreeMap<String, Zone> {
    let mut zones = BTreeMap::new();
    for vtimezone in calendars
        .iter()
        .flat_map(|c| &c.children)
        .filter(|c| c.name == "VTIMEZONE")
    {
        let Some(tzid) = vtimezone.prop("TZID") else {
            continue;
        };
        let named = ["X-LIC-LOCATION", "TZID-ALIAS-OF", "TZURL"]
            .iter()
            .flat_map(|name| vtimezone.all(name))
            .find_map(|p| named_zone(&unescape_text(&p.value)));
        if let Some(zone) = named {
            zones.insert(tzid_key(&tzid.value), zone);
        }
    }
    zones
}

fn tzid_key(tzid: &str) -> String {
    tzid.trim().trim_matches('"').trim().to_owned()
}

/// Turns VEVENTs into items.
struct EventReader<'a> {
    kind: DowntimeKind,
    scope: &'a Scope,
    floating: Zone,
    vtimezones: BTreeMap<String, Zone>,
}

impl EventReader<'_> {
    /// The item a VEVENT describes, or why it is not imported. The caller
    /// still validates it.
    fn item(&self, event: &Component) -> Result<NewDowntime, String> {
        if let Some(line) = event.malformed {
            return Err(format!("line {line} is not a property (NAME:value)"));
        }
        if event
            .prop("STATUS")
            .is_some_and(|p| p.value.trim().eq_ignore_ascii_case("CANCELLED"))
        {
            return Err("cancelled in the file".to_owned());
        }
        if event.prop("RECURRENCE-ID").is_some() {
            return Err(
                "a moved or changed occurrence of a series (RECURRENCE-ID): modified \
                 occurrences are not imported"
                    .to_owned(),
            );
        }
        for unsupported in ["RDATE", "EXRULE"] {
            if event.prop(unsupported).is_some() {
                return Err(format!(
                    "{unsupported} is not supported (a series may only use RRULE and EXDATE)"
                ));
            }
        }
        let start_prop = event.prop("DTSTART").ok_or("no DTSTART")?;
        let start = self.stamp(start_prop, &start_prop.value)?;
        let zone = start.zone(self.floating);
        let from = start.instant(self.floating);
        let to = match (event.prop("DTEND"), event.prop("DURATION")) {
            (Some(end), _) => self.stamp(end, &end.value)?.instant(self.floating),
            (None, Some(duration)) => parse_duration(&duration.value)?.after(from, zone),
            // RFC 5545: an all-day event without an end lasts the day.
            (None, None) if matches!(start, Stamp::Date(_)) => IcsDuration {
                days: 1,
                seconds: 0,
            }
            .after(from, zone),
            (None, None) => {
                return Err(
                    "no DTEND or DURATION: RFC 5545 makes that a zero-length event, and a \
                     calendar item needs a length"
                        .to_owned(),
                )
            }
        };
        let mut rules = event.all("RRULE");
        let rrule = rules.next().map(|p| utc_until(&p.value, zone));
        if rules.next().is_some() {
            return Err("more than one RRULE is not supported".to_owned());
        }
        let mut exdates = Vec::new();
        for p in event.all("EXDATE") {
            for value in p.value.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                exdates.push(match self.stamp(p, value)? {
                    // A date skips the occurrence starting that day.
                    Stamp::Date(d) => zone.resolve(d.and_time(zone.local(from).time())),
                    other => other.instant(self.floating),
                });
            }
        }
        if rrule.is_none() {
            // Without a rule an EXDATE can only remove the one occurrence.
            if exdates.contains(&from) {
                return Err("EXDATE removes the event's only occurrence".to_owned());
            }
            exdates.clear();
        }
        let title = event
            .text("SUMMARY")
            .map(|s| s.replace(['\r', '\n'], " "))
            .unwrap_or_else(|| NO_TITLE.to_owned());
        Ok(NewDowntime {
            kind: self.kind,
            title,
            from,
            to,
            zone: if zone == Zone::UTC {
                String::new()
            } else {
                zone.name().to_owned()
            },
            rrule,
            exdates,
            scope: self.scope.clone(),
        })
    }

    /// One DATE or DATE-TIME value of `prop` (EXDATE may list several).
    fn stamp(&self, prop: &Property, value: &str) -> Result<Stamp, String> {
        let value = value.trim();
        let bad = || format!("{}: not a date or date-time (got {value:?})", prop.name);
        let is_date = prop
            .param("VALUE")
            .is_some_and(|v| v.eq_ignore_ascii_case("DATE"))
            || value.len() == 8;
        if is_date {
            return parse_date(value).map(Stamp::Date).ok_or_else(bad);
        }
        if let Some(utc) = value.strip_suffix(['Z', 'z']) {
            return parse_date_time(utc).map(Stamp::Utc).ok_or_else(bad);
        }
        let local = parse_date_time(value).ok_or_else(bad)?;
        match prop.param("TZID") {
            None => Ok(Stamp::Local(local, self.floating)),
            Some(tzid) => Ok(Stamp::Local(local, self.zone(tzid)?)),
        }
    }

    fn zone(&self, tzid: &str) -> Result<Zone, String> {
        named_zone(tzid)
            .or_else(|| self.vtimezones.get(&tzid_key(tzid)).copied())
            .ok_or_else(|| format!("unknown time zone {:?}", tzid_key(tzid)))
    }
}

/// The rule with UNTIL in UTC (`…Z`), the only form the core reads for a
/// series in a zone. A local UNTIL is read in the series' zone; a date
/// UNTIL includes that whole day.
fn utc_until(rule: &str, zone: Zone) -> String {
    rule.trim()
        .split(';')
        .map(|part| {
            let Some((key, value)) = part.split_once('=') else {
                return part.to_owned();
            };
            if !key.trim().eq_ignore_ascii_case("UNTIL") {
                return part.to_owned();
            }
            let value = value.trim();
            let until = if let Some(d) = parse_date(value) {
                zone.resolve(d.and_hms_opt(23, 59, 59).unwrap_or_default())
            } else if let Some(t) = parse_date_time(value) {
                zone.resolve(t)
            } else {
                // Already UTC, or not a time: the core reads or refuses it.
                return part.to_owned();
            };
            format!("UNTIL={}", utc_text(until))
        })
        .collect::<Vec<_>>()
        .join(";")
}

#[cfg(test)]
#[path = "import_tests.rs"]
mod tests;
