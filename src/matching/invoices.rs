//! The invoice table: every (seller NIP, invoice number) found in the ledger,
//! the offline log, KSeF (metadata or UPO receipts) or the FA(3) archive,
//! with each source's view of it side by side (`ledger_*`, `log_*`, KSeF's
//! `meta_*`/`upo_*`, `archive_*`) and the facts derived from them: P_1, mode,
//! whether it requires KSeF, and its submission. The ledger's and KSeF's
//! views are columns of the table (but for KSeF's hashes, read for a few
//! invoices only: [`hash_view`]); the offline log's, UPOs' and archive's,
//! which hold a few invoices each, are kept beside it ([`Sparse`]) and
//! attached where a query reads them.

use polars::prelude::*;

use super::key_index::{COUNTS, ROWS, key_index};
use super::params::Params;
use crate::contract::Mode;
use crate::deadline::NoDutyReason;
use crate::frame::{code_of, money_text, name_of, one_of};
use crate::frame::{first_per_invoice, keys};

/// The ledger's document types that are not invoices, by their code in
/// `ledger_not_invoice`.
const NOT_INVOICES: [&str; 2] = ["RO", "WEW"];

/// Why an invoice has no duty to send, by its code in `no_duty_reason`
/// (see [`no_duty_reason`]).
pub const NO_DUTY_REASONS: [NoDutyReason; 5] = [
    NoDutyReason::MarkerBfk,
    NoDutyReason::DocumentType(NOT_INVOICES[0]),
    NoDutyReason::DocumentType(NOT_INVOICES[1]),
    NoDutyReason::BeforeKsefFrom,
    NoDutyReason::NotOurs,
];

/// Whether the invoice is in the view, by view.
const FOUND: [&str; 4] = ["in_ledger", "in_offline_log", "in_ksef_metadata", "in_upo"];
/// KSeF metadata's hashes, which only HASH_MISMATCH reads and only for the
/// invoices a hash is compared for: kept as a sparse view (see
/// [`hash_view`]), not columns of the table.
pub const KSEF_HASHES: [&str; 2] = ["ksef_invoice_hash", "ksef_hash_of_corrected_invoice"];
/// The position column of that view.
pub const KSEF_HASH_ROW: &str = "ksef_hash_row";
/// The position column of the corrections' view (`corrects`,
/// `corrected_by`).
pub const CORRECTION_ROW: &str = "correction_row";

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
    /// What corrects what, per invoice (`corrections::view`).
    pub corrections: &'a DataFrame,
}

fn ledger_view(ledger: &DataFrame) -> LazyFrame {
    ledger.clone().lazy().select([
        col("seller_nip"),
        col("invoice_number"),
        col("issue_date").alias("ledger_issue_date"),
        col("gross_amount").alias("ledger_gross_amount"),
        col("net_amount").alias("ledger_net_amount"),
        col("vat_amount").alias("ledger_vat_amount"),
        col("currency").alias("ledger_currency"),
        col("ksef_number").alias("ledger_ksef_number"),
        col("ksef_marker"),
        // A row of a JPK_V7 return: its amounts are in PLN.
        col("in_return").alias("ledger_in_return"),
        // RO and WEW are documents other than invoices (a code, not the
        // type's text, is what the table carries: 1 byte a row, not 16).
        code_of(
            col("document_type"),
            &NOT_INVOICES,
            lit(NULL).cast(DataType::Int32),
        )
        .cast(DataType::Int8)
        .alias("ledger_not_invoice"),
    ])
}

fn log_view(log_first: LazyFrame) -> LazyFrame {
    log_first.select([
        col("seller_nip"),
        col("invoice_number"),
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
        col("period_decision"),
        col("period_event"),
    ])
}

