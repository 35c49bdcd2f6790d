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

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;
use rayon::prelude::*;

use crate::contract::Source;
use crate::contract::Status;
use crate::frame::{date_lit, name_of};
use crate::ingest::Bundle;
use crate::ingest::extract::Extract;
use crate::validate;

/// What the matching needs besides the bundle.
#[derive(Debug, Clone)]
pub struct Params {
    pub as_of: NaiveDate,
    /// Our NIPs; empty means every seller is ours.
    pub sellers: Vec<String>,
    /// In grosze.
    pub amount_tolerance: i64,
    /// The day the sellers' KSeF duty began, and where a seller's differs.
    pub ksef_from: NaiveDate,
    pub ksef_from_by_seller: BTreeMap<String, NaiveDate>,
    /// When the user's KSeF extract was taken (`ksef_extract_through`).
    pub ksef_extract_through: Option<NaiveDateTime>,
}

impl Params {
    /// Every seller whose `ksef_from` is set on its own, with that day.
    fn ksef_from_expr(&self) -> Expr {
        self.ksef_from_by_seller
            .iter()
            .fold(date_lit(self.ksef_from), |otherwise, (nip, day)| {
                when(col("seller_nip").eq(lit(nip.as_str())))
                    .then(date_lit(*day))
                    .otherwise(otherwise)
            })
    }
}

