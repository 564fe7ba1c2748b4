//! What the landscape shows beside a device's inventory: the updates it took
//! part in, and per product how many devices are configured at and run each
//! version (the version spread).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

use super::sql::{opt_time_col, target_col, time_col, version_col};
use super::{Store, StoreError};
use crate::domain::{
    DeviceId, DeviceUpdateId, DeviceUpdateStatus, ProductName, Target, UpdateId, Version,
};

/// One device update of a device, with its update's title and the targets
/// that applied to the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceHistoryItem {
    pub device_update: DeviceUpdateId,
    pub update: UpdateId,
    pub title: String,
    pub targets: Vec<Target>,
    /// `config_only`, `now` or `at`.
    pub option: String,
    pub status: DeviceUpdateStatus,
    pub window_from: DateTime<Utc>,
    pub window_to: DateTime<Utc>,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
}

/// Devices of one product at one version: told to run it, and running it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionCount {
    pub version: Version,
    pub configured: usize,
    pub deployed: usize,
}

/// The spread of one product: per version, and devices without either.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSpread {
    pub product: ProductName,
    /// Newest version first.
    pub versions: Vec<VersionCount>,
    pub devices: usize,
}

const HISTORY_COLS: &str = "SELECT du.id, u.id, u.title, du.option, du.status,
    du.window_from, du.window_to, du.actual_start, du.actual_end, du.device_id
    FROM device_updates du JOIN updates u ON u.id = du.update_id";

fn history_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceHistoryItem> {
    Ok(DeviceHistoryItem {
        device_update: r.get(0)?,
        update: r.get(1)?,
        title: r.get(2)?,
        targets: Vec::new(),
        option: r.get(3)?,
        status: r.get(4)?,
        window_from: time_col(r, 5)?,
        window_to: time_col(r, 6)?,
        actual_start: opt_time_col(r, 7)?,
        actual_end: opt_time_col(r, 8)?,
    })
}

impl Store {
    /// A device's updates, newest first, at most `limit`.
    pub fn device_history(
        &self,
        device: DeviceId,
        limit: u32,
    ) -> Result<Vec<DeviceHistoryItem>, StoreError> {
        let conn = self.reader()?;
        let rows = conn
            .prepare_cached(&format!(
                "{HISTORY_COLS} WHERE du.device_id = ?1 ORDER BY u.id DESC LIMIT ?2"
            ))?
            .query_map(rusqlite::params![device, limit], history_row)?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|item| with_targets(&conn, item))
            .collect()
    }

    /// How many devices are configured at and run each version of `product`.
    pub fn version_spread(&self, product: &ProductName) -> Result<VersionSpread, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let mut by_version: BTreeMap<Version, VersionCount> = BTreeMap::new();
        let mut count = |column: &str,
                         add: fn(&mut VersionCount, usize)|
         -> Result<(), StoreError> {
            let sql = format!(
                "SELECT p.{column}, count(*) FROM device_products p JOIN devices d ON d.id = p.device_id
                 WHERE p.product = ?1 AND d.retired_at_ms IS NULL AND p.{column} IS NOT NULL
                 GROUP BY p.{column}"
            );
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows =
                stmt.query_map([product], |r| Ok((version_col(r, 0)?, r.get::<_, i64>(1)?)))?;
            for row in rows {
                let (version, n) = row?;
                let entry = by_version.entry(version.clone()).or_insert(VersionCount {
                    version,
                    configured: 0,
                    deployed: 0,
                });
                add(entry, usize::try_from(n).unwrap_or_default());
            }
            Ok(())
        };
        count("configured_version", |c, n| c.configured += n)?;
        count("deployed_version", |c, n| c.deployed += n)?;
        let devices: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM device_products p JOIN devices d ON d.id = p.device_id
                 WHERE p.product = ?1 AND d.retired_at_ms IS NULL",
            )?
            .query_row([product], |r| r.get(0))?;
        Ok(VersionSpread {
            product: product.clone(),
            versions: by_version.into_values().rev().collect(),
            devices: usize::try_from(devices).unwrap_or_default(),
        })
    }
}

/// The newest device update of each device of `ids` (a JSON array) that
/// has one.
pub(super) fn last_updates(
    conn: &Connection,
    ids: &str,
) -> Result<BTreeMap<DeviceId, DeviceHistoryItem>, StoreError> {
    let sql = format!(
        "{HISTORY_COLS} WHERE du.rowid IN (
            SELECT (SELECT x.rowid FROM device_updates x WHERE x.device_id = j.value
                    ORDER BY x.update_id DESC LIMIT 1)
            FROM json_each(?1) j)"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt
        .query_map([ids], |r| Ok((r.get::<_, DeviceId>(9)?, history_row(r)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    rows.into_iter()
        .map(|(device, item)| Ok((device, with_targets(conn, item)?)))
        .collect()
}

/// Fills in the targets that applied to the item's device.
fn with_targets(
    conn: &Connection,
    mut item: DeviceHistoryItem,
) -> Result<DeviceHistoryItem, StoreError> {
    item.targets = conn
        .prepare_cached(
            "SELECT product, version FROM device_update_targets
             WHERE device_update_id = ?1 ORDER BY position",
        )?
        .query_map([&item.device_update], |r| target_col(r, 0))?
        .collect::<Result<_, _>>()?;
    Ok(item)
}
