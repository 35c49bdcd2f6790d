//! The invoice table: every (seller NIP, invoice number) found in the ledger,
//! the offline log, KSeF (metadata or UPO receipts) or the FA(3) archive,
//! with each source's view of it side by side (`ledger_*`, `log_*`, KSeF's
//! `meta_*`/`upo_*`, `archive_*`) and the facts derived from them: P_1, mode,
//! whether it requires KSeF, and its submission.

use polars::prelude::*;

use super::{Params, first_per_invoice, keys, left};

/// The column that holds a view's row position, by view.
const ROWS: [&str; 4] = ["ledger_row", "log_row", "meta_row", "upo_row"];
use crate::frame::{money_text, one_of};

/// The per-source tables the invoice table is joined from.
pub struct Views<'a> {
    pub ledger: &'a DataFrame,
    /// The first offline-log row per invoice, with its period.
    pub log_first: LazyFrame,
    /// KSeF metadata known at the as-of date.
    pub ksef: &'a DataFrame,
    /// UPO documents known at the as-of date.
    pub upo: &'a DataFrame,
    pub archive: &'a DataFrame,
}

fn ledger_view(ledger: &DataFrame) -> LazyFrame {
    ledger.clone().lazy().select([
        col("seller_nip"),
        col("invoice_number"),
        lit(true).alias("in_ledger"),
        col("issue_date").alias("ledger_issue_date"),
        col("gross_amount").alias("ledger_gross_amount"),
        col("net_amount").alias("ledger_net_amount"),
        col("currency").alias("ledger_currency"),
        col("ksef_number").alias("ledger_ksef_number"),
        col("ksef_marker"),
    ])
}

fn log_view(log_first: LazyFrame) -> LazyFrame {
    log_first.select([
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
    ])
}

/// Of several KSeF records for one invoice, the earliest submission is the
/// one compared (a second number is DUPLICATE_IN_KSEF).
fn metadata_view(ksef: &DataFrame) -> LazyFrame {
    ksef.clone()
        .lazy()
        .sort(
            ["invoicing_date", "ksef_number"],
            SortMultipleOptions::default(),
        )
        .select([
            col("seller_nip"),
            col("invoice_number"),
            lit(true).alias("in_ksef_metadata"),
            col("ksef_number").alias("meta_ksef_number"),
            col("issue_date").alias("ksef_issue_date"),
            col("invoicing_date").alias("meta_submitted_at"),
            col("gross_amount").alias("ksef_gross_amount"),
            col("net_amount").alias("ksef_net_amount"),
            col("currency").alias("ksef_currency"),
            col("invoice_hash").alias("ksef_invoice_hash"),
            col("hash_of_corrected_invoice").alias("ksef_hash_of_corrected_invoice"),
        ])
}

/// A UPO `Dokument` is KSeF's signed confirmation of one submission.
fn upo_view(upo: &DataFrame) -> LazyFrame {
    upo.clone()
        .lazy()
        .sort(["submitted_at", "upo_file"], SortMultipleOptions::default())
        .select([
            col("seller_nip"),
            col("invoice_number"),
            lit(true).alias("in_upo"),
            col("ksef_number").alias("upo_ksef_number"),
            col("issue_date").alias("upo_issue_date"),
            col("submitted_at").alias("upo_submitted_at"),
            col("invoice_hash").alias("upo_invoice_hash"),
            col("upo_file"),
        ])
}

fn archive_view(archive: &DataFrame) -> LazyFrame {
    first_per_invoice(archive.clone().lazy()).select([
        col("seller_nip"),
        col("invoice_number"),
        lit(true).alias("in_archive"),
        col("archive_file"),
        col("archive_hash"),
        col("kod1_url"),
        col("issue_date").alias("archive_issue_date"),
        col("gross_amount").alias("archive_gross_amount"),
        col("currency").alias("archive_currency"),
    ])
}

/// Every invoice key once, sorted by (seller NIP, invoice number), with the
/// position of its first row in each view (null where the view does not
/// have it). One hash pass over the union of the keys replaces a distinct
/// per view and a string-keyed join per view. The first row is the one
/// compared: the ledger's and log's first in file order, KSeF's and the
/// UPOs' earliest submission (the views are sorted so).
fn key_index(views: &[DataFrame; 4]) -> PolarsResult<DataFrame> {
    let parts: Vec<LazyFrame> = views
        .iter()
        .zip(ROWS)
        .map(|(view, row)| {
            let mut columns = keys().to_vec();
            columns.extend(ROWS.iter().map(|&r| {
                if r == row {
                    col(r)
                } else {
                    lit(NULL).cast(IDX_DTYPE).alias(r)
                }
            }));
            view.clone()
                .lazy()
                .select(keys())
                .with_row_index(row, None)
                .select(columns)
        })
        .collect();
    concat(parts, UnionArgs::default())?
        .group_by(keys())
        .agg(ROWS.map(|r| col(r).min()))
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default(),
        )
        .collect()
}

