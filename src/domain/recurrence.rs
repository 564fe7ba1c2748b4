//! When a calendar item recurs: an RFC 5545 RRULE read in a named IANA time
//! zone, so "every Saturday 22:00" stays 22:00 local across daylight-saving
//! changes. Only checks; expanding into occurrences is the calendar's job.

use std::fmt;

use chrono::{DateTime, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use rrule::{Frequency, RRule, Unvalidated};
use serde::{Serialize, Serializer};

use super::ValidationError;

/// An IANA time zone such as `Europe/Berlin`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Zone(chrono_tz::Tz);

impl Zone {
    pub const UTC: Zone = Zone(chrono_tz::UTC);

    pub fn parse(field: &str, name: &str) -> Result<Zone, ValidationError> {
        let name = name.trim();
        name.parse::<chrono_tz::Tz>().map(Zone).map_err(|_| {
            ValidationError::new(
                field,
                format!(
                    "unknown time zone {name:?}; use an IANA name such as Europe/Berlin or UTC"
                ),
            )
        })
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    pub fn tz(self) -> chrono_tz::Tz {
        self.0
    }

    /// The wall-clock time in this zone.
    pub fn local(self, t: DateTime<Utc>) -> NaiveDateTime {
        t.with_timezone(&self.0).naive_local()
    }

    /// The instant of a wall-clock time. Of an ambiguous time (clocks going
    /// back) the earlier; a time skipped by clocks going forward moves forward
    /// by the gap, as a person would read "02:30" on that night.
    pub fn resolve(self, local: NaiveDateTime) -> DateTime<Utc> {
        match self.0.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
            LocalResult::None => {
                // Read with the offset in force before the gap (gaps last
                // hours at most), which moves it forward by the gap.
                let before = local - chrono::Duration::hours(6);
                let offset = match self.0.offset_from_local_datetime(&before) {
                    LocalResult::Single(o) | LocalResult::Ambiguous(o, _) => o.fix(),
                    LocalResult::None => chrono::FixedOffset::east_opt(0).expect("zero offset"),
                };
                Utc.from_utc_datetime(&(local - offset))
            }
        }
    }
}

impl Zone {
    /// A time as people type it: RFC 3339 (`2030-01-05T21:00:00Z`, any
    /// offset), or a wall-clock time in this zone (`2030-01-05T22:00`, with
    /// seconds, or with a space for the `T`), as a `datetime-local` input
    /// gives it.
    pub fn read_time(self, field: &str, text: &str) -> Result<DateTime<Utc>, ValidationError> {
        let text = text.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Ok(t.with_timezone(&Utc));
        }
        ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            .map(|local| self.resolve(local))
            .ok_or_else(|| {
                ValidationError::new(
                    field,
                    format!(
                        "must be a time like 2030-01-05T22:00 (in {self}) or \
                         2030-01-05T21:00:00Z (got {text:?})"
                    ),
                )
            })
    }
}

impl Default for Zone {
    fn default() -> Self {
        Zone::UTC
    }
}

impl fmt::Debug for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Zone {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// The longest rule text accepted; real rules are a few dozen characters.
pub const MAX_RULE_CHARS: usize = 500;
/// A series may skip at most this many occurrences.
pub const MAX_EXDATES: usize = 1000;

/// A checked recurrence rule (`FREQ=WEEKLY;BYDAY=SA`, without DTSTART: the
/// item's first occurrence is its start) and the starts it skips.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Recurrence {
    pub rule: String,
    pub exdates: Vec<DateTime<Utc>>,
}

impl Recurrence {
    /// Checks `rule` against the series' first start in `zone`. Accepts the
    /// text with or without a leading `RRULE:`. Items recur at most daily:
    /// a window every hour is not a window.
    pub fn parse(
        rule: &str,
        exdates: Vec<DateTime<Utc>>,
        first_start: DateTime<Utc>,
        zone: Zone,
    ) -> Result<Recurrence, ValidationError> {
        let text = rule.trim();
        let text = text
            .strip_prefix("RRULE:")
            .or_else(|| text.strip_prefix("rrule:"))
            .unwrap_or(text)
            .to_ascii_uppercase();
        let n = text.chars().count();
        if n == 0 {
            return Err(ValidationError::new(
                "rrule",
                "must not be empty (e.g. FREQ=WEEKLY;BYDAY=SA)",
            ));
        }
        if n > MAX_RULE_CHARS {
            return Err(ValidationError::new(
                "rrule",
                format!("must be at most {MAX_RULE_CHARS} characters (got {n})"),
            ));
        }
        let parsed = parse_rule(&text)?;
        if !matches!(
            parsed.get_freq(),
            Frequency::Daily | Frequency::Weekly | Frequency::Monthly | Frequency::Yearly
        ) {
            return Err(ValidationError::new(
                "rrule",
                "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY",
            ));
        }
        let dt_start = zone
            .tz()
            .from_utc_datetime(&first_start.naive_utc())
            .with_timezone(&rrule::Tz::Tz(zone.tz()));
        parsed
            .validate(dt_start)
            .map_err(|e| ValidationError::new("rrule", e.to_string()))?;
        if exdates.len() > MAX_EXDATES {
            return Err(ValidationError::new(
                "exdates",
                format!(
                    "must list at most {MAX_EXDATES} dates (got {})",
                    exdates.len()
                ),
            ));
        }
        let mut exdates = exdates;
        exdates.sort();
        exdates.dedup();
        Ok(Recurrence {
            rule: text,
            exdates,
        })
    }

