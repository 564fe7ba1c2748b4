//! `audit list|verify|export`: the hash-chained log of every admin action.
//! Anyone may read it; nobody can change it without `verify` noticing.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use rollwright::domain::{Action, AuditOutcome, ErrorCode, ValidationError};
use rollwright::store::{AuditFilter, Store};

use crate::{CliError, Out};

#[derive(Subcommand)]
pub(crate) enum Cmd {
    /// Entries, newest first.
    List {
        #[command(flatten)]
        filter: Filter,
        /// At most this many (1 to 1000).
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Only entries older than this sequence number (the next page).
        #[arg(long)]
        before: Option<i64>,
    },
    /// Walk the hash chain; fails when an entry was edited or deleted.
    Verify,
    /// Write the entries as CSV, oldest first.
    Export {
        #[command(flatten)]
        filter: Filter,
        /// The CSV file to write (default: standard output).
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

#[derive(Args)]
pub(crate) struct Filter {
    /// Only this user's entries.
    #[arg(long)]
    user: Option<String>,
    /// Only this action, e.g. update.create or role.grant.
    #[arg(long)]
    action: Option<String>,
    /// Only done, refused or failed entries.
    #[arg(long)]
    outcome: Option<String>,
    /// Text found in the objects or the detail.
    #[arg(long)]
    text: Option<String>,
}

impl Filter {
    fn parse(&self, before: Option<i64>) -> Result<AuditFilter, ValidationError> {
        let action = self
            .action
            .as_deref()
            .map(|a| {
                Action::parse(a).ok_or_else(|| {
                    let known: Vec<_> = Action::ALL.iter().map(|a| a.as_str()).collect();
                    ValidationError::new(
                        "--action",
                        format!("unknown action {a:?}; one of {}", known.join(", ")),
                    )
                })
            })
            .transpose()?;
        let outcome = self
            .outcome
            .as_deref()
            .map(|o| {
                AuditOutcome::parse(o).ok_or_else(|| {
                    ValidationError::new("--outcome", "must be done, refused or failed")
                })
            })
            .transpose()?;
        Ok(AuditFilter {
            actor: self.user.clone(),
            action,
            outcome,
            text: self.text.clone(),
            before,
        })
    }
}

pub(crate) fn run(store: &Store, out: &Out, cmd: &Cmd) -> Result<(), CliError> {
    match cmd {
        Cmd::List {
            filter,
            limit,
            before,
        } => {
            let entries = store.audit_log(&filter.parse(*before)?, *limit)?;
            out.print(&entries, || {
                entries
                    .iter()
                    .map(|e| {
                        let r = &e.record;
                        format!(
                            "{}\t{}\t{} ({})\t{}\t{}\t{}\t{}",
                            e.seq,
                            r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                            r.actor,
                            r.role,
                            r.action,
                            r.objects,
                            r.outcome.as_str(),
                            r.detail
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
            });
        }
        Cmd::Verify => {
            let check = store.verify_audit()?;
            out.print(&check, || match &check.head {
                Some((seq, hash)) => format!(
                    "{} entries; head: entry {seq}, hash {hash}\n(keep the head elsewhere: \
                     entries deleted from the end leave a shorter chain that is intact)",
                    check.entries
                ),
                None => "the audit log is empty".to_owned(),
            });
            if let Some((seq, why)) = &check.broken {
                return Err(CliError::Refused {
                    code: ErrorCode::Conflict,
                    message: format!("the audit log was tampered with at entry {seq}: {why}"),
                });
            }
        }
        Cmd::Export { filter, output } => {
            let filter = filter.parse(None)?;
            match output {
                Some(path) => {
                    let file = std::fs::File::create(path)
                        .map_err(|e| anyhow::anyhow!("cannot create {}: {e}", path.display()))?;
                    let mut w = std::io::BufWriter::new(file);
                    let n = store.export_audit_csv(&filter, &mut w)?;
                    w.flush()
                        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
                    eprintln!("wrote {n} entries to {}", path.display());
                }
                None => {
                    store.export_audit_csv(&filter, &mut std::io::stdout().lock())?;
                }
            }
        }
    }
    Ok(())
}
