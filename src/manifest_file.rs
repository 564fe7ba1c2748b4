//! Reading manifest files from disk with the size limit applied before the
//! whole file is read. Never writes anything; the store imports the result.

use std::path::Path;

use crate::domain::{Manifest, ValidationError, MAX_MANIFEST_BYTES};
use crate::input_file::read_capped;
pub use crate::input_file::InputFileError as ManifestFileError;

/// Reads and validates the manifest at `path`. At most one byte over the
/// limit is read, so a huge file costs nothing.
pub fn read_manifest(path: &Path) -> Result<Manifest, ManifestFileError> {
    let bytes = read_capped(path, MAX_MANIFEST_BYTES)?;
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
