//! A recurrence in words, for the details of a calendar item: "every week
//! on Saturday, 22:00–02:00 Europe/Berlin". Rules beyond what admins draw
//! (BYSETPOS, week numbers…) fall back to the RRULE text itself.

use rrule::{Frequency, NWeekday, Weekday};

use crate::domain::{Downtime, Recurrence, Zone};

/// The recurrence of `item` in words, or `None` for a one-off item.
pub fn recurrence_words(item: &Downtime) -> Option<String> {
    let r = item.recurrence.as_ref()?;
    let times = format!(
        ", {}–{} {}",
        item.zone.local(item.from).format("%H:%M"),
        item.zone.local(item.to).format("%H:%M"),
        item.zone
    );
    Some(rule_words(r, item.zone) + &times)
}

fn rule_words(r: &Recurrence, zone: Zone) -> String {
    let Ok(rule) = r.rrule() else {
        return r.rule.clone();
    };
    if !rule.get_by_set_pos().is_empty()
        || !rule.get_by_week_no().is_empty()
        || !rule.get_by_year_day().is_empty()
        || !rule.get_by_hour().is_empty()
        || !rule.get_by_minute().is_empty()
    {
        return format!("repeats by {}", r.rule);
    }
    let n = rule.get_interval().max(1);
    let unit = match rule.get_freq() {
        Frequency::Daily => "day",
        Frequency::Weekly => "week",
        Frequency::Monthly => "month",
        Frequency::Yearly => "year",
        _ => return format!("repeats by {}", r.rule),
    };
    let mut out = if n == 1 {
        format!("every {unit}")
    } else {
        format!("every {n} {unit}s")
    };
    let days: Vec<String> = rule.get_by_weekday().iter().map(weekday_words).collect();
    if !days.is_empty() {
        out += &format!(" on {}", join_and(&days));
    }
    let month_days: Vec<String> = rule
        .get_by_month_day()
        .iter()
        .map(|d| d.to_string())
        .collect();
    if !month_days.is_empty() {
        out += &format!(" on day {}", join_and(&month_days));
    }
    let months: Vec<&str> = rule
        .get_by_month()
        .iter()
        .filter_map(|m| MONTHS.get(usize::from(*m).wrapping_sub(1)).copied())
        .collect();
    if !months.is_empty() {
        out += &format!(" in {}", join_and(&months));
    }
    if let Some(count) = rule.get_count() {
        out += &format!(", {count} times");
    }
    if let Some(until) = rule.get_until() {
        let until = zone.local(until.with_timezone(&chrono::Utc));
        out += &format!(", until {}", until.format("%Y-%m-%d"));
    }
    if !r.exdates.is_empty() {
        let skipped = r.exdates.len();
        out += &format!(
            ", skipping {skipped} date{}",
            if skipped == 1 { "" } else { "s" }
        );
    }
    out
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn weekday_words(d: &NWeekday) -> String {
    let (nth, day) = match d {
        NWeekday::Every(day) => (None, *day),
        NWeekday::Nth(n, day) => (Some(*n), *day),
    };
    let name = match day {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    };
    match nth {
        None => name.to_owned(),
        Some(-1) => format!("the last {name}"),
        Some(n) if n > 0 => format!("the {} {name}", ordinal(n)),
        Some(n) => format!("the {} last {name}", ordinal(-n)),
    }
}

fn ordinal(n: i16) -> String {
    let suffix = match (n % 10, n % 100) {
        (1, 11) | (2, 12) | (3, 13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn join_and<S: AsRef<str>>(parts: &[S]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => format!(
            "{} and {}",
            rest.iter()
                .map(AsRef::as_ref)
                .collect::<Vec<_>>()
                .join(", "),
            last.as_ref()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{DowntimeId, DowntimeKind, Scope};
    use chrono::{TimeZone, Utc};

    fn item(rule: Option<&str>, exdates: usize) -> Downtime {
        let zone = Zone::parse("zone", "Europe/Berlin").unwrap();
        let from = Utc.with_ymd_and_hms(2030, 1, 5, 21, 0, 0).unwrap();
        let exdates = (0..exdates)
            .map(|w| from + chrono::Duration::weeks(w as i64 + 1))
            .collect();
        Downtime {
            id: DowntimeId(1),
            kind: DowntimeKind::Window,
            title: "Saturday nights".into(),
            from,
            to: from + chrono::Duration::hours(4),
            zone,
            recurrence: rule.map(|r| Recurrence::parse(r, exdates, from, zone).unwrap()),
            scope: Scope::All,
        }
    }

    #[test]
    fn common_rules_read_as_sentences() {
        let cases = [
            (
                "FREQ=WEEKLY;BYDAY=SA",
                0,
                "every week on Saturday, 22:00–02:00 Europe/Berlin",
            ),
            (
                "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,WE,FR",
                0,
                "every 2 weeks on Monday, Wednesday and Friday, 22:00–02:00 Europe/Berlin",
            ),
            (
                "FREQ=DAILY;COUNT=5",
                1,
                "every day, 5 times, skipping 1 date, 22:00–02:00 Europe/Berlin",
            ),
            (
                "FREQ=MONTHLY;BYDAY=-1SA",
                2,
                "every month on the last Saturday, skipping 2 dates, 22:00–02:00 Europe/Berlin",
            ),
            (
                "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=24",
                0,
                "every year on day 24 in December, 22:00–02:00 Europe/Berlin",
            ),
            (
                "FREQ=WEEKLY;UNTIL=20300401T000000Z",
                0,
                "every week, until 2030-04-01, 22:00–02:00 Europe/Berlin",
            ),
            (
                "FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO,TU",
                0,
                "repeats by FREQ=MONTHLY;BYSETPOS=1;BYDAY=MO,TU, 22:00–02:00 Europe/Berlin",
            ),
        ];
        for (rule, exdates, words) in cases {
            assert_eq!(
                recurrence_words(&item(Some(rule), exdates)).unwrap(),
                words,
                "{rule}"
            );
        }
        assert_eq!(recurrence_words(&item(None, 0)), None);
        assert_eq!(ordinal(2), "2nd");
        assert_eq!(ordinal(11), "11th");
    }
}
