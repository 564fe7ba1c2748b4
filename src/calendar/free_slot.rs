//! The free-slot finder: the earliest window of a given length, on a
//! 1-minute grid, in which no device asked about has a conflict.
//!
//! For the devices together: the blocking intervals (downtimes and freezes
//! in any device's scope, the devices' other unfinished updates) are merged
//! into one sorted list; the allowed intervals are the intersection, over
//! the devices that have maintenance windows, of the union of their windows
//! (or the whole horizon when none has any). A sweep then walks the allowed
//! intervals, jumping past each blocking interval met. With `n` occurrences
//! touching the devices and `d` devices, building takes O(d·l + n log n)
//! (`l` labels per device) and the sweep O(n log n).
//!
//! Per device, devices that the same items touch and that have no other
//! updates share one answer, so 10,000 devices in a few sites cost a few
//! sweeps, not 10,000.

use std::collections::HashMap;

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde::Serialize;

use super::expand::Occurrence;
use super::planning::{Placed, Planning};
use crate::domain::{DeviceId, DowntimeKind, ValidationError};

/// The search's grid: starts are whole minutes.
pub const GRANULARITY: Duration = Duration::minutes(1);
/// The longest search: a year ahead.
pub const MAX_HORIZON_DAYS: i64 = 366;

#[derive(Debug, Clone, Copy)]
pub struct SlotRequest {
    pub duration: Duration,
    pub earliest: DateTime<Utc>,
    /// Starts considered lie in `[earliest, earliest + horizon]`.
    pub horizon: Duration,
}

impl SlotRequest {
    pub fn check(self) -> Result<SlotRequest, ValidationError> {
        if self.duration < GRANULARITY {
            return Err(ValidationError::new(
                "duration",
                "must be at least one minute",
            ));
        }
        if self.duration > Duration::days(crate::domain::downtime::MAX_OCCURRENCE_DAYS) {
            return Err(ValidationError::new("duration", "must be at most 366 days"));
        }
        if self.horizon < Duration::zero() || self.horizon > Duration::days(MAX_HORIZON_DAYS) {
            return Err(ValidationError::new(
                "horizon",
                format!("must be between 0 and {MAX_HORIZON_DAYS} days"),
            ));
        }
        Ok(self)
    }

    /// The range a [`Planning`] must cover to answer this request.
    pub fn range(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            self.earliest,
            self.earliest + self.horizon + self.duration + GRANULARITY,
        )
    }

    fn first_start(&self) -> DateTime<Utc> {
        ceil_minute(self.earliest)
    }

    fn last_start(&self) -> DateTime<Utc> {
        self.earliest + self.horizon
    }
}

/// A device's own earliest slot, or `None` when the horizon has none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceSlot {
    pub device: DeviceId,
    pub slot: Option<Occurrence>,
}

fn ceil_minute(t: DateTime<Utc>) -> DateTime<Utc> {
    let floor = t.duration_trunc(GRANULARITY).unwrap_or(t);
    if floor == t {
        t
    } else {
        floor + GRANULARITY
    }
}

impl Planning {
    /// The earliest slot free for all `devices` together.
    pub fn free_slot(&self, devices: &[Placed<'_>], req: SlotRequest) -> Option<Occurrence> {
        let mut items: Vec<u32> = Vec::new();
        let mut window_groups: HashMap<Vec<u32>, ()> = HashMap::new();
        let mut busy = Vec::new();
        for d in devices {
            let mine = self.items_of(*d);
            let windows: Vec<u32> = mine
                .iter()
                .copied()
                .filter(|&i| self.items[i as usize].kind == DowntimeKind::Window)
                .collect();
            if !windows.is_empty() {
                window_groups.insert(windows, ());
            }
            items.extend(mine);
            busy.extend(self.busy_of(d.id).iter().map(|b| b.window));
        }
        items.sort_unstable();
        items.dedup();
        let groups: Vec<Vec<u32>> = window_groups.into_keys().collect();
        self.sweep(&items, &groups, busy, req)
    }

    /// Each device's own earliest slot, in the order given.
    pub fn free_slot_per_device(
        &self,
        devices: &[Placed<'_>],
        req: SlotRequest,
    ) -> Vec<DeviceSlot> {
        let mut shared: HashMap<Vec<u32>, Option<Occurrence>> = HashMap::new();
        devices
            .iter()
            .map(|d| {
                let mine = self.items_of(*d);
                let own_busy = self.busy_of(d.id);
                let slot = if own_busy.is_empty() {
                    *shared
                        .entry(mine)
                        .or_insert_with_key(|mine| self.sweep_one(mine, Vec::new(), req))
                } else {
                    let busy = own_busy.iter().map(|b| b.window).collect();
                    self.sweep_one(&mine, busy, req)
                };
                DeviceSlot { device: d.id, slot }
            })
            .collect()
    }

    fn sweep_one(
        &self,
        items: &[u32],
        busy: Vec<Occurrence>,
        req: SlotRequest,
    ) -> Option<Occurrence> {
        let windows: Vec<u32> = items
            .iter()
            .copied()
            .filter(|&i| self.items[i as usize].kind == DowntimeKind::Window)
            .collect();
        let groups = if windows.is_empty() {
            vec![]
        } else {
            vec![windows]
        };
        self.sweep(items, &groups, busy, req)
    }

    fn sweep(
        &self,
        items: &[u32],
        window_groups: &[Vec<u32>],
        mut blocking: Vec<Occurrence>,
        req: SlotRequest,
    ) -> Option<Occurrence> {
        for &i in items {
            let item = &self.items[i as usize];
            if item.kind.blocks_updates() {
                blocking.extend_from_slice(&item.occurrences);
            }
        }
        let blocking = merge(blocking);
        let everything = vec![Occurrence {
            from: self.from.min(req.earliest),
            to: self.to.max(req.last_start() + req.duration),
        }];
        let allowed = window_groups.iter().fold(everything, |acc, group| {
            let union = merge(
                group
                    .iter()
                    .flat_map(|&i| self.items[i as usize].occurrences.iter().copied())
                    .collect(),
            );
            merge(intersect(&acc, &union))
        });

        let first = req.first_start();
        let last = req.last_start();
        for a in &allowed {
            let mut t = first.max(ceil_minute(a.from));
            while t <= last && t + req.duration <= a.to {
                let end = t + req.duration;
                // Merged intervals are sorted by both ends: the first ending
                // after `t` is the only one that can overlap `[t, end)` first.
                let k = blocking.partition_point(|b| b.to <= t);
                match blocking.get(k) {
                    Some(b) if b.from < end => t = ceil_minute(b.to),
                    _ => return Some(Occurrence { from: t, to: end }),
                }
            }
        }
        None
    }
}

/// Sorted, disjoint, non-touching union.
fn merge(mut v: Vec<Occurrence>) -> Vec<Occurrence> {
    v.sort_unstable();
    let mut out: Vec<Occurrence> = Vec::with_capacity(v.len());
    for o in v {
        match out.last_mut() {
            Some(last) if o.from <= last.to => last.to = last.to.max(o.to),
            _ => out.push(o),
        }
    }
    out
}

/// Intersection of two sorted, disjoint lists.
fn intersect(a: &[Occurrence], b: &[Occurrence]) -> Vec<Occurrence> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let from = a[i].from.max(b[j].from);
        let to = a[i].to.min(b[j].to);
        if from < to {
            out.push(Occurrence { from, to });
        }
        if a[i].to < b[j].to {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}
