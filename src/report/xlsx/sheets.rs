//! Data sheets: one frame as a sheet with a frozen header, an autofilter (an
//! Excel table where asked) and fitting column widths, split across
//! `Name`, `Name 2`, ... at Excel's row limit instead of failing.

use polars::prelude::*;
use rust_xlsxwriter::{ColNum, RowNum, Table, TableColumn, TableStyle, Workbook};

use super::cells::{self, Formats, TextColumns};
use crate::lang::Texts;

/// Excel's rows per sheet, header included.
pub const EXCEL_ROW_LIMIT: u32 = 1_048_576;

/// How one frame becomes sheets.
pub struct SheetSpec<'a> {
    pub name: &'a str,
    /// An Excel table (filter buttons, banded rows) rather than a bare autofilter.
    pub table: bool,
    /// Stream rows to disk (rust_xlsxwriter's constant-memory mode), for
    /// sheets that may hold millions of rows.
    pub constant_memory: bool,
    /// A line above the header saying what the sheet leaves out (the
    /// Reconciliation sheet of a large bundle), so nobody reads it as whole.
    pub note: Option<&'a str>,
}

/// The sheet names a frame of `rows` rows takes at `row_limit` rows per
/// sheet (header included): `Name`, then `Name 2`, `Name 3`, ...
pub fn sheet_names(name: &str, rows: usize, row_limit: u32) -> Vec<(String, usize, usize)> {
    let per_sheet = (row_limit.max(2) - 1) as usize;
    let sheets = rows.div_ceil(per_sheet).max(1);
    (0..sheets)
        .map(|k| {
            let label = if k == 0 {
                name.to_string()
            } else {
                format!("{name} {}", k + 1)
            };
            let start = k * per_sheet;
            (label, start, rows.min(start + per_sheet))
        })
        .collect()
}

/// Writes `df` as one or more sheets.
pub fn write(
    wb: &mut Workbook,
    spec: &SheetSpec,
    df: &DataFrame,
    f: &Formats,
    row_limit: u32,
    t: &Texts,
) -> anyhow::Result<()> {
    let cols = TextColumns::of(df)?;
    let names: Vec<&str> = cols.names.iter().map(|n| t.column(n)).collect();
    // Wide enough for the header in the sheet's language too (in English
    // the header is the column's name, which `widths` already fits).
    let widths: Vec<f64> = cols
        .widths()
        .into_iter()
        .zip(&names)
        .map(|(w, n)| w.max((n.chars().count() + 3).min(60) as f64))
        .collect();
    let last_col = cols.names.len().saturating_sub(1) as ColNum;
    let top = RowNum::from(spec.note.is_some());
    let mut iters: Vec<_> = cols.columns.iter().map(|c| c.iter()).collect();
    for (label, start, end) in sheet_names(spec.name, df.height(), row_limit.saturating_sub(top)) {
        let ws = if spec.constant_memory {
            wb.add_worksheet_with_constant_memory()?
        } else {
            wb.add_worksheet()
        };
        ws.set_name(&label)?;
        cells::set_widths(ws, &widths)?;
        if let Some(note) = spec.note {
            cells::text(ws, 0, 0, note, &f.bold)?;
        }
        ws.set_freeze_panes(top + 1, 0)?;
        let last_row = top + (end - start).max(1) as RowNum;
        if spec.table {
            let columns: Vec<TableColumn> = names
                .iter()
                .map(|n| {
                    TableColumn::new()
                        .set_header(*n)
                        .set_header_format(&f.header)
                })
                .collect();
            let table = Table::new()
                .set_name(label.replace(' ', "_"))
                .set_style(TableStyle::Light9)
                .set_columns(&columns);
            ws.add_table(top, 0, last_row, last_col, &table)?;
        } else {
            cells::header(ws, top, &names, f)?;
            ws.autofilter(top, 0, last_row, last_col)?;
        }
        for r in 0..(end - start) {
            let row = top + (r + 1) as RowNum;
            for (c, it) in iters.iter_mut().enumerate() {
                cells::cell(ws, row, c as ColNum, cols.kinds[c], it.next().flatten(), f)?;
            }
        }
    }
    Ok(())
}

/// A sheet that only says why its rows are elsewhere.
pub fn note(
    ws: &mut rust_xlsxwriter::Worksheet,
    name: &str,
    text: &str,
    f: &Formats,
    t: &Texts,
) -> anyhow::Result<()> {
    ws.set_name(name)?;
    ws.set_column_width(0, 100)?;
    cells::header(ws, 0, &[t.note], f)?;
    ws.write_string(1, 0, text)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_splits_at_the_row_limit() {
        // 4 rows per sheet: the header and 3 data rows.
        let names = |n| -> Vec<(String, usize, usize)> { sheet_names("Reconciliation", n, 4) };
        assert_eq!(names(0), vec![("Reconciliation".into(), 0, 0)]);
        assert_eq!(names(3), vec![("Reconciliation".into(), 0, 3)]);
        assert_eq!(
            names(7),
            vec![
                ("Reconciliation".into(), 0, 3),
                ("Reconciliation 2".into(), 3, 6),
                ("Reconciliation 3".into(), 6, 7),
            ]
        );
        // At Excel's own limit, 1,048,575 data rows fit one sheet.
        assert_eq!(sheet_names("R", 1_048_575, EXCEL_ROW_LIMIT).len(), 1);
        assert_eq!(sheet_names("R", 1_048_576, EXCEL_ROW_LIMIT).len(), 2);
    }
}
