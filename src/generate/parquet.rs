//! `generate --parquet`: the ledger and KSeF metadata CSVs rewritten as
//! typed Parquet, so that large benchmarks can read Parquet input.
//!
//! Each column gets the natural Parquet type of its contract field: dates
//! `Date`, timestamps with an offset a UTC timestamp (an instant; `run`
//! converts it to Warsaw time again), timestamps without one a timestamp
//! without a zone, amounts `Decimal(18, 2)`, everything else text. A column
//! holding a value its type cannot (a malformed date, say) stays text, so
//! the conversion never loses or invents a value: `run` sees the same cells
//! it would have seen in the CSV.

use std::fs::{self, File};
use std::path::Path;

use anyhow::{Context, Result};
use chrono::{DateTime, NaiveDateTime};
use polars::prelude::*;

use crate::config::Dialect;
use crate::contract::date_to_days;
use crate::contract::{Kind, Source};

/// Rewrites the CSV at `csv` (UTF-8, comma, ISO dates) as Parquet at
/// `parquet`, typing the columns of `source` it knows; returns the rows.
pub fn csv_to_parquet(csv: &Path, parquet: &Path, source: Source) -> Result<usize> {
    let mut reader = csv::ReaderBuilder::new()
        .from_path(csv)
        .with_context(|| format!("cannot read {}", csv.display()))?;
    let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
    let mut cells: Vec<Vec<Option<String>>> = vec![Vec::new(); header.len()];
    for record in reader.records() {
        let record = record.with_context(|| format!("cannot read {}", csv.display()))?;
        for (i, column) in cells.iter_mut().enumerate() {
            let value = record.get(i).map(str::trim).filter(|v| !v.is_empty());
            column.push(value.map(str::to_string));
        }
    }
    let height = cells.first().map_or(0, Vec::len);
    let columns: Vec<Column> = header
        .iter()
        .zip(cells)
        .map(|(name, values)| {
            let kind = source
                .fields()
                .iter()
                .find(|f| f.name.eq_ignore_ascii_case(name.trim()))
                .map(|f| f.kind);
            typed(name, kind, values)
        })
        .collect::<PolarsResult<_>>()?;
    let mut df = DataFrame::new(height, columns)?;
    let file =
        File::create(parquet).with_context(|| format!("cannot create {}", parquet.display()))?;
    let written = ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .finish(&mut df);
    anyhow::Context::with_context(written, || format!("cannot write {}", parquet.display()))?;
    fs::remove_file(csv).with_context(|| format!("cannot remove {}", csv.display()))?;
    Ok(height)
}

/// One column in its field's Parquet type, or as text when a value does
/// not fit that type.
fn typed(name: &str, kind: Option<Kind>, values: Vec<Option<String>>) -> PolarsResult<Column> {
    let name = PlSmallStr::from_str(name);
    let iso = Dialect::default();
    match kind {
        Some(Kind::Date) => {
            if let Some(days) = all(&values, |v| iso.parse_date(v).ok().map(date_to_days)) {
                return Column::new(name, days).cast(&DataType::Date);
            }
        }
        Some(Kind::Timestamp) => {
            let instant = |v: &str| DateTime::parse_from_rfc3339(v).ok()?.timestamp_nanos_opt();
            if let Some(ns) = all(&values, instant) {
                let zone = Some(TimeZone::UTC);
                return Column::new(name, ns)
                    .cast(&DataType::Datetime(TimeUnit::Nanoseconds, zone));
            }
            let naive = |v: &str| {
                NaiveDateTime::parse_from_str(v, "%Y-%m-%dT%H:%M:%S%.f")
                    .ok()?
                    .and_utc()
                    .timestamp_nanos_opt()
            };
            if let Some(ns) = all(&values, naive) {
                return Column::new(name, ns)
                    .cast(&DataType::Datetime(TimeUnit::Nanoseconds, None));
            }
        }
        Some(Kind::Amount) => {
            let grosze = |v: &str| iso.parse_amount(v).ok().map(i128::from);
            if let Some(grosze) = all(&values, grosze) {
                let series = Int128Chunked::from_iter_options(name, grosze.into_iter())
                    .into_decimal(18, 2)?
                    .into_series();
                return Ok(series.into_column());
            }
        }
        _ => {}
    }
    Ok(Column::new(name, values))
}

/// Every non-empty value converted, or `None` if one does not convert.
fn all<T>(values: &[Option<String>], f: impl Fn(&str) -> Option<T>) -> Option<Vec<Option<T>>> {
    values
        .iter()
        .map(|v| match v {
            Some(v) => f(v).map(Some),
            None => Some(None),
        })
        .collect()
}
