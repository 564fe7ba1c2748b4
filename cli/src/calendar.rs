//! `calendar list|conflicts|free-slot|import|export`: the planning calendar
//! read as a whole. Items themselves are edited with `downtime`.

use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use clap::{Args, Subcommand};
use rollwright::calendar::{Occurrence, SlotRequest};
use rollwright::domain::{Actor, DowntimeKind, Scope, ValidationError, Zone};
use rollwright::ics_file::read_ics;
use rollwright::store::{DeviceSelection, LabelledDevice, Store};
use serde::Serialize;

use crate::downtime::{scope_of, ScopeArgs};
use crate::{CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Every occurrence of every item and every update in a range, by start.
    List {
        #[command(flatten)]
        range: Range,
    },
    /// What an update window would run into on the chosen devices.
    Conflicts {
        #[command(flatten)]
        devices: Devices,
        /// The window's start, RFC 3339 or a local time in --tz
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// Zone of local times given (default UTC)
        #[arg(long)]
        tz: Option<String>,
    },
    /// The earliest window free of conflicts for the chosen devices.
    FreeSlot {
        #[command(flatten)]
        devices: Devices,
        /// How long the update needs, e.g. 90m, 2h, 1h30m
        #[arg(long)]
        duration: String,
        /// The earliest start (default now), RFC 3339 or local in --tz
        #[arg(long)]
        earliest: Option<String>,
        /// How far ahead to look for a start, e.g. 14d (default 30d)
        #[arg(long, default_value = "30d")]
        horizon: String,
        #[arg(long)]
        tz: Option<String>,
        /// Also each device's own earliest slot
        #[arg(long)]
        per_device: bool,
    },
    /// Add the events of an .ics file as items of one kind.
    Import {
        file: PathBuf,
        /// planned, unplanned, window or freeze
        #[arg(long, default_value = "planned")]
        kind: String,
        #[command(flatten)]
        scope: ScopeArgs,
        /// Zone of times the file gives without one (default UTC)
        #[arg(long)]
        tz: Option<String>,
    },
    /// Write every item and every update not yet finished to an .ics file.
    Export { file: PathBuf },
}

#[derive(Args)]
pub(crate) struct Range {
    /// Start of the range (default now), RFC 3339 or local in --tz
    #[arg(long)]
    from: Option<String>,
    /// End of the range (default 14 days after its start)
    #[arg(long)]
    to: Option<String>,
    #[arg(long)]
    tz: Option<String>,
}

#[derive(Args)]
pub(crate) struct Devices {
    /// A device by name; repeatable
    #[arg(long = "device")]
    names: Vec<String>,
    /// Every device with this label, key=value
    #[arg(long, conflicts_with = "names")]
    label: Option<String>,
    /// Every device
    #[arg(long, conflicts_with_all = ["names", "label"])]
    all: bool,
}

