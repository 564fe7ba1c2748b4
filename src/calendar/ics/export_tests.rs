//! The export against RFC 5545's rules: CRLF, folding, escaping, and what
//! each VEVENT says.

use super::*;
use crate::calendar::ics::test_support::{
    has, import, imported, series_item, stamp, stored, unfolded, update, utc,
};
use crate::domain::{NewDowntime, Scope, UpdateId};

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
        "DESCRIPTION:Scheduled update to acme-erp 2.4.0 on 3 devices\\nSites: berlin\\, lyon"
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
        "DESCRIPTION:Freeze for devices with site=berlin",
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
        .any(|l| l.starts_with("DESCRIPTION:Running update to acme-erp 2.4.0 on 3 devices")));
    let finished = vevent(&text, "update-8@rollwright");
    assert!(has(&finished, "STATUS:CONFIRMED"));
    assert!(finished.iter().any(|l| {
        l.starts_with(
        "DESCRIPTION:Finished update to acme-erp 2.4.0 on 1 device\\, ended 2030-01-08 22:00 UTC"
    )
    }));
    // Finished: `to` is the actual end, not the planned one.
    assert!(has(&finished, "DTEND:20300108T220000Z"));
}
