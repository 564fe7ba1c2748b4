//! Reading an input file (a manifest, a device import) with its size limit
//! applied before the whole file is read, and the one error shape both give.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::domain::{ErrorCode, ValidationError};

#[derive(Debug, thiserror::Error)]
pub enum InputFileError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A fault of the file's content (size, encoding, what it says).
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

impl InputFileError {
    pub fn code(&self) -> ErrorCode {
        match self {
            InputFileError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                ErrorCode::NotFound
            }
            InputFileError::Io { .. } | InputFileError::Invalid(_) => ErrorCode::InvalidInput,
        }
    }
}

/// The bytes of `path`, reading at most one byte past `limit`, so a huge
/// file costs nothing; the caller refuses a result longer than `limit` in
/// its own words.
pub(crate) fn read_capped(path: &Path, limit: usize) -> Result<Vec<u8>, InputFileError> {
    let io = |source| InputFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    Ok(bytes)
}

/// The text of `path`, refused at `field` when it is over `limit` bytes or
/// not UTF-8 (`kind` names what it should be, e.g. "an iCalendar file").
pub(crate) fn read_text(
    path: &Path,
    limit: usize,
    field: &str,
    kind: &str,
) -> Result<String, InputFileError> {
    let bytes = read_capped(path, limit)?;
    if bytes.len() > limit {
        return Err(ValidationError::new(
            field,
            format!("must be at most {limit} bytes (the file is larger)"),
        )
        .into());
    }
    String::from_utf8(bytes)
        .map_err(|_| ValidationError::new(field, format!("must be UTF-8 text ({kind})")).into())
}
