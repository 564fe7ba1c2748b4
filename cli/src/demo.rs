//! `demo`: seeds the demo landscape into an empty database and serves its
//! fleet in the foreground until Ctrl-C. The landscape and the fleet are
//! `rollwright::demo`'s; this only starts a runtime, prints and waits.

use std::io::Write;
use std::path::PathBuf;

use chrono::Utc;
use rollwright::demo::{ensure_with, DemoConfig, DemoError};
use rollwright::domain::Actor;
use rollwright::store::Store;

use crate::{CliError, Out};

#[derive(clap::Args)]
pub(crate) struct Args {
    /// Port for the fleet on 127.0.0.1 (default: the one used last time, or a free one).
    #[arg(long)]
    port: Option<u16>,
    /// Where the fleet keeps its state (default: `demo-fleet/` beside the database).
    #[arg(long)]
    state_dir: Option<PathBuf>,
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, args: &Args) -> Result<(), CliError> {
    let state_dir = args.state_dir.clone().unwrap_or_else(|| {
        store
            .path()
            .parent()
            .unwrap_or(std::path::Path::new("."))
            .join("demo-fleet")
    });
    let config = DemoConfig {
        state_dir,
        port: args.port,
        seed: true,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)?;
    runtime.block_on(async {
        let Some(ensured) = ensure_with(store, actor, &config, Utc::now()).await? else {
            return Err(DemoError::NotEmpty {
                devices: store.devices()?.len(),
                products: store.products()?.len(),
            }
            .into());
        };
        let fleet = ensured.fleet;
        let report = serde_json::json!({
            "seeded": ensured.seeded,
            "fleet_url": fleet.url(),
            "port": fleet.port(),
            "state_dir": config.state_dir,
        });
        if out.json {
            // One line, so a script can read it before the fleet stops.
            println!("{report}");
        } else {
            match &ensured.seeded {
                Some(s) => println!(
                    "seeded the demo: {} products ({} versions), {} devices, {} downtimes, \
                     {} past updates ({} device updates)",
                    s.products, s.versions, s.devices, s.downtimes, s.updates, s.device_updates
                ),
                None => println!("the database already holds the demo; restarting its fleet"),
            }
            println!("state: {}", config.state_dir.display());
            println!("demo fleet: {} (Ctrl-C stops it)", fleet.url());
        }
        std::io::stdout().flush().map_err(anyhow::Error::from)?;
        tokio::signal::ctrl_c().await.map_err(anyhow::Error::from)?;
        fleet.shutdown().await?;
        Ok(())
    })
}
