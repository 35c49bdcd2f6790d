//! Parquet input for the two big sources, the ledger and KSeF metadata.
//!
//! A Parquet file is read with polars; its columns are matched to the
//! contract's like a CSV header (trimmed, case-insensitive, `recon.toml`
//! renames), and each value is turned into the text a CSV export would
//! hold and offered to the same [`TableBuilder`]. So typing, validation,
//! the reasons of rejected rows and the row counts are the CSV reader's,
//! written once in `table.rs` and the contract's codecs (`crate::contract`).
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

use chrono::format::{Item, StrftimeItems};
use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use chrono_tz::Europe::Warsaw;
use polars::prelude::*;
use polars_arrow::array::{PrimitiveArray, Utf8ViewArray};
use rayon::prelude::*;

use super::files::MAX_TABLE_BYTES;
use super::input::{Rejection, SourceInput};
use super::reader::{Counts, FileOutcome, Piece, Reading};
use super::table::{HeaderMap, Location, Parts, TableBuilder};
use crate::config::Dialect;
use crate::contract::{Field, Kind, Source, amount_from_f64, days_to_date, write_amount};

/// Rows handed to one parallel builder (a few in unit tests, so that a
/// small file's rows cross pieces and jobs).
const PIECE_ROWS: usize = if cfg!(test) { 64 } else { 1 << 16 };

/// Reads one Parquet file's rows (the same typed cells as any other
/// reader's). A file that cannot be read is one rejection and no rows.
pub(super) fn read_parquet(mut ctx: Reading<'_>) -> FileOutcome {
    let file_columns = match columns(ctx.input) {
        Ok(columns) => columns,
        Err(reason) => return ctx.fail(None, reason),
    };
    let pieces = read_rows(ctx.input, &file_columns);
    ctx.join(pieces);
    ctx.done()
}

/// Every row of the file offered to a builder, [`PIECE_ROWS`] at a time on
/// rayon's pool, as the pieces of a CSV file are: each job hands its rows
/// over in parts of their exact size (`Parts`), and the jobs' parts come
/// back in file order. A typed value becomes its text here, in the jobs,
/// in one buffer per column reused row after row.
fn read_rows(input: &SourceInput<'_>, file_columns: &[Option<FileColumn>]) -> Vec<Piece> {
    let height = file_columns
        .iter()
        .flatten()
        .map(FileColumn::len)
        .max()
        .unwrap_or(0);
    let rows = FileRows {
        input,
        sources: file_columns
            .iter()
            .map(|c| c.as_ref().map(FileColumn::cells))
            .collect(),
        dates: DateText::new(&input.config.dialect),
    };
    let starts: Vec<usize> = (0..height).step_by(PIECE_ROWS).collect();
    starts
        .par_iter()
        .fold(
            || {
                let written = vec![Written::default(); rows.sources.len()];
                (Parts::new(input.fields()), Vec::new(), written)
            },
            |(mut parts, mut job_rejected, mut written), &start| {
                let piece = parts.builder();
                for row in start..(start + PIECE_ROWS).min(height) {
                    if let Err(reason) = rows.push(row, piece, &mut written) {
                        job_rejected.push(rejection(input, Some(row as u64 + 1), reason));
                    }
                }
                parts.piece_done();
                (parts, job_rejected, written)
            },
        )
        .map(|(parts, job_rejected, _)| {
            let part = parts.finish();
            // Every row read was either used or rejected.
            let used = part.len() as u64;
            let rejected = job_rejected.len() as u64;
            let counts = Counts {
                read: used + rejected,
                used,
                rejected,
            };
            (part, job_rejected, counts)
        })
        .collect()
}

/// A file's columns, ready to be offered to a builder row by row.
struct FileRows<'a> {
    input: &'a SourceInput<'a>,
    /// Per contract field, the file's column (`None` where it has none).
    sources: Vec<Option<CellSource<'a>>>,
    dates: DateText<'a>,
}

