//! The iCalendar import against hand-written files shaped like what Outlook,
//! Google and Thunderbird write, and the export against RFC 5545's rules and
//! against the import itself (every exported item comes back the same).

use chrono::{DateTime, Duration, TimeZone, Utc};

use super::*;
use crate::calendar::Series;
use crate::domain::{CheckedDowntime, DeviceId, DowntimeId, ProductName, UpdateId, Version};

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn zone(name: &str) -> Zone {
    Zone::parse("zone", name).unwrap()
}

/// A VCALENDAR around `body`, with CRLF line ends.
fn ics(body: &str) -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Test//EN\r\n");
    for line in body.lines() {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

/// One VEVENT with the given lines.
fn event(lines: &str) -> String {
    ics(&format!("BEGIN:VEVENT\nUID:e1@test\n{lines}\nEND:VEVENT"))
}

fn import_in(text: &str, floating: Zone) -> Vec<IcsEvent> {
    import_ics(text, DowntimeKind::Planned, &Scope::All, floating).unwrap()
}

fn import(text: &str) -> Vec<IcsEvent> {
    import_in(text, Zone::UTC)
}

fn imported(e: &IcsEvent) -> &NewDowntime {
    match &e.outcome {
        IcsOutcome::Imported { item } => item,
        IcsOutcome::Skipped { reason } => panic!("event {} skipped: {reason}", e.index),
    }
}

fn reason(e: &IcsEvent) -> &str {
    match &e.outcome {
        IcsOutcome::Skipped { reason } => reason,
        IcsOutcome::Imported { item } => panic!("event {} imported: {item:?}", e.index),
    }
}

/// The only event of `text`, imported.
fn only_item(text: &str) -> NewDowntime {
    let events = import(text);
    assert_eq!(events.len(), 1, "{events:?}");
    imported(&events[0]).clone()
}

fn only_reason(text: &str) -> String {
    let events = import(text);
    assert_eq!(events.len(), 1, "{events:?}");
    reason(&events[0]).to_owned()
}

// --- import: lines, values, times ------------------------------------------

#[test]
fn folded_lines_are_unfolded_and_text_is_unescaped_whatever_the_case_of_names() {
    // LF and CRLF mixed, continuation by space and by tab, lower-case names.
    let text = "BEGIN:VCALENDAR\nVERSION:2.0\r\nbegin:vevent\r\nUID:long-\r\n  uid@test\n\
                summary;LANGUAGE=en:Patch night\\, DB\\; rack \\\\7\\n\r\n\tsecond line\r\n\
                DTSTART:20300105T210000Z\r\nDtEnd:20300106T0\r\n 10000Z\r\nend:VEVENT\nEND:VCALENDAR";
    let events = import(text);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].uid.as_deref(), Some("long- uid@test"));
    assert_eq!(
        events[0].summary.as_deref(),
        Some("Patch night, DB; rack \\7\nsecond line")
    );
    let got = imported(&events[0]);
    // The title is one line, as calendar cells show it.
    assert_eq!(got.title, "Patch night, DB; rack \\7 second line");
    assert_eq!(
        (got.from, got.to),
        (utc(2030, 1, 5, 21, 0), utc(2030, 1, 6, 1, 0))
    );
}

#[test]
fn utc_times_give_a_one_off_item_in_utc() {
    let got = only_item(&event(
        "SUMMARY:Storage firmware\nDTSTART:20300105T210000Z\nDTEND:20300106T010000Z",
    ));
    let expected = NewDowntime::once(
        DowntimeKind::Planned,
        "Storage firmware",
        utc(2030, 1, 5, 21, 0),
        utc(2030, 1, 6, 1, 0),
        Scope::All,
    );
    assert_eq!(got, expected);
}

#[test]
fn the_kind_and_scope_come_from_the_caller() {
    let scope = Scope::Devices {
        devices: vec![DeviceId(3), DeviceId(7)],
    };
    let text = event("SUMMARY:x\nDTSTART:20300105T210000Z\nDTEND:20300106T010000Z");
    let events = import_ics(&text, DowntimeKind::Freeze, &scope, Zone::UTC).unwrap();
    let got = imported(&events[0]);
    assert_eq!((got.kind, &got.scope), (DowntimeKind::Freeze, &scope));
}

#[test]
fn floating_times_are_read_in_the_floating_zone() {
    let text = event("SUMMARY:Floating\nDTSTART:20300701T220000\nDTEND:20300702T020000");
    let events = import_in(&text, zone("Europe/Berlin"));
    let got = imported(&events[0]);
    assert_eq!(got.zone, "Europe/Berlin");
    // CEST: 22:00 local is 20:00 UTC.
    assert_eq!(
        (got.from, got.to),
        (utc(2030, 7, 1, 20, 0), utc(2030, 7, 2, 0, 0))
    );
    let events = import_in(&text, zone("America/New_York"));
    assert_eq!(imported(&events[0]).from, utc(2030, 7, 2, 2, 0));
}

#[test]
fn tzid_times_are_read_in_their_iana_zone_however_the_name_is_written() {
    for tzid in [
        "Europe/Berlin",
        "\"Europe/Berlin\"",
        "/Europe/Berlin",
        "/mozilla.org/20050126_1/Europe/Berlin",
    ] {
        let got = only_item(&event(&format!(
            "SUMMARY:x\nDTSTART;TZID={tzid}:20300105T220000\nDTEND;TZID={tzid}:20300106T020000"
        )));
        assert_eq!(got.zone, "Europe/Berlin", "{tzid}");
        // CET: 22:00 local is 21:00 UTC.
        assert_eq!(
            (got.from, got.to),
            (utc(2030, 1, 5, 21, 0), utc(2030, 1, 6, 1, 0)),
            "{tzid}"
        );
    }
    // UTC by another name is the core's UTC.
    let got = only_item(&event(
        "SUMMARY:x\nDTSTART;TZID=Etc/UTC:20300105T220000\nDTEND;TZID=Etc/UTC:20300105T230000",
    ));
    assert_eq!((got.zone.as_str(), got.from), ("", utc(2030, 1, 5, 22, 0)));
}

