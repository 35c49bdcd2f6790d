//! Matching (contract section 4): one row per invoice across the ledger, the
//! offline log and KSeF, with its issue date, mode, period, deadline and
//! status. Everything here is a polars lazy query over whole tables; the only
//! Rust loops run over distinct deadline keys (see `deadlines`).
//!
//! This stage states facts about each invoice; which of them are exceptions
//! is decided by the rules in `queries/rules/`.

pub mod deadlines;
pub mod invoices;
mod key_index;
pub mod numbering;
pub mod periods;

use chrono::NaiveDate;
use polars::prelude::*;
use rayon::prelude::*;

use crate::frame::{date_lit, name_of};
use crate::ingest::Bundle;
use crate::ingest::schema::Source;
use crate::validate;

/// What the matching needs besides the bundle.
#[derive(Debug, Clone)]
pub struct Params {
    pub as_of: NaiveDate,
    /// Our NIPs; empty means every seller is ours.
    pub sellers: Vec<String>,
    /// In grosze.
    pub amount_tolerance: i64,
}

/// The reconciled tables the rules and reports are built from.
pub struct Reconciled {
    /// One row per (seller_nip, invoice_number), without the sparse views'
    /// columns: read it through [`Reconciled::invoices_lazy`].
    pub invoices: DataFrame,
    /// The offline log's, UPOs' and archive's views of the invoices.
    pub sparse: invoices::Sparse,
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
    /// KSeF metadata records left out because KSeF received them after the as-of date.
    pub ksef_after_as_of: u64,
    /// UPO documents left out for the same reason.
    pub upo_after_as_of: u64,
    /// Whether `ledger`, `ksef`, `upo` and `archive` were emptied once the
    /// rules that read them ran (see `release_row_level`).
    pub row_level_released: bool,
    /// Whether the invoice table's rules-only columns were dropped (see
    /// `release_rule_columns`).
    pub rule_columns_released: bool,
}

/// The sources whose row-level tables only matching and the rules read.
pub const ROW_LEVEL: [Source; 4] = [
    Source::Ledger,
    Source::KsefMetadata,
    Source::Upo,
    Source::Archive,
];

/// Columns of the invoice table that only the rules read (the ledger's and
/// KSeF's own values, compared by the mismatch rules, and the counts and
/// flags of the duplicate and presence rules); the reports read the derived
/// ones. At 10M invoices they are some 1.5 GiB.
const RULES_ONLY_COLUMNS: [&str; 18] = [
    "ledger_issue_date",
    "ledger_gross_amount",
    "ledger_net_amount",
    "ledger_currency",
    "ledger_ksef_number",
    "ksef_marker",
    "meta_ksef_number",
    "ksef_issue_date",
    "ksef_gross_amount",
    "ksef_net_amount",
    "ksef_currency",
    invoices::KSEF_HASH_ROW,
    "ledger_rows",
    "ksef_records",
    "is_our_seller",
    "in_ksef_metadata",
    "in_upo",
    "lapsed_on",
];

impl Reconciled {
    /// Drops the invoice table's columns that only the rules read, once
    /// they have run, so the reports are built beside a narrower table. A
    /// report that names one fails rather than reading nothing.
    pub fn release_rule_columns(&mut self) {
        self.invoices = self.invoices.drop_many(RULES_ONLY_COLUMNS);
        self.sparse.drop(&invoices::KSEF_HASHES);
        self.rule_columns_released = true;
    }

