//! The fleet: devices, their labels and per-product versions. Never talks to
//! agents.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, OptionalExtension};

use rollwright_protocol::FingerprintError;

use super::sql::{bad_col, opt_time_col, opt_version, opt_version_col};
use super::{Store, StoreError};
use crate::domain::device::eligible_devices;
use crate::domain::{
    Action, Actor, Device, DeviceId, Eligible, Fingerprint, Labels, ProductName, ProductVersions,
    Reach, ValidDevice, ValidationError, Version,
};
use crate::secrets::Secret;

pub(super) const DEVICE_COLS: &str =
    "SELECT id, name, agent_url, labels, tls_fingerprint, agent_labels,
    agent_id, reported_id, last_sync_ms, last_seen_ms, latency_ms, last_error FROM devices";

impl Store {
    /// How many devices the landscape holds (retired ones not counted).
    pub fn device_count(&self) -> Result<u64, StoreError> {
        let n: i64 = self.reader()?.query_row(
            "SELECT count(*) FROM devices WHERE retired_at_ms IS NULL",
            [],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Registers a device. A taken name is a conflict.
    pub fn add_device(&self, actor: &Actor, d: &ValidDevice) -> Result<Device, StoreError> {
        self.as_admin(
            actor,
            Action::AddDevice,
            &format!("device {}", d.name),
            |tx| {
                if let Some(rule) = super::device_admin::name_taken(tx, &d.name)? {
                    return Err(StoreError::conflict("name", rule));
                }
                let labels = serde_json::to_string(&d.labels)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            // The token goes to the secret store; the row keeps its reference.
            let token_ref = self.inner.secrets.put(&Secret::new(d.agent_token.clone()))?;
            let inserted = tx
                .prepare_cached(
                    "INSERT INTO devices (name, agent_url, agent_token, labels, tls_fingerprint, token_ref)
                     VALUES (?1, ?2, '', ?3, ?4, ?5)",
                )?
                .execute(params![
                    d.name,
                    d.agent_url,
                    labels,
                    d.tls_fingerprint.map(|f| f.to_string()),
                    token_ref.to_string()
                ]);
            if let Err(e) = inserted {
                self.forget_secret(&token_ref);
                return Err(e.into());
            }
            let id = DeviceId(tx.last_insert_rowid());
                for (product, v) in &d.products {
                    put_versions(tx, id, product, v)?;
                }
                let device =
                    load_device(tx, id)?.ok_or_else(|| StoreError::not_found("device", id))?;
                Ok((device, format!("added as device {id}")))
            },
        )
    }

    /// Pins the certificate `fingerprint` for `name`'s agent, replacing the
    /// one pinned before: the admin's explicit "trust the new certificate",
    /// after comparing it with what the agent prints.
    pub fn trust_certificate(
        &self,
        actor: &Actor,
        name: &str,
        fingerprint: &Fingerprint,
    ) -> Result<Device, StoreError> {
        self.as_admin(actor, Action::EditDevice, &format!("device {name}"), |tx| {
            let device = tx
                .prepare_cached(&format!(
                "{DEVICE_COLS} WHERE name = ?1 AND retired_at_ms IS NULL"
            ))?
                .query_row([name], device_row)
                .optional()?
                .ok_or_else(|| StoreError::not_found("device", name))?;
            let Some(before) = device.tls_fingerprint else {
                return Err(StoreError::conflict(
                    "name",
                    format!("device {name:?} is reached over plain http on loopback; it has no certificate to trust"),
                ));
            };
            tx.prepare_cached("UPDATE devices SET tls_fingerprint = ?2 WHERE id = ?1")?
                .execute(params![device.id, fingerprint.to_string()])?;
            let device =
                load_device(tx, device.id)?.ok_or_else(|| StoreError::not_found("device", name))?;
            Ok((
                device,
                format!("trusted certificate {fingerprint} (was {before})"),
            ))
        })
    }

    /// Every device, by name.
    pub fn devices(&self) -> Result<Vec<Device>, StoreError> {
        // One snapshot for all its queries.
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        all_devices(&conn)
    }

    pub fn device(&self, id: DeviceId) -> Result<Option<Device>, StoreError> {
        load_device(&*self.reader()?, id)
    }

    pub fn device_by_name(&self, name: &str) -> Result<Option<Device>, StoreError> {
        let conn = self.reader()?;
        let id: Option<DeviceId> = conn
            .prepare_cached("SELECT id FROM devices WHERE name = ?1 AND retired_at_ms IS NULL")?
            .query_row([name], |r| r.get(0))
            .optional()?;
        match id {
            Some(id) => load_device(&conn, id),
            None => Ok(None),
        }
    }

    /// Devices that an update of `product` to `version` can include. An
    /// unknown product or version is an error rather than an empty list, so a
    /// typo does not read as "nothing to do".
    pub fn eligible(
        &self,
        product: &ProductName,
        version: &Version,
    ) -> Result<Vec<Eligible>, StoreError> {
        // One snapshot for all its queries.
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let versions = super::products::versions_of(&conn, product)?;
        if versions.is_empty() {
            return Err(
                ValidationError::new("product", format!("unknown product {product:?}")).into(),
            );
        }
        if !versions.contains(version) {
            return Err(ValidationError::new(
                "version",
                format!("unknown version {version} of {product}"),
            )
            .into());
        }
        Ok(eligible_devices(&all_devices(&conn)?, product, version))
    }
}

pub(super) fn put_versions(
    conn: &Connection,
    id: DeviceId,
    product: &ProductName,
    v: &ProductVersions,
) -> Result<(), StoreError> {
    let n = conn
        .prepare_cached(
            "INSERT INTO device_products (device_id, product, configured_version, deployed_version)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (device_id, product) DO UPDATE
             SET configured_version = excluded.configured_version, deployed_version = excluded.deployed_version",
        )?
        .execute(params![id, product, opt_version(&v.configured), opt_version(&v.deployed)]);
    match n {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::ConstraintViolation =>
        {
            Err(StoreError::not_found("device", id))
        }
        other => other.map(|_| ()).map_err(Into::into),
    }
}

pub(super) fn device_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Device> {
    let labels_col = |i: usize| -> rusqlite::Result<Labels> {
        let json: String = r.get(i)?;
        serde_json::from_str(&json).map_err(|e| bad_col(i, e.to_string()))
    };
    let admin_labels = labels_col(3)?;
    let mut labels = labels_col(5)?;
    labels.extend(admin_labels.clone());
    Ok(Device {
        id: r.get(0)?,
        name: r.get(1)?,
        agent_url: r.get(2)?,
        tls_fingerprint: r
            .get::<_, Option<String>>(4)?
            .map(|f| {
                f.parse()
                    .map_err(|e: FingerprintError| bad_col(4, e.to_string()))
            })
            .transpose()?,
        labels,
        admin_labels,
        products: BTreeMap::new(),
        reach: Reach {
            agent_id: r.get(6)?,
            reported_id: r.get(7)?,
            last_sync: opt_time_col(r, 8)?,
            last_seen: opt_time_col(r, 9)?,
            latency_ms: r.get(10)?,
            last_error: r.get(11)?,
        },
    })
}

pub(super) fn product_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(DeviceId, ProductName, ProductVersions)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        ProductVersions {
            configured: opt_version_col(r, 2)?,
            deployed: opt_version_col(r, 3)?,
        },
    ))
}

