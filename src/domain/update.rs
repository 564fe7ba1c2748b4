//! Updates and device updates: the raw request, its validation, the device
//! update state machine, and the status of an update derived from its device
//! updates. Never reads the clock (`now` is a parameter) and never touches
//! storage: the store loads the facts validation needs and passes them in.

use std::collections::{BTreeMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::downtime::{check_title, check_window};
use super::target::{check_targets, device_targets, CatalogVersions, DeviceTarget, NewTarget};
use super::transition::is_settled;
use super::{Device, DeviceId, DeviceUpdateId, Target, UpdateId, ValidationError};

/// When a device deploys, once configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "at", rename_all = "snake_case")]
pub enum DeployOption {
    /// Set the configuration only; someone else deploys.
    ConfigOnly,
    /// Deploy as soon as configured.
    Now,
    /// Deploy at this time (inside the update's window).
    At(DateTime<Utc>),
}

impl DeployOption {
    pub fn kind(&self) -> &'static str {
        match self {
            DeployOption::ConfigOnly => "config_only",
            DeployOption::Now => "now",
            DeployOption::At(_) => "at",
        }
    }

    pub fn at(&self) -> Option<DateTime<Utc>> {
        match self {
            DeployOption::At(t) => Some(*t),
            _ => None,
        }
    }

    /// Rebuilds an option from its stored parts.
    pub fn from_parts(kind: &str, at: Option<DateTime<Utc>>) -> Option<DeployOption> {
        match (kind, at) {
            ("config_only", None) => Some(DeployOption::ConfigOnly),
            ("now", None) => Some(DeployOption::Now),
            ("at", Some(t)) => Some(DeployOption::At(t)),
            _ => None,
        }
    }
}

/// The status of one device update; see DESIGN.md's state machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum DeviceUpdateStatus {
    Scheduled,
    Configuring,
    Configured,
    Deploying,
    Succeeded,
    Error,
    Cancelling,
    Cancelled,
}

/// A transition the state machine does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("status: cannot go from {from} to {to}")]
pub struct TransitionError {
    pub from: DeviceUpdateStatus,
    pub to: DeviceUpdateStatus,
}

