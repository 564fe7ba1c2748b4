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

    /// The clients for many devices, those not built yet made from one
    /// store read. A device whose client cannot be made gets the reason.
    pub(super) async fn devices(
        &self,
        ids: &[DeviceId],
    ) -> Result<Vec<(DeviceId, Result<Arc<DeviceHandle>, String>)>, EngineError> {
        let missing: Vec<DeviceId> = {
            let cached = lock(&self.devices);
            ids.iter()
                .filter(|id| !cached.contains_key(id))
                .copied()
                .collect()
        };
        let mut unusable = HashMap::new();
        if !missing.is_empty() {
            let store = self.store.clone();
            let endpoints = blocking(move || store.agent_endpoints(&missing)).await?;
            let mut cached = lock(&self.devices);
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
                        cached.insert(e.id, Arc::new(handle));
                    }
                    Err(why) => {
                        unusable.insert(e.id, why);
                    }
                }
            }
        }
        let cached = lock(&self.devices);
        Ok(ids
            .iter()
            .map(|id| {
                let handle = cached.get(id).cloned().ok_or_else(|| {
                    unusable
                        .remove(id)
                        .unwrap_or_else(|| "the device is gone".into())
                });
                (*id, handle)
            })
            .collect())
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
