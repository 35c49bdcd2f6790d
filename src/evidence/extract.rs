//! One input file's in-scope rows as an extract an auditor can lay beside
//! the company's own file: every row tagged with the file (`_file`, its
//! path in the bundle, hashed in the manifest's `input_files`) and the line
//! it starts on (`_line`, as `rejected.csv` counts lines). Where the format
//! allows it, a row is the file's own bytes:
//!
//! - CSV: the same dialect and encoding, the file's header line and each
//!   record byte for byte, after two leading fields `_file` and `_line`;
//! - JSON: an array of `{"_file", "_line", "record"}` where `record` is the
//!   file's object as written;
//! - JPK_V7 XML: each `SprzedazWiersz` element as written, in a CDATA
//!   section of a `<row file=".." line="..">`;
//! - XLSX and Parquet (binary): a UTF-8 CSV with `_file`, `_line` and the
//!   file's own columns (the first sheet's header cells, the Parquet
//!   schema's names), each cell as the reader sees it as text.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::Cursor;

use anyhow::{Context, Result, bail};
use calamine::{Data, Reader, Xlsx};
use polars::prelude::*;
use serde_json::value::RawValue;

use super::pack::ROWS_DIR;
use crate::config::SourceConfig;
use crate::ingest::{is_parquet, xlsx::cell_text, xlsx_guard};

/// Where an input file's extract goes in the pack and its bytes.
pub fn extract(
    rel: &str,
    bytes: &[u8],
    config: &SourceConfig,
    lines: &BTreeSet<u64>,
) -> Result<(String, Vec<u8>)> {
    let ext = rel.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    let at = format!("{ROWS_DIR}/{rel}");
    let made = match ext.as_str() {
        "csv" | "txt" => csv_rows(rel, bytes, config, lines).map(|b| (at, b)),
        "json" => json_rows(rel, bytes, config, lines).map(|b| (at, b)),
        "xml" => xml_rows(rel, bytes, lines).map(|b| (at, b)),
        "xlsx" | "xlsm" => xlsx_rows(rel, bytes, lines).map(|b| (format!("{at}.csv"), b)),
        _ if is_parquet(rel) => parquet_rows(rel, bytes, lines).map(|b| (format!("{at}.csv"), b)),
        _ => bail!("no extract for the file type of {rel}"),
    };
    made.with_context(|| format!("cannot extract the scope's rows of {rel}"))
}

/// 1-based line of every byte offset, counted forward once.
struct LineCounter<'b> {
    bytes: &'b [u8],
    at: usize,
    line: u64,
}

impl LineCounter<'_> {
    fn line_of(&mut self, offset: usize) -> u64 {
        let end = offset.min(self.bytes.len());
        if end >= self.at {
            self.line += memchr::memchr_iter(b'\n', &self.bytes[self.at..end]).count() as u64;
            self.at = end;
        }
        self.line
    }
}

/// A path as a CSV field in the file's dialect and encoding.
fn path_field(rel: &str, config: &SourceConfig) -> Vec<u8> {
    let (encoded, _, _) = config.encoding.encode(rel);
    let special = encoded
        .iter()
        .any(|&b| b == config.delimiter || matches!(b, b'"' | b'\r' | b'\n'));
    if !special {
        return encoded.into_owned();
    }
    let mut quoted = vec![b'"'];
    for &b in encoded.iter() {
        if b == b'"' {
            quoted.push(b'"');
        }
        quoted.push(b);
    }
    quoted.push(b'"');
    quoted
}

/// A record's bytes without its line break, and the break (`\n` if none).
fn split_break(record: &[u8]) -> (&[u8], &[u8]) {
    let body = record
        .strip_suffix(b"\r\n")
        .or_else(|| record.strip_suffix(b"\n"))
        .or_else(|| record.strip_suffix(b"\r"))
        .unwrap_or(record);
    let eol = &record[body.len()..];
    (body, if eol.is_empty() { b"\n" } else { eol })
}

