//! The inventory read from agents: which devices to ask and with what, and
//! what they answered, written in batches. A device is never dropped for not
//! answering: its row keeps the last good inventory and gains the error.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};

use rusqlite::{params, Connection};

use super::sql::{bad_col, ms, opt_version};
use super::{Store, StoreError};
use crate::domain::{
    DeviceId, Fingerprint, ModuleRef, ProductName, SyncFailure, SyncOutcome, SyncReport,
    SyncResult, MAX_REPORTED_FAILURES,
};
use crate::secrets::{Secret, SecretRef};

/// Which devices to ask.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceSelection {
    All,
    Ids(Vec<DeviceId>),
}

/// What calling a device's agent takes.
pub struct AgentEndpoint {
    pub id: DeviceId,
    pub name: String,
    pub agent_url: String,
    pub tls_fingerprint: Option<Fingerprint>,
    /// Per device, so one unreadable token fails one device, not the sync.
    pub token: Result<Secret, StoreError>,
}

/// What a product's row held before a sync, to tell whether it changed: its
/// configured and deployed versions and modules, as stored (compared as
/// text, not parsed: a sync reads thousands a second).
type Recorded = HashMap<ProductName, [Option<String>; 3]>;

impl Store {
    /// The devices of `selection` that are not retired, in id order: a walk
    /// of the table (name order went through the name index, row by row,
    /// while both cores waited for a sync's first device). Unknown ids are
    /// left out: the caller resolved them a moment ago.
    pub fn device_ids(&self, selection: &DeviceSelection) -> Result<Vec<DeviceId>, StoreError> {
        let conn = self.reader()?;
        let ids = match selection {
            DeviceSelection::All => conn
                .prepare_cached("SELECT id FROM devices WHERE retired_at_ms IS NULL ORDER BY id")?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?,
            DeviceSelection::Ids(ids) => conn
                .prepare_cached(
                    "SELECT id FROM devices WHERE retired_at_ms IS NULL
                     AND id IN (SELECT value FROM json_each(?1)) ORDER BY id",
                )?
                .query_map([id_list(ids)], |r| r.get(0))?
                .collect::<Result<_, _>>()?,
        };
        Ok(ids)
    }

