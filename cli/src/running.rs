//! The commands that run updates: approve, cancel, show, status and run.
//! They drive the same engine as the desktop app, over the same database.

use std::io::IsTerminal;
use std::sync::Arc;
use std::time::Duration;

use clap::Subcommand;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use rollwright::domain::{
    Actor, DeviceId, DeviceUpdate, DeviceUpdateId, UpdateId, ValidationError,
};
use rollwright::engine::{Engine, EngineConfig, EngineError, EngineEvent, Silent, SystemClock};
use rollwright::store::{Store, StoreError};
use serde::Serialize;

use crate::{emit, CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Approve an update; `run` (or the desktop app) then carries it out.
    Approve { id: i64 },
    /// Cancel an update's scheduled or failed device updates (or one, with
    /// --device-update), cleaning up on the agents.
    Cancel {
        id: i64,
        #[arg(long)]
        device_update: Option<String>,
    },
    /// An update, its device updates and the error logs of failed ones.
    Show { id: i64 },
}

/// Limits of `run` on a running deployment.
#[derive(clap::Args)]
pub(crate) struct RunArgs {
    /// A deployment still running this many minutes after its device
    /// update's start goes to error (from where cancel rolls it back).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=10_080))]
    deploy_timeout_minutes: u64,
    /// A deployment whose progress has not changed for this many minutes
    /// goes to error.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=10_080))]
    stall_minutes: u64,
}

pub(crate) fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start the async runtime: {e}").into())
}

pub(crate) fn engine(store: &Store, config: EngineConfig) -> Result<Engine, EngineError> {
    Engine::new(
        store.clone(),
        Arc::new(SystemClock),
        Arc::new(Silent),
        config,
    )
}

pub(crate) fn run(store: &Store, out: &Out, actor: &Actor, cmd: &Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::Approve { id } => {
            // An engine that is not started only records the approval;
            // `run` or the desktop app carries it out.
            let update = runtime()?.block_on(async {
                let engine = engine(store, EngineConfig::default())?;
                let approved = engine.approve(actor, UpdateId(*id)).await;
                engine.shutdown().await;
                approved
            })?;
            out.print(&update, || {
                format!(
                    "approved update {} ({}); `rollwright-cli run` carries it out",
                    update.id, update.title
                )
            });
        }
        Cmd::Cancel { id, device_update } => {
            let rt = runtime()?;
            let cancelled = rt.block_on(async {
                let engine = engine(store, EngineConfig::default())?;
                let n = match device_update {
                    Some(du) => {
                        let du = DeviceUpdateId::parse(du).map_err(StoreError::from)?;
                        // The device update must be one of the update named.
                        let of = store.device_update(&du)?.map(|found| found.update);
                        if let Some(of) = of.filter(|of| *of != UpdateId(*id)) {
                            return Err(CliError::from(StoreError::from(ValidationError::new(
                                "--device-update",
                                format!("{du} belongs to update {of}, not {id}"),
                            ))));
                        }
                        engine.cancel_device_update(actor, &du).await?;
                        1
                    }
                    None => engine.cancel_update(actor, UpdateId(*id)).await?,
                };
                // Cleanup runs on the agents now; wait for it to end.
                engine.wait_idle().await;
                engine.shutdown().await;
                Ok::<_, CliError>(n)
            })?;
            out.print(&serde_json::json!({ "cancelled": cancelled }), || {
                format!("cancelled {cancelled} device updates of update {id}")
            });
        }
        Cmd::Show { id } => show(store, out, UpdateId(*id))?,
    }
    Ok(())
}

#[derive(Serialize)]
struct Shown {
    update: rollwright::domain::Update,
    summary: rollwright::domain::UpdateSummary,
    device_updates: Vec<DeviceUpdate>,
    logs: Vec<(DeviceUpdateId, Vec<rollwright::domain::LogEntry>)>,
}

fn show(store: &Store, out: &Out, id: UpdateId) -> Result<(), CliError> {
    let update = store
        .update(id)?
        .ok_or_else(|| StoreError::not_found("update", id))?;
    let device_updates = store.device_updates_of(id)?;
    let summary = rollwright::domain::UpdateSummary::of(&device_updates);
    let mut logs = Vec::new();
    for du in &device_updates {
        let log = store.log_of(&du.id)?;
        if !log.is_empty() {
            logs.push((du.id.clone(), log));
        }
    }
    let names: std::collections::HashMap<_, _> = store
        .devices()?
        .into_iter()
        .map(|d| (d.id, d.name))
        .collect();
    let shown = Shown {
        update,
        summary,
        device_updates,
        logs,
    };
    out.print(&shown, || {
        let u = &shown.update;
        let mut lines = vec![
            format!("update {}: {} ({})", u.id, u.title, u.targets_words()),
            format!(
                "status {:?}, {}% of {} device updates; window {} .. {}{}",
                shown.summary.status,
                shown.summary.progress,
                shown.summary.total,
                u.window_from.to_rfc3339(),
                u.end().to_rfc3339(),
                if u.actual_end.is_some() {
                    " (actual end)"
                } else {
                    " (estimated)"
                }
            ),
        ];
        for du in &shown.device_updates {
            let name = names.get(&du.device).map_or("?", String::as_str);
            let plural = if du.attempts == 1 { "" } else { "s" };
            let mut tries = format!("{} attempt{plural}", du.attempts);
            if du.resumes > 0 {
                tries.push_str(&format!(", resumed {}×", du.resumes));
            }
            lines.push(format!(
                "  {}\t{name}\t{}\t{}%\t{}\t{tries}",
                du.id,
                du.status,
                du.progress,
                du.option.kind()
            ));
        }
        for (du, log) in &shown.logs {
            lines.push(format!("log of {du}:"));
            for e in log {
                lines.push(format!(
                    "  {} {:?} {:?} {}: {}{}",
                    e.at.to_rfc3339(),
                    e.source,
                    e.level,
                    e.code,
                    e.message,
                    e.detail
                        .as_ref()
                        .map_or(String::new(), |d| format!(" ({d})"))
                ));
            }
        }
        lines.join("\n")
    });
    Ok(())
}