impl FileRows<'_> {
    /// Offers row `row` (0-based; its `_line` is `row + 1`) to `piece`:
    /// each typed value written as its text into `written` (text is read
    /// in place), a constant from `recon.toml` where the file lacks the
    /// column.
    fn push(
        &self,
        row: usize,
        piece: &mut TableBuilder,
        written: &mut [Written],
    ) -> Result<(), String> {
        for (source, text) in self.sources.iter().zip(written.iter_mut()) {
            if let Some(source) = source {
                source.write(row, &self.dates, text);
            }
        }
        let cell = |f: usize| match &self.sources[f] {
            Some(CellSource::Text(array)) => array.get(row),
            Some(_) => written[f].get(),
            // The file lacks the column: a constant, if any.
            None => self.input.config.constants.get(f)?.as_deref(),
        };
        let at = Location {
            file: self.input.file,
            line: row as u64 + 1,
        };
        piece.push(cell, &self.input.config.dialect, &at)
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

/// One single-chunk column per contract field (`None` where the file has no
/// such column), or why the file cannot be read.
fn columns(input: &SourceInput<'_>) -> Result<Vec<Option<FileColumn>>, String> {
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
                .map(|p| file_column(&df.columns()[p], field))
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
    let map = HeaderMap::new(
        &names,
        input.fields(),
        &input.config.columns,
        &input.config.constants,
    )?;
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
    let map = HeaderMap::new(
        &projected,
        input.fields(),
        &input.config.columns,
        &input.config.constants,
    )?;
    Ok((df, map))
}

/// A contract field's column of a Parquet file, in one chunk: text, or a
/// type whose values [`CellSource::write`] turns into text row by row.
enum FileColumn {
    /// Text as it is, and integers, decimals and booleans as polars writes
    /// them (digits and words the CSV parsers read).
    Text(StringChunked),
    /// Days after 1970-01-01.
    Date(Int32Chunked),
    /// A timestamp, with its unit and whether it has a time zone, for a
    /// field of this kind.
    Timestamp(Int64Chunked, TimeUnit, bool, Kind),
    /// A double, for a field of this kind.
    Float(Float64Chunked, Kind),
}

impl FileColumn {
    fn len(&self) -> usize {
        match self {
            FileColumn::Text(c) => c.len(),
            FileColumn::Date(c) => c.len(),
            FileColumn::Timestamp(c, ..) => c.len(),
            FileColumn::Float(c, _) => c.len(),
        }
    }

    /// The column's one array, to read by row.
    fn cells(&self) -> CellSource<'_> {
        match self {
            FileColumn::Text(c) => CellSource::Text(c.downcast_as_array()),
            FileColumn::Date(c) => CellSource::Date(c.downcast_as_array()),
            FileColumn::Timestamp(c, unit, zoned, kind) => {
                CellSource::Timestamp(c.downcast_as_array(), *unit, *zoned, *kind)
            }
            FileColumn::Float(c, kind) => CellSource::Float(c.downcast_as_array(), *kind),
        }
    }
}

