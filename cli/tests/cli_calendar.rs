//! The planning calendar through the real binary: recurring windows in a
//! zone, freezes, conflicts, the free-slot finder, .ics in and out; and
//! every bad input refused by field with nothing written.

mod cli_support;

use cli_support::Cli;
use serde_json::Value;

const URL: &str = "http://127.0.0.1:7000/devices/x";

/// Two devices in Berlin and one in Vienna; no items yet.
fn fleet() -> Cli {
    let cli = Cli::new();
    for (name, site) in [
        ("berlin-01", "berlin"),
        ("berlin-02", "berlin"),
        ("vienna-01", "vienna"),
    ] {
        let label = format!("site={site}");
        cli.ok(&[
            "device", "add", name, "--url", URL, "--token", "t", "--label", &label,
        ]);
    }
    cli
}

/// Berlin's window every Saturday 22:00–02:00 local, from 5 January 2030.
fn add_berlin_window(cli: &Cli) -> Value {
    let out = cli.ok(&[
        "--json",
        "downtime",
        "add",
        "--kind",
        "window",
        "--title",
        "Berlin Saturday night",
        "--from",
        "2030-01-05T22:00",
        "--to",
        "2030-01-06T02:00",
        "--tz",
        "Europe/Berlin",
        "--rrule",
        "FREQ=WEEKLY;BYDAY=SA",
        "--label",
        "site=berlin",
    ]);
    serde_json::from_str(&out).unwrap()
}

