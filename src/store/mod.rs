//! SQLite persistence. Every SQL statement of the project lives in this module;
//! callers get domain types back and never see a connection. Never decides a
//! business rule itself: validation is the domain's, called from here inside
//! the transaction that then writes.
//!
//! One file per noun: [`products`] (manifests), [`devices`], [`downtimes`]
//! (the calendar's items), [`calendar`] (what conflicts and free slots read),
//! [`updates`] (updates, device updates, batch transitions, logs);
//! [`device_admin`] the fleet's import, label edits and removal (retiring);
//! [`execution`] holds what the engine writes and reads while it runs,
//! [`meta`] small keyed values (the demo fleet's address), `sql` the column
//! conversions. [`access`] holds users' roles and the gate every admin action
//! passes (`as_admin`: role check, change and audit entry in one
//! transaction); [`audit`] the hash-chained audit log. Writes share one
//! connection; reads take pooled read-only connections of their own
//! ([`Store`]).

mod access;
mod audit;
mod calendar;
mod device_admin;
mod device_history;
mod device_query;
mod devices;
mod downtimes;
mod execution;
mod inventory;
mod meta;
mod migrations;
mod products;
mod sql;
mod tokens;
mod update_plan;
mod update_status;
mod updates;

pub use access::{Allowed, UserRole};
pub use audit::{AuditFilter, MAX_AUDIT_PAGE};
pub use calendar::{IcsImported, LabelledDevice, PlacedItem};
pub use device_admin::{ImportReport, ImportedDevice, Removal};
pub use device_history::{DeviceHistoryItem, VersionCount, VersionSpread};
pub use device_query::DevicePage;
pub use execution::ChangeOutcome;
pub use inventory::{AgentEndpoint, DeviceSelection};
pub use products::{ImportOutcome, ProductVersions as ProductCatalogEntry};
pub use update_plan::{DevicePlan, PlanDevice, ProductChoices};
pub use update_status::{DeviceUpdateListing, UpdateFilter, UpdateListing, UpdatesPage};
pub use updates::DeviceUpdateChange;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};

use rusqlite::Connection;

use crate::domain::{DeviceUpdateId, ErrorCode, Forbidden, TransitionError, ValidationError};
use crate::secrets::{self, SecretError, SecretStore};

pub use migrations::SCHEMA_VERSION;

