//! The planning calendar's commands: a range with every occurrence and
//! update in it, the item dialog's create / edit / delete, and .ics import
//! and export through native dialogs. Admin actions are checked in the core.

use chrono::{Duration, Utc};
use rollwright::domain::{
    Actor, DeviceId, Downtime, DowntimeId, NewDowntime, Scope, ValidationError, Zone,
};
use rollwright::ics_file::{read_ics, IcsFileError};
use rollwright::store::{PlacedItem, Store, StoreError};
use tauri::State;

use crate::dialogs::{pick_file, save_file};
use crate::dto::calendar::{
    CalendarItemView, CalendarUpdateView, CalendarView, DowntimeInput, IcsEventView, IcsExportView,
    IcsImportReportView, ItemKind, ScopeInput,
};
use crate::error::IpcError;
use crate::state::{blocking, AppState};

/// The longest range one call expands: a month view plus its margins.
const MAX_RANGE_DAYS: i64 = 62;

/// Every item occurring and every update running in `[from, to)`.
#[tauri::command]
pub(crate) async fn calendar_range(
    state: State<'_, AppState>,
    from: String,
    to: String,
) -> Result<CalendarView, IpcError> {
    let from = Zone::UTC.read_time("from", &from)?;
    let to = Zone::UTC.read_time("to", &to)?;
    if to <= from {
        return Err(ValidationError::new("to", "must be after from").into());
    }
    if to - from > Duration::days(MAX_RANGE_DAYS) {
        return Err(ValidationError::new(
            "to",
            format!("a range may span at most {MAX_RANGE_DAYS} days"),
        )
        .into());
    }
    let store = state.store.clone();
    blocking(move || {
        let placed = store.occurrences(from, to)?;
        let listed: Vec<DeviceId> = placed.iter().flat_map(|p| listed(&p.item)).collect();
        let names = store.device_names(&listed)?;
        let views = placed
            .into_iter()
            .map(|p| {
                let names = names_of(&p.item, &names);
                CalendarItemView::new(p, names)
            })
            .collect();
        Ok::<_, StoreError>(CalendarView {
            items: views,
            updates: store
                .calendar_updates(from, to)?
                .into_iter()
                .map(CalendarUpdateView::from)
                .collect(),
            sites: store.label_values("site")?,
        })
    })
    .await
}

#[tauri::command]
pub(crate) async fn add_downtime(
    state: State<'_, AppState>,
    input: DowntimeInput,
) -> Result<CalendarItemView, IpcError> {
    save_item(&state, input, |store, actor, new| {
        store.add_downtime(actor, new)
    })
    .await
}

#[tauri::command]
pub(crate) async fn edit_downtime(
    state: State<'_, AppState>,
    id: i64,
    input: DowntimeInput,
) -> Result<CalendarItemView, IpcError> {
    save_item(&state, input, move |store, actor, new| {
        store.edit_downtime(actor, DowntimeId(id), new)
    })
    .await
}

/// Resolves the dialog's input, writes it with `write` and answers the item.
async fn save_item(
    state: &AppState,
    input: DowntimeInput,
    write: impl FnOnce(&Store, &Actor, NewDowntime) -> Result<Downtime, StoreError> + Send + 'static,
) -> Result<CalendarItemView, IpcError> {
    let (store, actor) = (state.store.clone(), state.actor.clone());
    blocking(move || {
        let scope = resolve_scope(&store, &input.scope)?;
        let d = write(&store, &actor, input.into_new(scope)?)?;
        item_view(&store, d)
    })
    .await
}

#[tauri::command]
pub(crate) async fn remove_downtime(state: State<'_, AppState>, id: i64) -> Result<(), IpcError> {
    let (store, actor) = (state.store.clone(), state.actor.clone());
    blocking(move || store.remove_downtime(&actor, DowntimeId(id))).await
}