#[test]
fn windows_zone_names_are_read_as_their_iana_zones() {
    for (tzid, iana, start) in [
        (
            "W. Europe Standard Time",
            "Europe/Berlin",
            utc(2030, 1, 5, 21, 0),
        ),
        (
            "\"Pacific Standard Time\"",
            "America/Los_Angeles",
            utc(2030, 1, 6, 6, 0),
        ),
        ("GMT Standard Time", "Europe/London", utc(2030, 1, 5, 22, 0)),
        ("Tokyo Standard Time", "Asia/Tokyo", utc(2030, 1, 5, 13, 0)),
        (
            "India Standard Time",
            "Asia/Kolkata",
            utc(2030, 1, 5, 16, 30),
        ),
        (
            "AUS Eastern Standard Time",
            "Australia/Sydney",
            utc(2030, 1, 5, 11, 0),
        ),
    ] {
        let got = only_item(&event(&format!(
            "SUMMARY:x\nDTSTART;TZID={tzid}:20300105T220000\nDURATION:PT1H"
        )));
        assert_eq!((got.zone.as_str(), got.from), (iana, start), "{tzid}");
    }
}

#[test]
fn a_vtimezone_naming_an_iana_location_gives_the_zone_of_a_custom_tzid() {
    let text = ics(
        "BEGIN:VTIMEZONE\nTZID:Customized Time Zone 1\nX-LIC-LOCATION:Europe/Paris\n\
         BEGIN:STANDARD\nDTSTART:19701025T030000\nTZOFFSETFROM:+0200\nTZOFFSETTO:+0100\n\
         END:STANDARD\nEND:VTIMEZONE\nBEGIN:VEVENT\nUID:a\nSUMMARY:x\n\
         DTSTART;TZID=\"Customized Time Zone 1\":20300705T220000\nDURATION:PT2H\nEND:VEVENT",
    );
    let events = import(&text);
    let got = imported(&events[0]);
    assert_eq!(
        (got.zone.as_str(), got.from),
        ("Europe/Paris", utc(2030, 7, 5, 20, 0))
    );
}

#[test]
fn an_unknown_zone_skips_the_event_and_names_the_zone() {
    assert_eq!(
        only_reason(&event(
            "SUMMARY:x\nDTSTART;TZID=Mars Standard Time:20300105T220000\nDURATION:PT1H"
        )),
        "unknown time zone \"Mars Standard Time\""
    );
    // A VTIMEZONE that names no known zone does not help.
    let text = ics(
        "BEGIN:VTIMEZONE\nTZID:Olympus\nBEGIN:STANDARD\nDTSTART:19700101T000000\n\
         TZOFFSETFROM:+0100\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE\nBEGIN:VEVENT\n\
         SUMMARY:x\nDTSTART;TZID=Olympus:20300105T220000\nDURATION:PT1H\nEND:VEVENT",
    );
    assert_eq!(reason(&import(&text)[0]), "unknown time zone \"Olympus\"");
}

#[test]
fn duration_ends_the_event_in_exact_hours_or_wall_clock_days() {
    let berlin =
        |lines: &str| imported(&import_in(&event(lines), zone("Europe/Berlin"))[0]).clone();
    let got = berlin("SUMMARY:x\nDTSTART:20300105T220000\nDURATION:PT4H");
    assert_eq!(got.to - got.from, Duration::hours(4));
    let got = berlin("SUMMARY:x\nDTSTART:20300105T220000\nDURATION:+PT1H30M15S");
    assert_eq!(got.to - got.from, Duration::seconds(5415));
    // The night of 30/31 March 2030 is 23 hours long in Berlin: a day is a
    // wall-clock day, so 12:00 to 12:00.
    let got = berlin("SUMMARY:x\nDTSTART:20300330T120000\nDURATION:P1D");
    assert_eq!(
        (got.from, got.to),
        (utc(2030, 3, 30, 11, 0), utc(2030, 3, 31, 10, 0))
    );
    let got = berlin("SUMMARY:x\nDTSTART:20300105T220000\nDURATION:P1W");
    assert_eq!(got.to - got.from, Duration::days(7));
    let got = berlin("SUMMARY:x\nDTSTART:20300105T220000\nDURATION:P1DT2H");
    assert_eq!(got.to - got.from, Duration::hours(26));

    for (duration, words) in [
        ("-PT1H", "DURATION: a negative duration"),
        ("PT", "DURATION: not an RFC 5545 duration"),
        ("4H", "DURATION: not an RFC 5545 duration"),
        ("P1H", "DURATION: not an RFC 5545 duration"),
        ("PT1D", "DURATION: not an RFC 5545 duration"),
        (
            "P99999999999999999999D",
            "DURATION: not an RFC 5545 duration",
        ),
        ("P200000D", "DURATION: longer than 100000 days"),
        ("P400D", "to: an occurrence may last at most 366 days"),
    ] {
        let why = only_reason(&event(&format!(
            "SUMMARY:x\nDTSTART:20300105T220000Z\nDURATION:{duration}"
        )));
        assert!(why.starts_with(words), "{duration}: {why}");
    }
}

#[test]
fn an_event_without_end_or_duration_is_skipped_unless_it_is_all_day() {
    let why = only_reason(&event("SUMMARY:Reminder\nDTSTART:20300105T220000Z"));
    assert!(why.starts_with("no DTEND or DURATION"), "{why}");
    // RFC 5545: an all-day event without an end lasts its day.
    let got = only_item(&event("SUMMARY:Holiday\nDTSTART;VALUE=DATE:20300105"));
    assert_eq!(
        (got.from, got.to),
        (utc(2030, 1, 5, 0, 0), utc(2030, 1, 6, 0, 0))
    );
}

