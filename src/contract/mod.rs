//! The contract's vocabulary as types: the words the inputs and outputs
//! use for an invoice's mode and status, an announcement's category and a
//! finding's severity, and the bundle's input sources with their columns.
//! Every other module names them from here rather than spelling them, so
//! adding a word touches this folder and the places that decide it, not
//! every report.
//!
//! The lowest layer: it imports nothing of the crate.

mod columns;
mod mode;
mod severity;
mod source;
mod status;

pub use columns::{ACTIONS, Field, Kind};
pub use mode::{Category, Mode};
pub use severity::Severity;
pub use source::Source;
pub use status::Status;
