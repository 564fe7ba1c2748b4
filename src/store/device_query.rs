//! The landscape by the page: devices filtered, sorted and paged in SQL, so
//! a screen scrolling 100,000 devices holds one page at a time.

use std::collections::{BTreeMap, HashMap};

use rusqlite::types::ToSql;
use rusqlite::Connection;

use super::device_history::last_updates;
use super::devices::{device_row, product_row, DEVICE_COLS};
use super::sql::escape_like;
use super::{Store, StoreError};
use crate::domain::{Device, DeviceId, DeviceQuery, DeviceSort, Reachability};

use super::DeviceHistoryItem;

/// One page and how many devices match in all.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DevicePage {
    pub total: usize,
    pub offset: usize,
    pub devices: Vec<Device>,
    /// The newest update of each device on the page that took part in one.
    pub last_updates: BTreeMap<DeviceId, DeviceHistoryItem>,
}

impl Store {
    /// One page of the devices matching `q`, with the count of all of them,
    /// from one snapshot. Retired devices are never listed.
    pub fn device_page(&self, q: &DeviceQuery) -> Result<DevicePage, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let (filter, args) = where_clause(q);
        let args: Vec<&dyn ToSql> = args.iter().map(|a| a.as_ref()).collect();
        let total: i64 = conn
            .prepare_cached(&format!("SELECT count(*) FROM devices d {filter}"))?
            .query_row(args.as_slice(), |r| r.get(0))?;
        let dir = if q.descending { "DESC" } else { "ASC" };
        // Devices never seen or never timed sort last either way.
        let order = match q.sort {
            DeviceSort::Name => format!("d.name {dir}"),
            DeviceSort::LastSeen => format!("d.last_seen_ms IS NULL, d.last_seen_ms {dir}, d.name"),
            DeviceSort::Latency => format!("d.latency_ms IS NULL, d.latency_ms {dir}, d.name"),
        };
        // The select list's bare names are `d`'s: the only table of the outer FROM.
        let sql = format!(
            "{DEVICE_COLS} d {filter} ORDER BY {order} LIMIT {} OFFSET {}",
            q.limit, q.offset
        );
        let mut devices = conn
            .prepare_cached(&sql)?
            .query_map(args.as_slice(), device_row)?
            .collect::<Result<Vec<_>, _>>()?;
        let ids: Vec<i64> = devices.iter().map(|d| d.id.0).collect();
        let ids = serde_json::to_string(&ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        attach_products(&conn, &ids, &mut devices)?;
        Ok(DevicePage {
            total: usize::try_from(total).unwrap_or_default(),
            offset: q.offset,
            last_updates: last_updates(&conn, &ids)?,
            devices,
        })
    }
}

/// The products of the page's devices (`ids`, a JSON array), in one query.
fn attach_products(conn: &Connection, ids: &str, devices: &mut [Device]) -> Result<(), StoreError> {
    let index: HashMap<_, _> = devices.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, product, configured_version, deployed_version FROM device_products
         WHERE device_id IN (SELECT value FROM json_each(?1))",
    )?;
    for row in stmt.query_map([ids], product_row)? {
        let (id, product, versions) = row?;
        if let Some(&i) = index.get(&id) {
            devices[i].products.insert(product, versions);
        }
    }
    Ok(())
}

/// The `WHERE` of a query and its parameters, numbered in order.
fn where_clause(q: &DeviceQuery) -> (String, Vec<Box<dyn ToSql>>) {
    let mut conds = vec!["d.retired_at_ms IS NULL".to_owned()];
    let mut args: Vec<Box<dyn ToSql>> = Vec::new();
    let arg = |v: Box<dyn ToSql>, args: &mut Vec<Box<dyn ToSql>>| {
        args.push(v);
        format!("?{}", args.len())
    };
    if let Some(text) = &q.text {
        let pattern = format!("%{}%", escape_like(text));
        let p = arg(Box::new(pattern), &mut args);
        conds.push(format!(
            "(d.name LIKE {p} ESCAPE '\\' OR d.agent_url LIKE {p} ESCAPE '\\')"
        ));
    }
    for (key, value) in &q.labels {
        // Keys are slugs (checked), so the quoted JSON path is safe; the
        // admin's label wins over the agent's.
        let path = arg(Box::new(format!("$.\"{key}\"")), &mut args);
        let v = arg(Box::new(value.clone()), &mut args);
        conds.push(format!(
            "coalesce(json_extract(d.labels, {path}), json_extract(d.agent_labels, {path})) = {v}"
        ));
    }
    if q.product.is_some() || q.drifted {
        let mut inner = vec!["p.device_id = d.id".to_owned()];
        if let Some(product) = &q.product {
            let p = arg(Box::new(product.as_str().to_owned()), &mut args);
            inner.push(format!("p.product = {p}"));
        }
        if let Some(version) = &q.version {
            let v = arg(Box::new(version.to_string()), &mut args);
            inner.push(format!(
                "(p.configured_version = {v} OR p.deployed_version = {v})"
            ));
        }
        if q.drifted {
            inner.push(
                "p.configured_version IS NOT NULL AND p.configured_version IS NOT p.deployed_version"
                    .into(),
            );
        }
        conds.push(format!(
            "EXISTS (SELECT 1 FROM device_products p WHERE {})",
            inner.join(" AND ")
        ));
    }
    if let Some(reach) = q.reach {
        conds.push(
            match reach {
                Reachability::IdentityMismatch => "d.reported_id IS NOT NULL",
                Reachability::Unreachable => "d.reported_id IS NULL AND d.last_error IS NOT NULL",
                Reachability::Reachable => {
                    "d.reported_id IS NULL AND d.last_error IS NULL AND d.last_seen_ms IS NOT NULL"
                }
                Reachability::Unknown => {
                    "d.reported_id IS NULL AND d.last_error IS NULL AND d.last_seen_ms IS NULL"
                }
            }
            .into(),
        );
    }
    (format!("WHERE {}", conds.join(" AND ")), args)
}
