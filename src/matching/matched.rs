//! What matching hands on: the invoice table and the row-level tables the
//! rules read, with the methods that release them once the rules have run.
//! What the rules read is declared by the rules (`rules::Rule::columns`,
//! `rules::ROW_LEVEL_COLUMNS`) and handed in by the pipeline.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::invoices::{self, Sparse};
use crate::contract::Source;
use crate::ingest::extract::Extract;

/// The reconciled tables the rules and reports are built from.
pub struct Matched {
    /// One row per (seller_nip, invoice_number), without the sparse views'
    /// columns: read it through [`Matched::invoices_lazy`].
    pub invoices: DataFrame,
    /// Each invoice's `deadline_basis` at its `deadline_basis_code`: one
    /// text per distinct way a deadline was reached, not one per invoice.
    pub deadline_bases: Series,
    /// The offline log's, UPOs' and archive's views of the invoices.
    pub sparse: Sparse,
    /// Every accepted ledger row: its key, KSeF number with
    /// `ksef_number_valid`, `_file` and `_line` (`ROW_LEVEL_COLUMNS`).
    pub ledger: DataFrame,
    /// Every accepted offline-log row.
    pub offline_log: DataFrame,
    /// Decisions with their period (see `periods::decisions`).
    pub decisions: DataFrame,
    /// KSeF records known at the as-of date, with the columns of `ledger`.
    pub ksef: DataFrame,
    /// Announcements merged into events.
    pub events: DataFrame,
    /// The access log, with `user_key`.
    pub activity: DataFrame,
    /// Emergency access grants, with `user_key` and `reviewed_by_key`.
    pub grants: DataFrame,
    /// Numbers missing inside offline-log series (see `numbering`).
    pub numbering_gaps: DataFrame,
    /// UPO receipt documents known at the as-of date, with `submitted_on`
    /// and `ksef_number_valid`.
    pub upo: DataFrame,
    /// Archived FA(3) files, one row each.
    pub archive: DataFrame,
    /// One row per reference from an archived correction to the invoice it
    /// corrects, with when KSeF numbered both (see `corrections`); kept
    /// when the row-level tables are released (a few rows).
    pub corrections: DataFrame,
    /// KSeF metadata records left out because KSeF received them after the as-of date.
    pub ksef_after_as_of: u64,
    /// UPO documents left out for the same reason.
    pub upo_after_as_of: u64,
    /// Rows of the other sources dated after the as-of date, which do not
    /// exist yet for the run, by source name.
    pub after_as_of: BTreeMap<&'static str, u64>,
    /// Whether the KSeF extract proves absence, and for which dates.
    pub extract: Extract,
    /// UPO files of a test or demo environment: `upo_file`, `receiver`.
    pub upo_not_production: DataFrame,
    /// Whether `ledger`, `ksef`, `upo` and `archive` were emptied once the
    /// rules that read them ran (see `release_row_level`).
    pub row_level_released: bool,
    /// Whether the invoice table's rules-only columns were dropped (see
    /// `release_rule_columns`).
    pub rule_columns_released: bool,
    /// A scenario's assumptions and what each ended (`run --assume-end`);
    /// empty for a run on the records as they are.
    pub scenario: Vec<super::scenario::Applied>,
    /// The NBP rates the exposure used (`rate_date`, `currency`, `rate` in
    /// ten-thousandths, `table`), and those it needed but the bundle lacks
    /// (`rate_date`, `currency`): see `exposure`.
    /// The JPK_V7 files read as returns, and what became of each.
    pub jpk_returns: Vec<super::returns::JpkReturn>,
    /// The ledger rows of the returns that stand, with each return's
    /// period and moment (`returns::JPK_ROW_COLUMNS`).
    pub jpk_rows: DataFrame,
    /// Ledger rows left out as rows of replaced returns.
    pub jpk_replaced_rows: u64,
    pub rates_used: DataFrame,
    pub rates_missing: DataFrame,
}

/// The sources whose row-level tables only matching and the rules read.
pub const ROW_LEVEL: [Source; 4] = [
    Source::Ledger,
    Source::KsefMetadata,
    Source::Upo,
    Source::Archive,
];

/// Columns matching adds to the invoice table for its own steps, which no
/// rule or report reads: dropped with the rules' columns.
const MATCHING_ONLY_COLUMNS: [&str; 3] = [invoices::KSEF_HASH_ROW, "lapsed_on", "no_duty_reason"];

impl Matched {
    /// Drops the invoice table's columns that only the rules read
    /// (`rules_only`, every rule's declared `columns`) and those matching
    /// added for itself, once
    /// they have run, so the reports are built beside a narrower table. A
    /// report that names one fails rather than reading nothing.
    pub fn release_rule_columns(&mut self, rules_only: &[&str]) {
        let columns = rules_only.iter().chain(&MATCHING_ONLY_COLUMNS);
        self.invoices = self.invoices.drop_many(columns.copied());
        self.sparse.drop(&invoices::KSEF_HASHES);
        self.rule_columns_released = true;
    }

    /// The invoice table with every column, the sparse views' gathered
    /// where the query reads them (after its filters).
    pub fn invoices_lazy(&self) -> LazyFrame {
        self.sparse.attach(self.invoices.clone().lazy())
    }

    /// Each invoice's `deadline_basis`, named from its code.
    pub fn deadline_basis(&self) -> Expr {
        lit(self.deadline_bases.clone())
            .gather(col("deadline_basis_code"), false)
            .alias("deadline_basis")
    }

    /// Empties the ledger, KSeF, UPO and archive tables, which only a few
    /// rules read once matching is done: at 10M invoices what is left of
    /// them still holds some 1.4 GiB (16 bytes per text cell) that the
    /// other rules and the reports have no use for. The SQL context then
    /// leaves them out, so a query that still names one fails instead of
    /// seeing no rows.
    pub fn release_row_level(&mut self) {
        for table in [
            &mut self.ledger,
            &mut self.ksef,
            &mut self.upo,
            &mut self.archive,
        ] {
            *table = table.clear();
        }
        self.row_level_released = true;
    }
}