#[test]
fn all_day_events_run_from_midnight_to_midnight_in_the_floating_zone() {
    let text = event("SUMMARY:Inventory\nDTSTART;VALUE=DATE:20300105\nDTEND;VALUE=DATE:20300107");
    let events = import_in(&text, zone("Europe/Berlin"));
    let got = imported(&events[0]);
    assert_eq!(got.zone, "Europe/Berlin");
    // DTEND is exclusive: two days, Berlin midnight (CET).
    assert_eq!(
        (got.from, got.to),
        (utc(2030, 1, 4, 23, 0), utc(2030, 1, 6, 23, 0))
    );
    // Without VALUE=DATE, an eight-digit value is still a date.
    let got = only_item(&event("SUMMARY:x\nDTSTART:20300105\nDTEND:20300106"));
    assert_eq!(
        (got.from, got.to),
        (utc(2030, 1, 5, 0, 0), utc(2030, 1, 6, 0, 0))
    );
}

#[test]
fn a_bad_date_skips_the_event_and_names_the_property() {
    assert_eq!(
        only_reason(&event("SUMMARY:x\nDTSTART:20301305T220000Z\nDURATION:PT1H")),
        "DTSTART: not a date or date-time (got \"20301305T220000Z\")"
    );
    assert_eq!(
        only_reason(&event("SUMMARY:x\nDTEND:20300105T220000Z")),
        "no DTSTART"
    );
    assert_eq!(
        only_reason(&event(
            "SUMMARY:x\nDTSTART:20300105T220000Z\nDTEND:tomorrow"
        )),
        "DTEND: not a date or date-time (got \"tomorrow\")"
    );
}

// --- import: series ----------------------------------------------------------

#[test]
fn rrule_and_exdates_in_several_lines_lists_zones_and_dates_make_a_series() {
    let got = only_item(&event(
        "SUMMARY:Saturday nights\n\
         DTSTART;TZID=Europe/Berlin:20300105T220000\n\
         DTEND;TZID=Europe/Berlin:20300106T020000\n\
         RRULE:FREQ=WEEKLY;BYDAY=SA\n\
         EXDATE;TZID=Europe/Berlin:20300112T220000,20300119T220000\n\
         EXDATE:20300126T210000Z\n\
         EXDATE;VALUE=DATE:20300202",
    ));
    assert_eq!(got.rrule.as_deref(), Some("FREQ=WEEKLY;BYDAY=SA"));
    // A date skips that day's occurrence (22:00 Berlin).
    assert_eq!(
        got.exdates,
        [
            utc(2030, 1, 12, 21, 0),
            utc(2030, 1, 19, 21, 0),
            utc(2030, 1, 26, 21, 0),
            utc(2030, 2, 2, 21, 0)
        ]
    );
    let checked = got.validate().unwrap();
    let starts: Vec<_> = Series::of_checked(&checked)
        .unwrap()
        .between(utc(2030, 1, 1, 0, 0), utc(2030, 2, 14, 0, 0))
        .iter()
        .map(|o| o.from)
        .collect();
    assert_eq!(starts, [utc(2030, 1, 5, 21, 0), utc(2030, 2, 9, 21, 0)]);
}

#[test]
fn a_local_or_date_until_becomes_utc_for_the_core() {
    let series = |until: &str| {
        let got = only_item(&event(&format!(
            "SUMMARY:x\nDTSTART;TZID=Europe/Berlin:20300105T220000\nDURATION:PT4H\n\
             RRULE:FREQ=WEEKLY;UNTIL={until};BYDAY=SA"
        )));
        let rule = got.rrule.clone().unwrap();
        let n = Series::of_checked(&got.validate().unwrap())
            .unwrap()
            .between(utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0))
            .len();
        (rule, n)
    };
    // Local 22:00 Berlin on the 26th is 21:00 UTC: that occurrence counts.
    assert_eq!(
        series("20300126T220000"),
        ("FREQ=WEEKLY;UNTIL=20300126T210000Z;BYDAY=SA".to_owned(), 4)
    );
    // A date includes its whole day (Berlin).
    assert_eq!(
        series("20300126"),
        ("FREQ=WEEKLY;UNTIL=20300126T225959Z;BYDAY=SA".to_owned(), 4)
    );
    // Already UTC: as written.
    assert_eq!(
        series("20300119T210000Z"),
        ("FREQ=WEEKLY;UNTIL=20300119T210000Z;BYDAY=SA".to_owned(), 3)
    );
}

#[test]
fn an_invalid_rrule_is_skipped_with_the_core_reason() {
    let why = only_reason(&event(
        "SUMMARY:x\nDTSTART:20300105T220000Z\nDURATION:PT1H\nRRULE:FREQ=SOMETIMES",
    ));
    assert!(why.starts_with("rrule: not a valid RRULE: "), "{why}");
    let why = only_reason(&event(
        "SUMMARY:x\nDTSTART:20300105T220000Z\nDURATION:PT1H\nRRULE:FREQ=HOURLY",
    ));
    assert_eq!(why, "rrule: FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY");
    let why = only_reason(&event(
        "SUMMARY:x\nDTSTART:20300105T220000Z\nDURATION:PT1H\nRRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY",
    ));
    assert_eq!(why, "more than one RRULE is not supported");
}

#[test]
fn rdate_and_exrule_are_not_supported_and_say_so() {
    for (line, name) in [
        ("RDATE:20300110T220000Z", "RDATE"),
        ("EXRULE:FREQ=MONTHLY", "EXRULE"),
    ] {
        let why = only_reason(&event(&format!(
            "SUMMARY:x\nDTSTART:20300105T220000Z\nDURATION:PT1H\nRRULE:FREQ=WEEKLY\n{line}"
        )));
        assert_eq!(
            why,
            format!("{name} is not supported (a series may only use RRULE and EXDATE)")
        );
    }
}

