//! The import against hand-written files shaped like what Outlook, Google
//! and Thunderbird write: zones, all-day events, series, and what is skipped.

use super::*;
use crate::calendar::ics::test_support::{
    event, ics, import, import_in, imported, only_item, only_reason, reason, utc, zone,
};
use crate::calendar::Series;
use crate::domain::DeviceId;

// --- times and zones -------------------------------------------------------------

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