fn csv_rows(
    rel: &str,
    bytes: &[u8],
    config: &SourceConfig,
    lines: &BTreeSet<u64>,
) -> Result<Vec<u8>> {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(config.delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut counter = LineCounter {
        bytes,
        at: 0,
        line: 1,
    };
    let (d, file) = (config.delimiter, path_field(rel, config));
    let mut out = Vec::new();
    let mut record = csv::ByteRecord::new();
    let mut header = true;
    loop {
        let start = reader.position().byte() as usize;
        if !reader.read_byte_record(&mut record)? {
            break;
        }
        // The csv crate's positions may sit on the line break before a
        // record and end between a CR and its LF: the record's own bytes
        // start after any line breaks and end after its whole break.
        let mut begin = record.position().map_or(start, |p| p.byte() as usize);
        while matches!(bytes.get(begin), Some(b'\r' | b'\n')) {
            begin += 1;
        }
        let mut end = (reader.position().byte() as usize).min(bytes.len());
        if end > 0 && bytes[end - 1] == b'\r' && bytes.get(end) == Some(&b'\n') {
            end += 1;
        }
        let line = counter.line_of(begin);
        let (body, eol) = split_break(&bytes[begin.min(end)..end]);
        if header {
            header = false;
            if bytes.starts_with(BOM) {
                out.extend_from_slice(BOM);
            }
            let body = body.strip_prefix(BOM).unwrap_or(body);
            out.extend_from_slice(b"_file");
            out.push(d);
            out.extend_from_slice(b"_line");
            out.push(d);
            out.extend_from_slice(body);
            out.extend_from_slice(eol);
        } else if lines.contains(&line) {
            out.extend_from_slice(&file);
            out.push(d);
            out.extend_from_slice(line.to_string().as_bytes());
            out.push(d);
            out.extend_from_slice(body);
            out.extend_from_slice(eol);
        }
    }
    Ok(out)
}

/// The file's text, decoded as the run decoded it.
fn decoded<'b>(bytes: &'b [u8], config: &SourceConfig) -> Result<std::borrow::Cow<'b, str>> {
    if config.encoding == encoding_rs::UTF_8 {
        let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        return Ok(std::str::from_utf8(body)?.into());
    }
    config
        .encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .context("not valid in its configured encoding")
}

#[derive(serde::Deserialize)]
struct InvoicesPage<'a> {
    #[serde(borrow)]
    invoices: Vec<&'a RawValue>,
}

fn json_rows(
    rel: &str,
    bytes: &[u8],
    config: &SourceConfig,
    lines: &BTreeSet<u64>,
) -> Result<Vec<u8>> {
    let text = decoded(bytes, config)?;
    let whole: &RawValue = serde_json::from_str(&text)?;
    let items: Vec<&RawValue> = match whole.get().trim_start().as_bytes().first() {
        Some(b'[') => serde_json::from_str(whole.get())?,
        _ => serde_json::from_str::<InvoicesPage<'_>>(whole.get())?.invoices,
    };
    let base = text.as_ptr() as usize;
    let mut counter = LineCounter {
        bytes: text.as_bytes(),
        at: 0,
        line: 1,
    };
    let file = serde_json::to_string(rel)?;
    let mut out = String::from("[");
    let mut first = true;
    for raw in items {
        let line = counter.line_of(raw.get().as_ptr() as usize - base);
        if !lines.contains(&line) {
            continue;
        }
        out.push_str(if first { "\n" } else { ",\n" });
        first = false;
        write!(
            out,
            "{{\"_file\": {file}, \"_line\": {line}, \"record\": {}}}",
            raw.get()
        )?;
    }
    out.push_str("\n]\n");
    Ok(out.into_bytes())
}