#[test]
fn an_exdate_without_a_rule_is_ignored_unless_it_removes_the_event() {
    let got = only_item(&event(
        "SUMMARY:x\nDTSTART:20300105T220000Z\nDURATION:PT1H\nEXDATE:20300112T220000Z",
    ));
    assert!(got.exdates.is_empty() && got.rrule.is_none());
    assert_eq!(
        only_reason(&event(
            "SUMMARY:x\nDTSTART:20300105T220000Z\nDURATION:PT1H\nEXDATE:20300105T220000Z"
        )),
        "EXDATE removes the event's only occurrence"
    );
}

// --- import: what is skipped or ignored ------------------------------------

#[test]
fn cancelled_events_and_moved_occurrences_are_skipped() {
    assert_eq!(
        only_reason(&event(
            "SUMMARY:x\nSTATUS:CANCELLED\nDTSTART:20300105T220000Z\nDURATION:PT1H"
        )),
        "cancelled in the file"
    );
    let why = only_reason(&event(
        "SUMMARY:x\nRECURRENCE-ID;TZID=Europe/Berlin:20300112T220000\n\
         DTSTART;TZID=Europe/Berlin:20300112T230000\nDURATION:PT1H",
    ));
    assert!(
        why.contains("RECURRENCE-ID") && why.contains("modified occurrences are not imported"),
        "{why}"
    );
    // STATUS:CONFIRMED imports.
    only_item(&event(
        "SUMMARY:x\nSTATUS:CONFIRMED\nDTSTART:20300105T220000Z\nDURATION:PT1H",
    ));
}

#[test]
fn other_components_are_ignored_and_events_are_numbered_in_file_order() {
    let text = ics("BEGIN:VTODO\nUID:t\nSUMMARY:todo\nDTSTART:20300105T220000Z\nEND:VTODO\n\
         BEGIN:VEVENT\nUID:one\nSUMMARY:first\nDTSTART:20300105T220000Z\nDURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VJOURNAL\nUID:j\nSUMMARY:journal\nEND:VJOURNAL\n\
         BEGIN:VFREEBUSY\nUID:f\nFREEBUSY:20300105T220000Z/PT1H\nEND:VFREEBUSY\n\
         BEGIN:VEVENT\nUID:two\nSUMMARY:second\nSTATUS:CANCELLED\nDTSTART:20300105T220000Z\nDURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VEVENT\nUID:three\nSUMMARY:third\nDTSTART:20300106T220000Z\nDURATION:PT1H\nEND:VEVENT");
    let events = import(&text);
    let seen: Vec<_> = events
        .iter()
        .map(|e| {
            (
                e.index,
                e.uid.as_deref().unwrap(),
                e.summary.as_deref().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (1, "one", "first"),
            (2, "two", "second"),
            (3, "three", "third")
        ]
    );
    assert_eq!(imported(&events[2]).from, utc(2030, 1, 6, 22, 0));
}

#[test]
fn a_missing_title_gets_a_placeholder_and_a_long_one_is_refused_as_the_core_does() {
    let events = import(&event("DTSTART:20300105T220000Z\nDURATION:PT1H"));
    assert_eq!(events[0].summary, None);
    assert_eq!(imported(&events[0]).title, NO_TITLE);
    let long = "x".repeat(130);
    assert_eq!(
        only_reason(&event(&format!(
            "SUMMARY:{long}\nDTSTART:20300105T220000Z\nDURATION:PT1H"
        ))),
        "title: must be at most 120 characters (got 130)"
    );
    // Every other refusal of the core is reported the same way.
    assert_eq!(
        only_reason(&event(
            "SUMMARY:x\nDTSTART:20300105T220000Z\nDTEND:20300105T210000Z"
        )),
        "to: must be after from (from 2030-01-05T22:00:00+00:00, to 2030-01-05T21:00:00+00:00)"
    );
}

#[test]
fn a_line_that_is_not_a_property_skips_its_event_only() {
    let text = ics(
        "BEGIN:VEVENT\nUID:bad\nSUMMARY:x\nthis is not a property\nDTSTART:20300105T220000Z\n\
         DURATION:PT1H\nEND:VEVENT\nBEGIN:VEVENT\nUID:good\nSUMMARY:y\nDTSTART:20300105T220000Z\n\
         DURATION:PT1H\nEND:VEVENT",
    );
    let events = import(&text);
    assert_eq!(reason(&events[0]), "line 7 is not a property (NAME:value)");
    assert_eq!(imported(&events[1]).title, "y");
}

#[test]
fn a_text_that_is_not_an_icalendar_object_is_an_error_of_the_file() {
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "is not an iCalendar file: it is empty"),
        ("\r\n\r\n".into(), "is not an iCalendar file: it is empty"),
        ("hello, world".into(), "is not an iCalendar file: line 1 should be BEGIN:VCALENDAR (got \"hello, world\")"),
        ("name,agent_url\nweb-1,http://x".into(), "is not an iCalendar file: line 1 should be BEGIN:VCALENDAR"),
        ("BEGIN:VEVENT\nEND:VEVENT".into(), "is not an iCalendar file: line 1 should be BEGIN:VCALENDAR"),
        ("BEGIN:VCALENDAR\0\u{1}\u{2}".into(), "is not an iCalendar file: it holds binary data"),
        ("BEGIN:VCALENDAR\nVERSION:2.0\nBEGIN:VEVENT\nEND:VEVENT".into(), "is not a complete iCalendar file: BEGIN:VCALENDAR at line 1 is never closed"),
        ("BEGIN:VCALENDAR\nBEGIN:VEVENT\nEND:VCALENDAR".into(), "is not a well-formed iCalendar file: line 3 has END:VCALENDAR where END:VEVENT belongs (BEGIN at line 2)"),
        ("BEGIN:VCALENDAR\nEND:VCALENDAR\ntrailing".into(), "is not an iCalendar file: line 3 should be BEGIN:VCALENDAR"),
        (format!("BEGIN:VCALENDAR\n{}END:VCALENDAR", "X:y\n".repeat(MAX_ICS_BYTES / 4)), "must be at most 4194304 bytes, 4 MiB (got 4194333)"),
    ];
    for (text, words) in cases {
        let e = import_ics(&text, DowntimeKind::Planned, &Scope::All, Zone::UTC).unwrap_err();
        assert_eq!(e.field, "file");
        assert!(
            e.rule.starts_with(words),
            "{:?}: {e}",
            &text[..text.len().min(40)]
        );
    }
    // A calendar without events, with a byte-order mark, is a file with nothing in it.
    assert_eq!(
        import("\u{feff}BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"),
        []
    );
    // Exactly at the limit is read.
    let at_limit = {
        let frame = "BEGIN:VCALENDAR\nEND:VCALENDAR\n";
        format!("{frame}{}", "\n".repeat(MAX_ICS_BYTES - frame.len()))
    };
    assert_eq!(at_limit.len(), MAX_ICS_BYTES);
    assert_eq!(import(&at_limit), []);
}