impl DeviceUpdateStatus {
    pub const ALL: [DeviceUpdateStatus; 8] = [
        DeviceUpdateStatus::Scheduled,
        DeviceUpdateStatus::Configuring,
        DeviceUpdateStatus::Configured,
        DeviceUpdateStatus::Deploying,
        DeviceUpdateStatus::Succeeded,
        DeviceUpdateStatus::Error,
        DeviceUpdateStatus::Cancelling,
        DeviceUpdateStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        use DeviceUpdateStatus::*;
        match self {
            Scheduled => "scheduled",
            Configuring => "configuring",
            Configured => "configured",
            Deploying => "deploying",
            Succeeded => "succeeded",
            Error => "error",
            Cancelling => "cancelling",
            Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<DeviceUpdateStatus> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The edges of DESIGN.md's diagram, and no others. `cancelling → error`
    /// is the "cleanup itself failed" edge.
    pub fn can_transition_to(self, to: DeviceUpdateStatus) -> bool {
        use DeviceUpdateStatus::*;
        matches!(
            (self, to),
            (Scheduled, Configuring)
                | (Scheduled, Cancelling)
                | (Configuring, Configured)
                | (Configuring, Error)
                | (Configured, Deploying)
                | (Deploying, Succeeded)
                | (Deploying, Error)
                | (Error, Cancelling)
                | (Cancelling, Cancelled)
                | (Cancelling, Error)
        )
    }

    pub fn transition(self, to: DeviceUpdateStatus) -> Result<DeviceUpdateStatus, TransitionError> {
        if self.can_transition_to(to) {
            Ok(to)
        } else {
            Err(TransitionError { from: self, to })
        }
    }

    /// Only these two may be cancelled by an admin.
    pub fn can_cancel(self) -> bool {
        self.can_transition_to(DeviceUpdateStatus::Cancelling)
    }
}

impl fmt::Display for DeviceUpdateStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An admin's request as entered, before validation.
#[derive(Debug, Clone)]
pub struct NewUpdate {
    /// The products and their target versions; the first is shown first.
    pub targets: Vec<NewTarget>,
    pub title: String,
    pub window_from: DateTime<Utc>,
    /// The estimated end of the window.
    pub window_to: DateTime<Utc>,
    pub devices: Vec<(DeviceId, DeployOption)>,
}

/// What validation needs to know about the catalog and the fleet. The store
/// loads it in the same transaction it then writes in.
pub struct UpdateFacts<'a> {
    /// Known versions of each requested product; a product missing is unknown.
    pub catalog: &'a CatalogVersions,
    pub devices: &'a BTreeMap<DeviceId, Device>,
}

/// A [`NewUpdate`] that passed every check; the store writes it as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidUpdate {
    pub targets: Vec<Target>,
    pub title: String,
    pub window_from: DateTime<Utc>,
    pub window_to: DateTime<Utc>,
    pub devices: Vec<ValidDeviceUpdate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidDeviceUpdate {
    pub device: DeviceId,
    pub option: DeployOption,
    /// The update's targets that apply to this device, with the versions it
    /// had before, kept so cancel can restore them.
    pub targets: Vec<DeviceTarget>,
}

impl NewUpdate {
    /// Checks everything, first error wins, in the order a form shows fields.
    pub fn validate(
        self,
        facts: &UpdateFacts<'_>,
        now: DateTime<Utc>,
    ) -> Result<ValidUpdate, ValidationError> {
        let targets = check_targets(&self.targets, facts.catalog)?;
        let title = check_title(&self.title)?;
        check_window(self.window_from, self.window_to)?;
        if self.devices.is_empty() {
            return Err(ValidationError::new(
                "devices",
                "must choose at least one device",
            ));
        }
        let mut seen = HashSet::new();
        let mut devices = Vec::with_capacity(self.devices.len());
        for (i, (id, option)) in self.devices.into_iter().enumerate() {
            let field = format!("devices[{i}]");
            if !seen.insert(id) {
                return Err(ValidationError::new(
                    field,
                    format!("device {id} is chosen twice"),
                ));
            }
            let Some(device) = facts.devices.get(&id) else {
                return Err(ValidationError::new(field, format!("unknown device {id}")));
            };
            let device_targets = device_targets(device, &targets)
                .map_err(|why| ValidationError::new(&field, why))?;
            if let DeployOption::At(at) = option {
                let field = format!("devices[{i}].at");
                if at < now {
                    return Err(ValidationError::new(
                        field,
                        format!(
                            "must not be in the past (got {}, now {})",
                            at.to_rfc3339(),
                            now.to_rfc3339()
                        ),
                    ));
                }
                if at < self.window_from || at > self.window_to {
                    return Err(ValidationError::new(
                        field,
                        format!(
                            "must be inside the window {} .. {} (got {})",
                            self.window_from.to_rfc3339(),
                            self.window_to.to_rfc3339(),
                            at.to_rfc3339()
                        ),
                    ));
                }
            }
            devices.push(ValidDeviceUpdate {
                device: id,
                option,
                targets: device_targets,
            });
        }
        Ok(ValidUpdate {
            targets,
            title,
            window_from: self.window_from,
            window_to: self.window_to,
            devices,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Update {
    pub id: UpdateId,
    /// One or more; the first is shown first.
    pub targets: Vec<Target>,
    pub title: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub window_from: DateTime<Utc>,
    /// The estimated end until the update finishes; see `actual_end`.
    pub window_to: DateTime<Utc>,
    /// Set once an admin approved it; only approved updates are executed.
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by: Option<String>,
    /// When its last device update ended; replaces the estimated end.
    pub actual_end: Option<DateTime<Utc>>,
}

impl Update {
    /// The end to show: the actual one once finished, else the estimate.
    pub fn end(&self) -> DateTime<Utc> {
        self.actual_end.unwrap_or(self.window_to)
    }

    /// "acme-erp 2.4.0, edge-gateway 1.2.0".
    pub fn targets_words(&self) -> String {
        super::target::targets_words(&self.targets)
    }
}

impl DeviceUpdate {
    /// The agent's deployment id for its `k`-th target.
    pub fn deployment_id(&self, k: usize) -> String {
        super::target::deployment_id(&self.id, k, &self.targets[k].product)
    }
}

/// One device's part of an update, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DeviceUpdate {
    /// Also the deployment id sent to the agent.
    pub id: DeviceUpdateId,
    pub update: UpdateId,
    pub device: DeviceId,
    /// The update's targets that apply to this device, in the update's
    /// order: configured all first, then deployed one after another.
    pub targets: Vec<DeviceTarget>,
    pub option: DeployOption,
    pub window_from: DateTime<Utc>,
    pub window_to: DateTime<Utc>,
    pub status: DeviceUpdateStatus,
    /// 0..=100.
    pub progress: u8,
    pub actual_start: Option<DateTime<Utc>>,
    pub actual_end: Option<DateTime<Utc>>,
    /// Tries of its work on the agent: one for the first, plus one for each
    /// agent call that had to be tried again.
    pub attempts: u32,
    /// How often an engine start picked it up where a previous run left it.
    pub resumes: u32,
    /// When its progress last changed while deploying (the start of
    /// `deploying` before any change): the stall limit counts from here.
    pub progress_at: Option<DateTime<Utc>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Info => "info",
            LogLevel::Warn => "warn",
            LogLevel::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<LogLevel> {
        [LogLevel::Info, LogLevel::Warn, LogLevel::Error]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

/// Who wrote a log line: the device's agent, or Rollwright itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum LogSource {
    Agent,
    Rollwright,
}

impl LogSource {
    pub fn as_str(self) -> &'static str {
        match self {
            LogSource::Agent => "agent",
            LogSource::Rollwright => "rollwright",
        }
    }
    pub fn parse(s: &str) -> Option<LogSource> {
        [LogSource::Agent, LogSource::Rollwright]
            .into_iter()
            .find(|l| l.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    pub at: DateTime<Utc>,
    pub level: LogLevel,
    /// Machine-readable, e.g. `HEALTH_CHECK_FAILED`.
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub source: LogSource,
}

/// An update's status, derived from its device updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    /// Nothing started yet.
    Scheduled,
    /// Some device update is in progress or still waiting.
    Running,
    /// All settled, none in error, at least one not cancelled.
    Succeeded,
    /// All settled, at least one in error.
    Failed,
    /// All cancelled.
    Cancelled,
}

impl UpdateStatus {
    /// The word for it, as the wire and the status filter spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::Scheduled => "scheduled",
            UpdateStatus::Running => "running",
            UpdateStatus::Succeeded => "succeeded",
            UpdateStatus::Failed => "failed",
            UpdateStatus::Cancelled => "cancelled",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UpdateSummary {
    pub status: UpdateStatus,
    /// 0..=100: settled device updates count fully, others by their progress.
    pub progress: u8,
    pub total: usize,
    pub counts: BTreeMap<DeviceUpdateStatus, usize>,
}

/// Device updates of one update that share a status and whether they are
/// config-only, counted: what the status list reads instead of every row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusGroup {
    pub status: DeviceUpdateStatus,
    pub config_only: bool,
    pub count: usize,
    /// Sum of their progress figures.
    pub progress_sum: u64,
}

/// How an update ended, once every device update settled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// Deployed, or configured when configuring was all that was asked.
    pub succeeded: usize,
    pub failed: usize,
    pub cancelled: usize,
}

impl UpdateSummary {
    /// How the update ended; `None` while it has device updates to settle,
    /// or none at all.
    pub fn outcome(&self) -> Option<Outcome> {
        use DeviceUpdateStatus::*;
        let count = |s| self.counts.get(&s).copied().unwrap_or(0);
        match self.status {
            UpdateStatus::Succeeded | UpdateStatus::Failed | UpdateStatus::Cancelled => {
                Some(Outcome {
                    // Settled, so every `configured` one was config-only.
                    succeeded: count(Succeeded) + count(Configured),
                    failed: count(Error),
                    cancelled: count(Cancelled),
                })
            }
            UpdateStatus::Scheduled | UpdateStatus::Running => None,
        }
    }

    pub fn of(dus: &[DeviceUpdate]) -> UpdateSummary {
        UpdateSummary::from_groups(dus.iter().map(|du| StatusGroup {
            status: du.status,
            config_only: du.option == DeployOption::ConfigOnly,
            count: 1,
            progress_sum: u64::from(du.progress.min(100)),
        }))
    }

    pub fn from_groups(groups: impl IntoIterator<Item = StatusGroup>) -> UpdateSummary {
        let mut counts = BTreeMap::new();
        let mut sum: u64 = 0;
        let mut n = 0;
        let mut all_settled = true;
        for g in groups {
            *counts.entry(g.status).or_insert(0) += g.count;
            n += g.count;
            if is_settled(g.status, g.config_only) {
                sum += 100 * g.count as u64;
            } else {
                all_settled = false;
                sum += g.progress_sum;
            }
        }
        let count = |s| counts.get(&s).copied().unwrap_or(0);
        let status = if n == 0 || count(DeviceUpdateStatus::Scheduled) == n {
            UpdateStatus::Scheduled
        } else if !all_settled {
            UpdateStatus::Running
        } else if count(DeviceUpdateStatus::Error) > 0 {
            UpdateStatus::Failed
        } else if count(DeviceUpdateStatus::Cancelled) == n {
            UpdateStatus::Cancelled
        } else {
            UpdateStatus::Succeeded
        };
        let progress = if n == 0 { 0 } else { (sum / n as u64) as u8 };
        UpdateSummary {
            status,
            progress,
            total: n,
            counts,
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::{ProductName, ProductVersions, Version};
    use chrono::TimeZone;
    use DeviceUpdateStatus::*;

    #[test]
    fn an_update_status_word_is_the_one_on_the_wire() {
        use UpdateStatus as U;
        for s in [
            U::Scheduled,
            U::Running,
            U::Succeeded,
            U::Failed,
            U::Cancelled,
        ] {
            assert_eq!(serde_json::to_value(s).unwrap(), s.as_str());
        }
    }

    #[test]
    fn every_pair_of_statuses_follows_the_design_diagram() {
        // Rows: from; columns: to, in ALL order. 'x' marks an allowed edge.
        //               sch cfg cfd dep suc err cing cled
        let table: [(DeviceUpdateStatus, &str); 8] = [
            (Scheduled, ".x....x."),
            (Configuring, "..x..x.."),
            (Configured, "...x...."),
            (Deploying, "....xx.."),
            (Succeeded, "........"),
            (Error, "......x."),
            (Cancelling, ".....x.x"),
            (Cancelled, "........"),
        ];
        let mut checked = 0;
        for (from, row) in table {
            for (to, mark) in DeviceUpdateStatus::ALL.into_iter().zip(row.chars()) {
                let allowed = mark == 'x';
                assert_eq!(from.can_transition_to(to), allowed, "{from} -> {to}");
                match from.transition(to) {
                    Ok(s) => assert!(allowed && s == to, "{from} -> {to}"),
                    Err(e) => assert!(
                        !allowed && e == TransitionError { from, to },
                        "{from} -> {to}"
                    ),
                }
                checked += 1;
            }
        }
        assert_eq!(checked, 64);
    }

    #[test]
    fn only_scheduled_and_error_can_be_cancelled() {
        let cancellable: Vec<_> = DeviceUpdateStatus::ALL
            .into_iter()
            .filter(|s| s.can_cancel())
            .collect();
        assert_eq!(cancellable, vec![Scheduled, Error]);
    }

    #[test]
    fn statuses_round_trip_through_text() {
        for s in DeviceUpdateStatus::ALL {
            assert_eq!(DeviceUpdateStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(DeviceUpdateStatus::parse("done"), None);
    }

    pub(crate) fn t(h: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2030, 1, 1, h, 0, 0).unwrap()
    }

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn acme() -> ProductName {
        ProductName::parse("p", "acme-erp").unwrap()
    }

    fn device(id: i64, configured: &str) -> Device {
        Device {
            id: DeviceId(id),
            name: format!("dev-{id}"),
            agent_url: "http://127.0.0.1:1".into(),
            tls_fingerprint: None,
            labels: Default::default(),
            admin_labels: Default::default(),
            products: [(
                acme(),
                ProductVersions {
                    configured: Some(v(configured)),
                    deployed: Some(v(configured)),
                },
            )]
            .into(),
            reach: Default::default(),
        }
    }

    fn request() -> NewUpdate {
        NewUpdate {
            targets: vec![NewTarget::new("acme-erp", "2.4.0")],
            title: "ERP 2.4".into(),
            window_from: t(2),
            window_to: t(6),
            devices: vec![
                (DeviceId(1), DeployOption::Now),
                (DeviceId(2), DeployOption::At(t(3))),
            ],
        }
    }

    fn check(req: NewUpdate) -> Result<ValidUpdate, ValidationError> {
        check_at_time(req, t(1))
    }

    fn check_at_time(req: NewUpdate, now: DateTime<Utc>) -> Result<ValidUpdate, ValidationError> {
        // Like the store: versions of the requested products only.
        let catalog: CatalogVersions = req
            .targets
            .iter()
            .filter(|t| t.product == "acme-erp")
            .map(|_| (acme(), vec![v("2.3.0"), v("2.4.0")]))
            .collect();
        let devices: BTreeMap<_, _> = [
            (DeviceId(1), device(1, "2.3.0")),
            (DeviceId(2), device(2, "2.3.0")),
            (DeviceId(3), device(3, "2.4.0")),
        ]
        .into();
        req.validate(
            &UpdateFacts {
                catalog: &catalog,
                devices: &devices,
            },
            now,
        )
    }

    #[test]
    fn a_valid_request_keeps_previous_versions() {
        let u = check(request()).unwrap();
        assert_eq!(u.devices.len(), 2);
        assert_eq!(
            u.devices[0].targets[0].previous.configured,
            Some(v("2.3.0"))
        );
    }

    #[test]
    fn bad_requests_name_the_field() {
        type Mutate = Box<dyn Fn(&mut NewUpdate)>;
        let cases: Vec<(&str, Mutate)> = vec![
            (
                "targets[0].product",
                Box::new(|r| r.targets[0].product = "nope".into()),
            ),
            (
                "targets[0].version",
                Box::new(|r| r.targets[0].version = "9.9.9".into()),
            ),
            (
                "targets[0].version",
                Box::new(|r| r.targets[0].version = "2.4".into()),
            ),
            ("targets", Box::new(|r| r.targets.clear())),
            ("title", Box::new(|r| r.title = "x".repeat(121))),
            ("title", Box::new(|r| r.title = "".into())),
            ("to", Box::new(|r| r.window_to = r.window_from)),
            ("devices", Box::new(|r| r.devices.clear())),
            ("devices[1]", Box::new(|r| r.devices[1].0 = DeviceId(1))),
            ("devices[1]", Box::new(|r| r.devices[1].0 = DeviceId(99))),
            ("devices[1]", Box::new(|r| r.devices[1].0 = DeviceId(3))),
            (
                "devices[1].at",
                Box::new(|r| r.devices[1].1 = DeployOption::At(t(0))),
            ),
            (
                "devices[1].at",
                Box::new(|r| r.devices[1].1 = DeployOption::At(t(7))),
            ),
        ];
        for (field, mutate) in cases {
            let mut r = request();
            mutate(&mut r);
            let e = check(r).unwrap_err();
            assert_eq!(e.field, field, "{e}");
        }
    }

    #[test]
    fn a_device_already_at_the_target_is_refused_with_the_reason() {
        let mut r = request();
        r.devices = vec![(DeviceId(3), DeployOption::Now)];
        let e = check(r).unwrap_err();
        assert!(
            e.rule.contains("not eligible") && e.rule.contains("not higher"),
            "{e}"
        );
    }

    pub(crate) fn du(
        status: DeviceUpdateStatus,
        option: DeployOption,
        progress: u8,
    ) -> DeviceUpdate {
        DeviceUpdate {
            id: DeviceUpdateId::parse("du-1").unwrap(),
            update: UpdateId(1),
            device: DeviceId(1),
            targets: vec![DeviceTarget {
                product: acme(),
                version: v("2.4.0"),
                previous: Default::default(),
            }],
            option,
            window_from: t(1),
            window_to: t(2),
            status,
            progress,
            actual_start: None,
            actual_end: None,
            attempts: 0,
            resumes: 0,
            progress_at: None,
            updated_at: t(1),
        }
    }

    #[test]
    fn summary_serialises_counts_keyed_by_status_name() {
        let s = UpdateSummary::of(&[
            du(Error, DeployOption::Now, 30),
            du(Succeeded, DeployOption::Now, 100),
        ]);
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": "failed", "progress": 100, "total": 2, "counts": {"succeeded": 1, "error": 1}})
        );
    }

    #[test]
    fn summary_derives_status_and_progress() {
        use DeployOption::*;
        let s = UpdateSummary::of(&[du(Scheduled, Now, 0), du(Scheduled, Now, 0)]);
        assert_eq!((s.status, s.progress), (UpdateStatus::Scheduled, 0));
        let s = UpdateSummary::of(&[du(Succeeded, Now, 100), du(Deploying, Now, 50)]);
        assert_eq!((s.status, s.progress), (UpdateStatus::Running, 75));
        let s = UpdateSummary::of(&[du(Succeeded, Now, 100), du(Configured, ConfigOnly, 0)]);
        assert_eq!((s.status, s.progress), (UpdateStatus::Succeeded, 100));
        let s = UpdateSummary::of(&[du(Configured, Now, 0), du(Succeeded, Now, 100)]);
        assert_eq!(
            s.status,
            UpdateStatus::Running,
            "configured but not yet deployed"
        );
        let s = UpdateSummary::of(&[du(Error, Now, 30), du(Succeeded, Now, 100)]);
        assert_eq!(s.status, UpdateStatus::Failed);
        let s = UpdateSummary::of(&[du(Cancelled, Now, 0)]);
        assert_eq!(s.status, UpdateStatus::Cancelled);
        assert_eq!(s.counts[&Cancelled], 1);
    }

    /// `check` with a window that starts at `now` = t(2).
    fn check_at(at: DateTime<Utc>) -> Result<ValidUpdate, ValidationError> {
        let mut r = request();
        r.window_from = t(2);
        r.devices[1].1 = DeployOption::At(at);
        check_at_time(r, t(2))
    }

    #[test]
    fn a_deploy_time_may_be_now_but_not_a_moment_before() {
        assert!(check_at(t(2)).is_ok());
        let e = check_at(t(2) - chrono::Duration::seconds(1)).unwrap_err();
        assert_eq!(e.field, "devices[1].at");
        assert!(e.rule.contains("must not be in the past"), "{e}");
    }

    #[test]
    fn a_deploy_time_may_be_either_end_of_the_window_but_not_outside() {
        // The window is t(2) .. t(6).
        assert!(check_at(t(2)).is_ok());
        assert!(check_at(t(6)).is_ok());
        let e = check_at(t(6) + chrono::Duration::seconds(1)).unwrap_err();
        assert_eq!(e.field, "devices[1].at");
        assert!(e.rule.contains("inside the window"), "{e}");
        // Before the window but not in the past: now is earlier than the window.
        let mut r = request();
        r.devices[1].1 = DeployOption::At(t(2) - chrono::Duration::seconds(1));
        let e = check(r).unwrap_err();
        assert!(e.rule.contains("inside the window"), "{e}");
    }

    #[test]
    fn settled_means_finished_failed_or_configured_when_only_configuring_was_asked() {
        let settled: Vec<(DeviceUpdateStatus, bool)> = DeviceUpdateStatus::ALL
            .into_iter()
            .flat_map(|s| [(s, false), (s, true)])
            .filter(|&(s, config_only)| is_settled(s, config_only))
            .collect();
        assert_eq!(
            settled,
            [
                (Configured, true),
                (Succeeded, false),
                (Succeeded, true),
                (Error, false),
                (Error, true),
                (Cancelled, false),
                (Cancelled, true),
            ]
        );
        assert!(du(Configured, DeployOption::ConfigOnly, 0).is_settled());
        assert!(!du(Configured, DeployOption::Now, 0).is_settled());
    }

    #[test]
    fn an_update_has_an_outcome_once_every_device_update_settled() {
        let running = [
            du(Succeeded, DeployOption::Now, 100),
            du(Configured, DeployOption::Now, 0),
        ];
        assert_eq!(UpdateSummary::of(&running).outcome(), None);
        assert_eq!(UpdateSummary::of(&[]).outcome(), None);
        let ended = [
            du(Succeeded, DeployOption::Now, 100),
            du(Configured, DeployOption::ConfigOnly, 0),
            du(Error, DeployOption::Now, 30),
            du(Cancelled, DeployOption::Now, 0),
            du(Cancelled, DeployOption::At(t(1)), 0),
        ];
        assert_eq!(
            UpdateSummary::of(&ended).outcome(),
            Some(Outcome {
                succeeded: 2,
                failed: 1,
                cancelled: 2
            })
        );
        let cancelled = [du(Cancelled, DeployOption::Now, 0)];
        assert_eq!(
            UpdateSummary::of(&cancelled).outcome().map(|o| o.cancelled),
            Some(1)
        );
    }

    #[test]
    fn a_group_of_settled_device_updates_counts_fully_for_each_member() {
        let group = |status, count, progress_sum| StatusGroup {
            status,
            config_only: false,
            count,
            progress_sum,
        };
        // Three succeeded (300) and one deploying at 20 %: 320 / 4 = 80.
        let s = UpdateSummary::from_groups([group(Succeeded, 3, 300), group(Deploying, 1, 20)]);
        assert_eq!(
            (s.status, s.progress, s.total),
            (UpdateStatus::Running, 80, 4)
        );
        // Unsettled groups count by their summed progress: (0 + 90) / 3 = 30.
        let s = UpdateSummary::from_groups([group(Deploying, 2, 90), group(Scheduled, 1, 0)]);
        assert_eq!((s.progress, s.counts[&Deploying]), (30, 2));
    }

    #[test]
    fn a_deploy_option_is_rebuilt_from_its_stored_parts_and_nothing_else() {
        for option in [
            DeployOption::ConfigOnly,
            DeployOption::Now,
            DeployOption::At(t(3)),
        ] {
            assert_eq!(
                DeployOption::from_parts(option.kind(), option.at()),
                Some(option)
            );
        }
        assert_eq!(DeployOption::At(t(3)).at(), Some(t(3)));
        assert_eq!(DeployOption::Now.at(), None);
        assert_eq!(DeployOption::from_parts("at", None), None);
        assert_eq!(DeployOption::from_parts("now", Some(t(3))), None);
        assert_eq!(DeployOption::from_parts("config_only", Some(t(3))), None);
        assert_eq!(DeployOption::from_parts("later", None), None);
    }

    #[test]
    fn a_status_displays_as_its_stored_name() {
        assert_eq!(Cancelling.to_string(), "cancelling");
        assert_eq!(
            TransitionError {
                from: Succeeded,
                to: Deploying
            }
            .to_string(),
            "status: cannot go from succeeded to deploying"
        );
    }
}
