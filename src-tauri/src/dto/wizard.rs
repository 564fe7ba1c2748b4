//! The update wizard's shapes: the version lists, the devices a plan can
//! take, the plan itself as the form holds it, and what checking it says
//! (conflicts, free slots, learned durations, module changes per device).

use rollwright::calendar::{Conflict, ConflictWith, DeviceSlot, LearnedDuration, Occurrence};
use rollwright::domain::{
    ChangeSets, DeployOption, DeviceId, NewTarget, NewUpdate, PendingChange, ProductChanges,
    ValidationError, Zone,
};
use rollwright::store::ProductChoices;
use serde::{Deserialize, Serialize};

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.to_rfc3339()
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct VersionChoiceView {
    pub version: String,
    /// Devices that could take it.
    pub eligible: u32,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct RunningCount {
    /// `None`: configured, not running the product yet.
    pub version: Option<String>,
    pub devices: u32,
}

/// A product of the catalog as the wizard's first choice shows it.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ProductChoicesView {
    pub product: String,
    /// Only versions some device is below, newest first.
    pub versions: Vec<VersionChoiceView>,
    /// How many devices run which version now, newest first.
    pub running: Vec<RunningCount>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

impl From<ProductChoices> for ProductChoicesView {
    fn from(p: ProductChoices) -> Self {
        ProductChoicesView {
            product: p.product.to_string(),
            versions: p
                .versions
                .into_iter()
                .map(|c| VersionChoiceView {
                    version: c.version.to_string(),
                    eligible: count(c.eligible),
                })
                .collect(),
            running: p
                .running
                .into_iter()
                .map(|(v, n)| RunningCount {
                    version: v.map(|v| v.to_string()),
                    devices: count(n),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct TargetInput {
    pub product: String,
    pub version: String,
}

impl From<TargetInput> for NewTarget {
    fn from(t: TargetInput) -> Self {
        NewTarget::new(t.product, t.version)
    }
}

/// When one device deploys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub(crate) enum DeployChoice {
    ConfigOnly,
    Now,
    At,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct PlanDeviceInput {
    pub id: i64,
    pub option: DeployChoice,
    /// RFC 3339; for `at` only.
    pub at: Option<String>,
}

/// The plan as the wizard holds it; nothing is written until it is approved.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct PlanInput {
    pub targets: Vec<TargetInput>,
    pub title: String,
    /// RFC 3339.
    pub from: String,
    /// The estimated end, RFC 3339.
    pub to: String,
    pub devices: Vec<PlanDeviceInput>,
}

impl PlanInput {
    /// The core's request; a time that does not parse is refused by field.
    pub fn into_new(self) -> Result<NewUpdate, ValidationError> {
        let read = |field: &str, text: &str| Zone::UTC.read_time(field, text);
        let window_from = read("from", &self.from)?;
        let window_to = read("to", &self.to)?;
        let devices = self
            .devices
            .into_iter()
            .enumerate()
            .map(|(i, d)| {
                let option = match (d.option, d.at.as_deref()) {
                    (DeployChoice::ConfigOnly, _) => DeployOption::ConfigOnly,
                    (DeployChoice::Now, _) => DeployOption::Now,
                    (DeployChoice::At, Some(at)) if !at.trim().is_empty() => {
                        DeployOption::At(read(&format!("devices[{i}].at"), at)?)
                    }
                    (DeployChoice::At, _) => {
                        return Err(ValidationError::new(
                            format!("devices[{i}].at"),
                            "must give the time to deploy at",
                        ))
                    }
                };
                Ok((DeviceId(d.id), option))
            })
            .collect::<Result<_, _>>()?;
        Ok(NewUpdate {
            targets: self.targets.into_iter().map(NewTarget::from).collect(),
            title: self.title,
            window_from,
            window_to,
            devices,
        })
    }
}

/// What a window runs into on one device, in words and by kind.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ConflictView {
    pub device: i64,
    /// `item`, `update` or `outside_windows`.
    pub with: String,
    /// The downtime, window or freeze, or the update, it meets.
    pub title: Option<String>,
    pub words: String,
    pub from: String,
    pub to: String,
}

impl From<Conflict> for ConflictView {
    fn from(c: Conflict) -> Self {
        let (with, title) = match &c.with {
            ConflictWith::Item { title, .. } => ("item", Some(title.clone())),
            ConflictWith::Update { title, .. } => ("update", Some(title.clone())),
            ConflictWith::OutsideWindows => ("outside_windows", None),
        };
        ConflictView {
            device: c.device.0,
            with: with.into(),
            title,
            words: c.describe(),
            from: time(c.overlap.from),
            to: time(c.overlap.to),
        }
    }
}

/// The default estimated duration and what it rests on.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct LearnedDurationView {
    pub minutes: u32,
    /// Finished updates it is the median of; 0 for the fixed default.
    pub based_on: u32,
    pub basis: String,
}

impl From<LearnedDuration> for LearnedDurationView {
    fn from(l: LearnedDuration) -> Self {
        LearnedDurationView {
            minutes: u32::try_from(l.duration.num_minutes()).unwrap_or(u32::MAX),
            based_on: count(l.based_on),
            basis: l.basis(),
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct SlotView {
    pub from: String,
    pub to: String,
}

impl From<Occurrence> for SlotView {
    fn from(o: Occurrence) -> Self {
        SlotView {
            from: time(o.from),
            to: time(o.to),
        }
    }
}

/// The earliest free window for all the devices, and (when asked) each
/// device's own.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct SlotSuggestion {
    pub together: Option<SlotView>,
    pub per_device: Vec<DeviceSlotView>,
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct DeviceSlotView {
    pub device: i64,
    pub slot: Option<SlotView>,
}

impl From<DeviceSlot> for DeviceSlotView {
    fn from(d: DeviceSlot) -> Self {
        DeviceSlotView {
            device: d.device.0,
            slot: d.slot.map(SlotView::from),
        }
    }
}

/// One module operation.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ModuleOpView {
    /// `added`, `removed` or `modified`.
    pub op: String,
    pub module: String,
    /// The version it had (removed, modified).
    pub from: Option<String>,
    /// The version it gets (added, modified).
    pub to: Option<String>,
}

impl From<PendingChange> for ModuleOpView {
    fn from(c: PendingChange) -> Self {
        let (op, module, from, to) = match c {
            PendingChange::Added { module, version } => ("added", module, None, Some(version)),
            PendingChange::Removed { module, version } => ("removed", module, Some(version), None),
            PendingChange::Modified { module, from, to } => {
                ("modified", module, Some(from), Some(to))
            }
        };
        ModuleOpView {
            op: op.into(),
            module,
            from,
            to,
        }
    }
}

#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ProductChangesView {
    pub product: String,
    pub from: Option<String>,
    pub to: String,
    pub ops: Vec<ModuleOpView>,
}

impl From<ProductChanges> for ProductChangesView {
    fn from(p: ProductChanges) -> Self {
        ProductChangesView {
            product: p.product.to_string(),
            from: p.from.map(|v| v.to_string()),
            to: p.to.to_string(),
            ops: p.changes.into_iter().map(ModuleOpView::from).collect(),
        }
    }
}

/// Every device's pending changes, each distinct set once: `devices[i]` is
/// `[device id, index into sets]`.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct ChangeSetsView {
    pub sets: Vec<Vec<ProductChangesView>>,
    pub devices: Vec<(i64, u32)>,
}

impl From<ChangeSets> for ChangeSetsView {
    fn from(c: ChangeSets) -> Self {
        ChangeSetsView {
            sets: c
                .sets
                .into_iter()
                .map(|s| s.into_iter().map(ProductChangesView::from).collect())
                .collect(),
            devices: c
                .devices
                .into_iter()
                .map(|(d, i)| (d.0, count(i)))
                .collect(),
        }
    }
}

/// What checking a plan found; refusals come as errors by field instead.
#[derive(Debug, Serialize)]
#[cfg_attr(test, derive(ts_rs::TS))]
pub(crate) struct PlanCheck {
    /// Each device's conflicts over its own time (the window, or from its
    /// deploy time to the window's end).
    pub conflicts: Vec<ConflictView>,
    pub changes: ChangeSetsView,
}
