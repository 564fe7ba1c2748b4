//! `device import FILE.csv`: adds the devices of a CSV file, all or none.
//! The core reads and checks the file (`read_device_csv`) and imports it
//! (`Store::import_devices`); this prints one line per row. Holds no rule.

use std::path::PathBuf;

use clap::Args;
use rollwright::device_csv_file::read_device_csv;
use rollwright::domain::device_csv::{import_report, refused_row, CheckedRow, RowOutcome};
use rollwright::domain::{Actor, ErrorCode};
use rollwright::store::{Store, StoreError};

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
    let ids: Vec<_> = imported.added.iter().map(|a| a.id).collect();
    let report = import_report(&rows, Some(&ids), None);
    out.print(&report, || {
        let mut text: Vec<String> = report
            .rows
            .iter()
            .filter_map(|r| match r.outcome {
                RowOutcome::Added { id } => Some(format!(
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
    let Some(i) = refused_row(&field, rows.len()) else {
        return e.into();
    };
    let message = format!("{e} (line {}); nothing was imported", rows[i].line);
    let rule = message
        .strip_prefix(&format!("{field}: "))
        .unwrap_or(&message)
        .to_owned();
    refused(e.code(), message, rows, Some((i, field, rule)))
}

/// A refusal with every row's outcome as its report; `store_failed` is the
/// row the store refused, with its field and rule.
fn refused(
    code: ErrorCode,
    message: String,
    rows: &[CheckedRow],
    store_failed: Option<(usize, String, String)>,
) -> CliError {
    let report = import_report(rows, None, store_failed);
    CliError::Report {
        code,
        message,
        report: serde_json::to_value(report).expect("the report serialises"),
    }
}
