//! Work that another process wrote to the same database: an approval or a
//! cancel made with `rollwright-cli` while this engine runs. A started engine
//! looks every `watch_interval` and takes up what it does not know yet; two
//! small indexed reads when nothing is new.

use std::collections::HashMap;
use std::time::Duration;

use super::{blocking, Engine};
use crate::domain::{DeviceUpdate, DeviceUpdateStatus, UpdateId};
use crate::store::StoreError;

impl Engine {
    pub(super) async fn watch_outside(&self, every: Duration) {
        loop {
            tokio::time::sleep(every).await;
            if let Err(e) = self.take_up_outside_work().await {
                tracing::warn!("cannot look for work written by another process: {e}");
            }
        }
    }

    /// Drives approved updates this engine does not drive yet, and cleans up
    /// device updates put into `cancelling` that no task works on.
    pub(super) async fn take_up_outside_work(&self) -> Result<(), super::EngineError> {
        // Serialized with `approve`, which drives what it approves itself.
        let _adopting = self.inner.adopting.lock().await;
        let store = self.inner.store.clone();
        let (unfinished, cancelling) = blocking(move || -> Result<_, StoreError> {
            Ok((
                store.unfinished_approved_updates()?,
                store.device_update_ids_in(DeviceUpdateStatus::Cancelling)?,
            ))
        })
        .await?;
        let (new_updates, new_cancels) = {
            let state = self.lock();
            let updates: Vec<UpdateId> = unfinished
                .into_iter()
                .filter(|u| !state.open.contains_key(u))
                .collect();
            let cancels: Vec<_> = cancelling
                .into_iter()
                .filter(|id| !state.active.contains_key(id))
                .collect();
            (updates, cancels)
        };
        if new_updates.is_empty() && new_cancels.is_empty() {
            return Ok(());
        }
        let store = self.inner.store.clone();
        let (dus, cancels) = blocking(move || -> Result<_, StoreError> {
            let mut dus = Vec::new();
            for u in new_updates {
                dus.extend(store.device_updates_of(u)?);
            }
            let mut cancels = Vec::new();
            for id in new_cancels {
                cancels.extend(store.device_update(&id)?);
            }
            Ok((dus, cancels))
        })
        .await?;
        for du in cancels {
            if du.status == DeviceUpdateStatus::Cancelling {
                self.spawn_work(du, None);
            }
        }
        let mut by_update: HashMap<UpdateId, Vec<DeviceUpdate>> = HashMap::new();
        for du in dus {
            if !du.is_settled() && du.status != DeviceUpdateStatus::Cancelling {
                by_update.entry(du.update).or_default().push(du);
            }
        }
        // An update with nothing left to do is not finished here: its last
        // device update may be settling in this engine right now, which
        // records the end itself (and the next start records any other).
        for (update, dus) in by_update {
            tracing::info!("taking up update {update}, approved elsewhere");
            self.drive(update, dus);
        }
        Ok(())
    }
}
