//! `recon.toml` (contract section 7): our seller NIPs, the amount tolerance,
//! and per source the CSV dialect and column names of real ERP exports.
//!
//! Unknown keys and bad values are errors that name the file and line; the
//! command line maps them to exit status 2. Nothing past this module sees the
//! raw TOML.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveDateTime};
use encoding_rs::Encoding;
use serde::Deserialize;
use toml::Spanned;

use crate::contract::{self, Kind, Source};
use crate::lang::Lang;

/// A configuration the run cannot use; exit status 2.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ConfigError {
    pub file: String,
    pub message: String,
}

/// How the cells of one source are written (contract section 7): the
/// decimal separator of its amounts and the pattern of its dates. The
/// contract's parsers (`crate::contract`) read a cell in the dialect they
/// are given; these methods hand them this one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dialect {
    /// `true` when amounts use a decimal comma (`1 234,56`).
    pub decimal_comma: bool,
    /// A strftime pattern for dates; `None` means ISO `YYYY-MM-DD`.
    pub date_format: Option<String>,
}

impl Dialect {
    /// A date cell (see [`contract::parse_date`]).
    pub fn parse_date(&self, raw: &str) -> Result<NaiveDate, String> {
        contract::parse_date(raw, self.date_format.as_deref())
    }

    /// A date cell as days since 1970-01-01 (see [`contract::date_days`]).
    pub fn date_days(&self, raw: &str) -> Result<i32, String> {
        contract::date_days(raw, self.date_format.as_deref())
    }

    /// A timestamp cell as Warsaw local milliseconds (see
    /// [`contract::timestamp_ms`]).
    pub fn timestamp_ms(&self, raw: &str) -> Result<i64, String> {
        contract::timestamp_ms(raw, self.date_format.as_deref())
    }

    /// An amount cell in grosze (see [`contract::parse_amount`]).
    pub fn parse_amount(&self, raw: &str) -> Result<i64, String> {
        contract::parse_amount(raw, self.decimal_comma)
    }

    /// Whether `raw`, a trimmed non-empty cell, is a value of `kind` in
    /// this dialect; the reason if not. How a field that is not kept is
    /// still checked (`ingest::table`), and how `recon.toml`'s constants
    /// are (`constants` below), so both refuse what a kept cell would.
    pub fn check_cell(&self, kind: Kind, raw: &str) -> Result<(), String> {
        match kind {
            Kind::Text | Kind::KsefNumber => Ok(()),
            Kind::Date => self.date_days(raw).map(drop),
            Kind::Timestamp => self.timestamp_ms(raw).map(drop),
            Kind::Amount => self.parse_amount(raw).map(drop),
            Kind::Currency => contract::parse_currency(raw).map(drop),
            Kind::Hash => contract::parse_hash(raw).map(drop),
            Kind::Marker => contract::parse_marker(raw).map(drop),
            Kind::Integer => contract::parse_whole_number(raw).map(drop),
            Kind::Mode => contract::parse_offline_mode(raw).map(drop),
            Kind::Category => contract::parse_category(raw).map(drop),
            Kind::Action => contract::parse_action(raw).map(drop),
            Kind::Rate => contract::parse_rate(raw).map(drop),
        }
    }
}

/// How one source's files are written.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    pub delimiter: u8,
    pub encoding: &'static Encoding,
    pub dialect: Dialect,
    /// Contract column name → the file's own header.
    pub columns: HashMap<String, String>,
    /// Per field of the source (in its schema's order), the one value every
    /// row of a file that lacks the column gets (`[sources.X.constants]`).
    pub constants: Vec<Option<String>>,
}

impl Default for SourceConfig {
    fn default() -> Self {
        SourceConfig {
            delimiter: b',',
            encoding: encoding_rs::UTF_8,
            dialect: Dialect::default(),
            columns: HashMap::new(),
            constants: Vec::new(),
        }
    }
}

/// The resolved configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {
    /// Where it was read from, if anywhere.
    pub path: Option<PathBuf>,
    /// The file's text as read, for a batch export to record
    /// (`tables::batches`) without reading the file again.
    pub text: Option<String>,
    /// Our NIPs; NOT_IN_LEDGER looks only at these when non-empty.
    pub sellers: Vec<String>,
    /// Amount tolerance in grosze (contract default 0.01).
    pub amount_tolerance: i64,
    /// The day the sellers' KSeF duty began (`ksef_from`); an invoice with
    /// no offline-log row issued before it never required KSeF.
    pub ksef_from: NaiveDate,
    /// `[ksef_from_by_seller]`: the same per NIP, where it differs.
    pub ksef_from_by_seller: BTreeMap<String, NaiveDate>,
    /// When the user's KSeF extract was taken (`ksef_extract_through`,
    /// Warsaw local time): the extract proves absence up to then.
    pub ksef_extract_through: Option<NaiveDateTime>,
    /// The language of what people read (`language`, `en` or `pl`).
    pub language: Lang,
    sources: HashMap<&'static str, SourceConfig>,
}

