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
///
/// The value is read in decimal, never through a double: digits, an
/// optional point (a comma in the decimal-comma dialect) and an optional
/// exponent (`6.8306E2`). A value within 0.000001 of a two-decimal amount,
/// bounds included, is that amount: BI tools write the double nearest an
/// amount (`683.0600000000001`), and that noise is no third decimal. Any
/// other third decimal rejects the value: an amount is never rounded
/// silently.
pub fn parse_amount_general(raw: &str, dialect: &Dialect) -> Result<i64, String> {
    let s = raw.trim();
    let bad = || format!("'{s}' is not an amount");
    let text: String = if dialect.decimal_comma {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '\u{a0}' | '\u{202f}'))
            .map(|c| if c == ',' { '.' } else { c })
            .collect()
    } else {
        s.to_string()
    };
    let (negative, body) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text.as_str()),
    };
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], exponent_of(&body[i + 1..]).ok_or_else(bad)?),
        None => (body, 0),
    };
    let (whole, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let (grosze, rest) = shift_point(whole, frac, exponent + 2);
    let grosze = grosze.trim_start_matches('0');
    if grosze.len() > 17 {
        return Err(bad());
    }
    let mut value: i64 = if grosze.is_empty() {
        0
    } else {
        grosze.parse().map_err(|_| bad())?
    };
    // `rest` is the fraction of a grosz; within 0.000001 of an amount is
    // within 0.0001 of a grosz: at most 0.0001, or at least 0.9999.
    let first4 = format!("{:0<4}", &rest[..rest.len().min(4)]);
    let tail_zero = rest.bytes().skip(4).all(|b| b == b'0');
    if first4 == "9999" {
        value += 1;
    } else if !(first4 == "0000" || first4 == "0001" && tail_zero) {
        return Err(format!("'{s}' has more than two decimal places"));
    }
    Ok(if negative { -value } else { value })
}

