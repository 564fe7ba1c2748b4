//! Fleet mode: N simulated devices behind one port, each with its own lock
//! (no global lock on the request path), simulated installs and deterministic
//! fault injection. It must stay fast: no logging and no disk I/O per request.

pub mod faults;
pub mod persist;
pub mod spec;

use std::{
    collections::{BTreeMap, HashMap},
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex, MutexGuard,
    },
    time::Duration,
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
use faults::{Faults, Outcome};
pub use spec::FleetSpec;

/// How to build and run a fleet.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    pub devices: usize,
    pub spec: Option<FleetSpec>,
    pub faults: Faults,
    /// Where the fleet keeps its state across restarts, if anywhere.
    pub state_file: Option<PathBuf>,
}

impl FleetConfig {
    /// `devices` healthy devices, instant installs, seed 0.
    pub fn new(devices: usize) -> Self {
        Self {
            devices,
            spec: None,
            faults: Faults {
                seed: 0,
                install_ms: (0, 0),
                fail_rate: 0.0,
                hang_rate: 0.0,
                error_rate: 0.0,
            },
            state_file: None,
        }
    }
}

/// One simulated device.
pub(crate) struct Sim {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) labels: BTreeMap<String, String>,
    pub(crate) state: DeviceState,
    /// Calls answered so far; numbers the transient-error decisions.
    calls: u64,
    /// `GET /v1/device` as served, until the next change.
    cached: Option<Bytes>,
}

impl Sim {
    fn changed(&mut self) {
        self.cached = None;
    }
}

pub(crate) struct Inner {
    faults: Faults,
    pub(crate) devices: Vec<Mutex<Sim>>,
    index: HashMap<String, usize>,
    /// Set on every change; the state-file writer clears it.
    pub(crate) dirty: AtomicBool,
    pub(crate) state_file: Option<PathBuf>,
}

/// A cheap `Clone` handle to the fleet.
#[derive(Clone)]
pub struct Fleet(pub(crate) Arc<Inner>);

