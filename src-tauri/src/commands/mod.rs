//! Tauri commands: each takes the managed state, calls the core and converts
//! the answer into its wire shape (`dto.rs`). No SQL and no business rules
//! here; reads run off the main thread on read connections of their own.

pub(crate) mod calendar;
pub(crate) mod desktop;
pub(crate) mod landscape;
pub(crate) mod status;
pub(crate) mod wizard;

use rollwright::domain::Role;
use rollwright::store::StoreError;
use tauri::State;

use crate::dialogs::save_file;
use crate::dto::{AppInfo, AuditQuery, AuditRow, ChainStatus, Me, UserRow};
use crate::error::IpcError;
use crate::state::{blocking, AppState};

/// The audit screen reads this many entries per page.
const AUDIT_PAGE_LEN: u32 = 200;

#[tauri::command]
pub(crate) async fn app_info(state: State<'_, AppState>) -> Result<AppInfo, IpcError> {
    let store = state.store.clone();
    let (schema_version, devices) =
        blocking(move || Ok::<_, StoreError>((store.schema_version()?, store.device_count()?)))
            .await?;
    Ok(state.app_info(schema_version, devices).await)
}

/// Quits after the user confirmed in the UI; the engine stops at a durable
/// point first (see `main.rs`), and unfinished work resumes at the next start.
#[tauri::command]
pub(crate) async fn quit_app(app: tauri::AppHandle) {
    app.exit(0);
}

/// The app's user and role. The first user of a new database becomes its
/// admin here, at the first look.
#[tauri::command]
pub(crate) async fn whoami(state: State<'_, AppState>) -> Result<Me, IpcError> {
    let (store, actor) = (state.store.clone(), state.actor.clone());
    let role = blocking(move || store.sign_in(&actor)).await?;
    Ok(Me {
        name: state.actor.name().to_owned(),
        role,
    })
}

#[tauri::command]
pub(crate) async fn list_users(state: State<'_, AppState>) -> Result<Vec<UserRow>, IpcError> {
    let store = state.store.clone();
    let users = blocking(move || store.users()).await?;
    Ok(users.into_iter().map(UserRow::from).collect())
}

/// Gives `name` the role `role` (`admin` or `viewer`); admins only.
#[tauri::command]
pub(crate) async fn grant_role(
    state: State<'_, AppState>,
    name: String,
    role: String,
) -> Result<(), IpcError> {
    let role: Role = role.parse()?;
    let (store, actor) = (state.store.clone(), state.actor.clone());
    blocking(move || store.grant_role(&actor, &name, role)).await
}

/// Takes `name`'s role away, leaving a viewer; admins only.
#[tauri::command]
pub(crate) async fn revoke_role(state: State<'_, AppState>, name: String) -> Result<(), IpcError> {
    let (store, actor) = (state.store.clone(), state.actor.clone());
    blocking(move || store.revoke_role(&actor, &name)).await
}

/// One page of the audit log, newest first.
#[tauri::command]
pub(crate) async fn audit_log(
    state: State<'_, AppState>,
    query: AuditQuery,
) -> Result<Vec<AuditRow>, IpcError> {
    let filter = query.into_filter()?;
    let store = state.store.clone();
    let entries = blocking(move || store.audit_log(&filter, AUDIT_PAGE_LEN)).await?;
    Ok(entries.into_iter().map(AuditRow::from).collect())
}

#[tauri::command]
pub(crate) async fn verify_audit(state: State<'_, AppState>) -> Result<ChainStatus, IpcError> {
    let store = state.store.clone();
    Ok(blocking(move || store.verify_audit()).await?.into())
}

/// Asks where to save, then writes the entries matching `query` as CSV.
/// Returns the file written, or nothing when the user cancelled. The path
/// comes from the native dialog, never from the page.
#[tauri::command]
pub(crate) async fn export_audit_csv(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    query: AuditQuery,
) -> Result<Option<String>, IpcError> {
    let filter = query.into_filter()?;
    let Some(path) = save_file(&app, "CSV", &["csv"], "rollwright-audit.csv").await? else {
        return Ok(None);
    };
    let store = state.store.clone();
    let shown = path.display().to_string();
    blocking(move || {
        let file = std::fs::File::create(&path)
            .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        let mut out = std::io::BufWriter::new(file);
        store.export_audit_csv(&filter, &mut out)
    })
    .await?;
    Ok(Some(shown))
}
