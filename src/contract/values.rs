//! The contract's coded values: currency codes, SHA-256 hashes, KSeF
//! numbers, ledger markers, offline modes, announcement categories,
//! access-log actions and whole numbers. Each parser takes the trimmed text
//! of one cell and returns the value as the engine keeps it, or a reason a
//! controller can act on.

use super::columns::ACTIONS;
use super::mode::{Category, Mode};

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
    let s = raw.trim();
    // This runs on every hash of a KSeF export, and nearly every one is
    // already canonical: that is told from its characters alone, and it
    // is handed back as it came.
    if is_canonical_base64(s) {
        return Ok(s.into());
    }
    by_decoding(s)
}

/// [`parse_hash`] of a trimmed spelling, decoded and written again.
fn by_decoding(s: &str) -> Result<std::borrow::Cow<'_, str>, String> {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
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

/// Whether `s` is 32 bytes in padded standard Base64 as its encoder writes
/// them: 43 characters of the alphabet and one `=`, the last character's
/// two bits past the 256th zero (any other value there decodes to the same
/// bytes only where trailing bits are allowed, which they are not here).
fn is_canonical_base64(s: &str) -> bool {
    let b = s.as_bytes();
    let sextet = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    b.len() == 44
        && b[43] == b'='
        && b[..42].iter().all(|&c| sextet(c).is_some())
        && sextet(b[42]).is_some_and(|v| v & 0b11 == 0)
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

/// A whole number of at most 18 digits, kept as its digits (a status
/// message's `version`).
pub fn parse_whole_number(raw: &str) -> Result<&str, String> {
    if raw.is_empty() || raw.len() > 18 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("'{raw}' is not a whole number"));
    }
    Ok(raw)
}

/// An exchange rate: a positive decimal with at most four decimals (NBP
/// publishes its mid rates so), as the digits of its ten-thousandths.
pub fn parse_rate(raw: &str) -> Result<String, String> {
    let bad = || format!("'{raw}' is not a rate (a positive number with at most four decimals)");
    let (whole, frac) = raw.split_once('.').unwrap_or((raw, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || whole.len() > 9 || frac.len() > 4 || !digits(whole) || !digits(frac) {
        return Err(bad());
    }
    let scaled = format!("{whole}{frac:0<4}");
    let trimmed = scaled.trim_start_matches('0');
    if trimmed.is_empty() {
        return Err(bad());
    }
    Ok(trimmed.to_string())
}

/// One of the four offline modes an offline-log row or decision names
/// (online is no such mode).
pub fn parse_offline_mode(raw: &str) -> Result<Mode, String> {
    match Mode::parse(raw) {
        Some(m) if m != Mode::Online => Ok(m),
        _ => Err(format!(
            "unknown mode '{raw}' (expected offline24, offline, emergency or total_failure)"
        )),
    }
}

/// One of the access log's actions, spelled as the contract spells it.
pub fn parse_action(raw: &str) -> Result<&'static str, String> {
    match ACTIONS.iter().find(|a| a.eq_ignore_ascii_case(raw)) {
        Some(action) => Ok(action),
        None => Err(format!(
            "unknown action '{raw}' (expected one of {})",
            ACTIONS.join(", ")
        )),
    }
}

/// An outage announcement's category.
pub fn parse_category(raw: &str) -> Result<Category, String> {
    Category::parse(raw).ok_or_else(|| {
        format!("unknown category '{raw}' (expected MAINTENANCE, FAILURE or TOTAL_FAILURE)")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

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

    proptest::proptest! {
        /// The canonical spelling told by its characters is the one decoding
        /// and writing again gives, whatever the characters.
        #[test]
        fn canonical_hashes_told_by_characters_are_those_decoding_gives(
            text in "[A-Za-z0-9+/]{40}[A-Za-z0-9+/_=-]{2,3}[=A-Z]?",
        ) {
            proptest::prop_assert_eq!(parse_hash(&text), by_decoding(&text));
        }

        #[test]
        fn every_hash_written_canonically_is_told_so(bytes in proptest::array::uniform32(0u8..)) {
            use base64::Engine;
            let text = base64::engine::general_purpose::STANDARD.encode(bytes);
            proptest::prop_assert!(is_canonical_base64(&text));
            proptest::prop_assert_eq!(by_decoding(&text), Ok(text.as_str().into()));
        }
    }
}

#[cfg(test)]
mod rate_tests {
    use super::parse_rate;

    #[test]
    fn rates_are_kept_in_ten_thousandths() {
        assert_eq!(parse_rate("4.2693").as_deref(), Ok("42693"));
        assert_eq!(parse_rate("4.3").as_deref(), Ok("43000"));
        assert_eq!(parse_rate("12").as_deref(), Ok("120000"));
        assert_eq!(parse_rate("0.0123").as_deref(), Ok("123"));
        for bad in [
            "", "0", "0.0000", "-4.2", "4.26931", "4,2693", "x", ".5", "1e3",
        ] {
            assert!(parse_rate(bad).is_err(), "{bad}");
        }
    }
}
