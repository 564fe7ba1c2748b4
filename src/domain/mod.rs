//! The words of the design as types, and the rules over them. Pure: no I/O and
//! no clock reads; callers pass `now` in.
//!
//! - [`error`]: [`ValidationError`] (field + rule) and the [`ErrorCode`] every
//!   layer maps its errors to.
//! - [`ids`]: id newtypes.
//! - [`version`]: semantic versions and the "only ever upward" rule.
//! - [`manifest`]: the TOML manifest, parsed raw then validated.
//! - [`diff`]: module diff between two manifests.
//! - [`device`]: devices, labels, per-product versions, eligibility.
//! - [`device_csv`]: device import files (CSV), parsed and checked row by row.
//! - [`label_edit`]: an admin's change to a device's labels (set, unset).
//! - [`downtime`]: calendar items (downtimes, maintenance windows, freezes)
//!   with a scope.
//! - [`recurrence`]: RRULE recurrence in a named time zone.
//! - [`update`]: updates, device updates, their state machine and summary.
//! - [`transition`]: what each status change does (the one list of effects).
//! - [`user`]: who acts ([`Actor`]) and the rule for recorded user names.
//! - [`access`]: roles, the actions they allow, and the `Forbidden` refusal.
//! - [`audit`]: audit log entries and their hash chain.
//! - [`deploy_limits`]: when a running deployment counts as timed out or stalled.

pub mod access;
pub mod audit;
pub mod deploy_limits;
pub mod device;
pub mod device_csv;
pub mod device_query;
pub mod diff;
pub mod downtime;
pub mod error;
pub mod ids;
pub mod inventory;
pub mod label_edit;
pub mod manifest;
pub mod pending;
pub mod recurrence;
pub mod target;
pub mod transition;
pub mod update;
pub mod update_choices;
pub mod user;
pub mod version;

pub use access::{Action, Forbidden, Role};
pub use audit::{AuditEntry, AuditOutcome, AuditRecord, ChainCheck};
pub use deploy_limits::{DeployLimits, Overdue};
pub use device::{
    eligible_devices, parse_label, Device, Eligible, Fingerprint, Labels, Lower, NewDevice,
    ProductVersions, ValidDevice,
};
pub use device_query::{DeviceQuery, DeviceSort, RawDeviceQuery, MAX_DEVICE_PAGE};
pub use diff::{apply_diff, diff_modules, ModuleChange};
pub use downtime::{CheckedDowntime, Downtime, DowntimeKind, NewDowntime, Scope};
pub use error::{ErrorCode, ValidationError};
pub use ids::{DeviceId, DeviceUpdateId, DowntimeId, ProductName, UpdateId};
pub use inventory::{
    Inventory, ModuleRef, ProductInventory, Reach, Reachability, SyncFailure, SyncOutcome,
    SyncReport, SyncResult, MAX_REPORTED_FAILURES,
};
pub use manifest::{HealthCheck, Manifest, Module, MAX_MANIFEST_BYTES};
pub use pending::{pending_changes, ChangeSets, PendingChange, ProductChanges};
pub use recurrence::{Recurrence, Zone};
pub use target::{
    check_targets, targets_words, CatalogVersions, DeviceTarget, NewTarget, Target, MAX_TARGETS,
};
pub use transition::{is_settled, Effects, Ends};
pub use update::{
    DeployOption, DeviceUpdate, DeviceUpdateStatus, LogEntry, LogLevel, LogSource, NewUpdate,
    Outcome, StatusGroup, TransitionError, Update, UpdateFacts, UpdateStatus, UpdateSummary,
    ValidDeviceUpdate, ValidUpdate,
};
pub use update_choices::{running_counts, version_choices, VersionChoice, VersionPair};
pub use user::{check_user_name, Actor};
pub use version::{parse_version, NotHigher, Version};
