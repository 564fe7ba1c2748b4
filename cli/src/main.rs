//! rollwright-cli: the headless front door over the same database as the app.
//! Parses arguments, dispatches to one file per command group, prints. Never
//! holds a business rule or an SQL statement: those live in
//! `rollwright::domain` and `rollwright::store`.
//!
//! Adding a command group: a new file with a `Cmd` enum and a `run`, one
//! variant in [`Command`], one arm in [`run`].

mod audit;
mod calendar;
mod demo;
mod device;
mod device_import;
mod device_label;
mod device_list;
mod downtime;
mod product;
mod running;
mod update;
mod user;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use clap::{Parser, Subcommand};
use rollwright::demo::DemoError;
use rollwright::domain::{ErrorCode, ValidationError, Version};
use rollwright::engine::EngineError;
use rollwright::manifest_file::ManifestFileError;
use rollwright::os_user::os_actor;
use rollwright::store::{Store, StoreError};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "rollwright-cli",
    version,
    about = "Plan and run version updates across a fleet of devices"
)]
struct Cli {
    /// The database file (created if missing). Required.
    #[arg(long, global = true)]
    db: Option<PathBuf>,
    /// Print JSON instead of text (errors too, on stderr).
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// The catalog of products and their versions.
    #[command(subcommand)]
    Product(product::Cmd),
    /// The fleet.
    #[command(subcommand)]
    Device(device::Cmd),
    /// The planning calendar as a whole: list, conflicts, free slots, .ics.
    #[command(subcommand)]
    Calendar(calendar::Cmd),
    /// The planning calendar's items: downtimes, maintenance windows, freezes.
    #[command(subcommand)]
    Downtime(downtime::Cmd),
    /// Planning and running updates.
    #[command(subcommand)]
    Update(update::Cmd),
    /// Who may act: users and their roles (admin or viewer).
    #[command(subcommand)]
    User(user::Cmd),
    /// The audit log of every admin action: list, verify its chain, export.
    #[command(subcommand)]
    Audit(audit::Cmd),
    /// The newest updates with their status and progress.
    Status {
        /// Refresh every 2 s until Ctrl-C.
        #[arg(long)]
        watch: bool,
    },
    /// Seed the demo landscape (if the database is empty) and serve its fleet
    /// on 127.0.0.1 until Ctrl-C.
    Demo(demo::Args),
    /// Carry out approved work in the foreground until none is left (or Ctrl-C).
    Run(running::RunArgs),
}

pub(crate) fn parse_time(s: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("must be an RFC 3339 time like 2030-01-01T08:00:00Z ({e})"))
}

/// Every failure the CLI reports; each knows its code and message.
#[derive(Debug, thiserror::Error)]
pub(crate) enum CliError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Manifest(#[from] ManifestFileError),
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    #[error(transparent)]
    Demo(#[from] DemoError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// A check that found something wrong, e.g. a broken audit chain.
    #[error("{message}")]
    Refused { code: ErrorCode, message: String },
    /// A refusal with details for `--json` beside the message (an
    /// import's report of every row).
    #[error("{message}")]
    Report {
        code: ErrorCode,
        message: String,
        report: serde_json::Value,
    },
    /// Failures outside the library's error types (runtime, signals).
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl CliError {
    fn code(&self) -> ErrorCode {
        match self {
            CliError::Store(e) => e.code(),
            CliError::Manifest(e) => e.code(),
            CliError::Invalid(_) => ErrorCode::InvalidInput,
            CliError::Demo(e) => e.code(),
            CliError::Engine(e) => e.code(),
            CliError::Refused { code, .. } | CliError::Report { code, .. } => *code,
            CliError::Other(_) => ErrorCode::Internal,
        }
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if cli.json {
                let mut body = serde_json::json!({ "code": e.code(), "message": e.to_string() });
                if let CliError::Report { report, .. } = &e {
                    body["report"] = report.clone();
                }
                eprintln!("{body}");
            } else {
                eprintln!("error: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run(cli: &Cli) -> Result<(), CliError> {
    let db = cli
        .db
        .as_ref()
        .ok_or_else(|| ValidationError::new("--db", "is required: the database file to use"))?;
    let store = Store::open_default(db)?;
    let out = Out { json: cli.json };
    // The account running the CLI is who acts; the store knows its role.
    let actor = os_actor().map_err(|e| anyhow::anyhow!(e))?;
    match &cli.command {
        Command::Product(cmd) => product::run(&store, &out, &actor, cmd),
        Command::Device(cmd) => device::run(&store, &out, &actor, cmd),
        Command::Downtime(cmd) => downtime::run(&store, &out, &actor, cmd),
        Command::Calendar(cmd) => calendar::run(&store, &out, &actor, cmd),
        Command::Update(cmd) => update::run(&store, &out, &actor, cmd),
        Command::User(cmd) => user::run(&store, &out, &actor, cmd),
        Command::Audit(cmd) => audit::run(&store, &out, cmd),
        Command::Status { watch } => running::status(&store, &out, *watch),
        Command::Demo(args) => demo::run(&store, &out, &actor, args),
        Command::Run(args) => running::run_engine(&store, args),
    }
}

pub(crate) fn show(v: &Option<Version>) -> String {
    v.as_ref().map_or("-".to_owned(), |v| v.to_string())
}

/// Prints JSON or text, as asked.
pub(crate) struct Out {
    pub(crate) json: bool,
}

impl Out {
    pub(crate) fn print<T: Serialize>(&self, value: &T, text: impl FnOnce() -> String) {
        if self.json {
            emit(&serde_json::to_string_pretty(value).expect("domain types serialise"));
        } else {
            let t = text();
            if !t.is_empty() {
                emit(&t);
            }
        }
    }
}

/// Writes a line to stdout. A closed pipe (`rollwright-cli ... | head`)
/// means the reader has all it wants: stop quietly instead of panicking.
pub(crate) fn emit(line: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = writeln!(out, "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {e}");
        std::process::exit(1);
    }
}
