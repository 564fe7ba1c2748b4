//! The demo fleet: the agent's fleet simulator on loopback, serving the
//! plan's devices with their state kept across restarts.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use rollwright_agent::fleet::faults::Faults;
use rollwright_agent::fleet::{persist, Fleet, FleetConfig};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::store::{Store, StoreError};

use super::plan::{fleet_spec, manifests, plan};
use super::seed::fleet_info;
use super::{fleet_url, DemoError, DEMO_SEED, META_KEY, STATE_FILE};

/// Install time of a simulated deployment: long enough to watch progress.
const INSTALL_MS: (u64, u64) = (300, 1500);
/// About one deployment in thirty fails, so the demo shows an error now and then.
const FAIL_RATE: f64 = 0.03;

/// The running demo fleet. Dropping it stops accepting connections;
/// [`DemoFleet::shutdown`] also writes the state file.
pub struct DemoFleet {
    port: u16,
    token: String,
    fleet: Fleet,
    server: JoinHandle<std::io::Result<()>>,
}

impl DemoFleet {
    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// `http://127.0.0.1:PORT`; devices live under `/devices/{id}`.
    pub fn url(&self) -> String {
        fleet_url(self.port)
    }

    /// Stops serving and saves the fleet's state for the next start.
    pub async fn shutdown(mut self) -> Result<(), DemoError> {
        self.server.abort();
        // Wait until the aborted server task is gone, so its listener is
        // closed and the port free when this returns.
        let _ = (&mut self.server).await;
        let fleet = self.fleet.clone();
        tokio::task::spawn_blocking(move || persist::save_if_dirty(&fleet))
            .await
            .map_err(|e| DemoError::Fleet(e.to_string()))?
            .map_err(|e| DemoError::Fleet(e.to_string()))
    }
}

impl Drop for DemoFleet {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub(super) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, DemoError> + Send + 'static,
) -> Result<T, DemoError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DemoError::Fleet(format!("database task: {e}")))?
}

/// Starts (or restarts) the demo fleet of this database on loopback, with its
/// state in `state_dir`. Uses the stored port, else a free one, and then
/// moves the devices' agent URLs and the stored port to match.
pub async fn start_fleet(store: &Store, state_dir: &Path) -> Result<DemoFleet, DemoError> {
    start_fleet_on(store, state_dir, None).await
}

pub(super) async fn start_fleet_on(
    store: &Store,
    state_dir: &Path,
    port: Option<u16>,
) -> Result<DemoFleet, DemoError> {
    let s = store.clone();
    let mut info = blocking(move || fleet_info(&s)?.ok_or(DemoError::NotDemo)).await?;
    let wanted = port.unwrap_or(info.port);
    let listener = match TcpListener::bind((Ipv4Addr::LOCALHOST, wanted)).await {
        Ok(l) => l,
        // Someone else took the port since: any free one will do, since the
        // devices' URLs are rewritten below.
        Err(_) => TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .await
            .map_err(DemoError::Listen)?,
    };
    let actual = listener.local_addr().map_err(DemoError::Listen)?.port();
    if actual != info.port {
        let (old, new) = (info.url(), fleet_url(actual));
        info.port = actual;
        let s = store.clone();
        let json = serde_json::to_string(&info).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        blocking(move || {
            s.rebase_agent_urls(&format!("{old}/"), &format!("{new}/"))?;
            s.set_meta(META_KEY, &json)?;
            Ok(())
        })
        .await?;
    }

    std::fs::create_dir_all(state_dir).map_err(|e| DemoError::Fleet(e.to_string()))?;
    let plan = plan();
    let spec = fleet_spec(&plan, &manifests()?);
    let fleet = Fleet::new(FleetConfig {
        devices: plan.len(),
        spec: Some(spec),
        faults: Faults {
            seed: DEMO_SEED,
            install_ms: INSTALL_MS,
            fail_rate: FAIL_RATE,
            hang_rate: 0.0,
            error_rate: 0.0,
        },
        state_file: Some(state_dir.join(STATE_FILE)),
    })
    .map_err(|e| DemoError::Fleet(e.to_string()))?;
    persist::spawn_writer(fleet.clone(), Duration::from_millis(500));
    let token =
        rollwright_agent::Token::new(&info.token).map_err(|e| DemoError::Fleet(e.to_string()))?;
    let router = rollwright_agent::fleet_app(fleet.clone(), token);
    let server = tokio::spawn(rollwright_agent::serve(listener, router));
    Ok(DemoFleet {
        port: actual,
        token: info.token,
        fleet,
        server,
    })
}

/// What [`ensure_with`] did.
/// A port that was free a moment ago; if it is taken by the time the fleet
/// starts, the fleet moves to another and rewrites the URLs.
pub(super) fn free_port() -> Result<u16, DemoError> {
    let l = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(DemoError::Listen)?;
    Ok(l.local_addr().map_err(DemoError::Listen)?.port())
}
