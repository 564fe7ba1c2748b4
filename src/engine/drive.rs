//! Driving updates: which device update runs when. Configurations first,
//! then deployments as each device's option says; bounded task slots; one
//! task per device update at a time (claims); `at(t)` work handed out when
//! due; and an update's end recorded once its last device update settles.
//! What one device update's work consists of is `steps.rs`.

use tokio::sync::{mpsc, OwnedSemaphorePermit};

use super::notify::Notification;
use super::scheduler::Due;
use super::steps::Moved;
use super::{blocking, Engine, EngineEvent};
use crate::domain::{
    DeployOption, DeviceId, DeviceUpdate, DeviceUpdateId, DeviceUpdateStatus, UpdateId,
    UpdateSummary,
};
use crate::store::StoreError;

impl Engine {
    /// Runs an update's device updates: configurations first, then deployments.
    pub(super) fn drive(&self, update: UpdateId, dus: Vec<DeviceUpdate>) {
        {
            let mut state = self.lock();
            let open = state.open.entry(update).or_default();
            open.extend(dus.iter().map(|du| du.id.clone()));
        }
        let engine = self.clone();
        let guard = self.busy();
        tokio::spawn(async move {
            let _guard = guard;
            engine.until_closed(engine.drive_phases(dus)).await;
        });
    }

