//! The audit log: appending chained entries, reading them back filtered and
//! paged, walking the chain, and the CSV export.

use std::io::Write;

use rusqlite::{params, Connection, OptionalExtension, Transaction};

use super::sql::{bad_col, escape_like, ms, time_col};
use super::{Store, StoreError};
use crate::domain::audit::{csv_row, ChainWalker, CSV_HEADER, GENESIS};
use crate::domain::{Action, AuditEntry, AuditOutcome, AuditRecord, ChainCheck, ValidationError};

/// Which entries to read. Empty fields match everything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<Action>,
    pub outcome: Option<AuditOutcome>,
    /// Found in the objects or the detail, case-insensitively.
    pub text: Option<String>,
    /// Only entries older than this one (the previous page's last `seq`).
    pub before: Option<i64>,
}

/// Most entries one read returns.
pub const MAX_AUDIT_PAGE: u32 = 1000;

const COLS: &str =
    "SELECT seq, at_ms, actor, role, action, objects, outcome, detail, prev_hash, hash
    FROM audit_log";

impl Store {
    /// Entries matching `filter`, newest first, at most `limit` (1 to
    /// [`MAX_AUDIT_PAGE`]).
    pub fn audit_log(
        &self,
        filter: &AuditFilter,
        limit: u32,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        if !(1..=MAX_AUDIT_PAGE).contains(&limit) {
            return Err(ValidationError::new(
                "limit",
                format!("must be 1 to {MAX_AUDIT_PAGE}, not {limit}"),
            )
            .into());
        }
        let conn = self.reader()?;
        let (sql, args) = filtered(filter, "DESC", Some(limit));
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), entry_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Walks the whole chain, oldest first, in one snapshot.
    pub fn verify_audit(&self) -> Result<ChainCheck, StoreError> {
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let mut walker = ChainWalker::default();
        let mut stmt = conn.prepare(&format!("{COLS} ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            match entry_row(row) {
                Ok(e) => walker.push(&e),
                Err(e) => walker.unreadable(row.get(0)?, &e.to_string()),
            }
        }
        Ok(walker.finish())
    }

    /// Writes the entries matching `filter` as CSV, oldest first; returns
    /// how many.
    pub fn export_audit_csv(
        &self,
        filter: &AuditFilter,
        out: &mut dyn Write,
    ) -> Result<u64, StoreError> {
        let io = |e: std::io::Error| StoreError::Io(e.to_string());
        let reader = self.reader()?;
        let conn = reader.unchecked_transaction()?;
        let (sql, args) = filtered(filter, "ASC", None);
        let mut stmt = conn.prepare(&sql)?;
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        writeln!(out, "{CSV_HEADER}").map_err(io)?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            writeln!(out, "{}", csv_row(&entry_row(row)?)).map_err(io)?;
            n += 1;
        }
        out.flush().map_err(io)?;
        Ok(n)
    }
}

/// Appends `record` after the newest entry, chained to it.
pub(super) fn append(tx: &Transaction<'_>, record: AuditRecord) -> Result<AuditEntry, StoreError> {
    let (seq, prev): (i64, String) = last(tx)?.unwrap_or((0, GENESIS.to_owned()));
    let e = record.chain(seq + 1, &prev);
    let r = &e.record;
    tx.prepare_cached(
        "INSERT INTO audit_log (seq, at_ms, actor, role, action, objects, outcome, detail,
             prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        e.seq,
        ms(r.at),
        r.actor,
        r.role.as_str(),
        r.action.as_str(),
        r.objects,
        r.outcome.as_str(),
        r.detail,
        e.prev_hash,
        e.hash
    ])?;
    Ok(e)
}

fn last(conn: &Connection) -> Result<Option<(i64, String)>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

fn filtered(
    f: &AuditFilter,
    order: &str,
    limit: Option<u32>,
) -> (String, Vec<rusqlite::types::Value>) {
    use rusqlite::types::Value;
    let mut clauses = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    if let Some(actor) = &f.actor {
        args.push(Value::Text(actor.clone()));
        clauses.push(format!("actor = ?{}", args.len()));
    }
    if let Some(action) = f.action {
        args.push(Value::Text(action.as_str().to_owned()));
        clauses.push(format!("action = ?{}", args.len()));
    }
    if let Some(outcome) = f.outcome {
        args.push(Value::Text(outcome.as_str().to_owned()));
        clauses.push(format!("outcome = ?{}", args.len()));
    }
    if let Some(text) = f.text.as_deref().filter(|t| !t.trim().is_empty()) {
        args.push(Value::Text(format!("%{}%", escape_like(text.trim()))));
        let n = args.len();
        clauses.push(format!(
            "(objects LIKE ?{n} ESCAPE '\\' OR detail LIKE ?{n} ESCAPE '\\')"
        ));
    }
    if let Some(before) = f.before {
        args.push(Value::Integer(before));
        clauses.push(format!("seq < ?{}", args.len()));
    }
    let mut sql = COLS.to_owned();
    if !clauses.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&clauses.join(" AND "));
    }
    sql.push_str(&format!(" ORDER BY seq {order}"));
    if let Some(limit) = limit {
        sql.push_str(&format!(" LIMIT {limit}"));
    }
    (sql, args)
}

fn entry_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AuditEntry> {
    let role: String = r.get(3)?;
    let action: String = r.get(4)?;
    let outcome: String = r.get(6)?;
    Ok(AuditEntry {
        seq: r.get(0)?,
        record: AuditRecord {
            at: time_col(r, 1)?,
            actor: r.get(2)?,
            role: role
                .parse()
                .map_err(|e: ValidationError| bad_col(3, e.rule))?,
            action: Action::parse(&action)
                .ok_or_else(|| bad_col(4, format!("unknown action {action:?}")))?,
            objects: r.get(5)?,
            outcome: AuditOutcome::parse(&outcome)
                .ok_or_else(|| bad_col(6, format!("unknown outcome {outcome:?}")))?,
            detail: r.get(7)?,
        },
        prev_hash: r.get(8)?,
        hash: r.get(9)?,
    })
}
