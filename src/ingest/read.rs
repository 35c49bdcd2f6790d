//! File formats: CSV (read in `csv_file.rs`), XLSX and JSON bytes in, rows
//! handed to a [`TableBuilder`] out. Every data row either lands in the
//! builder or in the rejections with its line and reason; a file that
//! cannot be read at all is one rejection naming the file, and its rows
//! count as rejected.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde_json::Value as Json;
use serde_json::value::RawValue;

use super::csv_file::{Split, read_csv};
use super::table::{HeaderMap, Location, TableBuilder};
use super::{Rejection, SourceInput};
use crate::config::SourceConfig;
use crate::contract::Source;

/// Row counts of one file, for `run.json`.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub read: u64,
    pub used: u64,
    pub rejected: u64,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.read += other.read;
        self.used += other.used;
        self.rejected += other.rejected;
    }
}

/// What a reader produces for one file.
pub struct FileOutcome {
    pub counts: Counts,
    /// Set when the whole file could not be read.
    pub error: Option<String>,
}

pub(super) struct Ctx<'a> {
    pub(super) input: &'a SourceInput<'a>,
    builder: &'a mut TableBuilder,
    rejected: &'a mut Vec<Rejection>,
    pub(super) counts: Counts,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(
        input: &'a SourceInput<'a>,
        builder: &'a mut TableBuilder,
        rejected: &'a mut Vec<Rejection>,
    ) -> Ctx<'a> {
        Ctx {
            input,
            builder,
            rejected,
            counts: Counts::default(),
        }
    }

    pub(super) fn reject(&mut self, line: Option<u64>, reason: String) {
        self.counts.rejected += 1;
        self.rejected.push(Rejection {
            source: self.input.source.name(),
            file: self.input.file.to_string(),
            line,
            reason,
        });
    }

    /// Offers one row to the builder, recording a rejection on failure.
    /// `cell(i)` is `None` only where the file has no column for field
    /// `i` (a JSON record: no such key); there, a constant from
    /// `recon.toml` stands in, except in XML documents, whose fields are
    /// fixed by their schema.
    pub(super) fn row<'v>(&mut self, line: u64, cell: impl Fn(usize) -> Option<&'v str>) {
        self.counts.read += 1;
        let at = Location {
            file: self.input.file,
            line,
        };
        let constants: &[Option<String>] = if self.input.is_xml() {
            &[]
        } else {
            &self.input.config.constants
        };
        let cell = |i| cell(i).or_else(|| constants.get(i)?.as_deref());
        match self.builder.push(cell, &self.input.config.dialect, &at) {
            Ok(()) => self.counts.used += 1,
            Err(reason) => self.reject(Some(line), reason),
        }
    }

    pub(super) fn fail(mut self, line: Option<u64>, reason: String) -> FileOutcome {
        self.rejected.push(Rejection {
            source: self.input.source.name(),
            file: self.input.file.to_string(),
            line,
            reason: reason.clone(),
        });
        // Rows already handed over go with the file: none of it is used.
        self.counts.used = 0;
        self.counts.rejected = self.counts.read;
        FileOutcome {
            counts: self.counts,
            error: Some(reason),
        }
    }

    /// Takes over what the pieces of the same file gave, in order, after
    /// the rows and rejections already here.
    pub(super) fn join(&mut self, pieces: Vec<(TableBuilder, Vec<Rejection>, Counts)>) {
        for (builder, rejected, counts) in pieces {
            self.builder.append(builder);
            self.rejected.extend(rejected);
            self.counts += counts;
        }
    }

    pub(super) fn done(self) -> FileOutcome {
        FileOutcome {
            counts: self.counts,
            error: None,
        }
    }
}

/// Reads one file by its extension.
pub fn read_file(
    input: &SourceInput<'_>,
    builder: &mut TableBuilder,
    rejected: &mut Vec<Rejection>,
) -> FileOutcome {
    let ctx = Ctx::new(input, builder, rejected);
    let ext = input
        .file
        .rsplit('.')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" | "txt" => read_csv(ctx, Split::DEFAULT),
        "xlsx" | "xlsm" => read_xlsx(ctx),
        "json" => read_json(ctx),
        "xml" => match input.source {
            Source::Ledger => super::documents::read_jpk(ctx),
            Source::Archive => super::documents::read_fa3(ctx),
            Source::Upo => super::documents::read_upo(ctx),
            _ => ctx.fail(
                None,
                format!("XML is not a format of {}", input.source.name()),
            ),
        },
        _ => ctx.fail(
            None,
            format!("unsupported file type '.{ext}' for {}", input.source.name()),
        ),
    }
}