#[test]
fn the_report_is_flat_json_without_the_item() {
    let text = ics(
        "BEGIN:VEVENT\nUID:a\nSUMMARY:ok\nDTSTART:20300105T220000Z\nDURATION:PT1H\nEND:VEVENT\n\
         BEGIN:VEVENT\nSUMMARY:gone\nSTATUS:CANCELLED\nDTSTART:20300105T220000Z\nEND:VEVENT",
    );
    let json = serde_json::to_value(import(&text)).unwrap();
    assert_eq!(
        json,
        serde_json::json!([
            {"index": 1, "uid": "a", "summary": "ok", "outcome": "imported"},
            {"index": 2, "uid": null, "summary": "gone", "outcome": "skipped", "reason": "cancelled in the file"},
        ])
    );
}

/// Shaped like Outlook 2016's "Save as iCalendar": Windows zone names, a
/// VTIMEZONE with 1601 rules, long folded UIDs, X-MICROSOFT-CDO lines, an
/// alarm inside the event, and an all-day event.
const OUTLOOK: &str = "BEGIN:VCALENDAR\r
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r
VERSION:2.0\r
METHOD:PUBLISH\r
X-CALSTART:20300105T210000Z\r
X-CALEND:20300331T010000Z\r
X-CLIPSTART:20291231T230000Z\r
X-CLIPEND:20300430T220000Z\r
X-WR-RELCALID:{0000002E-9C55-1AB5-B5C0-DB3ACF5B3BAA}\r
X-WR-CALNAME:Kalender\r
X-PRIMARY-CALENDAR:TRUE\r
X-OWNER;CN=\"Muster, Erika\":mailto:erika.muster@example.com\r
X-MS-OLK-WKHRSTART;TZID=\"W. Europe Standard Time\":080000\r
X-MS-OLK-WKHREND;TZID=\"W. Europe Standard Time\":170000\r
X-MS-OLK-WKHRDAYS:MO,TU,WE,TH,FR\r
BEGIN:VTIMEZONE\r
TZID:W. Europe Standard Time\r
BEGIN:STANDARD\r
DTSTART:16011028T030000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010325T020000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
ATTENDEE;CN=\"Muster, Erika\";RSVP=TRUE:mailto:erika.muster@example.com\r
CLASS:PUBLIC\r
CREATED:20291215T091233Z\r
DESCRIPTION:Wartung der Produktionsserver\\, bitte keine Deployments.\\n\\nRüc\r
 kfragen an das Betriebsteam.\\n\r
DTEND;TZID=\"W. Europe Standard Time\":20300106T020000\r
DTSTAMP:20291215T091233Z\r
DTSTART;TZID=\"W. Europe Standard Time\":20300105T220000\r
EXDATE;TZID=\"W. Europe Standard Time\":20300112T220000\r
LAST-MODIFIED:20291215T091300Z\r
LOCATION:Rechenzentrum Frankfurt\r
ORGANIZER;CN=\"Muster, Erika\":mailto:erika.muster@example.com\r
PRIORITY:5\r
RRULE:FREQ=WEEKLY;UNTIL=20300330T210000Z;INTERVAL=1;BYDAY=SA;WKST=MO\r
SEQUENCE:0\r
SUMMARY;LANGUAGE=de-de:Wartungsfenster Produktion\r
TRANSP:OPAQUE\r
UID:040000008200E00074C5B7101A82E00800000000D0A3C2B1E4F3DA01000000000000000\r
 010000000C9B1F3E1A8E5C74A9E2D6B1C0F3A4E2B\r
X-ALT-DESC;FMTTYPE=text/html:<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 3.2//E\r
 N\">\\n<html><body><p>Wartung der Produktionsserver</p></body></html>\r
X-MICROSOFT-CDO-BUSYSTATUS:OOF\r
X-MICROSOFT-CDO-IMPORTANCE:1\r
X-MICROSOFT-CDO-INTENDEDSTATUS:BUSY\r
X-MICROSOFT-CDO-OWNERAPPTID:-1146230513\r
X-MICROSOFT-DISALLOW-COUNTER:FALSE\r
X-MS-OLK-AUTOFILLLOCATION:FALSE\r
X-MS-OLK-CONFTYPE:0\r
BEGIN:VALARM\r
TRIGGER:-PT15M\r
ACTION:DISPLAY\r
SUMMARY:Erinnerung\r
DESCRIPTION:Reminder\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
CLASS:PUBLIC\r
CREATED:20291215T091500Z\r
DTEND;VALUE=DATE:20300212\r
DTSTAMP:20291215T091500Z\r
DTSTART;VALUE=DATE:20300210\r
SUMMARY;LANGUAGE=de-de:Inventur Lager\r
TRANSP:TRANSPARENT\r
UID:040000008200E00074C5B7101A82E00800000000F0B5D4C3E4F3DA01000000000000000\r
 010000000D1C2E3F4A5B6C7D8E9F0A1B2C3D4E5F6\r
