//! The contract's vocabulary as types: the words the inputs and outputs
//! use for an invoice's mode and status, an announcement's category, a
//! finding's code, severity and ageing bucket, the bundle's input sources
//! with their columns, and how a cell's date, amount or code is read and
//! written. Every other module names them from here rather than spelling
//! them, so adding a word touches this folder and the places that decide
//! it, not every report.
//!
//! The lowest layer: it imports nothing of the crate.

mod bucket;
mod code;
mod columns;
mod dates;
pub mod fast;
mod mode;
mod money;
mod severity;
mod source;
mod status;
mod values;

pub use bucket::Bucket;
pub use code::Code;
pub use columns::{Field, Kind, LIST_SEPARATOR};
pub use dates::{
    checked_days_to_date, date_days, date_to_days, days_to_date, local_to_ms, ms_to_date,
    ms_to_local, parse_date, parse_timestamp, timestamp_ms,
};
pub use fast::trim_cell;
pub use mode::{Category, Mode};
pub use money::{
    amount_from_f64, format_amount, grouped, parse_amount, parse_written, push_two_digits,
    write_amount,
};
pub use severity::Severity;
pub use source::Source;
pub use status::Status;
pub use values::{
    ksef_number, parse_action, parse_category, parse_currency, parse_hash, parse_marker,
    parse_offline_mode, parse_rate, parse_whole_number,
};
