//! Parquet copies of the tabular outputs (`run --format parquet`), for
//! loading a run's results into a warehouse or a dataframe without
//! re-parsing CSV (docs/outputs.md).
//!
//! Each file holds the frame behind its CSV, in the same order, typed as a
//! warehouse expects (contract section 6, [`typed`]): dates `DATE`, Warsaw
//! timestamps `TIMESTAMP` (without a zone), amounts `DECIMAL(18,2)`, flags
//! `BOOLEAN`, counts `INTEGER` (32-bit), completeness `DECIMAL(6,2)`, the
//! rest text. `deadline`, a date or the words `none` and `open`, is a `DATE`
//! with `deadline_kind` (`date`, `none`, `open`) beside it. An empty CSV
//! cell is a null. A value that does not fit its type stops the run rather
//! than become a null. No formula guard: Parquet is read by programs, not
//! spreadsheets.
//!
//! Two runs on the same input give byte-identical files: one row group per
//! 512Ki rows of a single-chunk frame (so the layout does not depend on
//! how polars happened to chunk it), zstd at its default level, no statistics,
//! and nothing in the footer that depends on the time or the machine.

use std::collections::BTreeMap;

use anyhow::Result;
use polars::prelude::*;

use super::Frames;
use super::atomic::Staging;
use super::columns::{Kind, kind_of};

/// Which files the tabular outputs are written as (`run --format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Formats {
    pub csv: bool,
    pub parquet: bool,
}

impl Default for Formats {
    /// The contract's CSV files only.
    fn default() -> Self {
        Formats {
            csv: true,
            parquet: false,
        }
    }
}

/// Rows per row group; fixed so the file's layout depends on its rows only.
pub const ROW_GROUP_ROWS: usize = 512 * 1024;

/// The Parquet name of a CSV output: `exceptions.csv` → `exceptions.parquet`.
fn parquet_name(csv_name: &str) -> String {
    let stem = csv_name.strip_suffix(".csv").unwrap_or(csv_name);
    format!("{stem}.parquet")
}

/// Writes every tabular output of `frames` as Parquet into the staging
/// folder, beside (or instead of) its CSV; but for the files `skip` names
/// (by their CSV name), which a partitioned run wrote already.
pub fn write_all(frames: &Frames, staging: &Staging, skip: &dyn Fn(&str) -> bool) -> Result<()> {
    for (csv_name, df) in frames.csv_files() {
        if !skip(csv_name) {
            staging.write_with(&parquet_name(csv_name), |out| Ok(write(df, out)?))?;
        }
    }
    Ok(())
}

/// `run.json`'s `outputs` for the formats written: the CSV entries are
/// dropped when CSV is not written, and each Parquet file is listed with
/// its rows.
pub fn list_outputs(outputs: &mut BTreeMap<String, u64>, frames: &Frames, formats: Formats) {
    for (csv_name, df) in frames.csv_files() {
        // The CSV's count, which is the reconciliation's whole count where
        // a partitioned run keeps none of its rows in `frames`.
        let rows = outputs.get(csv_name).copied().unwrap_or(df.height() as u64);
        if !formats.csv {
            outputs.remove(csv_name);
        }
        if formats.parquet {
            outputs.insert(parquet_name(csv_name), rows);
        }
    }
}

/// One frame as a deterministic Parquet file, streamed into `out`.
pub fn write(df: &DataFrame, out: impl std::io::Write) -> PolarsResult<()> {
    let mut groups = RowGroups::new(out, &df.clear())?;
    groups.write(df)?;
    groups.finish()
}

/// A frame already typed (`export-tables`' tables) as a deterministic
/// Parquet file: the same writer, row groups and compression as the
/// outputs, so the same rows give the same bytes.
pub fn write_typed(df: &DataFrame, out: impl std::io::Write) -> PolarsResult<()> {
    let mut df = df.clone();
    df.rechunk_mut();
    let mut writer = writer(out).batched(df.schema())?;
    for start in (0..df.height()).step_by(ROW_GROUP_ROWS) {
        writer.write_batch(&df.slice(start as i64, ROW_GROUP_ROWS))?;
    }
    if df.height() == 0 {
        writer.write_batch(&df)?;
    }
    writer.finish()?;
    Ok(())
}

/// The Parquet writer every file here is written with.
fn writer<W: std::io::Write>(out: W) -> ParquetWriter<W> {
    ParquetWriter::new(out)
        .with_compression(ParquetCompression::Zstd(None))
        .with_statistics(StatisticsOptions::empty())
        .with_row_group_size(Some(ROW_GROUP_ROWS))
}

/// The column beside a date that may hold words (`deadline`).
const KIND_SUFFIX: &str = "_kind";

/// A text frame (as the CSVs are written from) with its columns typed (see
/// the module's doc).
pub fn typed(df: &DataFrame) -> PolarsResult<DataFrame> {
    let mut columns: Vec<Column> = Vec::with_capacity(df.width() + 1);
    for column in df.columns() {
        let name = column.name().as_str();
        let text = column.str()?;
        match kind_of(name) {
            Kind::Date if name == "deadline" => {
                let (dates, kinds) = dates_and_kinds(text)?;
                columns.push(dates);
                columns.push(kinds);
            }
            Kind::Date => columns.push(exact(column, parse_date(text))?),
            Kind::DateTime => columns.push(exact(column, parse_datetime(text))?),
            Kind::Amount => columns.push(exact(column, column.cast(&DataType::Decimal(18, 2)))?),
            Kind::Percent => columns.push(exact(column, column.cast(&DataType::Decimal(6, 2)))?),
            Kind::Integer => columns.push(exact(column, column.strict_cast(&DataType::Int32))?),
            Kind::Flag => columns.push(exact(column, flags(text))?),
            Kind::Severity | Kind::Text => columns.push(column.clone()),
        }
    }
    DataFrame::new(df.height(), columns)
}

