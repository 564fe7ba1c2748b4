//! The finder against brute force: `Planning::conflicts` asked at every
//! minute of the horizon is the independent answer.

use chrono::{DateTime, Duration, TimeZone, Utc};
use proptest::prelude::*;

use super::*;
use crate::domain::{
    DeviceId, Downtime, DowntimeId, DowntimeKind, Labels, Recurrence, Scope, UpdateId, Zone,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2030, 3, 30, 12, 0, 0).unwrap()
}

fn minutes(m: i64) -> DateTime<Utc> {
    t0() + Duration::minutes(m)
}

const SITES: [&str; 2] = ["berlin", "lyon"];

fn labels(site: usize) -> Labels {
    [("site".to_owned(), SITES[site].to_owned())].into()
}

prop_compose! {
    fn an_item(devices: usize)(
        id in 1..1000i64,
        kind in prop::sample::select(DowntimeKind::ALL.to_vec()),
        start in -120..2000i64,
        len in 1..400i64,
        scope in 0..3usize,
        site in 0..2usize,
        listed in prop::collection::vec(0..devices, 1..3),
        daily in any::<bool>(),
    ) -> Downtime {
        let scope = match scope {
            0 => Scope::All,
            1 => Scope::Label { key: "site".into(), value: SITES[site].into() },
            _ => Scope::Devices { devices: listed.into_iter().map(|d| DeviceId(d as i64)).collect() },
        };
        // Recurring items are in Berlin, whose clocks change on 31 March.
        let zone = if daily { Zone::parse("zone", "Europe/Berlin").unwrap() } else { Zone::UTC };
        let recurrence = daily.then(|| {
            Recurrence::parse("FREQ=DAILY", vec![], minutes(start), zone).unwrap()
        });
        Downtime {
            id: DowntimeId(id),
            kind,
            title: format!("item {id}"),
            from: minutes(start),
            to: minutes(start + len),
            zone,
            recurrence,
            scope,
        }
    }
}

fn case() -> impl Strategy<Value = (Vec<Downtime>, Vec<Busy>, usize, SlotRequest)> {
    (1..5usize).prop_flat_map(|devices| {
        (
            prop::collection::vec(an_item(devices), 0..12),
            prop::collection::vec((0..devices, -60..2000i64, 1..300i64, 1..50i64), 0..4),
            Just(devices),
            (1..240i64, -30..600i64, 0..1500i64, 0..60i64),
        )
            .prop_map(
                |(items, busy, devices, (len, earliest, horizon, seconds))| {
                    let busy = busy
                        .into_iter()
                        .map(|(d, start, len, update)| Busy {
                            device: DeviceId(d as i64),
                            update: UpdateId(update),
                            title: "other".into(),
                            window: Occurrence {
                                from: minutes(start),
                                to: minutes(start + len),
                            },
                        })
                        .collect();
                    let req = SlotRequest {
                        duration: Duration::minutes(len),
                        earliest: minutes(earliest) + Duration::seconds(seconds),
                        horizon: Duration::minutes(horizon),
                    };
                    (items, busy, devices, req)
                },
            )
    })
}

fn candidates(req: SlotRequest) -> impl Iterator<Item = Occurrence> {
    let first = {
        let m = req.earliest.timestamp().div_euclid(60) * 60;
        let floor = Utc.timestamp_opt(m, 0).unwrap();
        if floor == req.earliest {
            floor
        } else {
            floor + GRANULARITY
        }
    };
    let last = req.earliest + req.horizon;
    (0..)
        .map(move |k| first + GRANULARITY * k)
        .take_while(move |t| *t <= last)
        .map(move |t| Occurrence {
            from: t,
            to: t + req.duration,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn the_slot_is_free_and_no_earlier_minute_is((items, busy, n, req) in case()) {
        let labelled: Vec<Labels> = (0..n).map(|d| labels(d % 2)).collect();
        let devices: Vec<Placed> = (0..n)
            .map(|d| Placed { id: DeviceId(d as i64), labels: &labelled[d] })
            .collect();
        let (from, to) = req.range();
        let planning = Planning::new(&items, busy, from, to).unwrap();
        let free = |o: Occurrence, ds: &[Placed]| ds.iter().all(|d| planning.conflicts(*d, o).is_empty());

        let expected = candidates(req).find(|o| free(*o, &devices));
        prop_assert_eq!(planning.free_slot(&devices, req), expected);

        let per_device = planning.free_slot_per_device(&devices, req);
        for (d, got) in devices.iter().zip(&per_device) {
            prop_assert_eq!(got.device, d.id);
            let expected = candidates(req).find(|o| free(*o, std::slice::from_ref(d)));
            prop_assert_eq!(got.slot, expected, "device {}", d.id);
        }
    }
}

#[test]
fn the_finder_steps_past_a_downtime_into_the_next_window() {
    let berlin = labels(0);
    let d = Placed {
        id: DeviceId(1),
        labels: &berlin,
    };
    let window = |id, a, b| Downtime {
        id: DowntimeId(id),
        kind: DowntimeKind::Window,
        title: "window".into(),
        from: minutes(a),
        to: minutes(b),
        zone: Zone::UTC,
        recurrence: None,
        scope: Scope::All,
    };
    let mut down = window(3, 100, 130);
    down.kind = DowntimeKind::Planned;
    let items = [window(1, 90, 150), window(2, 200, 300), down];
    let req = SlotRequest {
        duration: Duration::minutes(30),
        earliest: minutes(0),
        horizon: Duration::hours(12),
    };
    let (from, to) = req.range();
    let p = Planning::new(&items, vec![], from, to).unwrap();
    // 90–100 is too short, 130–150 too; the next window starts at 200.
    assert_eq!(
        p.free_slot(&[d], req),
        Some(Occurrence {
            from: minutes(200),
            to: minutes(230)
        })
    );
    let tight = SlotRequest {
        horizon: Duration::minutes(150),
        ..req
    };
    assert_eq!(p.free_slot(&[d], tight), None);
    assert!(SlotRequest {
        duration: Duration::seconds(30),
        ..req
    }
    .check()
    .is_err());
}