/// The day production KSeF 2.0 began, the default `ksef_from`.
pub fn default_ksef_from() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or_default()
}

impl Config {
    pub fn defaults() -> Config {
        Config {
            amount_tolerance: 1,
            ksef_from: default_ksef_from(),
            ..Config::default()
        }
    }

    pub fn source(&self, source: Source) -> SourceConfig {
        self.sources.get(source.name()).cloned().unwrap_or_default()
    }

    /// `--config FILE` if given, else `recon.toml` at the bundle's root, else
    /// the defaults.
    pub fn load(explicit: Option<&Path>, bundle: &Path) -> Result<Config, ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => {
                let p = bundle.join("recon.toml");
                // The bundle's own file must be in the bundle: a link could
                // point anywhere. `--config` is the operator's choice.
                if p.is_symlink() {
                    return Err(ConfigError {
                        file: p.display().to_string(),
                        message: "is a symbolic link; links are not followed (put the file itself in the bundle or pass --config)".into(),
                    });
                }
                if !p.is_file() {
                    return Ok(Config::defaults());
                }
                p
            }
        };
        let file = path.display().to_string();
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
            file: file.clone(),
            message: format!("cannot read: {e}"),
        })?;
        let mut config = parse(&text).map_err(|message| ConfigError { file, message })?;
        config.path = Some(path);
        config.text = Some(text);
        Ok(config)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    sellers: Option<Vec<Spanned<String>>>,
    amount_tolerance: Option<Spanned<f64>>,
    ksef_from: Option<Spanned<String>>,
    #[serde(default)]
    ksef_from_by_seller: BTreeMap<Spanned<String>, Spanned<String>>,
    ksef_extract_through: Option<Spanned<String>>,
    language: Option<Spanned<String>>,
    #[serde(default)]
    sources: BTreeMap<Spanned<String>, RawSource>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    delimiter: Option<Spanned<String>>,
    decimal: Option<Spanned<String>>,
    encoding: Option<Spanned<String>>,
    date_format: Option<Spanned<String>>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, String>,
    #[serde(default)]
    constants: BTreeMap<Spanned<String>, Spanned<String>>,
}

/// Parses the text of a `recon.toml`; errors start with `line N:`.
pub fn parse(text: &str) -> Result<Config, String> {
    let raw: RawConfig = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| line_of(text, s.start))
            .map_or(String::new(), |l| format!("line {l}: "));
        format!("{line}{}", e.message())
    })?;
    let at = |span: std::ops::Range<usize>, msg: String| {
        format!("line {}: {msg}", line_of(text, span.start))
    };
    let mut config = Config::defaults();
    for nip in raw.sellers.unwrap_or_default() {
        config.sellers.push(nip_value(&nip, &at)?);
    }
    if let Some(day) = raw.ksef_from {
        config.ksef_from = date_value(&day, "ksef_from", &at)?;
    }
    for (nip, day) in raw.ksef_from_by_seller {
        let nip = nip_value(&nip, &at)?;
        let day = date_value(&day, "ksef_from_by_seller", &at)?;
        config.ksef_from_by_seller.insert(nip, day);
    }
    if let Some(through) = raw.ksef_extract_through {
        let value = crate::documents::upo::parse_timestamp(through.get_ref()).map_err(|e| {
            at(
                through.span(),
                format!("ksef_extract_through is not an ISO 8601 timestamp: {e}"),
            )
        })?;
        config.ksef_extract_through = Some(value);
    }
    if let Some(tol) = raw.amount_tolerance {
        let cents = contract::amount_from_f64(*tol.get_ref())
            .ok()
            .filter(|&c| c >= 0)
            .ok_or_else(|| {
                at(
                    tol.span(),
                    "amount_tolerance must be a non-negative amount with at most two decimals"
                        .into(),
                )
            })?;
        config.amount_tolerance = cents;
    }
    if let Some(language) = raw.language {
        config.language = Lang::parse(language.get_ref()).ok_or_else(|| {
            at(
                language.span(),
                format!(
                    "language must be one of {} (found '{}')",
                    Lang::NAMES.join(", "),
                    language.get_ref()
                ),
            )
        })?;
    }
    for (name, section) in raw.sources {
        let known = Source::ALL
            .iter()
            .find(|s| s.name() == name.get_ref().as_str());
        let Some(known) = known else {
            return Err(at(
                name.span(),
                format!("unknown source '{}'", name.get_ref()),
            ));
        };
        let key = known.name();
        let source = source_config(section, *known, &at)?;
        config.sources.insert(key, source);
    }
    Ok(config)
}