X-MICROSOFT-CDO-ALLDAYEVENT:TRUE\r
X-MICROSOFT-CDO-BUSYSTATUS:FREE\r
X-MICROSOFT-MSNCALENDAR-ALLDAYEVENT:TRUE\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn an_outlook_export_with_a_windows_zone_and_a_recurring_meeting_imports() {
    let berlin = zone("Europe/Berlin");
    let events = import_in(OUTLOOK, berlin);
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].uid.as_deref(),
        Some(
            "040000008200E00074C5B7101A82E00800000000D0A3C2B1E4F3DA01000000000000000\
             010000000C9B1F3E1A8E5C74A9E2D6B1C0F3A4E2B"
        )
    );
    let weekly = imported(&events[0]).clone();
    // The event's own SUMMARY, not the alarm's.
    assert_eq!(weekly.title, "Wartungsfenster Produktion");
    assert_eq!(weekly.zone, "Europe/Berlin");
    assert_eq!(
        (weekly.from, weekly.to),
        (utc(2030, 1, 5, 21, 0), utc(2030, 1, 6, 1, 0))
    );
    assert_eq!(weekly.exdates, [utc(2030, 1, 12, 21, 0)]);
    let checked = weekly.validate().unwrap();
    let got = Series::of_checked(&checked)
        .unwrap()
        .between(utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0));
    // Saturdays 5 January to 30 March, without the 12th: 12 nights.
    assert_eq!(got.len(), 12);
    assert_eq!(got[0].from, utc(2030, 1, 5, 21, 0));
    assert_eq!(got[1].from, utc(2030, 1, 19, 21, 0));
    assert_eq!(got[11].from, utc(2030, 3, 30, 21, 0));
    for o in &got {
        assert_eq!(
            berlin.local(o.from).format("%a %H:%M").to_string(),
            "Sat 22:00"
        );
    }

    let all_day = imported(&events[1]);
    assert_eq!(all_day.title, "Inventur Lager");
    assert_eq!(
        (all_day.from, all_day.to),
        (utc(2030, 2, 9, 23, 0), utc(2030, 2, 11, 23, 0))
    );
}

// --- export -------------------------------------------------------------------

fn stamp() -> DateTime<Utc> {
    utc(2029, 12, 1, 8, 30)
}

fn stored(new: NewDowntime, id: i64) -> Downtime {
    new.validate().unwrap().with_id(DowntimeId(id))
}

fn series_item(
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

fn update(phase: UpdatePhase) -> CalendarUpdate {
    CalendarUpdate {
        id: UpdateId(7),
        title: "Spring release".into(),
        product: ProductName::parse("product", "acme-erp").unwrap(),
        version: Version::new(2, 4, 0),
        from: utc(2030, 1, 8, 20, 0),
        to: utc(2030, 1, 8, 22, 0),
        planned_to: utc(2030, 1, 8, 23, 0),
        phase,
        devices: 3,
        sites: vec!["berlin".into(), "lyon".into()],
    }
}

/// The content lines of an export, unfolded.
fn unfolded(text: &str) -> Vec<String> {
    unfold(text).into_iter().map(|(_, line)| line).collect()
}

/// The lines of the VEVENT with `uid`.
fn vevent(text: &str, uid: &str) -> Vec<String> {
    let lines = unfolded(text);
    let at = lines
        .iter()
        .position(|l| *l == format!("UID:{uid}"))
        .unwrap();
    let start = lines[..at]
        .iter()
        .rposition(|l| l == "BEGIN:VEVENT")
        .unwrap();
    let end = start
        + lines[start..]
            .iter()
            .position(|l| l == "END:VEVENT")
            .unwrap();
    lines[start..=end].to_vec()
}

fn has(lines: &[String], line: &str) -> bool {
    lines.iter().any(|l| l == line)
}

#[test]
fn the_export_is_crlf_folded_at_75_octets_and_escapes_text() {
    let title = format!("Patch night, DB; rack \\7 {}", "é".repeat(60));
    let item = stored(
        NewDowntime::once(
            DowntimeKind::Planned,
            title.clone(),
            utc(2030, 1, 5, 21, 0),
            utc(2030, 1, 6, 1, 0),
            Scope::All,
        ),
        1,
    );
    let text = export_ics(&[item], &[update(UpdatePhase::Scheduled)], stamp());
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        !text.replace("\r\n", "").contains(['\r', '\n']),
        "a bare CR or LF"
    );
    let physical: Vec<&str> = text.split("\r\n").collect();
    let longest = physical.iter().map(|l| l.len()).max().unwrap();
    assert!(longest <= 75, "{longest}");
    // The SUMMARY needed folding, and a two-octet character ended a line
    // one octet short rather than being split.
    let summary_lines: Vec<&&str> = physical
        .iter()
        .skip_while(|l| !l.starts_with("SUMMARY:Patch"))
        .take_while(|l| l.starts_with("SUMMARY:Patch") || l.starts_with(' '))
        .collect();
    assert!(summary_lines.len() >= 2, "{summary_lines:?}");
    assert!(
        summary_lines.iter().any(|l| l.len() == 74),
        "{summary_lines:?}"
    );
    let lines = vevent(&text, "downtime-1@rollwright");
    assert!(has(
        &lines,
        &format!("SUMMARY:Patch night\\, DB\\; rack \\\\7 {}", "é".repeat(60))
    ));
    let lines = vevent(&text, "update-7@rollwright");
    assert!(has(
        &lines,
        "DESCRIPTION:Scheduled update of acme-erp to 2.4.0 on 3 devices\\nSites: berlin\\, lyon"
    ));
    // And the import reads the title back as it was.
    assert_eq!(imported(&import(&text)[0]).title, title);
}

