//! The update engine: carries out approved updates against device agents,
//! survives crashes, and tells everyone what happened. It never acts on a
//! device before the change it is about to make is durable in SQLite, and it
//! never polls the calendar: the scheduler sleeps until the next due time.
//!
//! Order of work for an approved update: first the configuration of every
//! chosen device is set, then deployments start as each device's option says
//! (`now` at once, `at(t)` at t, `config_only` never).

mod clock;
mod events;
mod journal;
mod notify;
mod retry;
mod scheduler;
mod wire;
mod work;

pub use clock::{Clock, ManualClock, SystemClock};
pub use events::EngineEvent;
pub use journal::JournalError;
pub use notify::{Notification, Notifier, Silent};
pub use retry::RetryPolicy;
pub use wire::config_request;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, Notify, OwnedSemaphorePermit, Semaphore};

use crate::agent_client::{AgentClient, AgentError, ClientOptions, PreparedConfig};
use crate::domain::{
    DeployOption, DeviceId, DeviceUpdate, DeviceUpdateId, DeviceUpdateStatus, ErrorCode,
    ProductName, UpdateId, UpdateSummary, Version,
};
use crate::store::{DeviceUpdateChange, Store, StoreError};
use journal::Journal;
use scheduler::{Due, Scheduler};

#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Agent calls in flight at once. On loopback 16–64 does best; more is
    /// slower (SETUP.md).
    pub concurrency: usize,
    pub retry: RetryPolicy,
    pub client: ClientOptions,
    /// How often a running deployment is asked for its progress.
    pub poll_interval: Duration,
    /// A deployment still running this long after its device update's
    /// recorded start is stuck: it goes to `error`, from where an admin can
    /// cancel it (abort and roll back). Counted from the recorded start, so a
    /// restart of the engine does not reset it.
    pub deploy_timeout: Duration,
    /// A deployment whose progress has not changed for this long is stalled,
    /// and goes to `error` the same way. Counted from the recorded last change.
    pub stall_limit: Duration,
    /// Device updates failing within this window share one notification.
    pub failure_group_window: Duration,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            concurrency: 32,
            retry: RetryPolicy {
                max_tries: 5,
                base: Duration::from_millis(200),
                max: Duration::from_secs(5),
            },
            client: ClientOptions::default(),
            poll_interval: Duration::from_millis(500),
            deploy_timeout: Duration::from_secs(30 * 60),
            stall_limit: Duration::from_secs(5 * 60),
            failure_group_window: Duration::from_secs(3),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error("update {0} not found")]
    UpdateNotFound(UpdateId),
    #[error("device update {0} not found")]
    DeviceUpdateNotFound(DeviceUpdateId),
    /// The request is understood but not allowed now; the text says why.
    #[error("{0}")]
    Refused(String),
    #[error("device {device}: {source}")]
    Agent {
        device: DeviceId,
        source: AgentError,
    },
    #[error("cannot set up the HTTP client: {0}")]
    Client(AgentError),
    #[error("internal engine failure: {0}")]
    Internal(String),
}

impl EngineError {
    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Store(e) => e.code(),
            EngineError::UpdateNotFound(_) | EngineError::DeviceUpdateNotFound(_) => {
                ErrorCode::NotFound
            }
            EngineError::Refused(_) => ErrorCode::Conflict,
            EngineError::Journal(_)
            | EngineError::Agent { .. }
            | EngineError::Client(_)
            | EngineError::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// A cheap `Clone` handle to the running engine.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    config: EngineConfig,
    /// Every device's client shares this one's connection pool.
    pool: AgentClient,
    events: broadcast::Sender<EngineEvent>,
    notifier: Arc<dyn Notifier>,
    failures: mpsc::UnboundedSender<String>,
    journal: Journal,
    scheduler: Scheduler,
    permits: Semaphore,
    /// Bounds the device update tasks that exist at once during a rollout, so
    /// memory follows the concurrency, not the fleet size.
    slots: Arc<Semaphore>,
    /// Tasks working on device updates or driving updates; idle at zero.
    busy: AtomicUsize,
    idle: Notify,
    state: Mutex<State>,
    /// Scheduler lateness of each dispatched `at(t)`, for the benchmark.
    lateness: Mutex<Vec<Duration>>,
}

