//! The planning calendar: what occurs when, what conflicts with an update,
//! and where a free slot is. Pure: no I/O, no clock reads (`now` comes in);
//! the store and the engine are its only callers.
//!
//! - [`expand`]: an item's occurrences in a range (RRULE in its zone).
//! - [`planning`]: the calendar over a range indexed by scope; conflicts.
//! - [`free_slot`]: the earliest conflict-free slot for devices.
//! - [`words`]: a recurrence in words.
//! - [`updates`]: updates as calendar bars.
//! - [`durations`]: an update's likely duration, learned from finished ones.
//! - [`ics`]: iCalendar (.ics) import of events as items, and export of the
//!   calendar for Outlook, Google and Thunderbird.

pub mod durations;
pub mod expand;
pub mod free_slot;
#[cfg(test)]
mod free_slot_tests;
pub mod ics;
pub mod planning;
pub mod updates;
pub mod words;

pub use durations::{learned_duration, LearnedDuration, PastRun, DEFAULT_DURATION};
pub use expand::{Occurrence, Series};
pub use free_slot::{DeviceSlot, SlotRequest, GRANULARITY};
pub use planning::{Busy, Conflict, ConflictWith, Placed, Planning};
pub use updates::{CalendarUpdate, UpdatePhase};
pub use words::recurrence_words;
