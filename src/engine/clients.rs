//! What the steps send and to whom: each device's agent client and each
//! product version's configuration body, loaded from the store once and
//! cached for the engine's life.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::{blocking, wire, EngineError};
use crate::agent_client::{AgentClient, PreparedConfig};
use crate::domain::{DeviceId, ProductName, Version};
use crate::store::{Store, StoreError};

pub(super) struct Clients {
    store: Store,
    /// Every device's client shares this one's connection pool.
    pool: AgentClient,
    devices: Mutex<HashMap<DeviceId, Arc<DeviceHandle>>>,
    configs: Mutex<HashMap<(ProductName, Version), Arc<PreparedConfig>>>,
}

/// Clients made, and why the others could not be.
type Built = (
    HashMap<DeviceId, Arc<DeviceHandle>>,
    HashMap<DeviceId, String>,
);

/// A device's client for a sync, or why it could not be made.
pub(super) type SyncHandle = Result<Arc<DeviceHandle>, String>;

pub(super) struct DeviceHandle {
    pub name: String,
    pub client: AgentClient,
}

impl Clients {
    pub(super) fn new(store: Store, pool: AgentClient) -> Clients {
        Clients {
            store,
            pool,
            devices: Mutex::default(),
            configs: Mutex::default(),
        }
    }

    /// The client for a device, built once.
    pub(super) async fn device(&self, id: DeviceId) -> Result<Arc<DeviceHandle>, EngineError> {
        if let Some(d) = lock(&self.devices).get(&id) {
            return Ok(d.clone());
        }
        let store = self.store.clone();
        // The token is read from the secret store only here, to build the
        // client that sends it.
        let (device, token) = blocking(move || {
            let device = store
                .device(id)?
                .ok_or_else(|| StoreError::not_found("device", id))?;
            Ok::<_, StoreError>((device, store.agent_token(id)?))
        })
        .await?;
        let client = self
            .pool
            .for_device(
                &device.agent_url,
                token.expose(),
                device.tls_fingerprint.as_ref(),
            )
            .map_err(|source| EngineError::Agent { device: id, source })?;
        let handle = Arc::new(DeviceHandle {
            name: device.name,
            client,
        });
        lock(&self.devices).insert(id, handle.clone());
        Ok(handle)
    }

    /// Builds and keeps the clients of devices about to be driven, from one
    /// store read (and one read of the secrets): asked one by one, a file
    /// of secrets would be read whole once per device.
    pub(super) async fn warm(&self, ids: &[DeviceId]) -> Result<(), EngineError> {
        let (built, _unusable) = self.build(self.missing(ids)).await?;
        lock(&self.devices).extend(built);
        Ok(())
    }

    /// The clients for one sync of many devices: those kept are used, the
    /// others built from one store read and dropped when the sync ends, so
    /// a landscape of 100,000 devices does not keep 100,000 clients for the
    /// engine's life. A device whose client cannot be made gets the reason.
    pub(super) async fn for_sync(
        &self,
        ids: &[DeviceId],
    ) -> Result<Vec<(DeviceId, SyncHandle)>, EngineError> {
        let (mut built, mut unusable) = self.build(self.missing(ids)).await?;
        let kept = lock(&self.devices);
        Ok(ids
            .iter()
            .map(|id| {
                let handle = kept
                    .get(id)
                    .cloned()
                    .or_else(|| built.remove(id))
                    .ok_or_else(|| {
                        unusable
                            .remove(id)
                            .unwrap_or_else(|| "the device is gone".into())
                    });
                (*id, handle)
            })
            .collect())
    }

    fn missing(&self, ids: &[DeviceId]) -> Vec<DeviceId> {
        let kept = lock(&self.devices);
        ids.iter()
            .filter(|id| !kept.contains_key(id))
            .copied()
            .collect()
    }

    /// Clients for `ids`, from one store read; those that cannot be made,
    /// with the reason.
    async fn build(&self, ids: Vec<DeviceId>) -> Result<Built, EngineError> {
        let mut built = HashMap::new();
        let mut unusable = HashMap::new();
        if ids.is_empty() {
            return Ok((built, unusable));
        }
        let store = self.store.clone();
        let endpoints = blocking(move || store.agent_endpoints(&ids)).await?;
        for e in endpoints {
            let client = e
                .token
                .map_err(|err| format!("cannot read its agent token: {err}"))
                .and_then(|token| {
                    self.pool
                        .for_device(&e.agent_url, token.expose(), e.tls_fingerprint.as_ref())
                        .map_err(|err| err.for_admin())
                });
            match client {
                Ok(client) => {
                    let handle = DeviceHandle {
                        name: e.name,
                        client,
                    };
                    built.insert(e.id, Arc::new(handle));
                }
                Err(why) => {
                    unusable.insert(e.id, why);
                }
            }
        }
        Ok((built, unusable))
    }

    /// The client every device's client is made from, to make one for a
    /// device not saved yet.
    pub(super) fn pool(&self) -> &AgentClient {
        &self.pool
    }

    /// Drops a device's cached client, so the next call reads the device
    /// (its pinned certificate) again.
    pub(super) fn forget(&self, id: DeviceId) {
        lock(&self.devices).remove(&id);
    }

    /// The configuration request for a product version, built once.
    pub(super) async fn config(
        &self,
        product: &ProductName,
        version: &Version,
    ) -> Result<Arc<PreparedConfig>, EngineError> {
        let key = (product.clone(), version.clone());
        if let Some(req) = lock(&self.configs).get(&key) {
            return Ok(req.clone());
        }
        let store = self.store.clone();
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
        lock(&self.configs).insert(key, req.clone());
        Ok(req)
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}
