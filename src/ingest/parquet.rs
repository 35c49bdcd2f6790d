//! Parquet input for the two big sources, the ledger and KSeF metadata.
//!
//! A Parquet file is read with polars; its columns are matched to the
//! contract's like a CSV header (trimmed, case-insensitive, `recon.toml`
//! renames), and each value is turned into the text a CSV export would
//! hold and offered to the same [`TableBuilder`]. So typing, validation,
//! the reasons of rejected rows and the row counts are the CSV reader's,
//! written once in `table.rs` and `fields.rs`.
//!
//! What each Parquet type becomes (see `docs/inputs.md`):
//! - text as it is; integers, decimals and booleans as their digits/words;
//! - `Date` as a date in the source's `date_format` (ISO by default), so it
//!   reads back as the same day;
//! - a timestamp with a time zone is an instant, converted to Warsaw local
//!   time; one without a zone already is Warsaw local time;
//! - a `Float64` amount is rounded to grosze like a KSeF JSON double
//!   ([`amount_from_f64`]); one with more than two decimals is written out
//!   in full, so the amount parser rejects it with its usual reason.
//!
//! A column of a type that cannot hold its field (a list, a `Float32`
//! amount, binary) rejects the file naming the column. `_line` is the
//! 1-based row number within the file (Parquet has no header line).
//!
//! This module uses polars, unlike the other readers: it stays out of the
//! fuzz targets (`docs/fuzzing.md`).

use std::fmt::Write as _;
use std::io::Cursor;
use std::panic::{AssertUnwindSafe, catch_unwind};

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use chrono_tz::Europe::Warsaw;
use polars::prelude::*;
use rayon::prelude::*;

use super::fields::{Dialect, amount_from_f64, days_to_date, format_amount};
use super::files::MAX_TABLE_BYTES;
use super::read::{Counts, FileOutcome};
use super::schema::{Field, Kind, Source};
use super::table::{HeaderMap, Location, Parts, TableBuilder};
use super::{Rejection, SourceInput};

/// Rows handed to one parallel builder.
const PIECE_ROWS: usize = 1 << 16;

/// Whether `file` is a Parquet file (by its extension), for any source: the
/// sources that do not take Parquet get their rejection here.
pub fn is_parquet(file: &str) -> bool {
    file.rsplit_once('.')
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("parquet"))
}

/// Reads one Parquet file's rows into `builder` (the same typed cells as
/// any other reader's), appending rejected rows to `rejected`. A file that
/// cannot be read is one rejection and no rows.
pub fn read_file(
    input: &SourceInput<'_>,
    builder: &mut TableBuilder,
    rejected: &mut Vec<Rejection>,
) -> FileOutcome {
    let texts = match columns(input) {
        Ok(texts) => texts,
        Err(reason) => {
            rejected.push(rejection(input, None, reason.clone()));
            return FileOutcome {
                counts: Counts::default(),
                error: Some(reason),
            };
        }
    };
    let height = texts.iter().flatten().map(|c| c.len()).max().unwrap_or(0);
    let arrays: Vec<Option<&_>> = texts
        .iter()
        .map(|c| c.as_ref().map(|c| c.downcast_as_array()))
        .collect();
    let starts: Vec<usize> = (0..height).step_by(PIECE_ROWS).collect();
    // As for CSV pieces: the rows of each job of rayon's handed over in
    // parts of their exact size (`Parts`).
    let pieces: Vec<(TableBuilder, Vec<Rejection>)> = starts
        .par_iter()
        .fold(
            || (Parts::new(input.fields()), Vec::new()),
            |(mut parts, mut job_rejected), &start| {
                let piece = parts.builder();
                for row in start..(start + PIECE_ROWS).min(height) {
                    let at = Location {
                        file: input.file,
                        line: row as u64 + 1,
                    };
                    let cell = |f: usize| arrays[f].and_then(|a| a.get(row));
                    if let Err(reason) = piece.push(cell, &input.config.dialect, &at) {
                        job_rejected.push(rejection(input, Some(at.line), reason));
                    }
                }
                parts.piece_done();
                (parts, job_rejected)
            },
        )
        .map(|(parts, job_rejected)| (parts.finish(), job_rejected))
        .collect();
    let mut counts = Counts {
        read: height as u64,
        ..Counts::default()
    };
    for (part, part_rejected) in pieces {
        counts.used += part.len() as u64;
        counts.rejected += part_rejected.len() as u64;
        builder.append(part);
        rejected.extend(part_rejected);
    }
    FileOutcome {
        counts,
        error: None,
    }
}

