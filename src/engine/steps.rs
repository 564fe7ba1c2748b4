//! The steps of one device update: configure every target, deploy them one
//! after another following each deployment, and clean up after a cancel.
//! Each step first makes its transition durable, then calls the agent; every
//! agent call carries a deployment id fixed by the device update and product,
//! or is idempotent, so repeating a step after a crash never deploys twice.
//!
//! The steps see only what they need ([`Steps`]); which device update runs
//! when, and what happens once it settles, is the driver's (`drive.rs`).

use std::sync::Arc;

use rollwright_protocol::{Deployment, DeploymentState};
use tokio::sync::{broadcast, mpsc, Semaphore};

use super::clients::{Clients, DeviceHandle};
use super::journal::Journal;
use super::retry::Tried;
use super::{blocking, wire, Clock, EngineConfig, EngineError, EngineEvent};
use crate::agent_client::{AgentError, PreparedConfig};
use crate::domain::{
    DeployLimits, DeployOption, DeviceUpdate, DeviceUpdateId, DeviceUpdateStatus, LogEntry,
    LogLevel, LogSource, Overdue, ProductName,
};
use crate::store::{ChangeOutcome, DeviceUpdateChange, Store};

use DeviceUpdateStatus::*;

/// The part of the engine a device update's steps work with.
pub(super) struct Steps<'a> {
    pub clock: &'a dyn Clock,
    pub config: &'a EngineConfig,
    pub store: &'a Store,
    pub journal: &'a Journal,
    pub clients: &'a Clients,
    /// Agent calls in flight at once.
    pub permits: &'a Semaphore,
    pub events: &'a broadcast::Sender<EngineEvent>,
    /// Names of devices whose update failed, for the grouped notification.
    pub failures: &'a mpsc::UnboundedSender<String>,
}

/// A step could not go on; the device update is left as the store has it.
type Step = Result<DeviceUpdate, Stop>;

enum Stop {
    /// Someone else changed the status first (a cancel); nothing more to do.
    Superseded,
    /// The step failed and the device update is now in `error`, as given.
    Failed(Box<DeviceUpdate>),
    /// The step failed and not even `error` could be recorded (the log says).
    Unrecorded,
}

/// The device update as it stands after a step, when this step moved it
/// last; `None` when someone else did or nothing could be recorded.
pub(super) type Moved = Option<DeviceUpdate>;

fn moved(step: Step) -> Moved {
    match step {
        Ok(du) => Some(du),
        Err(Stop::Failed(du)) => Some(*du),
        Err(Stop::Superseded | Stop::Unrecorded) => None,
    }
}