/// One line of `calendar list`.
#[derive(Serialize)]
struct Entry {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// planned, unplanned, window, freeze, or update
    kind: &'static str,
    id: i64,
    title: String,
    /// Scope in words, or the update's product and phase.
    about: String,
    recurrence: Option<String>,
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, cmd: &Cmd) -> Result<(), CliError> {
    let now = Utc::now();
    match cmd {
        Cmd::List { range } => {
            let zone = zone_of(&range.tz)?;
            let from = optional_time("from", &range.from, zone)?.unwrap_or(now);
            let to = optional_time("to", &range.to, zone)?.unwrap_or(from + Duration::days(14));
            if to <= from {
                return Err(ValidationError::new("to", "must be after from").into());
            }
            let entries = list(store, from, to)?;
            out.print(&entries, || {
                if entries.is_empty() {
                    return format!(
                        "nothing planned from {} to {}",
                        from.to_rfc3339(),
                        to.to_rfc3339()
                    );
                }
                entries
                    .iter()
                    .map(|e| {
                        format!(
                            "{}  {}  {:<9} {:>5}  {}  ({})",
                            e.from.format("%Y-%m-%d %H:%M"),
                            e.to.format("%Y-%m-%d %H:%M"),
                            e.kind,
                            e.id,
                            e.title,
                            e.about
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Conflicts {
            devices,
            from,
            to,
            tz,
        } => {
            let zone = zone_of(tz)?;
            let window = Occurrence {
                from: zone.read_time("from", from)?,
                to: zone.read_time("to", to)?,
            };
            let devices = resolve(store, devices)?;
            let conflicts = store.conflicts(&devices, window)?;
            out.print(&conflicts, || {
                if conflicts.is_empty() {
                    return format!("no conflicts on {} device(s)", devices.len());
                }
                conflicts
                    .iter()
                    .map(|c| format!("{}: {}", name_of(&devices, c.device), c.describe()))
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::FreeSlot {
            devices,
            duration,
            earliest,
            horizon,
            tz,
            per_device,
        } => {
            let zone = zone_of(tz)?;
            let req = SlotRequest {
                duration: parse_span("duration", duration)?,
                earliest: optional_time("earliest", earliest, zone)?.unwrap_or(now),
                horizon: parse_span("horizon", horizon)?,
            };
            let devices = resolve(store, devices)?;
            let (together, each) = store.free_slot(&devices, req, *per_device)?;
            let each: Vec<_> = each
                .into_iter()
                .map(|s| serde_json::json!({ "device": name_of(&devices, s.device), "slot": s.slot }))
                .collect();
            let report = serde_json::json!({ "slot": together, "per_device": each });
            out.print(&report, || {
                let mut lines = vec![match together {
                    Some(s) => format!(
                        "free for all {} device(s): {} to {}",
                        devices.len(),
                        s.from.to_rfc3339(),
                        s.to.to_rfc3339()
                    ),
                    None => format!("no common free slot within {horizon}"),
                }];
                lines.extend(each.iter().map(|e| {
                    let slot = &e["slot"];
                    let when = if slot.is_null() {
                        "none within the horizon".to_owned()
                    } else {
                        format!(
                            "{} to {}",
                            slot["from"].as_str().unwrap_or(""),
                            slot["to"].as_str().unwrap_or("")
                        )
                    };
                    format!("  {}: {when}", e["device"].as_str().unwrap_or(""))
                }));
                lines.join("\n")
            });
        }
        Cmd::Import {
            file,
            kind,
            scope,
            tz,
        } => {
            let kind = DowntimeKind::parse(kind)?;
            let scope = scope_of(store, scope)?;
            let events = read_ics(file, kind, &scope, zone_of(tz)?)?;
            let added = store
                .import_ics(actor, &events, &file.display().to_string())?
                .added;
            let skipped = events.len() - added.len();
            let report = serde_json::json!({ "imported": added.len(), "skipped": skipped, "events": events, "items": added });
            out.print(&report, || {
                let mut lines = vec![format!(
                    "imported {} of {} event(s) from {} as {}",
                    added.len(),
                    events.len(),
                    file.display(),
                    kind.words()
                )];
                lines.extend(events.iter().filter_map(|e| {
                    e.skip_reason().map(|why| {
                        format!(
                            "  skipped event {} ({}): {why}",
                            e.index,
                            e.summary.as_deref().unwrap_or("no title")
                        )
                    })
                }));
                lines.join("\n")
            });
        }
        Cmd::Export { file } => {
            let (text, items, updates) = store.export_ics(now)?;
            std::fs::write(file, text)
                .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", file.display()))?;
            let report = serde_json::json!({ "file": file, "items": items, "updates": updates });
            out.print(&report, || {
                format!(
                    "wrote {items} item(s) and {updates} update(s) to {}",
                    file.display()
                )
            });
        }
    }
    Ok(())
}

fn list(store: &Store, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Entry>, CliError> {
    let mut entries = Vec::new();
    for placed in store.occurrences(from, to)? {
        let item = &placed.item;
        for o in &placed.occurrences {
            entries.push(Entry {
                from: o.from,
                to: o.to,
                kind: item.kind.as_str(),
                id: item.id.0,
                title: item.title.clone(),
                about: item.scope.words(&[]),
                recurrence: placed.recurrence_words.clone(),
            });
        }
    }
    for u in store.calendar_updates(from, to)? {
        entries.push(Entry {
            from: u.from,
            to: u.to,
            kind: "update",
            id: u.id.0,
            title: u.title,
            about: format!(
                "{}, {}, {} device(s)",
                rollwright::domain::targets_words(&u.targets),
                u.phase.as_str(),
                u.devices
            ),
            recurrence: None,
        });
    }
    entries.sort_by(|a, b| (a.from, a.kind, a.id).cmp(&(b.from, b.kind, b.id)));
    Ok(entries)
}

fn resolve(store: &Store, d: &Devices) -> Result<Vec<LabelledDevice>, CliError> {
    if d.all {
        return Ok(store.labelled_devices(&DeviceSelection::All)?);
    }
    if let Some(label) = &d.label {
        let Scope::Label { key, value } = Scope::label(label)? else {
            unreachable!("Scope::label gives a label scope")
        };
        let all = store.labelled_devices(&DeviceSelection::All)?;
        let found: Vec<_> = all
            .into_iter()
            .filter(|x| x.labels.get(&key) == Some(&value))
            .collect();
        if found.is_empty() {
            return Err(
                ValidationError::new("label", format!("no device has {key}={value}")).into(),
            );
        }
        return Ok(found);
    }
    if d.names.is_empty() {
        return Err(ValidationError::new(
            "device",
            "name devices with --device, or use --label or --all",
        )
        .into());
    }
    let mut ids = Vec::new();
    for (i, name) in d.names.iter().enumerate() {
        let device = store.device_by_name(name)?.ok_or_else(|| {
            ValidationError::new(format!("device[{i}]"), format!("unknown device {name:?}"))
        })?;
        ids.push(device.id);
    }
    Ok(store.labelled_devices(&DeviceSelection::Ids(ids))?)
}

fn name_of(devices: &[LabelledDevice], id: rollwright::domain::DeviceId) -> String {
    devices
        .iter()
        .find(|d| d.id == id)
        .map_or_else(|| id.to_string(), |d| d.name.clone())
}

fn zone_of(tz: &Option<String>) -> Result<Zone, ValidationError> {
    tz.as_deref()
        .map_or(Ok(Zone::UTC), |name| Zone::parse("tz", name))
}

fn optional_time(
    field: &str,
    text: &Option<String>,
    zone: Zone,
) -> Result<Option<DateTime<Utc>>, ValidationError> {
    text.as_deref()
        .map(|t| zone.read_time(field, t))
        .transpose()
}

/// A span such as `90m`, `2h`, `1h30m`, `14d` or `2w`.
pub(crate) fn parse_span(field: &str, text: &str) -> Result<Duration, ValidationError> {
    let bad = || {
        ValidationError::new(
            field,
            format!("must be a duration like 90m, 2h, 1h30m, 14d or 2w (got {text:?})"),
        )
    };
    let mut total = Duration::zero();
    let mut number = String::new();
    for c in text.trim().chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let n: i64 = number.parse().map_err(|_| bad())?;
        number.clear();
        total += match c {
            'w' => Duration::weeks(n),
            'd' => Duration::days(n),
            'h' => Duration::hours(n),
            'm' => Duration::minutes(n),
            _ => return Err(bad()),
        };
    }
    if !number.is_empty() || text.trim().is_empty() {
        return Err(bad());
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_read_units_and_refuse_the_rest() {
        assert_eq!(parse_span("d", "1h30m").unwrap(), Duration::minutes(90));
        assert_eq!(parse_span("d", "2w").unwrap(), Duration::days(14));
        for bad in ["", "90", "2x", "h", "1.5h"] {
            assert_eq!(
                parse_span("duration", bad).unwrap_err().field,
                "duration",
                "{bad}"
            );
        }
    }
}