fn starts(list: &Value, kind: &str) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == kind)
        .map(|e| e["from"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_weekly_window_keeps_its_local_time_when_the_clocks_change() {
    let cli = fleet();
    let window = add_berlin_window(&cli);
    assert_eq!(window["zone"], "Europe/Berlin");
    assert_eq!(window["recurrence"]["rule"], "FREQ=WEEKLY;BYDAY=SA");
    let list = cli.json(&[
        "calendar",
        "list",
        "--from",
        "2030-03-20T00:00:00Z",
        "--to",
        "2030-04-10T00:00:00Z",
    ]);
    // 22:00 CET is 21:00Z; after 31 March 22:00 CEST is 20:00Z.
    assert_eq!(
        starts(&list, "window"),
        [
            "2030-03-23T21:00:00Z",
            "2030-03-30T21:00:00Z",
            "2030-04-06T20:00:00Z"
        ]
    );
    let text = cli.ok(&[
        "calendar",
        "list",
        "--from",
        "2030-03-20T00:00:00Z",
        "--to",
        "2030-03-25T00:00:00Z",
    ]);
    assert!(
        text.contains("every week on Saturday") || text.contains("Berlin Saturday night"),
        "{text}"
    );
}

#[test]
fn conflicts_name_the_item_and_the_free_slot_avoids_them() {
    let cli = fleet();
    add_berlin_window(&cli);
    cli.ok(&[
        "downtime",
        "add",
        "--kind",
        "freeze",
        "--title",
        "Trade fair",
        "--from",
        "2030-01-12T00:00:00Z",
        "--to",
        "2030-01-14T00:00:00Z",
    ]);
    // Saturday 12 January 22:00 Berlin is inside the window but in the freeze.
    let conflicts = cli.json(&[
        "calendar",
        "conflicts",
        "--device",
        "berlin-01",
        "--device",
        "vienna-01",
        "--from",
        "2030-01-12T22:00",
        "--to",
        "2030-01-12T23:00",
        "--tz",
        "Europe/Berlin",
    ]);
    let with: Vec<(&str, &str)> = conflicts
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["with"].as_str().unwrap(),
                c["title"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        with,
        [("item", "Trade fair"), ("item", "Trade fair")],
        "{conflicts}"
    );

    // A Wednesday is outside Berlin's window (Vienna has none).
    let outside = cli.json(&[
        "calendar",
        "conflicts",
        "--label",
        "site=berlin",
        "--from",
        "2030-01-09T10:00:00Z",
        "--to",
        "2030-01-09T11:00:00Z",
    ]);
    assert_eq!(outside.as_array().unwrap().len(), 2);
    assert!(outside
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["with"] == "outside_windows"));

    // Two hours for both Berlin devices from 10 January: the first window
    // (12th) is frozen, so the 19th at 22:00 local (21:00Z).
    let slot = cli.json(&[
        "calendar",
        "free-slot",
        "--label",
        "site=berlin",
        "--duration",
        "2h",
        "--earliest",
        "2030-01-10T00:00:00Z",
        "--horizon",
        "30d",
        "--per-device",
    ]);
    assert_eq!(slot["slot"]["from"], "2030-01-19T21:00:00Z", "{slot}");
    assert_eq!(slot["slot"]["to"], "2030-01-19T23:00:00Z");
    assert_eq!(slot["per_device"].as_array().unwrap().len(), 2);
    // Vienna alone: the freeze ends on the 14th at midnight.
    let vienna = cli.json(&[
        "calendar",
        "free-slot",
        "--device",
        "vienna-01",
        "--duration",
        "90m",
        "--earliest",
        "2030-01-12T06:00:00Z",
    ]);
    assert_eq!(vienna["slot"]["from"], "2030-01-14T00:00:00Z", "{vienna}");
}

#[test]
fn an_ics_file_exported_imports_again_and_reports_what_it_skipped() {
    let cli = fleet();
    add_berlin_window(&cli);
    let exported = cli.file("out.ics", "");
    let report = cli.json(&["calendar", "export", &exported]);
    assert_eq!(report["items"], 1);
    let text = std::fs::read_to_string(&exported).unwrap();
    assert!(text.contains("BEGIN:VTIMEZONE"), "{text}");
    assert!(text.contains("RRULE:FREQ=WEEKLY;BYDAY=SA"), "{text}");

    let imported = cli.json(&[
        "calendar",
        "import",
        &exported,
        "--kind",
        "planned",
        "--label",
        "site=vienna",
    ]);
    assert_eq!(imported["imported"], 1, "{imported}");
    let items = cli.json(&["downtime", "list"]);
    let items = items.as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["from"], items[1]["from"]);
    assert_eq!(items[1]["zone"], "Europe/Berlin");
    assert_eq!(items[1]["kind"], "planned");

    let mixed = cli.file(
        "mixed.ics",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n\
         BEGIN:VEVENT\r\nUID:a\r\nSUMMARY:Good\r\nDTSTART:20300301T080000Z\r\nDTEND:20300301T090000Z\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:b\r\nSUMMARY:Bad rule\r\nDTSTART:20300302T080000Z\r\nDTEND:20300302T090000Z\r\nRRULE:FREQ=SOMETIMES\r\nEND:VEVENT\r\n\
         BEGIN:VEVENT\r\nUID:c\r\nSUMMARY:Mars time\r\nDTSTART;TZID=Mars/Olympus:20300303T080000\r\nDTEND;TZID=Mars/Olympus:20300303T090000\r\nEND:VEVENT\r\n\
         END:VCALENDAR\r\n",
    );
    let report = cli.json(&["calendar", "import", &mixed, "--kind", "unplanned"]);
    assert_eq!(report["imported"], 1, "{report}");
    assert_eq!(report["skipped"], 2);
    let reasons: Vec<&str> = report["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["reason"].as_str())
        .collect();
    assert!(reasons[0].contains("rrule"), "{reasons:?}");
    assert!(reasons[1].contains("Mars/Olympus"), "{reasons:?}");
}

#[test]
fn bad_calendar_input_is_refused_by_field_and_writes_nothing() {
    let cli = fleet();
    add_berlin_window(&cli);
    let before = cli.json(&["downtime", "list"]);
    let not_ics = cli.file("notes.ics", "shopping list: milk, bread\n");
    let window = |extra: &[&'static str]| {
        let mut args = vec![
            "downtime",
            "add",
            "--title",
            "x",
            "--from",
            "2030-01-01T08:00:00Z",
            "--to",
            "2030-01-01T09:00:00Z",
        ];
        args.extend_from_slice(extra);
        args
    };
    let cases: Vec<(Vec<&str>, &str, &str)> = vec![
        (
            window(&["--rrule", "FREQ=SOMETIMES"]),
            "rrule",
            "not a valid RRULE",
        ),
        (
            window(&["--rrule", "FREQ=HOURLY;BYMINUTE=0"]),
            "rrule",
            "DAILY, WEEKLY",
        ),
        (window(&["--tz", "Mars/Olympus"]), "tz", "unknown time zone"),
        (
            window(&["--kind", "holiday"]),
            "kind",
            "planned, unplanned, window or freeze",
        ),
        (
            window(&["--exdate", "2030-01-08T08:00:00Z"]),
            "exdates",
            "only a recurring item",
        ),
        (
            vec![
                "downtime",
                "add",
                "--title",
                "x",
                "--from",
                "2030-01-01T09:00:00Z",
                "--to",
                "2030-01-01T09:00:00Z",
            ],
            "to",
            "must be after from",
        ),
        (
            vec![
                "downtime",
                "add",
                "--title",
                "x",
                "--from",
                "soon",
                "--to",
                "2030-01-01T09:00:00Z",
            ],
            "from",
            "must be a time like",
        ),
        (vec!["calendar", "import", &not_ics], "file", "iCalendar"),
        (
            vec!["calendar", "free-slot", "--all", "--duration", "2 hours"],
            "duration",
            "90m, 2h",
        ),
        (
            vec!["calendar", "free-slot", "--all", "--duration", "30s"],
            "duration",
            "90m, 2h",
        ),
        (
            vec![
                "calendar",
                "free-slot",
                "--all",
                "--duration",
                "1h",
                "--horizon",
                "400d",
            ],
            "horizon",
            "between 0 and 366 days",
        ),
        (
            vec![
                "calendar",
                "free-slot",
                "--device",
                "ghost",
                "--duration",
                "1h",
            ],
            "device[0]",
            "unknown device",
        ),
        (
            vec![
                "calendar",
                "free-slot",
                "--label",
                "site=paris",
                "--duration",
                "1h",
            ],
            "label",
            "no device has site=paris",
        ),
        (
            vec![
                "calendar",
                "conflicts",
                "--all",
                "--from",
                "2030-01-01T09:00:00Z",
                "--to",
                "2030-01-01T08:00:00Z",
            ],
            "to",
            "must be after from",
        ),
        (
            vec![
                "calendar",
                "list",
                "--from",
                "2030-01-02T00:00:00Z",
                "--to",
                "2030-01-01T00:00:00Z",
            ],
            "to",
            "must be after from",
        ),
    ];
    for (args, field, rule) in cases {
        cli.refused(&args, field, rule);
    }
    assert_eq!(cli.json(&["downtime", "list"]), before);
}
