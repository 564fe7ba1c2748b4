//! Rollwright's core: plan and run version updates across a fleet of devices.
//!
//! The core knows nothing of Tauri or of any UI; the desktop shell
//! (`src-tauri/`) and the headless `rollwright-cli` are thin front doors to it.
//!
//! - [`domain`]: words of the design as types, validation, version rules, module
//!   diff, state machine. Pure: no I/O, no clock reads.
//! - [`store`]: SQLite. Every SQL statement of the project lives there.
//! - [`agent_client`]: the HTTP client for device agents.
//! - [`calendar`]: occurrences, conflicts, free slots, iCalendar. Pure.
//! - [`manifest_file`]: reads manifest files with the size limit applied
//!   (the shared reading and its error are in `input_file`).
//! - [`device_csv_file`]: reads device import files (CSV) with their size
//!   limit; [`token_ref`] resolves their `env:`/`file:` token references.
//! - [`ics_file`]: reads iCalendar files for the calendar's import.
//! - [`os_user`]: the operating-system account a front door acts for.
//! - [`secrets`]: agent tokens in the OS keyring or an encrypted file; the
//!   database holds only a reference. Never logs or shows a token.
//! - [`demo`]: the demo landscape and its simulated fleet on loopback.

pub mod agent_client;
pub mod calendar;
#[cfg(feature = "demo")]
pub mod demo;
pub mod device_csv_file;
pub mod domain;
pub mod engine;
pub mod ics_file;
mod input_file;
pub mod manifest_file;
pub mod os_user;
pub mod secrets;
pub mod store;
pub mod token_ref;