pub(super) fn load_device(conn: &Connection, id: DeviceId) -> Result<Option<Device>, StoreError> {
    let Some(mut d) = conn
        .prepare_cached(&format!("{DEVICE_COLS} WHERE id = ?1"))?
        .query_row([id], device_row)
        .optional()?
    else {
        return Ok(None);
    };
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, product, configured_version, deployed_version FROM device_products WHERE device_id = ?1",
    )?;
    for row in stmt.query_map([id], product_row)? {
        let (_, p, v) = row?;
        d.products.insert(p, v);
    }
    Ok(Some(d))
}

/// Two queries for the whole fleet rather than one per device. Retired
/// devices are left out: they are kept only for their history.
pub(super) fn all_devices(conn: &Connection) -> Result<Vec<Device>, StoreError> {
    let mut devices: Vec<Device> = conn
        .prepare_cached(&format!(
            "{DEVICE_COLS} WHERE retired_at_ms IS NULL ORDER BY name"
        ))?
        .query_map([], device_row)?
        .collect::<Result<_, _>>()?;
    let index: BTreeMap<DeviceId, usize> =
        devices.iter().enumerate().map(|(i, d)| (d.id, i)).collect();
    let mut stmt = conn.prepare_cached(
        "SELECT device_id, product, configured_version, deployed_version FROM device_products",
    )?;
    for row in stmt.query_map([], product_row)? {
        let (id, p, v) = row?;
        if let Some(&i) = index.get(&id) {
            devices[i].products.insert(p, v);
        }
    }
    Ok(devices)
}
