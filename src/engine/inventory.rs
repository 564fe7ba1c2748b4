//! Inventory sync: asks devices' agents what they are configured with and
//! run (`GET /v1/device`), with bounded concurrency and a per-device timeout,
//! and hands the answers to the store in batches. Runs on demand, on a
//! schedule, and for each device whose update just settled.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinSet;

use super::clients::{DeviceHandle, SyncHandle};
use super::{blocking, BusyGuard, Engine, EngineError, EngineEvent};
use crate::agent_client::{AgentError, InventoryReader};
use crate::domain::{
    Actor, Device, DeviceId, Inventory, NewDevice, SyncOutcome, SyncReport, SyncResult,
    ValidDevice, ValidationError,
};
use crate::store::{DeviceSelection, Store, StoreError};

/// Answers written per transaction: large enough that commits do not
/// dominate, small enough that a screen sees progress.
const BATCH: usize = 1000;

/// Devices whose clients are built before the first is asked.
const FIRST_CHUNK: usize = 256;

/// How long a batch waits for more answers before it is written.
const GATHER: Duration = Duration::from_millis(50);

/// How often a sync says how far it got, at most.
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// How far a sync got: `written` of its `devices` answered (or failed) and
/// recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyncProgress {
    pub devices: usize,
    pub written: usize,
}

impl Engine {
    /// Reads the inventory of the selected devices from their agents and
    /// records it; returns what was found. A device that does not answer is
    /// marked, never dropped. Anyone may ask: it changes what Rollwright
    /// knows, never a device.
    pub async fn sync_inventory(
        &self,
        selection: DeviceSelection,
    ) -> Result<SyncReport, EngineError> {
        self.sync_inventory_reporting(selection, |_| {}).await
    }

    /// [`Engine::sync_inventory`], telling `progress` how far it got: at
    /// the start, at most every [`PROGRESS_EVERY`] while answers are
    /// written, and at the end.
    pub async fn sync_inventory_reporting(
        &self,
        selection: DeviceSelection,
        progress: impl Fn(SyncProgress) + Send + 'static,
    ) -> Result<SyncReport, EngineError> {
        self.refuse_if_closing()?;
        let _busy = self.busy();
        let store = self.inner.store.clone();
        let ids = blocking(move || store.device_ids(&selection)).await?;
        let report = self.until_closed(self.sync(ids, progress)).await;
        let report = report.ok_or(EngineError::ShuttingDown)??;
        let _ = self.inner.events.send(EngineEvent::InventorySynced {
            devices: report.devices,
            reached: report.reached,
            unreachable: report.unreachable,
            mismatched: report.mismatched,
            changed: report.changed,
        });
        Ok(report)
    }

    async fn sync(
        &self,
        ids: Vec<DeviceId>,
        progress: impl Fn(SyncProgress) + Send + 'static,
    ) -> Result<SyncReport, EngineError> {
        let devices = ids.len();
        progress(SyncProgress {
            devices,
            written: 0,
        });
        // Room for answers while batches are written: with room for one,
        // askers waited on the writer at a first contact (every row written)
        // and a core idled.
        let (tx, rx) = mpsc::channel::<SyncResult>(4 * BATCH);
        let writer = tokio::spawn(write_batches(
            self.inner.store.clone(),
            rx,
            move |written| progress(SyncProgress { devices, written }),
        ));
        let timeout = self.inner.config.sync_timeout;
        let askers = self.inner.config.sync_concurrency.clamp(1, devices.max(1));
        // A fixed set of askers, each taking the next device when its call
        // ends: no task, permit or wake-up of the caller per device.
        let (to_ask, queue) = mpsc::unbounded_channel::<(DeviceId, SyncHandle)>();
        let queue = Arc::new(tokio::sync::Mutex::new(queue));
        let mut asking = JoinSet::new();
        for _ in 0..askers {
            let (queue, tx, clock) = (queue.clone(), tx.clone(), self.inner.clock.clone());
            asking.spawn(async move {
                let mut reader = InventoryReader::new();
                loop {
                    let next = queue.lock().await.recv().await;
                    let Some((id, handle)) = next else { break };
                    let at = clock.now();
                    let started = Instant::now();
                    let outcome = match handle {
                        Ok(h) => ask(&mut reader, &h, timeout).await,
                        Err(e) => SyncOutcome::Failed(e),
                    };
                    let latency_ms =
                        u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
                    let answer = SyncResult {
                        device: id,
                        at,
                        latency_ms,
                        outcome,
                    };
                    if tx.send(answer).await.is_err() {
                        break;
                    }
                }
            });
        }
        let built = self.hand_over(&ids, to_ask).await;
        drop(tx);
        while asking.join_next().await.is_some() {}
        let report = writer
            .await
            .map_err(|e| EngineError::Internal(format!("the sync's writer failed: {e}")))?;
        // What was asked before a failing store read is recorded all the same.
        built?;
        report
    }

    /// Builds the clients of `ids` and hands each device to the askers as
    /// soon as its chunk is built. Built all at once, 10,000 clients kept the
    /// askers (and a core) idle for 30 ms of a 300 ms sync; the chunks grow
    /// fourfold so that a file of secrets, read whole per chunk, is read only
    /// a few times (six for 100,000 devices).
    async fn hand_over(
        &self,
        ids: &[DeviceId],
        to_ask: mpsc::UnboundedSender<(DeviceId, SyncHandle)>,
    ) -> Result<(), EngineError> {
        let mut rest = ids;
        let mut chunk = FIRST_CHUNK;
        while !rest.is_empty() {
            let (now, later) = rest.split_at(chunk.min(rest.len()));
            for handle in self.inner.clients.for_sync(now).await? {
                if to_ask.send(handle).is_err() {
                    return Ok(());
                }
            }
            rest = later;
            chunk = chunk.saturating_mul(4);
        }
        Ok(())
    }

