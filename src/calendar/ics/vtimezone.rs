//! The VTIMEZONE block of a zone the export names: its offset changes in a
//! year, found from chrono-tz, and the yearly rules (the n-th or last
//! weekday, a weekday on or after a day, a date) that give them.

use chrono::{
    DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
    Weekday,
};
use chrono_tz::OffsetName;

use super::export::{local_text, Writer};
use crate::domain::Zone;

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
pub(super) fn vtimezone(out: &mut Writer, zone: Zone, year: i32) {
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
#[path = "vtimezone_tests.rs"]
mod tests;
