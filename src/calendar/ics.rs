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

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
    Weekday,
};
use chrono_tz::OffsetName;
use serde::Serialize;

use super::updates::{CalendarUpdate, UpdatePhase};
use super::windows_zones;
use crate::domain::{Downtime, DowntimeKind, NewDowntime, Scope, ValidationError, Zone};

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

// ---------------------------------------------------------------------------
// Import
// ---------------------------------------------------------------------------

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

fn file_error(rule: String) -> ValidationError {
    ValidationError::new("file", rule)
}

/// One content line after unfolding: `NAME;PARAM=value:VALUE`.
#[derive(Debug)]
struct Property {
    /// Upper case.
    name: String,
    /// Names upper case; values without their quotes.
    params: Vec<(String, Vec<String>)>,
    /// Raw, still escaped.
    value: String,
}

impl Property {
    fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

/// A BEGIN … END block.
#[derive(Debug)]
struct Component {
    /// Upper case.
    name: String,
    props: Vec<Property>,
    children: Vec<Component>,
    /// The first line inside that is not a property, if any.
    malformed: Option<usize>,
}

impl Component {
    fn new(name: String) -> Component {
        Component {
            name,
            props: Vec::new(),
            children: Vec::new(),
            malformed: None,
        }
    }

    fn prop(&self, name: &str) -> Option<&Property> {
        self.props.iter().find(|p| p.name == name)
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }

    /// A TEXT property unescaped; `None` when missing or blank.
    fn text(&self, name: &str) -> Option<String> {
        self.prop(name)
            .map(|p| unescape_text(&p.value))
            .filter(|s| !s.trim().is_empty())
    }
}

/// Unfolds the text into logical lines with the number of the physical line
/// each starts on. CRLF or LF; a line starting with a space or tab continues
/// the previous one.
fn unfold(text: &str) -> Vec<(usize, String)> {
    let mut lines: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match raw.as_bytes().first() {
            Some(b' ' | b'\t') if !lines.is_empty() => {
                if let Some((_, last)) = lines.last_mut() {
                    last.push_str(&raw[1..]);
                }
            }
            _ if raw.trim().is_empty() => {}
            _ => lines.push((i + 1, raw.to_owned())),
        }
    }
    lines
}

/// Splits a content line into name, parameters and value; `None` when it is
/// not one (no colon, no name, a parameter without `=`).
fn parse_property(line: &str) -> Option<Property> {
    let is_name = |c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_';
    let name_end = line.find(|c: char| !is_name(c))?;
    let name = &line[..name_end];
    if name.is_empty() {
        return None;
    }
    let mut rest = &line[name_end..];
    let mut params = Vec::new();
    while let Some(after) = rest.strip_prefix(';') {
        let eq = after.find('=')?;
        let pname = after[..eq].trim();
        if pname.is_empty() || !pname.chars().all(is_name) {
            return None;
        }
        let mut values = Vec::new();
        let mut tail = &after[eq + 1..];
        loop {
            let (value, next) = if let Some(quoted) = tail.strip_prefix('"') {
                let close = quoted.find('"')?;
                (&quoted[..close], &quoted[close + 1..])
            } else {
                let end = tail.find([',', ';', ':'])?;
                (&tail[..end], &tail[end..])
            };
            values.push(value.to_owned());
            match next.strip_prefix(',') {
                Some(more) => tail = more,
                None => {
                    rest = next;
                    break;
                }
            }
        }
        params.push((pname.to_ascii_uppercase(), values));
    }
    let value = rest.strip_prefix(':')?;
    Some(Property {
        name: name.to_ascii_uppercase(),
        params,
        value: value.to_owned(),
    })
}

