//! A calendar item's occurrences in a range. A recurring item repeats its first
//! occurrence's wall-clock window in its zone: "Saturday 22:00–02:00
//! Europe/Berlin" starts at 22:00 local in summer and in winter, and ends at
//! 02:00 local even on the nights the clocks change.
//!
//! Expansion is lazy per range. Daily and weekly rules without COUNT are
//! periodic, so the series is restarted a whole number of periods before the
//! range instead of being walked from its first start: a range ten years
//! after the start costs what the first range costs.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use rrule::{Frequency, RRuleSet};
use serde::Serialize;

use crate::domain::{CheckedDowntime, Downtime, Recurrence, ValidationError, Zone};

/// One occurrence, half-open: `[from, to)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Occurrence {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

impl Occurrence {
    pub fn overlaps(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> bool {
        self.from < to && from < self.to
    }
}

/// An item's timing, parsed once and expanded for any range.
#[derive(Debug, Clone)]
pub struct Series {
    first: Occurrence,
    zone: Zone,
    /// Wall-clock length of an occurrence, so a window ending at 02:00 local
    /// ends at 02:00 local whatever the clocks did in between.
    wall_length: Duration,
    rule: Option<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    rrule: rrule::RRule<rrule::Unvalidated>,
    exdates: Vec<DateTime<Utc>>,
    /// Days after which the rule repeats itself exactly, when it does.
    period_days: Option<i64>,
}

impl Series {
    pub fn of(d: &Downtime) -> Result<Series, ValidationError> {
        Series::new(d.from, d.to, d.zone, d.recurrence.as_ref())
    }

    pub fn of_checked(d: &CheckedDowntime) -> Result<Series, ValidationError> {
        Series::new(d.from, d.to, d.zone, d.recurrence.as_ref())
    }

    pub fn new(
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        zone: Zone,
        recurrence: Option<&Recurrence>,
    ) -> Result<Series, ValidationError> {
        let wall = zone.local(to) - zone.local(from);
        let wall_length = if wall > Duration::zero() {
            wall
        } else {
            to - from
        };
        let rule = recurrence
            .map(|r| {
                let rrule = r.rrule()?;
                let period_days = match (rrule.get_freq(), rrule.get_count()) {
                    (_, Some(_)) => None,
                    // A daily rule may filter by weekday, so its exact
                    // period is a week times its interval.
                    (Frequency::Daily | Frequency::Weekly, None) => {
                        Some(7 * i64::from(rrule.get_interval().max(1)))
                    }
                    _ => None,
                };
                Ok::<_, ValidationError>(Rule {
                    rrule,
                    exdates: r.exdates.clone(),
                    period_days,
                })
            })
            .transpose()?;
        Ok(Series {
            first: Occurrence { from, to },
            zone,
            wall_length,
            rule,
        })
    }

    pub fn first(&self) -> Occurrence {
        self.first
    }

    pub fn is_recurring(&self) -> bool {
        self.rule.is_some()
    }

    /// Occurrences overlapping `[from, to)`, by start.
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<Occurrence> {
        let Some(rule) = &self.rule else {
            return if self.first.overlaps(from, to) {
                vec![self.first]
            } else {
                Vec::new()
            };
        };
        let mut out = Vec::new();
        let start_local = self.zone.local(self.first.from);
        let restart = self.restart_before(rule, start_local, from);
        let Some(set) = self.rule_set(rule, restart) else {
            return out;
        };
        for start in &set {
            let start = start.with_timezone(&Utc);
            if start >= to {
                break;
            }
            let occurrence = self.occurrence_at(start);
            if occurrence.to > from && rule.exdates.binary_search(&start).is_err() {
                out.push(occurrence);
            }
        }
        out
    }

    /// When the last occurrence ends at the latest; `None` if it never does.
    /// An upper bound for UNTIL rules (a day of margin for zone changes).
    pub fn end(&self) -> Option<DateTime<Utc>> {
        let Some(rule) = &self.rule else {
            return Some(self.first.to);
        };
        if let Some(until) = rule.rrule.get_until() {
            return Some(until.with_timezone(&Utc) + self.wall_length + Duration::days(1));
        }
        rule.rrule.get_count()?;
        let start_local = self.zone.local(self.first.from);
        let set = self.rule_set(rule, start_local)?;
        let last = (&set).into_iter().last()?;
        Some(
            self.occurrence_at(last.with_timezone(&Utc))
                .to
                .max(self.first.to),
        )
    }

