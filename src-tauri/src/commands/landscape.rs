//! The landscape's commands: devices by the page, a device's detail and
//! spread, inventory sync, adding (after the agent answered), labels,
//! removal, CSV import; and the catalog. Admin actions are checked in the
//! core; file paths come from native dialogs, never from the page.

use rollwright::domain::{DeviceId, ProductName, RawDeviceQuery, ValidationError, Version};
use rollwright::store::DeviceSelection;
use tauri::State;

use crate::dto::landscape::{
    AgentCheck, CatalogProduct, CatalogVersion, DeviceDetail, DevicePageDto, DeviceQueryDto,
    DeviceRow, DeviceUpdateRef, ImportedVersion, ModuleDiffRow, ModuleDto, NewDeviceDto,
    ProductModules, SyncReportDto, VersionSpreadDto,
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
            .ok_or_else(|| rollwright::store::StoreError::not_found("device", id))?;
        Ok::<_, rollwright::store::StoreError>((
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
            .map(|(product, modules)| ProductModules {
                product: product.to_string(),
                modules: modules
                    .into_iter()
                    .map(|m| ModuleDto {
                        name: m.name,
                        version: m.version,
                    })
                    .collect(),
            })
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
) -> Result<SyncReportDto, IpcError> {
    let selection = match ids {
        None => DeviceSelection::All,
        Some(ids) => DeviceSelection::Ids(ids.into_iter().map(DeviceId).collect()),
    };
    Ok(state.engine.sync_inventory(selection).await?.into())
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
        Ok::<_, rollwright::store::StoreError>(out)
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
