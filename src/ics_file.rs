//! Reads an iCalendar (.ics) file with its size limit applied before the
//! whole file is read; the calendar turns its events into items or reasons.
//! Writes nothing: the store adds what it returns.

use std::path::Path;

use crate::calendar::ics::{import_ics, IcsEvent, MAX_ICS_BYTES};
use crate::domain::{DowntimeKind, Scope, Zone};
use crate::input_file::read_text;
pub use crate::input_file::InputFileError as IcsFileError;

/// Every VEVENT of the file at `path`, each an item of `kind` in `scope`
/// or the reason it was skipped. Times without a zone are read in
/// `floating_zone`.
pub fn read_ics(
    path: &Path,
    kind: DowntimeKind,
    scope: &Scope,
    floating_zone: Zone,
) -> Result<Vec<IcsEvent>, IcsFileError> {
    let text = read_text(path, MAX_ICS_BYTES, "file", "an iCalendar file")?;
    Ok(import_ics(&text, kind, scope, floating_zone)?)
}
