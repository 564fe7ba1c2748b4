//! The catalog: imported manifests, by product and version. Never accepts a
//! manifest that has not been validated by the domain.

use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};
use serde::Serialize;

use super::sql::{ms, SqlVersion};
use super::{Store, StoreError};
use crate::domain::{
    diff_modules, Action, Actor, Manifest, ModuleChange, ProductName, ValidationError, Version,
};

/// What importing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportOutcome {
    Imported,
    /// The same content was already there; nothing changed.
    Unchanged,
}

/// A product and its imported versions, lowest first by semver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProductVersions {
    pub product: ProductName,
    pub versions: Vec<Version>,
}

impl Store {
    /// Stores a validated manifest. The same content again is a no-op; a
    /// different manifest under an existing product version is a conflict,
    /// because devices may already run what the first one described.
    pub fn import_manifest(
        &self,
        actor: &Actor,
        m: &Manifest,
        now: DateTime<Utc>,
    ) -> Result<ImportOutcome, StoreError> {
        let objects = format!("{} {}", m.product, m.version);
        self.as_admin(actor, Action::ImportVersion, &objects, |tx| {
            let existing: Option<String> = tx
                .prepare_cached("SELECT body FROM manifests WHERE product = ?1 AND version = ?2")?
                .query_row(params![m.product, m.version.to_string()], |r| r.get(0))
                .optional()?;
            if let Some(body) = existing {
                let stored: Manifest = serde_json::from_str(&body)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                return if stored == *m {
                    Ok((ImportOutcome::Unchanged, "already imported, unchanged".to_owned()))
                } else {
                    Err(StoreError::conflict(
                        "version",
                        format!("{} {} is already imported with different content; publish a new version instead", m.product, m.version),
                    ))
                };
            }
            let body =
                serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            tx.prepare_cached(
                "INSERT INTO manifests (product, version, body, imported_at) VALUES (?1, ?2, ?3, ?4)",
            )?
            .execute(params![m.product, m.version.to_string(), body, ms(now)])?;
            Ok((ImportOutcome::Imported, format!("imported with {} modules", m.modules.len())))
        })
    }

    pub fn manifest(
        &self,
        product: &ProductName,
        version: &Version,
    ) -> Result<Option<Manifest>, StoreError> {
        manifest_in(&*self.reader()?, product, version)
    }

    /// Every product with its versions, products by name, versions by semver.
    pub fn products(&self) -> Result<Vec<ProductVersions>, StoreError> {
        let conn = self.reader()?;
        let mut stmt =
            conn.prepare_cached("SELECT product, version FROM manifests ORDER BY product")?;
        let rows = stmt.query_map([], |r| {
            Ok((r.get::<_, ProductName>(0)?, r.get::<_, SqlVersion>(1)?.0))
        })?;
        let mut out: Vec<ProductVersions> = Vec::new();
        for row in rows {
            let (product, version) = row?;
            match out.last_mut() {
                Some(p) if p.product == product => p.versions.push(version),
                _ => out.push(ProductVersions {
                    product,
                    versions: vec![version],
                }),
            }
        }
        for p in &mut out {
            p.versions.sort();
        }
        Ok(out)
    }

    /// The known versions of one product, lowest first; empty when unknown.
    pub fn versions_of(&self, product: &ProductName) -> Result<Vec<Version>, StoreError> {
        let conn = self.reader()?;
        versions_of(&conn, product)
    }

    /// The module changes from one version of a product to another.
    pub fn module_diff(
        &self,
        product: &ProductName,
        from: &Version,
        to: &Version,
    ) -> Result<Vec<ModuleChange>, StoreError> {
        let get = |field: &str, v: &Version| -> Result<Manifest, StoreError> {
            self.manifest(product, v)?.ok_or_else(|| {
                StoreError::Invalid(ValidationError::new(
                    field,
                    format!("unknown version {v} of {product}"),
                ))
            })
        };
        let old = get("from", from)?;
        let new = get("to", to)?;
        Ok(diff_modules(&old.modules, &new.modules))
    }
}

pub(super) fn versions_of(
    conn: &rusqlite::Connection,
    product: &ProductName,
) -> Result<Vec<Version>, StoreError> {
    let mut stmt = conn.prepare_cached("SELECT version FROM manifests WHERE product = ?1")?;
    let mut v = stmt
        .query_map([product], |r| r.get::<_, SqlVersion>(0).map(|v| v.0))?
        .collect::<Result<Vec<_>, _>>()?;
    v.sort();
    Ok(v)
}

pub(super) fn manifest_in(
    conn: &rusqlite::Connection,
    product: &ProductName,
    version: &Version,
) -> Result<Option<Manifest>, StoreError> {
    let body: Option<String> = conn
        .prepare_cached("SELECT body FROM manifests WHERE product = ?1 AND version = ?2")?
        .query_row(params![product, version.to_string()], |r| r.get(0))
        .optional()?;
    body.map(|b| serde_json::from_str(&b).map_err(|e| StoreError::Corrupt(e.to_string())))
        .transpose()
}
