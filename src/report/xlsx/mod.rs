//! `ageing.xlsx`, the workbook for controllers and the CFO: Dashboard,
//! Exceptions, Ageing, Completeness, Decisions, JPK and Reconciliation sheets,
//! built from the same frames as the CSVs (see [`cells`] for how text
//! becomes typed cells) and the same [`Summary`] as `dashboard.html`.
//!
//! Two runs on the same inputs and as-of date give byte-identical files: the
//! document's creation time, the only varying part of an rust_xlsxwriter
//! file, is set from the as-of date.

mod action;
mod cells;
mod dashboard;
mod sheets;

use std::path::Path;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::DataFrame;
use rust_xlsxwriter::{DocProperties, Workbook};

use super::Frames;
use super::summary::Summary;
use crate::lang::fill;
pub use action::needs_action;
pub use sheets::{EXCEL_ROW_LIMIT, sheet_names};

/// What can be changed about the workbook; tests shrink the row limit to
/// check the split without writing a million rows.
#[derive(Debug, Clone)]
pub struct Options {
    /// Rows per sheet, header included, before a data sheet continues on
    /// the next (`Reconciliation 2`, ...).
    pub row_limit: u32,
    /// The most invoices the Reconciliation sheet lists. While the
    /// reconciliation has no more, the sheet lists every invoice; above
    /// it, the invoices that need action ([`action::needs_action`]), at
    /// most this many, under a note saying how many are left out. `None`
    /// (`--no-reconciliation-sheet`) makes the sheet a note alone. Every
    /// other sheet is always complete.
    pub reconciliation_max_rows: Option<usize>,
    /// The reconciliation's rows where `frames.reconciliation` does not
    /// hold them all (a partitioned run's, which holds them only while they
    /// fit the sheet); `None` for its height.
    pub reconciliation_rows: Option<usize>,
    /// How many of them need action where `frames.reconciliation` holds
    /// only the first of those (a partitioned run's above the cap); `None`
    /// to count them in the frame.
    pub needing_action_rows: Option<usize>,
    /// The most rows a sheet shown as an Excel table may have; a longer
    /// one gets a plain autofilter instead ([`TABLE_MAX_ROWS`]).
    pub table_max_rows: usize,
}

/// By default the Reconciliation sheet lists at most 100,000 invoices:
/// every invoice up to there, above it those that need action. A sheet of
/// 100,000 rows writes in well under a second and Excel filters it
/// readily; the 1,000,000 of a large month took some 7 s of a 12 s run for
/// a 95 MB workbook Excel barely opens, while a controller acts on the few
/// percent not settled and `reconciliation.csv` (or `.parquet`) holds every
/// row (docs/outputs.md).
pub const RECONCILIATION_SHEET_MAX_ROWS: usize = 100_000;

/// The most rows the Exceptions, Completeness, Decisions and JPK sheets
/// are Excel tables with (banded rows, filter buttons); a longer one gets
/// a plain autofilter on its header, as the Reconciliation sheet has.
/// rust_xlsxwriter checks a new table against earlier ones by entering
/// every cell of its range in a hash map: the 380,000 findings of a
/// 10M-invoice run (6.5 million cells) took some 2 s of the workbook's
/// 5.2-5.6 s that way, for banding nobody scrolls through at that length.
/// The filter, the frozen header and the cells are the same either way.
pub const TABLE_MAX_ROWS: usize = 100_000;

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
            needing_action_rows: None,
            table_max_rows: TABLE_MAX_ROWS,
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
    let spec = |name, df: &DataFrame, constant_memory| sheets::SheetSpec {
        name,
        table: df.height() <= options.table_max_rows,
        constant_memory,
        note: None,
    };
    // Streamed too: the sheet can hold hundreds of thousands of rows, and
    // streaming it cut the workbook's time at 1M invoices from 0.63-0.77 s
    // to 0.38-0.44 s (the cells are the same; strings are written inline
    // instead of shared).
    let exceptions = spec(t.sheet_exceptions, &frames.exceptions, true);
    sheets::write(&mut wb, &exceptions, &frames.exceptions, &f, limit, t)?;
    dashboard::ageing(wb.add_worksheet(), summary, &f)?;
    let completeness = spec(t.sheet_completeness, &frames.completeness, false);
    sheets::write(&mut wb, &completeness, &frames.completeness, &f, limit, t)?;
    let decisions = spec(t.sheet_decisions, &frames.decisions, false);
    sheets::write(&mut wb, &decisions, &frames.decisions, &f, limit, t)?;
    // The VAT returns to correct (jpk_corrections.csv), a header alone
    // when none is due.
    let jpk = spec(t.sheet_jpk, &frames.jpk_corrections, false);
    sheets::write(&mut wb, &jpk, &frames.jpk_corrections, &f, limit, t)?;
    reconciliation(&mut wb, frames, options, &f, t)?;
    Ok(wb)
}

/// The Reconciliation sheet: every invoice while there are at most
/// `reconciliation_max_rows`, else the invoices that need action under a
/// note (from every row, or from the first of them that a run in parts
/// kept), or a note alone when the sheet is left out.
fn reconciliation(
    wb: &mut Workbook,
    frames: &Frames,
    options: &Options,
    f: &cells::Formats,
    t: &crate::lang::Texts,
) -> Result<()> {
    let df = &frames.reconciliation;
    let rows = options.reconciliation_rows.unwrap_or(df.height());
    let limit = options.row_limit;
    let spec = |note| sheets::SheetSpec {
        name: t.sheet_reconciliation,
        table: false,
        constant_memory: true,
        note,
    };
    match options.reconciliation_max_rows {
        Some(max) if rows <= max => sheets::write(wb, &spec(None), df, f, limit, t),
        Some(max) => {
            let picked = action::needs_action(df, &frames.exceptions)?;
            let all = options.needing_action_rows.unwrap_or(picked.height());
            let shown = picked.head(Some(max));
            let note = action_note(t, rows, all, shown.height());
            sheets::write(wb, &spec(Some(&note)), &shown, f, limit, t)
        }
        None => {
            let why = t.reconciliation_left_out;
            let text = fill(t.reconciliation_note, &[&rows.to_string(), why]);
            sheets::note(wb.add_worksheet(), t.sheet_reconciliation, &text, f, t)
        }
    }
}

/// The note above a sheet of the invoices that need action: `shown` of
/// the `picked` that need action among `rows` invoices.
fn action_note(t: &crate::lang::Texts, rows: usize, picked: usize, shown: usize) -> String {
    let left = (rows - shown).to_string();
    let (rows, picked, shown) = (rows.to_string(), picked.to_string(), shown.to_string());
    match shown == picked {
        true => fill(t.reconciliation_action, &[&picked, &rows, &left]),
        false => fill(
            t.reconciliation_action_capped,
            &[&shown, &picked, &rows, &left],
        ),
    }
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
