//! Reading manifest files from disk with the size limit applied before the
//! whole file is read. Never writes anything; the store imports the result.

use std::path::Path;

use crate::domain::{Manifest, MAX_MANIFEST_BYTES};
use crate::input_file::read_text;
pub use crate::input_file::InputFileError as ManifestFileError;

/// Reads and validates the manifest at `path`. At most one byte over the
/// limit is read, so a huge file costs nothing.
pub fn read_manifest(path: &Path) -> Result<Manifest, ManifestFileError> {
    let text = read_text(path, MAX_MANIFEST_BYTES, "manifest", "a TOML manifest")?;
    Ok(Manifest::parse(&text)?)
}
