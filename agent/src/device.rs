//! `DeviceState`: one device's products, deployments and install counts, and
//! the protocol's rules over them (idempotent starts, rollback). Shared by the
//! real agent and the fleet simulator; it does no I/O and reads no clock
//! except through [`now`] for log timestamps.

use std::collections::{BTreeMap, HashMap};

use rollwright_protocol::{
    rfc3339, ConfigRequest, Deployment, DeploymentRequest, DeploymentState, DeviceInfo, Installs,
    LogEntry, LogLevel, ModuleRef, ProductState, WireManifest, MAX_KEPT_DEPLOYMENTS,
};
use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Everything the agent knows about one device; serializable so real mode and
/// `--state-file` can persist it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DeviceState {
    pub products: BTreeMap<String, Product>,
    pub deployments: HashMap<String, Record>,
    /// Installs per deployment id: the proof that no deployment ran twice.
    pub installs: BTreeMap<String, u32>,
    pub install_total: u64,
    /// Numbers deployments in the order they began, so the oldest can be
    /// forgotten first.
    #[serde(default)]
    pub next_seq: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Product {
    /// The configured version's manifest; `None` when never set or revoked.
    pub configured: Option<WireManifest>,
    pub deployed: Option<Deployed>,
    /// The non-terminal deployment of this product, if any (one at a time).
    pub busy: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    pub version: String,
    pub modules: Vec<ModuleRef>,
}

/// A deployment and what it needs to finish or undo it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Record {
    pub dep: Deployment,
    /// The manifest as configured when the deployment started.
    pub manifest: WireManifest,
    /// What was deployed before, so rollback can return to it.
    pub from: Option<Deployed>,
    /// Order of beginning on this device (0 for states saved before it existed).
    #[serde(default)]
    pub seq: u64,
}

/// What `begin` decided.
pub enum Begin {
    /// The id was seen before: nothing new happens.
    Existing(Deployment),
    /// The configured version is already deployed: succeeded without installing.
    AlreadyDeployed(Deployment),
    /// A new install was recorded (state `running`); the caller performs it.
    New(Deployment),
}

/// What `rollback` decided.
pub enum Rollback {
    /// Already rolled back or rolling back: nothing to do.
    Unchanged(Deployment),
    /// Done in state: the device was never switched (failed deployment).
    Done(Deployment),
    /// A running deployment must be aborted; the state is now `rolling_back`.
    Abort(Deployment),
    /// A succeeded deployment: the device must switch back to `from`
    /// (already recorded in state; the deployment is `rolled_back`).
    SwitchBack(Deployment, Option<Deployed>),
}

/// Current time as an RFC 3339 string, for log entries.
pub fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    rfc3339(secs)
}

pub fn entry(
    level: LogLevel,
    code: &str,
    message: impl Into<String>,
    detail: Option<String>,
) -> LogEntry {
    LogEntry {
        at: now(),
        level,
        code: code.into(),
        message: message.into(),
        detail,
    }
}

pub fn modules_of(m: &WireManifest) -> Vec<ModuleRef> {
    m.modules
        .iter()
        .map(|x| ModuleRef {
            name: x.name.clone(),
            version: x.version.clone(),
        })
        .collect()
}

impl DeviceState {
    pub fn info(&self, id: &str, name: &str, labels: &BTreeMap<String, String>) -> DeviceInfo {
        DeviceInfo {
            id: id.into(),
            name: name.into(),
            labels: labels.clone(),
            products: self
                .products
                .iter()
                .map(|(k, p)| (k.clone(), p.wire()))
                .collect(),
            installs: self.install_total,
        }
    }

    pub fn product_state(&self, product: &str) -> ProductState {
        self.products
            .get(product)
            .map(Product::wire)
            .unwrap_or(ProductState {
                configured_version: None,
                deployed_version: None,
                deployed_modules: vec![],
            })
    }

    pub fn installs(&self) -> Installs {
        Installs {
            installs: self.installs.clone(),
        }
    }