/// KSeF's view of each invoice; of several records, the earliest submission
/// is the one compared (a second number is DUPLICATE_IN_KSEF): see
/// [`super::key_index::META_FIRST`].
fn metadata_view(ksef: &DataFrame) -> LazyFrame {
    ksef.clone().lazy().select([
        col("seller_nip"),
        col("invoice_number"),
        col("ksef_number").alias("meta_ksef_number"),
        col("issue_date").alias("ksef_issue_date"),
        col("invoicing_date").alias("meta_submitted_at"),
        col("gross_amount").alias("ksef_gross_amount"),
        col("net_amount").alias("ksef_net_amount"),
        col("vat_amount").alias("ksef_vat_amount"),
        col("currency").alias("ksef_currency"),
        col("invoice_hash").alias("ksef_invoice_hash"),
        col("hash_of_corrected_invoice").alias("ksef_hash_of_corrected_invoice"),
        sent_offline(col("invoicing_mode")).alias("meta_sent_offline"),
    ])
}

/// Whether KSeF's `invoicingMode` (or a UPO's `TrybWysylki`) says the
/// invoice was sent in offline mode.
fn sent_offline(mode: Expr) -> Expr {
    one_of(mode, &["Offline", "offline", "OFFLINE"])
}

/// A UPO `Dokument` is KSeF's signed confirmation of one submission.
fn upo_view(upo: &DataFrame) -> LazyFrame {
    upo.clone().lazy().select([
        col("seller_nip"),
        col("invoice_number"),
        col("ksef_number").alias("upo_ksef_number"),
        col("issue_date").alias("upo_issue_date"),
        col("submitted_at").alias("upo_submitted_at"),
        col("invoice_hash").alias("upo_invoice_hash"),
        col("upo_file"),
        sent_offline(col("sending_mode")).alias("upo_sent_offline"),
    ])
}

fn archive_view(archive: &DataFrame) -> LazyFrame {
    first_per_invoice(archive.clone().lazy()).select([
        col("seller_nip"),
        col("invoice_number"),
        col("archive_file"),
        col("archive_hash"),
        col("kod1_url"),
        col("issue_date").alias("archive_issue_date"),
        col("gross_amount").alias("archive_gross_amount"),
        col("currency").alias("archive_currency"),
    ])
}

/// The rows of `view` at `positions` (a null position gives a null row),
/// without its key columns, which the index already holds.
fn gather(view: &DataFrame, positions: &Column) -> PolarsResult<Vec<Column>> {
    let rows = view.drop_many(["seller_nip", "invoice_number"]);
    Ok(rows.take(positions.idx()?)?.into_columns())
}

/// Whether each index key is in a view: `in_<view>` from its positions.
fn found(positions: &Column, name: &str) -> Column {
    positions.is_not_null().with_name(name.into()).into_column()
}

/// The views that hold a few invoices each (the offline log's, the UPOs'
/// and the archive's: about 2 % of them in a large bundle; KSeF's hashes
/// of those invoices; what corrects what), kept as their own rows. The
/// invoice table holds each invoice's position in them (`log_row`,
/// `upo_row`, `archive_row`, `ksef_hash_row`, `correction_row`) rather than their columns: a text
/// column costs 16 bytes per invoice even where it is null, and these
/// views' two dozen columns were some 2.5 GiB of the table at 10M invoices.
/// [`Sparse::attach`] gathers them where a query reads them, after its
/// filters, so a rule that looks at offline invoices gathers only those.
/// That holds for a filter on the table's own columns: polars applies a
/// WHERE that also reads a view's column after gathering that column for
/// every invoice, so the rules that need both take their candidate rows
/// first (a helper table in `queries/rules/hash_mismatch.sql`,
/// `mode_outside_decision.sql` and `bfk_in_ksef.sql`).
#[derive(Clone, Default)]
pub struct Sparse {
    /// Each view's position column in the invoice table, and its rows
    /// without the key columns.
    views: Vec<(&'static str, DataFrame)>,
}

impl Sparse {
    /// The invoice table `invoices` (or any selection of its rows that
    /// keeps the position columns) with every sparse view's columns.
    pub fn attach(&self, invoices: LazyFrame) -> LazyFrame {
        let columns: Vec<Expr> = self
            .views
            .iter()
            .flat_map(|(row, frame)| frame.columns().iter().map(|c| gathered(c, row)))
            .collect();
        invoices.with_columns(columns)
    }

