//! The tabular outputs read back from their Parquet files (an engine's
//! results, written in the schema `run --format parquet` writes): the exact
//! inverse of [`parquet_out::typed`](super::parquet_out::typed), so the CSV
//! written from a frame read here is byte for byte the CSV `run` writes.
//!
//! Each column must have the type its name calls for (docs/outputs.md,
//! "Parquet"); a file that is missing, unreadable or of another type is an
//! error naming the file and the column, never a guess: a date read as text
//! would be written as text and look right until it is sorted.

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate};
use polars::prelude::{
    Column, DataFrame, DataType, IntoColumn, ParquetReader, SerReader, StringChunked, TimeUnit,
};

use super::columns::{Kind, kind_of};
use crate::contract::{format_amount, write_amount};

/// The column `parquet_out` writes beside `deadline`.
const DEADLINE_KIND: &str = "deadline_kind";

/// Reads `dir/name`, checks every column's type, and gives its text frame.
pub fn read(dir: &Path, name: &str) -> Result<DataFrame> {
    let path = dir.join(name);
    let df = read_parts(&path)?;
    text(&df).with_context(|| format!("{} is not in the outputs' schema", path.display()))
}

/// A Parquet table as it is: `path` may be a file or, as Spark writes a
/// table, a folder of part files (`part-*.parquet`, read in name order and
/// joined; `_SUCCESS` and the `.crc` files beside them are not data).
pub fn read_parts(path: &Path) -> Result<DataFrame> {
    if !path.is_dir() {
        return read_file(path);
    }
    let mut parts: Vec<std::path::PathBuf> = std::fs::read_dir(path)
        .with_context(|| format!("cannot list the table folder {}", path.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    parts.sort();
    let Some((first, rest)) = parts.split_first() else {
        bail!("the table folder {} holds no Parquet file", path.display());
    };
    let mut df = read_file(first)?;
    for part in rest {
        df.vstack_mut(&read_file(part)?)
            .with_context(|| format!("{}: parts of other columns", path.display()))?;
    }
    Ok(df)
}

fn read_file(path: &Path) -> Result<DataFrame> {
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot open the Parquet file {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))
}

/// The text frame `typed` was made from: dates `YYYY-MM-DD`, `deadline`
/// with its kind's word where it is no date, Warsaw times `YYYY-MM-DD
/// HH:MM`, amounts with two decimals, `completeness_pct` as the rules' SQL
/// writes it (one decimal or more), flags `true`/`false`, counts as digits.
pub fn text(df: &DataFrame) -> Result<DataFrame> {
    let mut columns = Vec::with_capacity(df.width());
    for column in df.columns() {
        let name = column.name().as_str();
        if name == DEADLINE_KIND {
            continue;
        }
        let kind = kind_of(name);
        let wanted = dtype_of(kind);
        let column = &same_time_in_ms(column)?;
        if column.dtype() != &wanted {
            bail!(
                "column {name} is {}, not {} ({kind:?})",
                column.dtype(),
                wanted
            );
        }
        let texts: StringChunked = match kind {
            Kind::Date if name == "deadline" => deadline(column, df.column(DEADLINE_KIND).ok())?,
            Kind::Date => dates(column)?,
            Kind::DateTime => times(column)?,
            Kind::Amount => decimals(column, write_amount)?,
            Kind::Percent => decimals(column, percent)?,
            Kind::Integer => column.cast(&DataType::String)?.str()?.clone(),
            Kind::Flag => column.cast(&DataType::String)?.str()?.clone(),
            Kind::Severity | Kind::Text => column.str()?.clone(),
        };
        columns.push(texts.with_name(column.name().clone()).into_column());
    }
    Ok(DataFrame::new(df.height(), columns)?)
}

/// The Parquet type `parquet_out::typed` gives a column of `kind`.
fn dtype_of(kind: Kind) -> DataType {
    match kind {
        Kind::Date => DataType::Date,
        Kind::DateTime => DataType::Datetime(TimeUnit::Milliseconds, None),
        Kind::Amount => DataType::Decimal(18, 2),
        Kind::Percent => DataType::Decimal(6, 2),
        Kind::Integer => DataType::Int32,
        Kind::Flag => DataType::Boolean,
        Kind::Severity | Kind::Text => DataType::String,
    }
}

/// A Warsaw timestamp of another precision (Spark writes microseconds)
/// is the same wall-clock time: in milliseconds, as `typed` writes it. A
/// timestamp with a zone is not a Warsaw wall-clock time and stays as it
/// is, to be refused.
fn same_time_in_ms(column: &Column) -> Result<Column> {
    Ok(match column.dtype() {
        DataType::Datetime(unit, None) if *unit != TimeUnit::Milliseconds => {
            column.cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?
        }
        _ => column.clone(),
    })
}

fn day(days: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(1970, 1, 1)?.checked_add_signed(chrono::Duration::days(days.into()))
}

fn dates(column: &Column) -> Result<StringChunked> {
    let days = column.date()?.physical();
    Ok(days
        .iter()
        .map(|d| d.and_then(day).map(|d| d.format("%Y-%m-%d").to_string()))
        .collect())
}

/// `deadline`: its date where `deadline_kind` is `date`, else the kind's
/// word (`none`, `open`).
fn deadline(column: &Column, kinds: Option<&Column>) -> Result<StringChunked> {
    let Some(kinds) = kinds else {
        bail!("column deadline has no {DEADLINE_KIND} beside it");
    };
    let dates = dates(column)?;
    let kinds = kinds.str().context(DEADLINE_KIND)?;
    dates
        .iter()
        .zip(kinds.iter())
        .map(|(date, kind)| match (kind, date) {
            (None, _) => Ok(None),
            (Some("date"), Some(d)) => Ok(Some(d.to_string())),
            (Some(w @ ("none" | "open")), None) => Ok(Some(w.to_string())),
            (Some(k), d) => bail!("deadline {d:?} of kind {k:?}: neither a date nor none or open"),
        })
        .collect()
}

fn times(column: &Column) -> Result<StringChunked> {
    let ms = column.datetime()?.physical();
    Ok(ms
        .iter()
        .map(|t| {
            let t = DateTime::from_timestamp_millis(t?)?.naive_utc();
            Some(t.format("%Y-%m-%d %H:%M").to_string())
        })
        .collect())
}

/// A decimal column's values in hundredths, each written by `write`.
fn decimals(column: &Column, write: impl Fn(i64, &mut String)) -> Result<StringChunked> {
    let units = column.decimal()?.physical();
    units
        .iter()
        .map(|u| {
            let Some(u) = u else { return Ok(None) };
            let u = i64::try_from(u).with_context(|| format!("{u} hundredths out of range"))?;
            let mut out = String::new();
            write(u, &mut out);
            Ok(Some(out))
        })
        .collect()
}

/// `completeness_pct` as the SQL's rounded number is written as text: the
/// shortest decimal with at least one digit after the point (`100.0`,
/// `66.7`), as a float of at most two decimals prints.
fn percent(hundredths: i64, out: &mut String) {
    let two = format_amount(hundredths);
    out.push_str(two.strip_suffix('0').unwrap_or(&two));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::parquet_out::typed;

    fn frame(columns: Vec<(&str, Vec<Option<&str>>)>) -> DataFrame {
        let height = columns[0].1.len();
        let columns = columns
            .into_iter()
            .map(|(n, v)| Column::new(n.into(), v))
            .collect();
        DataFrame::new(height, columns).unwrap()
    }

    #[test]
    fn text_undoes_typed() {
        let df = frame(vec![
            (
                "deadline",
                vec![Some("2026-04-10"), Some("none"), Some("open"), None],
            ),
            (
                "issue_date",
                vec![Some("2026-03-01"), None, Some("1999-12-31"), None],
            ),
            (
                "started_at",
                vec![Some("2026-03-01 22:20"), None, None, None],
            ),
            (
                "gross_amount",
                vec![Some("-5.00"), Some("0.05"), Some("123456.78"), None],
            ),
            (
                "completeness_pct",
                vec![Some("100.0"), Some("66.7"), Some("0.0"), None],
            ),
            ("in_ksef", vec![Some("true"), Some("false"), None, None]),
            ("invoices", vec![Some("0"), Some("12"), None, Some("-1")]),
            ("detail", vec![Some("=x"), Some(""), None, Some("a,b")]),
        ]);
        let back = text(&typed(&df).unwrap()).unwrap();
        assert!(back.equals_missing(&df), "{back}\n{df}");
    }

    #[test]
    fn a_timestamp_in_microseconds_is_the_same_time() {
        let df = frame(vec![("approved_at", vec![Some("2026-03-01 22:40"), None])]);
        let typed = typed(&df).unwrap();
        let micro = typed
            .column("approved_at")
            .unwrap()
            .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
            .unwrap();
        let micro = DataFrame::new(2, vec![micro]).unwrap();
        assert!(text(&micro).unwrap().equals_missing(&df));
    }

    #[test]
    fn a_column_of_another_type_is_named() {
        let df = frame(vec![("issue_date", vec![Some("2026-03-01")])]);
        let err = text(&df).unwrap_err().to_string();
        assert!(err.contains("issue_date"), "{err}");
    }

    #[test]
    fn a_deadline_without_its_kind_is_refused() {
        let df = frame(vec![("deadline", vec![Some("2026-03-01")])]);
        let typed = typed(&df).unwrap().drop(DEADLINE_KIND).unwrap();
        assert!(text(&typed).is_err());
    }
}