    /// Sets the configured version; any version, lower ones too (cancel of a
    /// scheduled update configures the previous version back).
    ///
    /// Allowed while a deployment of the product runs: that deployment carries
    /// on with the manifest it started with, and its log says the
    /// configuration changed under it.
    pub fn put_config(&mut self, product: &str, req: ConfigRequest) -> ProductState {
        let p = self.products.entry(product.to_string()).or_default();
        let version = req.manifest.version.clone();
        p.configured = Some(req.manifest);
        let state = p.wire();
        self.note_config_change(product, Some(&version));
        state
    }

    /// Allowed while a deployment runs, as [`DeviceState::put_config`] is.
    pub fn revoke_config(&mut self, product: &str) -> Result<ProductState, ApiError> {
        let p = self.products.get_mut(product).ok_or_else(|| {
            ApiError::not_found(format!("product {product} is not on this device"))
        })?;
        p.configured = None;
        let state = p.wire();
        self.note_config_change(product, None);
        Ok(state)
    }

    /// Tells the product's running deployment, in its log, that the
    /// configuration no longer names its version.
    fn note_config_change(&mut self, product: &str, configured: Option<&str>) {
        let Some(busy) = self.products.get(product).and_then(|p| p.busy.clone()) else {
            return;
        };
        let Some(r) = self.deployments.get_mut(&busy) else {
            return;
        };
        if configured == Some(r.dep.version.as_str()) {
            return;
        }
        r.dep.log.push(entry(
            LogLevel::Warn,
            "CONFIGURATION_CHANGED",
            format!(
                "the configuration changed to {} while this deployment runs; it carries on with {}",
                configured.unwrap_or("none (revoked)"),
                r.dep.version
            ),
            None,
        ));
    }