#[test]
fn the_export_describes_items_and_updates() {
    let one_off = stored(
        NewDowntime {
            scope: Scope::label("site=berlin").unwrap(),
            ..NewDowntime::once(
                DowntimeKind::Freeze,
                "Year-end freeze",
                utc(2030, 12, 20, 0, 0),
                utc(2031, 1, 5, 0, 0),
                Scope::All,
            )
        },
        4,
    );
    let window = stored(
        series_item(
            DowntimeKind::Window,
            "Saturday nights",
            utc(2030, 1, 5, 21, 0),
            utc(2030, 1, 6, 1, 0),
            "Europe/Berlin",
            "FREQ=WEEKLY;BYDAY=SA",
            vec![utc(2030, 1, 12, 21, 0), utc(2030, 1, 26, 21, 0)],
        ),
        5,
    );
    let updates = [update(UpdatePhase::Running), {
        let mut u = update(UpdatePhase::Finished);
        u.id = UpdateId(8);
        u.devices = 1;
        u
    }];
    let text = export_ics(&[one_off, window], &updates, stamp());
    let lines = unfolded(&text);
    assert_eq!(
        lines[..5],
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Rollwright//Planning calendar//EN",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH"
        ]
    );
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VEVENT").count(), 4);
    assert_eq!(lines.iter().filter(|l| *l == "BEGIN:VTIMEZONE").count(), 1);

    let freeze = vevent(&text, "downtime-4@rollwright");
    for line in [
        "DTSTAMP:20291201T083000Z",
        "SUMMARY:Year-end freeze",
        "DESCRIPTION:Freeze for devices labelled site=berlin",
        "CATEGORIES:freeze",
        "TRANSP:OPAQUE",
        "DTSTART:20301220T000000Z",
        "DTEND:20310105T000000Z",
    ] {
        assert!(has(&freeze, line), "{line} in {freeze:?}");
    }
    assert!(!freeze
        .iter()
        .any(|l| l.starts_with("RRULE") || l.starts_with("EXDATE")));

    let window = vevent(&text, "downtime-5@rollwright");
    for line in [
        "DESCRIPTION:Maintenance window for all devices",
        "CATEGORIES:maintenance window",
        "TRANSP:TRANSPARENT",
        "DTSTART;TZID=Europe/Berlin:20300105T220000",
        "DTEND;TZID=Europe/Berlin:20300106T020000",
        "RRULE:FREQ=WEEKLY;BYDAY=SA",
        "EXDATE;TZID=Europe/Berlin:20300112T220000,20300126T220000",
    ] {
        assert!(has(&window, line), "{line} in {window:?}");
    }

    let running = vevent(&text, "update-7@rollwright");
    for line in [
        "SUMMARY:Update: Spring release (acme-erp 2.4.0)",
        "STATUS:CONFIRMED",
        "DTSTART:20300108T200000Z",
        "DTEND:20300108T220000Z",
        "CATEGORIES:update",
    ] {
        assert!(has(&running, line), "{line} in {running:?}");
    }
    assert!(running
        .iter()
        .any(|l| l.starts_with("DESCRIPTION:Running update of acme-erp to 2.4.0 on 3 devices")));
    let finished = vevent(&text, "update-8@rollwright");
    assert!(has(&finished, "STATUS:CONFIRMED"));
    assert!(finished.iter().any(|l| {
        l.starts_with(
        "DESCRIPTION:Finished update of acme-erp to 2.4.0 on 1 device\\, ended 2030-01-08 22:00 UTC"
    )
    }));
    // Finished: `to` is the actual end, not the planned one.
    assert!(has(&finished, "DTEND:20300108T220000Z"));
}

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

// --- round trips ----------------------------------------------------------------

/// Exports `item` alone and imports it back (floating zone Tokyo, which
/// nothing exported may depend on).
fn round_trip(item: &Downtime) -> CheckedDowntime {
    let text = export_ics(std::slice::from_ref(item), &[], stamp());
    let events = import_ics(&text, item.kind, &item.scope, zone("Asia/Tokyo")).unwrap();
    assert_eq!(events.len(), 1, "{text}");
    assert_eq!(
        events[0].uid,
        Some(format!("downtime-{}@rollwright", item.id))
    );
    imported(&events[0]).clone().validate().unwrap()
}

fn assert_round_trips(original: &Downtime, a: DateTime<Utc>, b: DateTime<Utc>) {
    let back = round_trip(original);
    assert_eq!(back.kind, original.kind);
    assert_eq!(back.title, original.title);
    assert_eq!(back.scope, original.scope);
    assert_eq!((back.from, back.to), (original.from, original.to));
    assert_eq!(back.zone, original.zone);
    assert_eq!(back.recurrence, original.recurrence);
    let before = Series::of(original).unwrap().between(a, b);
    let after = Series::of_checked(&back).unwrap().between(a, b);
    assert!(!before.is_empty());
    assert_eq!(after, before);
}

#[test]
fn a_one_off_utc_item_round_trips() {
    let item = stored(
        NewDowntime {
            scope: Scope::Devices {
                devices: vec![DeviceId(2), DeviceId(9)],
            },
            ..NewDowntime::once(
                DowntimeKind::Unplanned,
                "Core switch replacement",
                utc(2030, 3, 4, 6, 15),
                utc(2030, 3, 4, 9, 45),
                Scope::All,
            )
        },
        11,
    );
    assert_round_trips(&item, utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0));
}