/// JPK_V7 rows are `SprzedazWiersz` elements; `_line` is the line of the
/// start tag, and the row runs to the first end tag of that name after it.
fn xml_rows(rel: &str, bytes: &[u8], lines: &BTreeSet<u64>) -> Result<Vec<u8>> {
    let text = std::str::from_utf8(bytes)?;
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rows file=\"{}\">\n",
        xml_attr(rel)
    );
    let starts = line_starts(text);
    for &line in lines {
        let Some(&from) = usize::try_from(line - 1).ok().and_then(|i| starts.get(i)) else {
            bail!("line {line} is past the end of the file");
        };
        let rest = &text[from..];
        let open = rest
            .find("SprzedazWiersz")
            .context("no SprzedazWiersz at its line")?;
        let element_start = rest[..open]
            .rfind('<')
            .context("no start tag at its line")?;
        let close = end_tag(&rest[element_start..], "SprzedazWiersz").map(|e| element_start + e);
        let Some(to) = close else {
            bail!("no end of the SprzedazWiersz at line {line}");
        };
        let element = &rest[element_start..to];
        if element.contains("]]>") {
            bail!("the SprzedazWiersz at line {line} holds ]]>");
        }
        writeln!(out, "<row line=\"{line}\"><![CDATA[{element}]]></row>")?;
    }
    out.push_str("</rows>\n");
    Ok(out.into_bytes())
}

/// Where the first end tag `</NAME>` or `</prefix:NAME>` in `text` ends.
fn end_tag(text: &str, name: &str) -> Option<usize> {
    let closing = format!("{name}>");
    let mut from = 0;
    while let Some(found) = text[from..].find(&closing) {
        let at = from + found;
        let tag = &text[text[..at].rfind('<')?..at];
        let qualified = tag
            .strip_prefix("</")
            .is_some_and(|p| p.is_empty() || p.ends_with(':'));
        if qualified {
            return Some(at + closing.len());
        }
        from = at + closing.len();
    }
    None
}

fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
        .collect()
}

fn xml_attr(value: &str) -> String {
    value
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
}

/// A UTF-8 CSV of `_file`, `_line` and the file's own columns.
fn tagged_csv(rel: &str, header: &[String], rows: Vec<(u64, Vec<String>)>) -> Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["_file".to_string(), "_line".to_string()];
    head.extend(header.iter().cloned());
    writer.write_record(&head)?;
    for (line, cells) in rows {
        let mut record = vec![rel.to_string(), line.to_string()];
        record.extend(cells);
        writer.write_record(&record)?;
    }
    Ok(writer.into_inner().map_err(|e| e.into_error())?)
}

/// The first sheet, as `read_xlsx` reads it: the header is the range's
/// first row, data row `i` (0-based after it) is on line `first + 1 + i`.
fn xlsx_rows(rel: &str, bytes: &[u8], lines: &BTreeSet<u64>) -> Result<Vec<u8>> {
    xlsx_guard::check(bytes).map_err(anyhow::Error::msg)?;
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes))?;
    let range = book
        .worksheet_range_at(0)
        .context("workbook has no sheet")??;
    let first = u64::from(range.start().map_or(0, |(r, _)| r)) + 1;
    let text = |cells: &[Data]| -> Vec<String> {
        cells
            .iter()
            .map(|c| cell_text(c).unwrap_or_else(|e| format!("#{e}")))
            .collect()
    };
    let mut rows = range.rows();
    let header = rows.next().map(text).unwrap_or_default();
    let kept = rows
        .enumerate()
        .map(|(i, cells)| (first + 1 + i as u64, cells))
        .filter(|(line, _)| lines.contains(line))
        .map(|(line, cells)| (line, text(cells)))
        .collect();
    tagged_csv(rel, &header, kept)
}

