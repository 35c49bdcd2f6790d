//! The one place the engine reads the clock. Outputs depend on the as-of
//! date, never on "now"; the only wall-clock value written anywhere is the
//! run's start time in `run.json`.

use chrono::{NaiveDate, SecondsFormat, Utc};
use chrono_tz::Europe::Warsaw;

/// Today's date in Europe/Warsaw: the default `--as-of`.
pub fn today_in_warsaw() -> NaiveDate {
    Utc::now().with_timezone(&Warsaw).date_naive()
}

/// The current time in UTC as RFC 3339, for `run.json`'s `run_started_at`.
pub fn now_utc_text() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}
