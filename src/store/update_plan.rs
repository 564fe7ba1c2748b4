//! What planning an update reads before anything is written: the versions
//! each product may go to, the devices a set of targets applies to, a dry run
//! of a request's validation, and the module changes it would make on each
//! device. Nothing here writes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};

use super::devices::all_devices;
use super::sql::{bad_col, opt_version_col};
use super::updates::{catalog_for, settled_sql, validate_update};
use super::{Store, StoreError};
use crate::domain::target::device_targets;
use crate::domain::{
    check_targets, pending_changes, running_counts, version_choices, ChangeSets, Device, DeviceId,
    DeviceTarget, Module, ModuleRef, NewTarget, NewUpdate, ProductChanges, ProductName,
    ProductVersions, Target, UpdateId, ValidUpdate, Version, VersionChoice, VersionPair,
};

/// One product as the version list shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductChoices {
    pub product: ProductName,
    /// Versions some device could go to, newest first; empty when every
    /// device is at the newest.
    pub versions: Vec<VersionChoice>,
    /// Devices per version they run now, newest first.
    pub running: Vec<(Option<Version>, usize)>,
}

/// The devices a set of targets applies to, with the targets as checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DevicePlan {
    pub targets: Vec<Target>,
    pub devices: Vec<PlanDevice>,
}

/// A device the chosen targets apply to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanDevice {
    pub device: Device,
    /// The targets it takes, with its versions now.
    pub targets: Vec<DeviceTarget>,
    /// An update it is already part of that has not settled on it.
    pub unfinished: Option<UpdateId>,
}

impl Store {
    /// Every product of the catalog with the versions an update may offer.
    pub fn update_choices(&self) -> Result<Vec<ProductChoices>, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let mut pairs = conn.prepare_cached(
            "SELECT p.configured_version, p.deployed_version, count(*)
             FROM device_products p JOIN devices d ON d.id = p.device_id
             WHERE p.product = ?1 AND d.retired_at_ms IS NULL
             GROUP BY 1, 2",
        )?;
        let mut out = Vec::new();
        for entry in self.products()? {
            let fleet: Vec<VersionPair> = pairs
                .query_map([&entry.product], |r| {
                    let devices: i64 = r.get(2)?;
                    Ok(VersionPair {
                        versions: ProductVersions {
                            configured: opt_version_col(r, 0)?,
                            deployed: opt_version_col(r, 1)?,
                        },
                        devices: usize::try_from(devices).unwrap_or_default(),
                    })
                })?
                .collect::<Result<_, _>>()?;
            out.push(ProductChoices {
                versions: version_choices(&entry.versions, &fleet),
                running: running_counts(&fleet),
                product: entry.product,
            });
        }
        Ok(out)
    }

    /// The devices `targets` apply to (each takes the targets of the
    /// products it has, all higher than what it has), by name. Refused by
    /// field when a target is.
    pub fn plan_devices(&self, targets: &[NewTarget]) -> Result<DevicePlan, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let targets = check_targets(targets, &catalog_for(&conn, targets)?)?;
        let unfinished = unfinished_updates(&conn)?;
        let devices = all_devices(&conn)?
            .into_iter()
            .filter_map(|device| {
                let targets = device_targets(&device, &targets).ok()?;
                Some(PlanDevice {
                    unfinished: unfinished.get(&device.id).copied(),
                    targets,
                    device,
                })
            })
            .collect();
        Ok(DevicePlan { targets, devices })
    }

    /// Validates a request as [`Store::create_update`] would, writing
    /// nothing: what the wizard checks before Approve.
    pub fn check_update(
        &self,
        req: NewUpdate,
        now: DateTime<Utc>,
    ) -> Result<ValidUpdate, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        validate_update(&conn, req, now)
    }

    /// Per device of a checked request, the module operations each of its
    /// targets makes from what the device runs: its agent's last report, or
    /// the modules of the version it runs when no report lists any.
    pub fn pending_changes(&self, valid: &ValidUpdate) -> Result<ChangeSets, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let mut manifests: HashMap<(ProductName, Version), Vec<Module>> = HashMap::new();
        let mut per_device = Vec::with_capacity(valid.devices.len());
        for d in &valid.devices {
            let mut products = Vec::with_capacity(d.targets.len());
            for t in &d.targets {
                let target = modules_of(&conn, &mut manifests, &t.product, &t.version)?.to_vec();
                let mut running = reported_modules(&conn, d.device, &t.product)?;
                if running.is_empty() {
                    if let Some(deployed) = &t.previous.deployed {
                        running = modules_of(&conn, &mut manifests, &t.product, deployed)?
                            .iter()
                            .map(|m| ModuleRef {
                                name: m.name.clone(),
                                version: m.version.clone(),
                            })
                            .collect();
                    }
                }
                products.push(ProductChanges {
                    product: t.product.clone(),
                    from: t.previous.deployed.clone(),
                    to: t.version.clone(),
                    changes: pending_changes(&running, &target),
                });
            }
            per_device.push((d.device, products));
        }
        Ok(ChangeSets::of(per_device))
    }
}

/// Per device with a device update that has not settled, the oldest such
/// update.
fn unfinished_updates(conn: &Connection) -> Result<BTreeMap<DeviceId, UpdateId>, StoreError> {
    let sql = format!(
        "SELECT du.device_id, MIN(du.update_id) FROM device_updates du
         WHERE NOT {} GROUP BY du.device_id",
        settled_sql("du")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// The modules a device's agent last reported for a product (none before a sync).
fn reported_modules(
    conn: &Connection,
    device: DeviceId,
    product: &ProductName,
) -> Result<Vec<ModuleRef>, StoreError> {
    let json: Option<String> = conn
        .prepare_cached(
            "SELECT modules FROM device_products WHERE device_id = ?1 AND product = ?2",
        )?
        .query_row(rusqlite::params![device, product], |r| r.get(0))
        .optional()?;
    match json {
        None => Ok(Vec::new()),
        Some(json) => serde_json::from_str(&json).map_err(|e| bad_col(0, e.to_string()).into()),
    }
}

/// A version's modules from the catalog (empty when it is not there),
/// read once per plan.
fn modules_of<'a>(
    conn: &Connection,
    cache: &'a mut HashMap<(ProductName, Version), Vec<Module>>,
    product: &ProductName,
    version: &Version,
) -> Result<&'a [Module], StoreError> {
    let key = (product.clone(), version.clone());
    if !cache.contains_key(&key) {
        let modules = super::products::manifest_in(conn, product, version)?
            .map(|m| m.modules)
            .unwrap_or_default();
        cache.insert(key.clone(), modules);
    }
    Ok(&cache[&key])
}
