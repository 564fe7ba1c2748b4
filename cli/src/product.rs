//! `product import|list`: the catalog. Reads manifest files through
//! `rollwright::manifest_file`; never parses TOML itself.

use chrono::Utc;
use clap::Subcommand;
use rollwright::domain::Actor;
use rollwright::manifest_file::read_manifest;
use rollwright::store::Store;
use std::path::PathBuf;

use crate::{CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Import a manifest (TOML, see docs/manifest.md).
    Import { file: PathBuf },
    /// List products and their versions.
    List,
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, cmd: &Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Import { file } => {
            let manifest = read_manifest(file)?;
            let outcome = store.import_manifest(actor, &manifest, Utc::now())?;
            out.print(&serde_json::json!({"product": manifest.product, "version": manifest.version, "outcome": outcome}), || {
                format!("{} {}: {:?}", manifest.product, manifest.version, outcome).to_lowercase()
            });
        }
        Cmd::List => {
            let products = store.products()?;
            out.print(&products, || {
                products
                    .iter()
                    .map(|p| {
                        format!(
                            "{}\t{}",
                            p.product,
                            p.versions
                                .iter()
                                .map(|v| v.to_string())
                                .collect::<Vec<_>>()
                                .join(" ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
    }
    Ok(())
}