/// The reconciled tables the rules and reports are built from.
pub struct Matched {
    /// One row per (seller_nip, invoice_number), without the sparse views'
    /// columns: read it through [`Matched::invoices_lazy`].
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
const RULES_ONLY_COLUMNS: [&str; 20] = [
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
    "sent_offline",
    "offline_not_in_log",
];

impl Matched {
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
/// `Matched` holds what is left of them.
pub fn match_invoices(bundle: &mut Bundle, params: &Params) -> PolarsResult<Matched> {
    let as_of = date_lit(params.as_of);
    let as_of_end = crate::frame::local_lit(end_of_day(params.as_of));
    let mut cut = AsOfCut::default();
    let extract = bundle.extract(params.ksef_extract_through);
    let announcements = cut
        .keep(
            bundle.table(Source::Announcements).map_err(to_polars)?,
            Source::Announcements,
            col("start").lt_eq(as_of_end.clone()),
        )?
        .lazy();
    let events = periods::events(announcements.clone()).collect()?;
    let links = periods::announcement_events(announcements);
    let activity = cut.keep(
        bundle.table(Source::Activity).map_err(to_polars)?,
        Source::Activity,
        col("at").lt_eq(as_of_end.clone()),
    )?;
    let activity = with_user_keys(activity.lazy(), &["user"]).collect()?;
    let grants = with_user_keys(
        bundle.table(Source::Grants).map_err(to_polars)?.lazy(),
        &["user", "reviewed_by"],
    )
    .collect()?;
    let decisions_raw = cut
        .keep(
            bundle.table(Source::Decisions).map_err(to_polars)?,
            Source::Decisions,
            col("started_at").lt_eq(as_of_end),
        )?
        .lazy();
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
    let issued = col("issue_date").lt_eq(as_of.clone());
    let ledger = cut.keep(
        bundle.table(Source::Ledger).map_err(to_polars)?,
        Source::Ledger,
        issued.clone(),
    )?;
    let mut ledger = with_validity(ledger, "ksef_number")?;
    let offline_log = cut.keep(
        bundle.table(Source::OfflineLog).map_err(to_polars)?,
        Source::OfflineLog,
        issued.clone(),
    )?;
    let offline_log = with_user_keys(offline_log.lazy(), &["issued_by"]).collect()?;
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
    let (upo_all, upo_not_production) = production_receipts(upo_all)?;
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
    let archive = cut.keep(
        bundle.table(Source::Archive).map_err(to_polars)?,
        Source::Archive,
        issued,
    )?;
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
    let invoices = with_status(invoices.lazy(), as_of, &extract).collect()?;
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
    Ok(Matched {
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
        after_as_of: cut.counts,
        extract,
        upo_not_production,
        row_level_released: false,
        rule_columns_released: false,
        activity,
        grants,
        numbering_gaps,
    })
}

/// The rows with `submitted_on` on or before the as-of date (none without
/// one).
fn known_at(table: DataFrame, as_of: &Expr) -> PolarsResult<DataFrame> {
    let known = col("submitted_on")
        .lt_eq(as_of.clone())
        .fill_null(lit(false));
    Ok(kept_where(table, known)?.0)
}

/// The rows of `table` for which `keep` (never null) holds, and how many
/// were left out. Usually that is none, and the table is then kept as it is
/// rather than copied by a filter (the KSeF table is 1.9 GiB at 10M
/// invoices).
fn kept_where(table: DataFrame, keep: Expr) -> PolarsResult<(DataFrame, u64)> {
    let count = table
        .clone()
        .lazy()
        .select([keep.clone().not().sum().alias("left_out")])
        .collect()?;
    let left_out = count
        .column("left_out")?
        .get(0)?
        .extract::<u64>()
        .unwrap_or(0);
    if left_out == 0 {
        return Ok((table, 0));
    }
    Ok((table.lazy().filter(keep).collect()?, left_out))
}

/// The last millisecond of a Warsaw day: "after the as-of date" means
/// after this moment.
pub fn end_of_day(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_milli_opt(23, 59, 59, 999).unwrap_or_default()
}

/// What does not exist yet on the as-of date: rows dated after it are left
/// out of the run and counted per source (contract section 2).
#[derive(Default)]
struct AsOfCut {
    counts: BTreeMap<&'static str, u64>,
}

impl AsOfCut {
    /// The rows of `table` for which `known` holds (a row whose date is
    /// missing is kept: its own checks deal with it).
    fn keep(&mut self, table: DataFrame, source: Source, known: Expr) -> PolarsResult<DataFrame> {
        let (kept, left_out) = kept_where(table, known.fill_null(lit(true)))?;
        if left_out > 0 {
            self.counts.insert(source.name(), left_out);
        }
        Ok(kept)
    }
}

/// The receiving party of production KSeF, as a UPO names it.
pub const PRODUCTION_RECEIVER: &str = "Ministerstwo Finansów";

/// Splits the UPO documents into those of production KSeF, which prove a
/// submission, and one row per file of any other receiver (a test or demo
/// environment): such a receipt proves nothing (UPO_NOT_PRODUCTION).
fn production_receipts(upo: DataFrame) -> PolarsResult<(DataFrame, DataFrame)> {
    let production = col("receiver")
        .eq(lit(PRODUCTION_RECEIVER))
        .fill_null(lit(false));
    let others = upo
        .clone()
        .lazy()
        .filter(production.clone().not())
        .select([col("upo_file"), col("receiver")])
        .unique_stable_generic(Some(vec![col("upo_file")]), UniqueKeepStrategy::First)
        .sort(["upo_file"], SortMultipleOptions::default())
        .collect()?;
    if others.height() == 0 {
        return Ok((upo, others));
    }
    Ok((upo.lazy().filter(production).collect()?, others))
}

fn to_polars(e: anyhow::Error) -> PolarsError {
    PolarsError::ComputeError(e.to_string().into())
}

/// The statuses of contract section 4 ([`Status`]).
///
/// The rules pick a code, named once at the end ([`name_of`]): with the
/// names in the chain each link was a text column, some 1 GB of fresh
/// memory at 10M invoices for a column of 160 MB.
///
/// An invoice with no submission found is `pending` or `overdue` only
/// where the KSeF extract proves its absence (complete, and covering its
/// P_1 and deadline: [`Extract::covers`]); elsewhere it is `unverified`.
/// An invoice whose duty lapsed and which KSeF has is on time, whenever
/// it was sent.
fn with_status(invoices: LazyFrame, as_of: Expr, extract: &Extract) -> LazyFrame {
    let code = |s: Status| lit(s.code());
    let sent = col("submitted_on").is_not_null();
    let kind = |k: &str| col("deadline_kind").eq(lit(k)).fill_null(lit(false));
    let proven_absent = match extract.span {
        Some((start, end)) => col("issue_date")
            .gt_eq(date_lit(start))
            .and(col("deadline").lt_eq(date_lit(end)))
            .fill_null(lit(false)),
        None => lit(false),
    };
    let status = when(col("requires_ksef").not())
        .then(code(Status::NotRequired))
        .when(kind("date").and(sent.clone()))
        .then(
            when(col("submitted_on").lt_eq(col("deadline")))
                .then(code(Status::SubmittedOnTime))
                .otherwise(code(Status::SubmittedLate)),
        )
        .when(kind("date").and(proven_absent))
        .then(
            when(as_of.gt(col("deadline")))
                .then(code(Status::Overdue))
                .otherwise(code(Status::Pending)),
        )
        .when(kind("date").or(kind("open")).and(sent.clone().not()))
        .then(code(Status::Unverified))
        .when(kind("open").or(kind("lapsed")).and(sent))
        .then(code(Status::SubmittedOnTime))
        .otherwise(code(Status::NotRequired));
    // An invoice that never required KSeF has no duty, so no deadline:
    // `none`, as a total_failure invoice's (the deadline step gives the
    // others none of its own).
    let no_duty = when(
        col("requires_ksef")
            .not()
            .and(col("deadline_kind").is_null()),
    )
    .then(lit("none"))
    .otherwise(col("deadline_kind"))
    .alias("deadline_kind");
    invoices
        .with_column(name_of(&Status::NAMES, status).alias("status"))
        .with_column(no_duty)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submitted(days: &[Option<&str>]) -> DataFrame {
        let dates: Vec<Option<i32>> = days
            .iter()
            .map(|d| d.map(|d| crate::contract::date_to_days(d.parse().unwrap())))
            .collect();
        let column = Column::new("submitted_on".into(), dates)
            .cast(&DataType::Date)
            .unwrap();
        DataFrame::new(days.len(), vec![column]).unwrap()
    }

    /// One invoice for [`with_status`]: requires KSeF, P_1, deadline
    /// (kind and date), submission date.
    type Case<'a> = (bool, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

    fn statuses(cases: &[Case<'_>], extract: &Extract, as_of: &str) -> Vec<String> {
        let day = |d: Option<&str>| {
            d.map(|d| crate::contract::date_to_days(d.parse().unwrap_or_default()))
        };
        let date_column = |name: &str, values: Vec<Option<i32>>| {
            Column::new(name.into(), values)
                .cast(&DataType::Date)
                .unwrap()
        };
        let df = DataFrame::new(
            cases.len(),
            vec![
                Column::new(
                    "requires_ksef".into(),
                    cases.iter().map(|c| c.0).collect::<Vec<_>>(),
                ),
                date_column("issue_date", cases.iter().map(|c| day(Some(c.1))).collect()),
                Column::new(
                    "deadline_kind".into(),
                    cases.iter().map(|c| c.2).collect::<Vec<_>>(),
                ),
                date_column("deadline", cases.iter().map(|c| day(c.3)).collect()),
                date_column("submitted_on", cases.iter().map(|c| day(c.4)).collect()),
            ],
        )
        .unwrap();
        let as_of = date_lit(as_of.parse().unwrap());
        let out = with_status(df.lazy(), as_of, extract).collect().unwrap();
        out.column("status")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|s| s.unwrap_or("").to_string())
            .collect()
    }

    fn covering(from: &str, through: &str) -> Extract {
        Extract {
            given: true,
            span: Some((from.parse().unwrap(), through.parse().unwrap())),
            ..Extract::default()
        }
    }

    #[test]
    fn absence_needs_an_extract_that_covers_p1_and_deadline() {
        let cases: [Case<'_>; 5] = [
            (true, "2026-03-10", "date", Some("2026-03-11"), None),
            (true, "2026-03-31", "date", Some("2026-04-01"), None),
            (true, "2026-04-09", "date", Some("2026-04-10"), None),
            (
                true,
                "2026-03-10",
                "date",
                Some("2026-03-11"),
                Some("2026-03-12"),
            ),
            (true, "2026-02-27", "date", Some("2026-03-02"), None),
        ];
        let covered = statuses(&cases, &covering("2026-03-01", "2026-04-10"), "2026-04-10");
        assert_eq!(
            covered,
            [
                "overdue",
                "overdue",
                "pending",
                "submitted_late",
                "unverified"
            ],
            "P_1 2026-02-27 lies before the extract's first day"
        );
        let short = statuses(&cases, &covering("2026-03-01", "2026-03-31"), "2026-04-10");
        assert_eq!(
            short,
            [
                "overdue",
                "unverified",
                "unverified",
                "submitted_late",
                "unverified"
            ],
            "a deadline after the extract's last day is not covered"
        );
        let none = statuses(&cases, &Extract::default(), "2026-04-10");
        assert_eq!(
            none,
            [
                "unverified",
                "unverified",
                "unverified",
                "submitted_late",
                "unverified"
            ]
        );
    }

    #[test]
    fn lapsed_duty_with_a_submission_is_on_time_and_no_duty_is_not_required() {
        let cases: [Case<'_>; 6] = [
            (true, "2026-03-10", "lapsed", None, Some("2026-03-30")),
            (true, "2026-03-10", "lapsed", None, None),
            (
                false,
                "2026-03-10",
                "date",
                Some("2026-03-11"),
                Some("2026-03-10"),
            ),
            (true, "2026-03-10", "open", None, Some("2026-03-12")),
            (true, "2026-03-10", "open", None, None),
            (
                true,
                "2026-03-10",
                "date",
                Some("2026-03-11"),
                Some("2026-03-11"),
            ),
        ];
        let got = statuses(&cases, &covering("2026-03-01", "2026-04-10"), "2026-04-10");
        assert_eq!(
            got,
            [
                "submitted_on_time",
                "not_required",
                "not_required",
                "submitted_on_time",
                "unverified",
                "submitted_on_time"
            ],
            "a period still on has no date an extract could cover"
        );
    }

    #[test]
    fn rows_after_the_as_of_date_are_counted_and_left_out() {
        let rows = submitted(&[Some("2026-04-11"), Some("2026-04-10"), None]);
        let mut cut = AsOfCut::default();
        let kept = cut
            .keep(
                rows,
                Source::Ledger,
                col("submitted_on").lt_eq(date_lit("2026-04-10".parse().unwrap())),
            )
            .unwrap();
        assert_eq!(kept.height(), 2, "the undated row stays for its own checks");
        assert_eq!(cut.counts.get("ledger"), Some(&1));
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
