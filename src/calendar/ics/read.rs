//! The text level of an .ics file: logical lines unfolded, split into
//! properties and nested into components; TEXT values unescaped; DATE,
//! DATE-TIME and DURATION values parsed. Knows nothing of items.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};

use crate::domain::{ValidationError, Zone};

pub(super) fn file_error(rule: String) -> ValidationError {
    ValidationError::new("file", rule)
}

/// One content line after unfolding: `NAME;PARAM=value:VALUE`.
#[derive(Debug)]
pub(super) struct Property {
    /// Upper case.
    pub(super) name: String,
    /// Names upper case; values without their quotes.
    params: Vec<(String, Vec<String>)>,
    /// Raw, still escaped.
    pub(super) value: String,
}

impl Property {
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

/// A BEGIN … END block.
#[derive(Debug)]
pub(super) struct Component {
    /// Upper case.
    pub(super) name: String,
    props: Vec<Property>,
    pub(super) children: Vec<Component>,
    /// The first line inside that is not a property, if any.
    pub(super) malformed: Option<usize>,
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

    pub(super) fn prop(&self, name: &str) -> Option<&Property> {
        self.props.iter().find(|p| p.name == name)
    }

    pub(super) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> + 'a {
        self.props.iter().filter(move |p| p.name == name)
    }

    /// A TEXT property unescaped; `None` when missing or blank.
    pub(super) fn text(&self, name: &str) -> Option<String> {
        self.prop(name)
            .map(|p| unescape_text(&p.value))
            .filter(|s| !s.trim().is_empty())
    }
}

/// Unfolds the text into logical lines with the number of the physical line
/// each starts on. CRLF or LF; a line starting with a space or tab continues
/// the previous one.
pub(super) fn unfold(text: &str) -> Vec<(usize, String)> {
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
pub(super) fn parse_calendars(text: &str) -> Result<Vec<Component>, ValidationError> {
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
pub(super) fn unescape_text(value: &str) -> String {
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
pub(super) enum Stamp {
    Date(NaiveDate),
    Utc(NaiveDateTime),
    /// Wall-clock time in a zone (TZID, or the floating zone).
    Local(NaiveDateTime, Zone),
}

impl Stamp {
    /// The zone an item starting at this stamp lives in.
    pub(super) fn zone(self, floating: Zone) -> Zone {
        match self {
            Stamp::Date(_) => floating,
            Stamp::Utc(_) => Zone::UTC,
            Stamp::Local(_, zone) => zone,
        }
    }

    /// The instant; a date is its midnight in the floating zone.
    pub(super) fn instant(self, floating: Zone) -> DateTime<Utc> {
        match self {
            Stamp::Date(d) => floating.resolve(d.and_time(NaiveTime::MIN)),
            Stamp::Utc(t) => Utc.from_utc_datetime(&t),
            Stamp::Local(t, zone) => zone.resolve(t),
        }
    }
}

pub(super) fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| s[r].parse::<u32>().ok();
    NaiveDate::from_ymd_opt(i32::try_from(n(0..4)?).ok()?, n(4..6)?, n(6..8)?)
}

/// `YYYYMMDDTHHMMSS`, without the `Z`.
pub(super) fn parse_date_time(s: &str) -> Option<NaiveDateTime> {
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
pub(super) struct IcsDuration {
    pub(super) days: i64,
    pub(super) seconds: i64,
}

/// Large enough for any real event, small enough that adding it to a date
/// can never overflow.
const MAX_DURATION_DAYS: i64 = 100_000;

pub(super) fn parse_duration(text: &str) -> Result<IcsDuration, String> {
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
    pub(super) fn after(self, start: DateTime<Utc>, zone: Zone) -> DateTime<Utc> {
        let day_end = zone.resolve(zone.local(start) + Duration::days(self.days));
        day_end + Duration::seconds(self.seconds)
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
