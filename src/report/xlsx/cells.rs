//! Typed cells from the output frames. The frames are text (that is what the
//! CSVs are written from); here each contract column gets its real Excel type
//! back: dates become Excel dates, money a number with two decimals, counts
//! integers. A value that does not parse (a deadline of `none` or `open`)
//! stays text. Every text cell is written as it is with `write_string`: a
//! string cell, which no spreadsheet runs, so nothing needs the CSVs' `'`
//! prefix, and exact data (a hash starting with `+`) is never altered
//! (contract section 6).

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;
use rust_xlsxwriter::{ColNum, Color, ExcelDateTime, Format, FormatBorder, RowNum, Worksheet};

use crate::contract::Severity;
use crate::contract::parse_written;
use crate::lang::Lang;
pub use crate::report::columns::{Kind, kind_of};

/// Excel's limit on the characters of one cell.
const MAX_CELL_CHARS: usize = 32_767;

/// The formats every sheet shares.
pub struct Formats {
    pub header: Format,
    pub title: Format,
    pub bold: Format,
    pub text: Format,
    pub date: Format,
    pub datetime: Format,
    pub amount: Format,
    /// Amounts in złoty (the maximum penalty).
    pub pln: Format,
    pub integer: Format,
    pub percent: Format,
    pub high: Format,
    pub medium: Format,
    pub low: Format,
}

impl Formats {
    /// The formats in `lang`'s number and date notation.
    pub fn new(lang: Lang) -> Formats {
        let t = lang.texts();
        Formats {
            header: Format::new()
                .set_bold()
                .set_background_color(Color::RGB(0xD9E1F2))
                .set_border_bottom(FormatBorder::Thin),
            title: Format::new().set_bold().set_font_size(16),
            bold: Format::new().set_bold(),
            text: Format::new(),
            date: Format::new().set_num_format(t.fmt_date),
            datetime: Format::new().set_num_format(t.fmt_datetime),
            amount: Format::new().set_num_format(t.fmt_amount),
            pln: Format::new().set_num_format(t.fmt_pln),
            integer: Format::new().set_num_format("0"),
            percent: Format::new().set_num_format("0.0"),
            high: Format::new()
                .set_background_color(Color::RGB(0xF4CCCC))
                .set_font_color(Color::RGB(0x990000)),
            medium: Format::new()
                .set_background_color(Color::RGB(0xFCE5CD))
                .set_font_color(Color::RGB(0x7F4F00)),
            low: Format::new()
                .set_background_color(Color::RGB(0xFFF2CC))
                .set_font_color(Color::RGB(0x5F5F00)),
        }
    }

    fn severity(&self, value: &str) -> &Format {
        match Severity::parse(value) {
            Some(Severity::High) => &self.high,
            Some(Severity::Medium) => &self.medium,
            Some(Severity::Low) => &self.low,
            None => &self.text,
        }
    }
}

/// Writes text as a string cell, cut to Excel's cell limit.
pub fn text(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    value: &str,
    format: &Format,
) -> anyhow::Result<()> {
    ws.write_string_with_format(row, col, cell_text(value).as_ref(), format)?;
    Ok(())
}

/// [`text`] in the default format, written without one: rust_xlsxwriter
/// hashes the whole format of every cell written with one to find its
/// style, while the default format is the workbook's first style anyway,
/// so the file is the same.
fn plain_text(ws: &mut Worksheet, row: RowNum, col: ColNum, value: &str) -> anyhow::Result<()> {
    ws.write_string(row, col, cell_text(value).as_ref())?;
    Ok(())
}

/// `value` cut to Excel's cell limit (in characters; a value of fewer
/// bytes than that is never counted).
fn cell_text(value: &str) -> std::borrow::Cow<'_, str> {
    if value.len() > MAX_CELL_CHARS && value.chars().count() > MAX_CELL_CHARS {
        value
            .chars()
            .take(MAX_CELL_CHARS)
            .collect::<String>()
            .into()
    } else {
        value.into()
    }
}

fn excel_date(value: &str) -> Option<ExcelDateTime> {
    date_of(iso_date(value)?)
}

