//! `device add|list|remove|trust`: the fleet (`import` and `label` have
//! files of their own). Folds repeated flags into the raw `NewDevice`; the
//! domain validates it.

use clap::{Args, Subcommand};
use rollwright::agent_client::{probe_certificate, ClientOptions, FingerprintError};
use rollwright::domain::{Actor, ErrorCode, Fingerprint, NewDevice, ValidationError};
use rollwright::store::{Removal, Store, StoreError};

use crate::{CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Register a device.
    Add(DeviceAdd),
    /// List devices: filtered, sorted, one page at a time.
    List(crate::device_list::ListArgs),
    /// Read devices' inventory (versions, modules, labels) from their agents.
    Sync(crate::device_list::SyncArgs),
    /// Add the devices of a CSV file, all or none.
    Import(crate::device_import::ImportArgs),
    /// Set or unset a device's labels.
    Label(crate::device_label::LabelArgs),
    /// Remove a device: deleted, or retired (kept for its history) when it
    /// took part in updates; refused while an update of it is unfinished.
    Remove { name: String },
    /// Pin the certificate an https:// agent presents now, after it changed.
    /// Without --fingerprint, shows it for you to compare; nothing is saved.
    Trust {
        name: String,
        /// The new certificate's fingerprint, as you compared it.
        #[arg(long)]
        fingerprint: Option<String>,
    },
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
    /// For an https:// agent: its certificate's SHA-256 fingerprint, as the
    /// agent prints it. Without it, the certificate presented is shown for
    /// you to compare, and nothing is saved.
    #[arg(long)]
    tls_fingerprint: Option<String>,
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
            if a.url.trim().starts_with("https://") && a.tls_fingerprint.is_none() {
                let presented = presented_certificate(&a.url)?;
                return Err(refused_to_compare(&format!(
                    "the agent at {} presents the certificate\n  sha256 {presented}\n\
                     Compare it with the agent's own (`rollwright-agent fingerprint --tls-dir DIR`) \
                     and, if they match, add the device with --tls-fingerprint {presented}",
                    a.url
                )));
            }
            let device = store.add_device(actor, &new_device(a)?.validate()?)?;
            out.print(&device, || {
                format!("added device {} (id {})", device.name, device.id)
            });
        }
        Cmd::Trust { name, fingerprint } => {
            let device = store
                .device_by_name(name)?
                .ok_or_else(|| StoreError::not_found("device", name))?;
            let Some(fingerprint) = fingerprint else {
                let presented = presented_certificate(&device.agent_url)?;
                let pinned = device
                    .tls_fingerprint
                    .map_or("nothing (plain http)".to_owned(), |f| f.to_string());
                return Err(refused_to_compare(&format!(
                    "device {name} presents the certificate\n  sha256 {presented}\n\
                     pinned is\n  sha256 {pinned}\n\
                     Compare it with the agent's own and, if it is the one you expect, \
                     run again with --fingerprint {presented}"
                )));
            };
            let fingerprint: Fingerprint = fingerprint.parse().map_err(|e: FingerprintError| {
                ValidationError::new("--fingerprint", e.to_string())
            })?;
            let device = store.trust_certificate(actor, name, &fingerprint)?;
            out.print(&device, || {
                format!("device {name} now trusts the certificate sha256 {fingerprint}")
            });
        }
        Cmd::List(a) => crate::device_list::list(store, out, a)?,
        Cmd::Sync(a) => crate::device_list::sync(store, out, a)?,
        Cmd::Import(args) => crate::device_import::import(store, out, actor, args)?,
        Cmd::Label(args) => crate::device_label::label(store, out, actor, args)?,
        Cmd::Remove { name } => {
            let removal = store.remove_device(actor, name)?;
            out.print(
                &serde_json::json!({"removed": name, "how": removal}),
                || match removal {
                    Removal::Deleted => format!("removed device {name}"),
                    Removal::Retired => format!(
                        "retired device {name}: kept for its update history, its token forgotten"
                    ),
                },
            );
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
        tls_fingerprint: a.tls_fingerprint.clone(),
        labels: a.labels.clone(),
        products,
    })
}

/// The certificate an https agent presents now (nothing is sent but the
/// handshake and an unauthenticated health check).
fn presented_certificate(url: &str) -> Result<Fingerprint, CliError> {
    crate::running::runtime()?
        .block_on(probe_certificate(url.trim(), &ClientOptions::default()))
        .map_err(|e| anyhow::anyhow!("cannot read the certificate of {url}: {e}").into())
}

/// Nothing was saved: the admin must compare a fingerprint first.
fn refused_to_compare(message: &str) -> CliError {
    CliError::Refused {
        code: ErrorCode::Conflict,
        message: message.to_owned(),
    }
}