/// Decodes the file's bytes as the configured encoding. Invalid bytes stop
/// the file: a lossy decode would change invoice numbers silently.
pub(super) fn decode<'b>(
    bytes: &'b [u8],
    config: &SourceConfig,
) -> Result<std::borrow::Cow<'b, str>, String> {
    let encoding = config.encoding;
    if encoding == encoding_rs::UTF_8 {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        return std::str::from_utf8(body).map(Into::into).map_err(|e| {
            let upto = e.valid_up_to();
            let line = body[..upto].iter().filter(|&&b| b == b'\n').count() + 1;
            format!(
                "line {line}: not valid UTF-8 (byte {upto}); if the file is in another encoding, set it in recon.toml"
            )
        });
    }
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| format!("not valid {}", encoding.name()))
}

/// An XLSX cell as the text a CSV export would hold (also the cells of an
/// evidence pack's extract of a workbook).
pub(crate) fn cell_text(cell: &Data) -> Result<String, String> {
    Ok(match cell {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => match d.as_datetime() {
            Some(t) if t.time() == chrono::NaiveTime::MIN => t.date().to_string(),
            Some(t) => t.format("%Y-%m-%dT%H:%M:%S").to_string(),
            None => return Err(format!("unreadable date cell {d}")),
        },
        Data::Error(e) => return Err(format!("cell holds the spreadsheet error {e}")),
    })
}

fn read_xlsx(mut ctx: Ctx<'_>) -> FileOutcome {
    // calamine inflates a sheet whole and trusts the zip's sizes: a hostile
    // workbook is refused before it opens (`super::xlsx_guard`).
    if let Err(reason) = super::xlsx_guard::check(ctx.input.bytes) {
        return ctx.fail(None, reason);
    }
    let mut book: Xlsx<_> = match Xlsx::new(Cursor::new(ctx.input.bytes)) {
        Ok(b) => b,
        Err(e) => return ctx.fail(None, format!("not a readable XLSX workbook: {e}")),
    };
    let range = match book.worksheet_range_at(0) {
        Some(Ok(r)) => r,
        Some(Err(e)) => return ctx.fail(None, format!("first sheet unreadable: {e}")),
        None => return ctx.fail(None, "workbook has no sheet".to_string()),
    };
    let first_row = u64::from(range.start().map_or(0, |(r, _)| r)) + 1;
    let mut rows = range.rows();
    let header: Vec<String> = match rows.next() {
        Some(cells) => cells
            .iter()
            .map(|c| cell_text(c).unwrap_or_default())
            .collect(),
        None => return ctx.fail(None, "first sheet is empty: no header row".to_string()),
    };
    let map = match HeaderMap::new(
        &header,
        ctx.input.fields(),
        &ctx.input.config.columns,
        &ctx.input.config.constants,
    ) {
        Ok(m) => m,
        Err(e) => return ctx.fail(Some(first_row), e),
    };
    for (i, cells) in rows.enumerate() {
        let line = first_row + 1 + i as u64;
        if cells.iter().all(|c| matches!(c, Data::Empty)) {
            continue;
        }
        let texts: Result<Vec<String>, String> = cells.iter().map(cell_text).collect();
        match texts {
            Ok(texts) => ctx.row(line, |f| {
                map.position(f)
                    .and_then(|p| texts.get(p))
                    .map(String::as_str)
            }),
            Err(e) => {
                ctx.counts.read += 1;
                ctx.reject(Some(line), e);
            }
        }
    }
    ctx.done()
}

