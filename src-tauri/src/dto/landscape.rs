//! The landscape's shapes: devices by the page, a device's detail, the
//! version spread, sync reports, the agent check of a new device, and the
//! catalog with its module diff.

use std::collections::BTreeMap;

use super::TargetView;
use rollwright::domain::device_csv::{ImportRowsReport, RowOutcome};
use rollwright::domain::{
    Device, DeviceUpdateStatus, Inventory, Manifest, Module, ModuleChange, ModuleRef, ProductName,
    ProductVersions, RawDeviceQuery, Reachability, SyncReport,
};
use rollwright::engine::SyncProgress;
use rollwright::store::{DeviceHistoryItem, DevicePage, VersionSpread};
use serde::{Deserialize, Serialize};

/// Which devices to list; empty fields match everything.
#[derive(Debug, Default, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceQueryDto {
    pub text: Option<String>,
    /// `key=value`, all must match.
    pub labels: Vec<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    /// `unknown`, `reachable`, `unreachable` or `identity_mismatch`.
    pub reach: Option<String>,
    pub drifted: bool,
    /// `name`, `last_seen` or `latency`.
    pub sort: Option<String>,
    pub descending: bool,
    pub offset: u32,
    pub limit: u32,
}

impl From<DeviceQueryDto> for RawDeviceQuery {
    fn from(q: DeviceQueryDto) -> RawDeviceQuery {
        let blank = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        RawDeviceQuery {
            text: blank(q.text),
            labels: q.labels,
            product: blank(q.product),
            version: blank(q.version),
            reach: blank(q.reach),
            drifted: q.drifted,
            sort: blank(q.sort),
            descending: q.descending,
            offset: q.offset as usize,
            limit: Some(q.limit as usize),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ProductState {
    pub product: String,
    pub configured: Option<String>,
    pub deployed: Option<String>,
    /// Configured at one version, running another.
    pub drifted: bool,
}

impl ProductState {
    fn new(product: &ProductName, v: ProductVersions) -> ProductState {
        ProductState {
            product: product.to_string(),
            drifted: v.drifted(),
            configured: v.configured.map(|v| v.to_string()),
            deployed: v.deployed.map(|v| v.to_string()),
        }
    }
}

/// The newest update a device took part in.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceUpdateRef {
    pub update: i64,
    pub device_update: String,
    pub title: String,
    /// The update's products that applied to the device.
    pub targets: Vec<TargetView>,
    pub option: String,
    pub status: DeviceUpdateStatus,
    pub window_from: String,
    pub window_to: String,
    pub actual_end: Option<String>,
}

impl From<DeviceHistoryItem> for DeviceUpdateRef {
    fn from(h: DeviceHistoryItem) -> DeviceUpdateRef {
        DeviceUpdateRef {
            update: h.update.0,
            device_update: h.device_update.to_string(),
            title: h.title,
            targets: TargetView::list(&h.targets),
            option: h.option,
            status: h.status,
            window_from: h.window_from.to_rfc3339(),
            window_to: h.window_to.to_rfc3339(),
            actual_end: h.actual_end.map(|t| t.to_rfc3339()),
        }
    }
}

/// One row of the devices table.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceRow {
    pub id: i64,
    pub name: String,
    pub agent_url: String,
    /// What it goes by: the agent's labels with the admin's on top.
    pub labels: BTreeMap<String, String>,
    /// The labels an admin set.
    pub admin_labels: BTreeMap<String, String>,
    pub reach: Reachability,
    pub last_seen: Option<String>,
    pub last_sync: Option<String>,
    pub latency_ms: Option<u32>,
    pub last_error: Option<String>,
    pub agent_id: Option<String>,
    /// The identity the agent at its address reports instead, when flagged.
    pub reported_id: Option<String>,
    pub products: Vec<ProductState>,
    pub last_update: Option<DeviceUpdateRef>,
}

impl DeviceRow {
    pub fn new(d: Device, last_update: Option<DeviceHistoryItem>) -> DeviceRow {
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map(|t| t.to_rfc3339());
        DeviceRow {
            id: d.id.0,
            reach: d.reach.state(),
            last_seen: time(d.reach.last_seen),
            last_sync: time(d.reach.last_sync),
            latency_ms: d.reach.latency_ms,
            last_error: d.reach.last_error,
            agent_id: d.reach.agent_id,
            reported_id: d.reach.reported_id,
            products: d
                .products
                .into_iter()
                .map(|(p, v)| ProductState::new(&p, v))
                .collect(),
            name: d.name,
            agent_url: d.agent_url,
            labels: d.labels,
            admin_labels: d.admin_labels,
            last_update: last_update.map(DeviceUpdateRef::from),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DevicePageDto {
    /// Devices matching the query in all.
    pub total: u32,
    pub offset: u32,
    pub devices: Vec<DeviceRow>,
}

impl From<DevicePage> for DevicePageDto {
    fn from(mut p: DevicePage) -> DevicePageDto {
        DevicePageDto {
            total: p.total as u32,
            offset: p.offset as u32,
            devices: p
                .devices
                .into_iter()
                .map(|d| {
                    let last = p.last_updates.remove(&d.id);
                    DeviceRow::new(d, last)
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ModuleDto {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ProductModules {
    pub product: String,
    pub modules: Vec<ModuleDto>,
}

impl From<ModuleRef> for ModuleDto {
    fn from(m: ModuleRef) -> ModuleDto {
        ModuleDto {
            name: m.name,
            version: m.version,
        }
    }
}

impl From<Module> for ModuleDto {
    fn from(m: Module) -> ModuleDto {
        ModuleDto {
            name: m.name,
            version: m.version,
        }
    }
}

impl ProductModules {
    pub fn new(product: &ProductName, modules: Vec<ModuleRef>) -> ProductModules {
        ProductModules {
            product: product.to_string(),
            modules: modules.into_iter().map(ModuleDto::from).collect(),
        }
    }
}

/// The detail pane: the device, what it runs module by module, its updates.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceDetail {
    pub device: DeviceRow,
    pub modules: Vec<ProductModules>,
    pub history: Vec<DeviceUpdateRef>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct VersionCountDto {
    pub version: String,
    pub configured: u32,
    pub deployed: u32,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct VersionSpreadDto {
    pub product: String,
    /// Newest first.
    pub versions: Vec<VersionCountDto>,
    /// Devices that have the product at all.
    pub devices: u32,
}

impl From<VersionSpread> for VersionSpreadDto {
    fn from(s: VersionSpread) -> VersionSpreadDto {
        VersionSpreadDto {
            product: s.product.to_string(),
            versions: s
                .versions
                .into_iter()
                .map(|v| VersionCountDto {
                    version: v.version.to_string(),
                    configured: v.configured as u32,
                    deployed: v.deployed as u32,
                })
                .collect(),
            devices: s.devices as u32,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct SyncFailureDto {
    pub device: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct SyncReportDto {
    pub devices: u32,
    pub reached: u32,
    pub unreachable: u32,
    pub mismatched: u32,
    pub changed: u32,
    pub failures: Vec<SyncFailureDto>,
}

/// How far a sync got: `written` of its `devices` read and recorded.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct SyncProgressDto {
    pub devices: u32,
    pub written: u32,
}

impl From<SyncProgress> for SyncProgressDto {
    fn from(p: SyncProgress) -> SyncProgressDto {
        SyncProgressDto {
            devices: p.devices as u32,
            written: p.written as u32,
        }
    }
}

impl From<SyncReport> for SyncReportDto {
    fn from(r: SyncReport) -> SyncReportDto {
        SyncReportDto {
            devices: r.devices as u32,
            reached: r.reached as u32,
            unreachable: r.unreachable as u32,
            mismatched: r.mismatched as u32,
            changed: r.changed as u32,
            failures: r
                .failures
                .into_iter()
                .map(|f| SyncFailureDto {
                    device: f.device,
                    error: f.error,
                })
                .collect(),
        }
    }
}

/// A device to add, as typed in the add dialog.
#[derive(Debug, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct NewDeviceDto {
    pub name: String,
    pub agent_url: String,
    pub agent_token: String,
    pub tls_fingerprint: Option<String>,
    /// `key=value`.
    pub labels: Vec<String>,
}

impl From<NewDeviceDto> for rollwright::domain::NewDevice {
    fn from(d: NewDeviceDto) -> Self {
        rollwright::domain::NewDevice {
            name: d.name,
            agent_url: d.agent_url,
            agent_token: d.agent_token,
            tls_fingerprint: d.tls_fingerprint.filter(|f| !f.trim().is_empty()),
            labels: d.labels,
            products: BTreeMap::new(),
        }
    }
}

/// Who answered at a new device's address, before it is saved.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct AgentCheck {
    pub agent_id: String,
    pub labels: BTreeMap<String, String>,
    pub products: Vec<ProductState>,
    pub modules: Vec<ProductModules>,
}

impl From<Inventory> for AgentCheck {
    fn from(inv: Inventory) -> AgentCheck {
        let mut products = Vec::new();
        let mut modules = Vec::new();
        for (p, state) in inv.products {
            products.push(ProductState::new(&p, state.versions));
            modules.push(ProductModules::new(&p, state.modules));
        }
        AgentCheck {
            agent_id: inv.agent_id,
            labels: inv.labels,
            products,
            modules,
        }
    }
}

/// One version of the catalog.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct CatalogVersion {
    pub version: String,
    pub release_notes: String,
    pub modules: Vec<ModuleDto>,
}

impl From<Manifest> for CatalogVersion {
    fn from(m: Manifest) -> CatalogVersion {
        CatalogVersion {
            version: m.version.to_string(),
            release_notes: m.release_notes,
            modules: m.modules.into_iter().map(ModuleDto::from).collect(),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct CatalogProduct {
    pub product: String,
    /// Newest first.
    pub versions: Vec<CatalogVersion>,
}

/// One line of the module diff between two versions.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ModuleDiffRow {
    pub name: String,
    /// `added`, `removed` or `modified`.
    pub change: String,
    pub from: Option<String>,
    pub to: Option<String>,
}

impl From<ModuleChange> for ModuleDiffRow {
    fn from(c: ModuleChange) -> ModuleDiffRow {
        match c {
            ModuleChange::Added(m) => ModuleDiffRow {
                name: m.name,
                change: "added".into(),
                from: None,
                to: Some(m.version),
            },
            ModuleChange::Removed(m) => ModuleDiffRow {
                name: m.name,
                change: "removed".into(),
                from: Some(m.version),
                to: None,
            },
            ModuleChange::Modified { from, to } => ModuleDiffRow {
                name: to.name,
                change: "modified".into(),
                from: Some(from.version),
                to: Some(to.version),
            },
        }
    }
}

/// What importing a version from a manifest file did.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ImportedVersion {
    pub product: String,
    pub version: String,
    /// False when the same manifest was imported before.
    pub new: bool,
}

/// One row of a CSV import's report.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ImportRowDto {
    /// Counted from 0 after the header, as in `rows[i]`.
    pub row: u32,
    pub line: u32,
    pub name: String,
    /// `added`, `valid` (fine, but not added: another row was not) or `invalid`.
    pub status: String,
    pub field: Option<String>,
    pub rule: Option<String>,
}

/// What a CSV import did: every row's fate; nothing added when any failed.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceImportReport {
    pub added: u32,
    pub rows: Vec<ImportRowDto>,
}

impl From<ImportRowsReport> for DeviceImportReport {
    fn from(r: ImportRowsReport) -> DeviceImportReport {
        let rows = r
            .rows
            .into_iter()
            .map(|row| {
                let (status, field, rule) = match row.outcome {
                    RowOutcome::Added { .. } => ("added", None, None),
                    RowOutcome::Valid => ("valid", None, None),
                    RowOutcome::Invalid { field, rule } => ("invalid", Some(field), Some(rule)),
                };
                ImportRowDto {
                    row: row.row as u32,
                    line: row.line as u32,
                    name: row.name,
                    status: status.into(),
                    field,
                    rule,
                }
            })
            .collect();
        DeviceImportReport {
            added: r.added as u32,
            rows,
        }
    }
}
