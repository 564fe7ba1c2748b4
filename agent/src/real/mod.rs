//! Real mode: one device whose versions live in a data directory. Every state
//! change is written to `state.json` before it is acted on; at start, a
//! deployment interrupted by a crash is resumed or rolled back (see `recover`).

mod disk;
mod install;

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::{Arc, Mutex, MutexGuard},
};

use axum::body::Bytes;
use rollwright_protocol::{
    ConfigRequest, Deployment, DeploymentRequest, DeploymentState, Installs, LogLevel, ProductState,
};

use crate::{
    backend::{Backend, DeviceKey},
    device::{entry, Begin, DeviceState, Rollback},
    error::ApiError,
};
pub use disk::Disk;

/// How to run a real agent.
#[derive(Debug, Clone)]
pub struct RealConfig {
    pub data_dir: PathBuf,
    pub name: String,
    pub labels: BTreeMap<String, String>,
}

pub(crate) struct Inner {
    cfg: RealConfig,
    disk: Disk,
    state: Mutex<DeviceState>,
    /// One pooled client for every artifact download.
    http: reqwest::Client,
}

/// A cheap `Clone` handle to the agent.
#[derive(Clone)]
pub struct RealAgent(pub(crate) Arc<Inner>);

impl RealAgent {
    /// Opens the data directory and recovers from any crash. Must run inside a
    /// tokio runtime (resumed deployments are tasks).
    pub fn open(cfg: RealConfig) -> anyhow::Result<Self> {
        let disk = Disk::new(cfg.data_dir.clone())?;
        let state = disk.load_state()?;
        let agent = Self(Arc::new(Inner {
            cfg,
            disk,
            state: Mutex::new(state),
            http: reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .build()?,
        }));
        agent.recover()?;
        Ok(agent)
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, DeviceState> {
        self.0.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn save(&self, st: &DeviceState) -> Result<(), ApiError> {
        self.0.disk.save_state(st).map_err(ApiError::internal)
    }

    fn here(dev: DeviceKey) -> Result<(), ApiError> {
        match dev {
            None => Ok(()),
            Some(d) => Err(ApiError::not_found(format!(
                "no device {d}: this is a single agent"
            ))),
        }
    }

    /// Brings disk and state into agreement after a crash:
    /// - a deployment `rolling_back` is switched back and ends `rolled_back`;
    /// - a deployment `pending`/`running` is resumed (re-staged, or, if the
    ///   pointer already names its version, health-checked again);
    /// - every other product's pointer is set to the recorded deployed version
    ///   (state is written before a switch back, so state wins).
    fn recover(&self) -> anyhow::Result<()> {
        let disk = &self.0.disk;
        disk.clean_pointer_temps();
        let mut st = self.lock();
        let mut resume = vec![];
        let ids: Vec<String> = st
            .deployments
            .values()
            .filter(|r| !r.dep.state.is_terminal())
            .map(|r| r.dep.id.clone())
            .collect();
        for id in ids {
            let r = st.record_mut(&id).expect("listed");
            if r.dep.state == DeploymentState::RollingBack {
                let (product, from) = (r.dep.product.clone(), r.dep.from_version.clone());
                disk.switch(&product, from.as_deref())?;
                let log = vec![entry(
                    LogLevel::Warn,
                    "RECOVERED",
                    "agent restarted while rolling back; rolled back",
                    None,
                )];
                st.finish(&id, DeploymentState::RolledBack, log);
            } else {
                r.dep.state = DeploymentState::Running;
                r.dep.log.push(entry(
                    LogLevel::Warn,
                    "RESUMED",
                    "agent restarted during the deployment; resuming",
                    None,
                ));
                resume.push(id);
            }
        }
        for (name, p) in &st.products {
            if p.busy.is_none() {
                let want = p.deployed.as_ref().map(|d| d.version.as_str());
                if disk.pointer(name).as_deref() != want {
                    disk.switch(name, want)?;
                }
            }
        }
        disk.save_state(&st)?;
        drop(st);
        for id in resume {
            install::spawn(self.clone(), id);
        }
        Ok(())
    }
}

impl Backend for RealAgent {
    fn check(&self, dev: DeviceKey) -> Result<(), ApiError> {
        Self::here(dev)
    }

    fn device(&self, dev: DeviceKey) -> Result<Bytes, ApiError> {
        Self::here(dev)?;
        let cfg = &self.0.cfg;
        let info = self.lock().info(&cfg.name, &cfg.name, &cfg.labels);
        Ok(Bytes::from(
            serde_json::to_vec(&info).map_err(ApiError::internal)?,
        ))
    }

    fn put_config(
        &self,
        dev: DeviceKey,
        product: &str,
        req: ConfigRequest,
    ) -> Result<ProductState, ApiError> {
        Self::here(dev)?;
        let mut st = self.lock();
        let out = st.put_config(product, req);
        self.save(&st)?;
        Ok(out)
    }

    fn revoke_config(&self, dev: DeviceKey, product: &str) -> Result<ProductState, ApiError> {
        Self::here(dev)?;
        let mut st = self.lock();
        let out = st.revoke_config(product)?;
        self.save(&st)?;
        Ok(out)
    }

    fn start_deployment(
        &self,
        dev: DeviceKey,
        req: DeploymentRequest,
    ) -> Result<(bool, Deployment), ApiError> {
        Self::here(dev)?;
        let mut st = self.lock();
        match st.begin(req)? {
            Begin::Existing(dep) => Ok((false, dep)),
            Begin::AlreadyDeployed(dep) => {
                self.save(&st)?;
                Ok((true, dep))
            }
            Begin::New(dep) => {
                self.save(&st)?;
                drop(st);
                install::spawn(self.clone(), dep.id.clone());
                Ok((true, dep))
            }
        }
    }

    fn deployment(&self, dev: DeviceKey, id: &str) -> Result<Deployment, ApiError> {
        Self::here(dev)?;
        Ok(self.lock().deployment(id)?.dep.clone())
    }

    fn rollback(&self, dev: DeviceKey, id: &str) -> Result<Deployment, ApiError> {
        Self::here(dev)?;
        let mut st = self.lock();
        match st.rollback(id)? {
            Rollback::Unchanged(dep) => Ok(dep),
            // The worker sees `rolling_back` at its next step and switches back.
            Rollback::Abort(dep) | Rollback::Done(dep) => {
                self.save(&st)?;
                Ok(dep)
            }
            Rollback::SwitchBack(dep, from) => {
                // State first, then the pointer: recovery makes the pointer agree.
                self.save(&st)?;
                self.0
                    .disk
                    .switch(&dep.product, from.as_ref().map(|d| d.version.as_str()))
                    .map_err(ApiError::internal)?;
                Ok(dep)
            }
        }
    }

    fn installs(&self, dev: DeviceKey) -> Result<Installs, ApiError> {
        Self::here(dev)?;
        Ok(self.lock().installs())
    }
}
