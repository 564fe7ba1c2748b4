//! The VTIMEZONE blocks of exports against chrono-tz: the rules must give
//! the zone's real clock changes.

use super::*;
use crate::calendar::ics::export_ics;
use crate::calendar::ics::test_support::{has, series_item, stamp, stored, unfolded, utc, zone};
use crate::domain::DowntimeKind;

/// The VTIMEZONE block of `name` in an export, unfolded.
fn vtimezone_of(name: &str) -> Vec<String> {
    let item = stored(
        series_item(
            DowntimeKind::Window,
            "w",
            utc(2030, 6, 1, 12, 0),
            utc(2030, 6, 1, 13, 0),
            name,
            "FREQ=WEEKLY",
            vec![],
        ),
        1,
    );
    let lines = unfolded(&export_ics(&[item], &[], stamp()));
    let start = lines.iter().position(|l| l == "BEGIN:VTIMEZONE").unwrap();
    let end = lines.iter().position(|l| l == "END:VTIMEZONE").unwrap();
    lines[start..=end].to_vec()
}

#[test]
fn the_vtimezone_of_berlin_has_yearly_daylight_and_standard_rules() {
    assert_eq!(
        vtimezone_of("Europe/Berlin"),
        [
            "BEGIN:VTIMEZONE",
            "TZID:Europe/Berlin",
            "X-LIC-LOCATION:Europe/Berlin",
            "BEGIN:DAYLIGHT",
            "DTSTART:19700329T020000",
            "TZOFFSETFROM:+0100",
            "TZOFFSETTO:+0200",
            "TZNAME:CEST",
            "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU",
            "END:DAYLIGHT",
            "BEGIN:STANDARD",
            "DTSTART:19701025T030000",
            "TZOFFSETFROM:+0200",
            "TZOFFSETTO:+0100",
            "TZNAME:CET",
            "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    );
    let new_york = vtimezone_of("America/New_York");
    assert!(
        has(&new_york, "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU"),
        "{new_york:?}"
    );
    assert!(
        has(&new_york, "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU"),
        "{new_york:?}"
    );
    assert!(has(&new_york, "TZOFFSETTO:-0400"), "{new_york:?}");
}

#[test]
fn the_vtimezone_of_a_zone_without_daylight_saving_has_one_standard_part() {
    assert_eq!(
        vtimezone_of("Asia/Tokyo"),
        [
            "BEGIN:VTIMEZONE",
            "TZID:Asia/Tokyo",
            "X-LIC-LOCATION:Asia/Tokyo",
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            "TZOFFSETFROM:+0900",
            "TZOFFSETTO:+0900",
            "TZNAME:JST",
            "END:STANDARD",
            "END:VTIMEZONE",
        ]
    );
    let kolkata = vtimezone_of("Asia/Kolkata");
    assert!(has(&kolkata, "TZOFFSETTO:+0530"), "{kolkata:?}");
    assert_eq!(
        kolkata.iter().filter(|l| l.starts_with("BEGIN:")).count(),
        2
    );
}

/// The zone's offset in seconds at `t`, straight from chrono-tz.
fn offset_seconds(tz: chrono_tz::Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

fn parse_offset(s: &str) -> i32 {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let digits = &s[1..];
    let n = |r: std::ops::Range<usize>| digits.get(r).map_or(0, |d| d.parse::<i32>().unwrap());
    sign * (n(0..2) * 3600 + n(2..4) * 60 + n(4..6))
}

#[test]
fn vtimezone_rules_give_the_zone_s_real_clock_changes_for_years() {
    // Last Sunday, second Sunday, the southern hemisphere, changes at
    // midnight (Santiago), "the Friday before the last Sunday" (Jerusalem).
    for name in [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Pacific/Auckland",
        "America/Santiago",
        "Asia/Jerusalem",
        "Europe/London",
    ] {
        let tz = zone(name).tz();
        let lines = vtimezone_of(name);
        let mut parts = 0;
        for part in lines
            .split(|l| l.starts_with("BEGIN:DAYLIGHT") || l.starts_with("BEGIN:STANDARD"))
            .skip(1)
        {
            parts += 1;
            let value = |key: &str| {
                part.iter()
                    .find_map(|l| l.strip_prefix(key))
                    .unwrap_or_else(|| panic!("{name}: no {key} in {part:?}"))
            };
            let (from, to) = (
                parse_offset(value("TZOFFSETFROM:")),
                parse_offset(value("TZOFFSETTO:")),
            );
            let set: rrule::RRuleSet =
                format!("DTSTART:{}Z\nRRULE:{}", value("DTSTART:"), value("RRULE:"))
                    .parse()
                    .unwrap();
            let changes: Vec<_> = set
                .all(200)
                .dates
                .into_iter()
                .map(|local| local.naive_utc())
                .filter(|local| (2030..=2036).contains(&local.year()))
                .collect();
            assert_eq!(changes.len(), 7, "{name}: {part:?}");
            for local in changes {
                // The wall-clock time is read in the old offset.
                let at = Utc.from_utc_datetime(&local) - Duration::seconds(i64::from(from));
                assert_eq!(
                    offset_seconds(tz, at - Duration::seconds(1)),
                    from,
                    "{name} {local}"
                );
                assert_eq!(offset_seconds(tz, at), to, "{name} {local}");
            }
        }
        assert_eq!(parts, 2, "{name}");
    }
    // Rules that are not "the n-th Sunday" read as RFC 5545's example does.
    assert!(has(
        &vtimezone_of("Asia/Jerusalem"),
        "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=FR;BYMONTHDAY=23,24,25,26,27,28,29"
    ));
    assert!(has(
        &vtimezone_of("America/Santiago"),
        "RRULE:FREQ=YEARLY;BYMONTH=9;BYDAY=SU;BYMONTHDAY=2,3,4,5,6,7,8"
    ));
}

#[test]
fn a_zone_whose_changes_follow_no_yearly_rule_gets_that_year_s_changes() {
    // Morocco leaves +01 for Ramadan, which moves through the year.
    let lines = vtimezone_of("Africa/Casablanca");
    assert!(!lines.iter().any(|l| l.starts_with("RRULE")), "{lines:?}");
    let starts: Vec<_> = lines.iter().filter(|l| l.starts_with("DTSTART:")).collect();
    assert!(starts.len() >= 3, "{lines:?}");
    assert_eq!(starts[0], "DTSTART:19700101T000000");
    assert!(
        starts[1..].iter().all(|l| l.starts_with("DTSTART:2030")),
        "{lines:?}"
    );
}
