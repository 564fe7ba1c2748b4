//! `update eligible|diff|create`: planning updates. Turns device names and
//! `NAME[:option]` into the raw `NewUpdate`; the domain validates it inside
//! the store's writing transaction.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use rollwright::domain::{
    parse_version, Actor, DeployOption, DeviceId, NewTarget, NewUpdate, ProductName,
    ValidationError,
};
use rollwright::store::Store;

use crate::{parse_time, show, CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Devices an update of PRODUCT to VERSION can include, and why.
    Eligible { product: String, version: String },
    /// Module changes between two versions of a product.
    Diff {
        product: String,
        from: String,
        to: String,
    },
    /// Plan an update of chosen devices to higher versions of one or more
    /// products within a window.
    Create(UpdateCreate),
    #[command(flatten)]
    Running(crate::running::Cmd),
}

#[derive(Args)]
pub(crate) struct UpdateCreate {
    /// The product of a one-product update (with --version); the first
    /// target when --target adds others.
    #[arg(long, requires = "version")]
    product: Option<String>,
    #[arg(long, requires = "product")]
    version: Option<String>,
    /// PRODUCT=VERSION, e.g. edge-gateway=1.2.0; repeatable. Each device
    /// takes the targets of the products it has.
    #[arg(long = "target")]
    targets: Vec<String>,
    #[arg(long)]
    title: String,
    /// Start of the window, RFC 3339.
    #[arg(long, value_parser = parse_time)]
    from: DateTime<Utc>,
    /// Estimated end of the window, RFC 3339.
    #[arg(long, value_parser = parse_time)]
    to: DateTime<Utc>,
    /// NAME, NAME:now, NAME:config-only or NAME:at=RFC3339; repeatable.
    #[arg(long = "device")]
    devices: Vec<String>,
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, cmd: &Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Running(cmd) => crate::running::run(store, out, actor, cmd)?,
        Cmd::Eligible { product, version } => {
            let product = ProductName::parse("product", product)?;
            let version = parse_version("version", version)?;
            let list = store.eligible(&product, &version)?;
            out.print(&list, || {
                list.iter()
                    .map(|e| {
                        format!(
                            "{}\tconfigured {}\tdeployed {}\tlower: {:?}",
                            e.name,
                            show(&e.configured),
                            show(&e.deployed),
                            e.lower
                        )
                        .to_lowercase()
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Diff { product, from, to } => {
            let product = ProductName::parse("product", product)?;
            let from = parse_version("from", from)?;
            let to = parse_version("to", to)?;
            let diff = store.module_diff(&product, &from, &to)?;
            out.print(&diff, || {
                use rollwright::domain::ModuleChange::*;
                diff.iter()
                    .map(|c| match c {
                        Added(m) => format!("+ {} {}", m.name, m.version),
                        Removed(m) => format!("- {} {}", m.name, m.version),
                        Modified { from, to } => {
                            format!("~ {} {} -> {}", to.name, from.version, to.version)
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Create(c) => create(store, out, actor, c)?,
    }
    Ok(())
}

fn create(store: &Store, out: &Out, actor: &Actor, c: &UpdateCreate) -> Result<(), CliError> {
    let mut devices = Vec::with_capacity(c.devices.len());
    let mut names = BTreeMap::<DeviceId, String>::new();
    for (i, arg) in c.devices.iter().enumerate() {
        let (name, option) = parse_device_arg(i, arg)?;
        let device = store.device_by_name(name)?.ok_or_else(|| {
            ValidationError::new(format!("devices[{i}]"), format!("unknown device {name:?}"))
        })?;
        names.insert(device.id, device.name);
        devices.push((device.id, option));
    }
    let mut targets = Vec::with_capacity(1 + c.targets.len());
    if let (Some(product), Some(version)) = (&c.product, &c.version) {
        targets.push(NewTarget::new(product, version));
    }
    for (i, text) in c.targets.iter().enumerate() {
        targets.push(NewTarget::parse(&format!("target[{i}]"), text)?);
    }
    let (update, dus) = store.create_update(
        actor,
        NewUpdate {
            targets,
            title: c.title.clone(),
            window_from: c.from,
            window_to: c.to,
            devices,
        },
        Utc::now(),
    )?;
    out.print(
        &serde_json::json!({"update": update, "device_updates": dus}),
        || {
            let mut lines = vec![format!(
                "created update {} ({}: {}; {} devices)",
                update.id,
                update.title,
                update.targets_words(),
                dus.len()
            )];
            for du in &dus {
                let option = match du.option {
                    DeployOption::At(t) => format!("at {}", t.to_rfc3339()),
                    other => other.kind().replace('_', "-"),
                };
                let name = names.get(&du.device).map_or("?", String::as_str);
                lines.push(format!("{}\t{name}\t{option}\t{}", du.id, du.status));
            }
            lines.join("\n")
        },
    );
    Ok(())
}

/// Splits `NAME[:now|:config-only|:at=RFC3339]` at the first `:`, since an
/// RFC 3339 time has colons of its own.
fn parse_device_arg(i: usize, arg: &str) -> Result<(&str, DeployOption), ValidationError> {
    let field = || format!("devices[{i}]");
    let Some((name, option)) = arg.split_once(':') else {
        return Ok((arg, DeployOption::Now));
    };
    let option = match option {
        "now" => DeployOption::Now,
        "config-only" => DeployOption::ConfigOnly,
        _ => match option.strip_prefix("at=") {
            Some(t) => DeployOption::At(
                parse_time(t)
                    .map_err(|rule| ValidationError::new(format!("devices[{i}].at"), rule))?,
            ),
            None => {
                return Err(ValidationError::new(
                    field(),
                    format!("option must be now, config-only or at=RFC3339 (got {option:?})"),
                ))
            }
        },
    };
    Ok((name, option))
}