/// The rows of `view` at `positions` (a null position gives a null row),
/// without its key columns, which the index already holds.
fn gather(view: &DataFrame, positions: &Column) -> PolarsResult<Vec<Column>> {
    let rows = view.drop_many(["seller_nip", "invoice_number"]);
    Ok(rows.take(positions.idx()?)?.into_columns())
}

/// The position of each index key in the archive view (one row per key);
/// archived files of invoices no other source knows add no row.
fn archive_positions(index: &DataFrame, archive: &DataFrame) -> PolarsResult<Column> {
    let rows = archive
        .clone()
        .lazy()
        .select(keys())
        .with_row_index("archive_row", None);
    let found = index
        .clone()
        .lazy()
        .select(keys())
        .join(rows, keys(), keys(), left())
        .select([col("archive_row")])
        .collect()?;
    Ok(found.column("archive_row")?.clone())
}

/// Every view gathered onto the union of their keys, then P_1, mode,
/// `requires_ksef`, the KSeF number and the submission derived. The views
/// are gathered by position, never joined on the wide table, and the table
/// is born in its output order (sorted by seller NIP and invoice number).
pub fn invoice_table(views: Views<'_>, params: &Params) -> PolarsResult<LazyFrame> {
    let step = crate::progress::Step::start("views");
    let frames = [
        ledger_view(views.ledger).collect()?,
        log_view(views.log_first).collect()?,
        metadata_view(views.ksef).collect()?,
        upo_view(views.upo).collect()?,
    ];
    drop(step);
    let step = crate::progress::Step::start("key index");
    let index = key_index(&frames)?;
    drop(step);
    let _step = crate::progress::Step::start("views gathered");
    let mut columns = index
        .select(["seller_nip", "invoice_number"])?
        .into_columns();
    for (frame, row) in frames.iter().zip(ROWS) {
        columns.extend(gather(frame, index.column(row)?)?);
    }
    let archive = archive_view(views.archive).collect()?;
    columns.extend(gather(&archive, &archive_positions(&index, &archive)?)?);
    let joined = DataFrame::new(index.height(), columns)?.lazy();
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
    let flags = [
        "in_ledger",
        "in_offline_log",
        "in_ksef_metadata",
        "in_upo",
        "in_archive",
    ];
    Ok(joined
        .with_columns(flags.map(|f| col(f).fill_null(lit(false))))
        .with_columns([
            ours.alias("is_our_seller"),
            col("in_ksef_metadata").or(col("in_upo")).alias("in_ksef"),
            // The earlier of KSeF's invoicingDate and the UPO's
            // DataPrzeslaniaDokumentu (contract section 3).
            polars::lazy::dsl::min_horizontal([col("meta_submitted_at"), col("upo_submitted_at")])?
                .alias("submitted_at"),
            coalesce(&[col("ksef_invoice_hash"), col("upo_invoice_hash")]).alias("ksef_hash"),
        ])
        .with_columns([
            col("submitted_at")
                .cast(DataType::Date)
                .alias("submitted_on"),
            coalesce(&[
                col("ksef_issue_date"),
                col("upo_issue_date"),
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
            coalesce(&[
                col("meta_ksef_number"),
                col("upo_ksef_number"),
                col("ledger_ksef_number"),
            ])
            .alias("ksef_number"),
            coalesce(&[
                col("ledger_gross_amount"),
                col("log_gross_amount"),
                col("ksef_gross_amount"),
                col("archive_gross_amount"),
            ])
            .alias("gross_amount"),
            coalesce(&[
                col("ledger_currency"),
                col("log_currency"),
                col("ksef_currency"),
                col("archive_currency"),
            ])
            .alias("currency"),
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

/// The amounts the rules print in their details (`ledger_gross_text` ...),
/// as text. Added to the `invoices` the SQL sees, not stored in the table:
/// a rule's filter runs first, so only the rows it prints are formatted.
pub fn with_money_texts(invoices: LazyFrame) -> LazyFrame {
    invoices.with_columns([
        money_text(col("ledger_gross_amount")).alias("ledger_gross_text"),
        money_text(col("ledger_net_amount")).alias("ledger_net_text"),
        money_text(col("ksef_gross_amount")).alias("ksef_gross_text"),
        money_text(col("ksef_net_amount")).alias("ksef_net_text"),
        money_text(col("log_gross_amount")).alias("log_gross_text"),
        money_text(col("archive_gross_amount")).alias("archive_gross_text"),
    ])
}