    async fn drive_phases(&self, dus: Vec<DeviceUpdate>) {
        let mut ids: Vec<DeviceId> = dus.iter().map(|du| du.device).collect();
        ids.sort();
        ids.dedup();
        if let Err(e) = self.inner.clients.warm(&ids).await {
            // Each device's client is then made when its first call needs it.
            tracing::warn!("cannot build the devices' clients in one go: {e}");
        }
        let mut configure = tokio::task::JoinSet::new();
        let mut deploy_now = Vec::new();
        for du in dus {
            // Configurations that ended are taken as they come: a finished
            // task keeps its memory in the set until joined.
            while let Some(done) = configure.try_join_next() {
                self.configured(done, &mut deploy_now);
            }
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
                        engine
                            .until_closed(engine.steps().configure_early(&du))
                            .await?;
                        engine.inner.scheduler.add(t, du.id);
                        None
                    });
                }
                (Scheduled, _) | (Configuring, _) => {
                    let (engine, slot) = (self.clone(), self.slot().await);
                    let guard = self.busy();
                    configure.spawn(async move {
                        let _guard = (guard, slot);
                        let work = engine
                            .with_claim(du, |e, du| async move { e.steps().configure(du).await });
                        engine.until_closed(work).await.flatten()
                    });
                }
                _ => {}
            }
        }
        // Deployments start only once every configuration is set.
        while let Some(done) = configure.join_next().await {
            self.configured(done, &mut deploy_now);
        }
        for du in deploy_now {
            let slot = self.slot().await;
            self.spawn_work(du, Some(slot));
        }
    }

    /// What follows a configuration that ended: a `now` device deploys once
    /// all are configured; an `at(t)` one resumed mid-configuration waits for
    /// its time (configuring one only starts at its time).
    fn configured(
        &self,
        done: Result<Moved, tokio::task::JoinError>,
        deploy_now: &mut Vec<DeviceUpdate>,
    ) {
        let Ok(Some(du)) = done else { return };
        if du.status != DeviceUpdateStatus::Configured {
            return;
        }
        match du.option {
            DeployOption::Now => deploy_now.push(du),
            DeployOption::At(t) => self.inner.scheduler.add(t, du.id),
            DeployOption::ConfigOnly => {}
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

    /// Moves a device update to `cancelling` durably, then cleans up in the
    /// background. Returns false when its status changed under us.
    pub(super) async fn start_cancel(&self, du: DeviceUpdate) -> bool {
        match self.steps().begin_cancel(du).await {
            Some(du) => {
                self.spawn_work(du, None);
                true
            }
            None => false,
        }
    }

    /// Carries a device update on from wherever it stands, holding `slot`
    /// (if any) until done.
    pub(super) fn spawn_work(&self, du: DeviceUpdate, slot: Option<OwnedSemaphorePermit>) {
        let engine = self.clone();
        let guard = self.busy();
        tokio::spawn(async move {
            let _guard = (guard, slot);
            let work = engine.with_claim(du, |e, du| async move { e.steps().carry_on(du).await });
            engine.until_closed(work).await;
        });
    }

    /// Runs `work` unless another task already works on this device update,
    /// and settles what it leaves settled. Then, if another task asked for
    /// the device update meanwhile, carries it on from the store: a cancel
    /// that lands while a worker is still finishing (writing its log after an
    /// error, say) is not lost.
    async fn with_claim<F, Fut>(&self, du: DeviceUpdate, work: F) -> Moved
    where
        F: FnOnce(Engine, DeviceUpdate) -> Fut,
        Fut: std::future::Future<Output = Moved>,
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
        let mut claim = Claim {
            engine: self,
            id: &id,
            held: true,
        };
        let result = work(self.clone(), du).await;
        self.settle(&result).await;
        while self.asked_again(&id) {
            let (store, key) = (self.inner.store.clone(), id.clone());
            match blocking(move || store.device_update(&key)).await {
                Ok(Some(du)) if !du.is_settled() => {
                    let moved = self.steps().carry_on(du).await;
                    self.settle(&moved).await;
                }
                Ok(_) => {}
                Err(e) => tracing::error!("cannot load device update {id}: {e}"),
            }
        }
        claim.held = false;
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

    /// Hands due `at(t)` device updates to workers.
    pub(super) async fn dispatch_due(self, mut due: mpsc::UnboundedReceiver<Due>) {
        while let Some(Due { id, due }) = due.recv().await {
            if let Some(probe) = &self.inner.config.lateness_probe {
                let late = (self.inner.clock.now() - due).to_std().unwrap_or_default();
                let _ = probe.send(late);
            }
            let store = self.inner.store.clone();
            let guard = self.busy();
            self.inner.scheduler.taken();
            let engine = self.clone();
            tokio::spawn(async move {
                let _guard = guard;
                let work = async {
                    match blocking(move || store.device_update(&id)).await {
                        Ok(Some(du))
                            if !du.is_settled() && du.status != DeviceUpdateStatus::Cancelling =>
                        {
                            engine
                                .with_claim(du, |e, du| async move { e.steps().carry_on(du).await })
                                .await;
                        }
                        Ok(_) => {}
                        Err(e) => tracing::error!("cannot load a due device update: {e}"),
                    }
                };
                engine.until_closed(work).await;
            });
            self.wake_if_idle();
        }
    }

    /// What a step left settled counts against its update, and the update
    /// finishes with its last device update.
    async fn settle(&self, moved: &Moved) {
        let Some(du) = moved.as_ref().filter(|du| du.is_settled()) else {
            return;
        };
        // What the device runs now is the agent's to say.
        let _ = self.inner.settled.send((du.device, self.busy()));
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
    pub(super) async fn maybe_finish(&self, update: UpdateId) {
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
        let Some(outcome) = UpdateSummary::of(&dus).outcome() else {
            return;
        };
        let actual_end = dus
            .iter()
            .filter_map(|du| du.actual_end)
            .max()
            .unwrap_or_else(|| self.inner.clock.now());
        let store = self.inner.store.clone();
        if let Err(e) = blocking(move || store.finish_update(update, actual_end)).await {
            return tracing::error!("cannot record the end of update {update}: {e}");
        }
        let _ = self.inner.events.send(EngineEvent::UpdateFinished {
            update,
            succeeded: outcome.succeeded,
            failed: outcome.failed,
            cancelled: outcome.cancelled,
            actual_end,
        });
        self.inner.notifier.notify(Notification::UpdateFinished {
            update,
            title: u.title,
            succeeded: outcome.succeeded,
            failed: outcome.failed,
            cancelled: outcome.cancelled,
        });
    }
}

/// Releases a device update's claim if its holder is dropped mid-work (the
/// engine shutting down), so nothing stays claimed.
struct Claim<'a> {
    engine: &'a Engine,
    id: &'a DeviceUpdateId,
    /// False once [`Engine::asked_again`] released it the ordinary way.
    held: bool,
}

impl Drop for Claim<'_> {
    fn drop(&mut self) {
        if self.held {
            self.engine.lock().active.remove(self.id);
        }
    }
}