    fn occurrence_at(&self, start: DateTime<Utc>) -> Occurrence {
        let to = self.zone.resolve(self.zone.local(start) + self.wall_length);
        Occurrence {
            from: start,
            to: to.max(start + Duration::minutes(1)),
        }
    }

    /// A start for the iteration: the series' own, or, for a periodic rule,
    /// the same wall-clock time a whole number of periods later that is
    /// still well before `from`.
    fn restart_before(
        &self,
        rule: &Rule,
        start_local: NaiveDateTime,
        from: DateTime<Utc>,
    ) -> NaiveDateTime {
        let Some(period) = rule.period_days else {
            return start_local;
        };
        let from_local = self.zone.local(from);
        let lead = (from_local - start_local).num_days() - self.wall_length.num_days() - period;
        if lead <= 0 {
            return start_local;
        }
        start_local + Duration::days(lead / period * period)
    }

    fn rule_set(&self, rule: &Rule, start_local: NaiveDateTime) -> Option<RRuleSet> {
        let tz = rrule::Tz::Tz(self.zone.tz());
        let dt_start = tz.from_utc_datetime(&self.zone.resolve(start_local).naive_utc());
        // Validated when stored; `limit` stops rules that match nothing
        // (FEBRUARY 30th) instead of searching forever.
        rule.rrule.clone().build(dt_start).ok().map(RRuleSet::limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Recurrence;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
    }

    fn berlin() -> Zone {
        Zone::parse("zone", "Europe/Berlin").unwrap()
    }

    /// Saturday 22:00–02:00 Berlin, first on 5 January 2030 (CET: 21:00Z).
    fn saturday_nights(rule: &str, exdates: Vec<DateTime<Utc>>) -> Series {
        let from = utc(2030, 1, 5, 21, 0);
        let to = utc(2030, 1, 6, 1, 0);
        let r = Recurrence::parse(rule, exdates, from, berlin()).unwrap();
        Series::new(from, to, berlin(), Some(&r)).unwrap()
    }

    fn local_hours(o: &Occurrence) -> (String, String) {
        let z = berlin();
        (
            z.local(o.from).format("%a %H:%M").to_string(),
            z.local(o.to).format("%a %H:%M").to_string(),
        )
    }

    #[test]
    fn a_weekly_window_stays_at_local_time_across_the_spring_switch() {
        let s = saturday_nights("FREQ=WEEKLY;BYDAY=SA", vec![]);
        // 30/31 March 2030: clocks go 02:00 → 03:00 in the night of Saturday.
        let got = s.between(utc(2030, 3, 20, 0, 0), utc(2030, 4, 8, 0, 0));
        assert_eq!(got.len(), 3);
        for o in [&got[0], &got[2]] {
            assert_eq!(local_hours(o), ("Sat 22:00".into(), "Sun 02:00".into()));
        }
        assert_eq!(got[0].from, utc(2030, 3, 23, 21, 0)); // CET
        assert_eq!(got[1].from, utc(2030, 3, 30, 21, 0)); // CET
                                                          // 02:00 does not exist that night: the window ends when it would
                                                          // have, which the clocks call 03:00 CEST; four hours as every week.
        assert_eq!(
            local_hours(&got[1]),
            ("Sat 22:00".into(), "Sun 03:00".into())
        );
        assert_eq!(got[1].to - got[1].from, Duration::hours(4));
        assert_eq!(got[2].from, utc(2030, 4, 6, 20, 0)); // CEST
    }

    #[test]
    fn a_weekly_window_stays_at_local_time_across_the_autumn_switch() {
        let s = saturday_nights("FREQ=WEEKLY;BYDAY=SA", vec![]);
        // 26/27 October 2030: clocks go 03:00 → 02:00 in the night of Saturday.
        let got = s.between(utc(2030, 10, 15, 0, 0), utc(2030, 11, 4, 0, 0));
        assert_eq!(got.len(), 3);
        for o in &got {
            assert_eq!(local_hours(o), ("Sat 22:00".into(), "Sun 02:00".into()));
        }
        assert_eq!(got[0].from, utc(2030, 10, 19, 20, 0)); // CEST
        assert_eq!(got[1].from, utc(2030, 10, 26, 20, 0)); // CEST
                                                           // 02:00 happens twice that night; the window ends at the first.
        assert_eq!(got[1].to - got[1].from, Duration::hours(4));
        assert_eq!(got[2].from, utc(2030, 11, 2, 21, 0)); // CET
    }

    #[test]
    fn exdates_skip_occurrences_and_count_and_until_end_the_series() {
        let skipped = utc(2030, 1, 12, 21, 0);
        let s = saturday_nights("FREQ=WEEKLY;BYDAY=SA", vec![skipped]);
        let got = s.between(utc(2030, 1, 1, 0, 0), utc(2030, 1, 31, 0, 0));
        let starts: Vec<_> = got
            .iter()
            .map(|o| o.from.format("%d").to_string())
            .collect();
        assert_eq!(starts, ["05", "19", "26"]);
        assert_eq!(s.end(), None);

        let counted = saturday_nights("FREQ=WEEKLY;COUNT=3", vec![]);
        assert_eq!(
            counted
                .between(utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0))
                .len(),
            3
        );
        assert_eq!(counted.end(), Some(utc(2030, 1, 20, 1, 0)));

        let until = saturday_nights("FREQ=WEEKLY;UNTIL=20300120T000000Z", vec![]);
        assert_eq!(
            until
                .between(utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0))
                .len(),
            3
        );
        assert!(until.end().unwrap() >= utc(2030, 1, 20, 1, 0));
    }

