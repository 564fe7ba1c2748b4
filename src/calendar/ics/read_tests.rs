//! The text level against hand-written lines: folding, escapes, files that
//! are not iCalendar objects, and durations.

use super::*;
use crate::calendar::ics::test_support::{
    event, import, import_in, imported, only_reason, utc, zone,
};
use crate::calendar::ics::{import_ics, MAX_ICS_BYTES};
use crate::domain::{DowntimeKind, Scope};

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
