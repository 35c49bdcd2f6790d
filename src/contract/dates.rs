//! Dates and timestamps as the contract writes them and the engine keeps
//! them (contract section 2).
//!
//! Internal forms: a date is days since 1970-01-01 (polars `Date`), a
//! timestamp is Europe/Warsaw local time in milliseconds since
//! 1970-01-01T00:00 (polars `Datetime(ms)` without a zone). The parsers
//! take the raw text of one cell and return the value or a reason a
//! controller can act on; nothing is guessed. A source's date pattern
//! (`date_format` in `recon.toml`, `config::Dialect`) is passed as
//! `format`, `None` meaning ISO `YYYY-MM-DD`.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Europe::Warsaw;

use super::fast;

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a date"),
};

/// 1970-01-01 counted as chrono counts days from 0001-01-01 (day 1).
const EPOCH_FROM_CE: i32 = 719_163;

/// Days since 1970-01-01, the physical value of a polars `Date`. From
/// chrono's own day count, not a difference of dates: a register's rows
/// give millions of them.
pub fn date_to_days(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_FROM_CE
}

/// The inverse of [`date_to_days`].
pub fn days_to_date(days: i32) -> NaiveDate {
    EPOCH + chrono::Duration::days(i64::from(days))
}

/// [`days_to_date`], or `None` for a day number outside chrono's range.
pub fn checked_days_to_date(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days.checked_add(EPOCH_FROM_CE)?)
}

/// Milliseconds since 1970-01-01T00:00 of a Warsaw wall-clock time.
pub fn local_to_ms(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp_millis()
}

/// The inverse of [`local_to_ms`], or `None` out of chrono's range.
pub fn ms_to_local(ms: i64) -> Option<NaiveDateTime> {
    DateTime::from_timestamp_millis(ms).map(|t| t.naive_utc())
}

/// The Warsaw calendar date of a timestamp in [`local_to_ms`] form.
pub fn ms_to_date(ms: i64) -> NaiveDate {
    match DateTime::from_timestamp_millis(ms) {
        Some(t) => t.date_naive(),
        None => EPOCH,
    }
}

/// A date cell as days since 1970-01-01: [`parse_date`], by way of the
/// allocation-free ISO fast path when the source has no date format.
pub fn date_days(raw: &str, format: Option<&str>) -> Result<i32, String> {
    let fast = match format {
        None => fast::date_days(fast::trim_cell(raw)),
        Some(_) => None,
    };
    match fast {
        Some(days) => Ok(days),
        None => parse_date(raw, format).map(date_to_days),
    }
}

/// A timestamp cell in [`local_to_ms`] form: [`parse_timestamp`], by way of
/// the ISO fast path when the source has no date format.
pub fn timestamp_ms(raw: &str, format: Option<&str>) -> Result<i64, String> {
    let fast = match format {
        None => fast::timestamp_ms(fast::trim_cell(raw)),
        Some(_) => None,
    };
    match fast {
        Some(ms) => Ok(ms),
        None => parse_timestamp(raw, format).map(local_to_ms),
    }
}