/// The newest updates with status and progress; with `watch`, refreshed
/// every 2 s until Ctrl-C.
pub(crate) fn status(store: &Store, out: &Out, watch: bool) -> Result<(), CliError> {
    loop {
        let list = store.recent_updates(20)?;
        if out.json {
            let rows: Vec<_> = list
                .iter()
                .map(|(u, s)| serde_json::json!({ "update": u, "summary": s }))
                .collect();
            emit(&serde_json::to_string(&rows).expect("serialisable"));
        } else {
            if watch && std::io::stdout().is_terminal() {
                print!("\x1b[2J\x1b[H");
            }
            println!(
                "{:<6} {:<10} {:>5} {:>7}  {:<22} title",
                "id", "status", "prog", "devices", "end"
            );
            for (u, s) in &list {
                emit(&format!(
                    "{:<6} {:<10} {:>4}% {:>7}  {:<22} {}",
                    u.id,
                    format!("{:?}", s.status).to_lowercase(),
                    s.progress,
                    s.total,
                    u.end().format("%Y-%m-%d %H:%M:%S"),
                    u.title
                ));
            }
        }
        if !watch {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// Carries out due work in the foreground until nothing is left or Ctrl-C.
pub(crate) fn run_engine(store: &Store, args: &RunArgs) -> Result<(), CliError> {
    let config = EngineConfig {
        deploy_timeout: Duration::from_secs(60 * args.deploy_timeout_minutes),
        stall_limit: Duration::from_secs(60 * args.stall_minutes),
        ..EngineConfig::default()
    };
    let rt = runtime()?;
    rt.block_on(async {
        let engine = engine(store, config)?;
        let mut events = engine.subscribe();
        let resumed = engine.start().await?;
        let names = store
            .devices()?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let mut view = View::new(std::io::stderr().is_terminal(), names);
        view.line(format!("resumed {resumed} device updates"));
        loop {
            tokio::select! {
                _ = engine.wait_idle() => break,
                _ = tokio::signal::ctrl_c() => {
                    view.line("interrupted; unfinished work resumes at the next run".into());
                    break;
                }
                event = events.recv() => match event {
                    Ok(e) => view.event(store, &e),
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => break,
                },
            }
        }
        engine.shutdown().await;
        // Show what happened just before the engine stopped.
        while let Ok(e) = events.try_recv() {
            view.event(store, &e);
        }
        view.finish();
        Ok(())
    })
}

/// Progress bars on a terminal, plain lines otherwise.
struct View {
    bars: Option<MultiProgress>,
    per_update: std::collections::HashMap<UpdateId, ProgressBar>,
    names: std::collections::HashMap<DeviceId, String>,
}

impl View {
    fn new(terminal: bool, names: std::collections::HashMap<DeviceId, String>) -> View {
        View {
            bars: terminal.then(MultiProgress::new),
            per_update: Default::default(),
            names,
        }
    }

    fn line(&self, text: String) {
        match &self.bars {
            Some(bars) => {
                let _ = bars.println(text);
            }
            None => eprintln!("{text}"),
        }
    }

    fn event(&mut self, store: &Store, event: &EngineEvent) {
        match event {
            EngineEvent::DeviceUpdate {
                update,
                device_update,
                device,
                status,
                settled,
                ..
            } => {
                if let Some(bars) = &self.bars {
                    let bar = self.per_update.entry(*update).or_insert_with(|| {
                        let total = store.device_updates_of(*update).map_or(0, |d| d.len());
                        let bar = bars.add(ProgressBar::new(total as u64));
                        bar.set_style(
                            ProgressStyle::with_template("update {msg} [{bar:40}] {pos}/{len}")
                                .expect("valid template")
                                .progress_chars("=> "),
                        );
                        bar.set_message(update.to_string());
                        bar
                    });
                    if *settled {
                        bar.inc(1);
                    }
                } else if *settled {
                    let name = self.names.get(device).map_or("?", String::as_str);
                    eprintln!("update {update}: {name} {status} ({device_update})");
                }
            }
            EngineEvent::UpdateApproved { .. } => {}
            EngineEvent::InventorySynced {
                devices,
                unreachable,
                mismatched,
                ..
            } if unreachable + mismatched > 0 => self.line(format!(
                "inventory of {devices} devices read: {unreachable} unreachable, {mismatched} answering as another device"
            )),
            EngineEvent::InventorySynced { .. } => {}
            EngineEvent::UpdateFinished {
                update,
                succeeded,
                failed,
                cancelled,
                ..
            } => self.line(format!(
                "update {update} finished: {succeeded} succeeded, {failed} failed, {cancelled} cancelled"
            )),
        }
    }

    fn finish(&self) {
        for bar in self.per_update.values() {
            bar.finish();
        }
    }
}