/// A configured NIP: ten digits, trimmed.
fn nip_value(
    nip: &Spanned<String>,
    at: &dyn Fn(std::ops::Range<usize>, String) -> String,
) -> Result<String, String> {
    let value = nip.get_ref().trim().to_string();
    if value.len() != 10 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(at(
            nip.span(),
            format!("seller '{value}' is not a 10-digit NIP"),
        ));
    }
    Ok(value)
}

fn date_value(
    day: &Spanned<String>,
    key: &str,
    at: &dyn Fn(std::ops::Range<usize>, String) -> String,
) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(day.get_ref().trim(), "%Y-%m-%d").map_err(|_| {
        at(
            day.span(),
            format!("{key} '{}' is not a date YYYY-MM-DD", day.get_ref()),
        )
    })
}

fn source_config(
    raw: RawSource,
    source: Source,
    at: &dyn Fn(std::ops::Range<usize>, String) -> String,
) -> Result<SourceConfig, String> {
    let mut out = SourceConfig::default();
    if let Some(d) = raw.delimiter {
        let value = d.get_ref();
        out.delimiter = match value.as_bytes() {
            [b] if b.is_ascii() && *b != b'"' && *b != b'\n' => *b,
            _ if value == "\\t" => b'\t',
            _ => {
                return Err(at(
                    d.span(),
                    format!("delimiter '{value}' must be one ASCII character"),
                ));
            }
        };
    }
    if let Some(d) = raw.decimal {
        out.dialect.decimal_comma = match d.get_ref().as_str() {
            "." => false,
            "," => true,
            other => {
                return Err(at(
                    d.span(),
                    format!("decimal '{other}' must be \".\" or \",\""),
                ));
            }
        };
    }
    if let Some(e) = raw.encoding {
        out.encoding = Encoding::for_label(e.get_ref().trim().as_bytes())
            .ok_or_else(|| at(e.span(), format!("unknown encoding '{}'", e.get_ref())))?;
    }
    if let Some(f) = raw.date_format {
        let round_trips = probe_date_format(f.get_ref())
            .as_deref()
            .is_some_and(|p| chrono::NaiveDate::parse_from_str(p, f.get_ref()).is_ok());
        if !round_trips {
            return Err(at(
                f.span(),
                format!(
                    "date_format '{}' is not a usable strftime date pattern",
                    f.get_ref()
                ),
            ));
        }
        out.dialect.date_format = Some(f.get_ref().clone());
    }
    for (name, header) in raw.columns {
        if !source
            .fields()
            .iter()
            .any(|f| f.name == name.get_ref().as_str())
        {
            return Err(at(
                name.span(),
                format!("'{}' is not a column of {}", name.get_ref(), source.name()),
            ));
        }
        out.columns.insert(name.get_ref().clone(), header);
    }
    out.constants = constants(raw.constants, source, &out.dialect, at)?;
    Ok(out)
}

/// `[sources.X.constants]` by field: each name a column of the source,
/// each value valid as that column's kind in the source's dialect (a
/// `seller_nip` ten digits, as in `sellers`), so that a bad constant stops
/// the run here rather than rejecting every row of a file.
fn constants(
    raw: BTreeMap<Spanned<String>, Spanned<String>>,
    source: Source,
    dialect: &Dialect,
    at: &dyn Fn(std::ops::Range<usize>, String) -> String,
) -> Result<Vec<Option<String>>, String> {
    let fields = source.fields();
    let mut out = vec![None; if raw.is_empty() { 0 } else { fields.len() }];
    for (name, value) in raw {
        let Some(i) = fields
            .iter()
            .position(|f| f.name == name.get_ref().as_str())
        else {
            return Err(at(
                name.span(),
                format!("'{}' is not a column of {}", name.get_ref(), source.name()),
            ));
        };
        let text = value.get_ref().trim();
        let bad = |why: String| {
            at(
                value.span(),
                format!(
                    "constant {} = '{text}' is not usable: {why}",
                    name.get_ref()
                ),
            )
        };
        if text.is_empty() {
            return Err(bad("it is empty".into()));
        }
        if fields[i].name.ends_with("_nip")
            && (text.len() != 10 || !text.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad("not a 10-digit NIP".into()));
        }
        dialect.check_cell(fields[i].kind, text).map_err(bad)?;
        out[i] = Some(text.to_string());
    }
    Ok(out)
}