    /// The rule as the `rrule` crate reads it. Only fails on text that did
    /// not come through [`Recurrence::parse`].
    pub fn rrule(&self) -> Result<RRule<Unvalidated>, ValidationError> {
        parse_rule(&self.rule)
    }
}

fn parse_rule(text: &str) -> Result<RRule<Unvalidated>, ValidationError> {
    text.parse::<RRule<Unvalidated>>()
        .map_err(|e| ValidationError::new("rrule", format!("not a valid RRULE: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    #[test]
    fn zones_are_iana_names() {
        assert_eq!(
            Zone::parse("tz", "Europe/Berlin").unwrap().name(),
            "Europe/Berlin"
        );
        let e = Zone::parse("tz", "Mars/Olympus").unwrap_err();
        assert_eq!(e.field, "tz");
        assert!(e.rule.contains("Mars/Olympus"), "{e}");
    }

    #[test]
    fn wall_clock_times_resolve_through_both_daylight_saving_switches() {
        let berlin = Zone::parse("tz", "Europe/Berlin").unwrap();
        let at = |d: u32, m: u32, h: u32, min: u32| {
            NaiveDate::from_ymd_opt(2030, m, d)
                .unwrap()
                .and_hms_opt(h, min, 0)
                .unwrap()
        };
        // 31 March 2030: 02:00 → 03:00; 02:30 does not exist and reads as 03:30 CEST.
        assert_eq!(berlin.resolve(at(31, 3, 2, 30)), utc(2030, 3, 31, 1, 30));
        // 27 October 2030: 03:00 → 02:00; 02:30 happens twice, the first is CEST.
        assert_eq!(berlin.resolve(at(27, 10, 2, 30)), utc(2030, 10, 27, 0, 30));
        assert_eq!(berlin.local(utc(2030, 7, 1, 20, 0)), at(1, 7, 22, 0));
    }

    #[test]
    fn times_are_read_as_rfc_3339_or_wall_clock_in_the_zone() {
        let berlin = Zone::parse("tz", "Europe/Berlin").unwrap();
        assert_eq!(
            berlin.read_time("from", "2030-07-01T22:00").unwrap(),
            utc(2030, 7, 1, 20, 0)
        );
        assert_eq!(
            berlin.read_time("from", "2030-01-01 22:00").unwrap(),
            utc(2030, 1, 1, 21, 0)
        );
        assert_eq!(
            berlin.read_time("from", "2030-01-01T22:00:00Z").unwrap(),
            utc(2030, 1, 1, 22, 0)
        );
        let e = berlin.read_time("from", "tomorrow").unwrap_err();
        assert_eq!(e.field, "from");
        assert!(e.rule.contains("in Europe/Berlin"), "{e}");
    }

    #[test]
    fn rules_are_checked_against_the_first_start() {
        let start = utc(2030, 1, 5, 21, 0);
        let ok = Recurrence::parse("RRULE:freq=weekly;byday=SA", vec![], start, Zone::UTC).unwrap();
        assert_eq!(ok.rule, "FREQ=WEEKLY;BYDAY=SA");
        for (rule, words) in [
            ("", "must not be empty"),
            ("FREQ=FORTNIGHTLY", "not a valid RRULE"),
            ("FREQ=HOURLY;BYMINUTE=0", "DAILY, WEEKLY"),
            ("FREQ=WEEKLY;BYDAY=XX", "not a valid RRULE"),
        ] {
            let e = Recurrence::parse(rule, vec![], start, Zone::UTC).unwrap_err();
            assert_eq!(e.field, "rrule", "{rule}");
            assert!(e.rule.contains(words), "{rule}: {e}");
        }
        let long = format!("FREQ=DAILY;{}", "BYHOUR=1;".repeat(60));
        assert!(Recurrence::parse(&long, vec![], start, Zone::UTC)
            .unwrap_err()
            .rule
            .contains("at most 500"));
    }

    #[test]
    fn exdates_are_sorted_without_repeats() {
        let start = utc(2030, 1, 5, 21, 0);
        let r = Recurrence::parse(
            "FREQ=DAILY",
            vec![
                utc(2030, 1, 9, 21, 0),
                utc(2030, 1, 7, 21, 0),
                utc(2030, 1, 9, 21, 0),
            ],
            start,
            Zone::UTC,
        )
        .unwrap();
        assert_eq!(r.exdates, [utc(2030, 1, 7, 21, 0), utc(2030, 1, 9, 21, 0)]);
    }
}
