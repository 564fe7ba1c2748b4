//! Conversions between domain types and SQLite columns. Never holds queries:
//! those live in the file of their noun.

use chrono::{DateTime, Utc};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use crate::domain::{
    DeviceId, DeviceUpdateId, DeviceUpdateStatus, DowntimeId, ProductName, UpdateId, Version,
};

macro_rules! int_sql {
    ($($t:ty),*) => {$(
        impl ToSql for $t {
            fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
                Ok(ToSqlOutput::from(self.0))
            }
        }
        impl FromSql for $t {
            fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
                i64::column_result(v).map(Self)
            }
        }
    )*};
}
int_sql!(DeviceId, UpdateId, DowntimeId);

fn other(e: impl std::error::Error + Send + Sync + 'static) -> FromSqlError {
    FromSqlError::Other(Box::new(e))
}

impl ToSql for DeviceUpdateId {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}
impl FromSql for DeviceUpdateId {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        DeviceUpdateId::parse(v.as_str()?).map_err(other)
    }
}

impl ToSql for ProductName {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}
impl FromSql for ProductName {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        ProductName::parse("product", v.as_str()?).map_err(other)
    }
}

impl ToSql for DeviceUpdateStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}
impl FromSql for DeviceUpdateStatus {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        let s = v.as_str()?;
        DeviceUpdateStatus::parse(s)
            .ok_or_else(|| FromSqlError::Other(format!("unknown status {s:?}").into()))
    }
}

/// `semver::Version` is foreign, so columns go through this wrapper.
pub(super) struct SqlVersion(pub Version);

impl FromSql for SqlVersion {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        Version::parse(v.as_str()?).map(SqlVersion).map_err(other)
    }
}

pub(super) fn version_col(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Version> {
    Ok(row.get::<_, SqlVersion>(i)?.0)
}

pub(super) fn opt_version_col(
    row: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<Version>> {
    Ok(row.get::<_, Option<SqlVersion>>(i)?.map(|v| v.0))
}

pub(super) fn opt_version(v: &Option<Version>) -> Option<String> {
    v.as_ref().map(|v| v.to_string())
}

/// Times are stored as milliseconds since the Unix epoch: compact, and they
/// sort and compare as integers in range queries.
pub(super) fn ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub(super) fn time_col(row: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    let n: i64 = row.get(i)?;
    from_ms(n, i)
}

pub(super) fn opt_time_col(
    row: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<Option<DateTime<Utc>>> {
    row.get::<_, Option<i64>>(i)?
        .map(|n| from_ms(n, i))
        .transpose()
}

pub(super) fn from_ms(n: i64, i: usize) -> rusqlite::Result<DateTime<Utc>> {
    DateTime::from_timestamp_millis(n).ok_or(rusqlite::Error::IntegralValueOutOfRange(i, n))
}

/// Wraps a conversion failure inside a row mapper as a rusqlite error.
pub(super) fn bad_col(i: usize, msg: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, msg.into())
}

/// A product and version in columns `i` and `i + 1`: one target of an
/// update or of a device update.
pub(super) fn target_col(
    r: &rusqlite::Row<'_>,
    i: usize,
) -> rusqlite::Result<crate::domain::Target> {
    Ok(crate::domain::Target {
        product: r.get(i)?,
        version: version_col(r, i + 1)?,
    })
}

/// `s` with LIKE's wildcards escaped, for `LIKE ? ESCAPE '\'`.
pub(super) fn escape_like(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