/// One column's array, read row by row while the rows are offered to the
/// builder (see [`FileColumn`]).
enum CellSource<'a> {
    Text(&'a Utf8ViewArray),
    Date(&'a PrimitiveArray<i32>),
    Timestamp(&'a PrimitiveArray<i64>, TimeUnit, bool, Kind),
    Float(&'a PrimitiveArray<f64>, Kind),
}

impl CellSource<'_> {
    /// Writes into `into` the text a CSV export would hold for the typed
    /// value at `row`. A text column is read in place and never written.
    fn write(&self, row: usize, dates: &DateText<'_>, into: &mut Written) {
        let out = &mut into.text;
        out.clear();
        into.present = match self {
            CellSource::Text(_) => false,
            CellSource::Date(array) => array
                .get(row)
                .map(|d| match day(d) {
                    Some(d) => dates.write(d, out),
                    None => push(out, format_args!("day {d} after 1970-01-01")),
                })
                .is_some(),
            CellSource::Timestamp(array, unit, zoned, kind) => array
                .get(row)
                .map(|v| match (warsaw_local(v, *unit, *zoned), kind) {
                    (Some(t), Kind::Date) => dates.write(t.date(), out),
                    (Some(t), _) => push(
                        out,
                        format_args!("{}", t.format_with_items(dates.timestamp.iter())),
                    ),
                    (None, _) => push(out, format_args!("{v} {unit} after 1970-01-01T00:00Z")),
                })
                .is_some(),
            CellSource::Float(array, kind) => {
                array.get(row).map(|x| write_float(x, *kind, out)).is_some()
            }
        };
    }
}

/// A typed value's text, in a buffer reused from row to row.
#[derive(Clone, Default)]
struct Written {
    present: bool,
    text: String,
}

impl Written {
    fn get(&self) -> Option<&str> {
        self.present.then_some(self.text.as_str())
    }
}

/// Appends formatted text (which cannot fail on a `String`).
fn push(out: &mut String, args: std::fmt::Arguments<'_>) {
    let _ = out.write_fmt(args);
}

/// A column as it is read: text kept, the types [`CellSource::write`]
/// writes row by row kept typed, any other type that can hold the field
/// cast to its text, and a type that cannot rejected naming the column.
fn file_column(column: &Column, field: &Field) -> Result<FileColumn, String> {
    let series = column.as_materialized_series().rechunk();
    let failed = |e: PolarsError| format!("column '{}': {e}", column.name());
    let typed = match series.dtype() {
        DataType::String => FileColumn::Text(series.str().map_err(failed)?.clone()),
        DataType::Null => FileColumn::Text(StringChunked::full_null(
            column.name().clone(),
            series.len(),
        )),
        DataType::Date => FileColumn::Date(series.date().map_err(failed)?.physical().clone()),
        DataType::Datetime(unit, zone) => FileColumn::Timestamp(
            series.datetime().map_err(failed)?.physical().clone(),
            *unit,
            zone.is_some(),
            field.kind,
        ),
        DataType::Float64 => FileColumn::Float(series.f64().map_err(failed)?.clone(), field.kind),
        DataType::Float32 if field.kind == Kind::Amount => {
            return Err(format!(
                "column '{}' ({}) is Float32, too imprecise for amounts; write it as Float64, a decimal or text",
                column.name(),
                field.name
            ));
        }
        dtype if dtype.is_primitive_numeric() || dtype.is_decimal() || dtype.is_bool() => {
            FileColumn::Text(
                series
                    .cast(&DataType::String)
                    .map_err(failed)?
                    .str()
                    .map_err(failed)?
                    .rechunk()
                    .into_owned(),
            )
        }
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
    Ok(typed)
}

/// The date `days` after 1970-01-01, if the calendar reaches it. (A
/// value beyond becomes text that the date parser rejects, never a null.)
fn day(days: i32) -> Option<NaiveDate> {
    let epoch = days_to_date(0);
    epoch.checked_add_signed(chrono::Duration::days(i64::from(days)))
}

/// How dates and local timestamps are written, each pattern parsed once
/// rather than for every value.
struct DateText<'a> {
    /// The source's `date_format`; `None` for ISO `YYYY-MM-DD`, and for a
    /// pattern chrono cannot use (reading the dates back then fails with
    /// the date parser's reason).
    pattern: Option<Vec<Item<'a>>>,
    /// ISO 8601 local time, with the fraction of a second only when there
    /// is one.
    timestamp: Vec<Item<'static>>,
}

impl<'a> DateText<'a> {
    fn new(dialect: &'a Dialect) -> Self {
        let pattern = dialect.date_format.as_deref().and_then(|fmt| {
            let items: Vec<Item<'a>> = StrftimeItems::new(fmt).collect();
            (!items.contains(&Item::Error)).then_some(items)
        });
        DateText {
            pattern,
            timestamp: StrftimeItems::new("%Y-%m-%dT%H:%M:%S%.f").collect(),
        }
    }

    /// A date in the source's `date_format`, which the date parser reads back.
    fn write(&self, d: NaiveDate, out: &mut String) {
        match &self.pattern {
            Some(items) => push(out, format_args!("{}", d.format_with_items(items.iter()))),
            // What `%Y-%m-%d` writes for years of four digits, without
            // interpreting the pattern.
            None if (0..=9999).contains(&d.year()) => push(
                out,
                format_args!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day()),
            ),
            None => push(out, format_args!("{}", d.format("%Y-%m-%d"))),
        }
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
fn write_float(x: f64, kind: Kind, out: &mut String) {
    match kind {
        Kind::Amount => match amount_from_f64(x) {
            Ok(cents) => write_amount(cents, out),
            Err(_) => push(out, format_args!("{x}")),
        },
        _ => push(out, format_args!("{x}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SourceConfig;
    use crate::ingest::read::read_file;

    /// The frame a file read by its format makes, without `_file` and
    /// `_line` (which name the file and its own row numbering).
    fn read_with(file: &str, bytes: &[u8]) -> (DataFrame, Vec<Option<u64>>) {
        let config = SourceConfig::default();
        let input = SourceInput {
            source: Source::KsefMetadata,
            file,
            bytes,
            config: &config,
        };
        let mut builder = TableBuilder::new(input.fields());
        let mut rejected = Vec::new();
        read_file(&input, &mut builder, &mut rejected);
        let frame = builder.finish().unwrap().drop_many(["_file", "_line"]);
        (frame, rejected.iter().map(|r| r.line).collect())
    }

    #[test]
    fn typed_values_read_as_their_text_would_across_pieces() {
        // Nulls and values of each type alternate in runs that cross the
        // pieces (64 rows in tests), so a job's reused buffers are checked.
        let rows = 200;
        // Whether row `i` is null in a column with a null every `every` rows.
        fn null_at(i: usize, every: usize) -> bool {
            i % every == every - 1
        }
        // Each row's value, null on every `every`-th row.
        fn with_nulls<T>(rows: usize, every: usize, value: impl Fn(usize) -> T) -> Vec<Option<T>> {
            (0..rows)
                .map(|i| (!null_at(i, every)).then(|| value(i)))
                .collect()
        }
        let day = |i: usize| 20_514 + (i % 40) as i32;
        let ms = |i: usize| 1_773_185_400_000 + i as i64 * 3_600_000;
        let gross = |i: usize| 100.0 + i as f64 / 4.0;
        let numbers: Vec<String> = (0..rows).map(|i| format!("FV/{i}")).collect();
        let columns = vec![
            Column::new(
                "ksef_number".into(),
                vec!["5265877635-20260302-0123456789AB-CD"; rows],
            ),
            Column::new("invoice_number".into(), numbers.clone()),
            Column::new("seller_nip".into(), vec!["5265877635"; rows]),
            Column::new("issue_date".into(), with_nulls(rows, 7, day))
                .cast(&DataType::Date)
                .unwrap(),
            Column::new("invoicing_date".into(), with_nulls(rows, 5, ms))
                .cast(&DataType::Datetime(
                    TimeUnit::Milliseconds,
                    Some(TimeZone::UTC),
                ))
                .unwrap(),
            Column::new("gross_amount".into(), with_nulls(rows, 3, gross)),
        ];
        let mut df = DataFrame::new(rows, columns).unwrap();
        let mut parquet = Vec::new();
        ParquetWriter::new(&mut parquet).finish(&mut df).unwrap();

        // The same rows as a CSV export, its timestamps as instants in UTC.
        let mut csv = String::from(
            "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,gross_amount\n",
        );
        for (i, number) in numbers.iter().enumerate() {
            // A CSV cell: empty where the Parquet value is null.
            let cell = |every: usize, text: String| {
                if null_at(i, every) {
                    String::new()
                } else {
                    text
                }
            };
            let date = cell(7, days_to_date(day(i)).to_string());
            let instant = DateTime::from_timestamp_millis(ms(i)).unwrap();
            let at = cell(5, instant.format("%Y-%m-%dT%H:%M:%SZ").to_string());
            let amount = cell(3, format!("{:.2}", gross(i)));
            csv.push_str(&format!(
                "5265877635-20260302-0123456789AB-CD,{number},5265877635,{date},{at},{amount}\n"
            ));
        }

        let (from_parquet, rejected) = read_with("ksef/metadata/a.parquet", &parquet);
        let (from_csv, csv_rejected) = read_with("ksef/metadata/a.csv", csv.as_bytes());
        // A required date or timestamp missing rejects the row in both;
        // the CSV's lines count its header.
        let csv_rows: Vec<Option<u64>> = csv_rejected.iter().map(|l| l.map(|l| l - 1)).collect();
        assert_eq!(rejected, csv_rows);
        let kept = (0..rows).filter(|&i| !null_at(i, 7) && !null_at(i, 5));
        assert_eq!(from_parquet.height(), kept.clone().count());
        assert!(
            from_parquet.equals_missing(&from_csv),
            "{from_parquet}\n{from_csv}"
        );
        let amounts = from_parquet.column("gross_amount").unwrap();
        assert_eq!(
            amounts.null_count(),
            kept.filter(|&i| null_at(i, 3)).count()
        );
        assert!(amounts.null_count() > 0 && !rejected.is_empty());
    }

    fn float_text(x: f64, kind: Kind) -> String {
        let mut out = String::from("kept ");
        write_float(x, kind, &mut out);
        out.strip_prefix("kept ").unwrap().to_string()
    }

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
        let text = |dialect: &Dialect| {
            let mut out = String::new();
            DateText::new(dialect).write(d, &mut out);
            out
        };
        assert_eq!(text(&Dialect::default()), "2026-03-02");
        let polish = Dialect {
            date_format: Some("%d.%m.%Y".into()),
            ..Dialect::default()
        };
        assert_eq!(text(&polish), "02.03.2026");
    }
}