/// The VCALENDAR objects of the text, as trees of components.
fn parse_calendars(text: &str) -> Result<Vec<Component>, ValidationError> {
    let mut calendars = Vec::new();
    // Open components with the line each began on.
    let mut open: Vec<(Component, usize)> = Vec::new();
    let lines = unfold(text);
    if lines.is_empty() {
        return Err(file_error(
            "is not an iCalendar file: it is empty".to_owned(),
        ));
    }
    for (no, line) in &lines {
        let prop = parse_property(line);
        let outside = |what: &str| {
            let shown: String = line.chars().take(40).collect();
            file_error(format!(
                "is not an iCalendar file: line {no} should be {what} (got {shown:?})"
            ))
        };
        match prop {
            Some(p) if p.name == "BEGIN" => {
                let name = p.value.trim().to_ascii_uppercase();
                if open.is_empty() && name != "VCALENDAR" {
                    return Err(outside("BEGIN:VCALENDAR"));
                }
                open.push((Component::new(name), *no));
            }
            Some(p) if p.name == "END" => {
                let name = p.value.trim().to_ascii_uppercase();
                let Some((done, began)) = open.pop() else {
                    return Err(outside("BEGIN:VCALENDAR"));
                };
                if done.name != name {
                    return Err(file_error(format!(
                        "is not a well-formed iCalendar file: line {no} has END:{name} where \
                         END:{} belongs (BEGIN at line {began})",
                        done.name
                    )));
                }
                match open.last_mut() {
                    Some((parent, _)) => parent.children.push(done),
                    None => calendars.push(done),
                }
            }
            Some(p) => match open.last_mut() {
                Some((component, _)) => component.props.push(p),
                None => return Err(outside("BEGIN:VCALENDAR")),
            },
            None => match open.last_mut() {
                Some((component, _)) => {
                    component.malformed.get_or_insert(*no);
                }
                None => return Err(outside("BEGIN:VCALENDAR")),
            },
        }
    }
    if let Some((component, began)) = open.first() {
        return Err(file_error(format!(
            "is not a complete iCalendar file: BEGIN:{} at line {began} is never closed",
            component.name
        )));
    }
    Ok(calendars)
}

/// `\,` `\;` `\n` `\\` as RFC 5545 escapes TEXT values.
fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// A DATE or DATE-TIME value as written.
#[derive(Debug, Clone, Copy)]
enum Stamp {
    Date(NaiveDate),
    Utc(NaiveDateTime),
    /// Wall-clock time in a zone (TZID, or the floating zone).
    Local(NaiveDateTime, Zone),
}

impl Stamp {
    /// The zone an item starting at this stamp lives in.
    fn zone(self, floating: Zone) -> Zone {
        match self {
            Stamp::Date(_) => floating,
            Stamp::Utc(_) => Zone::UTC,
            Stamp::Local(_, zone) => zone,
        }
    }

    /// The instant; a date is its midnight in the floating zone.
    fn instant(self, floating: Zone) -> DateTime<Utc> {
        match self {
            Stamp::Date(d) => floating.resolve(d.and_time(NaiveTime::MIN)),
            Stamp::Utc(t) => Utc.from_utc_datetime(&t),
            Stamp::Local(t, zone) => zone.resolve(t),
        }
    }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(4..6)?, n(6..8)?)
}

/// `YYYYMMDDTHHMMSS`, without the `Z`.
fn parse_date_time(s: &str) -> Option<NaiveDateTime> {
    let (date, time) = s.split_once(['T', 't'])?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| time[r].parse::<u32>().ok();
    // A leap second reads as the second before it.
    let t = NaiveTime::from_hms_opt(n(0..2)?, n(2..4)?, n(4..6)?.min(59))?;
    Some(parse_date(date)?.and_time(t))
}

/// A DURATION: nominal days (weeks count as 7) and exact seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IcsDuration {
    days: i64,
    seconds: i64,
}

/// Large enough for any real event, small enough that adding it to a date
/// can never overflow.
const MAX_DURATION_DAYS: i64 = 100_000;

