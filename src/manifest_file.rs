//! Reading manifest files from disk with the size limit applied before the
//! whole file is read. Never writes anything; the store imports the result.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::domain::{ErrorCode, Manifest, ValidationError, MAX_MANIFEST_BYTES};

#[derive(Debug, thiserror::Error)]
pub enum ManifestFileError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Invalid(#[from] ValidationError),
}

impl ManifestFileError {
    pub fn code(&self) -> ErrorCode {
        match self {
            ManifestFileError::Io { source, .. }
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                ErrorCode::NotFound
            }
            ManifestFileError::Io { .. } => ErrorCode::InvalidInput,
            ManifestFileError::Invalid(_) => ErrorCode::InvalidInput,
        }
    }
}

/// Reads and validates the manifest at `path`. At most one byte over the
/// limit is read, so a huge file costs nothing.
pub fn read_manifest(path: &Path) -> Result<Manifest, ManifestFileError> {
    let io = |source| ManifestFileError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let mut bytes = Vec::new();
    file.take(MAX_MANIFEST_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() > MAX_MANIFEST_BYTES {
        return Err(ValidationError::new(
            "manifest",
            format!("must be at most {MAX_MANIFEST_BYTES} bytes (the file is larger)"),
        )
        .into());
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| ValidationError::new("manifest", "must be UTF-8 text"))?;
    Ok(Manifest::parse(&text)?)
}