    /// One view column gathered onto the invoice table, as an expression
    /// to use in place of `col(name)` where only a few expressions read the
    /// view: each gathered column (16 bytes per invoice for a text, though
    /// it is null for 98 % of them) then lives only while its expression
    /// is evaluated, where [`Sparse::attach`] holds every view's columns at
    /// once.
    fn gathered(&self, name: &str) -> PolarsResult<Expr> {
        self.views
            .iter()
            .find_map(|(row, frame)| frame.column(name).ok().map(|column| gathered(column, row)))
            .ok_or_else(|| polars_err!(ColumnNotFound: "{name} in the sparse views"))
    }

    /// Adds `code`, the place in [`Mode::ALL`] of the mode in column `mode`,
    /// to the view that has that column. Computed on the view's own rows
    /// (the offline log's, some 2 % of the invoices) and gathered as four
    /// bytes per invoice, where the mode's text would be 16.
    fn add_mode_code(&mut self, mode: &str, code: &str) -> PolarsResult<()> {
        let (_, frame) = self
            .views
            .iter_mut()
            .find(|(_, frame)| frame.column(mode).is_ok())
            .ok_or_else(|| polars_err!(ColumnNotFound: "{mode} in the sparse views"))?;
        let chosen = code_of(col(mode), &mode_names(), lit(NULL).cast(DataType::Int32));
        *frame = frame
            .clone()
            .lazy()
            .with_column(chosen.alias(code))
            .collect()?;
        Ok(())
    }

