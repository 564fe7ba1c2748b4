//! The admin's changes to the fleet beyond adding one device: an import of
//! many (all or none), editing labels, and removing, which *retires* a
//! device with update history rather than deleting it, so its history keeps
//! its subject. Each goes through the gate. Never talks to agents.

use std::collections::HashMap;

use chrono::Utc;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;

use super::devices::{load_device, put_versions};
use super::sql::ms;
use super::updates::settled_sql;
use super::{Store, StoreError};
use crate::domain::label_edit::edit_labels;
use crate::domain::{Action, Actor, Device, DeviceId, Labels, ValidDevice, ValidationError};
use crate::secrets::{Secret, SecretRef};

/// A device an import added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedDevice {
    pub id: DeviceId,
    pub name: String,
}

/// What an import added, in the order of its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: Vec<ImportedDevice>,
}

/// What [`Store::remove_device`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Removal {
    /// It had no update history: gone, with its downtime memberships.
    Deleted,
    /// It had update history: kept for it, out of every list, its token
    /// forgotten and its name still taken.
    Retired,
}

/// How many taken names an import's refusal lists by row.
const LISTED_CONFLICTS: usize = 10;

impl Store {
    /// Adds every device of `rows`, or none: a name repeated in `rows`, or
    /// already taken in the fleet (retired devices included), is refused
    /// naming `rows[i].name`. The tokens go to the secret store in one
    /// batch; when anything fails they are deleted again.
    pub fn import_devices(
        &self,
        actor: &Actor,
        rows: &[ValidDevice],
    ) -> Result<ImportReport, StoreError> {
        let objects = match rows {
            [one] => format!("1 device from import ({})", one.name),
            _ => format!("{} devices from import", rows.len()),
        };
        // The tokens stored so far, to forget if the transaction does not
        // commit (a refusal, a failed insert, or the commit itself).
        let mut stored: Vec<SecretRef> = Vec::new();
        let imported = self.as_admin(actor, Action::AddDevice, &objects, |tx| {
            if rows.is_empty() {
                return Err(
                    ValidationError::new("rows", "nothing to import: give at least one device")
                        .into(),
                );
            }
            check_names(tx, rows)?;
            // Checked before any token is stored, so a refusal costs none.
            let tokens: Vec<Secret> = rows
                .iter()
                .map(|d| Secret::new(d.agent_token.clone()))
                .collect();
            stored = self.inner.secrets.put_many(&tokens)?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO devices (name, agent_url, agent_token, labels, tls_fingerprint, token_ref)
                 VALUES (?1, ?2, '', ?3, ?4, ?5)",
            )?;
            let mut added = Vec::with_capacity(rows.len());
            for (d, token_ref) in rows.iter().zip(&stored) {
                let labels = serde_json::to_string(&d.labels)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                insert.execute(params![
                    d.name,
                    d.agent_url,
                    labels,
                    d.tls_fingerprint.map(|f| f.to_string()),
                    token_ref.to_string()
                ])?;
                let id = DeviceId(tx.last_insert_rowid());
                for (product, v) in &d.products {
                    put_versions(tx, id, product, v)?;
                }
                added.push(ImportedDevice {
                    id,
                    name: d.name.clone(),
                });
            }
            let did = format!("imported {} devices", added.len());
            Ok((ImportReport { added }, did))
        });
        if imported.is_err() && !stored.is_empty() {
            self.forget_secrets(&stored);
        }
        imported
    }

    /// Sets (adds or replaces) and unsets the admin's labels of `name`,
    /// by the domain's [`edit_labels`]; returns the device as it is now.
    pub fn set_labels(
        &self,
        actor: &Actor,
        name: &str,
        set: &[(String, String)],
        unset: &[String],
    ) -> Result<Device, StoreError> {
        self.as_admin(actor, Action::EditDevice, &format!("device {name}"), |tx| {
            let (id, labels): (DeviceId, String) = tx
                .prepare_cached(
                    "SELECT id, labels FROM devices WHERE name = ?1 AND retired_at_ms IS NULL",
                )?
                .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()?
                .ok_or_else(|| StoreError::not_found("device", name))?;
            let current: Labels = serde_json::from_str(&labels)
                .map_err(|e| StoreError::Corrupt(format!("devices.labels of {name}: {e}")))?;
            let edited = edit_labels(&current, set, unset)?;
            let json =
                serde_json::to_string(&edited).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.prepare_cached("UPDATE devices SET labels = ?2 WHERE id = ?1")?
                .execute(params![id, json])?;
            let device =
                load_device(tx, id)?.ok_or_else(|| StoreError::not_found("device", name))?;
            Ok((device, label_change(set, unset)))
        })
    }

    /// Removes `name`. Refused while one of its device updates is not
    /// settled (the engine still has work there). A device with finished
    /// update history is retired; one without is deleted. Either way its
    /// token leaves the secret store.
    pub fn remove_device(&self, actor: &Actor, name: &str) -> Result<Removal, StoreError> {
        let (removal, token_ref) = self.as_admin(
            actor,
            Action::RemoveDevice,
            &format!("device {name}"),
            |tx| {
                let (id, token_ref): (DeviceId, Option<String>) = tx
                    .prepare_cached(
                        "SELECT id, token_ref FROM devices WHERE name = ?1 AND retired_at_ms IS NULL",
                    )?
                    .query_row([name], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?
                    .ok_or_else(|| StoreError::not_found("device", name))?;
                let unfinished: Option<(i64, String)> = tx
                    .prepare_cached(&format!(
                        "SELECT du.update_id, du.status FROM device_updates du
                         WHERE du.device_id = ?1 AND NOT {}
                         ORDER BY du.update_id LIMIT 1",
                        settled_sql("du")
                    ))?
                    .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
                    .optional()?;
                if let Some((update, status)) = unfinished {
                    return Err(StoreError::conflict(
                        "name",
                        format!(
                            "device {name:?} has an unfinished update: in update {update} its device update is {status}; \
                             cancel it or wait until it ends, then remove the device"
                        ),
                    ));
                }
                let history: i64 = tx
                    .prepare_cached("SELECT COUNT(*) FROM device_updates WHERE device_id = ?1")?
                    .query_row([id], |r| r.get(0))?;
                if history == 0 {
                    tx.prepare_cached("DELETE FROM devices WHERE id = ?1")?
                        .execute([id])?;
                    return Ok(((Removal::Deleted, token_ref), "removed".to_owned()));
                }
                // The row stays for its history; the token goes (blanked
                // too, in case it was never moved out of the row).
                tx.prepare_cached(
                    "UPDATE devices SET retired_at_ms = ?2, token_ref = NULL, agent_token = ''
                     WHERE id = ?1",
                )?
                .execute(params![id, ms(Utc::now())])?;
                Ok((
                    (Removal::Retired, token_ref),
                    format!(
                        "retired: kept for the history of its {history} device updates; its token forgotten"
                    ),
                ))
            },
        )?;
        if let Some(r) = token_ref.and_then(|r| r.parse::<SecretRef>().ok()) {
            self.forget_secret(&r);
        }
        Ok(removal)
    }

    /// Deletes secrets nobody refers to any more, in one batch; a failure
    /// leaves orphans in the secret store, which is logged, not fatal.
    fn forget_secrets(&self, refs: &[SecretRef]) {
        if let Err(e) = self.inner.secrets.delete_many(refs) {
            tracing::warn!("cannot delete {} unused agent tokens: {e}", refs.len());
        }
    }
}

