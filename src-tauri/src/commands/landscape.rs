//! The landscape's commands: devices by the page, a device's detail and
//! spread, inventory sync, adding (after the agent answered), labels,
//! removal, CSV import; and the catalog. Admin actions are checked in the
//! core; file paths come from native dialogs, never from the page.

use rollwright::device_csv_file::{read_device_csv, DeviceCsvFileError};
use rollwright::domain::device_csv::{self, refused_row, CheckedRow};
use rollwright::domain::{DeviceId, ProductName, RawDeviceQuery, ValidationError, Version};
use rollwright::store::{DeviceSelection, ImportReport, Removal, StoreError};
use tauri::ipc::Channel;
use tauri::State;

use crate::dto::landscape::{
    AgentCheck, CatalogProduct, CatalogVersion, DeviceDetail, DeviceImportReport, DevicePageDto,
    DeviceQueryDto, DeviceRow, DeviceUpdateRef, ImportedVersion, ModuleDiffRow, NewDeviceDto,
    ProductModules, SyncProgressDto, SyncReportDto, VersionSpreadDto,
};
use crate::error::IpcError;
use crate::state::{blocking, AppState};

/// Updates a device's detail pane lists.
const HISTORY_LEN: u32 = 50;

/// One page of devices, filtered and sorted by the store.
#[tauri::command]
pub(crate) async fn list_devices(
    state: State<'_, AppState>,
    query: DeviceQueryDto,
) -> Result<DevicePageDto, IpcError> {
    let query = RawDeviceQuery::from(query).validate()?;
    let store = state.store.clone();
    Ok(blocking(move || store.device_page(&query)).await?.into())
}

#[tauri::command]
pub(crate) async fn device_detail(
    state: State<'_, AppState>,
    id: i64,
) -> Result<DeviceDetail, IpcError> {
    let store = state.store.clone();
    let id = DeviceId(id);
    let (device, modules, history) = blocking(move || {
        let device = store
            .device(id)?
            .ok_or_else(|| StoreError::not_found("device", id))?;
        Ok::<_, StoreError>((
            device,
            store.device_modules(id)?,
            store.device_history(id, HISTORY_LEN)?,
        ))
    })
    .await?;
    let last = history.first().cloned();
    Ok(DeviceDetail {
        device: DeviceRow::new(device, last),
        modules: modules
            .into_iter()
            .map(|(product, modules)| ProductModules::new(&product, modules))
            .collect(),
        history: history.into_iter().map(DeviceUpdateRef::from).collect(),
    })
}

/// Devices per configured and deployed version of one product.
#[tauri::command]
pub(crate) async fn version_spread(
    state: State<'_, AppState>,
    product: String,
) -> Result<VersionSpreadDto, IpcError> {
    let product = ProductName::parse("product", &product)?;
    let store = state.store.clone();
    Ok(blocking(move || store.version_spread(&product))
        .await?
        .into())
}

/// Reads the inventory of the given devices (all when `ids` is none) from
/// their agents now.
#[tauri::command]
pub(crate) async fn sync_devices(
    state: State<'_, AppState>,
    ids: Option<Vec<i64>>,
    on_progress: Channel<SyncProgressDto>,
) -> Result<SyncReportDto, IpcError> {
    let selection = match ids {
        None => DeviceSelection::All,
        Some(ids) => DeviceSelection::Ids(ids.into_iter().map(DeviceId).collect()),
    };
    let report = state
        .engine
        .sync_inventory_reporting(selection, move |p| {
            // A page that went away no longer listens; the sync goes on.
            let _ = on_progress.send(SyncProgressDto::from(p));
        })
        .await?;
    Ok(report.into())
}

/// Calls the agent of a device about to be added, and says who answered.
#[tauri::command]
pub(crate) async fn check_device_agent(
    state: State<'_, AppState>,
    device: NewDeviceDto,
) -> Result<AgentCheck, IpcError> {
    let valid = rollwright::domain::NewDevice::from(device)
        .validate()
        .map_err(IpcError::from)?;
    Ok(state.engine.check_agent(&valid).await?.into())
}

/// Adds a device once its agent answered; admins only.
#[tauri::command]
pub(crate) async fn add_device(
    state: State<'_, AppState>,
    device: NewDeviceDto,
) -> Result<DeviceRow, IpcError> {
    let device = state.engine.add_device(&state.actor, device.into()).await?;
    Ok(DeviceRow::new(device, None))
}

/// Every product of the catalog with its versions, newest first.
#[tauri::command]
pub(crate) async fn list_catalog(
    state: State<'_, AppState>,
) -> Result<Vec<CatalogProduct>, IpcError> {
    let store = state.store.clone();
    let catalog = blocking(move || {
        let mut out = Vec::new();
        for p in store.products()? {
            let mut versions = Vec::new();
            for v in p.versions.iter().rev() {
                if let Some(m) = store.manifest(&p.product, v)? {
                    versions.push(CatalogVersion::from(m));
                }
            }
            out.push(CatalogProduct {
                product: p.product.to_string(),
                versions,
            });
        }
        Ok::<_, StoreError>(out)
    })
    .await?;
    Ok(catalog)
}

/// The module changes from one version of a product to another.
#[tauri::command]
pub(crate) async fn module_diff(
    state: State<'_, AppState>,
    product: String,
    from: String,
    to: String,
) -> Result<Vec<ModuleDiffRow>, IpcError> {
    let product = ProductName::parse("product", &product)?;
    let parse = |field: &str, v: &str| -> Result<Version, ValidationError> {
        rollwright::domain::parse_version(field, v)
    };
    let (from, to) = (parse("from", &from)?, parse("to", &to)?);
    let store = state.store.clone();
    let diff = blocking(move || store.module_diff(&product, &from, &to)).await?;
    Ok(diff.into_iter().map(ModuleDiffRow::from).collect())
}

