//! Parsing of single cell values: dates, timestamps, amounts and the contract's
//! enumerations.
//!
//! Every parser takes the raw text of one cell and either returns the value in
//! the engine's internal form or a reason a controller can act on. Nothing here
//! guesses: a value that does not fit is an error, never a default.
//!
//! Internal forms: dates are days since 1970-01-01 (polars `Date`), timestamps
//! are Europe/Warsaw local time in milliseconds since 1970-01-01T00:00 (polars
//! `Datetime(ms)` without a zone), amounts are integer grosze (hundredths), so
//! that a 0.01 tolerance is an exact integer comparison.

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
use chrono_tz::Europe::Warsaw;

use super::fast;

/// How the cells of one source are written (contract section 7).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dialect {
    /// `true` when amounts use a decimal comma (`1 234,56`).
    pub decimal_comma: bool,
    /// A strftime pattern for dates; `None` means ISO `YYYY-MM-DD`.
    pub date_format: Option<String>,
}

const EPOCH: NaiveDate = match NaiveDate::from_ymd_opt(1970, 1, 1) {
    Some(d) => d,
    None => panic!("1970-01-01 is a date"),
};

/// Days since 1970-01-01, the physical value of a polars `Date`.
pub fn date_to_days(d: NaiveDate) -> i32 {
    (d - EPOCH).num_days() as i32
}

/// The inverse of [`date_to_days`].
pub fn days_to_date(days: i32) -> NaiveDate {
    EPOCH + chrono::Duration::days(i64::from(days))
}

