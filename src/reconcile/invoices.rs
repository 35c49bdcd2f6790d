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

use super::{Params, first_per_invoice, keys};

/// The column that holds a view's row position, by view.
const ROWS: [&str; 4] = ["ledger_row", "log_row", "meta_row", "upo_row"];
/// How many rows of the view hold the key, by view ("" for none kept; the
/// log's view holds one row per key already):
/// what DUPLICATE_NUMBER and DUPLICATE_IN_KSEF start from, counted here
/// where the keys are grouped anyway rather than by grouping the ledger
/// and KSeF tables again.
const COUNTS: [&str; 4] = ["ledger_rows", "", "ksef_records", ""];
/// Whether the invoice is in the view, by view.
const FOUND: [&str; 4] = ["in_ledger", "in_offline_log", "in_ksef_metadata", "in_upo"];
/// KSeF metadata's hashes, which only HASH_MISMATCH reads and only for the
/// invoices a hash is compared for: kept as a sparse view (see
/// [`hash_view`]), not columns of the table.
pub const KSEF_HASHES: [&str; 2] = ["ksef_invoice_hash", "ksef_hash_of_corrected_invoice"];
/// The position column of that view.
pub const KSEF_HASH_ROW: &str = "ksef_hash_row";
use crate::deadline::Mode;
use crate::frame::{code_of, money_text, name_of, one_of};

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