/// Parses a calendar date: ISO `YYYY-MM-DD`, or `format` (the source's
/// strftime pattern) when it has one. An ISO timestamp is accepted too and
/// stands for its own date as written.
pub fn parse_date(raw: &str, format: Option<&str>) -> Result<NaiveDate, String> {
    let s = raw.trim();
    if let Some(fmt) = format {
        return NaiveDate::parse_from_str(s, fmt)
            .map_err(|_| format!("'{s}' is not a date in the format {fmt}"));
    }
    if s.len() > 10 && s.as_bytes()[10] == b'T' {
        return parse_date(&s[..10], format);
    }
    if s.len() != 10 {
        return Err(format!("'{s}' is not a date (expected YYYY-MM-DD)"));
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a valid date (expected YYYY-MM-DD)"))
}

/// Parses an ISO 8601 timestamp into Warsaw local time (contract section 2):
/// with an offset or `Z` it is converted; without one it already is Warsaw
/// time. Up to 9 fractional digits are accepted (KSeF writes 7). A bare date
/// stands for 00:00 of that day, which is how the contract reads period ends;
/// with a date `format`, a value without a time is a date in that format.
pub fn parse_timestamp(raw: &str, format: Option<&str>) -> Result<NaiveDateTime, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty timestamp".to_string());
    }
    if s.len() <= 10 || format.is_some() && !s.contains(':') {
        let d = parse_date(s, format).map_err(|_| {
            format!(
                "'{s}' is not a timestamp (expected YYYY-MM-DDTHH:MM:SS with an optional offset)"
            )
        })?;
        return Ok(d.and_time(NaiveTime::MIN));
    }
    let normal = s.replacen(' ', "T", 1);
    if let Ok(t) = DateTime::parse_from_rfc3339(&normal) {
        return Ok(t.with_timezone(&Warsaw).naive_local());
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(&normal, fmt) {
            return Ok(t);
        }
    }
    Err(format!(
        "'{s}' is not a timestamp (expected YYYY-MM-DDTHH:MM:SS with an optional offset)"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLISH: Option<&str> = Some("%d.%m.%Y");

    #[test]
    fn day_numbers_are_the_differences_of_dates() {
        let by_difference = |d: NaiveDate| (d - EPOCH).num_days() as i32;
        let ends = [
            NaiveDate::MIN,
            NaiveDate::MAX,
            EPOCH,
            NaiveDate::from_ymd_opt(2024, 2, 29).unwrap(),
        ];
        let steps = (-800_000..800_000).step_by(997).map(days_to_date);
        for d in ends.into_iter().chain(steps) {
            let days = by_difference(d);
            assert_eq!(date_to_days(d), days, "{d}");
            assert_eq!(checked_days_to_date(days), Some(d), "{d}");
        }
        let beyond = by_difference(NaiveDate::MAX) + 1;
        assert_eq!(checked_days_to_date(beyond), None);
        assert_eq!(checked_days_to_date(i32::MAX), None);
        assert_eq!(checked_days_to_date(i32::MIN), None);
    }

    fn ts(s: &str) -> String {
        parse_timestamp(s, None).unwrap().to_string()
    }

    #[test]
    fn dates() {
        let d = parse_date("2026-03-10", None).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(days_to_date(date_to_days(d)), d);
        assert!(parse_date("2026-02-30", None).is_err());
        assert!(parse_date("10.03.2026", None).is_err());
        assert!(parse_date("yesterday", None).is_err());
        assert_eq!(parse_date("10.03.2026", POLISH).unwrap(), d);
    }

    #[test]
    fn timestamps_are_warsaw_local() {
        // KSeF's 7 fractional digits, UTC offset, winter time (UTC+1).
        assert_eq!(
            ts("2025-08-28T09:22:13.3881234+00:00"),
            "2025-08-28 11:22:13.388123400"
        );
        // 23:30 UTC on 10 March is already 11 March in Warsaw.
        assert_eq!(ts("2026-03-10T23:30:00Z"), "2026-03-11 00:30:00");
        // Summer time starts 29 March 2026 at 02:00 local.
        assert_eq!(ts("2026-03-29T00:30:00Z"), "2026-03-29 01:30:00");
        assert_eq!(ts("2026-03-29T01:30:00Z"), "2026-03-29 03:30:00");
        // Without an offset it already is Warsaw time.
        assert_eq!(ts("2026-03-10T08:00:00"), "2026-03-10 08:00:00");
        assert_eq!(ts("2026-03-10 08:00"), "2026-03-10 08:00:00");
        assert_eq!(ts("2026-03-10"), "2026-03-10 00:00:00");
        assert!(parse_timestamp("08:00:00", None).is_err());
        assert!(parse_timestamp("2026-13-01T00:00:00", None).is_err());
        let ms = local_to_ms(parse_timestamp("2026-03-11T00:30:00", None).unwrap());
        assert_eq!(
            ms_to_date(ms),
            NaiveDate::from_ymd_opt(2026, 3, 11).unwrap()
        );
    }
}