    /// Takes device ids whose update settled and syncs them, a burst at a
    /// time, for as long as the engine runs.
    pub(super) async fn resync_settled(
        self,
        mut settled: mpsc::UnboundedReceiver<(DeviceId, BusyGuard)>,
    ) {
        let mut burst = Vec::new();
        while settled.recv_many(&mut burst, BATCH).await > 0 {
            let mut ids: Vec<DeviceId> = burst.iter().map(|(id, _)| *id).collect();
            ids.sort();
            ids.dedup();
            if let Err(e) = self.sync_inventory(DeviceSelection::Ids(ids)).await {
                tracing::warn!("inventory sync after updates failed: {e}");
            }
            // The engine counts idle once these are read.
            burst.clear();
        }
    }

    /// Syncs every device each `interval`, the first time one interval
    /// after the start.
    pub(super) async fn sync_periodically(self, interval: Duration) {
        loop {
            tokio::time::sleep(interval).await;
            match self.sync_inventory(DeviceSelection::All).await {
                Ok(r) => tracing::info!(
                    "inventory sync: {} devices, {} reached, {} unreachable, {} mismatched, {} changed",
                    r.devices,
                    r.reached,
                    r.unreachable,
                    r.mismatched,
                    r.changed
                ),
                Err(EngineError::ShuttingDown) => return,
                Err(e) => tracing::warn!("scheduled inventory sync failed: {e}"),
            }
        }
    }
}

/// One device asked once, within `timeout`.
async fn ask(
    reader: &mut InventoryReader,
    device: &DeviceHandle,
    timeout: Duration,
) -> SyncOutcome {
    match reader.read(&device.client, timeout).await {
        Ok(info) => match Inventory::from_wire(info) {
            Ok(inv) => SyncOutcome::Reached(inv),
            Err(e) => SyncOutcome::Failed(format!("answered with a bad inventory: {e}")),
        },
        Err(e) => SyncOutcome::Failed(e.for_admin()),
    }
}

/// Writes answers in batches of up to [`BATCH`]: a batch is written when
/// it is full, [`GATHER`] after its first answer, or when no more answers
/// come. Adds up what the store found, and tells `written` how many are
/// recorded, at most every [`PROGRESS_EVERY`] and once at the end.
async fn write_batches(
    store: Store,
    mut answers: mpsc::Receiver<SyncResult>,
    written: impl Fn(usize),
) -> Result<SyncReport, EngineError> {
    let mut report = SyncReport::default();
    let mut batch = Vec::with_capacity(BATCH);
    let mut told = Instant::now();
    let mut done = 0;
    while answers.recv_many(&mut batch, BATCH).await > 0 {
        // Written as they come, batches were a few answers each, and each
        // paid a transaction and a commit.
        let deadline = tokio::time::Instant::now() + GATHER;
        while batch.len() < BATCH {
            let wanted = BATCH - batch.len();
            match tokio::time::timeout_at(deadline, answers.recv_many(&mut batch, wanted)).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        done += batch.len();
        let store = store.clone();
        let answered = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
        let found =
            blocking(move || -> Result<_, StoreError> { store.record_sync(&answered) }).await?;
        report.add(found);
        if told.elapsed() >= PROGRESS_EVERY {
            written(done);
            told = Instant::now();
        }
    }
    written(done);
    Ok(report)
}

impl Engine {
    /// Calls the agent a device is about to be added with and returns what
    /// it reports, so the admin sees who answers before saving. Each way of
    /// failing names the field to fix: the URL (unreachable, not an agent),
    /// the token (refused) or the fingerprint (another certificate).
    pub async fn check_agent(&self, device: &ValidDevice) -> Result<Inventory, EngineError> {
        let client = self
            .inner
            .clients
            .pool()
            .for_device(
                &device.agent_url,
                &device.agent_token,
                device.tls_fingerprint.as_ref(),
            )
            .map_err(|e| invalid("agent_url", e.for_admin()))?;
        let answer = tokio::time::timeout(self.inner.config.sync_timeout, client.device())
            .await
            .unwrap_or(Err(AgentError::Timeout));
        let info = answer.map_err(|e| {
            let field = match &e {
                AgentError::Rejected { status: 401, .. } => "agent_token",
                AgentError::CertificateChanged { .. } => "tls_fingerprint",
                _ => "agent_url",
            };
            invalid(field, e.for_admin())
        })?;
        Inventory::from_wire(info).map_err(|e| {
            invalid(
                "agent_url",
                format!("the agent answered with a bad inventory: {e}"),
            )
        })
    }

    /// Adds a device after its agent answered ([`Engine::check_agent`]),
    /// with the inventory it reported: its identity is adopted from there.
    pub async fn add_device(
        &self,
        actor: &Actor,
        device: NewDevice,
    ) -> Result<Device, EngineError> {
        let valid = device.validate().map_err(StoreError::from)?;
        let at = self.inner.clock.now();
        let started = Instant::now();
        let inventory = self.check_agent(&valid).await?;
        let latency_ms = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let store = self.inner.store.clone();
        let actor = actor.clone();
        blocking(move || -> Result<Device, StoreError> {
            let added = store.add_device(&actor, &valid)?;
            store.record_sync(&[SyncResult {
                device: added.id,
                at,
                latency_ms,
                outcome: SyncOutcome::Reached(inventory),
            }])?;
            store
                .device(added.id)?
                .ok_or_else(|| StoreError::not_found("device", added.id))
        })
        .await
    }
}

fn invalid(field: &str, rule: String) -> EngineError {
    EngineError::Store(StoreError::Invalid(ValidationError::new(field, rule)))
}