    pub fn deployment(&self, id: &str) -> Result<&Record, ApiError> {
        self.deployments
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("no deployment {id}")))
    }

    pub fn record_mut(&mut self, id: &str) -> Option<&mut Record> {
        self.deployments.get_mut(id)
    }

    /// Starts a deployment, or returns the one with the same id.
    pub fn begin(&mut self, req: DeploymentRequest) -> Result<Begin, ApiError> {
        if let Some(r) = self.deployments.get(&req.id) {
            if r.dep.product != req.product || r.dep.version != req.version {
                return Err(ApiError::conflict(
                    "id",
                    format!(
                        "deployment {} exists for {} {}",
                        req.id, r.dep.product, r.dep.version
                    ),
                ));
            }
            return Ok(Begin::Existing(r.dep.clone()));
        }
        let p = self.products.get(&req.product);
        let manifest = match p.and_then(|p| p.configured.as_ref()) {
            Some(m) if m.version == req.version => m.clone(),
            Some(m) => {
                return Err(ApiError::conflict(
                    "version",
                    format!(
                        "{} is configured at {}, not {}",
                        req.product, m.version, req.version
                    ),
                ))
            }
            None => {
                return Err(ApiError::conflict(
                    "product",
                    format!("{} has no configured version on this device", req.product),
                ))
            }
        };
        let p = p.expect("configured implies present");
        if let Some(busy) = &p.busy {
            return Err(ApiError::conflict(
                "product",
                format!("deployment {busy} of {} is still in progress", req.product),
            ));
        }
        let from = p.deployed.clone();
        let mut dep = Deployment {
            id: req.id.clone(),
            product: req.product.clone(),
            version: req.version.clone(),
            from_version: from.as_ref().map(|d| d.version.clone()),
            state: DeploymentState::Running,
            progress: 0,
            log: vec![],
        };
        let already = from.as_ref().is_some_and(|d| d.version == req.version);
        if already {
            dep.state = DeploymentState::Succeeded;
            dep.progress = 100;
            dep.log.push(entry(
                LogLevel::Info,
                "ALREADY_DEPLOYED",
                format!(
                    "{} {} is already deployed; nothing to install",
                    req.product, req.version
                ),
                None,
            ));
        } else {
            dep.log.push(entry(
                LogLevel::Info,
                "STARTED",
                format!(
                    "deploying {} {} ({} modules)",
                    req.product,
                    req.version,
                    manifest.modules.len()
                ),
                None,
            ));
            *self.installs.entry(req.id.clone()).or_default() += 1;
            self.install_total += 1;
            self.products.get_mut(&req.product).expect("present").busy = Some(req.id.clone());
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.deployments.insert(
            req.id.clone(),
            Record {
                dep: dep.clone(),
                manifest,
                from,
                seq,
            },
        );
        self.forget_oldest_deployments();
        Ok(if already {
            Begin::AlreadyDeployed(dep)
        } else {
            Begin::New(dep)
        })
    }

    /// Keeps at most [`MAX_KEPT_DEPLOYMENTS`]: the oldest terminal ones go
    /// first, but never a product's latest, which rollback may still need.
    fn forget_oldest_deployments(&mut self) {
        while self.deployments.len() > MAX_KEPT_DEPLOYMENTS {
            let mut latest: HashMap<&str, u64> = HashMap::new();
            for r in self.deployments.values() {
                let seq = latest.entry(r.dep.product.as_str()).or_default();
                *seq = (*seq).max(r.seq);
            }
            let oldest = self
                .deployments
                .iter()
                .filter(|(_, r)| {
                    r.dep.state.is_terminal() && latest[r.dep.product.as_str()] != r.seq
                })
                .min_by_key(|(_, r)| r.seq)
                .map(|(id, _)| id.clone());
            let Some(id) = oldest else { return };
            self.deployments.remove(&id);
            self.installs.remove(&id);
        }
    }

    /// Finishes a running (or rolling back) deployment: `succeeded` switches the
    /// product to the new version, every other state leaves it on `from`.
    pub fn finish(
        &mut self,
        id: &str,
        state: DeploymentState,
        log: Vec<LogEntry>,
    ) -> Option<Deployment> {
        let r = self.deployments.get_mut(id)?;
        if r.dep.state.is_terminal() {
            return None;
        }
        r.dep.state = state;
        r.dep.log.extend(log);
        if state == DeploymentState::Succeeded {
            r.dep.progress = 100;
        }
        let deployed = match state {
            DeploymentState::Succeeded => Some(Deployed {
                version: r.dep.version.clone(),
                modules: modules_of(&r.manifest),
            }),
            _ => r.from.clone(),
        };
        let dep = r.dep.clone();
        let p = self.products.entry(dep.product.clone()).or_default();
        p.deployed = deployed;
        if p.busy.as_deref() == Some(id) {
            p.busy = None;
        }
        Some(dep)
    }

    pub fn rollback(&mut self, id: &str) -> Result<Rollback, ApiError> {
        let r = self
            .deployments
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("no deployment {id}")))?;
        let product = r.dep.product.clone();
        match r.dep.state {
            DeploymentState::RolledBack | DeploymentState::RollingBack => {
                Ok(Rollback::Unchanged(r.dep.clone()))
            }
            DeploymentState::Pending | DeploymentState::Running => {
                let r = self.deployments.get_mut(id).expect("present");
                r.dep.state = DeploymentState::RollingBack;
                r.dep.log.push(entry(
                    LogLevel::Warn,
                    "ABORTING",
                    "rollback requested; aborting",
                    None,
                ));
                Ok(Rollback::Abort(r.dep.clone()))
            }
            DeploymentState::Failed => {
                let r = self.deployments.get_mut(id).expect("present");
                r.dep.state = DeploymentState::RolledBack;
                r.dep.log.push(entry(
                    LogLevel::Info,
                    "ROLLED_BACK",
                    format!(
                        "device remains on {}",
                        r.dep.from_version.as_deref().unwrap_or("no version")
                    ),
                    None,
                ));
                Ok(Rollback::Done(r.dep.clone()))
            }
            DeploymentState::Succeeded => {
                let current = self
                    .products
                    .get(&product)
                    .and_then(|p| p.deployed.as_ref());
                if current.map(|d| d.version.as_str()) != Some(r.dep.version.as_str())
                    || self.products[&product].busy.is_some()
                {
                    return Err(ApiError::conflict(
                        "id",
                        format!("deployment {id} was superseded; only the latest deployment can be rolled back"),
                    ));
                }
                let r = self.deployments.get_mut(id).expect("present");
                let from = r.from.clone();
                r.dep.state = DeploymentState::RolledBack;
                r.dep.log.push(entry(
                    LogLevel::Info,
                    "ROLLED_BACK",
                    format!(
                        "switched back to {}",
                        r.dep.from_version.as_deref().unwrap_or("no version")
                    ),
                    None,
                ));
                let dep = r.dep.clone();
                self.products.get_mut(&product).expect("present").deployed = from.clone();
                Ok(Rollback::SwitchBack(dep, from))
            }
        }
    }
}

