//! The calendar over a range, indexed by scope: which items and which other
//! updates touch a device, and the conflicts of a device update's window.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::expand::{Occurrence, Series};
use crate::domain::{
    Device, DeviceId, Downtime, DowntimeId, DowntimeKind, Labels, Scope, UpdateId, ValidationError,
};

/// What the calendar needs of a device: who it is and its labels.
#[derive(Debug, Clone, Copy)]
pub struct Placed<'a> {
    pub id: DeviceId,
    pub labels: &'a Labels,
}

impl<'a> From<&'a Device> for Placed<'a> {
    fn from(d: &'a Device) -> Self {
        Placed {
            id: d.id,
            labels: &d.labels,
        }
    }
}

/// Another unfinished update's window on one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Busy {
    pub device: DeviceId,
    pub update: UpdateId,
    pub title: String,
    pub window: Occurrence,
}

/// What a device update's window runs into.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "with", rename_all = "snake_case")]
pub enum ConflictWith {
    /// A downtime or freeze whose scope includes the device.
    Item {
        id: DowntimeId,
        kind: DowntimeKind,
        title: String,
    },
    /// Another unfinished update of the same device.
    Update { id: UpdateId, title: String },
    /// The device has maintenance windows and this part lies outside all.
    OutsideWindows,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conflict {
    pub device: DeviceId,
    #[serde(flatten)]
    pub with: ConflictWith,
    /// The part of the window that conflicts.
    pub overlap: Occurrence,
}

impl Conflict {
    /// One line for a person: "overlaps planned downtime 7 "Berlin power
    /// test" from … to …".
    pub fn describe(&self) -> String {
        let span = format!(
            "{} to {}",
            self.overlap.from.format("%Y-%m-%d %H:%M UTC"),
            self.overlap.to.format("%Y-%m-%d %H:%M UTC")
        );
        match &self.with {
            ConflictWith::Item { id, kind, title } => {
                format!("overlaps {} {id} {title:?} from {span}", kind.words())
            }
            ConflictWith::Update { id, title } => {
                format!("overlaps update {id} {title:?} of the same device from {span}")
            }
            ConflictWith::OutsideWindows => {
                format!("lies outside the device's maintenance windows from {span}")
            }
        }
    }
}

pub(super) struct Item {
    pub id: DowntimeId,
    pub kind: DowntimeKind,
    pub title: String,
    pub occurrences: Vec<Occurrence>,
}

/// Items and busy windows over `[from, to)`, with the index from scopes to
/// items. Build once per question; answering is then proportional to what
/// touches the devices asked about.
pub struct Planning {
    pub(super) from: DateTime<Utc>,
    pub(super) to: DateTime<Utc>,
    pub(super) items: Vec<Item>,
    everywhere: Vec<u32>,
    by_label: HashMap<(String, String), Vec<u32>>,
    by_device: HashMap<DeviceId, Vec<u32>>,
    pub(super) busy: HashMap<DeviceId, Vec<Busy>>,
}

impl Planning {
    /// Expands `items` over `[from, to)`. `busy` are the windows of
    /// unfinished device updates (the caller leaves out the update being
    /// planned, when editing one).
    pub fn new(
        items: &[Downtime],
        busy: Vec<Busy>,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Planning, ValidationError> {
        let mut planning = Planning {
            from,
            to,
            items: Vec::with_capacity(items.len()),
            everywhere: Vec::new(),
            by_label: HashMap::new(),
            by_device: HashMap::new(),
            busy: HashMap::new(),
        };
        for d in items {
            let occurrences = Series::of(d)?.between(from, to);
            // A window with no occurrence in range still says its devices
            // have windows: nothing in range is allowed for them.
            if occurrences.is_empty() && d.kind != DowntimeKind::Window {
                continue;
            }
            let i = planning.items.len() as u32;
            match &d.scope {
                Scope::All => planning.everywhere.push(i),
                Scope::Label { key, value } => planning
                    .by_label
                    .entry((key.clone(), value.clone()))
                    .or_default()
                    .push(i),
                Scope::Devices { devices } => {
                    for id in devices {
                        planning.by_device.entry(*id).or_default().push(i);
                    }
                }
            }
            planning.items.push(Item {
                id: d.id,
                kind: d.kind,
                title: d.title.clone(),
                occurrences,
            });
        }
        for b in busy {
            if b.window.overlaps(from, to) {
                planning.busy.entry(b.device).or_default().push(b);
            }
        }
        Ok(planning)
    }

    /// How many occurrences the range holds, over all items.
    pub fn occurrence_count(&self) -> usize {
        self.items.iter().map(|i| i.occurrences.len()).sum()
    }

    /// Indices of the items whose scope includes the device, ascending.
    pub(super) fn items_of(&self, device: Placed<'_>) -> Vec<u32> {
        let mut out = self.everywhere.clone();
        if !self.by_label.is_empty() {
            for (k, v) in device.labels {
                // Borrowed lookup without allocating: the map is small.
                if let Some(items) = self.by_label.get(&(k.clone(), v.clone())) {
                    out.extend_from_slice(items);
                }
            }
        }
        if let Some(items) = self.by_device.get(&device.id) {
            out.extend_from_slice(items);
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    pub(super) fn busy_of(&self, device: DeviceId) -> &[Busy] {
        self.busy
            .get(&device)
            .map(Vec::as_slice)
            .unwrap_or_default()
    }

    /// Everything a device update's `window` runs into on `device`, by kind
    /// then start. Only the planned range is known: ask with a window inside it.
    pub fn conflicts(&self, device: Placed<'_>, window: Occurrence) -> Vec<Conflict> {
        let mut out = Vec::new();
        let mut windows = Vec::new();
        let mut has_windows = false;
        for i in self.items_of(device) {
            let item = &self.items[i as usize];
            has_windows |= item.kind == DowntimeKind::Window;
            for o in &item.occurrences {
                if item.kind == DowntimeKind::Window {
                    windows.push(*o);
                } else if o.overlaps(window.from, window.to) {
                    out.push(Conflict {
                        device: device.id,
                        with: ConflictWith::Item {
                            id: item.id,
                            kind: item.kind,
                            title: item.title.clone(),
                        },
                        overlap: intersection(*o, window),
                    });
                }
            }
        }
        for b in self.busy_of(device.id) {
            if b.window.overlaps(window.from, window.to) {
                out.push(Conflict {
                    device: device.id,
                    with: ConflictWith::Update {
                        id: b.update,
                        title: b.title.clone(),
                    },
                    overlap: intersection(b.window, window),
                });
            }
        }
        if has_windows {
            if let Some(gap) = first_uncovered(&mut windows, window) {
                out.push(Conflict {
                    device: device.id,
                    with: ConflictWith::OutsideWindows,
                    overlap: gap,
                });
            }
        }
        out
    }
}

fn intersection(a: Occurrence, b: Occurrence) -> Occurrence {
    Occurrence {
        from: a.from.max(b.from),
        to: a.to.min(b.to),
    }
}

/// The first part of `window` that no interval covers, if any.
fn first_uncovered(intervals: &mut [Occurrence], window: Occurrence) -> Option<Occurrence> {
    intervals.sort_unstable();
    let mut covered_to = window.from;
    for o in intervals.iter() {
        if o.from > covered_to {
            break;
        }
        covered_to = covered_to.max(o.to);
        if covered_to >= window.to {
            return None;
        }
    }
    let next = intervals
        .iter()
        .map(|o| o.from)
        .filter(|&f| f > covered_to)
        .min()
        .unwrap_or(window.to);
    Some(Occurrence {
        from: covered_to,
        to: next.min(window.to),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn t(h: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, 0, 0, 0).unwrap() + Duration::hours(h)
    }

    fn occ(a: i64, b: i64) -> Occurrence {
        Occurrence {
            from: t(a),
            to: t(b),
        }
    }

    pub(crate) fn item(id: i64, kind: DowntimeKind, a: i64, b: i64, scope: Scope) -> Downtime {
        Downtime {
            id: DowntimeId(id),
            kind,
            title: format!("item {id}"),
            from: t(a),
            to: t(b),
            zone: Default::default(),
            recurrence: None,
            scope,
        }
    }

    fn site(s: &str) -> Labels {
        [("site".to_owned(), s.to_owned())].into()
    }

    #[test]
    fn conflicts_name_the_item_and_the_overlap_for_devices_in_scope_only() {
        let berlin = site("berlin");
        let lyon = site("lyon");
        let items = [
            item(
                1,
                DowntimeKind::Planned,
                2,
                4,
                Scope::label("site=berlin").unwrap(),
            ),
            item(
                2,
                DowntimeKind::Freeze,
                3,
                10,
                Scope::Devices {
                    devices: vec![DeviceId(2)],
                },
            ),
            item(3, DowntimeKind::Unplanned, 0, 1, Scope::All),
        ];
        let busy = vec![Busy {
            device: DeviceId(1),
            update: UpdateId(9),
            title: "earlier rollout".into(),
            window: occ(5, 6),
        }];
        let p = Planning::new(&items, busy, t(0), t(24)).unwrap();
        let b = Placed {
            id: DeviceId(1),
            labels: &berlin,
        };
        let got = p.conflicts(b, occ(3, 6));
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0].with,
            ConflictWith::Item {
                id: DowntimeId(1),
                kind: DowntimeKind::Planned,
                title: "item 1".into()
            }
        );
        assert_eq!(got[0].overlap, occ(3, 4));
        assert_eq!(
            got[1].with,
            ConflictWith::Update {
                id: UpdateId(9),
                title: "earlier rollout".into()
            }
        );
        assert_eq!(got[1].overlap, occ(5, 6));
        assert!(got[0]
            .describe()
            .starts_with("overlaps planned downtime 1 \"item 1\" from 2030-01-01 03:00 UTC"));

        let l = Placed {
            id: DeviceId(2),
            labels: &lyon,
        };
        let got = p.conflicts(l, occ(3, 6));
        assert_eq!(got.len(), 1);
        assert!(matches!(
            got[0].with,
            ConflictWith::Item {
                kind: DowntimeKind::Freeze,
                ..
            }
        ));
        assert!(
            p.conflicts(l, occ(10, 12)).is_empty(),
            "touching end to start is no overlap"
        );
        assert_eq!(p.conflicts(l, occ(0, 2)).len(), 1, "the everywhere item");
    }

    #[test]
    fn a_device_with_windows_must_stay_inside_them() {
        let berlin = site("berlin");
        let items = [
            item(
                1,
                DowntimeKind::Window,
                2,
                4,
                Scope::label("site=berlin").unwrap(),
            ),
            item(
                2,
                DowntimeKind::Window,
                4,
                6,
                Scope::label("site=berlin").unwrap(),
            ),
        ];
        let p = Planning::new(&items, vec![], t(0), t(24)).unwrap();
        let b = Placed {
            id: DeviceId(1),
            labels: &berlin,
        };
        assert!(
            p.conflicts(b, occ(3, 6)).is_empty(),
            "adjacent windows cover it together"
        );
        let got = p.conflicts(b, occ(5, 8));
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].with, ConflictWith::OutsideWindows);
        assert_eq!(got[0].overlap, occ(6, 8));
        let got = p.conflicts(b, occ(0, 3));
        assert_eq!(got[0].overlap, occ(0, 2));
        let lyon = site("lyon");
        let l = Placed {
            id: DeviceId(2),
            labels: &lyon,
        };
        assert!(p.conflicts(l, occ(7, 9)).is_empty(), "no windows, no bound");
    }
}
