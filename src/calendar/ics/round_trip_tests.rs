//! Export, then import: every exported item comes back the same.

use chrono::{DateTime, Utc};

use super::test_support::{imported, series_item, stamp, stored, update, utc, zone};
use super::{export_ics, import_ics};
use crate::calendar::updates::UpdatePhase;
use crate::calendar::Series;
use crate::domain::{CheckedDowntime, DeviceId, Downtime, DowntimeKind, NewDowntime, Scope, Zone};

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