    #[test]
    fn an_occurrence_started_before_the_range_is_included_while_it_lasts() {
        let s = saturday_nights("FREQ=WEEKLY", vec![]);
        let got = s.between(utc(2030, 1, 5, 23, 0), utc(2030, 1, 6, 0, 0));
        assert_eq!(
            got,
            [Occurrence {
                from: utc(2030, 1, 5, 21, 0),
                to: utc(2030, 1, 6, 1, 0)
            }]
        );
        assert!(s
            .between(utc(2030, 1, 6, 1, 0), utc(2030, 1, 12, 21, 0))
            .is_empty());
    }

    #[test]
    fn a_range_years_later_gives_what_walking_from_the_start_gives() {
        for rule in [
            "FREQ=WEEKLY;BYDAY=SA,WE",
            "FREQ=DAILY;INTERVAL=3",
            "FREQ=WEEKLY;INTERVAL=2;BYDAY=SA",
        ] {
            let s = saturday_nights(rule, vec![]);
            let (a, b) = (utc(2039, 6, 1, 0, 0), utc(2039, 7, 1, 0, 0));
            let walked: Vec<_> = {
                let rule = s.rule.as_ref().unwrap();
                let set = s.rule_set(rule, s.zone.local(s.first.from)).unwrap();
                (&set)
                    .into_iter()
                    .map(|t| s.occurrence_at(t.with_timezone(&Utc)))
                    .skip_while(|o| o.to <= a)
                    .take_while(|o| o.from < b)
                    .collect()
            };
            assert!(!walked.is_empty(), "{rule}");
            assert_eq!(s.between(a, b), walked, "{rule}");
        }
    }

    #[test]
    fn a_one_off_item_is_its_own_only_occurrence() {
        let s = Series::new(
            utc(2030, 1, 1, 8, 0),
            utc(2030, 1, 1, 9, 0),
            Zone::UTC,
            None,
        )
        .unwrap();
        assert_eq!(
            s.between(utc(2030, 1, 1, 0, 0), utc(2030, 1, 2, 0, 0))
                .len(),
            1
        );
        assert!(s
            .between(utc(2030, 1, 1, 9, 0), utc(2030, 1, 2, 0, 0))
            .is_empty());
        assert_eq!(s.end(), Some(utc(2030, 1, 1, 9, 0)));
    }
}