/// Asks for an .ics file and adds its events as items of `kind` in `scope`;
/// times without a zone are read in `zone`. `None` when cancelled.
#[tauri::command]
pub(crate) async fn import_ics(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    kind: ItemKind,
    scope: ScopeInput,
    zone: String,
) -> Result<Option<IcsImportReportView>, IpcError> {
    let floating = if zone.trim().is_empty() {
        Zone::UTC
    } else {
        Zone::parse("zone", &zone)?
    };
    let (store, actor) = (state.store.clone(), state.actor.clone());
    let scope = {
        let store = store.clone();
        blocking(move || resolve_scope(&store, &scope)).await?
    };
    let Some(path) = pick_file(&app, "iCalendar", &["ics", "ical", "ifb"]).await? else {
        return Ok(None);
    };
    let file = path.display().to_string();
    let events = read_ics(&path, kind.into(), &scope, floating).map_err(|e| match e {
        IcsFileError::Invalid(v) => IpcError::from(v),
        other => IpcError::from(ValidationError::new("file", other.to_string())),
    })?;
    let source = file.clone();
    let imported = {
        let events = events.clone();
        blocking(move || store.import_ics(&actor, &events, &source)).await?
    };
    let added = imported.added.len();
    let events: Vec<IcsEventView> = events
        .iter()
        .zip(&imported.per_event)
        .map(|(e, id)| IcsEventView::new(e, id.map(|id| id.0)))
        .collect();
    Ok(Some(IcsImportReportView {
        file,
        imported: added as u32,
        skipped: (events.len() - added) as u32,
        events,
    }))
}

/// Asks where to save, then writes every item and every update not yet
/// finished as one .ics file. `None` when cancelled.
#[tauri::command]
pub(crate) async fn export_ics(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<Option<IcsExportView>, IpcError> {
    let Some(path) = save_file(&app, "iCalendar", &["ics"], "rollwright-calendar.ics").await?
    else {
        return Ok(None);
    };
    let store = state.store.clone();
    let shown = path.display().to_string();
    let (items, updates) = blocking(move || {
        let (text, items, updates) = store.export_ics(Utc::now())?;
        std::fs::write(&path, text)
            .map_err(|e| StoreError::Io(format!("{}: {e}", path.display())))?;
        Ok::<_, StoreError>((items, updates))
    })
    .await?;
    Ok(Some(IcsExportView {
        path: shown,
        items: items as u32,
        updates: updates as u32,
    }))
}

fn resolve_scope(store: &Store, scope: &ScopeInput) -> Result<Scope, StoreError> {
    Ok(match scope {
        ScopeInput::All => Scope::All,
        ScopeInput::Label { key, value } => {
            Scope::label(&format!("{}={}", key.trim(), value.trim()))?
        }
        ScopeInput::Devices { names } => {
            let mut devices = Vec::new();
            for (i, name) in names
                .iter()
                .map(|n| n.trim())
                .filter(|n| !n.is_empty())
                .enumerate()
            {
                let d = store.device_by_name(name)?.ok_or_else(|| {
                    ValidationError::new(
                        format!("scope.devices[{i}]"),
                        format!("unknown device {name:?}"),
                    )
                })?;
                devices.push(d.id);
            }
            Scope::Devices { devices }
        }
    })
}

fn names_of(d: &Downtime, names: &std::collections::HashMap<DeviceId, String>) -> Vec<String> {
    match &d.scope {
        Scope::Devices { devices } => devices
            .iter()
            .map(|id| names.get(id).cloned().unwrap_or_else(|| id.to_string()))
            .collect(),
        _ => Vec::new(),
    }
}

/// The devices an item lists, if its scope lists any.
fn listed(d: &Downtime) -> Vec<DeviceId> {
    match &d.scope {
        Scope::Devices { devices } => devices.clone(),
        _ => Vec::new(),
    }
}

fn item_view(store: &Store, d: Downtime) -> Result<CalendarItemView, StoreError> {
    let names = store.device_names(&listed(&d))?;
    let names = names_of(&d, &names);
    Ok(CalendarItemView::new(PlacedItem::first_of(d), names))
}