    /// Drops `names` from the views: columns read only to derive others,
    /// or only by the rules.
    pub(crate) fn drop(&mut self, names: &[&str]) {
        for (_, frame) in &mut self.views {
            *frame = frame.drop_many(names.iter().copied());
        }
    }
}

/// `column` of a sparse view at the positions in column `row` (null where
/// the position is). A function of the position column rather than a
/// literal gathered by it: polars compares literal columns by their values
/// alone when it merges common expressions, so two empty views' columns of
/// different types would be taken for one.
fn gathered(column: &Column, row: &str) -> Expr {
    let values = column.clone();
    let dtype = column.dtype().clone();
    col(row)
        .map(
            move |positions| values.take(positions.idx()?),
            move |_, field| Ok(Field::new(field.name().clone(), dtype.clone())),
        )
        .alias(column.name().clone())
}

/// The position of each index key in the archive view (one row per key);
/// archived files of invoices no other source knows add no row.
///
/// The archive's keys are joined to the index (an inner join, whose result
/// has a row per archived invoice) and the positions set into a column of
/// the index's height. A left join of the index's keys took 4.8 s and
/// 1.4 GiB at 10M invoices, most of it the kernel handing one thread fresh
/// pages for a result of ten million rows, even with no archive at all.
fn archive_positions(index: &DataFrame, archive: &DataFrame) -> PolarsResult<Column> {
    positions_of(index, archive, "archive_row")
}

/// The position of each index key in `view` (one row per key), as column
/// `name`: see [`archive_positions`].
fn positions_of(index: &DataFrame, view: &DataFrame, name: &'static str) -> PolarsResult<Column> {
    let name = PlSmallStr::from_static(name);
    if view.height() == 0 {
        return Ok(Column::full_null(name, index.height(), &IDX_DTYPE));
    }
    let pairs = view
        .clone()
        .lazy()
        .select(keys())
        .with_row_index("view_row", None)
        .join(
            index
                .clone()
                .lazy()
                .select(keys())
                .with_row_index("index_row", None),
            keys(),
            keys(),
            JoinArgs::new(JoinType::Inner),
        )
        .select([col("index_row"), col("view_row")])
        .collect()?;
    let found = pairs.column("index_row")?.idx()?;
    let rows = pairs.column("view_row")?.idx()?;
    Ok(positions_column(
        name,
        index.height(),
        found.into_no_null_iter().zip(rows.into_no_null_iter()),
    ))
}

/// A position column of `height` rows, null but where `placed` gives an
/// (invoice, view row) pair: how a sparse view's rows are pointed to from
/// the invoice table when they were found for a few invoices only.
fn positions_column(
    name: PlSmallStr,
    height: usize,
    placed: impl Iterator<Item = (IdxSize, IdxSize)>,
) -> Column {
    let mut positions: Vec<Option<IdxSize>> = vec![None; height];
    for (at, row) in placed {
        positions[at as usize] = Some(row);
    }
    IdxCa::from_slice_options(name, &positions).into_column()
}

/// KSeF metadata's hashes (`hashes`, one row per KSeF record) of the
/// invoices whose hash is compared with another (`compared`: those in the
/// offline log, a UPO or the archive, about 2 % of a large bundle), as a
/// sparse view of their own rows, and each invoice's position in it
/// (`ksef_hash_row`, null for the others). Gathered for every invoice, the
/// hash cost 16 bytes a row and kept the whole column of 44-character
/// hashes alive (some 600 MB at 10M invoices) until the rules ran; the
/// view's text is copied out of that column so that it can go.
fn hash_view(
    meta_row: &Column,
    compared: &BooleanChunked,
    hashes: &DataFrame,
) -> PolarsResult<(Column, DataFrame)> {
    let name = PlSmallStr::from_static(KSEF_HASH_ROW);
    let wanted = meta_row.is_not_null() & compared.clone();
    let records = meta_row.idx()?.filter(&wanted)?;
    let view = hashes
        .take(&records)?
        .into_columns()
        .into_iter()
        .map(|c| copied(&c))
        .collect::<PolarsResult<Vec<_>>>()?;
    let view = DataFrame::new(records.len(), view)?;
    let invoices = IdxCa::from_vec(name.clone(), (0..meta_row.len() as IdxSize).collect());
    let at = invoices.filter(&wanted)?;
    let placed = at.into_no_null_iter().zip(0..);
    Ok((positions_column(name, meta_row.len(), placed), view))
}

/// A text column with its own buffers (the values copied), so that the
/// column it was taken from can be freed; any other column as it is.
fn copied(column: &Column) -> PolarsResult<Column> {
    Ok(match column.dtype() {
        DataType::String => column
            .str()?
            .iter()
            .collect::<StringChunked>()
            .with_name(column.name().clone())
            .into_column(),
        _ => column.clone(),
    })
}

/// Every view gathered onto the union of their keys, then P_1, mode,
/// `requires_ksef`, the KSeF number and the submission derived. The views
/// are gathered by position, never joined on the wide table, and the table
/// is born in its output order (sorted by seller NIP and invoice number).
/// The ledger's and KSeF's views are gathered into the table; the sparse
/// ones stay beside it (see [`Sparse`]). [`derive`] then adds the facts.
pub fn gather_views(views: Views<'_>) -> PolarsResult<(DataFrame, Sparse)> {
    let step = crate::progress::Step::start("views");
    let frames = [
        ledger_view(views.ledger).collect()?,
        log_view(views.log_first).collect()?,
        metadata_view(views.ksef).collect()?,
        upo_view(views.upo).collect()?,
    ];
    drop(step);
    let step = crate::progress::Step::start("key index");
    let index = key_index(&frames, true)?;
    drop(step);
    let step = crate::progress::Step::start("views gathered");
    let mut columns = index
        .select(["seller_nip", "invoice_number"])?
        .into_columns();
    for count in COUNTS.iter().filter(|c| !c.is_empty()) {
        columns.push(index.column(count)?.clone());
    }
    let mut sparse = Sparse::default();
    let [ledger, log, meta, upo] = frames;
    let hashes = meta.select(KSEF_HASHES)?;
    for (frame, row, flag, dense) in [
        (ledger, ROWS[0], FOUND[0], true),
        (log, ROWS[1], FOUND[1], false),
        (meta, ROWS[2], FOUND[2], true),
        (upo, ROWS[3], FOUND[3], false),
    ] {
        let positions = index.column(row)?;
        columns.push(found(positions, flag));
        if dense {
            columns.extend(gather(&frame.drop_many(KSEF_HASHES), positions)?);
        } else {
            columns.push(positions.clone());
            sparse
                .views
                .push((row, frame.drop_many(["seller_nip", "invoice_number"])));
        }
    }
    let archive = archive_view(views.archive).collect()?;
    let positions = archive_positions(&index, &archive)?;
    columns.push(found(&positions, "in_archive"));
    let compared = [ROWS[1], ROWS[3]]
        .iter()
        .map(|&r| index.column(r).map(Column::is_not_null))
        .try_fold(positions.is_not_null(), |any, found| {
            Ok::<_, PolarsError>(any | found?)
        })?;
    let (hash_rows, hash_frame) = hash_view(index.column(ROWS[2])?, &compared, &hashes)?;
    columns.push(positions);
    columns.push(hash_rows);
    sparse.views.push((KSEF_HASH_ROW, hash_frame));
    sparse.views.push((
        "archive_row",
        archive.drop_many(["seller_nip", "invoice_number"]),
    ));
    let positions = positions_of(&index, views.corrections, CORRECTION_ROW)?;
    columns.push(positions);
    sparse.views.push((
        CORRECTION_ROW,
        views
            .corrections
            .drop_many(["seller_nip", "invoice_number"]),
    ));
    let joined = DataFrame::new(index.height(), columns)?;
    drop(step);
    Ok((joined, sparse))
}

/// The offline log's mode as its code ([`mode_code`]), a column of the
/// log's sparse view while [`derive`] runs.
const LOG_MODE_CODE: &str = "log_mode_code";

/// The modes' names, in the order of their codes ([`code_of`]): `mode`
/// and `deadline_mode` are chosen as codes and named once.
fn mode_names() -> [&'static str; 5] {
    Mode::ALL.map(|m| m.as_str())
}

/// A mode's code: its place in [`Mode::ALL`], typed as [`code_of`]'s are
/// (a bare integer literal has no common type with a typed null).
fn mode_code(mode: Mode) -> Expr {
    let place = Mode::ALL.iter().zip(0i32..).find(|(m, _)| **m == mode);
    lit(place.map_or(-1, |(_, code)| code)).cast(DataType::Int32)
}

/// P_1, mode, `requires_ksef`, the KSeF number, the amount, currency and
/// submission of each invoice of the table `gather_views` built.
///
/// One lazy query whose steps each read what the steps before them added:
/// what the sources say together ([`sources_combined`]), the values the
/// reports show ([`values_chosen`]), offline invoices the log misses
/// ([`offline_not_in_log`]), the mode and the duty ([`mode_and_duty`]),
/// then the modes' names ([`modes_named`]). The sparse views' columns are
/// gathered inside the expressions that read them ([`Sparse::gathered`]).
pub fn derive(
    joined: DataFrame,
    mut sparse: Sparse,
    params: &Params,
) -> PolarsResult<(DataFrame, Sparse)> {
    sparse.add_mode_code("log_mode", LOG_MODE_CODE)?;
    let derived = joined
        .lazy()
        .with_columns(sources_combined(&sparse, params)?)
        .with_columns(values_chosen(&sparse)?)
        .with_column(offline_not_in_log())
        .with_columns(mode_and_duty(&sparse, params)?)
        .with_column(no_duty_reason(params))
        .with_columns(modes_named());
    // KSeF's submission time was read only to derive `submitted_at`, the
    // mode's code only to name `mode` and `deadline_mode`, the document
    // type and sending modes only for `requires_ksef` and `sent_offline`.
    let table = derived
        .drop(cols([
            "meta_submitted_at",
            "mode_code",
            "ledger_not_invoice",
            "meta_sent_offline",
            "ledger_vat_amount",
            "ksef_vat_amount",
        ]))
        .collect()?;
    // Read only to derive `submitted_at`, `issue_date` and `mode`.
    sparse.drop(&[
        "upo_submitted_at",
        "upo_issue_date",
        "upo_sent_offline",
        LOG_MODE_CODE,
    ]);
    Ok((table, sparse))
}

/// Whether the invoice's seller is one of ours (`sellers`; every seller
/// when none is named): only our invoices can be offline ones the log
/// misses.
fn our_seller(params: &Params) -> Expr {
    if params.sellers.is_empty() {
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
    }
}

/// What the sources say together: whether the seller is ours, whether
/// KSeF has the invoice (metadata or a UPO), when it was submitted, its
/// P_1 (KSeF's, else a UPO's, the log's, the ledger's) and whether KSeF
/// or a UPO says it was sent in offline mode.
fn sources_combined(sparse: &Sparse, params: &Params) -> PolarsResult<[Expr; 5]> {
    Ok([
        our_seller(params).alias("is_our_seller"),
        col("in_ksef_metadata").or(col("in_upo")).alias("in_ksef"),
        // The earlier of KSeF's invoicingDate and the UPO's
        // DataPrzeslaniaDokumentu (contract section 3).
        polars::lazy::dsl::min_horizontal([
            col("meta_submitted_at"),
            sparse.gathered("upo_submitted_at")?,
        ])?
        .alias("submitted_at"),
        coalesce(&[
            col("ksef_issue_date"),
            sparse.gathered("upo_issue_date")?,
            sparse.gathered("log_issue_date")?,
            col("ledger_issue_date"),
        ])
        .alias("issue_date"),
        col("meta_sent_offline")
            .fill_null(lit(false))
            .or(sparse.gathered("upo_sent_offline")?.fill_null(lit(false)))
            .alias("sent_offline"),
    ])
}

/// The day of the submission, and the KSeF number, amount and currency
/// the reports show, each the first a source holds: for the number
/// KSeF's own record, then a UPO, then our books; for the amount and
/// currency our books, then the offline log, KSeF, the archive; for the
/// VAT our books (a JPK_V7 ledger's row included), then KSeF.
fn values_chosen(sparse: &Sparse) -> PolarsResult<[Expr; 5]> {
    Ok([
        col("submitted_at")
            .cast(DataType::Date)
            .alias("submitted_on"),
        coalesce(&[
            col("meta_ksef_number"),
            sparse.gathered("upo_ksef_number")?,
            col("ledger_ksef_number"),
        ])
        .alias("ksef_number"),
        coalesce(&[
            col("ledger_gross_amount"),
            sparse.gathered("log_gross_amount")?,
            col("ksef_gross_amount"),
            sparse.gathered("archive_gross_amount")?,
        ])
        .alias("gross_amount"),
        coalesce(&[
            col("ledger_currency"),
            sparse.gathered("log_currency")?,
            col("ksef_currency"),
            sparse.gathered("archive_currency")?,
        ])
        .alias("currency"),
        coalesce(&[col("ledger_vat_amount"), col("ksef_vat_amount")]).alias("vat_amount"),
    ])
}

/// An invoice of ours with no offline-log row that KSeF or a production
/// UPO records as sent in offline mode on its P_1 is an offline24 invoice
/// the log does not list (`offline_not_in_log`).
fn offline_not_in_log() -> Expr {
    col("in_offline_log")
        .not()
        .and(col("is_our_seller"))
        .and(col("sent_offline"))
        .and(
            col("submitted_on")
                .eq(col("issue_date"))
                .fill_null(lit(false)),
        )
        .alias("offline_not_in_log")
}

/// Whether a ledger invoice with no offline-log row is free of the KSeF
/// duty: marked `BFK`, a document other than an invoice (RO, WEW), or
/// issued before its seller's duty began (`ksef_from`). A `DI` marker
/// alone lifts nothing: JPK_V7(3) uses it for offline24 and unavailability
/// invoices still without a number.
fn exempt(params: &Params) -> Expr {
    col("ksef_marker")
        .eq(lit("BFK"))
        .fill_null(lit(false))
        .or(col("ledger_not_invoice").is_not_null())
        .or(col("issue_date")
            .lt(params.ksef_from_expr())
            .fill_null(lit(false)))
}

/// The mode's code (the log's, else offline24 for an offline invoice the
/// log misses, else online for a ledger invoice) and `requires_ksef`: an
/// invoice requires KSeF when it is in the offline log with a mode other
/// than total_failure, or in the ledger with no offline-log row unless it
/// is [`exempt`].
fn mode_and_duty(sparse: &Sparse, params: &Params) -> PolarsResult<[Expr; 2]> {
    Ok([
        when(col("in_offline_log"))
            .then(sparse.gathered(LOG_MODE_CODE)?)
            .when(col("offline_not_in_log"))
            .then(mode_code(Mode::Offline24))
            .when(col("in_ledger"))
            .then(mode_code(Mode::Online))
            .otherwise(lit(NULL).cast(DataType::Int32))
            .alias("mode_code"),
        (col("in_offline_log").and(
            sparse
                .gathered(LOG_MODE_CODE)?
                .neq(mode_code(Mode::TotalFailure))
                .fill_null(lit(true)),
        ))
        .or(col("in_ledger")
            .and(col("in_offline_log").not())
            .and(exempt(params).not()))
        .alias("requires_ksef"),
    ])
}

/// `no_duty_reason`: why an invoice that requires no KSeF has none, as its
/// place in [`NO_DUTY_REASONS`] (null for one that requires KSeF, and for
/// an offline-log invoice, whose mode says why): [`exempt`]'s reasons in
/// its order, or in neither the ledger nor the offline log.
fn no_duty_reason(params: &Params) -> Expr {
    let place = |reason: NoDutyReason| {
        let i = NO_DUTY_REASONS.iter().position(|r| *r == reason);
        lit(i.map_or(-1, |i| i as i32)).cast(DataType::Int8)
    };
    let none = || lit(NULL).cast(DataType::Int8);
    when(col("requires_ksef").or(col("in_offline_log")))
        .then(none())
        .when(col("in_ledger").not())
        .then(place(NoDutyReason::NotOurs))
        .when(col("ksef_marker").eq(lit("BFK")).fill_null(lit(false)))
        .then(place(NoDutyReason::MarkerBfk))
        .when(col("ledger_not_invoice").is_not_null())
        .then(
            // The codes of NOT_INVOICES follow MarkerBfk in NO_DUTY_REASONS.
            col("ledger_not_invoice") + place(NoDutyReason::DocumentType(NOT_INVOICES[0])),
        )
        .when(
            col("issue_date")
                .lt(params.ksef_from_expr())
                .fill_null(lit(false)),
        )
        .then(place(NoDutyReason::BeforeKsefFrom))
        .otherwise(none())
        .alias("no_duty_reason")
}

/// `mode`, and `deadline_mode`, the mode the invoice's deadline is set by:
/// null where it requires no KSeF (no deadline at all), but for a
/// total_failure invoice, whose deadline the deadline step reads as
/// `none` (the mode's own "no duty"). Both are named from their codes
/// once, here.
fn modes_named() -> [Expr; 2] {
    let mode_of = |code: Expr| name_of(&mode_names(), code);
    [
        mode_of(col("mode_code")).alias("mode"),
        mode_of(
            when(
                col("requires_ksef").or(col("mode_code")
                    .eq(mode_code(Mode::TotalFailure))
                    .fill_null(lit(false))),
            )
            .then(col("mode_code"))
            .otherwise(lit(NULL).cast(DataType::Int32)),
        )
        .alias("deadline_mode"),
    ]
}

/// The columns only the rules read, added to the `invoices` the SQL sees
/// rather than stored in the table: a rule's filter runs first, so only the
/// rows it reads are computed. `ksef_hash` is KSeF's hash of the invoice,
/// from its metadata or else its UPO; the amounts the rules print in their
/// details (`ledger_gross_text` ...) are text.
pub fn with_rule_columns(invoices: LazyFrame) -> LazyFrame {
    invoices.with_columns([
        coalesce(&[col("ksef_invoice_hash"), col("upo_invoice_hash")]).alias("ksef_hash"),
        money_text(col("ledger_gross_amount")).alias("ledger_gross_text"),
        money_text(col("ledger_net_amount")).alias("ledger_net_text"),
        money_text(col("ksef_gross_amount")).alias("ksef_gross_text"),
        money_text(col("ksef_net_amount")).alias("ksef_net_text"),
        money_text(col("log_gross_amount")).alias("log_gross_text"),
        money_text(col("archive_gross_amount")).alias("archive_gross_text"),
    ])
}

#[cfg(test)]
mod tests {
    use super::super::key_index::tests::view;
    use super::*;