#[derive(Default)]
struct State {
    /// Device updates a task is working on, so none gets two; `true` when
    /// another task asked for it meanwhile.
    active: HashMap<DeviceUpdateId, bool>,
    /// Per update being driven: its device updates not settled yet.
    open: HashMap<UpdateId, HashSet<DeviceUpdateId>>,
    devices: HashMap<DeviceId, Arc<DeviceHandle>>,
    manifests: HashMap<(ProductName, Version), Arc<PreparedConfig>>,
}

struct DeviceHandle {
    name: String,
    client: AgentClient,
}

impl Engine {
    /// Builds the engine and its writer thread; call [`Engine::start`] next.
    /// Must be called inside a tokio runtime.
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        notifier: Arc<dyn Notifier>,
        config: EngineConfig,
    ) -> Result<Engine, EngineError> {
        // Devices' clients are made from this one to share its connection pool.
        let pool = AgentClient::new("http://127.0.0.1", "", &config.client)
            .map_err(EngineError::Client)?;
        let (scheduler, due) = Scheduler::start(clock.clone());
        let failures = notify::spawn_failure_grouper(notifier.clone(), config.failure_group_window);
        let engine = Engine {
            inner: Arc::new(Inner {
                journal: Journal::start(store.clone()),
                store,
                clock,
                permits: Semaphore::new(config.concurrency.max(1)),
                slots: Arc::new(Semaphore::new(4 * config.concurrency.max(1))),
                config,
                pool,
                events: broadcast::channel(4096).0,
                notifier,
                failures,
                scheduler,
                busy: AtomicUsize::new(0),
                idle: Notify::new(),
                state: Mutex::new(State::default()),
                lateness: Mutex::new(Vec::new()),
            }),
        };
        tokio::spawn(engine.clone().dispatch_due(due));
        Ok(engine)
    }

    /// Resumes everything unfinished: device updates of approved updates, and
    /// cleanups under way, are reconciled with their agents by id and carried
    /// on. Returns how many.
    pub async fn start(&self) -> Result<usize, EngineError> {
        let store = self.inner.store.clone();
        let unsettled = blocking(move || store.device_updates_to_resume()).await?;
        let count = unsettled.len();
        // Work that was under way when the last run stopped is picked up
        // again: a resume, not another try.
        let at = self.inner.clock.now();
        let resumed: Vec<DeviceUpdateChange> = unsettled
            .iter()
            .filter(|du| {
                matches!(
                    du.status,
                    DeviceUpdateStatus::Configuring
                        | DeviceUpdateStatus::Deploying
                        | DeviceUpdateStatus::Cancelling
                )
            })
            .map(|du| DeviceUpdateChange::Resumed {
                id: du.id.clone(),
                at,
            })
            .collect();
        if !resumed.is_empty() {
            self.inner.journal.write(resumed).await?;
        }
        let mut by_update: HashMap<UpdateId, Vec<DeviceUpdate>> = HashMap::new();
        for du in unsettled {
            by_update.entry(du.update).or_default().push(du);
        }
        for (update, dus) in by_update {
            self.drive(update, dus);
        }
        // Updates whose work all ended before a crash but whose end was not
        // recorded yet.
        let store = self.inner.store.clone();
        for update in blocking(move || store.unfinished_approved_updates()).await? {
            if !self.lock().open.contains_key(&update) {
                self.maybe_finish(update).await;
            }
        }
        Ok(count)
    }

    /// Approves an update and starts its work. Approving again is harmless.
    pub async fn approve(&self, update: UpdateId, by: &str) -> Result<(), EngineError> {
        let store = self.inner.store.clone();
        let by = by.to_owned();
        let now = self.inner.clock.now();
        let dus = blocking(move || -> Result<_, StoreError> {
            store
                .update(update)?
                .ok_or(StoreError::not_found("update", update))?;
            store.approve_update(update, &by, now)?;
            store.device_updates_of(update)
        })
        .await?;
        let _ = self
            .inner
            .events
            .send(EngineEvent::UpdateApproved { update });
        if self.lock().open.contains_key(&update) {
            return Ok(());
        }
        let unsettled: Vec<DeviceUpdate> = dus.into_iter().filter(|du| !du.is_settled()).collect();
        if unsettled.is_empty() {
            self.maybe_finish(update).await;
        } else {
            self.drive(update, unsettled);
        }
        Ok(())
    }

    /// Cancels every cancellable device update of an update (those in
    /// `scheduled` or `error`); returns how many. Refused when none is.
    pub async fn cancel_update(&self, update: UpdateId) -> Result<usize, EngineError> {
        let store = self.inner.store.clone();
        let dus = blocking(move || -> Result<_, StoreError> {
            store
                .update(update)?
                .ok_or(StoreError::not_found("update", update))?;
            store.device_updates_of(update)
        })
        .await?;
        let cancellable: Vec<DeviceUpdate> = dus
            .iter()
            .filter(|du| du.status.can_cancel())
            .cloned()
            .collect();
        if cancellable.is_empty() {
            return Err(EngineError::Refused(format!(
                "update {update}: nothing to cancel; only device updates in scheduled or error can be cancelled ({})",
                status_counts(&dus)
            )));
        }
        let mut cancelled = 0;
        for du in cancellable {
            if self.start_cancel(du).await? {
                cancelled += 1;
            }
        }
        Ok(cancelled)
    }

    /// Cancels one device update; refused unless it is `scheduled` or `error`.
    pub async fn cancel_device_update(&self, id: &DeviceUpdateId) -> Result<(), EngineError> {
        let store = self.inner.store.clone();
        let key = id.clone();
        let du = blocking(move || store.device_update(&key))
            .await?
            .ok_or_else(|| EngineError::DeviceUpdateNotFound(id.clone()))?;
        if !du.status.can_cancel() {
            return Err(EngineError::Refused(format!(
                "device update {id} is {}; only scheduled or error can be cancelled",
                du.status
            )));
        }
        if self.start_cancel(du).await? {
            Ok(())
        } else {
            Err(EngineError::Refused(format!(
                "device update {id} changed status while cancelling; look again"
            )))
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Whether nothing is running and nothing waits for its time.
    pub fn is_idle(&self) -> bool {
        self.inner.busy.load(Ordering::SeqCst) == 0 && self.inner.scheduler.len() == 0
    }

    /// Device updates a task is working on right now.
    pub fn running(&self) -> usize {
        self.lock().active.len()
    }

    /// Device updates waiting for their deploy time.
    pub fn waiting(&self) -> usize {
        self.inner.scheduler.len()
    }

    /// Completes once nothing is running and nothing waits for its time.
    pub async fn wait_idle(&self) {
        loop {
            let notified = self.inner.idle.notified();
            if self.is_idle() {
                return;
            }
            notified.await;
        }
    }

    /// The scheduler lateness of every `at(t)` dispatched so far, emptied.
    pub fn take_lateness(&self) -> Vec<Duration> {
        std::mem::take(
            &mut *self
                .inner
                .lateness
                .lock()
                .unwrap_or_else(|p| p.into_inner()),
        )
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts a task as running until the guard drops; the engine is idle at zero.
    fn busy(&self) -> BusyGuard {
        self.inner.busy.fetch_add(1, Ordering::SeqCst);
        BusyGuard(self.clone())
    }

    /// Runs an update's device updates: configurations first, then deployments.
    fn drive(&self, update: UpdateId, dus: Vec<DeviceUpdate>) {
        {
            let mut state = self.lock();
            let open = state.open.entry(update).or_default();
            open.extend(dus.iter().map(|du| du.id.clone()));
        }
        let engine = self.clone();
        let guard = self.busy();
        tokio::spawn(async move {
            let _guard = guard;
            engine.drive_phases(dus).await;
        });
    }

    async fn drive_phases(&self, dus: Vec<DeviceUpdate>) {
        let mut configure = tokio::task::JoinSet::new();
        for du in dus {
            use DeviceUpdateStatus::*;
            match (du.status, du.option) {
                (Deploying, _) | (Cancelling, _) | (Configured, DeployOption::Now) => {
                    let slot = self.slot().await;
                    self.spawn_work(du, Some(slot));
                }
                (Configured, DeployOption::At(t)) => self.inner.scheduler.add(t, du.id),
                (Scheduled, DeployOption::At(t)) => {
                    // Tell the device its target early; the status stays
                    // scheduled (cancellable) until its time.
                    let (engine, slot) = (self.clone(), self.slot().await);
                    let guard = self.busy();
                    configure.spawn(async move {
                        let _guard = (guard, slot);
                        engine.configure_early(&du).await;
                        engine.inner.scheduler.add(t, du.id);
                        None
                    });
                }
                (Scheduled, _) | (Configuring, _) => {
                    let (engine, slot) = (self.clone(), self.slot().await);
                    let guard = self.busy();
                    configure.spawn(async move {
                        let _guard = (guard, slot);
                        engine
                            .with_claim(du, |e, du| async move { e.configure(du).await })
                            .await
                    });
                }
                _ => {}
            }
        }
        // Deployments start only once every configuration is set.
        let mut deploy_now = Vec::new();
        while let Some(done) = configure.join_next().await {
            let Ok(Some(du)) = done else { continue };
            if du.status != DeviceUpdateStatus::Configured {
                continue;
            }
            match du.option {
                DeployOption::Now => deploy_now.push(du),
                // Configuring an `at(t)` device only happens at its time;
                // one resumed mid-configuration deploys once configured.
                DeployOption::At(t) => self.inner.scheduler.add(t, du.id),
                DeployOption::ConfigOnly => {}
            }
        }
        for du in deploy_now {
            let slot = self.slot().await;
            self.spawn_work(du, Some(slot));
        }
    }

    /// Waits for room for one more device update task.
    async fn slot(&self) -> OwnedSemaphorePermit {
        self.inner
            .slots
            .clone()
            .acquire_owned()
            .await
            .expect("the engine never closes its semaphores")
    }

    /// Carries a device update on from wherever it stands, holding `slot`
    /// (if any) until done.
    fn spawn_work(&self, du: DeviceUpdate, slot: Option<OwnedSemaphorePermit>) {
        let engine = self.clone();
        let guard = self.busy();
        tokio::spawn(async move {
            let _guard = (guard, slot);
            engine
                .with_claim(du, |e, du| async move { e.carry_on(du).await })
                .await;
        });
    }

    /// Runs `work` unless another task already works on this device update.
    /// Then that task, once its own work ends, carries the device update on
    /// from the store: a cancel that lands while a worker is still finishing
    /// (writing its log after an error, say) is not lost.
    async fn with_claim<F, Fut>(&self, du: DeviceUpdate, work: F) -> Option<DeviceUpdate>
    where
        F: FnOnce(Engine, DeviceUpdate) -> Fut,
        Fut: std::future::Future<Output = Option<DeviceUpdate>>,
    {
        let id = du.id.clone();
        {
            let mut state = self.lock();
            if let Some(asked_again) = state.active.get_mut(&id) {
                *asked_again = true;
                return None;
            }
            state.active.insert(id.clone(), false);
        }
        let result = work(self.clone(), du).await;
        while self.asked_again(&id) {
            let (store, key) = (self.inner.store.clone(), id.clone());
            match blocking(move || store.device_update(&key)).await {
                Ok(Some(du)) if !du.is_settled() => {
                    self.carry_on(du).await;
                }
                Ok(_) => {}
                Err(e) => tracing::error!("cannot load device update {id}: {e}"),
            }
        }
        result
    }

    /// Whether another task asked for `id` while this one held it; releases
    /// the claim when not, in the same step, so no request falls between.
    fn asked_again(&self, id: &DeviceUpdateId) -> bool {
        let mut state = self.lock();
        match state.active.get_mut(id) {
            Some(asked_again) if *asked_again => {
                *asked_again = false;
                true
            }
            _ => {
                state.active.remove(id);
                false
            }
        }
    }

    /// Hands due `at(t)` device updates to workers, recording lateness.
    async fn dispatch_due(self, mut due: mpsc::UnboundedReceiver<Due>) {
        while let Some(Due { id, due }) = due.recv().await {
            let late = (self.inner.clock.now() - due).to_std().unwrap_or_default();
            self.inner
                .lateness
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(late);
            let store = self.inner.store.clone();
            let guard = self.busy();
            let engine = self.clone();
            tokio::spawn(async move {
                let _guard = guard;
                match blocking(move || store.device_update(&id)).await {
                    Ok(Some(du))
                        if !du.is_settled() && du.status != DeviceUpdateStatus::Cancelling =>
                    {
                        engine
                            .with_claim(du, |e, du| async move { e.carry_on(du).await })
                            .await;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::error!("cannot load a due device update: {e}"),
                }
            });
            self.wake_if_idle();
        }
    }

    /// A device update reached a settled status.
    async fn on_settled(&self, du: &DeviceUpdate) {
        let finished = {
            let mut state = self.lock();
            match state.open.get_mut(&du.update) {
                Some(open) => {
                    open.remove(&du.id);
                    if open.is_empty() {
                        state.open.remove(&du.update);
                        true
                    } else {
                        false
                    }
                }
                // Cleanup after a cancel of a device update that was not being driven.
                None => true,
            }
        };
        if finished {
            self.maybe_finish(du.update).await;
        }
    }

    /// Records an update's actual end once all its device updates settled,
    /// and tells everyone.
    async fn maybe_finish(&self, update: UpdateId) {
        let store = self.inner.store.clone();
        let found = blocking(move || -> Result<_, StoreError> {
            Ok(match store.update(update)? {
                Some(u) => Some((u, store.device_updates_of(update)?)),
                None => None,
            })
        })
        .await;
        let (u, dus) = match found {
            Ok(Some(found)) => found,
            Ok(None) => return,
            Err(e) => return tracing::error!("cannot finish update {update}: {e}"),
        };
        if dus.is_empty() || !dus.iter().all(DeviceUpdate::is_settled) {
            return;
        }
        let actual_end = dus
            .iter()
            .filter_map(|du| du.actual_end)
            .max()
            .unwrap_or_else(|| self.inner.clock.now());
        let store = self.inner.store.clone();
        if let Err(e) = blocking(move || store.finish_update(update, actual_end)).await {
            return tracing::error!("cannot record the end of update {update}: {e}");
        }
        let count = |s: DeviceUpdateStatus| dus.iter().filter(|du| du.status == s).count();
        let succeeded = dus
            .iter()
            .filter(|du| {
                matches!(
                    du.status,
                    DeviceUpdateStatus::Succeeded | DeviceUpdateStatus::Configured
                )
            })
            .count();
        let (failed, cancelled) = (
            count(DeviceUpdateStatus::Error),
            count(DeviceUpdateStatus::Cancelled),
        );
        let _ = self.inner.events.send(EngineEvent::UpdateFinished {
            update,
            succeeded,
            failed,
            cancelled,
            actual_end,
        });
        self.inner.notifier.notify(Notification::UpdateFinished {
            update,
            title: u.title,
            succeeded,
            failed,
            cancelled,
        });
    }

    fn wake_if_idle(&self) {
        if self.is_idle() {
            self.inner.idle.notify_waiters();
        }
    }

    /// The client for a device, built once and cached.
    async fn device(&self, id: DeviceId) -> Result<Arc<DeviceHandle>, EngineError> {
        if let Some(d) = self.lock().devices.get(&id) {
            return Ok(d.clone());
        }
        let store = self.inner.store.clone();
        let device = blocking(move || store.device(id))
            .await?
            .ok_or_else(|| EngineError::Store(StoreError::not_found("device", id)))?;
        let client = self
            .inner
            .pool
            .for_device(&device.agent_url, &device.agent_token)
            .map_err(|source| EngineError::Agent { device: id, source })?;
        let handle = Arc::new(DeviceHandle {
            name: device.name,
            client,
        });
        self.lock().devices.insert(id, handle.clone());
        Ok(handle)
    }

    /// The configuration request for a product version, built once and cached.
    async fn config_request(
        &self,
        product: &ProductName,
        version: &Version,
    ) -> Result<Arc<PreparedConfig>, EngineError> {
        let key = (product.clone(), version.clone());
        if let Some(req) = self.lock().manifests.get(&key) {
            return Ok(req.clone());
        }
        let store = self.inner.store.clone();
        let (p, v) = key.clone();
        let manifest = blocking(move || store.manifest(&p, &v))
            .await?
            .ok_or_else(|| {
                EngineError::Store(StoreError::not_found(
                    "manifest",
                    format!("{product} {version}"),
                ))
            })?;
        let req = Arc::new(PreparedConfig::new(&wire::config_request(&manifest)));
        self.lock().manifests.insert(key, req.clone());
        Ok(req)
    }
}

struct BusyGuard(Engine);

impl Drop for BusyGuard {
    fn drop(&mut self) {
        self.0.inner.busy.fetch_sub(1, Ordering::SeqCst);
        self.0.wake_if_idle();
    }
}

/// Runs a store call off the async workers: SQLite blocks.
async fn blocking<T, E>(f: impl FnOnce() -> Result<T, E> + Send + 'static) -> Result<T, EngineError>
where
    T: Send + 'static,
    E: Into<EngineError> + Send + 'static,
{
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result.map_err(Into::into),
        Err(e) => Err(EngineError::Internal(format!(
            "a database task failed: {e}"
        ))),
    }
}

fn status_counts(dus: &[DeviceUpdate]) -> String {
    let summary = UpdateSummary::of(dus);
    let mut counts: Vec<String> = DeviceUpdateStatus::ALL
        .iter()
        .map(|s| (s, dus.iter().filter(|du| du.status == *s).count()))
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    if counts.is_empty() {
        counts.push("no device updates".into());
    }
    format!("{}; update is {:?}", counts.join(", "), summary.status)
}
