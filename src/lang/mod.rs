//! The language of what people read: the dashboard, the workbook's sheet
//! names, headers and labels, `explain`'s page and the evidence pack's
//! README. One table of texts per language ([`EN`], [`PL`]), so that a
//! reader of either can check every phrase in one place, and no output
//! builds a sentence of its own.
//!
//! Only words change. Codes, statuses, file names, CSV and Parquet
//! columns and `run.json` are the contract's and stay the same in every
//! language; `en` (the default) writes exactly what the tool wrote before
//! it had a second language.
//!
//! Templates mark each value with `{}`, filled in order by [`fill`].

/// The language of the outputs people read (`language` in `recon.toml`,
/// `--lang` on the command line).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    En,
    Pl,
}

impl Lang {
    /// The values `language` and `--lang` accept.
    pub const NAMES: [&'static str; 2] = ["en", "pl"];

    pub fn parse(name: &str) -> Option<Lang> {
        match name {
            "en" => Some(Lang::En),
            "pl" => Some(Lang::Pl),
            _ => None,
        }
    }

    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::En => &EN,
            Lang::Pl => &PL,
        }
    }

    /// An ISO date (`2026-04-10`, or the date at the start of a timestamp)
    /// as the language writes it: unchanged in English, `10.04.2026` in
    /// Polish. Text that does not start with a date is returned as it is.
    pub fn date(self, text: &str) -> String {
        let b = text.as_bytes();
        let iso = b.len() >= 10
            && b[..10].iter().enumerate().all(|(i, c)| {
                if i == 4 || i == 7 {
                    *c == b'-'
                } else {
                    c.is_ascii_digit()
                }
            });
        match self {
            Lang::Pl if iso => {
                let rest = text[10..].replacen('T', " ", 1);
                format!("{}.{}.{}{rest}", &text[8..10], &text[5..7], &text[..4])
            }
            _ => text.to_string(),
        }
    }

    /// An amount in grosze with its thousands grouped: `1,234.56` in
    /// English, `1 234,56` (a no-break space) in Polish.
    pub fn amount(self, cents: i64) -> String {
        let en = crate::contract::grouped(cents);
        match self {
            Lang::En => en,
            Lang::Pl => en
                .chars()
                .map(|c| match c {
                    ',' => '\u{a0}',
                    '.' => ',',
                    c => c,
                })
                .collect(),
        }
    }

    /// An amount in złoty: `PLN 1,234.56`, `1 234,56 zł`.
    pub fn pln(self, cents: i64) -> String {
        fill(self.texts().pln, &[&self.amount(cents)])
    }
}

/// `template` with each `{}` replaced by the next of `values`.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    let mut values = values.iter();
    let mut rest = template;
    while let Some(at) = rest.find("{}") {
        out.push_str(&rest[..at]);
        out.push_str(values.next().copied().unwrap_or(""));
        rest = &rest[at + 2..];
    }
    out.push_str(rest);
    out
}

/// A word of the contract (a status, mode, severity or bucket) as the
/// language names it: `names` holds the contract's words, `labels` the
/// language's in the same order; a word not among them is shown as it is.
pub fn label<'a>(names: &[&str], labels: &[&'a str], word: &'a str) -> &'a str {
    names
        .iter()
        .position(|n| *n == word)
        .and_then(|i| labels.get(i).copied())
        .unwrap_or(word)
}

mod en;
mod pl;
mod texts;

pub use en::EN;
pub use pl::PL;
pub use texts::Texts;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_amounts_follow_the_language() {
        assert_eq!(Lang::Pl.date("2026-04-10"), "10.04.2026");
        assert_eq!(Lang::Pl.date("2026-03-05T10:00"), "05.03.2026 10:00");
        assert_eq!(Lang::Pl.date("still on"), "still on");
        assert_eq!(Lang::En.date("2026-04-10"), "2026-04-10");
        assert_eq!(Lang::Pl.amount(123_456_789), "1\u{a0}234\u{a0}567,89");
        assert_eq!(Lang::En.pln(150), "PLN 1.50");
        assert_eq!(Lang::Pl.pln(150), "1,50 zł");
        assert_eq!(fill("{} of {}", &["a", "b"]), "a of b");
        assert_eq!(Lang::parse("pl"), Some(Lang::Pl));
        assert_eq!(Lang::parse("de"), None);
    }

    #[test]
    fn english_column_headers_are_the_column_names() {
        assert_eq!(EN.column("invoice_number"), "invoice_number");
        assert_eq!(PL.column("invoice_number"), "numer faktury");
        assert_eq!(PL.column("unknown_column"), "unknown_column");
    }
}
