//! What the status screen reads: updates a page at a time with their derived
//! status, filtered in SQL, and one update's device updates with their
//! device's name and site. Reads only; the engine writes.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::Connection;

use super::sql::{escape_like, opt_time_col, opt_version_col};
use super::updates::{device_updates_where, load_update};
use super::{Store, StoreError};
use crate::domain::{
    is_settled, DeviceId, DeviceUpdate, DeviceUpdateId, DeviceUpdateStatus, ProductName,
    StatusGroup, Update, UpdateId, UpdateStatus, UpdateSummary, Version,
};

/// Which updates the status list shows; `None` matches everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UpdateFilter {
    /// The status derived from the update's device updates.
    pub status: Option<UpdateStatus>,
    /// Part of the name of one of its products.
    pub product: Option<String>,
    /// Part of its title or of who created it.
    pub text: Option<String>,
}

/// One update as the status list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdateListing {
    pub update: Update,
    pub summary: UpdateSummary,
    /// When its first device update began work.
    pub actual_start: Option<DateTime<Utc>>,
    /// Per product, the versions its devices ran before (deployed, or
    /// configured where nothing was deployed).
    pub from: BTreeMap<ProductName, BTreeSet<Version>>,
}

/// A page of the status list and how many updates match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatesPage {
    pub updates: Vec<UpdateListing>,
    pub total: u64,
}

/// A device update as the deployment overview shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceUpdateListing {
    pub device_update: DeviceUpdate,
    pub device: String,
    pub site: Option<String>,
    pub log_entries: u32,
}

impl Store {
    /// The updates `filter` matches, newest first, `limit` of them from
    /// `offset` on, with how many match in all.
    pub fn updates_page(
        &self,
        filter: &UpdateFilter,
        offset: u64,
        limit: u32,
    ) -> Result<UpdatesPage, StoreError> {
        let reader = self.reader()?;
        // One snapshot for all its queries.
        let conn = reader.unchecked_transaction()?;
        let (from_where, mut args) = filtered(filter);
        let total: i64 = conn
            .prepare_cached(&format!("SELECT COUNT(*) {from_where}"))?
            .query_row(rusqlite::params_from_iter(&args), |r| r.get(0))?;
        args.push(Value::Integer(limit.into()));
        args.push(Value::Integer(offset as i64));
        let n = args.len();
        let ids: Vec<UpdateId> = conn
            .prepare_cached(&format!(
                "SELECT u.id {from_where} ORDER BY u.created_at DESC, u.id DESC
                 LIMIT ?{} OFFSET ?{n}",
                n - 1
            ))?
            .query_map(rusqlite::params_from_iter(&args), |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(UpdatesPage {
            updates: listings(&conn, &ids)?,
            total: total as u64,
        })
    }

    /// The newest `limit` updates with their derived status, newest first.
    pub fn recent_updates(&self, limit: u32) -> Result<Vec<(Update, UpdateSummary)>, StoreError> {
        let page = self.updates_page(&UpdateFilter::default(), 0, limit)?;
        Ok(page
            .updates
            .into_iter()
            .map(|l| (l.update, l.summary))
            .collect())
    }

    /// The device updates of `update` (those in `status` only, when given),
    /// in the order they were planned.
    pub fn device_update_listings(
        &self,
        update: UpdateId,
        status: Option<DeviceUpdateStatus>,
    ) -> Result<Vec<DeviceUpdateListing>, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let dus = match status {
            None => device_updates_where(&conn, "du.update_id = ?1", rusqlite::params![update])?,
            Some(s) => device_updates_where(
                &conn,
                "du.update_id = ?1 AND du.status = ?2",
                rusqlite::params![update, s],
            )?,
        };
        let mut names: HashMap<DeviceId, (String, Option<String>)> = HashMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT d.id, d.name,
                    coalesce(json_extract(d.labels, '$.site'), json_extract(d.agent_labels, '$.site'))
             FROM devices d JOIN device_updates du ON du.device_id = d.id
             WHERE du.update_id = ?1",
        )?;
        for row in stmt.query_map([update], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))? {
            let (id, named) = row?;
            names.insert(id, named);
        }
        let mut logs: HashMap<DeviceUpdateId, u32> = HashMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT l.device_update_id, COUNT(*) FROM device_update_log l
             JOIN device_updates du ON du.id = l.device_update_id
             WHERE du.update_id = ?1 GROUP BY l.device_update_id",
        )?;
        for row in stmt.query_map([update], |r| Ok((r.get(0)?, r.get(1)?)))? {
            let (id, count) = row?;
            logs.insert(id, count);
        }
        Ok(dus
            .into_iter()
            .map(|du| {
                let (device, site) = names
                    .remove(&du.device)
                    .unwrap_or_else(|| (format!("device {}", du.device), None));
                DeviceUpdateListing {
                    log_entries: logs.get(&du.id).copied().unwrap_or(0),
                    device,
                    site,
                    device_update: du,
                }
            })
            .collect())
    }
}

