//! `downtime add|edit|list|remove`: the planning calendar. Resolves device
//! names to ids; the domain validates the rest.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use rollwright::domain::{Actor, DowntimeId, DowntimeKind, NewDowntime, Scope, ValidationError};
use rollwright::store::Store;

use crate::{parse_time, CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Add a downtime; scope is all devices unless --label or --device is given.
    Add(DowntimeFields),
    /// Replace every field of a downtime (scope too: all unless --label or --device).
    Edit {
        id: i64,
        #[command(flatten)]
        fields: DowntimeFields,
    },
    /// List downtimes overlapping a range (default: all).
    List {
        #[arg(long, value_parser = parse_time)]
        from: Option<DateTime<Utc>>,
        #[arg(long, value_parser = parse_time)]
        to: Option<DateTime<Utc>>,
    },
    /// Remove a downtime by id.
    Remove { id: i64 },
}

#[derive(Args)]
pub(crate) struct DowntimeFields {
    /// planned or unplanned
    #[arg(long, default_value = "planned")]
    kind: String,
    #[arg(long)]
    title: String,
    /// RFC 3339, e.g. 2030-01-01T08:00:00Z
    #[arg(long, value_parser = parse_time)]
    from: DateTime<Utc>,
    #[arg(long, value_parser = parse_time)]
    to: DateTime<Utc>,
    /// Only devices with this label, key=value.
    #[arg(long, conflicts_with = "devices")]
    label: Option<String>,
    /// Only these devices (by name); repeatable.
    #[arg(long = "device")]
    devices: Vec<String>,
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, cmd: &Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Add(a) => {
            let downtime = store.add_downtime(actor, new_downtime(store, a)?)?;
            out.print(&downtime, || {
                format!("added downtime {} ({})", downtime.id, downtime.title)
            });
        }
        Cmd::Edit { id, fields } => {
            let downtime =
                store.edit_downtime(actor, DowntimeId(*id), new_downtime(store, fields)?)?;
            out.print(&downtime, || {
                format!("edited downtime {} ({})", downtime.id, downtime.title)
            });
        }
        Cmd::List { from, to } => {
            let from = from.unwrap_or(DateTime::<Utc>::MIN_UTC);
            let to = to.unwrap_or(DateTime::<Utc>::MAX_UTC);
            let list = store.downtimes_in(from, to)?;
            out.print(&list, || {
                list.iter()
                    .map(|d| {
                        format!(
                            "{}\t{}\t{}\t{}\t{}",
                            d.id,
                            d.kind.as_str(),
                            d.from.to_rfc3339(),
                            d.to.to_rfc3339(),
                            d.title
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Remove { id } => {
            store.remove_downtime(actor, DowntimeId(*id))?;
            out.print(&serde_json::json!({"removed": id}), || {
                format!("removed downtime {id}")
            });
        }
    }
    Ok(())
}

fn new_downtime(store: &Store, a: &DowntimeFields) -> Result<NewDowntime, CliError> {
    let scope = if let Some(label) = &a.label {
        Scope::label(label)?
    } else if !a.devices.is_empty() {
        let mut devices = Vec::new();
        for (i, name) in a.devices.iter().enumerate() {
            let d = store.device_by_name(name)?.ok_or_else(|| {
                ValidationError::new(format!("device[{i}]"), format!("unknown device {name:?}"))
            })?;
            devices.push(d.id);
        }
        Scope::Devices { devices }
    } else {
        Scope::All
    };
    Ok(NewDowntime {
        kind: DowntimeKind::parse(&a.kind)?,
        title: a.title.clone(),
        from: a.from,
        to: a.to,
        scope,
    })
}