/// `converted`, after checking that every value of `text` got one.
fn exact(text: &Column, converted: PolarsResult<Column>) -> PolarsResult<Column> {
    let converted = converted?.with_name(text.name().clone());
    if converted.null_count() != text.null_count() {
        let lost = text
            .str()?
            .iter()
            .zip(converted.as_materialized_series().iter())
            .find(|(t, c)| t.is_some() && c.is_null())
            .and_then(|(t, _)| t);
        return Err(PolarsError::ComputeError(
            format!(
                "output column {} holds {:?}, which is not a {:?}",
                text.name(),
                lost.unwrap_or(""),
                kind_of(text.name())
            )
            .into(),
        ));
    }
    Ok(converted)
}

fn parse_date(text: &StringChunked) -> PolarsResult<Column> {
    let days: Int32Chunked = text
        .iter()
        .map(|t| t.and_then(|t| crate::contract::date_days(t, None).ok()))
        .collect();
    days.into_series().cast(&DataType::Date).map(Column::from)
}

fn parse_datetime(text: &StringChunked) -> PolarsResult<Column> {
    let ms: Int64Chunked = text
        .iter()
        .map(|t| {
            let t = chrono::NaiveDateTime::parse_from_str(t?, "%Y-%m-%d %H:%M").ok()?;
            Some(t.and_utc().timestamp_millis())
        })
        .collect();
    ms.into_series()
        .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
        .map(Column::from)
}

fn flags(text: &StringChunked) -> PolarsResult<Column> {
    let flags: BooleanChunked = text
        .iter()
        .map(|t| match t {
            Some("true") => Some(true),
            Some("false") => Some(false),
            _ => None,
        })
        .collect();
    Ok(flags.into_series().into())
}

/// `deadline` as a date, and `deadline_kind`: `date`, or the word it holds.
fn dates_and_kinds(text: &StringChunked) -> PolarsResult<(Column, Column)> {
    let name = text.name().clone();
    let dates = parse_date(text)?.with_name(name.clone());
    let kinds: StringChunked = text
        .iter()
        .zip(dates.as_materialized_series().iter())
        .map(|(t, d)| match (t, d.is_null()) {
            (None, _) => Ok(None),
            (Some(_), false) => Ok(Some("date")),
            (Some(w @ ("none" | "open")), true) => Ok(Some(w)),
            (Some(other), true) => Err(PolarsError::ComputeError(
                format!("output column {name} holds {other:?}, neither a date, none nor open")
                    .into(),
            )),
        })
        .collect::<PolarsResult<_>>()?;
    let kinds = kinds
        .into_series()
        .with_name(format!("{name}{KIND_SUFFIX}").into());
    Ok((dates, kinds.into()))
}

/// A Parquet file written as rows come, in row groups of exactly
/// [`ROW_GROUP_ROWS`] rows (the last one shorter), so that a frame written
/// at once and the same rows written in pieces (a partitioned run's
/// reconciliation, `crate::partition`) give the same bytes.
pub struct RowGroups<W: std::io::Write> {
    writer: polars::io::parquet::write::BatchedWriter<W>,
    /// Rows not yet written: fewer than a row group.
    pending: DataFrame,
    written: usize,
}

impl<W: std::io::Write> RowGroups<W> {
    /// A file with the columns of `empty` (a text frame), typed.
    pub fn new(out: W, empty: &DataFrame) -> PolarsResult<RowGroups<W>> {
        let empty = typed(empty)?;
        let writer = writer(out).batched(empty.schema())?;
        Ok(RowGroups {
            writer,
            pending: empty.clone(),
            written: 0,
        })
    }

    /// Appends `rows` (a text frame), typed, writing every row group they
    /// complete.
    pub fn write(&mut self, rows: &DataFrame) -> PolarsResult<()> {
        self.pending.vstack_mut(&typed(rows)?)?;
        while self.pending.height() >= ROW_GROUP_ROWS {
            self.flush(ROW_GROUP_ROWS)?;
        }
        Ok(())
    }

    fn flush(&mut self, rows: usize) -> PolarsResult<()> {
        let mut group = self.pending.slice(0, rows);
        group.rechunk_mut();
        self.writer.write_batch(&group)?;
        self.pending = self.pending.slice(rows as i64, usize::MAX);
        self.written += rows;
        Ok(())
    }

    /// Writes the last rows (an empty file's one empty group) and the footer.
    pub fn finish(mut self) -> PolarsResult<()> {
        if self.pending.height() > 0 || self.written == 0 {
            self.flush(self.pending.height())?;
        }
        self.writer.finish()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to_bytes(df: &DataFrame) -> PolarsResult<Vec<u8>> {
        let mut out = Vec::new();
        write(df, &mut out)?;
        Ok(out)
    }

    #[test]
    fn same_frame_same_bytes_whatever_its_chunks() {
        let a = DataFrame::new(
            2,
            vec![
                Column::new("invoice_number".into(), ["FV/1", "FV/2"]),
                Column::new("gross_amount".into(), [Some("1.00"), None]),
            ],
        )
        .unwrap();
        let mut b = a.slice(0, 1);
        b.vstack_mut(&a.slice(1, 1)).unwrap();
        assert_eq!(to_bytes(&a).unwrap(), to_bytes(&b).unwrap());
        let back = ParquetReader::new(std::io::Cursor::new(to_bytes(&a).unwrap()))
            .finish()
            .unwrap();
        assert!(back.equals_missing(&a));
        assert_eq!(parquet_name("rejected.csv"), "rejected.parquet");
    }
}
