//! `ageing.xlsx`, the workbook for controllers and the CFO: Dashboard,
//! Exceptions, Ageing, Completeness, Decisions, JPK and Reconciliation sheets,
//! built from the same frames as the CSVs (see [`cells`] for how text
//! becomes typed cells) and the same [`Summary`] as `dashboard.html`.
//!
//! Two runs on the same inputs and as-of date give byte-identical files: the
//! document's creation time, the only varying part of an rust_xlsxwriter
//! file, is set from the as-of date.

mod cells;
mod dashboard;
mod sheets;

use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use rust_xlsxwriter::{DocProperties, Workbook};

use super::Frames;
use super::summary::Summary;
use crate::lang::fill;
pub use sheets::{EXCEL_ROW_LIMIT, sheet_names};

/// What can be changed about the workbook; tests shrink the row limit to
/// check the split without writing a million rows.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rows per sheet, header included, before a data sheet continues on
    /// the next (`Reconciliation 2`, ...).
    pub row_limit: u32,
    /// The most invoices the Reconciliation sheet lists; above it (or when
    /// `None`, from `--no-reconciliation-sheet`) the sheet holds a note
    /// pointing to `reconciliation.csv` instead. Every other sheet is always
    /// complete.
    pub reconciliation_max_rows: Option<usize>,
    /// The reconciliation's rows where `frames.reconciliation` does not
    /// hold them all (a partitioned run's, which holds them only while they
    /// fit the sheet); `None` for its height.
    pub reconciliation_rows: Option<usize>,
}

/// By default the Reconciliation sheet is written while it fits one Excel
/// sheet. Beyond that a workbook of several million-row sheets takes minutes
/// to write and is too big for Excel to open usefully, while
/// `reconciliation.csv` (or `.parquet`) holds the same rows.
pub const RECONCILIATION_SHEET_MAX_ROWS: usize = (EXCEL_ROW_LIMIT - 1) as usize;

/// The deflate level of the workbook's parts. rust_xlsxwriter's default
/// (6) spent some 40 % of the workbook's time in deflate; at 1M invoices
/// (1.87 MB at level 6) level 2 writes the workbook in 0.29-0.35 s instead
/// of 0.41-0.56 s for a file 18 % larger, level 1 in 0.21 s but 58 %
/// larger, level 3 in 0.27-0.45 s and 9 % larger.
const ZIP_LEVEL: u8 = 2;

impl Default for Options {
    fn default() -> Options {
        Options {
            row_limit: EXCEL_ROW_LIMIT,
            reconciliation_max_rows: Some(RECONCILIATION_SHEET_MAX_ROWS),
            reconciliation_rows: None,
        }
    }
}

fn build(frames: &Frames, summary: &Summary, options: &Options) -> Result<Workbook> {
    let (t, lang) = (summary.lang.texts(), summary.lang);
    let mut wb = Workbook::new();
    wb.set_zip_compression_level(ZIP_LEVEL);
    let created = NaiveDate::parse_from_str(&summary.as_of, "%Y-%m-%d")
        .ok()
        .and_then(cells::date_of)
        .context("as-of date outside Excel's calendar")?;
    wb.set_properties(
        &DocProperties::new()
            .set_title(t.wb_title)
            .set_subject(fill(t.wb_subject, &[&lang.date(&summary.as_of)]))
            .set_comment(fill(t.wb_comment, &[&summary.input_fingerprint]))
            .set_author("ksef-recon")
            .set_creation_datetime(&created),
    );
    let f = cells::Formats::new(lang);
    dashboard::write(wb.add_worksheet(), summary, &f)?;
    let limit = options.row_limit;
    let spec = |name, table, constant_memory| sheets::SheetSpec {
        name,
        table,
        constant_memory,
    };
    // Streamed too: the sheet can hold hundreds of thousands of rows, and
    // streaming it cut the workbook's time at 1M invoices from 0.63-0.77 s
    // to 0.38-0.44 s (the cells are the same; strings are written inline
    // instead of shared).
    let exceptions = spec(t.sheet_exceptions, true, true);
    sheets::write(&mut wb, &exceptions, &frames.exceptions, &f, limit, t)?;
    dashboard::ageing(wb.add_worksheet(), summary, &f)?;
    let completeness = spec(t.sheet_completeness, true, false);
    sheets::write(&mut wb, &completeness, &frames.completeness, &f, limit, t)?;
    let decisions = spec(t.sheet_decisions, true, false);
    sheets::write(&mut wb, &decisions, &frames.decisions, &f, limit, t)?;
    // The VAT returns to correct (jpk_corrections.csv), a header alone
    // when none is due.
    let jpk = spec(t.sheet_jpk, true, false);
    sheets::write(&mut wb, &jpk, &frames.jpk_corrections, &f, limit, t)?;
    let rows = options
        .reconciliation_rows
        .unwrap_or(frames.reconciliation.height());
    match options.reconciliation_max_rows {
        Some(max) if rows <= max => {
            let spec = spec(t.sheet_reconciliation, false, true);
            sheets::write(&mut wb, &spec, &frames.reconciliation, &f, limit, t)?
        }
        max => {
            let why = match max {
                Some(max) => fill(t.reconciliation_over, &[&max.to_string()]),
                None => t.reconciliation_left_out.to_string(),
            };
            let text = fill(t.reconciliation_note, &[&rows.to_string(), &why]);
            sheets::note(wb.add_worksheet(), t.sheet_reconciliation, &text, &f, t)?;
        }
    }
    Ok(wb)
}

/// Writes the workbook to `path` (streaming the large sheets through
/// temporary files rather than memory).
pub fn write_file(
    frames: &Frames,
    summary: &Summary,
    path: &Path,
    options: &Options,
) -> Result<()> {
    build(frames, summary, options)?
        .save(path)
        .with_context(|| format!("cannot write {}", path.display()))
}

/// The workbook's bytes, for the evidence pack.
pub fn to_bytes(frames: &Frames, summary: &Summary, options: &Options) -> Result<Vec<u8>> {
    Ok(build(frames, summary, options)?.save_to_buffer()?)
}
