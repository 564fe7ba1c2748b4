//! Reads a device import file: at most one byte past the size limit, then
//! the domain parses it and checks each row with the token its reference
//! names (`token_ref`, relative paths from the file's directory). Writes
//! nothing; the store imports what it returns, all rows or none.

use std::path::Path;

use crate::domain::device_csv::{self, CheckedRow, MAX_IMPORT_BYTES};
use crate::input_file::read_capped;
pub use crate::input_file::InputFileError as DeviceCsvFileError;

/// Every row of the file at `path`, each a valid device or its fault.
pub fn read_device_csv(path: &Path) -> Result<Vec<CheckedRow>, DeviceCsvFileError> {
    let bytes = read_capped(path, MAX_IMPORT_BYTES)?;
    let rows = device_csv::parse(&bytes)?;
    let base = path.parent().unwrap_or(Path::new("."));
    Ok(device_csv::validate(rows, |r| {
        crate::token_ref::resolve(r, base)
    }))
}