    /// The invoice table with every column, the sparse views' gathered
    /// where the query reads them (after its filters).
    pub fn invoices_lazy(&self) -> LazyFrame {
        self.sparse.attach(self.invoices.clone().lazy())
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

/// Left join keeping the left side's order, so outputs never depend on
/// hash-table iteration.
pub fn left() -> JoinArgs {
    let mut args = JoinArgs::new(JoinType::Left);
    args.maintain_order = MaintainOrderJoin::Left;
    args
}

pub fn inner() -> JoinArgs {
    let mut args = JoinArgs::new(JoinType::Inner);
    args.maintain_order = MaintainOrderJoin::Left;
    args
}

/// Adds `<name>_key` for each user column: the name trimmed and lower-cased,
/// which is how the contract compares people.
fn with_user_keys(lf: LazyFrame, columns: &[&str]) -> LazyFrame {
    let keys: Vec<Expr> = columns
        .iter()
        .map(|c| {
            let name = if *c == "user" {
                "user_key".to_string()
            } else {
                format!("{c}_key")
            };
            col(*c)
                .str()
                .strip_chars(lit(NULL))
                .str()
                .to_lowercase()
                .alias(name)
        })
        .collect();
    lf.with_columns(keys)
}

/// When a decision was closed and by whom: its own `closed_at`/`closed_by`,
/// else its earliest `close_decision` activity.
fn with_effective_close(decisions: LazyFrame, activity: LazyFrame) -> LazyFrame {
    let closes = activity
        .filter(
            col("action")
                .eq(lit("close_decision"))
                .and(col("decision_id").is_not_null()),
        )
        .sort(["at"], SortMultipleOptions::default())
        .unique_stable_generic(Some(vec![col("decision_id")]), UniqueKeepStrategy::First)
        .select([
            col("decision_id"),
            col("at").alias("close_at"),
            col("user").alias("close_by"),
        ]);
    decisions
        .join(closes, [col("decision_id")], [col("decision_id")], left())
        .with_columns([
            coalesce(&[col("closed_at"), col("close_at")]).alias("closed_effective_at"),
            when(col("closed_at").is_not_null())
                .then(col("closed_by"))
                .otherwise(col("close_by"))
                .alias("closed_effective_by"),
        ])
        .drop(cols(["close_at", "close_by"]))
}

pub(crate) fn keys() -> [Expr; 2] {
    [col("seller_nip"), col("invoice_number")]
}

pub(crate) fn first_per_invoice(lf: LazyFrame) -> LazyFrame {
    lf.unique_stable_generic(Some(keys().to_vec()), UniqueKeepStrategy::First)
}

/// Adds `ksef_number_valid` (null where there is no number).
/// The format and CRC-8 check is Rust, not a polars expression, so the
/// column is checked in pieces on rayon's pool (at 10M rows it took 1.7 s on
/// one core).
fn with_validity(mut df: DataFrame, column: &str) -> PolarsResult<DataFrame> {
    const PIECE: usize = 1 << 18;
    let numbers = df.column(column)?.str()?.rechunk();
    let starts: Vec<usize> = (0..numbers.len()).step_by(PIECE).collect();
    let pieces: Vec<BooleanChunked> = starts
        .into_par_iter()
        .map(|start| {
            numbers
                .slice(start as i64, PIECE)
                .iter()
                .map(|v| v.map(validate::is_valid_ksef_number))
                .collect()
        })
        .collect();
    let mut valid = BooleanChunked::full_null("ksef_number_valid".into(), 0);
    for piece in &pieces {
        valid.append(piece)?;
    }
    valid.rechunk_mut();
    df.with_column(valid.into_column())?;
    Ok(df)
}

/// The columns of the ledger and KSeF tables kept once the invoice table
/// is built: what INVALID_KSEF_NUMBER and DUPLICATE_IN_KSEF read. At 10M
/// invoices the others are some 1.3 GiB that nothing reads again.
const ROW_LEVEL_COLUMNS: [&str; 6] = [
    "seller_nip",
    "invoice_number",
    "ksef_number",
    "ksef_number_valid",
    "_file",
    "_line",
];

/// Matches the bundle's tables into the invoice table. The bundle's
/// row-level tables (`ROW_LEVEL`) are released once read: from then on
/// `Reconciled` holds what is left of them.
pub fn reconcile(bundle: &mut Bundle, params: &Params) -> PolarsResult<Reconciled> {
    let as_of = date_lit(params.as_of);
    let announcements = bundle
        .table(Source::Announcements)
        .map_err(to_polars)?
        .lazy();
    let events = periods::events(announcements.clone()).collect()?;
    let links = periods::announcement_events(announcements);
    let activity = with_user_keys(
        bundle.table(Source::Activity).map_err(to_polars)?.lazy(),
        &["user"],
    )
    .collect()?;
    let grants = with_user_keys(
        bundle.table(Source::Grants).map_err(to_polars)?.lazy(),
        &["user", "reviewed_by"],
    )
    .collect()?;
    let decisions_raw = bundle.table(Source::Decisions).map_err(to_polars)?.lazy();
    let decisions = periods::decisions(
        decisions_raw
            .unique_stable_generic(Some(vec![col("decision_id")]), UniqueKeepStrategy::First),
        events.clone().lazy(),
        links,
    );
    let decisions = with_user_keys(
        with_effective_close(decisions, activity.clone().lazy()),
        &["declared_by", "approved_by", "closed_effective_by"],
    )
    .collect()?;

    let step = crate::progress::Step::start("ledger and KSeF number checks");
    let mut ledger = with_validity(
        bundle.table(Source::Ledger).map_err(to_polars)?,
        "ksef_number",
    )?;
    let offline_log = with_user_keys(
        bundle.table(Source::OfflineLog).map_err(to_polars)?.lazy(),
        &["issued_by"],
    )
    .collect()?;
    let numbering_gaps = numbering::gaps(offline_log.clone().lazy())?;
    let ksef_all = bundle
        .table(Source::KsefMetadata)
        .map_err(to_polars)?
        .lazy()
        .with_column(
            col("invoicing_date")
                .cast(DataType::Date)
                .alias("submitted_on"),
        )
        .collect()?;
    let ksef_all_rows = ksef_all.height();
    let mut ksef = with_validity(known_at(ksef_all, &as_of)?, "ksef_number")?;
    let ksef_after_as_of = (ksef_all_rows - ksef.height()) as u64;
    let upo_all = bundle.table(Source::Upo).map_err(to_polars)?;
    let upo = with_validity(
        known_at(
            upo_all
                .clone()
                .lazy()
                .with_column(
                    col("submitted_at")
                        .cast(DataType::Date)
                        .alias("submitted_on"),
                )
                .collect()?,
            &as_of,
        )?,
        "ksef_number",
    )?;
    let upo_after_as_of = (upo_all.height() - upo.height()) as u64;
    let archive = bundle.table(Source::Archive).map_err(to_polars)?;
    bundle.release(&ROW_LEVEL);
    drop(step);

    let log_first = periods::log_periods(
        first_per_invoice(offline_log.clone().lazy()),
        decisions.clone().lazy(),
        events.clone().lazy(),
    );
    let views = invoices::Views {
        ledger: &ledger,
        log_first,
        ksef: &ksef,
        upo: &upo,
        archive: &archive,
    };
    // Materialised once: the deadline step reads it twice (its distinct keys,
    // then the results set beside it), and a lazy plan would be computed twice.
    let step = crate::progress::Step::start("invoice table");
    let (joined, sparse) = invoices::gather_views(views)?;
    // The invoice table now holds what it needs of the ledger and KSeF
    // tables; the rules that still read them (`rules::ROW_LEVEL_RULES`)
    // need only each row's key, KSeF number and origin.
    // (Assigned, not shadowed: a shadowed table would live on to the end.)
    ledger = ledger.select(ROW_LEVEL_COLUMNS)?;
    ksef = ksef.select(ROW_LEVEL_COLUMNS)?;
    let derived = crate::progress::Step::start("derived columns");
    let (invoices, sparse) = invoices::derive(joined, sparse, params)?;
    drop(derived);
    drop(step);
    let _step = crate::progress::Step::start("deadlines and statuses");
    let outages = periods::outages(&events)?;
    let inputs = sparse.attach(invoices.clone().lazy());
    let invoices = deadlines::add_deadlines(invoices, inputs, &outages)?;
    // Already in output order (sorted by seller NIP and invoice number).
    let invoices = with_status(invoices.lazy(), as_of).collect()?;
    tracing::debug!(
        rows = invoices.height(),
        columns = invoices.width(),
        mib = crate::frame::frame_bytes(&invoices) >> 20,
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
    Ok(Reconciled {
        invoices,
        sparse,
        ledger,
        offline_log,
        decisions,
        ksef,
        events,
        upo,
        archive,
        ksef_after_as_of,
        upo_after_as_of,
        row_level_released: false,
        rule_columns_released: false,
        activity,
        grants,
        numbering_gaps,
    })
}

/// The rows with `submitted_on` on or before the as-of date (none without
/// one). Usually that
/// is all of them, and the table is then kept as it is rather than copied
/// by a filter (the KSeF table is 1.9 GiB at 10M invoices).
fn known_at(table: DataFrame, as_of: &Expr) -> PolarsResult<DataFrame> {
    let later = table
        .clone()
        .lazy()
        .select([col("submitted_on")
            .lt_eq(as_of.clone())
            .not()
            .fill_null(lit(true))
            .sum()
            .alias("later")])
        .collect()?;
    if later.column("later")?.get(0)?.extract::<u64>() == Some(0) {
        return Ok(table);
    }
    table
        .lazy()
        .filter(col("submitted_on").lt_eq(as_of.clone()))
        .collect()
}

fn to_polars(e: anyhow::Error) -> PolarsError {
    PolarsError::ComputeError(e.to_string().into())
}

/// The five statuses of contract section 4, in the order of their codes
/// in [`with_status`].
const STATUSES: [&str; 5] = [
    "not_required",
    "submitted_on_time",
    "submitted_late",
    "overdue",
    "pending",
];

/// The five statuses of contract section 4.
///
/// The rules pick a code, named once at the end ([`name_of`]): with the
/// names in the chain each link was a text column, some 1 GB of fresh
/// memory at 10M invoices for a column of 160 MB.
fn with_status(invoices: LazyFrame, as_of: Expr) -> LazyFrame {
    let [not_required, on_time, late, overdue, pending] = [0u8, 1, 2, 3, 4].map(lit);
    let sent = col("submitted_on").is_not_null();
    let kind = |k: &str| col("deadline_kind").eq(lit(k)).fill_null(lit(false));
    let code = when(col("requires_ksef").not())
        .then(not_required.clone())
        .when(kind("date").and(sent.clone()))
        .then(
            when(col("submitted_on").lt_eq(col("deadline")))
                .then(on_time.clone())
                .otherwise(late),
        )
        .when(kind("date"))
        .then(
            when(as_of.gt(col("deadline")))
                .then(overdue)
                .otherwise(pending.clone()),
        )
        .when(kind("open"))
        .then(when(sent.clone()).then(on_time.clone()).otherwise(pending))
        .when(
            kind("lapsed")
                .and(sent)
                .and(col("submitted_on").lt_eq(col("lapsed_on"))),
        )
        .then(on_time)
        .otherwise(not_required);
    invoices.with_column(name_of(&STATUSES, code).alias("status"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted(days: &[Option<&str>]) -> DataFrame {
        let dates: Vec<Option<i32>> = days
            .iter()
            .map(|d| d.map(|d| crate::ingest::fields::date_to_days(d.parse().unwrap())))
            .collect();
        let column = Column::new("submitted_on".into(), dates)
            .cast(&DataType::Date)
            .unwrap();
        DataFrame::new(days.len(), vec![column]).unwrap()
    }

    #[test]
    fn records_known_at_the_as_of_date() {
        let as_of = date_lit("2026-03-31".parse().unwrap());
        let all_known = submitted(&[Some("2026-03-01"), Some("2026-03-31")]);
        assert_eq!(known_at(all_known, &as_of).unwrap().height(), 2);
        let some_later = submitted(&[
            Some("2026-04-01"),
            Some("2026-03-31"),
            None,
            Some("2026-01-02"),
        ]);
        let known = known_at(some_later, &as_of).unwrap();
        assert_eq!(
            known.height(),
            2,
            "the later record and the undated one are left out"
        );
        let only_undated = submitted(&[Some("2026-03-01"), None]);
        assert_eq!(known_at(only_undated, &as_of).unwrap().height(), 1);
    }
}
