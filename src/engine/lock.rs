//! One engine per database: a started engine holds an exclusive lock on a
//! file beside the database. The operating system drops the lock when its
//! holder ends, however it ends, so a crashed engine leaves nothing behind;
//! the file's text names the holder for whoever is refused.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;

/// Held while the engine runs; dropping it releases the database.
pub(crate) struct EngineLock {
    _file: File,
}

/// Another process's engine works on the database.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("another engine works on this database: {holder}; stop it first, or let it carry out the updates")]
pub struct EngineBusy {
    /// "process 4242 (rollwright-cli) since 2026-12-02T13:40:00+00:00".
    pub holder: String,
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error(transparent)]
    Busy(#[from] EngineBusy),
    #[error("cannot lock {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl EngineLock {
    /// Takes the lock of the database at `db`, or says who holds it.
    pub(crate) fn acquire(db: &Path) -> Result<EngineLock, LockError> {
        let path = lock_path(db);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0).map_err(io)?;
                file.rewind().map_err(io)?;
                file.write_all(holder_words().as_bytes()).map_err(io)?;
                file.flush().map_err(io)?;
                Ok(EngineLock { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let mut holder = String::new();
                let _ = file.read_to_string(&mut holder);
                let holder = match holder.trim() {
                    "" => "a process that is starting".to_owned(),
                    h => h.to_owned(),
                };
                Err(EngineBusy { holder }.into())
            }
            Err(TryLockError::Error(e)) => Err(io(e)),
        }
    }
}

/// `rollwright.sqlite3` → `rollwright.sqlite3.engine-lock`.
fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_owned();
    name.push(".engine-lock");
    db.with_file_name(name)
}

fn holder_words() -> String {
    let program = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| "unknown program".into());
    format!(
        "process {} ({program}) since {}",
        std::process::id(),
        Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_is_refused_with_the_first_ones_name_until_it_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("rollwright.sqlite3");
        let first = EngineLock::acquire(&db).unwrap();
        let Err(LockError::Busy(busy)) = EngineLock::acquire(&db) else {
            panic!("a second lock must be refused");
        };
        assert!(
            busy.holder
                .starts_with(&format!("process {} (", std::process::id())),
            "{}",
            busy.holder
        );
        drop(first);
        let again = EngineLock::acquire(&db);
        assert!(again.is_ok(), "released on drop");
    }
}
