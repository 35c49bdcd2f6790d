//! Stage 4: the output frames and `run.json` of a run, from its checked
//! tables. One run and a run in parts both end here.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{Context, Result};
use polars::prelude::DataFrame;

use super::job::RunSummary;
use super::stages::Checked;
use crate::contract::Source;
use crate::progress::Step;
use crate::register;
use crate::report::reconciliation_file::ReconciliationFile;
use crate::report::run_json::{Counts, Made, RunJson};
use crate::report::summary::InvoiceDigest;
use crate::report::{self, Frames};

/// What the pipeline produced for one bundle, before anything is written:
/// the text frames of every output and the `run.json` record. `run` writes
/// them into `--out`; `evidence` filters them to one decision or month and
/// packs them.
pub struct Outputs {
    /// Resolutions that passed their checks (see `register::resolutions`).
    pub resolutions: DataFrame,
    pub frames: Frames,
    pub run: RunJson,
    pub summary: RunSummary,
    /// A run in parts' reconciliation, already written to disk part by
    /// part (`frames.reconciliation` then holds its rows only while they
    /// fit the workbook's sheet, else the first of those that need action).
    pub written: Option<Written>,
    /// The distinct seller NIPs of the ledger's invoices (what binds the
    /// exception register to its company when `recon.toml` names none).
    pub ledger_sellers: BTreeSet<String>,
}

/// A reconciliation written part by part, and what the summary reads of it.
pub struct Written {
    pub file: ReconciliationFile,
    pub digest: InvoiceDigest,
}

/// The outputs of a run from its checked tables: `checked` holds the
/// invoice table the reports read (a run in parts' holds only the invoices
/// they read) and every finding; `reconciliation` is the reconciliation
/// frame (of a run in parts, which wrote it to disk, only the rows the
/// workbook's sheet lists); `counts` what `run.json` counts of the
/// invoices.
pub fn assemble(
    mut checked: Checked,
    reconciliation: DataFrame,
    counts: Counts,
    made: Made<'_>,
) -> Result<Outputs> {
    let step = Step::start("exceptions and resolutions");
    let exceptions = report::exceptions(&checked.findings.all)?;
    let (resolutions, refused) = register::resolutions::validate(
        &checked.bundle.table(Source::Resolutions)?,
        &exceptions,
        made.as_of,
    )?;
    checked.bundle.reject_rows(refused);
    drop(step);
    let frames = frames(&checked, exceptions, reconciliation)?;
    let rows = rows_per_file(&frames, counts.invoices);
    let ledger_sellers = counts.ledger_sellers.clone();
    let run = RunJson::build(made, &checked.bundle, counts, &checked.findings, rows)?;
    let summary = RunSummary::of(&run, checked.bundle.rejected.len() as u64);
    Ok(Outputs {
        resolutions,
        frames,
        run,
        summary,
        written: None,
        ledger_sellers,
    })
}

/// Every output's frame but the exceptions' and reconciliation's, given.
fn frames(checked: &Checked, exceptions: DataFrame, reconciliation: DataFrame) -> Result<Frames> {
    let _step = Step::start("completeness, responsibility and decisions");
    Ok(Frames {
        exceptions,
        reconciliation,
        completeness: report::completeness(&checked.queries)
            .context("completeness report failed")?,
        rejected: report::rejected(&checked.bundle.rejected)?,
        responsibility: report::responsibility(&checked.queries, &checked.findings.all)
            .context("responsibility report failed")?,
        decisions: report::decisions::decisions(&checked.matched)
            .context("decisions report failed")?,
        jpk_corrections: report::jpk_corrections(&checked.queries, &checked.findings.all)
            .context("JPK corrections worklist failed")?,
        rates: report::rates(&checked.bundle.table(Source::Rates)?)?,
    })
}

/// Rows per CSV file, for `run.json` (the reconciliation's is every
/// invoice's, also when the frame holds only some of them).
pub(super) fn rows_per_file(frames: &Frames, invoices: u64) -> BTreeMap<String, u64> {
    frames
        .csv_files()
        .iter()
        .map(|(name, df)| {
            let rows = match *name {
                "reconciliation.csv" => invoices,
                _ => df.height() as u64,
            };
            (name.to_string(), rows)
        })
        .collect()
}
