//! Dates and times as the generated files write them, formatted by hand:
//! millions of invoices each carry several, and chrono's formatter would
//! parse its format string every time.

use chrono::{Datelike, NaiveDate};

/// `YYYY-MM-DD` without going through chrono's formatter.
pub fn ymd(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// `HH:MM:SS` of a number of seconds after midnight.
pub fn hms(seconds: u32) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}