/// JSON sources: a KSeF metadata page or export (`{"invoices": [...]}`) or a
/// status-service array of messages. Fields are looked up by the source's
/// JSON names (dotted for nested objects); line numbers are those of each
/// object's first character in the file.
fn read_json(mut ctx: Ctx<'_>) -> FileOutcome {
    let text = match decode(ctx.input.bytes, ctx.input.config) {
        Ok(t) => t,
        Err(e) => return ctx.fail(None, e),
    };
    // An export's status response holds the extract's flags, not records
    // (read by `extract`): a file of no rows, not a bad one.
    if ctx.input.source == Source::KsefMetadata && super::extract::is_export_status(&text) {
        return ctx.done();
    }
    let items = match json_items(&text, ctx.input.source) {
        Ok(items) => items,
        Err((line, reason)) => return ctx.fail(line, reason),
    };
    let Some(names) = ctx.input.json_names() else {
        let why = format!("JSON is not a format of {}", ctx.input.source.name());
        return ctx.fail(None, why);
    };
    let base = text.as_ptr() as usize;
    // Items come in file order: count newlines from the previous item on,
    // so line numbers cost one pass over the file, not one per item.
    let (mut counted_to, mut line) = (0usize, 1u64);
    for raw in items {
        let offset = raw.get().as_ptr() as usize - base;
        let from = counted_to.min(offset);
        line += text.as_bytes()[from..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count() as u64;
        counted_to = offset;
        let values: Vec<Option<String>> = match serde_json::from_str::<Json>(raw.get()) {
            Ok(obj @ Json::Object(_)) => names.iter().map(|n| json_field(&obj, n)).collect(),
            Ok(_) => {
                ctx.counts.read += 1;
                ctx.reject(Some(line), "array element is not an object".to_string());
                continue;
            }
            // The whole file parsed as raw values, which are not depth
            // limited; a too deeply nested element fails only here.
            Err(e) => {
                ctx.counts.read += 1;
                ctx.reject(
                    Some(line),
                    format!("array element is not readable JSON: {e}"),
                );
                continue;
            }
        };
        ctx.row(line, |i| values.get(i).and_then(|v| v.as_deref()));
    }
    ctx.done()
}

#[derive(serde::Deserialize)]
struct InvoicesPage<'a> {
    #[serde(borrow)]
    invoices: Vec<&'a RawValue>,
}

/// The status service's status object: its `messages` are the records.
#[derive(serde::Deserialize)]
struct StatusObject<'a> {
    #[serde(borrow)]
    messages: Vec<&'a RawValue>,
}

/// The elements of a top-level array, or of the array an object of the
/// source holds its records in: a KSeF metadata page's or export's
/// `invoices`, the status service's `messages`. Syntax errors carry their
/// line.
fn json_items(text: &str, source: Source) -> Result<Vec<&RawValue>, (Option<u64>, String)> {
    let located = |e: serde_json::Error| {
        let line = u64::try_from(e.line()).ok().filter(|&l| l > 0);
        (line, format!("not valid JSON: {e}"))
    };
    let whole: &RawValue = serde_json::from_str(text).map_err(located)?;
    let key = match source {
        Source::Announcements => "messages",
        _ => "invoices",
    };
    let shape = |e: serde_json::Error| {
        (
            None,
            format!("JSON is not an array of records nor an object with a \"{key}\" array: {e}"),
        )
    };
    match whole.get().trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str::<Vec<&RawValue>>(whole.get()).map_err(shape),
        _ if source == Source::Announcements => {
            serde_json::from_str::<StatusObject<'_>>(whole.get())
                .map(|p| p.messages)
                .map_err(shape)
        }
        _ => serde_json::from_str::<InvoicesPage<'_>>(whole.get())
            .map(|p| p.invoices)
            .map_err(shape),
    }
}

/// A field of a JSON object as text; `a.b` looks inside nested objects.
fn json_field(obj: &Json, path: &str) -> Option<String> {
    let mut v = obj;
    for part in path.split('.') {
        v = v.get(part)?;
    }
    match v {
        // Empty, which the builder reads as null: `None` is kept for a
        // missing key, where a constant may stand in.
        Json::Null => Some(String::new()),
        Json::String(s) => Some(s.clone()),
        Json::Number(n) => Some(number_text(n)),
        Json::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    }
}