/// [`days_to_date`], or `None` for a day number outside chrono's range.
pub fn checked_days_to_date(days: i32) -> Option<NaiveDate> {
    EPOCH.checked_add_signed(chrono::Duration::days(i64::from(days)))
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
pub fn date_days(raw: &str, dialect: &Dialect) -> Result<i32, String> {
    let fast = match dialect.date_format {
        None => fast::date_days(fast::trim(raw)),
        Some(_) => None,
    };
    match fast {
        Some(days) => Ok(days),
        None => parse_date(raw, dialect).map(date_to_days),
    }
}

/// A timestamp cell in [`local_to_ms`] form: [`parse_timestamp`], by way of
/// the ISO fast path when the source has no date format.
pub fn timestamp_ms(raw: &str, dialect: &Dialect) -> Result<i64, String> {
    let fast = match dialect.date_format {
        None => fast::timestamp_ms(fast::trim(raw)),
        Some(_) => None,
    };
    match fast {
        Some(ms) => Ok(ms),
        None => parse_timestamp(raw, dialect).map(local_to_ms),
    }
}

/// Parses a calendar date: ISO `YYYY-MM-DD` or the dialect's pattern. An ISO
/// timestamp is accepted too and stands for its own date as written.
pub fn parse_date(raw: &str, dialect: &Dialect) -> Result<NaiveDate, String> {
    let s = raw.trim();
    if let Some(fmt) = &dialect.date_format {
        return NaiveDate::parse_from_str(s, fmt)
            .map_err(|_| format!("'{s}' is not a date in the format {fmt}"));
    }
    if s.len() > 10 && s.as_bytes()[10] == b'T' {
        return parse_date(&s[..10], dialect);
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
/// stands for 00:00 of that day, which is how the contract reads period ends.
pub fn parse_timestamp(raw: &str, dialect: &Dialect) -> Result<NaiveDateTime, String> {
    let s = raw.trim();
    if s.is_empty() {
        return Err("empty timestamp".to_string());
    }
    if s.len() <= 10 || dialect.date_format.is_some() && !s.contains(':') {
        let d = parse_date(s, dialect).map_err(|_| {
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

/// Parses an amount into grosze. Accepts an optional sign, digits, and at
/// most two decimals; with a decimal comma, spaces and non-breaking spaces
/// group thousands. More than two decimals is an error unless the extra
/// digits are zeros: an amount is never rounded silently.
pub fn parse_amount(raw: &str, dialect: &Dialect) -> Result<i64, String> {
    match fast::amount(fast::trim(raw), dialect.decimal_comma) {
        Some(cents) => Ok(cents),
        None => parse_amount_general(raw, dialect),
    }
}

/// [`parse_amount`] for any text, without the fast path for plain amounts.
pub fn parse_amount_general(raw: &str, dialect: &Dialect) -> Result<i64, String> {
    let s = raw.trim();
    let bad = || format!("'{s}' is not an amount");
    let mut text: String = if dialect.decimal_comma {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .map(|c| if c == ',' { '.' } else { c })
            .collect()
    } else {
        s.to_string()
    };
    let negative = text.starts_with('-');
    if negative || text.starts_with('+') {
        text.remove(0);
    }
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text.as_str(), ""),
    };
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || whole.len() > 15
    {
        return Err(bad());
    }
    let (kept, rest) = frac.split_at(frac.len().min(2));
    if rest.bytes().any(|b| b != b'0') {
        return Err(format!("'{s}' has more than two decimal places"));
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| bad())?
    };
    let cents: i64 = format!("{kept:0<2}").parse().map_err(|_| bad())?;
    let value = whole * 100 + cents;
    Ok(if negative { -value } else { value })
}

/// Converts a JSON number (KSeF's doubles) into grosze, rounding away the
/// binary noise of a double (`12.34` is `12.339999…`).
pub fn amount_from_f64(x: f64) -> Result<i64, String> {
    if !x.is_finite() || x.abs() > 1e15 {
        return Err(format!("{x} is not an amount"));
    }
    let cents = (x * 100.0).round();
    if ((x * 100.0) - cents).abs() > 1e-6 * cents.abs().max(1.0) {
        return Err(format!("{x} has more than two decimal places"));
    }
    Ok(cents as i64)
}

/// Formats grosze as a plain decimal with two places (`-1234.50`).
pub fn format_amount(cents: i64) -> String {
    let mut out = String::new();
    write_amount(cents, &mut out);
    out
}

/// [`format_amount`] appended to `out`, for writers that reuse one buffer.
pub fn write_amount(cents: i64, out: &mut String) {
    if cents < 0 {
        out.push('-');
    }
    let abs = cents.unsigned_abs();
    out.push_str(itoa::Buffer::new().format(abs / 100));
    out.push('.');
    push_two_digits(out, (abs % 100) as u32);
}

/// `n` (below 100) as two digits. Written by hand rather than with
/// `write!("{:02}")`: `core::fmt` was some 5 % of a run's instructions
/// (callgrind, 200k invoices), nearly all of it amounts and dates written
/// into the reconciliation.
pub fn push_two_digits(out: &mut String, n: u32) {
    debug_assert!(n < 100);
    out.push(char::from(b'0' + (n / 10) as u8));
    out.push(char::from(b'0' + (n % 10) as u8));
}

/// An ISO 4217-shaped currency code, upper-cased.
pub fn parse_currency(raw: &str) -> Result<String, String> {
    let s = raw.trim().to_ascii_uppercase();
    if s.len() == 3 && s.bytes().all(|b| b.is_ascii_uppercase()) {
        Ok(s)
    } else {
        Err(format!(
            "'{}' is not a currency code (expected e.g. PLN)",
            raw.trim()
        ))
    }
}

/// The JPK/ERP marker of a ledger row: `OFF`, `BFK`, `DI` or empty.
pub fn parse_marker(raw: &str) -> Result<Option<String>, String> {
    let s = raw.trim().to_ascii_uppercase();
    match s.as_str() {
        "" => Ok(None),
        "OFF" | "BFK" | "DI" => Ok(Some(s)),
        _ => Err(format!(
            "'{}' is not a KSeF marker (expected OFF, BFK, DI or empty)",
            raw.trim()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso() -> Dialect {
        Dialect::default()
    }

    fn polish() -> Dialect {
        Dialect {
            decimal_comma: true,
            date_format: Some("%d.%m.%Y".into()),
        }
    }

    fn ts(s: &str) -> String {
        parse_timestamp(s, &iso()).unwrap().to_string()
    }

    #[test]
    fn dates() {
        let d = parse_date("2026-03-10", &iso()).unwrap();
        assert_eq!(d, NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        assert_eq!(days_to_date(date_to_days(d)), d);
        assert!(parse_date("2026-02-30", &iso()).is_err());
        assert!(parse_date("10.03.2026", &iso()).is_err());
        assert!(parse_date("yesterday", &iso()).is_err());
        assert_eq!(parse_date("10.03.2026", &polish()).unwrap(), d);
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
        assert!(parse_timestamp("08:00:00", &iso()).is_err());
        assert!(parse_timestamp("2026-13-01T00:00:00", &iso()).is_err());
        let ms = local_to_ms(parse_timestamp("2026-03-11T00:30:00", &iso()).unwrap());
        assert_eq!(
            ms_to_date(ms),
            NaiveDate::from_ymd_opt(2026, 3, 11).unwrap()
        );
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("1234.56", &iso()), Ok(123456));
        assert_eq!(parse_amount("-0.5", &iso()), Ok(-50));
        assert_eq!(parse_amount("12", &iso()), Ok(1200));
        assert_eq!(parse_amount("12.300", &iso()), Ok(1230));
        assert!(parse_amount("12.345", &iso()).is_err());
        assert!(parse_amount("1,234.56", &iso()).is_err());
        assert!(parse_amount("", &iso()).is_err());
        assert!(parse_amount("-", &iso()).is_err());
        assert!(parse_amount("1e5", &iso()).is_err());
        assert_eq!(parse_amount("1 234,56", &polish()), Ok(123456));
        assert_eq!(parse_amount("1\u{a0}234,56", &polish()), Ok(123456));
        assert_eq!(amount_from_f64(12.34), Ok(1234));
        assert_eq!(amount_from_f64(0.1 + 0.2), Ok(30));
        assert!(amount_from_f64(1.234).is_err());
        assert_eq!(format_amount(-123450), "-1234.50");
        assert_eq!(format_amount(5), "0.05");
        assert_eq!(format_amount(-5), "-0.05");
        assert_eq!(format_amount(0), "0.00");
        assert_eq!(format_amount(100_000_007), "1000000.07");
        assert_eq!(format_amount(i64::MIN), "-92233720368547758.08");
        assert_eq!(format_amount(i64::MAX), "92233720368547758.07");
    }

    #[test]
    fn enumerations() {
        assert_eq!(parse_currency(" pln "), Ok("PLN".into()));
        assert!(parse_currency("zł").is_err());
        assert_eq!(parse_marker("bfk"), Ok(Some("BFK".into())));
        assert_eq!(parse_marker(""), Ok(None));
        assert!(parse_marker("XX").is_err());
    }
}
