//! The XML documents of the bundle: FA(3) invoices in `archive/`, UPO v4-3
//! receipts in `ksef/upo/` and JPK_V7M/K(3) sales registers in `ledger/`.
//!
//! Every parser reads untrusted bytes through the hardened reader in [`xml`]
//! (no DOCTYPE, no entity expansion, depth and size limits, UTF-8 only) and
//! turns them into plain typed records with the contract's vocabulary;
//! [`hash`] computes the invoice hash and the KOD I link that KSeF uses.
//!
//! The typed values all three share (amounts in grosze, dates) are parsed
//! here, by [`parse_amount`] and [`parse_date`].
//!
//! This layer deliberately does no I/O and no reconciliation: callers read the
//! files, hand over the bytes, and decide what a [`DocError`] means (a
//! rejected file, with its line, in `rejected.csv`).

pub mod fa3;
pub mod hash;
pub mod jpk;
pub mod upo;
pub mod xml;

use std::fmt;

use chrono::NaiveDate;

/// Why a document could not be read, and where.
///
/// `line` is 1-based and points at the construct that failed; it is `None`
/// only when the whole file is rejected before parsing (e.g. it is too
/// large), because then there is no honest line to name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocError {
    pub line: Option<u64>,
    pub reason: String,
    /// The rows (e.g. a JPK's `SprzedazWiersz`) seen in a file refused as a
    /// whole, when it could still be read through: counted in `run.json`.
    pub rows: u64,
}

impl DocError {
    /// An error at a known line.
    pub fn at(line: u64, reason: impl Into<String>) -> Self {
        Self {
            line: Some(line),
            reason: reason.into(),
            rows: 0,
        }
    }

    /// An error about the file as a whole.
    pub fn whole_file(reason: impl Into<String>) -> Self {
        Self {
            line: None,
            reason: reason.into(),
            rows: 0,
        }
    }
}

impl fmt::Display for DocError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.reason),
            None => f.write_str(&self.reason),
        }
    }
}

impl std::error::Error for DocError {}

/// An XSD decimal amount with at most 2 significant decimals, in hundredths
/// (grosze). `field` names the element in the reason.
pub fn parse_amount(text: &str, field: &str) -> Result<i64, String> {
    // The shape nearly every amount has (digits, at most two decimals), read
    // without allocating: a large register has millions of them. A sign `+`
    // and a bare `.` are refused below, so they are not taken here.
    if !text.starts_with('+')
        && !text.ends_with('.')
        && let Some(cents) = crate::contract::fast::amount(text, false)
    {
        return Ok(cents);
    }
    general_amount(text, field)
}

/// [`parse_amount`] for any text: the reasons of a refusal are said here.
fn general_amount(text: &str, field: &str) -> Result<i64, String> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (whole, fraction) = digits.split_once('.').unwrap_or((digits, ""));
    let well_formed = !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
        && (!fraction.is_empty() || !digits.ends_with('.'));
    if !well_formed {
        return Err(format!("{field}: \"{text}\" is not a decimal amount"));
    }
    if fraction.bytes().skip(2).any(|b| b != b'0') {
        return Err(format!(
            "{field}: \"{text}\" has more than 2 decimal places"
        ));
    }
    let cents: String = fraction.chars().chain("00".chars()).take(2).collect();
    let magnitude = format!("{whole}{cents}")
        .parse::<i64>()
        .map_err(|_| format!("{field}: \"{text}\" is too large"))?;
    Ok(if negative { -magnitude } else { magnitude })
}

/// An XSD date `YYYY-MM-DD`.
pub fn parse_date(text: &str, field: &str) -> Result<NaiveDate, String> {
    // A strict `YYYY-MM-DD`, read without chrono's format parser.
    if let Some(days) = crate::contract::fast::date_days(text)
        && let Some(date) = crate::contract::checked_days_to_date(days)
    {
        return Ok(date);
    }
    general_date(text, field)
}

/// [`parse_date`] for any text: the reasons of a refusal are said here.
fn general_date(text: &str, field: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let shaped = text.len() == 10 && text.as_bytes().get(4) == Some(&b'-');
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| shaped)
        .ok_or_else(|| format!("{field}: \"{text}\" is not a date YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_line_when_known() {
        assert_eq!(DocError::at(7, "bad").to_string(), "line 7: bad");
        assert_eq!(DocError::whole_file("too big").to_string(), "too big");
    }

    #[test]
    fn amounts_are_exact_hundredths() {
        assert_eq!(parse_amount("2051", "P_15"), Ok(205_100));
        assert_eq!(parse_amount(" -162.6 ", "P_15"), Ok(-16_260));
        assert_eq!(parse_amount("0.01", "P_15"), Ok(1));
        assert_eq!(parse_amount("1.2300", "P_15"), Ok(123));
        for bad in [
            "",
            "1.",
            ".5",
            "1,5",
            "1e3",
            "--1",
            "1.234",
            "99999999999999999999",
        ] {
            let err = parse_amount(bad, "P_15").err().unwrap_or_default();
            assert!(err.starts_with("P_15: "), "{bad}: {err}");
        }
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(
            parse_date("2026-02-15", "P_1"),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 15).unwrap_or_default())
        );
        for bad in ["2026-2-15", "2026-02-30", "15.02.2026", "+2026-02-15"] {
            assert!(parse_date(bad, "P_1").is_err(), "{bad}");
        }
    }

    proptest::proptest! {
        #[test]
        fn amounts_round_trip(grosze in -(10i64.pow(17))..10i64.pow(17)) {
            let sign = if grosze < 0 { "-" } else { "" };
            let (whole, cents) = (grosze.abs() / 100, grosze.abs() % 100);
            let text = format!("{sign}{whole}.{cents:02}");
            proptest::prop_assert_eq!(parse_amount(&text, "K_19"), Ok(grosze));
        }

        /// The fast paths take only what the general parsers take, to the
        /// same value.
        #[test]
        fn fast_amounts_and_dates_are_the_general_parsers(text in "[ +\\-]?[0-9]{0,17}[.,]?[0-9]{0,4}[ ]?") {
            proptest::prop_assert_eq!(parse_amount(&text, "K_19"), general_amount(&text, "K_19"));
        }

        #[test]
        fn fast_dates_are_the_general_parsers(text in "[ +]?(20[0-9]{2}|[0-9]{1,5})-[01]?[0-9]-[0-3]?[0-9][ ]?") {
            proptest::prop_assert_eq!(parse_date(&text, "P_1"), general_date(&text, "P_1"));
        }

        #[test]
        fn parsers_never_panic_on_arbitrary_bytes(bytes in proptest::collection::vec(proptest::arbitrary::any::<u8>(), 0..512)) {
            let _ = fa3::parse_fa3(&bytes);
            let _ = upo::parse_upo(&bytes);
            let _ = jpk::parse_jpk(&bytes);
        }

        #[test]
        fn parsers_never_panic_on_mangled_xml(cut in 0usize..400, junk in "[<>&;/=\"a-zA-Z!\\[\\]]{0,12}") {
            let xml = format!("<Faktura xmlns=\"{}\"><Fa><P_2>1</P_2></Fa></Faktura>", fa3::FA3_NAMESPACE);
            let at = cut.min(xml.len());
            let mangled = format!("{}{junk}{}", &xml[..at], &xml[at..]);
            let _ = fa3::parse_fa3(mangled.as_bytes());
            let _ = jpk::parse_jpk(mangled.as_bytes());
        }
    }
}
