//! `downtime add|edit|list|remove`: the planning calendar's items (planned
//! and unplanned downtimes, maintenance windows, freezes). Resolves device
//! names to ids and local times in `--tz`; the domain validates the rest.

use chrono::{DateTime, Utc};
use clap::{Args, Subcommand};
use rollwright::domain::{
    Actor, DowntimeId, DowntimeKind, NewDowntime, Scope, ValidationError, Zone,
};
use rollwright::store::Store;

use crate::{parse_time, CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Add a downtime, window or freeze; scope is all devices unless --label or
    /// --device is given.
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
    /// planned, unplanned, window (a maintenance window) or freeze
    #[arg(long, default_value = "planned")]
    kind: String,
    #[arg(long)]
    title: String,
    /// The first occurrence's start: RFC 3339 (2030-01-05T21:00:00Z), or a
    /// local time in --tz (2030-01-05T22:00)
    #[arg(long)]
    from: String,
    /// The first occurrence's end, written like --from
    #[arg(long)]
    to: String,
    /// IANA time zone the item recurs in, e.g. Europe/Berlin (default UTC)
    #[arg(long)]
    tz: Option<String>,
    /// RFC 5545 recurrence rule, e.g. FREQ=WEEKLY;BYDAY=SA
    #[arg(long)]
    rrule: Option<String>,
    /// A start to skip, written like --from; repeatable
    #[arg(long = "exdate")]
    exdates: Vec<String>,
    #[command(flatten)]
    scope: ScopeArgs,
}

/// Which devices an item covers: all, unless one of these is given.
#[derive(Args)]
pub(crate) struct ScopeArgs {
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

pub(crate) fn scope_of(store: &Store, a: &ScopeArgs) -> Result<Scope, CliError> {
    if let Some(label) = &a.label {
        return Ok(Scope::label(label)?);
    }
    if a.devices.is_empty() {
        return Ok(Scope::All);
    }
    let mut devices = Vec::new();
    for (i, name) in a.devices.iter().enumerate() {
        let d = store.device_by_name(name)?.ok_or_else(|| {
            ValidationError::new(format!("device[{i}]"), format!("unknown device {name:?}"))
        })?;
        devices.push(d.id);
    }
    Ok(Scope::Devices { devices })
}

fn new_downtime(store: &Store, a: &DowntimeFields) -> Result<NewDowntime, CliError> {
    let scope = scope_of(store, &a.scope)?;
    let zone = match &a.tz {
        Some(name) => Zone::parse("tz", name)?,
        None => Zone::UTC,
    };
    let exdates = a
        .exdates
        .iter()
        .enumerate()
        .map(|(i, t)| zone.read_time(&format!("exdate[{i}]"), t))
        .collect::<Result<_, _>>()?;
    Ok(NewDowntime {
        kind: DowntimeKind::parse(&a.kind)?,
        title: a.title.clone(),
        from: zone.read_time("from", &a.from)?,
        to: zone.read_time("to", &a.to)?,
        zone: zone.name().to_owned(),
        rrule: a.rrule.clone(),
        exdates,
        scope,
    })
}