/// KSeF's view of each invoice; of several records, the earliest submission
/// is the one compared (a second number is DUPLICATE_IN_KSEF): see
/// [`META_FIRST`].
fn metadata_view(ksef: &DataFrame) -> LazyFrame {
    ksef.clone().lazy().select([
        col("seller_nip"),
        col("invoice_number"),
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

/// The order that decides which KSeF record of an invoice is compared:
/// earliest `invoicingDate`, then lowest KSeF number.
const META_FIRST: [&str; 2] = ["meta_submitted_at", "meta_ksef_number"];
/// Of several UPO receipts of an invoice, the earliest, then by file name.
const UPO_FIRST: [&str; 2] = ["upo_submitted_at", "upo_file"];

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

/// One view's part of the key index: its keys, in `order` (file order
/// when `None`), and in `row` each key's rank in that order. Every part
/// enters the index with its ranks ascending, which is what lets the index
/// take each view's first rank of a key as the lowest (see [`key_index`]).
fn key_part(view: &DataFrame, row: &str, order: Option<&IdxCa>) -> PolarsResult<LazyFrame> {
    let mut key_columns = view.select(["seller_nip", "invoice_number"])?;
    if let Some(order) = order {
        key_columns = key_columns.take(order)?;
    }
    Ok(key_columns.lazy().with_row_index(row, None).select(
        keys()
            .into_iter()
            .chain(ROWS.iter().map(|&r| {
                if r == row {
                    col(r)
                } else {
                    lit(NULL).cast(IDX_DTYPE).alias(r)
                }
            }))
            .collect::<Vec<_>>(),
    ))
}

/// The row at each rank of the order of `by` (for a view whose first row
/// per key is not the first in file order). Rows equal in `by` keep their
/// file order, so which of two such records is compared never changes
/// from run to run.
fn submission_order(view: &DataFrame, by: [&str; 2]) -> PolarsResult<IdxCa> {
    let stable = SortMultipleOptions::default().with_maintain_order(true);
    let order = view
        .clone()
        .lazy()
        .select([arg_sort_by(by.map(col), stable).alias("order")])
        .collect()?;
    Ok(order.column("order")?.idx()?.clone())
}

/// Whether the keys can be joined into one text that sorts and groups
/// exactly as the pair: no null, and no NUL character in a seller NIP
/// (NUL is the separator, the lowest character).
fn single_key_is_exact(views: &[DataFrame; 4]) -> PolarsResult<bool> {
    for view in views {
        let nip = view.column("seller_nip")?;
        if nip.null_count() > 0 || view.column("invoice_number")?.null_count() > 0 {
            return Ok(false);
        }
        let has_nul = match held_once(nip) {
            Some(value) => value.is_some_and(|v| v.contains('\0')),
            None => nip.str()?.contains_literal("\0")?.any(),
        };
        if has_nul {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The value of a column polars holds once for all its rows (loading keeps
/// a text that every row shares that way, e.g. a one-company bundle's
/// seller NIP), read without making the column whole; `None` for any other
/// column.
fn held_once(column: &Column) -> Option<Option<&str>> {
    let scalar = column.as_scalar_column()?;
    Some(scalar.scalar().value().extract_str())
}

/// The seller NIP of every row of every view, when they all have the same
/// one (a bundle of one company, the usual case): the invoice number alone
/// then sorts and groups exactly as the pair. `None` when they differ, a
/// NIP is null or there are no rows.
fn the_one_seller(views: &[DataFrame; 4]) -> PolarsResult<Option<String>> {
    let mut first: Option<String> = None;
    for view in views {
        let column = view.column("seller_nip")?;
        if column.is_empty() {
            continue;
        }
        let same = match held_once(column) {
            Some(None) => return Ok(None),
            Some(Some(nip)) => first.get_or_insert_with(|| nip.to_string()) == nip,
            None => {
                let nips = column.str()?;
                let Some(nip) = nips.get(0) else {
                    return Ok(None);
                };
                let nip = first.get_or_insert_with(|| nip.to_string());
                nips.equal(nip.as_str()).all()
            }
        };
        if !same {
            return Ok(None);
        }
    }
    Ok(first)
}

/// Every invoice key once, sorted by (seller NIP, invoice number), with the
/// position of the row compared in each view (null where the view does not
/// have it): the ledger's and log's first in file order, KSeF's and the
/// UPOs' earliest submission (`submission_order`).
///
/// The keys of all views are joined into one text `seller_nip NUL
/// invoice_number`, which sorts as the pair does; the union is sorted by
/// it once and grouped, which on a sorted column is a walk over runs. On
/// 10 million invoices this takes about half the time of a hash group-by
/// on the two text columns followed by a two-column sort (most of whose
/// time went into comparing row-encoded keys). Keys that cannot be joined
/// exactly take that slower path. When every key has the same seller NIP,
/// the invoice number alone is the sort key: no joined text is built, and
/// comparisons do not first walk the ten bytes every key shares (at 10M
/// invoices the joined key alone took some 5 s to build); only the
/// invoice number goes through the sort, and the NIP is added after.
///
/// The sort is stable and each view's part enters the union with its ranks
/// ascending, so within a key each view's first non-null rank is its
/// lowest: `first_non_null` reads it off the run's bitmap, where `min`
/// cut a slice out of the column for every one of ten million keys (half
/// of the index's time at 1M invoices). The ledger's and KSeF's counts are
/// read off the runs the same way ([`run_length`]).
fn key_index(views: &[DataFrame; 4], single_key: bool) -> PolarsResult<DataFrame> {
    let step = crate::progress::Step::start("submission order");
    let meta_order = submission_order(&views[2], META_FIRST)?;
    let upo_order = submission_order(&views[3], UPO_FIRST)?;
    drop(step);
    let _step = crate::progress::Step::start("keys sorted and grouped");
    let order_of = [None, None, Some(&meta_order), Some(&upo_order)];
    let parts = views
        .iter()
        .zip(ROWS)
        .zip(order_of)
        .map(|((view, row), order)| key_part(view, row, order))
        .collect::<PolarsResult<Vec<_>>>()?;
    let union = concat(parts, UnionArgs::default())?;
    let firsts = ROWS.iter().map(|&r| col(r).first_non_null());
    let counted = ROWS
        .iter()
        .zip(COUNTS)
        .filter(|(_, count)| !count.is_empty());
    // The union sorted by `key` (stably) and grouped by its runs, with the
    // positions of each counted view's rows for [`run_length`].
    let sorted = |union: LazyFrame| {
        union
            .sort(
                ["key"],
                SortMultipleOptions::default().with_maintain_order(true),
            )
            .with_row_index("position", None)
            .with_columns(
                counted
                    .clone()
                    .map(|(&r, _)| {
                        when(col(r).is_not_null())
                            .then(col("position"))
                            .otherwise(lit(NULL).cast(IDX_DTYPE))
                            .alias(format!("{r}_position"))
                    })
                    .collect::<Vec<_>>(),
            )
            .group_by_stable([col("key")])
    };
    let mut aggs: Vec<Expr> = firsts.collect();
    let mut index = if !single_key || !single_key_is_exact(views)? {
        aggs.extend(
            counted
                .clone()
                .map(|(&r, count)| col(r).count().alias(count)),
        );
        union
            .group_by_stable(keys())
            .agg(aggs)
            .sort(
                ["seller_nip", "invoice_number"],
                SortMultipleOptions::default(),
            )
            .collect()?
    } else if let Some(nip) = the_one_seller(views)? {
        // Only the invoice number goes through the sort; the NIP is the
        // same on every row.
        aggs.extend(
            counted
                .clone()
                .map(|(&r, count)| run_length(r).alias(count)),
        );
        let mut columns = vec![
            lit(nip).alias("seller_nip"),
            col("key").alias("invoice_number"),
        ];
        columns.extend(ROWS.iter().map(|&r| col(r)));
        columns.extend(COUNTS.iter().filter(|c| !c.is_empty()).map(|&c| col(c)));
        sorted(
            union.select(
                std::iter::once(col("invoice_number").alias("key"))
                    .chain(ROWS.iter().map(|&r| col(r)))
                    .collect::<Vec<_>>(),
            ),
        )
        .agg(aggs)
        .select(columns)
        .collect()?
    } else {
        let mut with_keys = vec![col("seller_nip").first(), col("invoice_number").first()];
        with_keys.extend(aggs);
        with_keys.extend(
            counted
                .clone()
                .map(|(&r, count)| run_length(r).alias(count)),
        );
        sorted(union.with_column(concat_str(keys(), "\0", false).alias("key")))
            .agg(with_keys)
            .drop(cols(["key"]))
            .collect()?
    };
    // From ranks back to row positions.
    for (row, order) in [(ROWS[2], &meta_order), (ROWS[3], &upo_order)] {
        let positions = order.take(index.column(row)?.idx()?)?;
        index.with_column(positions.with_name(row.into()).into_column())?;
    }
    Ok(index)
}

/// How many rows of one view a key's run in the sorted union holds: they
/// sit side by side (the sort is stable and each view's part entered the
/// union whole), so it is the distance from the first to the last of their
/// positions (`<row>_position`), 0 when there is none. polars counts the
/// non-null values of a run by cutting a slice out of the column for
/// every key, which took more time than the rest of the grouping.
fn run_length(row: &str) -> Expr {
    let position = col(format!("{row}_position"));
    (position.clone().last_non_null() - position.first_non_null() + lit(1).cast(IDX_DTYPE))
        .fill_null(lit(0).cast(IDX_DTYPE))
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
/// and the archive's: about 2 % of them in a large bundle; and KSeF's
/// hashes of those invoices), kept as their own rows. The invoice table
/// holds each invoice's position in them (`log_row`, `upo_row`,
/// `archive_row`, `ksef_hash_row`) rather than their columns: a text
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
    let name = PlSmallStr::from_static("archive_row");
    if archive.height() == 0 {
        return Ok(Column::full_null(name, index.height(), &IDX_DTYPE));
    }
    let pairs = archive
        .clone()
        .lazy()
        .select(keys())
        .with_row_index("archive_row", None)
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
        .select([col("index_row"), col("archive_row")])
        .collect()?;
    let mut positions: Vec<Option<IdxSize>> = vec![None; index.height()];
    let found = pairs.column("index_row")?.idx()?;
    let rows = pairs.column("archive_row")?.idx()?;
    for (at, row) in found.into_no_null_iter().zip(rows.into_no_null_iter()) {
        positions[at as usize] = Some(row);
    }
    Ok(IdxCa::from_slice_options(name, &positions).into_column())
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
    let mut positions: Vec<Option<IdxSize>> = vec![None; meta_row.len()];
    for (k, at) in invoices.filter(&wanted)?.into_no_null_iter().enumerate() {
        positions[at as usize] = Some(k as IdxSize);
    }
    Ok((
        IdxCa::from_slice_options(name, &positions).into_column(),
        view,
    ))
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
pub fn derive(
    joined: DataFrame,
    mut sparse: Sparse,
    params: &Params,
) -> PolarsResult<(DataFrame, Sparse)> {
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
    sparse.add_mode_code("log_mode", LOG_MODE_CODE)?;
    let view = |name: &str| sparse.gathered(name);
    let mode_of = |code: Expr| name_of(&mode_names(), code);
    let derived = joined
        .lazy()
        .with_columns([
            ours.alias("is_our_seller"),
            when(col("in_offline_log"))
                .then(view(LOG_MODE_CODE)?)
                .when(col("in_ledger"))
                .then(mode_code(Mode::Online))
                .otherwise(lit(NULL).cast(DataType::Int32))
                .alias("mode_code"),
            col("in_ksef_metadata").or(col("in_upo")).alias("in_ksef"),
            // The earlier of KSeF's invoicingDate and the UPO's
            // DataPrzeslaniaDokumentu (contract section 3).
            polars::lazy::dsl::min_horizontal([
                col("meta_submitted_at"),
                view("upo_submitted_at")?,
            ])?
            .alias("submitted_at"),
        ])
        .with_columns([
            col("submitted_at")
                .cast(DataType::Date)
                .alias("submitted_on"),
            coalesce(&[
                col("ksef_issue_date"),
                view("upo_issue_date")?,
                view("log_issue_date")?,
                col("ledger_issue_date"),
            ])
            .alias("issue_date"),
            mode_of(col("mode_code")).alias("mode"),
            (col("in_offline_log").and(col("mode_code").neq(mode_code(Mode::TotalFailure))))
                .or(col("in_ledger")
                    .and(col("in_offline_log").not())
                    .and(marker_exempt.not()))
                .alias("requires_ksef"),
            coalesce(&[
                col("meta_ksef_number"),
                view("upo_ksef_number")?,
                col("ledger_ksef_number"),
            ])
            .alias("ksef_number"),
            coalesce(&[
                col("ledger_gross_amount"),
                view("log_gross_amount")?,
                col("ksef_gross_amount"),
                view("archive_gross_amount")?,
            ])
            .alias("gross_amount"),
            coalesce(&[
                col("ledger_currency"),
                view("log_currency")?,
                col("ksef_currency"),
                view("archive_currency")?,
            ])
            .alias("currency"),
        ])
        .with_column(
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
        );
    // KSeF's submission time was read only to derive `submitted_at`, the
    // mode's code only to name `mode` and `deadline_mode`.
    let table = derived
        .drop(cols(["meta_submitted_at", "mode_code"]))
        .collect()?;
    // Read only to derive `submitted_at`, `issue_date` and `mode`.
    sparse.drop(&["upo_submitted_at", "upo_issue_date", LOG_MODE_CODE]);
    Ok((table, sparse))
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
    use super::*;

    fn view(keys: &[(&str, &str)], extra: &[(&str, Column)]) -> DataFrame {
        let mut columns = vec![
            Column::new(
                "seller_nip".into(),
                keys.iter().map(|k| k.0).collect::<Vec<_>>(),
            ),
            Column::new(
                "invoice_number".into(),
                keys.iter().map(|k| k.1).collect::<Vec<_>>(),
            ),
        ];
        columns.extend(
            extra
                .iter()
                .map(|(name, c)| c.clone().with_name((*name).into())),
        );
        DataFrame::new(keys.len(), columns).unwrap()
    }

    /// Ledger, log, KSeF and UPO views with repeated keys, a tie on the
    /// submission time, keys that sort differently as a pair than as one
    /// text without a separator, and `nip` among the NIPs.
    fn views(nip: &str) -> [DataFrame; 4] {
        let t = |v: &[i64]| Column::new("".into(), v.to_vec());
        let s = |v: &[&str]| Column::new("".into(), v.to_vec());
        [
            view(&[("12", "0"), ("1", "9"), (nip, "A"), ("1", "9")], &[]),
            view(&[("1", "90"), (nip, "A")], &[]),
            view(
                &[("1", "9"), ("2", "X"), ("1", "9"), ("2", "X"), ("12", "0")],
                &[
                    ("meta_submitted_at", t(&[5, 3, 4, 3, 1])),
                    ("meta_ksef_number", s(&["k1", "k9", "k2", "k3", "k4"])),
                ],
            ),
            view(
                &[("2", "X"), ("2", "X")],
                &[
                    ("upo_submitted_at", t(&[7, 6])),
                    ("upo_file", s(&["b.xml", "a.xml"])),
                ],
            ),
        ]
    }

    /// The values of a text column without nulls.
    fn texts(df: &DataFrame, name: &str) -> Vec<String> {
        df.column(name)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.unwrap().to_string())
            .collect()
    }

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
    fn one_seller_sorts_by_the_invoice_number_alone() {
        let t = |v: &[i64]| Column::new("".into(), v.to_vec());
        let s = |v: &[&str]| Column::new("".into(), v.to_vec());
        let one = [
            view(&[("7", "9"), ("7", "10"), ("7", "9"), ("7", "A")], &[]),
            view(&[], &[]),
            view(
                &[("7", "10"), ("7", "9"), ("7", "10")],
                &[
                    ("meta_submitted_at", t(&[5, 3, 4])),
                    ("meta_ksef_number", s(&["k1", "k2", "k3"])),
                ],
            ),
            view(
                &[("7", "A")],
                &[("upo_submitted_at", t(&[1])), ("upo_file", s(&["a.xml"]))],
            ),
        ];
        assert_eq!(the_one_seller(&one).unwrap().as_deref(), Some("7"));
        assert_eq!(the_one_seller(&views("3")).unwrap(), None);
        let fast = key_index(&one, true).unwrap();
        let exact = key_index(&one, false).unwrap();
        assert!(fast.equals_missing(&exact), "{fast}\n{exact}");
        assert_eq!(texts(&fast, "invoice_number"), ["10", "9", "A"]);
        // Counts read off the runs: "9" twice in the ledger, "10" twice in
        // KSeF, "A" in no KSeF metadata at all.
        let count = |name: &str| -> Vec<Option<IdxSize>> {
            fast.column(name).unwrap().idx().unwrap().iter().collect()
        };
        assert_eq!(count("ledger_rows"), [Some(1), Some(2), Some(1)]);
        assert_eq!(count("ksef_records"), [Some(2), Some(1), Some(0)]);
    }

    #[test]
    fn one_text_key_gives_the_index_of_the_pair() {
        let views = views("1\0");
        let fast = key_index(&views, true).unwrap();
        let exact = key_index(&views, false).unwrap();
        assert!(fast.equals_missing(&exact), "{fast}\n{exact}");
        let nul = views.clone();
        assert!(!single_key_is_exact(&nul).unwrap());
        let plain = self::views("3");
        assert!(single_key_is_exact(&plain).unwrap());
        let fast = key_index(&plain, true).unwrap();
        assert!(fast.equals_missing(&key_index(&plain, false).unwrap()));
        assert_eq!(texts(&fast, "seller_nip"), ["1", "1", "12", "2", "3"]);
        assert_eq!(texts(&fast, "invoice_number"), ["9", "90", "0", "X", "A"]);
        let row = |name: &str| -> Vec<Option<IdxSize>> {
            fast.column(name).unwrap().idx().unwrap().iter().collect()
        };
        // The ledger's first row of ("1", "9") is its second; KSeF's
        // earliest record of ("1", "9") is its third (time 4 before 5), of
        // ("2", "X") the tie at time 3 goes to the lower KSeF number (k3,
        // row 3); the UPO of ("2", "X") is the earlier file's.
        assert_eq!(row("ledger_row"), [Some(1), None, Some(0), None, Some(2)]);
        assert_eq!(row("log_row"), [None, Some(0), None, None, Some(1)]);
        assert_eq!(row("meta_row"), [Some(2), None, Some(4), Some(3), None]);
        assert_eq!(row("upo_row"), [None, None, None, Some(1), None]);
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

    #[test]
    fn records_equal_in_time_and_number_keep_file_order() {
        let n = 1000;
        let view = view(
            &vec![("1", "9"); n],
            &[
                (
                    "meta_submitted_at",
                    Column::new(
                        "".into(),
                        (0..n).map(|i| i64::from(i == 0)).collect::<Vec<_>>(),
                    ),
                ),
                ("meta_ksef_number", Column::new("".into(), vec!["k"; n])),
            ],
        );
        let order = submission_order(&view, META_FIRST).unwrap();
        let order: Vec<_> = order.iter().flatten().collect();
        let expected: Vec<IdxSize> = (1..n as IdxSize).chain([0]).collect();
        assert_eq!(order, expected);
    }
}
