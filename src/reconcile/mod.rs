//! Matching (contract section 4): one row per invoice across the ledger, the
//! offline log and KSeF, with its issue date, mode, period, deadline and
//! status. Everything here is a polars lazy query over whole tables; the only
//! Rust loops run over distinct deadline keys (see `deadlines`).
//!
//! This stage states facts about each invoice; which of them are exceptions
//! is decided by the rules in `queries/rules/`.

pub mod deadlines;
pub mod numbering;
pub mod periods;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::frame::{date_lit, money_text, one_of};
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
    /// One row per (seller_nip, invoice_number).
    pub invoices: DataFrame,
    /// Every accepted ledger row, with `ksef_number_valid`.
    pub ledger: DataFrame,
    /// Every accepted offline-log row.
    pub offline_log: DataFrame,
    /// Decisions with their period (see `periods::decisions`).
    pub decisions: DataFrame,
    /// KSeF records known at the as-of date, with `submitted_on` and `ksef_number_valid`.
    pub ksef: DataFrame,
    /// Announcements merged into events.
    pub events: DataFrame,
    /// The access log, with `user_key`.
    pub activity: DataFrame,
    /// Emergency access grants, with `user_key` and `reviewed_by_key`.
    pub grants: DataFrame,
    /// Numbers missing inside offline-log series (see `numbering`).
    pub numbering_gaps: DataFrame,
    /// KSeF records left out because KSeF received them after the as-of date.
    pub ksef_after_as_of: u64,
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

fn keys() -> [Expr; 2] {
    [col("seller_nip"), col("invoice_number")]
}

fn first_per_invoice(lf: LazyFrame) -> LazyFrame {
    lf.unique_stable_generic(Some(keys().to_vec()), UniqueKeepStrategy::First)
}

/// Adds `ksef_number_valid` (null where there is no number).
fn with_validity(mut df: DataFrame, column: &str) -> PolarsResult<DataFrame> {
    let valid: BooleanChunked = df
        .column(column)?
        .str()?
        .iter()
        .map(|v| v.map(validate::is_valid_ksef_number))
        .collect();
    df.with_column(valid.with_name("ksef_number_valid".into()).into_column())?;
    Ok(df)
}

pub fn reconcile(bundle: &Bundle, params: &Params) -> PolarsResult<Reconciled> {
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

    let ledger = with_validity(
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
        );
    let ksef = with_validity(
        ksef_all
            .clone()
            .filter(col("submitted_on").lt_eq(as_of.clone()))
            .collect()?,
        "ksef_number",
    )?;
    let ksef_after_as_of = (bundle
        .tables
        .get(&Source::KsefMetadata)
        .map_or(0, |d| d.height())
        - ksef.height()) as u64;

    let log_first = periods::log_periods(
        first_per_invoice(offline_log.clone().lazy()),
        decisions.clone().lazy(),
        events.clone().lazy(),
    );
    let invoices = invoice_table(&ledger, log_first, &ksef, params)?;
    let outages = periods::outages(&events)?;
    let invoices = deadlines::add_deadlines(invoices, &outages)?;
    let invoices = with_status(invoices, as_of)
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    Ok(Reconciled {
        invoices,
        ledger,
        offline_log,
        decisions,
        ksef,
        events,
        ksef_after_as_of,
        activity,
        grants,
        numbering_gaps,
    })
}

fn to_polars(e: anyhow::Error) -> PolarsError {
    PolarsError::ComputeError(e.to_string().into())
}