fn rejection(input: &SourceInput<'_>, line: Option<u64>, reason: String) -> Rejection {
    Rejection {
        source: input.source.name(),
        file: input.file.to_string(),
        line,
        reason,
    }
}

/// One single-chunk text column per contract field (`None` where the file
/// has no such column), or why the file cannot be read.
fn columns(input: &SourceInput<'_>) -> Result<Vec<Option<StringChunked>>, String> {
    if !matches!(input.source, Source::Ledger | Source::KsefMetadata) {
        return Err(format!(
            "unsupported file type '.parquet' for {} (Parquet is read for the ledger and KSeF metadata only)",
            input.source.name()
        ));
    }
    // A malformed file can make the decoder panic rather than return an
    // error; either way it is one rejection, not the end of the run.
    let (df, map) = catch_unwind(AssertUnwindSafe(|| load(input)))
        .unwrap_or_else(|_| Err("not a readable Parquet file: the decoder failed".to_string()))?;
    input
        .fields()
        .iter()
        .enumerate()
        .map(|(i, field)| {
            map.position(i)
                .map(|p| as_text(&df.columns()[p], field, &input.config.dialect))
                .transpose()
        })
        .collect()
}

/// The file's columns that are contract fields, decoded, with the header
/// map over them. Columns are matched on the file's schema first, so an
/// unknown column of any type is never decoded. The declared uncompressed
/// size is held to the limit of a CSV file, so a small file cannot inflate
/// into all of memory.
fn load(input: &SourceInput<'_>) -> Result<(DataFrame, HeaderMap), String> {
    let unreadable = |e: PolarsError| format!("not a readable Parquet file: {e}");
    let mut reader = ParquetReader::new(Cursor::new(input.bytes));
    let metadata = reader.get_metadata().map_err(unreadable)?;
    let inflated: u64 = metadata
        .row_groups
        .iter()
        .map(|g| g.total_byte_size() as u64)
        .sum();
    if inflated > MAX_TABLE_BYTES {
        return Err(format!(
            "Parquet file holds {inflated} bytes uncompressed, over the limit of {MAX_TABLE_BYTES} bytes for this source; not read"
        ));
    }
    let names: Vec<String> = reader
        .schema()
        .map_err(unreadable)?
        .iter_names()
        .map(|n| n.to_string())
        .collect();
    let map = HeaderMap::new(&names, input.fields(), &input.config.columns)?;
    let mut projection: Vec<usize> = (0..input.fields().len())
        .filter_map(|i| map.position(i))
        .collect();
    projection.sort_unstable();
    let df = reader
        .with_projection(Some(projection.clone()))
        .finish()
        .map_err(unreadable)?;
    // The map's positions are the file's; the frame holds only the
    // projected columns, in file order.
    let projected: Vec<String> = projection.iter().map(|&p| names[p].clone()).collect();
    let map = HeaderMap::new(&projected, input.fields(), &input.config.columns)?;
    Ok((df, map))
}