fn parse_duration(text: &str) -> Result<IcsDuration, String> {
    let bad = || format!("DURATION: not an RFC 5545 duration such as PT4H or P1D (got {text:?})");
    let s = text.trim().to_ascii_uppercase();
    if s.starts_with('-') {
        return Err(format!(
            "DURATION: a negative duration cannot end an event (got {text:?})"
        ));
    }
    let s = s.strip_prefix('+').unwrap_or(&s);
    let s = s.strip_prefix('P').ok_or_else(bad)?;
    let (mut days, mut seconds, mut in_time, mut any) = (0i64, 0i64, false, false);
    // RFC 5545 wants at least one component after `T`.
    let mut any_time = true;
    let mut number = String::new();
    for c in s.chars() {
        match c {
            '0'..='9' => number.push(c),
            'T' if !in_time && number.is_empty() => {
                in_time = true;
                any_time = false;
            }
            'W' | 'D' | 'H' | 'M' | 'S' => {
                let n: i64 = number.parse().map_err(|_| bad())?;
                if n > MAX_DURATION_DAYS * 86_400 {
                    return Err(bad());
                }
                number.clear();
                any = true;
                any_time = true;
                // Saturating: a long list of huge parts is refused below
                // instead of overflowing.
                match (c, in_time) {
                    ('W', false) => days = days.saturating_add(7 * n),
                    ('D', false) => days = days.saturating_add(n),
                    ('H', true) => seconds = seconds.saturating_add(3600 * n),
                    ('M', true) => seconds = seconds.saturating_add(60 * n),
                    ('S', true) => seconds = seconds.saturating_add(n),
                    _ => return Err(bad()),
                }
            }
            _ => return Err(bad()),
        }
    }
    if !any || !any_time || !number.is_empty() {
        return Err(bad());
    }
    if days.saturating_add(seconds / 86_400) > MAX_DURATION_DAYS {
        return Err(format!(
            "DURATION: longer than {MAX_DURATION_DAYS} days (got {text:?})"
        ));
    }
    Ok(IcsDuration { days, seconds })
}