/// Joins the three views of each invoice onto the union of their keys.
fn invoice_table(
    ledger: &DataFrame,
    log_first: LazyFrame,
    ksef: &DataFrame,
    params: &Params,
) -> PolarsResult<LazyFrame> {
    let all_keys = concat(
        [
            ledger.clone().lazy().select(keys()),
            log_first.clone().select(keys()),
            ksef.clone().lazy().select(keys()),
        ],
        UnionArgs::default(),
    )?
    .unique_stable_generic(None, UniqueKeepStrategy::First);

    let ledger_view = first_per_invoice(ledger.clone().lazy()).select([
        col("seller_nip"),
        col("invoice_number"),
        lit(true).alias("in_ledger"),
        col("issue_date").alias("ledger_issue_date"),
        col("gross_amount").alias("ledger_gross_amount"),
        col("net_amount").alias("ledger_net_amount"),
        col("currency").alias("ledger_currency"),
        col("ksef_number").alias("ledger_ksef_number"),
        col("ksef_marker"),
    ]);
    let log_view = log_first.select([
        col("seller_nip"),
        col("invoice_number"),
        lit(true).alias("in_offline_log"),
        col("issue_date").alias("log_issue_date"),
        col("issued_at"),
        col("mode").alias("log_mode"),
        col("issued_by"),
        col("issued_by_key"),
        col("decision_id"),
        col("decision_usable"),
        col("owner"),
        col("invoice_hash").alias("log_invoice_hash"),
        col("gross_amount").alias("log_gross_amount"),
        col("currency").alias("log_currency"),
        col("period_kind"),
        col("period_end"),
    ]);
    // Of several KSeF records for one invoice, the earliest submission counts.
    let ksef_view = first_per_invoice(ksef.clone().lazy().sort(
        ["invoicing_date", "ksef_number"],
        SortMultipleOptions::default(),
    ))
    .select([
        col("seller_nip"),
        col("invoice_number"),
        lit(true).alias("in_ksef"),
        col("ksef_number"),
        col("issue_date").alias("ksef_issue_date"),
        col("invoicing_date").alias("submitted_at"),
        col("submitted_on"),
        col("gross_amount").alias("ksef_gross_amount"),
        col("net_amount").alias("ksef_net_amount"),
        col("currency").alias("ksef_currency"),
        col("invoice_hash").alias("ksef_invoice_hash"),
        col("hash_of_corrected_invoice").alias("ksef_hash_of_corrected_invoice"),
    ]);

    let ours = if params.sellers.is_empty() {
        lit(true)
    } else {
        one_of(
            col("seller_nip"),
            &params
                .sellers
                .iter()
                .map(String::as_str)
                .collect::<Vec<_>>(),
        )
    };
    let marker_exempt = one_of(col("ksef_marker"), &["BFK", "DI"]);
    Ok(all_keys
        .join(ledger_view, keys(), keys(), left())
        .join(log_view, keys(), keys(), left())
        .join(ksef_view, keys(), keys(), left())
        .with_columns([
            col("in_ledger").fill_null(lit(false)),
            col("in_offline_log").fill_null(lit(false)),
            col("in_ksef").fill_null(lit(false)),
            ours.alias("is_our_seller"),
        ])
        .with_columns([
            coalesce(&[
                col("ksef_issue_date"),
                col("log_issue_date"),
                col("ledger_issue_date"),
            ])
            .alias("issue_date"),
            when(col("in_offline_log"))
                .then(col("log_mode"))
                .when(col("in_ledger"))
                .then(lit("online"))
                .otherwise(lit(NULL).cast(DataType::String))
                .alias("mode"),
            (col("in_offline_log").and(col("log_mode").neq(lit("total_failure"))))
                .or(col("in_ledger")
                    .and(col("in_offline_log").not())
                    .and(marker_exempt.not()))
                .alias("requires_ksef"),
            coalesce(&[col("ksef_number"), col("ledger_ksef_number")]).alias("ksef_number"),
            coalesce(&[
                col("ledger_gross_amount"),
                col("log_gross_amount"),
                col("ksef_gross_amount"),
            ])
            .alias("gross_amount"),
            coalesce(&[
                col("ledger_currency"),
                col("log_currency"),
                col("ksef_currency"),
            ])
            .alias("currency"),
        ])
        .with_columns([
            money_text(col("ledger_gross_amount")).alias("ledger_gross_text"),
            money_text(col("ledger_net_amount")).alias("ledger_net_text"),
            money_text(col("ksef_gross_amount")).alias("ksef_gross_text"),
            money_text(col("ksef_net_amount")).alias("ksef_net_text"),
        ])
        .with_column(
            when(
                col("requires_ksef").or(col("mode").eq(lit("total_failure")).fill_null(lit(false))),
            )
            .then(col("mode"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("deadline_mode"),
        ))
}

/// The five statuses of contract section 4.
fn with_status(invoices: LazyFrame, as_of: Expr) -> LazyFrame {
    let sent = col("submitted_on").is_not_null();
    let kind = |k: &str| col("deadline_kind").eq(lit(k)).fill_null(lit(false));
    let status = when(col("requires_ksef").not())
        .then(lit("not_required"))
        .when(kind("date").and(sent.clone()))
        .then(
            when(col("submitted_on").lt_eq(col("deadline")))
                .then(lit("submitted_on_time"))
                .otherwise(lit("submitted_late")),
        )
        .when(kind("date"))
        .then(
            when(as_of.gt(col("deadline")))
                .then(lit("overdue"))
                .otherwise(lit("pending")),
        )
        .when(kind("open"))
        .then(
            when(sent.clone())
                .then(lit("submitted_on_time"))
                .otherwise(lit("pending")),
        )
        .when(
            kind("lapsed")
                .and(sent)
                .and(col("submitted_on").lt_eq(col("lapsed_on"))),
        )
        .then(lit("submitted_on_time"))
        .otherwise(lit("not_required"));
    invoices.with_column(status.alias("status"))
}