impl Steps<'_> {
    /// Carries a device update on from its current status to the next
    /// resting point.
    pub(super) async fn carry_on(&self, du: DeviceUpdate) -> Moved {
        let result = match du.status {
            Scheduled | Configuring => match self.configure_step(du).await {
                Ok(du) if du.option != DeployOption::ConfigOnly => self.deploy_step(du).await,
                other => other,
            },
            Configured | Deploying => self.deploy_step(du).await,
            Cancelling => self.cleanup_step(du).await,
            Succeeded | Error | Cancelled => Ok(du),
        };
        moved(result)
    }

    /// Sets the device's configuration (phase one of an update).
    pub(super) async fn configure(&self, du: DeviceUpdate) -> Moved {
        moved(self.configure_step(du).await)
    }

    /// Moves a device update to `cancelling` durably; `None` when its status
    /// changed under us. A worker may hold it right now: the durable
    /// transition decides who wins, since the store refuses the second move.
    pub(super) async fn begin_cancel(&self, du: DeviceUpdate) -> Moved {
        self.transition(du, Cancelling, Vec::new()).await.ok()
    }

    /// Tells a device its targets before its deploy time, leaving the status
    /// `scheduled`. Best effort: the configuration is set again at the time.
    pub(super) async fn configure_early(&self, du: &DeviceUpdate) {
        let Ok((device, configs)) = self.prerequisites(du).await else {
            return;
        };
        for (target, req) in du.targets.iter().zip(&configs) {
            let tried = self
                .agent_call(du, || {
                    device
                        .client
                        .put_prepared_config(target.product.as_str(), req)
                })
                .await;
            if let Err(e) = tried.result {
                tracing::warn!(device = %device.name, product = %target.product, "early configuration failed, will retry at deploy time: {e}");
                return;
            }
        }
    }

    /// Sets every target's configuration; `configured` once all are set.
    async fn configure_step(&self, mut du: DeviceUpdate) -> Step {
        if du.status == Scheduled {
            du = self.transition(du, Configuring, Vec::new()).await?;
        }
        let (device, configs) = match self.prerequisites(&du).await {
            Ok(found) => found,
            Err(e) => {
                return Err(self
                    .fail(du, "configure", None, 0, &e.to_string(), None)
                    .await)
            }
        };
        for (k, req) in configs.iter().enumerate() {
            let product = du.targets[k].product.clone();
            let tried = self
                .agent_call(&du, || {
                    device.client.put_prepared_config(product.as_str(), req)
                })
                .await;
            if let Err(e) = tried.result {
                return Err(self
                    .fail_call(du, "configure", Some(&product), tried.tries, e)
                    .await);
            }
        }
        self.transition(du, Configured, Vec::new()).await
    }

    /// Deploys the targets one after another; `succeeded` once all are.
    /// Also how a resumed `deploying` goes on: a repeated start returns the
    /// deployment the agent already has, finished or not.
    async fn deploy_step(&self, mut du: DeviceUpdate) -> Step {
        if du.status == Configured {
            du = self.transition(du, Deploying, Vec::new()).await?;
        }
        let device = match self.clients.device(du.device).await {
            Ok(d) => d,
            Err(e) => return Err(self.fail(du, "deploy", None, 0, &e.to_string(), None).await),
        };
        for k in 0..du.targets.len() {
            du = self.deploy_target(du, &device, k).await?;
        }
        self.transition(du, Succeeded, Vec::new()).await
    }

    /// Starts the `k`-th target's deployment and follows it until it
    /// succeeds (the device update stays `deploying`), fails, or breaks the
    /// deploy timeout or the stall limit (both counted from recorded times,
    /// so a restart does not reset them). An agent that forgot the deployment
    /// (404) is asked to start it again, under the same id.
    async fn deploy_target(&self, mut du: DeviceUpdate, device: &DeviceHandle, k: usize) -> Step {
        let product = du.targets[k].product.clone();
        let id = du.deployment_id(k);
        let request = wire::deployment_request(&du, k);
        let mut seen: Option<Deployment> = None;
        loop {
            let d = match seen.take() {
                Some(d) => d,
                None => {
                    let tried = self
                        .agent_call(&du, || device.client.start_deployment(&request))
                        .await;
                    match tried.result {
                        Ok(d) => d,
                        Err(e) => {
                            return Err(self
                                .fail_call(du, "deploy", Some(&product), tried.tries, e)
                                .await)
                        }
                    }
                }
            };
            match d.state {
                DeploymentState::Succeeded => return Ok(du),
                DeploymentState::Failed | DeploymentState::RolledBack => {
                    return Err(self.fail_deployment(du, &product, d).await);
                }
                DeploymentState::Pending
                | DeploymentState::Running
                | DeploymentState::RollingBack => {
                    let progress = overall_progress(k, du.targets.len(), d.progress);
                    if progress != du.progress {
                        du.progress = progress;
                        du.progress_at = Some(self.clock.now());
                        self.record_progress(&du);
                    }
                }
            }
            if let Some(overdue) = du.overdue(self.clock.now(), self.limits()) {
                return Err(self.fail_overdue(du, overdue).await);
            }
            tokio::time::sleep(self.config.poll_interval).await;
            let tried = self.agent_call(&du, || device.client.deployment(&id)).await;
            match tried.result {
                Ok(d) => seen = Some(d),
                Err(e) if e.status() == Some(404) => {}
                Err(e) => {
                    return Err(self
                        .fail_call(du, "follow deployment", Some(&product), tried.tries, e)
                        .await)
                }
            }
        }
    }

    fn limits(&self) -> DeployLimits {
        let span =
            |d: std::time::Duration| chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX);
        DeployLimits {
            timeout: span(self.config.deploy_timeout),
            stall: span(self.config.stall_limit),
        }
    }

    /// Undoes what a cancelled device update may have done, for every
    /// target: aborts and rolls back its deployment if work had begun, then
    /// puts the configuration back to what it was.
    async fn cleanup_step(&self, du: DeviceUpdate) -> Step {
        let device = match self.clients.device(du.device).await {
            Ok(d) => d,
            Err(e) => return Err(self.fail(du, "cancel", None, 0, &e.to_string(), None).await),
        };
        if du.actual_start.is_some() {
            for k in 0..du.targets.len() {
                let id = du.deployment_id(k);
                let tried = self.agent_call(&du, || device.client.rollback(&id)).await;
                match tried.result {
                    Ok(_) => {}
                    // The agent never started it: nothing to roll back.
                    Err(e) if e.status() == Some(404) => {}
                    Err(e) => {
                        let product = du.targets[k].product.clone();
                        return Err(self
                            .fail_call(du, "roll back", Some(&product), tried.tries, e)
                            .await);
                    }
                }
            }
        }
        for k in 0..du.targets.len() {
            let target = du.targets[k].clone();
            let product = target.product.as_str();
            let revoke = match &target.previous.configured {
                Some(previous) => match self.clients.config(&target.product, previous).await {
                    Ok(req) => {
                        self.agent_call(&du, || device.client.put_prepared_config(product, &req))
                            .await
                    }
                    Err(e) => {
                        return Err(self
                            .fail(
                                du,
                                "revoke configuration",
                                Some(&target.product),
                                0,
                                &e.to_string(),
                                None,
                            )
                            .await)
                    }
                },
                None => {
                    self.agent_call(&du, || device.client.revoke_config(product))
                        .await
                }
            };
            if let Err(e) = revoke.result {
                return Err(self
                    .fail_call(
                        du,
                        "revoke configuration",
                        Some(&target.product),
                        revoke.tries,
                        e,
                    )
                    .await);
            }
        }
        self.transition(du, Cancelled, Vec::new()).await
    }

    /// One agent call for a device update with the engine's retries, holding
    /// one of the concurrency permits per try, not across the backoff. Each
    /// retry counts as an attempt of the device update.
    async fn agent_call<T, Fut>(&self, du: &DeviceUpdate, mut call: impl FnMut() -> Fut) -> Tried<T>
    where
        Fut: std::future::Future<Output = Result<T, AgentError>>,
    {
        let tried = self
            .config
            .retry
            .run(|| {
                let attempt = call();
                async move {
                    let _permit = self.permits.acquire().await;
                    attempt.await
                }
            })
            .await;
        if let Err(AgentError::CertificateChanged { .. }) = &tried.result {
            // Until an admin trusts the new certificate every call fails the
            // same way; after that, the next call must read the new pin.
            self.clients.forget(du.device);
        }
        if tried.tries > 1 {
            self.journal.write_later(vec![DeviceUpdateChange::Retried {
                id: du.id.clone(),
                retries: tried.tries - 1,
                at: self.clock.now(),
            }]);
        }
        tried
    }

    /// The device's client and each target's configuration body.
    async fn prerequisites(
        &self,
        du: &DeviceUpdate,
    ) -> Result<(Arc<DeviceHandle>, Vec<Arc<PreparedConfig>>), EngineError> {
        let device = self.clients.device(du.device).await?;
        let mut configs = Vec::with_capacity(du.targets.len());
        for t in &du.targets {
            configs.push(self.clients.config(&t.product, &t.version).await?);
        }
        Ok((device, configs))
    }

    /// Makes a transition durable (with any log lines) before anyone acts on
    /// it, then tells the world.
    async fn transition(
        &self,
        mut du: DeviceUpdate,
        to: DeviceUpdateStatus,
        logs: Vec<LogEntry>,
    ) -> Step {
        let at = self.clock.now();
        let mut changes = Vec::with_capacity(1 + logs.len());
        changes.push(DeviceUpdateChange::Transition {
            id: du.id.clone(),
            to,
            at,
        });
        changes.extend(logs.into_iter().map(|entry| DeviceUpdateChange::Log {
            id: du.id.clone(),
            entry,
        }));
        match self.journal.write(changes).await {
            Ok(outcomes) => {
                if let Some(ChangeOutcome::Refused(why)) = outcomes.first() {
                    tracing::debug!(device_update = %du.id, "transition to {to} refused: {why}");
                    return Err(Stop::Superseded);
                }
            }
            Err(e) => {
                // Without durable state the engine must not act.
                tracing::error!(device_update = %du.id, "cannot record transition to {to}: {e}");
                return Err(Stop::Unrecorded);
            }
        }
        if du.apply(to, at).is_err() {
            // The store allowed the move from the status it holds, so this
            // copy was behind: take the store's.
            du = self.reload(&du.id).await.ok_or(Stop::Unrecorded)?;
        }
        self.publish(&du);
        Ok(du)
    }

    async fn reload(&self, id: &DeviceUpdateId) -> Option<DeviceUpdate> {
        let (store, key) = (self.store.clone(), id.clone());
        match blocking(move || store.device_update(&key)).await {
            Ok(found) => found,
            Err(e) => {
                tracing::error!(device_update = %id, "cannot reload: {e}");
                None
            }
        }
    }

    fn record_progress(&self, du: &DeviceUpdate) {
        self.journal.write_later(vec![DeviceUpdateChange::Progress {
            id: du.id.clone(),
            progress: du.progress,
            at: self.clock.now(),
        }]);
        self.publish(du);
    }

    fn publish(&self, du: &DeviceUpdate) {
        let _ = self.events.send(EngineEvent::DeviceUpdate {
            update: du.update,
            device_update: du.id.clone(),
            device: du.device,
            status: du.status,
            progress: du.progress,
            settled: du.is_settled(),
        });
    }

    /// A failed agent call: Rollwright's own log line says which step, how
    /// many tries and the last HTTP status; the agent's error body follows.
    async fn fail_call(
        &self,
        du: DeviceUpdate,
        step: &str,
        product: Option<&ProductName>,
        tries: u32,
        e: AgentError,
    ) -> Stop {
        let detail = match (e.status(), e.body()) {
            (Some(status), Some(body)) => Some(format!(
                "last HTTP status: {status}\nagent response: {}: {}",
                body.code, body.message
            )),
            (Some(status), None) => Some(format!("last HTTP status: {status}")),
            _ => Some("last HTTP status: none (no answer)".to_owned()),
        };
        self.fail(du, step, product, tries, &e.to_string(), detail)
            .await
    }

    /// Records a failed step in the log ("deploy (acme-erp) failed after 3
    /// tries: …", its detail one `name: value` line each for the step, the
    /// product, the tries and `detail`'s own lines) and moves the device
    /// update to `error`.
    async fn fail(
        &self,
        du: DeviceUpdate,
        step: &str,
        product: Option<&ProductName>,
        tries: u32,
        message: &str,
        detail: Option<String>,
    ) -> Stop {
        let what = match product {
            Some(p) => format!("{step} ({p})"),
            None => step.to_owned(),
        };
        let entry = LogEntry {
            at: self.clock.now(),
            level: LogLevel::Error,
            code: format!("{}_FAILED", step.to_uppercase().replace(' ', "_")),
            message: format!(
                "{what} failed after {tries} {}: {message}",
                if tries == 1 { "try" } else { "tries" }
            ),
            detail: Some(failure_detail(step, product, tries, detail)),
            source: LogSource::Rollwright,
        };
        self.to_error(du, vec![entry]).await
    }

    /// The deployment broke a limit while still running on the agent. It is
    /// left running there: cancel aborts and rolls it back.
    async fn fail_overdue(&self, du: DeviceUpdate, overdue: Overdue) -> Stop {
        let entry = LogEntry {
            at: self.clock.now(),
            level: LogLevel::Error,
            code: overdue.code().into(),
            message: overdue.message(du.progress),
            detail: None,
            source: LogSource::Rollwright,
        };
        self.to_error(du, vec![entry]).await
    }

    /// The agent reported a target's deployment failed: its log is copied over.
    async fn fail_deployment(
        &self,
        du: DeviceUpdate,
        product: &ProductName,
        d: Deployment,
    ) -> Stop {
        let now = self.clock.now();
        let mut logs: Vec<LogEntry> = d.log.iter().map(|l| wire::log_entry(l, now)).collect();
        logs.push(LogEntry {
            at: now,
            level: LogLevel::Error,
            code: "DEPLOY_FAILED".into(),
            message: format!(
                "the agent reports the deployment of {product} {:?}",
                d.state
            ),
            detail: Some(failure_detail(
                "deploy",
                Some(product),
                du.attempts,
                d.from_version
                    .map(|v| format!("agent response: the device runs {product} {v} again")),
            )),
            source: LogSource::Rollwright,
        });
        self.to_error(du, logs).await
    }

    async fn to_error(&self, du: DeviceUpdate, logs: Vec<LogEntry>) -> Stop {
        let label = match self.clients.device(du.device).await {
            Ok(d) => d.name.clone(),
            Err(_) => format!("device {}", du.device),
        };
        match self.transition(du, Error, logs).await {
            Ok(du) => {
                let _ = self.failures.send(label);
                Stop::Failed(Box::new(du))
            }
            Err(stop) => stop,
        }
    }
}