/// Asks for a manifest file, then validates and imports it; admins only.
/// Nothing when the user cancelled.
#[tauri::command]
pub(crate) async fn import_manifest_file(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<ImportedVersion>, IpcError> {
    let Some(path) = crate::dialogs::pick_file(&app, "Manifest", &["toml"]).await? else {
        return Ok(None);
    };
    import_manifest_at(&state, path).await.map(Some)
}

/// The import itself, apart from the dialog so tests can drive it.
pub(crate) async fn import_manifest_at(
    state: &AppState,
    path: std::path::PathBuf,
) -> Result<ImportedVersion, IpcError> {
    let (store, actor) = (state.store.clone(), state.actor.clone());
    blocking(move || -> Result<ImportedVersion, IpcError> {
        let m = rollwright::manifest_file::read_manifest(&path).map_err(|e| match e {
            rollwright::manifest_file::ManifestFileError::Invalid(v) => IpcError::from(v),
            other => IpcError::from(ValidationError::new("file", other.to_string())),
        })?;
        let outcome = store.import_manifest(&actor, &m, chrono::Utc::now())?;
        Ok(ImportedVersion {
            product: m.product.to_string(),
            version: m.version.to_string(),
            new: outcome == rollwright::store::ImportOutcome::Imported,
        })
    })
    .await
}

/// Asks for a CSV file of devices and adds them all, or none when any row
/// is invalid (the report says which and why); admins only. The added
/// devices' inventory is read right after. Nothing when cancelled.
#[tauri::command]
pub(crate) async fn import_devices_csv(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<DeviceImportReport>, IpcError> {
    let Some(path) = crate::dialogs::pick_file(&app, "Devices (CSV)", &["csv"]).await? else {
        return Ok(None);
    };
    let (store, actor) = (state.store.clone(), state.actor.clone());
    let report = blocking(move || -> Result<DeviceImportReport, IpcError> {
        let rows = read_device_csv(&path).map_err(|e| match e {
            DeviceCsvFileError::Invalid(v) => IpcError::from(v),
            other => IpcError::from(ValidationError::new("file", other.to_string())),
        })?;
        let valid: Vec<_> = rows
            .iter()
            .filter_map(|r| r.device.as_ref().ok().cloned())
            .collect();
        if valid.len() < rows.len() {
            return Ok(import_report(&rows, None, None));
        }
        match store.import_devices(&actor, &valid) {
            Ok(added) => Ok(import_report(&rows, Some(&added), None)),
            Err(e @ (StoreError::Conflict(_) | StoreError::Invalid(_))) => {
                let field = e.field().unwrap_or_default().to_owned();
                Ok(import_report(&rows, None, Some((field, e.to_string()))))
            }
            Err(e) => Err(e.into()),
        }
    })
    .await?;
    if report.added > 0 {
        let engine = state.engine.clone();
        let ids = report_ids(&state, &report).await?;
        tauri::async_runtime::spawn(async move {
            if let Err(e) = engine.sync_inventory(DeviceSelection::Ids(ids)).await {
                tracing::warn!("inventory sync after an import failed: {e}");
            }
        });
    }
    Ok(Some(report))
}

/// The report of an import, as the UI reads it. `refused` is the store's
/// refusal of one row (`rows[i].name`: taken) when nothing was added.
fn import_report(
    rows: &[CheckedRow],
    added: Option<&ImportReport>,
    refused: Option<(String, String)>,
) -> DeviceImportReport {
    let ids: Option<Vec<DeviceId>> = added.map(|a| a.added.iter().map(|d| d.id).collect());
    let refused =
        refused.and_then(|(field, rule)| refused_row(&field, rows.len()).map(|i| (i, field, rule)));
    device_csv::import_report(rows, ids.as_deref(), refused).into()
}

/// The ids of the devices an import added, by name.
async fn report_ids(
    state: &AppState,
    report: &DeviceImportReport,
) -> Result<Vec<DeviceId>, IpcError> {
    let store = state.store.clone();
    let names: Vec<String> = report
        .rows
        .iter()
        .filter(|r| r.status == "added")
        .map(|r| r.name.clone())
        .collect();
    blocking(move || {
        let mut ids = Vec::new();
        for name in names {
            if let Some(d) = store.device_by_name(&name)? {
                ids.push(d.id);
            }
        }
        Ok::<_, StoreError>(ids)
    })
    .await
}

/// Sets and removes labels an admin gives a device (`key=value` to set,
/// `key` to remove); admins only.
#[tauri::command]
pub(crate) async fn set_device_labels(
    state: State<'_, AppState>,
    name: String,
    set: Vec<String>,
    unset: Vec<String>,
) -> Result<DeviceRow, IpcError> {
    let set = set
        .iter()
        .enumerate()
        .map(|(i, l)| rollwright::domain::parse_label(&format!("set[{i}]"), l))
        .collect::<Result<Vec<_>, _>>()?;
    let (store, actor) = (state.store.clone(), state.actor.clone());
    let device = blocking(move || store.set_labels(&actor, &name, &set, &unset)).await?;
    Ok(DeviceRow::new(device, None))
}

/// Removes a device: deleted without update history, retired (kept for its
/// history) with it, refused while an update of it is unfinished; admins
/// only. Answers `deleted` or `retired`.
#[tauri::command]
pub(crate) async fn remove_device(
    state: State<'_, AppState>,
    name: String,
) -> Result<String, IpcError> {
    let (store, actor) = (state.store.clone(), state.actor.clone());
    let removal = blocking(move || store.remove_device(&actor, &name)).await?;
    Ok(match removal {
        Removal::Deleted => "deleted",
        Removal::Retired => "retired",
    }
    .into())
}
