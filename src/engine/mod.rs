//! The update engine: carries out approved updates against device agents,
//! survives crashes, and tells everyone what happened. It never acts on a
//! device before the change it is about to make is durable in SQLite, and it
//! never polls the calendar: the scheduler sleeps until the next due time.
//!
//! Order of work for an approved update: first the configuration of every
//! chosen device is set, then deployments start as each device's option says
//! (`now` at once, `at(t)` at t, `config_only` never).

mod clients;
mod clock;
mod drive;
mod events;
mod inventory;
mod journal;
mod lock;
mod notify;
mod outside;
mod retry;
mod scheduler;
mod steps;
mod wire;

pub use clock::{Clock, ManualClock, SystemClock};
pub use events::EngineEvent;
pub use inventory::SyncProgress;
pub use journal::JournalError;
pub use lock::EngineBusy;
pub use notify::{Notification, Notifier, Silent};
pub use retry::RetryPolicy;
pub use wire::config_request;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{broadcast, mpsc, watch, Notify, Semaphore};

use crate::agent_client::{AgentClient, AgentError, ClientOptions};
use crate::domain::{
    Action, Actor, DeviceId, DeviceUpdate, DeviceUpdateId, DeviceUpdateStatus, ErrorCode,
    Fingerprint, UpdateId, UpdateSummary,
};
use crate::store::{Allowed, DeviceUpdateChange, Store, StoreError};
use clients::Clients;
use journal::Journal;
use scheduler::Scheduler;
use steps::Steps;

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
    /// Every device's inventory is read from its agent this often, the first
    /// time one interval after the start; `None` only on demand and after
    /// updates.
    pub inventory_interval: Option<Duration>,
    /// Agents asked for their inventory at once.
    pub sync_concurrency: usize,
    /// How long one device may take to answer an inventory sync.
    pub sync_timeout: Duration,
    /// How often a started engine looks for approvals and cancels that
    /// another process (the CLI) wrote; `None` never.
    pub watch_interval: Option<Duration>,
    /// Receives the scheduler lateness of each `at(t)` deployment it hands
    /// out, for the benchmark; `None` (the app, the CLI) keeps nothing.
    pub lateness_probe: Option<mpsc::UnboundedSender<Duration>>,
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
            inventory_interval: Some(Duration::from_secs(15 * 60)),
            sync_concurrency: 64,
            sync_timeout: Duration::from_secs(10),
            watch_interval: Some(Duration::from_secs(3)),
            lateness_probe: None,
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
    #[error("the engine is shutting down")]
    ShuttingDown,
    #[error(transparent)]
    Busy(#[from] EngineBusy),
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
    /// The input field the error is about, when it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            EngineError::Store(e) => e.field(),
            _ => None,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            EngineError::Store(e) => e.code(),
            EngineError::UpdateNotFound(_) | EngineError::DeviceUpdateNotFound(_) => {
                ErrorCode::NotFound
            }
            EngineError::Refused(_) | EngineError::ShuttingDown | EngineError::Busy(_) => {
                ErrorCode::Conflict
            }
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
    clients: Clients,
    events: broadcast::Sender<EngineEvent>,
    notifier: Arc<dyn Notifier>,
    failures: mpsc::UnboundedSender<String>,
    /// Devices whose update settled, to read their inventory again; each
    /// counts the engine busy until it is read.
    settled: mpsc::UnboundedSender<(DeviceId, BusyGuard)>,
    journal: Journal,
    scheduler: Scheduler,
    permits: Semaphore,
    /// Bounds the device update tasks that exist at once during a rollout, so
    /// memory follows the concurrency, not the fleet size.
    slots: Arc<Semaphore>,
    /// Tasks working on device updates or driving updates; idle at zero.
    busy: AtomicUsize,
    idle: Notify,
    /// Set by [`Engine::start`]: only a started engine carries out approvals.
    started: AtomicBool,
    /// Held from [`Engine::start`] to [`Engine::shutdown`]: one engine per database.
    db_lock: Mutex<Option<lock::EngineLock>>,
    /// Taken while work is loaded and driven (start, approve, work written
    /// by another process), so no update is driven twice.
    adopting: tokio::sync::Mutex<()>,
    /// Set by [`Engine::shutdown`]: every task stops at its next await.
    closing: watch::Sender<bool>,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    /// Device updates a task is working on, so none gets two; `true` when
    /// another task asked for it meanwhile.
    active: HashMap<DeviceUpdateId, bool>,
    /// Per update being driven: its device updates not settled yet.
    open: HashMap<UpdateId, HashSet<DeviceUpdateId>>,
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
        let pool = AgentClient::new("http://127.0.0.1", "", None, &config.client)
            .map_err(EngineError::Client)?;
        let (scheduler, due) = Scheduler::start(clock.clone());
        let failures = notify::spawn_failure_grouper(notifier.clone(), config.failure_group_window);
        let (settled, settled_rx) = mpsc::unbounded_channel();
        let engine = Engine {
            inner: Arc::new(Inner {
                journal: Journal::start(store.clone()),
                clients: Clients::new(store.clone(), pool),
                store,
                clock,
                permits: Semaphore::new(config.concurrency.max(1)),
                slots: Arc::new(Semaphore::new(4 * config.concurrency.max(1))),
                config,
                events: broadcast::channel(4096).0,
                notifier,
                failures,
                settled,
                scheduler,
                busy: AtomicUsize::new(0),
                idle: Notify::new(),
                started: AtomicBool::new(false),
                db_lock: Mutex::new(None),
                adopting: tokio::sync::Mutex::new(()),
                closing: watch::Sender::new(false),
                state: Mutex::new(State::default()),
            }),
        };
        let dispatcher = engine.clone();
        tokio::spawn(async move {
            let stop = dispatcher.clone();
            stop.until_closed(dispatcher.dispatch_due(due)).await
        });
        let resync = engine.clone();
        tokio::spawn(async move {
            let stop = resync.clone();
            stop.until_closed(resync.resync_settled(settled_rx)).await
        });
        Ok(engine)
    }

    /// Resumes everything unfinished: device updates of approved updates, and
    /// cleanups under way, are reconciled with their agents by id and carried
    /// on. From now on approvals are carried out. Returns how many.
    /// Refused with [`EngineError::Busy`] while another process's engine
    /// works on the same database.
    pub async fn start(&self) -> Result<usize, EngineError> {
        self.refuse_if_closing()?;
        self.hold_database()?;
        let _adopting = self.inner.adopting.lock().await;
        if !self.inner.started.swap(true, Ordering::SeqCst) {
            if let Some(every) = self.inner.config.watch_interval {
                let watcher = self.clone();
                tokio::spawn(async move {
                    let stop = watcher.clone();
                    stop.until_closed(watcher.watch_outside(every)).await
                });
            }
            if let Some(interval) = self.inner.config.inventory_interval {
                let periodic = self.clone();
                tokio::spawn(async move {
                    let stop = periodic.clone();
                    stop.until_closed(periodic.sync_periodically(interval))
                        .await
                });
            }
        }
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

    /// Approves an update: the only way an approval is written. A started
    /// engine then carries it out; one that was not started (a one-shot CLI
    /// command) only records it, and the engine that runs next picks it up.
    /// Approving again is harmless.
    pub async fn approve(
        &self,
        actor: &Actor,
        update: UpdateId,
    ) -> Result<crate::domain::Update, EngineError> {
        self.refuse_if_closing()?;
        let _adopting = self.inner.adopting.lock().await;
        let store = self.inner.store.clone();
        let actor = actor.clone();
        let now = self.inner.clock.now();
        let (approved, dus) = blocking(move || -> Result<_, StoreError> {
            let approved = store.approve_update(&actor, update, now)?;
            Ok((approved, store.device_updates_of(update)?))
        })
        .await?;
        let _ = self
            .inner
            .events
            .send(EngineEvent::UpdateApproved { update });
        if !self.inner.started.load(Ordering::SeqCst) || self.lock().open.contains_key(&update) {
            return Ok(approved);
        }
        let unsettled: Vec<DeviceUpdate> = dus.into_iter().filter(|du| !du.is_settled()).collect();
        if unsettled.is_empty() {
            self.maybe_finish(update).await;
        } else {
            self.drive(update, unsettled);
        }
        Ok(approved)
    }

    /// Cancels every cancellable device update of an update (those in
    /// `scheduled` or `error`); returns how many. Refused when none is, or
    /// when `actor` is not an admin; the audit log records either way.
    pub async fn cancel_update(
        &self,
        actor: &Actor,
        update: UpdateId,
    ) -> Result<usize, EngineError> {
        self.refuse_if_closing()?;
        let allowed = self
            .authorize(actor, Action::CancelUpdate, format!("update {update}"))
            .await?;
        let result = self.cancel_cancellable(update).await;
        let did = result
            .as_ref()
            .map(|n| format!("cancelling {n} device updates"));
        self.record(allowed, did).await;
        result
    }

    async fn cancel_cancellable(&self, update: UpdateId) -> Result<usize, EngineError> {
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
            if self.start_cancel(du).await {
                cancelled += 1;
            }
        }
        Ok(cancelled)
    }

    /// Cancels one device update; refused unless it is `scheduled` or
    /// `error` and `actor` is an admin.
    pub async fn cancel_device_update(
        &self,
        actor: &Actor,
        id: &DeviceUpdateId,
    ) -> Result<(), EngineError> {
        self.refuse_if_closing()?;
        let allowed = self
            .authorize(
                actor,
                Action::CancelDeviceUpdate,
                format!("device update {id}"),
            )
            .await?;
        let result = self.cancel_one(id).await;
        let did = result.as_ref().map(|()| "cancelling".to_owned());
        self.record(allowed, did).await;
        result
    }

    async fn cancel_one(&self, id: &DeviceUpdateId) -> Result<(), EngineError> {
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
        if self.start_cancel(du).await {
            Ok(())
        } else {
            Err(EngineError::Refused(format!(
                "device update {id} changed status while cancelling; look again"
            )))
        }
    }

    /// Pins `fingerprint` as the certificate of `device`'s agent (the admin's
    /// "trust the new certificate", after comparing it), and makes this
    /// engine's next call to the device use it. Another process's engine
    /// learns the new pin after its next call is refused for the old one.
    pub async fn trust_certificate(
        &self,
        actor: &Actor,
        device: &str,
        fingerprint: &Fingerprint,
    ) -> Result<crate::domain::Device, EngineError> {
        let store = self.inner.store.clone();
        let (actor, name, fingerprint) = (actor.clone(), device.to_owned(), *fingerprint);
        let device = blocking(move || store.trust_certificate(&actor, &name, &fingerprint)).await?;
        self.inner.clients.forget(device.id);
        Ok(device)
    }

    /// Refuses (and records the refusal) unless `actor` may do `action`.
    async fn authorize(
        &self,
        actor: &Actor,
        action: Action,
        objects: String,
    ) -> Result<Allowed, EngineError> {
        let store = self.inner.store.clone();
        let actor = actor.clone();
        blocking(move || store.authorize(&actor, action, objects)).await
    }

    /// Appends the outcome of an action [`Engine::authorize`] allowed. The
    /// action has happened either way, so a failure to record is logged.
    async fn record(&self, allowed: Allowed, result: Result<String, &EngineError>) {
        let action = allowed.action();
        let outcome = result.map_err(|e| e.to_string());
        let store = self.inner.store.clone();
        if let Err(e) = blocking(move || store.record_action(&allowed, outcome)).await {
            tracing::error!("cannot record a {action} in the audit log: {e}");
        }
    }

    /// Stops the engine in order, for quitting: no new work starts, and every
    /// task stops at its next await. Each of those is a durable point: a
    /// transition is written before it is acted on, a batch commits whole or
    /// not at all, and agent calls carry ids, so an abandoned call is
    /// repeated harmlessly at the next start, which resumes what was under
    /// way. Returns once the tasks have ended and queued progress figures
    /// are written.
    pub async fn shutdown(&self) {
        self.inner.closing.send_replace(true);
        loop {
            let notified = self.inner.idle.notified();
            if self.inner.busy.load(Ordering::SeqCst) == 0 {
                break;
            }
            notified.await;
        }
        if let Err(e) = self.inner.journal.flush().await {
            tracing::error!("cannot write the last progress figures: {e}");
        }
        self.inner
            .db_lock
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
    }

    /// Takes the database's engine lock unless this engine holds it already.
    fn hold_database(&self) -> Result<(), EngineError> {
        let mut held = self.inner.db_lock.lock().unwrap_or_else(|p| p.into_inner());
        if held.is_none() {
            *held = Some(lock::EngineLock::acquire(self.inner.store.path()).map_err(
                |e| match e {
                    lock::LockError::Busy(busy) => EngineError::Busy(busy),
                    other => EngineError::Internal(other.to_string()),
                },
            )?);
        }
        Ok(())
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.inner.events.subscribe()
    }

    /// Whether nothing is running and nothing waits for its time.
    pub fn is_idle(&self) -> bool {
        self.inner.busy.load(Ordering::SeqCst) == 0 && self.inner.scheduler.len() == 0
    }

    /// Device updates a task is working on right now.
    pub fn running(&self) -> usize {
        self.lock().active.len()
    }

    /// Updates this engine carries out that have unsettled device updates.
    pub fn updates_in_progress(&self) -> usize {
        self.lock().open.len()
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

    fn refuse_if_closing(&self) -> Result<(), EngineError> {
        if *self.inner.closing.borrow() {
            return Err(EngineError::ShuttingDown);
        }
        Ok(())
    }

    /// Runs `work` until it ends or the engine shuts down, whichever is
    /// first; `None` when shut down.
    async fn until_closed<F: std::future::Future>(&self, work: F) -> Option<F::Output> {
        let mut closing = self.inner.closing.subscribe();
        tokio::select! {
            biased;
            _ = closing.wait_for(|closing| *closing) => None,
            out = work => Some(out),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The narrow view of the engine that a device update's steps work with.
    fn steps(&self) -> Steps<'_> {
        let inner = &*self.inner;
        Steps {
            clock: &*inner.clock,
            config: &inner.config,
            store: &inner.store,
            journal: &inner.journal,
            clients: &inner.clients,
            permits: &inner.permits,
            events: &inner.events,
            failures: &inner.failures,
        }
    }

    /// Counts a task as running until the guard drops; the engine is idle at zero.
    fn busy(&self) -> BusyGuard {
        self.inner.busy.fetch_add(1, Ordering::SeqCst);
        BusyGuard(self.clone())
    }

    fn wake_if_idle(&self) {
        if self.inner.busy.load(Ordering::SeqCst) == 0 {
            self.inner.idle.notify_waiters();
        }
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
    let mut counts: Vec<String> = summary
        .counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect();
    if counts.is_empty() {
        counts.push("no device updates".into());
    }
    format!("{}; update is {:?}", counts.join(", "), summary.status)
}
