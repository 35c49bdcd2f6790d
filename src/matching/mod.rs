//! Matching (contract section 4): one row per invoice across the ledger, the
//! offline log and KSeF, with its issue date, mode, period, deadline and
//! status. Everything here is a polars lazy query over whole tables; the only
//! Rust loops run over distinct deadline keys (see `deadlines`).
//!
//! This stage states facts about each invoice; which of them are exceptions
//! is decided by the rules in `queries/rules/`.
//!
//! [`match_invoices`] takes the steps in turn: the bundle's tables as known
//! at the as-of date (`sources`, `as_of`), the invoice table gathered along
//! the key index and its facts derived (`invoices`, `key_index`, `periods`),
//! then each invoice's deadline and status (`deadlines`, `status`). What the
//! steps share (`params`, `matched`) lives in files of its own,
//! which each step imports by its own path; this file declares the steps,
//! re-exports what the rest of the crate uses and runs them.

mod as_of;
pub mod corrections;
pub mod deadlines;
pub mod exposure;
pub mod invoices;
mod key_index;
mod matched;
pub mod numbering;
mod params;
pub mod periods;
mod receipts;
pub mod returns;
mod scenario;
mod sources;
mod status;
mod users;
mod validity;

use polars::prelude::*;

use crate::frame::{date_lit, first_per_invoice};
use crate::ingest::Bundle;
use crate::ingest::extract::Extract;
use crate::progress::Step;
use as_of::AsOfCut;
use invoices::Sparse;
use sources::{Records, Rows};

pub use as_of::end_of_day;
pub use matched::{Matched, ROW_LEVEL};
pub use params::Params;
pub use receipts::PRODUCTION_RECEIVER;
pub use scenario::{Applied, AssumedEnd};

/// Matches the bundle's tables into the invoice table. The bundle's
/// row-level tables (`ROW_LEVEL`) are released once read: from then on
/// `Matched` holds what is left of them.
pub fn match_invoices(bundle: &mut Bundle, params: &Params) -> PolarsResult<Matched> {
    let mut cut = AsOfCut::default();
    let extract = bundle.extract(params.ksef_extract_through);
    let records = sources::records(bundle, params.as_of, &params.assume_end, &mut cut)?;
    let step = Step::start("ledger and KSeF number checks");
    let mut rows = sources::rows(bundle, params.as_of, &mut cut)?;
    drop(step);
    let corrections =
        corrections::corrections(&rows.archive, &rows.ksef, &rows.upo, &rows.offline_log)?;
    let (invoices, sparse) = invoice_table(&mut rows, &records, &corrections, params)?;
    let _step = Step::start("deadlines and statuses");
    let (invoices, deadline_bases) =
        deadlines_and_statuses(invoices, &sparse, &records.events, params, &extract)?;
    let rates = bundle
        .table(crate::contract::Source::Rates)
        .map_err(|e| PolarsError::ComputeError(e.to_string().into()))?;
    let exposure = exposure::with_exposure(invoices, &rates)?;
    let jpk_rows = returns::with_invoice_facts(rows.jpk_rows, &exposure.invoices, &sparse)?;
    let invoices = exposure.invoices;
    log_sizes(&invoices);
    Ok(Matched {
        invoices,
        rates_used: exposure.rates_used,
        rates_missing: exposure.rates_missing,
        deadline_bases,
        sparse,
        ledger: rows.ledger,
        offline_log: rows.offline_log,
        decisions: records.decisions,
        ksef: rows.ksef,
        events: records.events,
        upo: rows.upo,
        archive: rows.archive,
        corrections,
        ksef_after_as_of: rows.ksef_after_as_of,
        upo_after_as_of: rows.upo_after_as_of,
        after_as_of: cut.into_counts(),
        extract,
        upo_not_production: rows.upo_not_production,
        row_level_released: false,
        rule_columns_released: false,
        activity: records.activity,
        grants: records.grants,
        numbering_gaps: rows.numbering_gaps,
        scenario: records.scenario,
        jpk_returns: rows.jpk_returns,
        jpk_rows,
        jpk_replaced_rows: rows.jpk_replaced_rows,
    })
}

/// The invoice table and its sparse views: every source's view gathered
/// along the key index, then P_1, mode, `requires_ksef` and the submission
/// derived (see [`invoices::derive`]). The offline log's view carries each
/// row's period (see [`periods::log_periods`]). As soon as the table holds
/// what it needs of the ledger and KSeF tables, they are narrowed to
/// the columns the rules read of them (`Params::row_level_columns`), so that their other columns never live beside the
/// derived table.
fn invoice_table(
    rows: &mut Rows,
    records: &Records,
    corrections: &DataFrame,
    params: &Params,
) -> PolarsResult<(DataFrame, Sparse)> {
    let log_first = periods::log_periods(
        first_per_invoice(rows.offline_log.clone().lazy()),
        records.decisions.clone().lazy(),
        records.events.clone().lazy(),
    );
    let views = invoices::Views {
        ledger: &rows.ledger,
        log_first,
        ksef: &rows.ksef,
        upo: &rows.upo,
        archive: &rows.archive,
        corrections: &corrections::view(corrections)?,
    };
    // Materialised once: the deadline step reads it twice (its distinct keys,
    // then the results set beside it), and a lazy plan would be computed twice.
    let step = Step::start("invoice table");
    let (joined, sparse) = invoices::gather_views(views)?;
    // The invoice table now holds what it needs of the ledger and KSeF
    // tables; the rules that still read them (`rules::Rule::row_level`)
    // need only the columns they declare.
    // (Assigned, not shadowed: the wide tables are freed here.)
    rows.ledger = rows
        .ledger
        .select(params.row_level_columns.iter().copied())?;
    rows.ksef = rows.ksef.select(params.row_level_columns.iter().copied())?;
    let derived = Step::start("derived columns");
    let table = invoices::derive(joined, sparse, params)?;
    drop(derived);
    drop(step);
    Ok(table)
}

/// Each invoice's deadline (contract section 3: its mode, P_1 and period,
/// against the outages the events record), then its status from the
/// deadline, its submission and what the KSeF extract proves. The deadline
/// step reads the table with the offline log's columns attached; the
/// table comes out in output order (sorted by seller NIP and invoice
/// number), as it went in.
fn deadlines_and_statuses(
    invoices: DataFrame,
    sparse: &Sparse,
    events: &DataFrame,
    params: &Params,
    extract: &Extract,
) -> PolarsResult<(DataFrame, Series)> {
    let outages = periods::outages(events)?;
    let inputs = sparse.attach(invoices.clone().lazy());
    let (invoices, bases) = deadlines::add_deadlines(invoices, inputs, &outages)?;
    let invoices =
        status::with_status(invoices.lazy(), date_lit(params.as_of), extract).collect()?;
    Ok((invoices, bases))
}

/// The invoice table's size, and each column's largest first, at debug
/// level: where a large run's memory goes (docs/performance.md).
fn log_sizes(invoices: &DataFrame) {
    tracing::debug!(
        rows = invoices.height(),
        columns = invoices.width(),
        mib = crate::frame::frame_bytes(invoices) >> 20,
        "invoice table"
    );
    if tracing::enabled!(tracing::Level::DEBUG) {
        let mut sizes: Vec<(usize, &str)> = invoices
            .columns()
            .iter()
            .map(|c| (crate::frame::held_bytes(c), c.name().as_str()))
            .collect();
        sizes.sort_unstable_by(|a, b| b.cmp(a));
        for (bytes, name) in sizes {
            tracing::debug!(column = name, mib = bytes >> 20, "invoice column");
        }
    }
}