/// A JSON number as the shortest text that reads back as the same value
/// (`0.30000000000000004` stays so): the amount parser decides in decimal
/// whether what is left past the grosze is a double's noise (contract
/// section 2), so no digit is rounded away here first.
fn number_text(n: &serde_json::Number) -> String {
    n.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines of the rows rejected from `text` read as a ledger CSV.
    fn rejected_lines(text: &str) -> Vec<Option<u64>> {
        let config = SourceConfig::default();
        let input = SourceInput {
            source: Source::Ledger,
            file: "ledger/a.csv",
            bytes: text.as_bytes(),
            config: &config,
        };
        let mut builder = TableBuilder::new(Source::Ledger.fields());
        let mut rejected = Vec::new();
        read_file(&input, &mut builder, &mut rejected);
        rejected.iter().map(|r| r.line).collect()
    }

    #[test]
    fn csv_lines_are_right_with_crlf_and_quoted_newlines() {
        let text = "invoice_number,issue_date,seller_nip,gross_amount,currency\r\n\
                    FV/1,2026-03-02,5265877635,1.00,PLN\r\n\
                    \"FV\r\n2\",2026-03-02,5265877635,1.00,PLN\r\n\
                    FV/3,2026-03-02,5265877635,x,PLN\n\
                    FV/4,2026-03-02,5265877635,x,PLN\r\n";
        assert_eq!(rejected_lines(text), [Some(5), Some(6)]);
    }

    #[test]
    fn a_row_after_blank_lines_is_named_by_its_own_line() {
        // With a quote (the csv crate's reader) and without (plain lines).
        for first in ["\"FV/1\"", "FV/1"] {
            let text = format!(
                "invoice_number,issue_date,seller_nip,gross_amount,currency\r\n\
                 \r\n\n{first},2026-03-02,5265877635,x,PLN\n\n\n\n\
                 FV/2,2026-03-02,5265877635,x,PLN\r\n\r\n\r\n\
                 FV/3,2026-03-02,5265877635,x,PLN"
            );
            assert_eq!(
                rejected_lines(&text),
                [Some(4), Some(8), Some(11)],
                "{first}"
            );
        }
    }

    #[test]
    fn a_file_failing_after_rows_counts_every_row_rejected() {
        let config = SourceConfig::default();
        let input = SourceInput {
            source: Source::Ledger,
            file: "ledger/a.csv",
            bytes: b"",
            config: &config,
        };
        let mut builder = TableBuilder::new(Source::Ledger.fields());
        let mut rejected = Vec::new();
        let mut ctx = Ctx::new(&input, &mut builder, &mut rejected);
        let good = ["FV/1", "2026-03-02", "5265877635", "1.00", "PLN"];
        ctx.row(2, |i| good.get(i).copied());
        ctx.row(3, |_| None);
        let out = ctx.fail(Some(4), "broken".into());
        let c = out.counts;
        assert_eq!((c.read, c.used, c.rejected), (2, 0, 2));
        assert_eq!(rejected.len(), 2);
    }

    /// The status service's object form is read like its array; a KSeF
    /// page's shape error names the array that source expects.
    #[test]
    fn json_objects_hold_their_sources_records() {
        let status = r#"{"status": "FAILURE", "messages": [{"id": "K/1"}, {"id": "K/2"}]}"#;
        let items = json_items(status, Source::Announcements).unwrap();
        assert_eq!(items.len(), 2);
        let err = json_items(status, Source::KsefMetadata).unwrap_err();
        assert!(err.1.contains("\"invoices\" array"), "{err:?}");
        let err = json_items(r#"{"invoices": []}"#, Source::Announcements).unwrap_err();
        assert!(err.1.contains("\"messages\" array"), "{err:?}");
    }

    #[test]
    fn json_numbers_keep_their_digits_for_the_amount_parser() {
        let v: Json = serde_json::from_str(
            r#"{"a": 0.30000000000000004, "b": 12, "c": {"d": "x"}, "e": 683.0600000000001, "f": 1e21}"#,
        )
        .unwrap();
        assert_eq!(json_field(&v, "a").as_deref(), Some("0.30000000000000004"));
        assert_eq!(json_field(&v, "e").as_deref(), Some("683.0600000000001"));
        let dialect = crate::config::Dialect::default();
        let amount = |name| dialect.parse_amount(&json_field(&v, name).unwrap());
        assert_eq!(amount("a"), Ok(30));
        assert_eq!(amount("e"), Ok(68306));
        assert!(amount("f").is_err());
        assert_eq!(json_field(&v, "b").as_deref(), Some("12"));
        assert_eq!(json_field(&v, "c.d").as_deref(), Some("x"));
        assert_eq!(json_field(&v, "c.e"), None);
    }
}
