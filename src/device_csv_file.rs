//! Reads a device import file: at most one byte past the size limit, then
//! the domain parses it and checks each row with the token its reference
//! names (`token_ref`, relative paths from the file's directory). Writes
//! nothing; the store imports what it returns, all rows or none.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::domain::device_csv::{self, CheckedRow, MAX_IMPORT_BYTES};
use crate::domain::{ErrorCode, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum DeviceCsvFileError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A fault of the whole file (size, encoding, header, row count).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

impl DeviceCsvFileError {
    pub fn code(&self) -> ErrorCode {
        match self {
            DeviceCsvFileError::Io { source, .. }
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                ErrorCode::NotFound
            }
            DeviceCsvFileError::Io { .. } | DeviceCsvFileError::Invalid(_) => {
                ErrorCode::InvalidInput
            }
        }
    }
}

/// Every row of the file at `path`, each a valid device or its fault.
pub fn read_device_csv(path: &Path) -> Result<Vec<CheckedRow>, DeviceCsvFileError> {
    let io = |source| DeviceCsvFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_IMPORT_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    let rows = device_csv::parse(&bytes)?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(device_csv::validate(rows, |r| {
        crate::token_ref::resolve(r, base)
    }))
}