    #[test]
    fn archive_positions_are_set_where_the_index_has_the_key() {
        let index = view(&[("1", "a"), ("1", "b"), ("2", "a")], &[]);
        let archive = view(&[("2", "a"), ("9", "z"), ("1", "a")], &[]);
        let positions = |archive: &DataFrame| -> Vec<Option<IdxSize>> {
            let column = archive_positions(&index, archive).unwrap();
            assert_eq!(column.name().as_str(), "archive_row");
            column.idx().unwrap().iter().collect()
        };
        // ("9", "z") is archived only: it adds no row.
        assert_eq!(positions(&archive), [Some(2), None, Some(0)]);
        assert_eq!(positions(&archive.head(Some(0))), [None, None, None]);
    }

    #[test]
    fn ksef_hashes_are_kept_only_where_a_hash_is_compared() {
        // Invoice 0 is KSeF record 2, 1 has no record, 2 is record 0 but has
        // nothing to compare a hash with, 3 is record 1.
        let meta_row =
            IdxCa::from_slice_options("meta_row".into(), &[Some(2), None, Some(0), Some(1)])
                .into_column();
        let compared = BooleanChunked::from_slice("compared".into(), &[true, true, false, true]);
        let hash = |i: usize| format!("{i}{}", "H".repeat(43));
        let hashes = DataFrame::new(
            3,
            vec![
                Column::new(KSEF_HASHES[0].into(), (0..3).map(hash).collect::<Vec<_>>()),
                Column::new(KSEF_HASHES[1].into(), [None, Some(hash(7)), None]),
            ],
        )
        .unwrap();
        let (rows, view) = hash_view(&meta_row, &compared, &hashes).unwrap();
        let rows: Vec<Option<IdxSize>> = rows.idx().unwrap().iter().collect();
        assert_eq!(rows, [Some(0), None, None, Some(1)]);
        let texts = |c: &str| -> Vec<Option<String>> {
            view.column(c)
                .unwrap()
                .str()
                .unwrap()
                .iter()
                .map(|v| v.map(str::to_string))
                .collect()
        };
        assert_eq!(texts(KSEF_HASHES[0]), [Some(hash(2)), Some(hash(1))]);
        assert_eq!(texts(KSEF_HASHES[1]), [None, Some(hash(7))]);
        // The view's text has buffers of its own, holding its two hashes.
        let own = view.column(KSEF_HASHES[0]).unwrap().str().unwrap();
        let bytes: usize = own.downcast_iter().map(|a| a.total_buffer_len()).sum();
        assert_eq!(bytes, 2 * 44);
    }