/// `value` as a date, as `NaiveDate::parse_from_str(value, "%Y-%m-%d")`
/// reads it, with the outputs' own shape (`2026-04-10`) read by hand:
/// chrono reads its format string anew for every cell, a few times the
/// cost of the date itself in a sheet of tens of thousands of rows.
fn iso_date(value: &str) -> Option<NaiveDate> {
    let b = value.as_bytes();
    let number = |digits: &[u8]| {
        digits.iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && let (Some(y), Some(m), Some(d)) = (number(&b[..4]), number(&b[5..7]), number(&b[8..]))
    {
        return NaiveDate::from_ymd_opt(y as i32, m, d);
    }
    NaiveDate::parse_from_str(value, "%Y-%m-%d").ok()
}

/// A calendar date as an Excel date (None outside Excel's years).
pub fn date_of(d: NaiveDate) -> Option<ExcelDateTime> {
    use chrono::Datelike;
    let year = u16::try_from(d.year()).ok()?;
    ExcelDateTime::from_ymd(year, d.month() as u8, d.day() as u8).ok()
}

fn excel_datetime(value: &str) -> Option<ExcelDateTime> {
    use chrono::Timelike;
    let t = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M").ok()?;
    date_of(t.date())?
        .and_hms(t.hour() as u16, t.minute() as u8, 0)
        .ok()
}

/// Writes one cell of a contract column, typed by its kind.
pub fn cell(
    ws: &mut Worksheet,
    row: RowNum,
    col: ColNum,
    kind: Kind,
    value: Option<&str>,
    f: &Formats,
) -> anyhow::Result<()> {
    let Some(value) = value.filter(|v| !v.is_empty()) else {
        return Ok(());
    };
    match kind {
        Kind::Date => {
            if let Some(d) = excel_date(value) {
                ws.write_datetime_with_format(row, col, d, &f.date)?;
                return Ok(());
            }
        }
        Kind::DateTime => {
            if let Some(d) = excel_datetime(value) {
                ws.write_datetime_with_format(row, col, d, &f.datetime)?;
                return Ok(());
            }
        }
        Kind::Amount => {
            if let Some(c) = parse_written(value) {
                ws.write_number_with_format(row, col, c as f64 / 100.0, &f.amount)?;
                return Ok(());
            }
        }
        Kind::Integer => {
            if let Ok(n) = value.parse::<i64>() {
                ws.write_number_with_format(row, col, n as f64, &f.integer)?;
                return Ok(());
            }
        }
        Kind::Percent => {
            if let Ok(n) = value.parse::<f64>() {
                ws.write_number_with_format(row, col, n, &f.percent)?;
                return Ok(());
            }
        }
        Kind::Severity => return text(ws, row, col, value, f.severity(value)),
        // `true`/`false` as the CSV writes them.
        Kind::Flag | Kind::Text => {}
    }
    plain_text(ws, row, col, value)
}

/// The frame's columns as text, with their kinds.
pub struct TextColumns<'a> {
    pub names: Vec<&'a str>,
    pub kinds: Vec<Kind>,
    pub columns: Vec<&'a StringChunked>,
}

impl<'a> TextColumns<'a> {
    pub fn of(df: &'a DataFrame) -> anyhow::Result<TextColumns<'a>> {
        let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
        let columns = df
            .columns()
            .iter()
            .map(|c| c.str())
            .collect::<PolarsResult<Vec<_>>>()
            .map_err(|e| anyhow::anyhow!("output columns must be text: {e}"))?;
        Ok(TextColumns {
            kinds: names.iter().map(|n| kind_of(n)).collect(),
            names,
            columns,
        })
    }

    /// Column widths in characters that fit the header and the first rows
    /// (a sample: a 10-million-row sheet is not scanned twice).
    pub fn widths(&self) -> Vec<f64> {
        const SAMPLE: usize = 2_000;
        self.names
            .iter()
            .zip(&self.columns)
            .zip(&self.kinds)
            .map(|((name, c), kind)| {
                let widest = c
                    .iter()
                    .take(SAMPLE)
                    .flatten()
                    .map(|v| v.chars().count())
                    .max()
                    .unwrap_or(0);
                let base = match kind {
                    Kind::Date => 10,
                    Kind::DateTime => 16,
                    _ => widest,
                };
                (base.max(name.len() + 2) + 1).min(60) as f64
            })
            .collect()
    }
}

/// Writes the header row in the header format.
pub fn header(ws: &mut Worksheet, row: RowNum, names: &[&str], f: &Formats) -> anyhow::Result<()> {
    for (c, name) in names.iter().enumerate() {
        text(ws, row, c as ColNum, name, &f.header)?;
    }
    Ok(())
}

pub fn set_widths(ws: &mut Worksheet, widths: &[f64]) -> anyhow::Result<()> {
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as ColNum, *w)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_by_hand_as_chrono_reads_them() {
        for value in [
            "2026-04-10",
            "2024-02-29",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "0000-01-01",
            "9999-12-31",
            "2026-4-10",
            "2026-04-1x",
            "+2026-04-10",
            "2026/04/10",
            " 2026-04-10",
            "open",
            "",
        ] {
            assert_eq!(
                iso_date(value),
                NaiveDate::parse_from_str(value, "%Y-%m-%d").ok(),
                "{value:?}"
            );
        }
    }
}