/// `FROM … WHERE …` over `updates u` for `filter`, with its parameters.
fn filtered(filter: &UpdateFilter) -> (String, Vec<Value>) {
    let mut conds = Vec::new();
    let mut args = Vec::new();
    if let Some(text) = filter
        .text
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        args.push(Value::Text(format!("%{}%", escape_like(text))));
        let n = args.len();
        conds.push(format!(
            "(u.title LIKE ?{n} ESCAPE '\\' OR u.created_by LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if let Some(product) = filter
        .product
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        args.push(Value::Text(format!("%{}%", escape_like(product))));
        conds.push(format!(
            "EXISTS (SELECT 1 FROM update_targets t WHERE t.update_id = u.id
                     AND t.product LIKE ?{} ESCAPE '\\')",
            args.len()
        ));
    }
    if let Some(status) = filter.status {
        args.push(Value::Text(status.as_str().to_owned()));
        conds.push(format!("{} = ?{}", derived_status_sql(), args.len()));
    }
    let from = "FROM updates u";
    if conds.is_empty() {
        (from.to_owned(), args)
    } else {
        (format!("{from} WHERE {}", conds.join(" AND ")), args)
    }
}

/// The status of update `u`, derived in SQL from the counts the triggers
/// keep by [`UpdateSummary::from_groups`]'s rule (a test holds the two
/// together). Correlated, so a page walks the newest updates until it has
/// its rows instead of deriving every update's status first. Which statuses
/// are settled comes from the domain's one list of them.
fn derived_status_sql() -> String {
    let settled: Vec<String> = DeviceUpdateStatus::ALL
        .iter()
        .flat_map(|&s| [(s, false), (s, true)])
        .filter(|&(s, c)| is_settled(s, c))
        .map(|(s, c)| format!("('{}', {})", s.as_str(), u8::from(c)))
        .collect();
    let of = |cond: &str| format!("SUM(CASE WHEN {cond} THEN count ELSE 0 END)");
    format!(
        "(SELECT CASE
            WHEN coalesce(SUM(count), 0) = 0 OR {scheduled} = SUM(count) THEN 'scheduled'
            WHEN {unsettled} > 0 THEN 'running'
            WHEN {failed} > 0 THEN 'failed'
            WHEN {cancelled} = SUM(count) THEN 'cancelled'
            ELSE 'succeeded' END
          FROM update_status_counts c WHERE c.update_id = u.id)",
        scheduled = of("status = 'scheduled'"),
        unsettled = of(&format!(
            "(status, config_only) NOT IN (VALUES {})",
            settled.join(", ")
        )),
        failed = of("status = 'error'"),
        cancelled = of("status = 'cancelled'"),
    )
}

/// The page's updates with targets, summaries, actual starts and previous
/// versions; a few indexed queries per update.
fn listings(conn: &Connection, ids: &[UpdateId]) -> Result<Vec<UpdateListing>, StoreError> {
    let mut out = Vec::with_capacity(ids.len());
    for &id in ids {
        // The ids come from the same snapshot, so each is there.
        let update = load_update(conn, id)?.ok_or_else(|| StoreError::not_found("update", id))?;
        out.push(UpdateListing {
            summary: summary_of(conn, id)?,
            actual_start: conn
                .prepare_cached(
                    "SELECT MIN(actual_start) FROM device_updates WHERE update_id = ?1",
                )?
                .query_row([id], |r| opt_time_col(r, 0))?,
            from: previous_versions(conn, id)?,
            update,
        });
    }
    Ok(out)
}

fn summary_of(conn: &Connection, id: UpdateId) -> Result<UpdateSummary, StoreError> {
    // Counts kept by triggers (migration 7): the cost does not grow with
    // the number of devices.
    let mut stmt = conn.prepare_cached(
        "SELECT status, config_only, count, progress_sum FROM update_status_counts
         WHERE update_id = ?1 AND count > 0",
    )?;
    let groups = stmt
        .query_map([id], |r| {
            let count: i64 = r.get(2)?;
            let sum: i64 = r.get(3)?;
            Ok(StatusGroup {
                status: r.get(0)?,
                config_only: r.get(1)?,
                count: count as usize,
                progress_sum: sum as u64,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(UpdateSummary::from_groups(groups))
}

fn previous_versions(
    conn: &Connection,
    id: UpdateId,
) -> Result<BTreeMap<ProductName, BTreeSet<Version>>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT t.product, coalesce(t.previous_deployed, t.previous_configured)
         FROM device_update_targets t JOIN device_updates du ON du.id = t.device_update_id
         WHERE du.update_id = ?1",
    )?;
    let mut from: BTreeMap<ProductName, BTreeSet<Version>> = BTreeMap::new();
    for row in stmt.query_map([id], |r| Ok((r.get(0)?, opt_version_col(r, 1)?)))? {
        let (product, version) = row?;
        let versions = from.entry(product).or_default();
        if let Some(v) = version {
            versions.insert(v);
        }
    }
    Ok(from)
}