/// Parquet rows are numbered from 1 (the file has no header line).
fn parquet_rows(rel: &str, bytes: &[u8], lines: &BTreeSet<u64>) -> Result<Vec<u8>> {
    let df = ParquetReader::new(Cursor::new(bytes)).finish()?;
    let index: Vec<IdxSize> = lines
        .iter()
        .filter_map(|&l| IdxSize::try_from(l.checked_sub(1)?).ok())
        .filter(|&i| (i as usize) < df.height())
        .collect();
    let taken = df.take(&IdxCa::from_vec("row".into(), index.clone()))?;
    let header: Vec<String> = taken
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let columns: Vec<Column> = taken
        .columns()
        .iter()
        .map(|c| c.cast(&DataType::String))
        .collect::<PolarsResult<_>>()?;
    let mut rows = Vec::with_capacity(index.len());
    for (k, &i) in index.iter().enumerate() {
        let cells: Result<Vec<String>> = columns
            .iter()
            .map(|c| Ok(c.str()?.get(k).unwrap_or("").to_string()))
            .collect();
        rows.push((u64::from(i) + 1, cells?));
    }
    tagged_csv(rel, &header, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(l: &[u64]) -> BTreeSet<u64> {
        l.iter().copied().collect()
    }

    #[test]
    fn csv_rows_are_the_files_own_bytes_after_file_and_line() {
        let config = SourceConfig {
            delimiter: b';',
            ..SourceConfig::default()
        };
        let file = "a;b\r\n1;x\r\n\r\n2;\"multi\r\nline\"\r\n3;z";
        let out = csv_rows("ledger/x;1.csv", file.as_bytes(), &config, &lines(&[4, 6])).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "_file;_line;a;b\r\n\"ledger/x;1.csv\";4;2;\"multi\r\nline\"\r\n\"ledger/x;1.csv\";6;3;z\n"
        );
        let bom = b"\xEF\xBB\xBFa,b\n1,2\n";
        let out = csv_rows("l.csv", bom, &SourceConfig::default(), &lines(&[2])).unwrap();
        assert_eq!(out, b"\xEF\xBB\xBF_file,_line,a,b\nl.csv,2,1,2\n");
    }

    #[test]
    fn json_rows_keep_each_record_as_written() {
        let file = "{\"invoices\": [\n  {\"a\": 1},\n  {\"a\":  2,\n   \"b\": [3]}\n]}";
        let out = json_rows(
            "k.json",
            file.as_bytes(),
            &SourceConfig::default(),
            &lines(&[3]),
        );
        assert_eq!(
            String::from_utf8(out.unwrap()).unwrap(),
            "[\n{\"_file\": \"k.json\", \"_line\": 3, \"record\": {\"a\":  2,\n   \"b\": [3]}}\n]\n"
        );
    }

    #[test]
    fn parquet_and_workbook_rows_keep_their_own_columns() {
        let mut df = DataFrame::new(
            3,
            vec![
                Column::new("Invoice_Number".into(), ["FV/1", "FV/2", "FV/3"]),
                Column::new("gross_amount".into(), [1.5f64, 2.0, 3.25]),
            ],
        )
        .unwrap();
        let mut parquet = Vec::new();
        ParquetWriter::new(&mut parquet).finish(&mut df).unwrap();
        let out = parquet_rows("ledger/p.parquet", &parquet, &lines(&[1, 3, 9])).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "_file,_line,Invoice_Number,gross_amount\nledger/p.parquet,1,FV/1,1.5\nledger/p.parquet,3,FV/3,3.25\n"
        );

        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (row, cells) in [["invoice_number", "gross"], ["FV/1", "1"], ["FV/2", "2"]]
            .iter()
            .enumerate()
        {
            for (col, cell) in cells.iter().enumerate() {
                sheet
                    .write_string(row as u32 + 1, col as u16, *cell)
                    .unwrap();
            }
        }
        let bytes = book.save_to_buffer().unwrap();
        // The header is on the sheet's row 2, so FV/2 is on line 4.
        let out = xlsx_rows("ledger/w.xlsx", &bytes, &lines(&[4])).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "_file,_line,invoice_number,gross\nledger/w.xlsx,4,FV/2,2\n"
        );
    }

    #[test]
    fn jpk_rows_are_their_elements_as_written() {
        let file = "<JPK>\n<tns:SprzedazWiersz>\n<a>1</a>\n</tns:SprzedazWiersz>\n\
                    <tns:SprzedazWiersz x=\"1\"><a>2</a></tns:SprzedazWiersz>\n</JPK>\n";
        let out = xml_rows("ledger/j.xml", file.as_bytes(), &lines(&[5])).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rows file=\"ledger/j.xml\">\n\
             <row line=\"5\"><![CDATA[<tns:SprzedazWiersz x=\"1\"><a>2</a></tns:SprzedazWiersz>]]></row>\n</rows>\n"
        );
    }
}
