//! The real agent's data directory and the only code that touches it:
//!
//! ```text
//! DIR/state.json                          products, deployments, install counts
//! DIR/staging/{deployment}/{module}       artifacts being fetched and verified
//! DIR/products/{p}/versions/{v}/{module}  whole, verified versions (kept for rollback)
//! DIR/products/{p}/current                pointer file: the deployed version
//! ```
//! A version directory is complete before the pointer names it, and the
//! pointer changes only by `rename`, so the device always runs one whole version.

use std::{
    io::Write,
    path::{Path, PathBuf},
    time::Duration,
};

use crate::device::DeviceState;

#[derive(Debug, Clone)]
pub struct Disk {
    pub root: PathBuf,
    /// Test hook (`ROLLWRIGHT_AGENT_SWITCH_DELAY_MS`): pause between writing the
    /// new pointer and renaming it into place, so a test can kill mid-switch.
    pub switch_delay: Option<Duration>,
}

impl Disk {
    pub fn new(root: PathBuf) -> std::io::Result<Self> {
        std::fs::create_dir_all(root.join("staging"))?;
        std::fs::create_dir_all(root.join("products"))?;
        let switch_delay = std::env::var("ROLLWRIGHT_AGENT_SWITCH_DELAY_MS")
            .ok()
            .and_then(|s| s.parse().ok())
            .map(Duration::from_millis);
        Ok(Self { root, switch_delay })
    }

    fn state_path(&self) -> PathBuf {
        self.root.join("state.json")
    }

    pub fn load_state(&self) -> anyhow::Result<DeviceState> {
        match std::fs::read(self.state_path()) {
            Ok(bytes) => Ok(serde_json::from_slice(&bytes)?),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DeviceState::default()),
            Err(e) => Err(e.into()),
        }
    }

    pub fn save_state(&self, state: &DeviceState) -> std::io::Result<()> {
        let bytes = serde_json::to_vec(state).map_err(std::io::Error::other)?;
        write_atomic(&self.state_path(), &bytes)
    }

    pub fn staging(&self, deployment: &str) -> PathBuf {
        self.root.join("staging").join(deployment)
    }

    pub fn product(&self, product: &str) -> PathBuf {
        self.root.join("products").join(product)
    }

    pub fn version_dir(&self, product: &str, version: &str) -> PathBuf {
        self.product(product).join("versions").join(version)
    }

    pub fn pointer(&self, product: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.product(product).join("current")).ok()?;
        Some(text.trim().to_string()).filter(|s| !s.is_empty())
    }

    /// Points the product at `version` (or at nothing) by an atomic rename.
    pub fn switch(&self, product: &str, version: Option<&str>) -> std::io::Result<()> {
        let dir = self.product(product);
        std::fs::create_dir_all(&dir)?;
        let current = dir.join("current");
        match version {
            Some(v) => {
                let tmp = dir.join("current.tmp");
                {
                    let mut f = std::fs::File::create(&tmp)?;
                    f.write_all(format!("{v}\n").as_bytes())?;
                    f.sync_all()?;
                }
                if let Some(d) = self.switch_delay {
                    std::thread::sleep(d);
                }
                std::fs::rename(&tmp, &current)?;
            }
            None => match std::fs::remove_file(&current) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
        sync_dir(&dir)
    }

    /// Moves a fully verified staging directory into place as `version`.
    pub fn install_version(
        &self,
        staging: &Path,
        product: &str,
        version: &str,
    ) -> std::io::Result<PathBuf> {
        let target = self.version_dir(product, version);
        std::fs::create_dir_all(target.parent().expect("has parent"))?;
        if target.exists() {
            std::fs::remove_dir_all(&target)?;
        }
        std::fs::rename(staging, &target)?;
        sync_dir(target.parent().expect("has parent"))?;
        Ok(target)
    }

    /// Removes half-written pointers left by a crash.
    pub fn clean_pointer_temps(&self) {
        if let Ok(entries) = std::fs::read_dir(self.root.join("products")) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path().join("current.tmp"));
            }
        }
    }
}

pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    if let Some(parent) = path.parent() {
        sync_dir(parent)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::File::open(dir)?.sync_all()
}