/// A device update's progress while its `k`-th of `n` targets deploys at
/// `progress` %: the finished ones count fully, and 100 is kept for the
/// recorded success.
fn overall_progress(k: usize, n: usize, progress: u8) -> u8 {
    let done = k * 100 + usize::from(progress.min(100));
    (done / n.max(1)).min(99) as u8
}

/// A failed step's log detail: what was tried, on what, how often, and what
/// the agent last said.
fn failure_detail(
    step: &str,
    product: Option<&ProductName>,
    tries: u32,
    more: Option<String>,
) -> String {
    let mut lines = vec![format!("step: {step}")];
    if let Some(p) = product {
        lines.push(format!("product: {p}"));
    }
    lines.push(format!("tries: {tries}"));
    lines.extend(more);
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::overall_progress;

    #[test]
    fn progress_counts_finished_targets_fully_and_never_reaches_100_before_success() {
        assert_eq!(overall_progress(0, 1, 40), 40);
        assert_eq!(overall_progress(0, 1, 100), 99);
        assert_eq!(overall_progress(0, 2, 50), 25);
        assert_eq!(overall_progress(1, 2, 0), 50);
        assert_eq!(overall_progress(1, 2, 100), 99);
        assert_eq!(overall_progress(2, 4, 20), 55);
    }
}