    /// Where and how to call each of `ids`' agents, tokens included: one
    /// query for all of them.
    pub fn agent_endpoints(&self, ids: &[DeviceId]) -> Result<Vec<AgentEndpoint>, StoreError> {
        // id, name, URL, pin, token reference, clear token (not moved out yet)
        type Row = (
            DeviceId,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        );
        let rows: Vec<Row> = self
            .reader()?
            .prepare_cached(
                "SELECT id, name, agent_url, tls_fingerprint, token_ref, agent_token FROM devices
                 WHERE id IN (SELECT value FROM json_each(?1))",
            )?
            .query_map([id_list(ids)], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        // The secrets are read in one go: the file store reads its whole
        // file per call, which made a sync of N devices cost N² (48 s for
        // 10,000 before the first call).
        let refs: Vec<Option<Result<SecretRef, StoreError>>> = rows
            .iter()
            .map(|row| {
                row.4
                    .as_ref()
                    .map(|r| r.parse::<SecretRef>().map_err(StoreError::from))
            })
            .collect();
        let wanted: Vec<SecretRef> = refs.iter().flatten().flatten().copied().collect();
        let mut secrets = self.inner.secrets.get_many(&wanted).into_iter();
        rows.into_iter()
            .zip(refs)
            .map(|((id, name, agent_url, pin, _, clear), token_ref)| {
                let tls_fingerprint = pin
                    .map(|f| f.parse())
                    .transpose()
                    .map_err(|e| StoreError::Corrupt(format!("device {id} pin: {e}")))?;
                let token = match token_ref {
                    Some(Ok(_)) => match secrets.next() {
                        Some(secret) => secret.map_err(StoreError::from),
                        None => Err(StoreError::Corrupt(format!(
                            "device {id}: its agent token was not read"
                        ))),
                    },
                    Some(Err(e)) => Err(e),
                    None if !clear.is_empty() => Ok(Secret::new(clear)),
                    None => Err(StoreError::Corrupt(format!(
                        "device {id} has no agent token"
                    ))),
                };
                Ok(AgentEndpoint {
                    id,
                    name,
                    agent_url,
                    tls_fingerprint,
                    token,
                })
            })
            .collect()
    }

    /// Writes what one batch of devices answered, in one transaction, and
    /// counts it. A device that answered as another (its identity differs
    /// from the one adopted at first contact) is flagged and keeps its
    /// recorded versions; one that did not answer keeps them and gains the
    /// error. A device removed meanwhile is skipped.
    pub fn record_sync(&self, results: &[SyncResult]) -> Result<SyncReport, StoreError> {
        let mut conn = self.writer();
        let tx = conn.transaction()?;
        let mut report = SyncReport::default();
        // What the batch's devices held, read in one query rather than two
        // per device: a sync writes thousands of devices a second.
        let ids: Vec<DeviceId> = results.iter().map(|r| r.device).collect();
        let mut known = recorded(&tx, &ids)?;
        let mut failed = tx.prepare(
            "UPDATE devices SET last_sync_ms = ?2, latency_ms = ?3, last_error = ?4 WHERE id = ?1",
        )?;
        let mut mismatched = tx.prepare(
            "UPDATE devices SET reported_id = ?2, last_sync_ms = ?3, latency_ms = ?4,
             last_error = ?5 WHERE id = ?1",
        )?;
        let mut reached = tx.prepare(
            "UPDATE devices SET agent_id = ?2, reported_id = NULL, agent_labels = ?3,
             last_sync_ms = ?4, last_seen_ms = ?4, latency_ms = ?5, last_error = NULL
             WHERE id = ?1",
        )?;
        let mut product_writes = ProductWrites::new(&tx)?;
        for result in results {
            let Some(Known {
                name,
                adopted,
                labels: labels_before,
                products: products_before,
            }) = known.remove(&result.device)
            else {
                continue;
            };
            report.devices += 1;
            let at = ms(result.at);
            let fail = |report: &mut SyncReport, error: String| {
                if report.failures.len() < MAX_REPORTED_FAILURES {
                    report.failures.push(SyncFailure {
                        device: name.clone(),
                        error,
                    });
                }
            };
            match &result.outcome {
                SyncOutcome::Failed(error) => {
                    report.unreachable += 1;
                    failed.execute(params![result.device, at, result.latency_ms, error])?;
                    fail(&mut report, error.clone());
                }
                SyncOutcome::Reached(inv)
                    if adopted.as_ref().is_some_and(|a| *a != inv.agent_id) =>
                {
                    report.mismatched += 1;
                    let error = format!(
                        "the agent at its address reports the identity {:?}, not {:?}: a replaced device or a wrong address; its inventory was not taken",
                        inv.agent_id,
                        adopted.unwrap_or_default()
                    );
                    mismatched.execute(params![
                        result.device,
                        inv.agent_id,
                        at,
                        result.latency_ms,
                        error
                    ])?;
                    fail(&mut report, error);
                }
                SyncOutcome::Reached(inv) => {
                    report.reached += 1;
                    let labels = to_json(&inv.labels)?;
                    reached.execute(params![
                        result.device,
                        inv.agent_id,
                        labels,
                        at,
                        result.latency_ms
                    ])?;
                    let products_changed =
                        product_writes.put(result.device, products_before, inv)?;
                    if products_changed || labels_before != labels {
                        report.changed += 1;
                    }
                }
            }
        }
        drop((failed, mismatched, reached, product_writes));
        tx.commit()?;
        Ok(report)
    }

    /// The modules each product of a device runs, as its agent last said.
    pub fn device_modules(
        &self,
        id: DeviceId,
    ) -> Result<BTreeMap<ProductName, Vec<ModuleRef>>, StoreError> {
        let conn = self.reader()?;
        let mut stmt = conn.prepare_cached(
            "SELECT product, modules FROM device_products WHERE device_id = ?1 ORDER BY product",
        )?;
        let rows = stmt.query_map([id], |r| {
            let json: String = r.get(1)?;
            let modules: Vec<ModuleRef> =
                serde_json::from_str(&json).map_err(|e| bad_col(1, e.to_string()))?;
            Ok((r.get(0)?, modules))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// What a device's rows held before a sync.
struct Known {
    name: String,
    /// The identity adopted at first contact.
    adopted: Option<String>,
    /// The agent's labels as JSON.
    labels: String,
    products: Recorded,
}

/// The rows of the devices in `ids`, with their products'.
fn recorded(conn: &Connection, ids: &[DeviceId]) -> Result<HashMap<DeviceId, Known>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT d.id, d.name, d.agent_id, d.agent_labels,
                p.product, p.configured_version, p.deployed_version, p.modules
         FROM devices d LEFT JOIN device_products p ON p.device_id = d.id
         WHERE d.id IN (SELECT value FROM json_each(?1))",
    )?;
    let mut rows = stmt.query([id_list(ids)])?;
    let mut recorded: HashMap<DeviceId, Known> = HashMap::with_capacity(ids.len());
    while let Some(r) = rows.next()? {
        let id: DeviceId = r.get(0)?;
        let known = match recorded.entry(id) {
            Entry::Occupied(e) => e.into_mut(),
            Entry::Vacant(e) => e.insert(Known {
                name: r.get(1)?,
                adopted: r.get(2)?,
                labels: r.get(3)?,
                products: Recorded::new(),
            }),
        };
        if let Some(product) = r.get::<_, Option<ProductName>>(4)? {
            known
                .products
                .insert(product, [r.get(5)?, r.get(6)?, r.get(7)?]);
        }
    }
    Ok(recorded)
}

/// The statements that write a device's products, prepared once a batch.
struct ProductWrites<'c> {
    upsert: rusqlite::Statement<'c>,
    delete: rusqlite::Statement<'c>,
}

impl<'c> ProductWrites<'c> {
    fn new(conn: &'c Connection) -> Result<Self, StoreError> {
        Ok(ProductWrites {
            upsert: conn.prepare(
                "INSERT INTO device_products (device_id, product, configured_version, deployed_version, modules)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (device_id, product) DO UPDATE
                 SET configured_version = excluded.configured_version,
                     deployed_version = excluded.deployed_version, modules = excluded.modules",
            )?,
            delete: conn.prepare("DELETE FROM device_products WHERE device_id = ?1 AND product = ?2")?,
        })
    }

    /// Writes the products `inv` reports where they differ from `recorded`;
    /// whether any did.
    fn put(
        &mut self,
        device: DeviceId,
        recorded: Recorded,
        inv: &crate::domain::Inventory,
    ) -> Result<bool, StoreError> {
        let mut changed = false;
        for (product, p) in &inv.products {
            let row = [
                opt_version(&p.versions.configured),
                opt_version(&p.versions.deployed),
                Some(to_json(&p.modules)?),
            ];
            if recorded.get(product) == Some(&row) {
                continue;
            }
            changed = true;
            let [configured, deployed, modules] = row;
            self.upsert
                .execute(params![device, product, configured, deployed, modules])?;
        }
        for product in recorded.keys().filter(|p| !inv.products.contains_key(*p)) {
            changed = true;
            self.delete.execute(params![device, product])?;
        }
        Ok(changed)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Ids as one JSON array parameter, read back with `json_each`: any number
/// of them in one statement.
pub(super) fn id_list(ids: &[DeviceId]) -> String {
    let ids: Vec<i64> = ids.iter().map(|d| d.0).collect();
    serde_json::to_string(&ids).unwrap_or_else(|_| "[]".into())
}