/// Why `name` cannot be given to a new device, if it cannot: a device has
/// it, or a retired one keeps it. Shared by `add_device` and the import.
pub(super) fn name_taken(conn: &Connection, name: &str) -> Result<Option<String>, StoreError> {
    let retired: Option<bool> = conn
        .prepare_cached("SELECT retired_at_ms IS NOT NULL FROM devices WHERE name = ?1")?
        .query_row([name], |r| r.get(0))
        .optional()?;
    Ok(retired.map(|retired| {
        if retired {
            format!("a retired device keeps the name {name:?} for its update history; choose another name")
        } else {
            format!("a device named {name:?} already exists")
        }
    }))
}

/// Refuses a name given twice in `rows` (invalid input) or taken in the
/// fleet (a conflict, listing the first few rows that clash).
fn check_names(conn: &Connection, rows: &[ValidDevice]) -> Result<(), StoreError> {
    let mut first: HashMap<&str, usize> = HashMap::with_capacity(rows.len());
    for (i, d) in rows.iter().enumerate() {
        if let Some(j) = first.insert(&d.name, i) {
            return Err(ValidationError::new(
                format!("rows[{i}].name"),
                format!(
                    "{:?} is also the name of rows[{j}]; a name may appear once",
                    d.name
                ),
            )
            .into());
        }
    }
    let mut clashes = Vec::new();
    for (i, d) in rows.iter().enumerate() {
        if let Some(rule) = name_taken(conn, &d.name)? {
            clashes.push((i, rule));
        }
    }
    let Some((i, rule)) = clashes.first() else {
        return Ok(());
    };
    let mut rule = rule.clone();
    if clashes.len() > 1 {
        let listed: Vec<String> = clashes[1..]
            .iter()
            .take(LISTED_CONFLICTS)
            .map(|(i, _)| format!("rows[{i}]"))
            .collect();
        let more = if clashes.len() - 1 > LISTED_CONFLICTS {
            ", …"
        } else {
            ""
        };
        let others = match clashes.len() - 1 {
            1 => "1 more row names a taken device".to_owned(),
            n => format!("{n} more rows name taken devices"),
        };
        rule += &format!("; {others}: {}{more}", listed.join(", "));
    }
    Err(StoreError::conflict(&format!("rows[{i}].name"), rule))
}

/// The audit entry's words for a label edit.
fn label_change(set: &[(String, String)], unset: &[String]) -> String {
    let mut parts = Vec::new();
    if !set.is_empty() {
        let pairs: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.push(format!("set {}", pairs.join(", ")));
    }
    if !unset.is_empty() {
        parts.push(format!("unset {}", unset.join(", ")));
    }
    format!("labels: {}", parts.join("; "))
}
