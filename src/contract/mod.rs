//! The contract's vocabulary as types: the words the inputs and outputs
//! use for an invoice's mode and status, an announcement's category, a
//! finding's code, severity and ageing bucket. Every other module names
//! them from here rather than spelling them, so adding a word touches this
//! folder and the places that decide it, not every report.
//!
//! The lowest layer: it imports nothing of the crate.

mod bucket;
mod code;
mod mode;
mod severity;
mod status;

pub use bucket::Bucket;
pub use code::Code;
pub use mode::{Category, Mode};
pub use severity::Severity;
pub use status::Status;
