//! The demo landscape: three products, ~60 devices across four sites, a month
//! of downtimes, some finished updates, and a simulated fleet on loopback that
//! answers for those devices. Seeds only an empty database, and only through
//! the store's ordinary functions, so the demo obeys every rule real data does.
//!
//! Everything is a pure function of the fixed plan and `now`; only the
//! fleet's token (random, kept in `meta`) and its port differ between seeds.
//!
//! - `plan.rs`: the fixed plan: products, devices per site, past updates.
//! - `seed.rs`: writes the plan into an empty database through the store.
//! - `fleet.rs`: the simulated fleet on loopback that answers for the devices.

mod fleet;
mod plan;
mod seed;

use fleet::{blocking, free_port, start_fleet_on};
pub use fleet::{start_fleet, DemoFleet};
pub use seed::{fleet_info, is_empty, seed};

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Actor, ErrorCode, Role, ValidationError};
use crate::store::{Store, StoreError};

/// The fault-injection seed of the demo fleet: the same deployments fail on
/// every run, so a demo can be rehearsed.
pub const DEMO_SEED: u64 = 0x5eed_2030;
/// The `meta` key holding [`DemoFleetInfo`] as JSON; its presence marks the
/// landscape as the demo.
pub const META_KEY: &str = "demo.fleet";
/// The fleet's state file inside the state directory.
pub const STATE_FILE: &str = "demo-fleet.json";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the database is not empty ({devices} devices, {products} products); the demo seeds only an empty one")]
    NotEmpty { devices: usize, products: usize },
    #[error("this database holds no demo landscape")]
    NotDemo,
    #[error("cannot listen on 127.0.0.1: {0}")]
    Listen(std::io::Error),
    /// The simulated fleet could not be built, e.g. an unreadable state file.
    #[error("demo fleet: {0}")]
    Fleet(String),
    /// The demo's own data broke a rule: a bug in this file.
    #[error("demo data: {0}")]
    Data(#[from] ValidationError),
}

impl DemoError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DemoError::Store(e) => e.code(),
            DemoError::NotEmpty { .. } => ErrorCode::Conflict,
            DemoError::NotDemo => ErrorCode::NotFound,
            DemoError::Listen(_) | DemoError::Fleet(_) | DemoError::Data(_) => ErrorCode::Internal,
        }
    }
}

/// Where the demo fleet listens and the token it expects; kept in `meta` so a
/// later start brings the same fleet back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemoFleetInfo {
    pub port: u16,
    pub token: String,
}

impl DemoFleetInfo {
    /// A fresh random token for a fleet on `port`.
    pub fn new(port: u16) -> DemoFleetInfo {
        DemoFleetInfo {
            port,
            token: format!("demo-{}", uuid::Uuid::new_v4().simple()),
        }
    }

    /// The fleet's base URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        fleet_url(self.port)
    }
}

fn fleet_url(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

/// What [`seed`] wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DemoSummary {
    pub products: usize,
    pub versions: usize,
    pub devices: usize,
    pub downtimes: usize,
    pub updates: usize,
    pub device_updates: usize,
    pub fleet_url: String,
}

/// How to start the demo.
#[derive(Debug, Clone)]
pub struct DemoConfig {
    /// Where the fleet keeps its state file across restarts.
    pub state_dir: PathBuf,
    /// A port to prefer over the stored one (or over a free one when seeding).
    pub port: Option<u16>,
    /// Whether an empty database gets the demo; without it only a database
    /// that holds the demo already gets its fleet started.
    pub seed: bool,
}

pub struct Ensured {
    /// Present when the database was empty and has just been seeded.
    pub seeded: Option<DemoSummary>,
    pub fleet: DemoFleet,
}

/// At app start: (re)starts the demo fleet when the database holds the
/// demo, and seeds an empty database with it as `actor` when `seed` (asked
/// for by a flag or from the welcome screen, never by default). Any other
/// landscape is left alone (`None`), and so is an empty database whose
/// admins are others: only an admin may seed.
pub async fn ensure(
    store: &Store,
    actor: &Actor,
    state_dir: &Path,
    seed: bool,
    now: DateTime<Utc>,
) -> Result<Option<DemoFleet>, DemoError> {
    let config = DemoConfig {
        state_dir: state_dir.to_path_buf(),
        port: None,
        seed,
    };
    Ok(ensure_with(store, actor, &config, now)
        .await?
        .map(|e| e.fleet))
}

/// [`ensure`] with a preferred port, saying whether it seeded.
pub async fn ensure_with(
    store: &Store,
    actor: &Actor,
    config: &DemoConfig,
    now: DateTime<Utc>,
) -> Result<Option<Ensured>, DemoError> {
    let (s, a) = (store.clone(), actor.clone());
    let (demo, empty, role) =
        blocking(move || Ok((fleet_info(&s)?.is_some(), is_empty(&s)?, s.sign_in(&a)?))).await?;
    let seeded = if demo {
        None
    } else if config.seed && empty && role == Role::Admin {
        let port = match config.port {
            Some(p) => p,
            None => free_port()?,
        };
        let info = DemoFleetInfo::new(port);
        let (s, a) = (store.clone(), actor.clone());
        Some(blocking(move || seed(&s, &a, &info, now)).await?)
    } else {
        return Ok(None);
    };
    let fleet = start_fleet_on(store, &config.state_dir, config.port).await?;
    Ok(Some(Ensured { seeded, fleet }))
}

#[cfg(test)]
mod tests;
