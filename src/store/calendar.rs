//! What the planning calendar reads besides its items: devices' labels, the
//! windows of unfinished device updates, updates as bars, and how long
//! finished updates took. The calendar (pure) answers over these.

use chrono::{DateTime, Duration, Utc};
use rusqlite::params;

use super::inventory::{id_list, DeviceSelection};
use super::sql::{bad_col, ms, opt_time_col, time_col};
use super::updates::targets_of;
use super::{Store, StoreError};
use crate::calendar::ics::{self, IcsEvent};
use crate::calendar::{
    learned_duration, recurrence_words, Busy, CalendarUpdate, Conflict, DeviceSlot,
    LearnedDuration, Occurrence, PastRun, Placed, Planning, Series, SlotRequest, UpdatePhase,
};
use crate::domain::{Actor, DeviceId, Downtime, DowntimeId, Labels, ProductName, ValidationError};

/// A device as the calendar needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelledDevice {
    pub id: DeviceId,
    pub name: String,
    /// Effective labels: the agent's, overlaid by the admin's.
    pub labels: Labels,
}

impl LabelledDevice {
    pub fn placed(&self) -> Placed<'_> {
        Placed {
            id: self.id,
            labels: &self.labels,
        }
    }
}

/// An item with its occurrences in a viewed range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlacedItem {
    pub item: Downtime,
    pub occurrences: Vec<Occurrence>,
    /// The recurrence in words, for a recurring item.
    pub recurrence_words: Option<String>,
}

impl PlacedItem {
    /// The item with only its first occurrence: what a dialog just saved.
    pub fn first_of(item: Downtime) -> PlacedItem {
        PlacedItem {
            occurrences: vec![Occurrence {
                from: item.from,
                to: item.to,
            }],
            recurrence_words: recurrence_words(&item),
            item,
        }
    }
}

/// What an .ics import added.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IcsImported {
    pub added: Vec<Downtime>,
    /// Per event of the file, in order: the item it became, if imported.
    pub per_event: Vec<Option<DowntimeId>>,
}

/// Device updates that still hold their window: not settled, or in error
/// (an error waits for an admin to cancel it, which rolls back).
const UNFINISHED: &str =
    "(du.status IN ('scheduled', 'configuring', 'deploying', 'cancelling', 'error') \
     OR (du.status = 'configured' AND du.option <> 'config_only'))";