    #[test]
    fn sparse_views_are_gathered_by_position_with_their_types() {
        let text = |name: &str, v: &[Option<&str>]| Column::new(name.into(), v.to_vec());
        let days = |name: &str, v: &[Option<i32>]| {
            Column::new(name.into(), v.to_vec())
                .cast(&DataType::Date)
                .unwrap()
        };
        // Two empty columns of different types (a bundle without an
        // offline log) must keep their own types, and a view with rows is
        // gathered at each invoice's position, null where it has none.
        let log = DataFrame::new(0, vec![text("who", &[]), days("when", &[])]).unwrap();
        let upo = DataFrame::new(2, vec![text("file", &[Some("a.xml"), Some("b.xml")])]).unwrap();
        let sparse = Sparse {
            views: vec![("log_row", log), ("upo_row", upo)],
        };
        let none: [Option<IdxSize>; 3] = [None, None, None];
        let invoices = DataFrame::new(
            3,
            vec![
                Column::new("log_row".into(), none.to_vec()),
                Column::new("upo_row".into(), vec![Some(1 as IdxSize), None, Some(0)]),
            ],
        )
        .unwrap();
        let out = sparse.attach(invoices.lazy()).collect().unwrap();
        assert_eq!(out.column("who").unwrap().dtype(), &DataType::String);
        assert_eq!(out.column("when").unwrap().dtype(), &DataType::Date);
        assert_eq!(out.column("who").unwrap().null_count(), 3);
        let files: Vec<_> = out.column("file").unwrap().str().unwrap().iter().collect();
        assert_eq!(files, [Some("b.xml"), None, Some("a.xml")]);
        let offline = sparse
            .attach(
                DataFrame::new(
                    3,
                    vec![
                        Column::new("log_row".into(), none.to_vec()),
                        Column::new("upo_row".into(), vec![Some(1 as IdxSize), None, Some(0)]),
                    ],
                )
                .unwrap()
                .lazy()
                .filter(col("upo_row").is_not_null()),
            )
            .collect()
            .unwrap();
        let files: Vec<_> = offline
            .column("file")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(
            files,
            [Some("b.xml"), Some("a.xml")],
            "gathered after the filter"
        );
    }
}
