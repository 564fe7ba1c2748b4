//! `device import FILE.csv`: adds the devices of a CSV file, all or none.
//! The core reads and checks the file (`read_device_csv`) and imports it
//! (`Store::import_devices`); this prints one line per row. Holds no rule.

use std::path::PathBuf;

use clap::Args;
use rollwright::device_csv_file::read_device_csv;
use rollwright::domain::device_csv::CheckedRow;
use rollwright::domain::{Actor, DeviceId, ErrorCode};
use rollwright::store::{ImportReport, Store, StoreError};
use serde::Serialize;

use crate::{CliError, Out};

#[derive(Args)]
pub(crate) struct ImportArgs {
    /// A CSV file whose header names the columns name, url, token_ref and
    /// labels (any order; add tls_fingerprint for https:// agents). labels
    /// is key=value pairs separated by ';'. token_ref says where the agent
    /// token is, never the token: env:NAME (an environment variable) or
    /// file:PATH (a file's content; a relative path is from the CSV's
    /// folder).
    file: PathBuf,
}

/// One row of the report.
#[derive(Serialize)]
struct RowReport {
    /// Counted from 0 after the header, as in `rows[i]`.
    row: usize,
    line: u64,
    name: String,
    #[serde(flatten)]
    outcome: Outcome,
}

#[derive(Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
enum Outcome {
    Added {
        id: DeviceId,
    },
    /// Valid, but not added: another row was not.
    Valid,
    Invalid {
        field: String,
        rule: String,
    },
}

#[derive(Serialize)]
struct Report {
    added: usize,
    rows: Vec<RowReport>,
}

pub(crate) fn import(
    store: &Store,
    out: &Out,
    actor: &Actor,
    args: &ImportArgs,
) -> Result<(), CliError> {
    let rows = read_device_csv(&args.file).map_err(|e| CliError::Refused {
        code: e.code(),
        message: e.to_string(),
    })?;
    let invalid = rows.iter().filter(|r| r.device.is_err()).count();
    if invalid > 0 {
        let lines: Vec<String> = rows
            .iter()
            .filter_map(|r| r.device.as_ref().err())
            .map(|e| format!("  {e}"))
            .collect();
        return Err(refused(
            ErrorCode::InvalidInput,
            format!(
                "rows: {invalid} of {} rows are invalid; nothing was imported\n{}",
                rows.len(),
                lines.join("\n")
            ),
            &rows,
            None,
        ));
    }
    let devices: Vec<_> = rows
        .iter()
        .filter_map(|r| r.device.as_ref().ok().cloned())
        .collect();
    let imported = match store.import_devices(actor, &devices) {
        Ok(imported) => imported,
        Err(e) => return Err(store_refusal(e, &rows)),
    };
    let report = report(&rows, Some(&imported), None);
    out.print(&report, || {
        let mut text: Vec<String> = report
            .rows
            .iter()
            .filter_map(|r| match r.outcome {
                Outcome::Added { id } => Some(format!(
                    "row {} (line {}): added {} (id {id})",
                    r.row, r.line, r.name
                )),
                _ => None,
            })
            .collect();
        text.push(format!("imported {} devices", report.added));
        text.join("\n")
    });
    Ok(())
}

/// A refusal by the store that names a row (`rows[i].name` taken) says
/// its line too, and carries the report for `--json`.
fn store_refusal(e: StoreError, rows: &[CheckedRow]) -> CliError {
    let field = match &e {
        StoreError::Invalid(v) | StoreError::Conflict(v) => v.field.clone(),
        _ => return e.into(),
    };
    let Some(i) = field
        .strip_prefix("rows[")
        .and_then(|rest| rest.split_once(']'))
        .and_then(|(i, _)| i.parse::<usize>().ok())
        .filter(|i| *i < rows.len())
    else {
        return e.into();
    };
    let message = format!("{e} (line {}); nothing was imported", rows[i].line);
    let failed = (i, field, message.clone());
    refused(e.code(), message, rows, Some(failed))
}

/// A refusal with every row's outcome as its report.
fn refused(
    code: ErrorCode,
    message: String,
    rows: &[CheckedRow],
    store_failed: Option<(usize, String, String)>,
) -> CliError {
    let report = report(rows, None, store_failed);
    CliError::Report {
        code,
        message,
        report: serde_json::to_value(report).expect("the report serialises"),
    }
}

fn report(
    rows: &[CheckedRow],
    imported: Option<&ImportReport>,
    store_failed: Option<(usize, String, String)>,
) -> Report {
    let rows: Vec<RowReport> = rows
        .iter()
        .map(|r| {
            let outcome = match (&r.device, imported) {
                (Err(e), _) => Outcome::Invalid {
                    field: e.error.field.clone(),
                    rule: e.error.rule.clone(),
                },
                (Ok(_), Some(imported)) => Outcome::Added {
                    // The store reports its rows in the order given.
                    id: imported.added[r.index].id,
                },
                (Ok(_), None) => match &store_failed {
                    Some((i, field, message)) if *i == r.index => Outcome::Invalid {
                        field: field.clone(),
                        rule: message
                            .strip_prefix(&format!("{field}: "))
                            .unwrap_or(message)
                            .to_owned(),
                    },
                    _ => Outcome::Valid,
                },
            };
            RowReport {
                row: r.index,
                line: r.line,
                name: r.name.clone(),
                outcome,
            }
        })
        .collect();
    Report {
        added: imported.map_or(0, |i| i.added.len()),
        rows,
    }
}
