//! The records of a CSV text offered to the builder: the header read once
//! ([`CsvHeader`]), then every record, by the `csv` crate's reader or, for
//! a text without quotes, split where it lies ([`plain_rows`]). The whole
//! file (`csv/mod.rs`) and each of its pieces (`pieces.rs`) are read here,
//! so they count, reject and number lines alike.

use crate::config::SourceConfig;
use crate::ingest::input::SourceInput;
use crate::ingest::reader::Reading;
use crate::ingest::table::HeaderMap;

/// A CSV reader with the source's delimiter; the header is read as a row.
pub(super) fn csv_reader<'t>(text: &'t [u8], config: &SourceConfig) -> csv::Reader<&'t [u8]> {
    csv::ReaderBuilder::new()
        .delimiter(config.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text)
}

/// A CSV file's header: where each field is and how many columns a row has.
pub(super) struct CsvHeader {
    map: HeaderMap,
    width: usize,
}

impl CsvHeader {
    /// Reads the first record as the header; an error comes with the line
    /// to report.
    pub(super) fn read(
        reader: &mut csv::Reader<&[u8]>,
        input: &SourceInput<'_>,
    ) -> Result<CsvHeader, (Option<u64>, String)> {
        let mut record = csv::StringRecord::new();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return Err((None, "empty file: no header row".to_string())),
            Err(e) => return Err((Some(1), format!("unreadable header: {e}"))),
        }
        let header: Vec<String> = record.iter().map(str::to_string).collect();
        let map = HeaderMap::new(
            &header,
            input.fields(),
            &input.config.columns,
            &input.config.constants,
        )
        .map_err(|e| (Some(1), e))?;
        Ok(CsvHeader {
            map,
            width: header.len(),
        })
    }
}

/// Offers every record of `body` to the builder; `first_line` is the line
/// its first byte is on, so that line numbers are those of the whole file
/// when `body` is a piece of it. A body without quotes goes to
/// [`plain_rows`] when `plain` allows.
pub(super) fn csv_rows(
    ctx: &mut Reading<'_>,
    body: &[u8],
    first_line: u64,
    header: &CsvHeader,
    plain: bool,
) {
    if plain && let Some(text) = plain_text(body, ctx.input.config.delimiter) {
        return plain_rows(ctx, text, first_line, header);
    }
    let mut reader = csv_reader(body, ctx.input.config);
    let width = header.width;
    let mut lines = LineCounter::new(body, first_line);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| lines.at(p.byte()));
                if record.len() != width {
                    ctx.counts.read += 1;
                    ctx.reject(Some(line), wrong_width(record.len(), width));
                    continue;
                }
                let r = &record;
                ctx.row(line, |i| header.map.position(i).and_then(|p| r.get(p)));
            }
            Err(e) => {
                let line = e.position().map(|p| lines.at(p.byte()));
                ctx.counts.read += 1;
                ctx.reject(line, format!("unreadable CSV row: {e}"));
            }
        }
    }
}

/// The 1-based line of the byte at `offset` of `text`.
pub(super) fn line_at(text: &[u8], offset: usize) -> u64 {
    1 + memchr::memchr_iter(b'\n', &text[..offset]).count() as u64
}

/// Why a record of `fields` fields was rejected from a `width`-column file.
fn wrong_width(fields: usize, width: usize) -> String {
    format!("row has {fields} fields but the header has {width}")
}

/// `body` as text when the `csv` crate would read it as plain lines: no
/// quote character, no `\r` but before a `\n`, and an ASCII delimiter
/// other than those. Most exports are like this; their records are then
/// split where they lie, with no copy into a record buffer ([`plain_rows`]).
fn plain_text(body: &[u8], delimiter: u8) -> Option<&str> {
    let usable = delimiter.is_ascii() && !matches!(delimiter, b'"' | b'\r' | b'\n');
    let lone_cr = || memchr::memchr_iter(b'\r', body).any(|i| body.get(i + 1) != Some(&b'\n'));
    if !usable || memchr::memchr(b'"', body).is_some() || lone_cr() {
        return None;
    }
    std::str::from_utf8(body).ok()
}

/// The records of a text [`plain_text`] accepted, as the `csv` crate reads
/// them: one per line (a `\r` before the `\n` is not part of it), blank
/// lines skipped, fields split at every delimiter. The records, their line
/// numbers and the rejections are the reader's; the tests compare both.
fn plain_rows(ctx: &mut Reading<'_>, text: &str, first_line: u64, header: &CsvHeader) {
    let delimiter = ctx.input.config.delimiter;
    let width = header.width;
    let mut fields: Vec<&str> = Vec::with_capacity(width);
    let ends = memchr::memchr_iter(b'\n', text.as_bytes()).chain([text.len()]);
    let mut start = 0;
    for (line, end) in (first_line..).zip(ends) {
        let raw = &text[start..end];
        start = end + 1;
        let record = raw.strip_suffix('\r').unwrap_or(raw);
        if record.is_empty() {
            continue;
        }
        fields.clear();
        let mut from = 0;
        for at in memchr::memchr_iter(delimiter, record.as_bytes()) {
            fields.push(&record[from..at]);
            from = at + 1;
        }
        fields.push(&record[from..]);
        if fields.len() != width {
            ctx.counts.read += 1;
            ctx.reject(Some(line), wrong_width(fields.len(), width));
            continue;
        }
        let f = &fields;
        ctx.row(line, |i| {
            header.map.position(i).and_then(|p| f.get(p).copied())
        });
    }
}

/// The 1-based line where a CSV record starts, counting `\n`. The csv
/// crate ends a CRLF record at its `\r` and starts the next one at the
/// `\n`, so its own line count (and a raw offset) falls one line short
/// after every CRLF record: a Windows export named its line 5 as 4. It
/// also gives a record that follows blank lines the offset where they
/// begin. No record starts with a line break, so the line breaks at an
/// offset are stepped over first. Offsets only grow, so the text is
/// scanned once.
struct LineCounter<'t> {
    text: &'t [u8],
    first_line: u64,
    offset: usize,
    line: u64,
}

impl<'t> LineCounter<'t> {
    /// Counts lines in `text`, whose first byte is on line `first_line`.
    fn new(text: &'t [u8], first_line: u64) -> Self {
        Self {
            text,
            first_line,
            offset: 0,
            line: first_line,
        }
    }

    fn at(&mut self, byte: u64) -> u64 {
        let mut byte = usize::try_from(byte)
            .unwrap_or(usize::MAX)
            .min(self.text.len());
        while matches!(self.text.get(byte), Some(b'\n' | b'\r')) {
            byte += 1;
        }
        if byte < self.offset {
            (self.offset, self.line) = (0, self.first_line);
        }
        let newlines = memchr::memchr_iter(b'\n', &self.text[self.offset..byte]).count();
        self.line += newlines as u64;
        self.offset = byte;
        self.line
    }
}