impl IcsDuration {
    /// Days are wall-clock days in `zone` (a day across a clock change is 23
    /// or 25 hours), hours and less are exact, as RFC 5545 says.
    fn after(self, start: DateTime<Utc>, zone: Zone) -> DateTime<Utc> {
        let day_end = zone.resolve(zone.local(start) + Duration::days(self.days));
        day_end + Duration::seconds(self.seconds)
    }
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

// ---------------------------------------------------------------------------
// Export
// ---------------------------------------------------------------------------

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
struct Writer {
    text: String,
}

const MAX_LINE_OCTETS: usize = 75;

impl Writer {
    /// Writes one content line, folding it at 75 octets (continuation lines
    /// start with a space, which counts) without splitting a character.
    fn line(&mut self, line: &str) {
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

    fn prop(&mut self, name: &str, value: &str) {
        self.line(&format!("{name}:{value}"));
    }

    fn text_prop(&mut self, name: &str, value: &str) {
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

fn utc_text(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local_text(t: NaiveDateTime) -> String {
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

fn scope_words(scope: &Scope) -> String {
    match scope {
        Scope::All => "all devices".to_owned(),
        Scope::Label { key, value } => format!("devices labelled {key}={value}"),
        Scope::Devices { devices } => {
            let ids: Vec<String> = devices.iter().map(ToString::to_string).collect();
            format!("the devices with id {}", ids.join(", "))
        }
    }
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
            scope_words(&item.scope)
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
            "Update: {} ({} {})",
            update.title, update.product, update.version
        ),
    );
    let devices = match update.devices {
        1 => "1 device".to_owned(),
        n => format!("{n} devices"),
    };
    let mut description = format!(
        "{} update of {} to {} on {devices}",
        capitalized(update.phase.as_str()),
        update.product,
        update.version
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

// ---------------------------------------------------------------------------
// VTIMEZONE
// ---------------------------------------------------------------------------

/// A change of a zone's UTC offset.
#[derive(Debug, Clone)]
struct Transition {
    /// The first instant of the new offset.
    at: DateTime<Utc>,
    /// Offsets in seconds east of UTC.
    from: i32,
    to: i32,
    /// The new offset's abbreviation (CEST).
    name: Option<String>,
}

impl Transition {
    /// The wall-clock time at which the clocks change, read in the old
    /// offset (02:00 for Berlin's spring change), as VTIMEZONE wants it.
    fn local_before(&self) -> NaiveDateTime {
        self.at.naive_utc() + Duration::seconds(i64::from(self.from))
    }
}

fn offset_at(tz: chrono_tz::Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

fn abbreviation_at(tz: chrono_tz::Tz, t: DateTime<Utc>) -> Option<String> {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .abbreviation()
        .map(str::to_owned)
}

/// The zone's offset changes in `year`, found by stepping a day at a time
/// and bisecting to the second (clocks change at most once a day).
fn transitions(tz: chrono_tz::Tz, year: i32) -> Vec<Transition> {
    let start = |y: i32| {
        Utc.with_ymd_and_hms(y, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default()
    };
    let (mut t, end) = (start(year), start(year + 1));
    let mut offset = offset_at(tz, t);
    let mut found = Vec::new();
    while t < end {
        let next = t + Duration::days(1);
        let next_offset = offset_at(tz, next);
        if next_offset != offset {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::seconds(1) {
                let mid = lo + (hi - lo) / 2;
                if offset_at(tz, mid) == offset {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            found.push(Transition {
                at: hi,
                from: offset,
                to: offset_at(tz, hi),
                name: abbreviation_at(tz, hi),
            });
        }
        t = next;
        offset = next_offset;
    }
    found
}

/// Which day of the month a yearly change falls on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayRule {
    /// The n-th (1..=4) or last (-1) weekday of the month.
    Nth(i8, Weekday),
    /// The weekday among the seven days from the given day of the month
    /// (Israel: the Friday before the last Sunday of March).
    OnOrAfter(u32, Weekday),
    /// A fixed day of the month.
    Date(u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct YearlyRule {
    month: u32,
    day: DayRule,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    next.and_then(|d| d.pred_opt()).map_or(28, |d| d.day())
}

fn weekday_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

impl YearlyRule {
    fn date_in(self, year: i32) -> Option<NaiveDate> {
        let last = days_in_month(year, self.month);
        let first_weekday_from = |day: u32, w: Weekday| {
            (day..day + 7)
                .filter(|d| *d <= last)
                .filter_map(|d| NaiveDate::from_ymd_opt(year, self.month, d))
                .find(|d| d.weekday() == w)
        };
        match self.day {
            DayRule::Nth(-1, w) => (last - 6..=last)
                .rev()
                .filter_map(|d| NaiveDate::from_ymd_opt(year, self.month, d))
                .find(|d| d.weekday() == w),
            DayRule::Nth(n, w) => first_weekday_from(1 + 7 * (u32::from(n.unsigned_abs()) - 1), w),
            DayRule::OnOrAfter(day, w) => first_weekday_from(day, w),
            DayRule::Date(day) => NaiveDate::from_ymd_opt(year, self.month, day),
        }
    }

    fn rrule(self) -> String {
        let by = match self.day {
            DayRule::Nth(n, w) => format!("BYDAY={n}{}", weekday_code(w)),
            DayRule::OnOrAfter(day, w) => {
                let days: Vec<String> = (day..day + 7).map(|d| d.to_string()).collect();
                format!("BYDAY={};BYMONTHDAY={}", weekday_code(w), days.join(","))
            }
            DayRule::Date(day) => format!("BYMONTHDAY={day}"),
        };
        format!("FREQ=YEARLY;BYMONTH={};{by}", self.month)
    }

    /// The candidates for a change on `date`, simplest first.
    fn candidates(date: NaiveDate) -> Vec<YearlyRule> {
        let (month, day, w) = (date.month(), date.day(), date.weekday());
        let rule = |day| YearlyRule { month, day };
        let mut out = Vec::new();
        if day + 7 > days_in_month(date.year(), month) {
            out.push(rule(DayRule::Nth(-1, w)));
        }
        if day <= 28 {
            // 1..=4, so the cast cannot truncate.
            out.push(rule(DayRule::Nth(((day - 1) / 7 + 1) as i8, w)));
        }
        let shortest = if month == 2 {
            28
        } else {
            days_in_month(date.year(), month)
        };
        for first in day.saturating_sub(6).max(1)..=day {
            if first + 6 <= shortest && (first - 1) % 7 != 0 {
                out.push(rule(DayRule::OnOrAfter(first, w)));
            }
        }
        out.push(rule(DayRule::Date(day)));
        out
    }
}

/// Years after the described one in which a derived rule must give the
/// zone's real changes.
const RULE_CHECK_YEARS: i32 = 6;

/// The yearly rule that gives `change` in `year` and the same change in the
/// years after it, if there is one.
fn yearly_rule(tz: chrono_tz::Tz, change: &Transition) -> Option<YearlyRule> {
    let local = change.local_before();
    let year = local.year();
    YearlyRule::candidates(local.date())
        .into_iter()
        .find(|rule| {
            (year..=year + RULE_CHECK_YEARS).all(|y| {
                let Some(date) = rule.date_in(y) else {
                    return false;
                };
                let at = Utc.from_utc_datetime(&date.and_time(local.time()))
                    - Duration::seconds(i64::from(change.from));
                offset_at(tz, at - Duration::seconds(1)) == change.from
                    && offset_at(tz, at) == change.to
            })
        })
}

fn offset_text(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let s = seconds.unsigned_abs();
    let (h, m, sec) = (s / 3600, s / 60 % 60, s % 60);
    if sec == 0 {
        format!("{sign}{h:02}{m:02}")
    } else {
        format!("{sign}{h:02}{m:02}{sec:02}")
    }
}

/// Writes the VTIMEZONE of `zone` as its clocks run in `year`: a yearly
/// STANDARD and DAYLIGHT rule where the zone has daylight-saving time, one
/// STANDARD part where it has none.
fn vtimezone(out: &mut Writer, zone: Zone, year: i32) {
    let tz = zone.tz();
    out.line("BEGIN:VTIMEZONE");
    out.prop("TZID", zone.name());
    out.prop("X-LIC-LOCATION", zone.name());
    let changes = transitions(tz, year);
    let rules: Option<Vec<YearlyRule>> = changes.iter().map(|c| yearly_rule(tz, c)).collect();
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1)
        .unwrap_or_default()
        .and_time(NaiveTime::MIN);
    match rules {
        Some(rules) if !changes.is_empty() => {
            for (change, rule) in changes.iter().zip(rules) {
                // The rule's first change from 1970 on, so every item lies
                // after the onset.
                let local = change.local_before();
                let first = rule
                    .date_in(1970)
                    .map_or(local, |d| d.and_time(local.time()));
                offset_part(
                    out,
                    change.from,
                    change.to,
                    first,
                    change.name.as_deref(),
                    Some(rule),
                );
            }
        }
        _ => {
            // No daylight-saving time, or changes no yearly rule describes
            // (a zone changing its rules): the offset at the start of the
            // year, then this year's changes as they are.
            let start = Utc
                .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
                .single()
                .unwrap_or_default();
            let offset = offset_at(tz, start);
            let name = abbreviation_at(tz, start);
            offset_part(out, offset, offset, epoch, name.as_deref(), None);
            for change in &changes {
                let local = change.local_before();
                offset_part(
                    out,
                    change.from,
                    change.to,
                    local,
                    change.name.as_deref(),
                    None,
                );
            }
        }
    }
    out.line("END:VTIMEZONE");
}

fn offset_part(
    out: &mut Writer,
    from: i32,
    to: i32,
    start: NaiveDateTime,
    name: Option<&str>,
    rule: Option<YearlyRule>,
) {
    let part = if to > from { "DAYLIGHT" } else { "STANDARD" };
    out.prop("BEGIN", part);
    out.prop("DTSTART", &local_text(start));
    out.prop("TZOFFSETFROM", &offset_text(from));
    out.prop("TZOFFSETTO", &offset_text(to));
    if let Some(name) = name {
        out.text_prop("TZNAME", name);
    }
    if let Some(rule) = rule {
        out.prop("RRULE", &rule.rrule());
    }
    out.prop("END", part);
}

#[cfg(test)]
#[path = "ics_tests.rs"]
mod tests;