/// An exponent's value, `None` when it is not a (signed) number of at most
/// three digits: no amount needs more, and a huge one would be a huge shift.
fn exponent_of(text: &str) -> Option<i32> {
    let digits = text.strip_prefix(['+', '-']).unwrap_or(text);
    if digits.is_empty() || digits.len() > 3 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// The digits `whole`.`frac` with the point moved `by` places to the right
/// (left when negative), as the digits before and after the new point.
fn shift_point(whole: &str, frac: &str, by: i32) -> (String, String) {
    let digits = format!("{whole}{frac}");
    let point = whole.len() as i64 + i64::from(by);
    if point <= 0 {
        let zeros = "0".repeat(point.unsigned_abs() as usize);
        (String::new(), format!("{zeros}{digits}"))
    } else if point as usize >= digits.len() {
        let zeros = "0".repeat(point as usize - digits.len());
        (format!("{digits}{zeros}"), String::new())
    } else {
        let (before, after) = digits.split_at(point as usize);
        (before.to_string(), after.to_string())
    }
}

/// Converts a double (a KSeF JSON number, a Parquet or spreadsheet
/// `Float64`) into grosze: its shortest decimal spelling, the one that
/// reads back as the same double, is read as any amount text is, so a
/// double is held to the same 0.000001 as text (`12.34` is stored as
/// `12.339999…`, and prints as `12.34`).
pub fn amount_from_f64(x: f64) -> Result<i64, String> {
    if !x.is_finite() || x.abs() > 1e15 {
        return Err(format!("{x} is not an amount"));
    }
    parse_amount_general(&x.to_string(), &Dialect::default())
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

/// A SHA-256 hash in its one canonical spelling, standard Base64 with
/// padding (44 characters, as KSeF's `invoiceHash` and the archive's own
/// hashes are written), from any of the spellings the contract accepts:
/// Base64, Base64URL (padded or not, as in a KOD I link) or hex, each of
/// exactly 32 bytes. The rules compare hashes as text; one spelling makes
/// that a comparison of the bytes.
pub fn parse_hash(raw: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    let s = raw.trim();
    // On the stack: this runs on every hash of a KSeF export, and nearly
    // every one is already canonical, so it is handed back as it came.
    let mut bytes = [0u8; 48];
    let length = if s.len() == 64 {
        hex_bytes(s, &mut bytes)
    } else {
        base64_bytes(s, &mut bytes)
    };
    let mut text = [0u8; 44];
    let canonical = match length {
        Some(32) => STANDARD
            .encode_slice(&bytes[..32], &mut text)
            .ok()
            .and_then(|n| std::str::from_utf8(&text[..n]).ok()),
        _ => None,
    };
    match canonical {
        Some(c) if c == s => Ok(s.into()),
        Some(c) => Ok(c.to_string().into()),
        None => Err(format!(
            "'{s}' is not a SHA-256 hash (expected 32 bytes as Base64, Base64URL or hex)"
        )),
    }
}

/// Hex digits (either case) as bytes into `out`; their number, or `None`.
fn hex_bytes(s: &str, out: &mut [u8]) -> Option<usize> {
    let digit = |c: u8| char::from(c).to_digit(16).map(|d| d as u8);
    let pairs = s.as_bytes().chunks(2);
    if !s.len().is_multiple_of(2) || pairs.len() > out.len() {
        return None;
    }
    for (slot, pair) in out.iter_mut().zip(pairs) {
        *slot = digit(pair[0])? << 4 | digit(pair[1])?;
    }
    Some(s.len() / 2)
}

/// Base64 in the standard or the URL-safe alphabet (not both), padded or
/// not, into `out`; trailing bits must be zero, so every hash has one
/// spelling. The number of bytes, or `None`.
fn base64_bytes(s: &str, out: &mut [u8]) -> Option<usize> {
    use base64::Engine;
    use base64::alphabet::{STANDARD, URL_SAFE};
    use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
    const CONFIG: GeneralPurposeConfig =
        GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    const PLAIN: GeneralPurpose = GeneralPurpose::new(&STANDARD, CONFIG);
    const URL: GeneralPurpose = GeneralPurpose::new(&URL_SAFE, CONFIG);
    let engine = if s.contains(['-', '_']) { &URL } else { &PLAIN };
    engine.decode_slice(s, out).ok()
}

/// A KSeF number as the engine keeps it: the 36-character spelling some
/// tools print, with a hyphen inside the technical part
/// (`NNNNNNNNNN-YYYYMMDD-XXXXXX-XXXXXX-CC`), is the same number as the
/// 35-character one and is read as it; anything else is kept as written
/// (a malformed number is a finding, INVALID_KSEF_NUMBER, not a rejection).
pub fn ksef_number(raw: &str) -> std::borrow::Cow<'_, str> {
    let b = raw.as_bytes();
    let hyphens = |at: &[usize]| at.iter().all(|&i| b[i] == b'-');
    if b.len() == 36 && hyphens(&[10, 19, 26, 33]) && b.iter().filter(|&&c| c == b'-').count() == 4
    {
        format!("{}{}", &raw[..26], &raw[27..]).into()
    } else {
        raw.into()
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
        assert!(parse_amount("e5", &iso()).is_err());
        assert!(parse_amount("1e", &iso()).is_err());
        assert!(parse_amount("1e1000", &iso()).is_err());
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

    /// Float noise within 0.000001 of a two-decimal amount (bounds
    /// included, decided in decimal) is that amount; more is a third
    /// decimal and rejected, in both dialects and from doubles.
    #[test]
    fn amounts_with_float_noise() {
        assert_eq!(parse_amount("683.0600000000001", &iso()), Ok(68306));
        assert_eq!(parse_amount("683.0599999999999", &iso()), Ok(68306));
        assert_eq!(parse_amount("-683.0599999999999", &iso()), Ok(-68306));
        assert_eq!(parse_amount("683.060001", &iso()), Ok(68306));
        assert_eq!(parse_amount("683.059999", &iso()), Ok(68306));
        assert!(parse_amount("683.0600011", &iso()).is_err());
        assert!(parse_amount("683.0599989", &iso()).is_err());
        assert!(parse_amount("683.061", &iso()).is_err());
        assert_eq!(parse_amount("0.999999", &iso()), Ok(100));
        assert_eq!(parse_amount("0.000001", &iso()), Ok(0));
        assert_eq!(parse_amount("1e5", &iso()), Ok(10_000_000));
        assert_eq!(parse_amount("6.8306E2", &iso()), Ok(68306));
        assert_eq!(parse_amount("6.830600000000001e+2", &iso()), Ok(68306));
        assert_eq!(parse_amount("68306e-2", &iso()), Ok(68306));
        assert!(parse_amount("68306e-3", &iso()).is_err());
        assert_eq!(parse_amount("5e-7", &iso()), Ok(0));
        assert_eq!(parse_amount("683,0600000000001", &polish()), Ok(68306));
        assert_eq!(parse_amount("1 683,0599999999", &polish()), Ok(168306));
        assert!(parse_amount("683,0601", &polish()).is_err());
        assert_eq!(amount_from_f64(683.0600000000001), Ok(68306));
        assert_eq!(
            amount_from_f64(1_234_567_890_123.45),
            Ok(123_456_789_012_345)
        );
        // A double's own noise is held to the same absolute 0.000001.
        assert!(amount_from_f64(1_000_000.001).is_err());
        assert!(amount_from_f64(f64::NAN).is_err());
    }

    /// The three spellings of one hash are one canonical Base64; anything
    /// not 32 bytes, or mixing the alphabets, is rejected.
    #[test]
    fn hashes_have_one_spelling() {
        let canonical = "+5EgfZ0bVjG6hW+xLfYkY3rR9J0k4Qm5JqzH8p0tR2A=";
        let mut bytes = [0u8; 48];
        assert_eq!(base64_bytes(canonical, &mut bytes), Some(32));
        let hex: String = bytes[..32].iter().map(|b| format!("{b:02x}")).collect();
        let url_no_pad = canonical
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_");
        for spelling in [
            canonical.to_string(),
            canonical.trim_end_matches('=').to_string(),
            format!("{url_no_pad}="),
            url_no_pad.clone(),
            hex.clone(),
            hex.to_uppercase(),
            format!("  {hex} "),
        ] {
            assert_eq!(
                parse_hash(&spelling).as_deref(),
                Ok(canonical),
                "{spelling}"
            );
        }
        let slash = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";
        assert_eq!(parse_hash(slash).as_deref(), Ok(slash));
        for bad in [
            "",
            "abc",
            &hex[..62],
            &format!("{hex}00"),
            "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=", // both alphabets
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa1=", // trailing bits
            "dW5nV3Y0OEJ6K3BCUVVEZVhhNGlJN0FEWWFPV0Yz",     // 30 bytes
            &"g".repeat(64),
        ] {
            assert!(parse_hash(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ksef_numbers_of_36_characters_are_read_as_35() {
        assert_eq!(
            ksef_number("5265877635-20230908-ABCDEF-123456-58"),
            "5265877635-20230908-ABCDEF123456-58"
        );
        for kept in [
            "5265877635-20230908-ABCDEF123456-58",
            "5265877635-20230908-ABCDE-F123456-58",
            "5265877635-20230908-ABCDEF-12345--58",
            "x",
        ] {
            assert_eq!(ksef_number(kept), kept);
        }
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