#[test]
fn a_one_off_item_in_a_zone_keeps_its_zone() {
    let item = stored(
        NewDowntime {
            zone: "Europe/Berlin".into(),
            ..NewDowntime::once(
                DowntimeKind::Planned,
                "Rack move",
                utc(2030, 7, 1, 20, 0),
                utc(2030, 7, 2, 2, 0),
                Scope::All,
            )
        },
        12,
    );
    assert_round_trips(&item, utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0));
}

#[test]
fn a_weekly_berlin_window_with_an_exdate_round_trips_across_both_clock_changes() {
    let item = stored(
        series_item(
            DowntimeKind::Window,
            "Saturday nights",
            utc(2030, 1, 5, 21, 0),
            utc(2030, 1, 6, 1, 0),
            "Europe/Berlin",
            "FREQ=WEEKLY;BYDAY=SA",
            vec![utc(2030, 1, 12, 21, 0), utc(2030, 4, 6, 20, 0)],
        ),
        21,
    );
    assert_round_trips(&item, utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0));
    // The exdates matter: 52 Saturdays in 2030 less two.
    let back = round_trip(&item);
    let n = Series::of_checked(&back)
        .unwrap()
        .between(utc(2030, 1, 1, 0, 0), utc(2031, 1, 1, 0, 0))
        .len();
    assert_eq!(n, 50);
}

#[test]
fn a_daily_new_york_item_round_trips_with_until_and_with_count() {
    // 08:00–09:30 New York from 1 March 2030, across the change on 10 March.
    for (rule, occurrences) in [
        ("FREQ=DAILY;UNTIL=20300315T130000Z", 15),
        ("FREQ=DAILY;COUNT=20", 20),
    ] {
        let item = stored(
            series_item(
                DowntimeKind::Planned,
                "Morning batch",
                utc(2030, 3, 1, 13, 0),
                utc(2030, 3, 1, 14, 30),
                "America/New_York",
                rule,
                vec![utc(2030, 3, 3, 13, 0)],
            ),
            31,
        );
        assert_round_trips(&item, utc(2030, 2, 1, 0, 0), utc(2030, 6, 1, 0, 0));
        let back = round_trip(&item);
        let got = Series::of_checked(&back)
            .unwrap()
            .between(utc(2030, 2, 1, 0, 0), utc(2030, 6, 1, 0, 0));
        assert_eq!(got.len(), occurrences - 1, "{rule}");
        // After the change, 08:00 EDT is 12:00 UTC.
        assert!(
            got.iter().any(|o| o.from == utc(2030, 3, 12, 12, 0)),
            "{rule}"
        );
    }
}

#[test]
fn every_item_of_an_export_comes_back_with_the_kind_the_caller_chooses() {
    let items = [
        stored(
            NewDowntime::once(
                DowntimeKind::Freeze,
                "a",
                utc(2030, 1, 1, 0, 0),
                utc(2030, 1, 2, 0, 0),
                Scope::All,
            ),
            1,
        ),
        stored(
            series_item(
                DowntimeKind::Window,
                "b",
                utc(2030, 1, 5, 21, 0),
                utc(2030, 1, 6, 1, 0),
                "Europe/Berlin",
                "FREQ=WEEKLY;BYDAY=SA",
                vec![],
            ),
            2,
        ),
    ];
    let text = export_ics(&items, &[update(UpdatePhase::Scheduled)], stamp());
    let events = import_ics(&text, DowntimeKind::Unplanned, &Scope::All, Zone::UTC).unwrap();
    // Two items and the update, which comes back as an item too.
    assert_eq!(events.len(), 3);
    let titles: Vec<_> = events.iter().map(|e| imported(e).title.as_str()).collect();
    assert_eq!(
        titles,
        ["a", "b", "Update: Spring release (acme-erp 2.4.0)"]
    );
    assert!(events
        .iter()
        .all(|e| imported(e).kind == DowntimeKind::Unplanned));
    assert_eq!(imported(&events[1]).zone, "Europe/Berlin");
}

#[test]
fn durations_parse_as_rfc_5545_writes_them() {
    assert_eq!(
        parse_duration("PT4H"),
        Ok(IcsDuration {
            days: 0,
            seconds: 14_400
        })
    );
    assert_eq!(
        parse_duration("P1D"),
        Ok(IcsDuration {
            days: 1,
            seconds: 0
        })
    );
    assert_eq!(
        parse_duration("p2w"),
        Ok(IcsDuration {
            days: 14,
            seconds: 0
        })
    );
    assert_eq!(
        parse_duration("P0DT0H30M"),
        Ok(IcsDuration {
            days: 0,
            seconds: 1800
        })
    );
    // Parts that each pass but add up to more than any event lasts.
    let many = format!("PT{}", "8640000000H".repeat(400_000));
    assert!(parse_duration(&many)
        .unwrap_err()
        .contains("longer than 100000 days"));
    for bad in ["P1DT", "PT1H2", "P", "P1D2", "PT1H1H1", "P1.5D"] {
        assert!(parse_duration(bad).is_err(), "{bad}");
    }
}

#[test]
fn a_time_in_a_skipped_hour_is_read_as_the_core_reads_wall_clock_times() {
    // 02:30 does not exist in Berlin on 31 March 2030: `Zone::resolve` decides.
    let got = only_item(&event(
        "SUMMARY:x\nDTSTART;TZID=Europe/Berlin:20300331T023000\nDURATION:PT1H",
    ));
    let skipped = chrono::NaiveDate::from_ymd_opt(2030, 3, 31)
        .unwrap()
        .and_hms_opt(2, 30, 0)
        .unwrap();
    assert_eq!(got.from, zone("Europe/Berlin").resolve(skipped));
    assert!(got.from > utc(2030, 3, 31, 0, 59) && got.from < utc(2030, 3, 31, 2, 0));
}
