//! Money as the contract writes it and the engine keeps it: integer grosze
//! (hundredths), so that a 0.01 tolerance is an exact integer comparison.
//! An amount that does not fit is an error, never rounded; written back,
//! it is a plain decimal with two places.

use super::fast;

/// Parses an amount into grosze. Accepts an optional sign, digits, and at
/// most two decimals; with a decimal comma (`decimal = ","` in
/// `recon.toml`), spaces and non-breaking spaces group thousands. More than two decimals is an error unless the extra
/// digits are zeros: an amount is never rounded silently.
pub fn parse_amount(raw: &str, decimal_comma: bool) -> Result<i64, String> {
    match fast::amount(fast::trim_cell(raw), decimal_comma) {
        Some(cents) => Ok(cents),
        None => parse_amount_general(raw, decimal_comma),
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
pub fn parse_amount_general(raw: &str, decimal_comma: bool) -> Result<i64, String> {
    let s = raw.trim();
    let bad = || format!("'{s}' is not an amount");
    let text: String = if decimal_comma {
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
    parse_amount_general(&x.to_string(), false)
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

/// `-1234.50`, an amount as the outputs write it, in grosze.
pub fn parse_written(text: &str) -> Option<i64> {
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, text),
    };
    let (whole, frac) = digits.split_once('.').unwrap_or((digits, "0"));
    let frac = format!("{frac:0<2}");
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = frac.get(..2)?.parse().ok()?;
    Some(sign * (whole * 100 + frac))
}

/// `1234567` grosze as `12,345.67`: an amount as the dashboard and the
/// workbook's labels show it.
pub fn grouped(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let abs = cents.unsigned_abs();
    let whole = (abs / 100).to_string();
    let mut grouped = String::new();
    for (i, ch) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    format!("{sign}{grouped}.{:02}", abs % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_amounts_read_back_and_show_grouped() {
        assert_eq!(parse_written("1845.00"), Some(184_500));
        assert_eq!(parse_written("-12.5"), Some(-1_250));
        assert_eq!(parse_written("7"), Some(700));
        assert_eq!(parse_written("x"), None);
        assert_eq!(grouped(123_456_789), "1,234,567.89");
        assert_eq!(grouped(-5), "-0.05");
        assert_eq!(grouped(100_000), "1,000.00");
    }

    #[test]
    fn amounts() {
        assert_eq!(parse_amount("1234.56", false), Ok(123456));
        assert_eq!(parse_amount("-0.5", false), Ok(-50));
        assert_eq!(parse_amount("12", false), Ok(1200));
        assert_eq!(parse_amount("12.300", false), Ok(1230));
        assert!(parse_amount("12.345", false).is_err());
        assert!(parse_amount("1,234.56", false).is_err());
        assert!(parse_amount("", false).is_err());
        assert!(parse_amount("-", false).is_err());
        assert!(parse_amount("e5", false).is_err());
        assert!(parse_amount("1e", false).is_err());
        assert!(parse_amount("1e1000", false).is_err());
        assert_eq!(parse_amount("1 234,56", true), Ok(123456));
        assert_eq!(parse_amount("1\u{a0}234,56", true), Ok(123456));
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
        assert_eq!(parse_amount("683.0600000000001", false), Ok(68306));
        assert_eq!(parse_amount("683.0599999999999", false), Ok(68306));
        assert_eq!(parse_amount("-683.0599999999999", false), Ok(-68306));
        assert_eq!(parse_amount("683.060001", false), Ok(68306));
        assert_eq!(parse_amount("683.059999", false), Ok(68306));
        assert!(parse_amount("683.0600011", false).is_err());
        assert!(parse_amount("683.0599989", false).is_err());
        assert!(parse_amount("683.061", false).is_err());
        assert_eq!(parse_amount("0.999999", false), Ok(100));
        assert_eq!(parse_amount("0.000001", false), Ok(0));
        assert_eq!(parse_amount("1e5", false), Ok(10_000_000));
        assert_eq!(parse_amount("6.8306E2", false), Ok(68306));
        assert_eq!(parse_amount("6.830600000000001e+2", false), Ok(68306));
        assert_eq!(parse_amount("68306e-2", false), Ok(68306));
        assert!(parse_amount("68306e-3", false).is_err());
        assert_eq!(parse_amount("5e-7", false), Ok(0));
        assert_eq!(parse_amount("683,0600000000001", true), Ok(68306));
        assert_eq!(parse_amount("1 683,0599999999", true), Ok(168306));
        assert!(parse_amount("683,0601", true).is_err());
        assert_eq!(amount_from_f64(683.0600000000001), Ok(68306));
        assert_eq!(
            amount_from_f64(1_234_567_890_123.45),
            Ok(123_456_789_012_345)
        );
        // A double's own noise is held to the same absolute 0.000001.
        assert!(amount_from_f64(1_000_000.001).is_err());
        assert!(amount_from_f64(f64::NAN).is_err());
    }
}