impl Store {
    /// The devices of `selection` (not retired) with their labels, by name.
    pub fn labelled_devices(
        &self,
        selection: &DeviceSelection,
    ) -> Result<Vec<LabelledDevice>, StoreError> {
        let conn = self.reader()?;
        let (filter, arg) = match selection {
            DeviceSelection::All => ("", String::from("[]")),
            DeviceSelection::Ids(ids) => {
                ("AND id IN (SELECT value FROM json_each(?1))", id_list(ids))
            }
        };
        let sql = format!(
            "SELECT id, name, labels, agent_labels FROM devices \
             WHERE retired_at_ms IS NULL {filter} ORDER BY name"
        );
        let mut stmt = conn.prepare_cached(&sql)?;
        let row = |r: &rusqlite::Row<'_>| {
            let json = |i: usize| -> rusqlite::Result<Labels> {
                serde_json::from_str(&r.get::<_, String>(i)?).map_err(|e| bad_col(i, e.to_string()))
            };
            let mut labels = json(3)?;
            labels.extend(json(2)?);
            Ok(LabelledDevice {
                id: r.get(0)?,
                name: r.get(1)?,
                labels,
            })
        };
        let rows = if filter.is_empty() {
            stmt.query_map([], row)?.collect::<Result<_, _>>()?
        } else {
            stmt.query_map([arg], row)?.collect::<Result<_, _>>()?
        };
        Ok(rows)
    }

    /// The names of `ids`, for listed-device scopes; unknown ids are left out.
    pub fn device_names(
        &self,
        ids: &[DeviceId],
    ) -> Result<std::collections::HashMap<DeviceId, String>, StoreError> {
        let conn = self.reader()?;
        let rows = conn
            .prepare_cached(
                "SELECT id, name FROM devices WHERE id IN (SELECT value FROM json_each(?1))",
            )?
            .query_map([id_list(ids)], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// Every value the fleet's devices have for label `key`, sorted: the
    /// calendar's rows per site.
    pub fn label_values(&self, key: &str) -> Result<Vec<String>, StoreError> {
        let conn = self.reader()?;
        let path = format!("$.{}", serde_json::to_string(key).unwrap_or_default());
        let values = conn
            .prepare_cached(
                "SELECT DISTINCT COALESCE(json_extract(labels, ?1), json_extract(agent_labels, ?1)) AS v
                 FROM devices WHERE retired_at_ms IS NULL AND v IS NOT NULL ORDER BY v",
            )?
            .query_map([path], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(values)
    }

    /// Windows of unfinished device updates overlapping `[from, to)`.
    pub fn busy_windows(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Busy>, StoreError> {
        let conn = self.reader()?;
        let sql = format!(
            "SELECT du.device_id, du.update_id, u.title, du.window_from, du.window_to
             FROM device_updates du JOIN updates u ON u.id = du.update_id
             WHERE du.window_to > ?1 AND du.window_from < ?2 AND {UNFINISHED}"
        );
        let rows = conn
            .prepare_cached(&sql)?
            .query_map(params![ms(from), ms(to)], |r| {
                Ok(Busy {
                    device: r.get(0)?,
                    update: r.get(1)?,
                    title: r.get(2)?,
                    window: Occurrence {
                        from: time_col(r, 3)?,
                        to: time_col(r, 4)?,
                    },
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The calendar over `[from, to)`: items expanded, busy windows indexed.
    pub fn planning(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Planning, StoreError> {
        let items = self.downtimes_in(from, to)?;
        let busy = self.busy_windows(from, to)?;
        Ok(Planning::new(&items, busy, from, to)?)
    }

    /// Every item occurring in `[from, to)` with its occurrences there, by
    /// first start: what the calendar shows.
    pub fn occurrences(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<PlacedItem>, StoreError> {
        let mut out = Vec::new();
        for item in self.downtimes_in(from, to)? {
            let occurrences = Series::of(&item)?.between(from, to);
            if !occurrences.is_empty() {
                out.push(PlacedItem {
                    recurrence_words: recurrence_words(&item),
                    item,
                    occurrences,
                });
            }
        }
        Ok(out)
    }

    /// Every item and every update not finished yet (as of `now`) as one
    /// iCalendar text, and how many of each it holds.
    pub fn export_ics(&self, now: DateTime<Utc>) -> Result<(String, usize, usize), StoreError> {
        let items = self.downtimes_in(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC)?;
        let updates: Vec<_> = self
            .calendar_updates(now - Duration::days(1), DateTime::<Utc>::MAX_UTC)?
            .into_iter()
            .filter(|u| u.phase != UpdatePhase::Finished)
            .collect();
        Ok((
            ics::export_ics(&items, &updates, now),
            items.len(),
            updates.len(),
        ))
    }

    /// Adds the imported events of an .ics file (read by `ics_file`) in one
    /// transaction: the items added, and per event the id it became.
    pub fn import_ics(
        &self,
        actor: &Actor,
        events: &[IcsEvent],
        source: &str,
    ) -> Result<IcsImported, StoreError> {
        let items: Vec<_> = events.iter().filter_map(|e| e.item().cloned()).collect();
        let added = if items.is_empty() {
            Vec::new()
        } else {
            self.add_downtimes(actor, items, source)?
        };
        let mut ids = added.iter().map(|d| d.id);
        let per_event = events
            .iter()
            .map(|e| e.item().and_then(|_| ids.next()))
            .collect();
        Ok(IcsImported { added, per_event })
    }

    /// What `window` runs into on each of `devices`.
    pub fn conflicts(
        &self,
        devices: &[LabelledDevice],
        window: Occurrence,
    ) -> Result<Vec<Conflict>, StoreError> {
        let each: Vec<(&LabelledDevice, Occurrence)> =
            devices.iter().map(|d| (d, window)).collect();
        self.conflicts_each(&each)
    }

    /// What each device's own window runs into (a device deploying at a
    /// time of its own has its own window): the calendar is read once over
    /// the span of them all.
    pub fn conflicts_each(
        &self,
        windows: &[(&LabelledDevice, Occurrence)],
    ) -> Result<Vec<Conflict>, StoreError> {
        if windows.iter().any(|(_, w)| w.to <= w.from) {
            return Err(ValidationError::new("to", "must be after from").into());
        }
        let (Some(from), Some(to)) = (
            windows.iter().map(|(_, w)| w.from).min(),
            windows.iter().map(|(_, w)| w.to).max(),
        ) else {
            return Ok(Vec::new());
        };
        let planning = self.planning(from, to)?;
        Ok(windows
            .iter()
            .flat_map(|(d, w)| planning.conflicts(d.placed(), *w))
            .collect())
    }

    /// The earliest slot free for all `devices` together, and, when asked,
    /// each device's own.
    pub fn free_slot(
        &self,
        devices: &[LabelledDevice],
        req: SlotRequest,
        per_device: bool,
    ) -> Result<(Option<Occurrence>, Vec<DeviceSlot>), StoreError> {
        let req = req.check()?;
        if devices.is_empty() {
            return Err(ValidationError::new("devices", "must name at least one device").into());
        }
        let (from, to) = req.range();
        let planning = self.planning(from, to)?;
        let placed: Vec<Placed<'_>> = devices.iter().map(LabelledDevice::placed).collect();
        let together = planning.free_slot(&placed, req);
        let each = if per_device {
            planning.free_slot_per_device(&placed, req)
        } else {
            Vec::new()
        };
        Ok((together, each))
    }

    /// Updates whose bar overlaps `[from, to)`, by start.
    pub fn calendar_updates(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<CalendarUpdate>, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let mut sites = conn.prepare_cached(
            "SELECT DISTINCT COALESCE(json_extract(d.labels, '$.site'),
                                      json_extract(d.agent_labels, '$.site'))
             FROM device_updates du JOIN devices d ON d.id = du.device_id
             WHERE du.update_id = ?1 ORDER BY 1",
        )?;
        let rows: Vec<CalendarUpdate> = conn
            .prepare_cached(
                "SELECT u.id, u.title, u.window_from, u.window_to, u.actual_end,
                        (SELECT COUNT(*) FROM device_updates du WHERE du.update_id = u.id),
                        EXISTS (SELECT 1 FROM device_updates du
                                WHERE du.update_id = u.id AND du.actual_start IS NOT NULL)
                 FROM updates u
                 WHERE u.window_from < ?2 AND COALESCE(u.actual_end, u.window_to) > ?1
                 ORDER BY u.window_from, u.id",
            )?
            .query_map(params![ms(from), ms(to)], |r| {
                let planned_to = time_col(r, 3)?;
                let actual_end = opt_time_col(r, 4)?;
                let started: bool = r.get(6)?;
                let phase = match (actual_end, started) {
                    (Some(_), _) => UpdatePhase::Finished,
                    (None, true) => UpdatePhase::Running,
                    (None, false) => UpdatePhase::Scheduled,
                };
                Ok(CalendarUpdate {
                    id: r.get(0)?,
                    title: r.get(1)?,
                    targets: Vec::new(),
                    from: time_col(r, 2)?,
                    to: actual_end.unwrap_or(planned_to),
                    planned_to,
                    phase,
                    devices: r.get(5)?,
                    sites: Vec::new(),
                })
            })?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|mut u| {
                u.targets = targets_of(&conn, u.id)?;
                u.sites = sites
                    .query_map([u.id], |r| r.get::<_, Option<String>>(0))?
                    .filter_map(Result::transpose)
                    .collect::<Result<_, _>>()?;
                Ok(u)
            })
            .collect()
    }

    /// Finished updates that carried `product`: how many devices each had and how
    /// long it ran, from its first device's start to its actual end.
    pub fn past_runs(&self, product: &ProductName) -> Result<Vec<PastRun>, StoreError> {
        let conn = self.reader()?;
        let rows = conn
            .prepare_cached(
                "SELECT COUNT(*), COALESCE(MIN(du.actual_start), u.window_from), u.actual_end
                 FROM updates u JOIN device_updates du ON du.update_id = u.id
                 WHERE u.actual_end IS NOT NULL
                   AND u.id IN (SELECT update_id FROM update_targets WHERE product = ?1)
                 GROUP BY u.id",
            )?
            .query_map([product], |r| {
                let start: i64 = r.get(1)?;
                let end: i64 = r.get(2)?;
                Ok(PastRun {
                    devices: r.get(0)?,
                    took: Duration::milliseconds(end - start),
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(rows)
    }

    /// The default estimated duration of an update of `product` on `devices`.
    pub fn learned_duration(
        &self,
        product: &ProductName,
        devices: u32,
    ) -> Result<LearnedDuration, StoreError> {
        Ok(learned_duration(&self.past_runs(product)?, devices))
    }
}