impl Product {
    pub fn wire(&self) -> ProductState {
        ProductState {
            configured_version: self.configured.as_ref().map(|m| m.version.clone()),
            deployed_version: self.deployed.as_ref().map(|d| d.version.clone()),
            deployed_modules: self
                .deployed
                .as_ref()
                .map(|d| d.modules.clone())
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rollwright_protocol::WireModule;

    fn config(version: &str) -> ConfigRequest {
        ConfigRequest {
            version: version.into(),
            manifest: WireManifest {
                product: "app".into(),
                version: version.into(),
                release_notes: None,
                modules: vec![WireModule {
                    name: "core".into(),
                    version: version.into(),
                    artifact: "file:///tmp/core".into(),
                    sha256: "a".repeat(64),
                }],
                health_check: None,
            },
        }
    }

    fn start(state: &mut DeviceState, id: &str, version: &str) {
        state.put_config("app", config(version));
        let req = DeploymentRequest {
            id: id.into(),
            product: "app".into(),
            version: version.into(),
        };
        assert!(matches!(state.begin(req).unwrap(), Begin::New(_)));
    }

    #[test]
    fn changing_or_revoking_the_configuration_under_a_running_deployment_is_logged() {
        let mut state = DeviceState::default();
        start(&mut state, "d1", "1.0.0");
        state.put_config("app", config("1.0.0"));
        assert!(state.deployments["d1"]
            .dep
            .log
            .iter()
            .all(|l| l.code != "CONFIGURATION_CHANGED"));
        state.put_config("app", config("2.0.0"));
        state.revoke_config("app").unwrap();
        let changed: Vec<_> = state.deployments["d1"]
            .dep
            .log
            .iter()
            .filter(|l| l.code == "CONFIGURATION_CHANGED")
            .map(|l| l.message.clone())
            .collect();
        assert_eq!(changed.len(), 2, "{changed:?}");
        assert!(
            changed[0].contains("2.0.0") && changed[1].contains("revoked"),
            "{changed:?}"
        );
        // It carries on with the version it started with.
        let done = state
            .finish("d1", DeploymentState::Succeeded, vec![])
            .unwrap();
        assert_eq!(done.version, "1.0.0");
    }

    #[test]
    fn the_oldest_finished_deployments_are_forgotten_but_never_a_products_latest() {
        let mut state = DeviceState::default();
        for n in 0..MAX_KEPT_DEPLOYMENTS + 5 {
            let id = format!("d{n}");
            start(&mut state, &id, &format!("1.0.{n}"));
            state.finish(&id, DeploymentState::Failed, vec![]).unwrap();
        }
        assert_eq!(state.deployments.len(), MAX_KEPT_DEPLOYMENTS);
        assert_eq!(state.installs.len(), MAX_KEPT_DEPLOYMENTS);
        for n in 0..5 {
            assert!(
                state.deployment(&format!("d{n}")).is_err(),
                "d{n} forgotten"
            );
        }
        assert!(state.deployment("d5").is_ok());

        // A running deployment is never forgotten, however old.
        let mut state = DeviceState::default();
        start(&mut state, "running", "2.0.0");
        for n in 0..MAX_KEPT_DEPLOYMENTS + 5 {
            let id = format!("x{n}");
            state.products.get_mut("app").unwrap().busy = None;
            start(&mut state, &id, &format!("1.0.{n}"));
            state.finish(&id, DeploymentState::Failed, vec![]).unwrap();
        }
        assert!(state.deployment("running").is_ok());
        let latest = format!("x{}", MAX_KEPT_DEPLOYMENTS + 4);
        assert!(state.deployment(&latest).is_ok());
        assert_eq!(state.deployments.len(), MAX_KEPT_DEPLOYMENTS);
    }
}
