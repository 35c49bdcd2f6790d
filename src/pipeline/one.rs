//! A bundle matched in one run, in memory.

use anyhow::Result;
use polars::prelude::*;

use super::assemble::{Outputs, assemble};
use super::job::Job;
use super::stages;
use crate::contract::Source;
use crate::ingest;
use crate::progress::{Stage, Step};
use crate::report;
use crate::report::run_json::{Counts, Made};

/// Loads, matches and checks the whole bundle, and builds every output
/// frame; writes nothing.
pub fn outputs(job: &Job<'_>) -> Result<Outputs> {
    crate::memory::fit_pages_to(job.input);
    let bundle = stages::load(job.input, job.config)?;
    outputs_of(job, bundle)
}

/// The outputs of one invoice (`ksef-recon explain`): the bundle with the
/// ledger's and KSeF metadata's rows cut to that invoice's as each file is
/// read, every other source whole. Everything about the invoice comes out
/// as from the whole bundle (its statuses, deadline, its own findings, the
/// findings across the offline log, UPOs and archive), but for what needs
/// other invoices' ledger or KSeF rows: a KSeF number it shares with
/// another invoice of the ledger or KSeF metadata (DUPLICATE_KSEF_NUMBER)
/// is not seen. At 10M invoices this reads the bundle once and matches a
/// few rows instead of ten million.
///
/// Returns too the invoice's rows of the ledger and KSeF metadata as
/// loaded (`_file`, `_line`), by source: the lines `explain` shows.
pub fn outputs_of_invoice(
    job: &Job<'_>,
    seller: &str,
    number: &str,
) -> Result<(Outputs, Vec<(Source, DataFrame)>)> {
    let (seller, number) = (seller.to_string(), number.to_string());
    let keep = move |source: Source, _: usize, table: DataFrame| -> PolarsResult<DataFrame> {
        match source {
            Source::Ledger | Source::KsefMetadata => table
                .lazy()
                .filter(
                    col("invoice_number")
                        .eq(lit(number.as_str()))
                        .and(col("seller_nip").eq(lit(seller.as_str()))),
                )
                .collect(),
            _ => Ok(table),
        }
    };
    let bundle = {
        let _stage = Stage::start("loading the bundle");
        ingest::load_with(job.input, job.config, &Source::ALL, Some(&keep))?
    };
    let mut rows = Vec::new();
    for source in [Source::Ledger, Source::KsefMetadata] {
        if let Some(table) = bundle.tables.get(&source) {
            rows.push((source, table.select(["_file", "_line"])?));
        }
    }
    Ok((outputs_of(job, bundle)?, rows))
}

/// Matches and checks a loaded bundle and builds every output frame.
fn outputs_of(job: &Job<'_>, bundle: ingest::Bundle) -> Result<Outputs> {
    let started = crate::clock::now_utc_text();
    let params = job.params();
    let checked = stages::check(bundle, &params)?;
    let _stage = Stage::start("building the reports");
    let step = Step::start("reconciliation frame");
    let reconciliation = report::reconciliation(&checked.matched)?;
    drop(step);
    let counts = Counts::of(&checked.matched, &checked.queries)?;
    let made = Made {
        started,
        as_of: job.as_of,
        config: job.config,
    };
    assemble(checked, reconciliation, counts, made)
}