impl Fleet {
    /// Builds the fleet: from the state file if it exists, else from the spec
    /// or the seed. Must run inside a tokio runtime (installs are tasks).
    pub fn new(cfg: FleetConfig) -> anyhow::Result<Self> {
        let loaded = match &cfg.state_file {
            Some(path) if path.exists() => Some(persist::load(path)?),
            _ => None,
        };
        let initial: Vec<spec::Initial> = match loaded {
            Some(devices) => devices,
            None => (0..cfg.devices)
                .map(|n| match &cfg.spec {
                    Some(s) => s.device(n),
                    None => spec::generate(cfg.faults.seed, n),
                })
                .collect(),
        };
        let index = initial
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.clone(), i))
            .collect();
        let devices = initial
            .into_iter()
            .map(|d| {
                Mutex::new(Sim {
                    id: d.id,
                    name: d.name,
                    labels: d.labels,
                    state: d.state,
                    calls: 0,
                    cached: None,
                })
            })
            .collect();
        let fleet = Self(Arc::new(Inner {
            faults: cfg.faults,
            devices,
            index,
            dirty: AtomicBool::new(false),
            state_file: cfg.state_file,
        }));
        fleet.resume_installs();
        Ok(fleet)
    }

    pub fn len(&self) -> usize {
        self.0.devices.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.devices.is_empty()
    }

    /// Installs that were running when the state was saved carry on.
    fn resume_installs(&self) {
        for (i, d) in self.0.devices.iter().enumerate() {
            let running: Vec<String> = lock(d)
                .state
                .deployments
                .values()
                .filter(|r| !r.dep.state.is_terminal())
                .map(|r| r.dep.id.clone())
                .collect();
            for id in running {
                let fate = self.0.faults.fate(i, &id);
                if fate.outcome != Outcome::Hang {
                    self.spawn_install(i, id, fate);
                }
            }
        }
    }

    fn find(&self, dev: DeviceKey) -> Result<usize, ApiError> {
        let dev = dev.unwrap_or_default();
        self.0
            .index
            .get(dev)
            .copied()
            .ok_or_else(|| ApiError::not_found(format!("no device {dev}")))
    }

    /// Locks the device, counting the call and injecting a transient error if due.
    fn enter(&self, dev: DeviceKey) -> Result<(usize, MutexGuard<'_, Sim>), ApiError> {
        let i = self.find(dev)?;
        let mut sim = lock(&self.0.devices[i]);
        sim.calls += 1;
        if self.0.faults.transient_error(i, sim.calls) {
            return Err(ApiError::unavailable("simulated transient failure; retry"));
        }
        Ok((i, sim))
    }

    fn mark(&self, sim: &mut Sim) {
        sim.changed();
        self.0.dirty.store(true, Ordering::Relaxed);
    }

    fn spawn_install(&self, i: usize, id: String, fate: faults::Fate) {
        let fleet = self.clone();
        tokio::spawn(async move {
            let step = Duration::from_millis(fate.install_ms / 4);
            for k in 1..=4u8 {
                tokio::time::sleep(step).await;
                let mut sim = lock(&fleet.0.devices[i]);
                let Some(r) = sim.state.record_mut(&id) else {
                    return;
                };
                if r.dep.state != DeploymentState::Running {
                    return;
                }
                if k < 4 {
                    r.dep.progress = 25 * k;
                } else {
                    fleet.complete(&mut sim, &id, fate);
                }
                fleet.mark(&mut sim);
            }
        });
    }

    /// Ends a running simulated install as its fate says.
    fn complete(&self, sim: &mut Sim, id: &str, fate: faults::Fate) {
        let Some(r) = sim.state.record_mut(id) else {
            return;
        };
        let log = match fate.outcome {
            Outcome::Fail => {
                faults::failure_log(&r.manifest, r.dep.from_version.as_deref(), fate.hash)
            }
            _ => vec![entry(
                LogLevel::Info,
                "SUCCEEDED",
                format!("{} {} is deployed", r.dep.product, r.dep.version),
                None,
            )],
        };
        let state = match fate.outcome {
            Outcome::Fail => DeploymentState::Failed,
            _ => DeploymentState::Succeeded,
        };
        sim.state.finish(id, state, log);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Backend for Fleet {
    fn check(&self, dev: DeviceKey) -> Result<(), ApiError> {
        self.enter(dev).map(|_| ())
    }

    fn device(&self, dev: DeviceKey) -> Result<Bytes, ApiError> {
        let (_, mut sim) = self.enter(dev)?;
        if let Some(b) = &sim.cached {
            return Ok(b.clone());
        }
        let info = sim.state.info(&sim.id, &sim.name, &sim.labels);
        let bytes = Bytes::from(serde_json::to_vec(&info).map_err(ApiError::internal)?);
        sim.cached = Some(bytes.clone());
        Ok(bytes)
    }

    fn put_config(
        &self,
        dev: DeviceKey,
        product: &str,
        req: ConfigRequest,
    ) -> Result<ProductState, ApiError> {
        let i = self.find(dev)?;
        let mut sim = lock(&self.0.devices[i]);
        let out = sim.state.put_config(product, req);
        self.mark(&mut sim);
        Ok(out)
    }

    fn revoke_config(&self, dev: DeviceKey, product: &str) -> Result<ProductState, ApiError> {
        let i = self.find(dev)?;
        let mut sim = lock(&self.0.devices[i]);
        let out = sim.state.revoke_config(product)?;
        self.mark(&mut sim);
        Ok(out)
    }

    fn start_deployment(
        &self,
        dev: DeviceKey,
        req: DeploymentRequest,
    ) -> Result<(bool, Deployment), ApiError> {
        let i = self.find(dev)?;
        let mut sim = lock(&self.0.devices[i]);
        let dep = match sim.state.begin(req)? {
            Begin::Existing(dep) => return Ok((false, dep)),
            Begin::AlreadyDeployed(dep) => {
                self.mark(&mut sim);
                return Ok((true, dep));
            }
            Begin::New(dep) => dep,
        };
        let fate = self.0.faults.fate(i, &dep.id);
        match fate.outcome {
            Outcome::Hang => {
                let r = sim.state.record_mut(&dep.id).expect("just begun");
                r.dep.progress = 40;
                r.dep.log.push(entry(
                    LogLevel::Info,
                    "INSTALLING",
                    format!("installing {} {}", r.dep.product, r.dep.version),
                    None,
                ));
            }
            _ if fate.install_ms == 0 => self.complete(&mut sim, &dep.id, fate),
            _ => self.spawn_install(i, dep.id.clone(), fate),
        }
        self.mark(&mut sim);
        let dep = sim.state.deployment(&dep.id)?.dep.clone();
        Ok((true, dep))
    }

    fn deployment(&self, dev: DeviceKey, id: &str) -> Result<Deployment, ApiError> {
        let i = self.find(dev)?;
        let sim = lock(&self.0.devices[i]);
        Ok(sim.state.deployment(id)?.dep.clone())
    }

    fn rollback(&self, dev: DeviceKey, id: &str) -> Result<Deployment, ApiError> {
        let i = self.find(dev)?;
        let mut sim = lock(&self.0.devices[i]);
        let dep = match sim.state.rollback(id)? {
            Rollback::Unchanged(dep) => return Ok(dep),
            Rollback::Done(dep) | Rollback::SwitchBack(dep, _) => dep,
            Rollback::Abort(dep) => {
                // Nothing was switched in the simulation: the abort completes at once.
                let log = vec![entry(
                    LogLevel::Info,
                    "ROLLED_BACK",
                    format!(
                        "aborted; device remains on {}",
                        dep.from_version.as_deref().unwrap_or("no version")
                    ),
                    None,
                )];
                sim.state
                    .finish(id, DeploymentState::RolledBack, log)
                    .unwrap_or(dep)
            }
        };
        self.mark(&mut sim);
        Ok(dep)
    }

    fn installs(&self, dev: DeviceKey) -> Result<Installs, ApiError> {
        let i = self.find(dev)?;
        let sim = lock(&self.0.devices[i]);
        Ok(sim.state.installs())
    }

    fn device_ids(&self) -> Option<Vec<String>> {
        Some(self.0.devices.iter().map(|d| lock(d).id.clone()).collect())
    }
}
