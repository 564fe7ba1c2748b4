//! `device add|list|remove`: the fleet. Folds repeated flags into the raw
//! `NewDevice`; the domain validates it.

use clap::{Args, Subcommand};
use rollwright::domain::{Actor, NewDevice, ValidationError};
use rollwright::store::Store;

use crate::{show, CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Register a device.
    Add(DeviceAdd),
    /// List devices.
    List,
    /// Remove a device without update history.
    Remove { name: String },
}

#[derive(Args)]
pub(crate) struct DeviceAdd {
    name: String,
    /// The agent's base URL, e.g. http://127.0.0.1:7000/devices/berlin-01
    #[arg(long)]
    url: String,
    /// The bearer token the agent expects.
    #[arg(long)]
    token: String,
    /// A label, key=value; repeatable.
    #[arg(long = "label")]
    labels: Vec<String>,
    /// The configured version of a product, product=version; repeatable.
    #[arg(long = "configured")]
    configured: Vec<String>,
    /// The deployed version of a product, product=version; repeatable.
    #[arg(long = "deployed")]
    deployed: Vec<String>,
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, cmd: &Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Add(a) => {
            let device = store.add_device(actor, &new_device(a)?.validate()?)?;
            out.print(&device, || {
                format!("added device {} (id {})", device.name, device.id)
            });
        }
        Cmd::List => {
            let devices = store.devices()?;
            out.print(&devices, || {
                devices
                    .iter()
                    .map(|d| {
                        let labels: Vec<_> =
                            d.labels.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        let products: Vec<_> = d
                            .products
                            .iter()
                            .map(|(p, v)| {
                                format!("{p}={}/{}", show(&v.configured), show(&v.deployed))
                            })
                            .collect();
                        format!(
                            "{}\t{}\t{}\t{}",
                            d.name,
                            d.agent_url,
                            labels.join(","),
                            products.join(" ")
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Remove { name } => {
            store.remove_device(actor, name)?;
            out.print(&serde_json::json!({"removed": name}), || {
                format!("removed device {name}")
            });
        }
    }
    Ok(())
}

/// Folds `--configured p=v` and `--deployed p=v` into per-product pairs.
fn new_device(a: &DeviceAdd) -> Result<NewDevice, ValidationError> {
    let mut products =
        std::collections::BTreeMap::<String, (Option<String>, Option<String>)>::new();
    for (field, list, configured) in [
        ("configured", &a.configured, true),
        ("deployed", &a.deployed, false),
    ] {
        for (i, pv) in list.iter().enumerate() {
            let (p, v) = pv.split_once('=').ok_or_else(|| {
                ValidationError::new(
                    format!("{field}[{i}]"),
                    format!("must be product=version (got {pv:?})"),
                )
            })?;
            let slot = products.entry(p.to_owned()).or_default();
            if configured {
                slot.0 = Some(v.to_owned());
            } else {
                slot.1 = Some(v.to_owned());
            }
        }
    }
    Ok(NewDevice {
        name: a.name.clone(),
        agent_url: a.url.clone(),
        agent_token: a.token.clone(),
        labels: a.labels.clone(),
        products,
    })
}