/// The file name of the database inside the app data directory.
pub const DB_FILE_NAME: &str = "rollwright.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("database {path} has schema version {found}, newer than this build knows ({known}); use a newer Rollwright")]
    TooNew {
        path: PathBuf,
        found: u32,
        known: u32,
    },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
    /// Input broke a rule; nothing was written.
    #[error(transparent)]
    Invalid(#[from] ValidationError),
    /// The actor's role does not allow the action; nothing was written but
    /// the audit entry saying so.
    #[error(transparent)]
    Forbidden(#[from] Forbidden),
    #[error("cannot write: {0}")]
    Io(String),
    /// The secret store failed; its message never holds the secret.
    #[error(transparent)]
    Secret(#[from] SecretError),
    #[error("{what} {key} not found")]
    NotFound { what: &'static str, key: String },
    /// Valid input that clashes with what is stored; nothing was written.
    #[error("{0}")]
    Conflict(ValidationError),
    #[error("device update {id}: {source}")]
    Transition {
        id: DeviceUpdateId,
        source: TransitionError,
    },
    /// A row that this build cannot read back: a bug or a hand-edited file.
    #[error("corrupt row: {0}")]
    Corrupt(String),
}

impl StoreError {
    pub fn code(&self) -> ErrorCode {
        match self {
            StoreError::Invalid(_) => ErrorCode::InvalidInput,
            StoreError::Forbidden(_) => ErrorCode::Forbidden,
            StoreError::Secret(e) => e.code(),
            StoreError::NotFound { .. } => ErrorCode::NotFound,
            StoreError::Conflict(_) | StoreError::Transition { .. } => ErrorCode::Conflict,
            StoreError::Open { .. }
            | StoreError::TooNew { .. }
            | StoreError::Sql(_)
            | StoreError::Io(_)
            | StoreError::Corrupt(_) => ErrorCode::Internal,
        }
    }

    /// The input field the error is about, when it is about one.
    pub fn field(&self) -> Option<&str> {
        match self {
            StoreError::Invalid(e) | StoreError::Conflict(e) => Some(&e.field),
            _ => None,
        }
    }

    pub fn not_found(what: &'static str, key: impl std::fmt::Display) -> StoreError {
        StoreError::NotFound {
            what,
            key: key.to_string(),
        }
    }

    fn conflict(field: &str, rule: impl Into<String>) -> StoreError {
        StoreError::Conflict(ValidationError::new(field, rule))
    }
}

/// A cheap `Clone` handle to the database. Writes share one connection behind
/// a mutex (SQLite serialises writes anyway); reads take a connection of their
/// own from a small pool, so a screen's read never waits behind the engine's
/// journal: WAL lets readers run beside the writer.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Mutex<Readers>,
    /// Signalled when a read connection goes back to the pool.
    reader_returned: Condvar,
    /// Where agent tokens live; the database holds only references.
    secrets: Arc<dyn SecretStore>,
}

#[derive(Default)]
struct Readers {
    idle: Vec<Connection>,
    /// Open read connections, idle or in use.
    open: usize,
}

/// Read connections open at most: each holds its own page cache, and more
/// reads at once than this would only queue for the two or so cores anyway.
const MAX_READERS: usize = 8;

impl Store {
    /// [`Store::open`] with the secret store a front door uses: the OS
    /// keyring, or the encrypted file beside the database
    /// ([`secrets::open_default`]).
    pub fn open_default(path: &Path) -> Result<Store, StoreError> {
        let dir = path.parent().unwrap_or(Path::new("."));
        Store::open(path, secrets::open_default(dir))
    }

    /// Opens (creating if needed) the database at `path`, brings its schema
    /// up to date, and moves any agent token still kept in clear text into
    /// `secrets` (see [`Store::move_tokens_out`]).
    pub fn open(path: &Path, secrets: Arc<dyn SecretStore>) -> Result<Store, StoreError> {
        let open_err = |source| StoreError::Open {
            path: path.to_path_buf(),
            source,
        };
        let mut conn = Connection::open(path).map_err(open_err)?;
        // WAL lets readers (the status screen) run beside the engine's writes;
        // NORMAL survives application crashes, which is what resume needs.
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(open_err)?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(open_err)?;
        // What is deleted or blanked (a token moved out) is overwritten with
        // zeros, not left in free pages.
        conn.pragma_update(None, "secure_delete", true)
            .map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(open_err)?;
        migrations::migrate(&mut conn, path)?;
        let store = Store {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: Mutex::new(conn),
                readers: Mutex::default(),
                reader_returned: Condvar::new(),
                secrets,
            }),
        };
        store.move_tokens_out()?;
        Ok(store)
    }

    /// The secret store, to open another handle on the same file.
    pub fn secret_store(&self) -> Arc<dyn SecretStore> {
        self.inner.secrets.clone()
    }

    /// Where agent tokens are kept, for people ("OS keyring", ...).
    pub fn secrets_backend(&self) -> &'static str {
        self.inner.secrets.describe()
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        let conn = self.reader()?;
        Ok(migrations::user_version(&conn)?)
    }

    /// Makes every later write through this handle and its clones fail, as
    /// if the process had died at this instant. Crash tests stop an engine
    /// with it: whatever its tasks do in their last moments, nothing of it
    /// reaches the file. Other handles of the same file are not affected.
    pub fn stop_writing(&self) -> Result<(), StoreError> {
        self.writer().pragma_update(None, "query_only", true)?;
        Ok(())
    }

    /// The one connection that writes.
    fn writer(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (the
        // transaction rolls back), so a poisoned lock is still safe to use.
        self.inner.writer.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A read-only connection of its own, back to the pool when dropped.
    /// Waits for one to come back when [`MAX_READERS`] are in use.
    fn reader(&self) -> Result<Reader<'_>, StoreError> {
        let mut readers = lock(&self.inner.readers);
        loop {
            if let Some(conn) = readers.idle.pop() {
                return Ok(Reader {
                    store: self,
                    conn: Some(conn),
                });
            }
            if readers.open < MAX_READERS {
                readers.open += 1;
                drop(readers);
                return match open_reader(&self.inner.path) {
                    Ok(conn) => Ok(Reader {
                        store: self,
                        conn: Some(conn),
                    }),
                    Err(e) => {
                        lock(&self.inner.readers).open -= 1;
                        self.inner.reader_returned.notify_one();
                        Err(e)
                    }
                };
            }
            readers = self
                .inner
                .reader_returned
                .wait(readers)
                .unwrap_or_else(|p| p.into_inner());
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let open_err = |source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open(path).map_err(open_err)?;
    // Refuses writes, so a read path can never write by mistake.
    conn.pragma_update(None, "query_only", true)
        .map_err(open_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(open_err)?;
    Ok(conn)
}

/// A pooled read connection.
struct Reader<'a> {
    store: &'a Store,
    conn: Option<Connection>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        self.conn.as_ref().expect("present until dropped")
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        lock(&self.store.inner.readers)
            .idle
            .extend(self.conn.take());
        self.store.inner.reader_returned.notify_one();
    }
}

#[cfg(test)]
mod tests {
    use super::behaviour_tests::memory;
    use super::*;

    #[test]
    fn opening_creates_the_file_at_the_latest_schema() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        let store = Store::open(&path, memory()).unwrap();
        assert!(path.exists());
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn reopening_is_idempotent() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        drop(Store::open(&path, memory()).unwrap());
        let store = Store::open(&path, memory()).unwrap();
        assert_eq!(store.schema_version().unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn a_handle_that_stopped_writing_refuses_writes_while_other_handles_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        let (stopped, other) = (
            Store::open(&path, memory()).unwrap(),
            Store::open(&path, memory()).unwrap(),
        );
        let manifest = crate::domain::Manifest::parse(include_str!(
            "../../tests/fixtures/manifests/acme-erp-2.3.0.toml"
        ))
        .unwrap();
        stopped.clone().stop_writing().unwrap();
        assert!(stopped
            .import_manifest(
                &crate::domain::Actor::new("admin").unwrap(),
                &manifest,
                chrono::Utc::now()
            )
            .is_err());
        other
            .import_manifest(
                &crate::domain::Actor::new("admin").unwrap(),
                &manifest,
                chrono::Utc::now(),
            )
            .unwrap();
        // Reading still works, and sees what the other handle wrote.
        assert_eq!(
            stopped.versions_of(&manifest.product).unwrap(),
            [manifest.version]
        );
    }

    #[test]
    fn a_database_from_a_newer_build_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(DB_FILE_NAME);
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        drop(conn);
        let err = Store::open(&path, memory()).err().expect("must refuse");
        assert!(matches!(err, StoreError::TooNew { .. }), "{err}");
    }
}

#[cfg(test)]
mod access_tests;
#[cfg(test)]
mod behaviour_tests;
#[cfg(test)]
mod device_admin_tests;
#[cfg(test)]
mod token_tests;
#[cfg(test)]
mod update_plan_tests;
#[cfg(test)]
mod update_status_tests;