/// A known date written with `pattern`, if chrono can write it. chrono
/// reports a bad pattern (`%7`) only as a formatting error, which
/// `to_string` turns into a panic: write it fallibly instead (found by the
/// `csv_ingest` fuzz target).
fn probe_date_format(pattern: &str) -> Option<String> {
    use std::fmt::Write;
    let date = chrono::NaiveDate::from_ymd_opt(2026, 3, 10)?;
    let mut text = String::new();
    write!(text, "{}", date.format(pattern)).ok()?;
    Some(text)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_example_parses() {
        let c = parse(
            r#"
sellers = ["5265877635"]
amount_tolerance = 0.01

[sources.ledger]
delimiter = ";"
decimal = ","
encoding = "windows-1250"
date_format = "%d.%m.%Y"
[sources.ledger.columns]
invoice_number = "Numer faktury"
issue_date = "Data wystawienia"
"#,
        )
        .unwrap();
        assert_eq!(c.sellers, vec!["5265877635"]);
        assert_eq!(c.amount_tolerance, 1);
        let l = c.source(Source::Ledger);
        assert_eq!(l.delimiter, b';');
        assert!(l.dialect.decimal_comma);
        assert_eq!(l.encoding, encoding_rs::WINDOWS_1250);
        assert_eq!(l.columns["invoice_number"], "Numer faktury");
        assert_eq!(c.source(Source::OfflineLog).delimiter, b',');
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("sellers = [\"5265877635\"]\nunknown = 1\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse("[sources.ledger]\ndecimal = \";\"\n").unwrap_err();
        assert!(e.starts_with("line 2:"), "{e}");
        let e = parse("[sources.ledgr]\n").unwrap_err();
        assert!(e.contains("unknown source"), "{e}");
        let e = parse("[sources.ledger.columns]\ninvoice_no = \"x\"\n").unwrap_err();
        assert!(
            e.starts_with("line 2:") && e.contains("not a column"),
            "{e}"
        );
        let e = parse("amount_tolerance = -1\n").unwrap_err();
        assert!(e.starts_with("line 1:"), "{e}");
        assert!(parse("[sources.ledger]\nencoding = \"klingon\"\n").is_err());
    }

    #[test]
    fn constants_are_columns_of_the_source_with_values_of_their_kind() {
        let c = parse(
            "[sources.ledger]\ndate_format = \"%d.%m.%Y\"\n[sources.ledger.constants]\n\
             seller_nip = \"5265877635\"\nissue_date = \"02.03.2026\"\ncurrency = \"pln\"\n",
        )
        .unwrap();
        let ledger = c.source(Source::Ledger);
        let at = |name: &str| {
            let i = Source::Ledger.fields().iter().position(|f| f.name == name);
            ledger.constants[i.unwrap()].as_deref()
        };
        assert_eq!(at("seller_nip"), Some("5265877635"));
        assert_eq!(at("issue_date"), Some("02.03.2026"));
        assert_eq!(at("currency"), Some("pln"));
        assert_eq!(at("invoice_number"), None);
        assert!(c.source(Source::OfflineLog).constants.is_empty());
        for (body, why) in [
            ("seller_nip = \"52658\"", "10-digit NIP"),
            ("issue_date = \"2026-13-01\"", "not a valid date"),
            ("gross_amount = \"12.345\"", "more than two decimal"),
            ("currency = \"zloty\"", "currency code"),
            ("ksef_marker = \"XX\"", "KSeF marker"),
            ("seller = \"x\"", "not a column of ledger"),
            ("buyer_id = \" \"", "empty"),
        ] {
            let e = parse(&format!("[sources.ledger.constants]\n\n{body}\n")).unwrap_err();
            assert!(e.starts_with("line 3:") && e.contains(why), "{body}: {e}");
        }
        let e = parse("[sources.offline_log.constants]\ninvoice_hash = \"abc\"\n").unwrap_err();
        assert!(e.contains("SHA-256"), "{e}");
    }

    #[test]
    fn language_is_en_or_pl_and_a_bad_one_names_its_line() {
        assert_eq!(parse("").unwrap().language, Lang::En);
        assert_eq!(parse("language = \"pl\"\n").unwrap().language, Lang::Pl);
        let e = parse("sellers = []\nlanguage = \"de\"\n").unwrap_err();
        assert!(e.starts_with("line 2:") && e.contains("en, pl"), "{e}");
    }

    #[test]
    fn a_malformed_date_format_is_an_error_not_a_panic() {
        // Fuzz crashes: chrono cannot write these, and used to panic.
        for pattern in [
            "%7.%m.%Y",
            "99999999999999999999999999999999999%d.%m.%]Y",
            "%",
        ] {
            let e = parse(&format!("[sources.ledger]\ndate_format = \"{pattern}\"\n")).unwrap_err();
            assert!(e.starts_with("line 2:") && e.contains("strftime"), "{e}");
        }
    }
}
