//! The update wizard's commands: what may be chosen, the devices a choice
//! applies to, checking a plan (refusals by field, conflicts, module changes)
//! without writing, learned durations and free slots, and Approve: the one
//! command that writes. The rules are the core's; these only translate.

use chrono::{Duration, Utc};
use rollwright::calendar::{Occurrence, SlotRequest};
use rollwright::domain::{DeployOption, DeviceId, ProductName, ValidationError, Zone};
use rollwright::store::{DeviceSelection, LabelledDevice, StoreError};
use tauri::State;

use crate::dto::plan_devices::PlanDeviceColumns;
use crate::dto::wizard::{
    DeviceSlotView, LearnedDurationView, PlanCheck, PlanInput, ProductChoicesView, SlotSuggestion,
    SlotView, TargetInput,
};
use crate::error::IpcError;
use crate::state::{blocking, AppState};

/// How far ahead Suggest slot looks.
const SLOT_HORIZON_DAYS: i64 = 30;

/// Every product with the versions an update may go to (only higher ones
/// than some device has) and how many devices run which version now.
#[tauri::command]
pub(crate) async fn update_choices(
    state: State<'_, AppState>,
) -> Result<Vec<ProductChoicesView>, IpcError> {
    let store = state.store.clone();
    let choices = blocking(move || store.update_choices()).await?;
    Ok(choices.into_iter().map(ProductChoicesView::from).collect())
}

/// The devices the chosen targets apply to, by name, as columns.
#[tauri::command]
pub(crate) async fn plan_devices(
    state: State<'_, AppState>,
    targets: Vec<TargetInput>,
) -> Result<PlanDeviceColumns, IpcError> {
    let store = state.store.clone();
    let targets: Vec<_> = targets.into_iter().map(Into::into).collect();
    let plan = blocking(move || store.plan_devices(&targets)).await?;
    Ok(PlanDeviceColumns::new(plan))
}

/// Checks a plan as Approve would, writing nothing: the first refusal comes
/// back as an error naming its field; otherwise each device's conflicts and
/// the module changes it would make.
#[tauri::command]
pub(crate) async fn check_plan(
    state: State<'_, AppState>,
    plan: PlanInput,
) -> Result<PlanCheck, IpcError> {
    let req = plan.into_new()?;
    let store = state.store.clone();
    blocking(move || {
        let valid = store.check_update(req, Utc::now())?;
        let ids: Vec<DeviceId> = valid.devices.iter().map(|d| d.device).collect();
        let labelled = store.labelled_devices(&DeviceSelection::Ids(ids))?;
        let by_id: std::collections::HashMap<DeviceId, &LabelledDevice> =
            labelled.iter().map(|d| (d.id, d)).collect();
        let windows: Vec<(&LabelledDevice, Occurrence)> = valid
            .devices
            .iter()
            .filter_map(|d| {
                let from = match d.option {
                    DeployOption::At(at) if at < valid.window_to => at,
                    _ => valid.window_from,
                };
                let window = Occurrence {
                    from,
                    to: valid.window_to,
                };
                by_id.get(&d.device).map(|l| (*l, window))
            })
            .collect();
        let conflicts = store.conflicts_each(&windows)?;
        let changes = store.pending_changes(&valid)?;
        Ok::<_, StoreError>(PlanCheck {
            conflicts: conflicts.into_iter().map(Into::into).collect(),
            changes: changes.into(),
        })
    })
    .await
}

/// The default estimated duration of an update of `products` on `devices`
/// devices: the longest of the products' learned durations.
#[tauri::command]
pub(crate) async fn learned_duration(
    state: State<'_, AppState>,
    products: Vec<String>,
    devices: u32,
) -> Result<LearnedDurationView, IpcError> {
    let products = products
        .iter()
        .enumerate()
        .map(|(i, p)| ProductName::parse(&format!("products[{i}]"), p))
        .collect::<Result<Vec<_>, _>>()?;
    if products.is_empty() {
        return Err(ValidationError::new("products", "must name at least one product").into());
    }
    let store = state.store.clone();
    let longest = blocking(move || {
        let mut longest = None;
        for p in &products {
            let learned = store.learned_duration(p, devices)?;
            if longest
                .as_ref()
                .is_none_or(|l: &rollwright::calendar::LearnedDuration| {
                    learned.duration > l.duration
                })
            {
                longest = Some(learned);
            }
        }
        Ok::<_, StoreError>(longest.expect("at least one product"))
    })
    .await?;
    Ok(longest.into())
}

/// The earliest window of `minutes` from `earliest` on that conflicts with
/// nothing for all `devices` (and each device's own when asked), within
/// the next 30 days.
#[tauri::command]
pub(crate) async fn suggest_slot(
    state: State<'_, AppState>,
    devices: Vec<i64>,
    minutes: u32,
    earliest: String,
    per_device: bool,
) -> Result<SlotSuggestion, IpcError> {
    let earliest = Zone::UTC.read_time("earliest", &earliest)?;
    let req = SlotRequest {
        duration: Duration::minutes(i64::from(minutes)),
        earliest,
        horizon: Duration::days(SLOT_HORIZON_DAYS),
    };
    let ids = devices.into_iter().map(DeviceId).collect();
    let store = state.store.clone();
    let (together, each) = blocking(move || {
        let devices = store.labelled_devices(&DeviceSelection::Ids(ids))?;
        store.free_slot(&devices, req, per_device)
    })
    .await?;
    Ok(SlotSuggestion {
        together: together.map(SlotView::from),
        per_device: each.into_iter().map(DeviceSlotView::from).collect(),
    })
}

/// Writes the plan as an update and approves it: configurations first, then
/// deployments as chosen, in the background. Admins only (the core checks).
#[tauri::command]
pub(crate) async fn approve_plan(
    state: State<'_, AppState>,
    plan: PlanInput,
) -> Result<i64, IpcError> {
    let req = plan.into_new()?;
    let store = state.store.clone();
    let actor = state.actor.clone();
    let (update, _) = blocking(move || store.create_update(&actor, req, Utc::now())).await?;
    state.engine.approve(&state.actor, update.id).await?;
    Ok(update.id.0)
}
