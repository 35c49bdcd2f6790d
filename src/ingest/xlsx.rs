//! XLSX workbooks: the first sheet's first row is the header, each row
//! after it a record, each cell read as the text a CSV export would hold.
//! A workbook is checked before calamine opens it (`xlsx_guard.rs`).

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::reader::{FileOutcome, Reading};
use super::table::HeaderMap;

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

/// Reads the first sheet of a workbook.
pub(super) fn read_xlsx(mut ctx: Reading<'_>) -> FileOutcome {
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