/// A column as the text a CSV export would hold, in one chunk.
fn as_text(column: &Column, field: &Field, dialect: &Dialect) -> Result<StringChunked, String> {
    let series = column.as_materialized_series();
    let failed = |e: PolarsError| format!("column '{}': {e}", column.name());
    let text: StringChunked = match series.dtype() {
        DataType::String => series.str().map_err(failed)?.clone(),
        DataType::Null => StringChunked::full_null(column.name().clone(), series.len()),
        DataType::Date => series
            .date()
            .map_err(failed)?
            .physical()
            .iter()
            .map(|d| {
                d.map(|d| match day(d) {
                    Some(d) => date_text(d, dialect),
                    None => format!("day {d} after 1970-01-01"),
                })
            })
            .collect(),
        DataType::Datetime(unit, zone) => {
            let (unit, zoned) = (*unit, zone.is_some());
            series
                .datetime()
                .map_err(failed)?
                .physical()
                .iter()
                .map(|v| {
                    let v = v?;
                    Some(match (warsaw_local(v, unit, zoned), field.kind) {
                        (Some(t), Kind::Date) => date_text(t.date(), dialect),
                        (Some(t), _) => t.format("%Y-%m-%dT%H:%M:%S%.f").to_string(),
                        (None, _) => format!("{v} {unit} after 1970-01-01T00:00Z"),
                    })
                })
                .collect()
        }
        DataType::Float64 => series
            .f64()
            .map_err(failed)?
            .iter()
            .map(|x| x.map(|x| float_text(x, field.kind)))
            .collect(),
        DataType::Float32 if field.kind == Kind::Amount => {
            return Err(format!(
                "column '{}' ({}) is Float32, too imprecise for amounts; write it as Float64, a decimal or text",
                column.name(),
                field.name
            ));
        }
        dtype if dtype.is_primitive_numeric() || dtype.is_decimal() || dtype.is_bool() => series
            .cast(&DataType::String)
            .map_err(failed)?
            .str()
            .map_err(failed)?
            .clone(),
        dtype => {
            return Err(format!(
                "column '{}' ({}) has type {dtype}, which cannot hold it; expected text{}",
                column.name(),
                field.name,
                match field.kind {
                    Kind::Date => ", a Date",
                    Kind::Timestamp => ", a timestamp",
                    Kind::Amount => ", a decimal, Float64 or integer",
                    _ => "",
                }
            ));
        }
    };
    Ok(text.rechunk().into_owned())
}

/// The date `days` after 1970-01-01, if the calendar reaches it. (A
/// value beyond becomes text that the date parser rejects, never a null.)
fn day(days: i32) -> Option<NaiveDate> {
    let epoch = days_to_date(0);
    epoch.checked_add_signed(chrono::Duration::days(i64::from(days)))
}

/// A date in the source's `date_format`, which the date parser reads back.
fn date_text(d: NaiveDate, dialect: &Dialect) -> String {
    let mut s = String::new();
    match &dialect.date_format {
        Some(fmt) if write!(s, "{}", d.format(fmt)).is_ok() => s,
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

/// A Parquet timestamp as Warsaw wall-clock time: one with a zone is an
/// instant (converted), one without already is Warsaw time. `None` past
/// the calendar's range.
fn warsaw_local(value: i64, unit: TimeUnit, zoned: bool) -> Option<NaiveDateTime> {
    let utc = match unit {
        TimeUnit::Milliseconds => DateTime::from_timestamp_millis(value)?,
        TimeUnit::Microseconds => DateTime::from_timestamp_micros(value)?,
        TimeUnit::Nanoseconds => DateTime::from_timestamp_nanos(value),
    };
    Some(if zoned {
        utc.with_timezone(&Warsaw).naive_local()
    } else {
        utc.naive_utc()
    })
}

/// A double as text: an amount rounded to grosze when it has at most two
/// decimals (binary noise aside), else written in full for the amount
/// parser to reject; anything else as Rust prints it.
fn float_text(x: f64, kind: Kind) -> String {
    match kind {
        Kind::Amount => amount_from_f64(x).map_or_else(|_| x.to_string(), format_amount),
        _ => x.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_become_grosze_or_are_left_for_the_parser_to_reject() {
        assert_eq!(float_text(0.1 + 0.2, Kind::Amount), "0.30");
        assert_eq!(float_text(-12.5, Kind::Amount), "-12.50");
        assert_eq!(float_text(1.234, Kind::Amount), "1.234");
        assert_eq!(float_text(f64::NAN, Kind::Amount), "NaN");
        assert_eq!(float_text(5265877635.0, Kind::Text), "5265877635");
    }

    #[test]
    fn zoned_timestamps_are_converted_naive_ones_kept() {
        // 2026-03-10T23:30Z is 00:30 on 11 March in Warsaw (UTC+1).
        let ms = 1_773_185_400_000;
        let zoned = warsaw_local(ms, TimeUnit::Milliseconds, true).unwrap();
        assert_eq!(zoned.to_string(), "2026-03-11 00:30:00");
        let naive = warsaw_local(ms * 1000, TimeUnit::Microseconds, false).unwrap();
        assert_eq!(naive.to_string(), "2026-03-10 23:30:00");
    }

    #[test]
    fn dates_follow_the_sources_date_format() {
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(date_text(d, &Dialect::default()), "2026-03-02");
        let polish = Dialect {
            date_format: Some("%d.%m.%Y".into()),
            ..Dialect::default()
        };
        assert_eq!(date_text(d, &polish), "02.03.2026");
    }
}
