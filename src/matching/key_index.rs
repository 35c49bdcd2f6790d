//! The key index: every invoice key of the ledger, the offline log, KSeF
//! metadata and the UPOs once, sorted, with the row of each view that is
//! compared for it. It is the spine the invoice table
//! ([`super::invoices::gather_views`]) gathers every view along; building
//! it is one sort and one walk over runs, the largest step of matching
//! in the 10M runs `docs/performance.md` records.

use polars::prelude::*;

use super::joins::keys;

/// The column that holds a view's row position, by view.
pub(super) const ROWS: [&str; 4] = ["ledger_row", "log_row", "meta_row", "upo_row"];
/// How many rows of the view hold the key, by view ("" for none kept; the
/// log's view holds one row per key already):
/// what DUPLICATE_NUMBER and DUPLICATE_IN_KSEF start from, counted here
/// where the keys are grouped anyway rather than by grouping the ledger
/// and KSeF tables again.
pub(super) const COUNTS: [&str; 4] = ["ledger_rows", "", "ksef_records", ""];

/// The order that decides which KSeF record of an invoice is compared:
/// earliest `invoicingDate`, then lowest KSeF number.
pub(super) const META_FIRST: [&str; 2] = ["meta_submitted_at", "meta_ksef_number"];
/// Of several UPO receipts of an invoice, the earliest, then by file name.
pub(super) const UPO_FIRST: [&str; 2] = ["upo_submitted_at", "upo_file"];

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
pub(super) fn key_index(views: &[DataFrame; 4], single_key: bool) -> PolarsResult<DataFrame> {
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
    let mut index = if !single_key || !single_key_is_exact(views)? {
        grouped_by_pair(union)?
    } else if let Some(nip) = the_one_seller(views)? {
        grouped_by_number(union, nip)?
    } else {
        grouped_by_joined_key(union)?
    };
    // From ranks back to row positions.
    for (row, order) in [(ROWS[2], &meta_order), (ROWS[3], &upo_order)] {
        let positions = order.take(index.column(row)?.idx()?)?;
        index.with_column(positions.with_name(row.into()).into_column())?;
    }
    Ok(index)
}

/// Each counted view's position column with the name of its count
/// ([`COUNTS`]).
fn counted() -> impl Iterator<Item = (&'static str, &'static str)> + Clone {
    ROWS.into_iter()
        .zip(COUNTS)
        .filter(|(_, count)| !count.is_empty())
}

/// Each view's first rank of the key (see [`key_index`] for why the first
/// non-null is the lowest).
fn firsts() -> Vec<Expr> {
    ROWS.iter().map(|&r| col(r).first_non_null()).collect()
}

/// The union sorted by `key` (stably) and grouped by its runs, with the
/// positions of each counted view's rows for [`run_length`].
fn sorted_runs(union: LazyFrame) -> LazyGroupBy {
    union
        .sort(
            ["key"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .with_row_index("position", None)
        .with_columns(
            counted()
                .map(|(r, _)| {
                    when(col(r).is_not_null())
                        .then(col("position"))
                        .otherwise(lit(NULL).cast(IDX_DTYPE))
                        .alias(format!("{r}_position"))
                })
                .collect::<Vec<_>>(),
        )
        .group_by_stable([col("key")])
}

/// The index of keys that cannot be joined into one text exactly (a null,
/// or a NUL in a seller NIP): a hash group-by on the pair, then a
/// two-column sort, the slower path.
fn grouped_by_pair(union: LazyFrame) -> PolarsResult<DataFrame> {
    let mut aggs = firsts();
    aggs.extend(counted().map(|(r, count)| col(r).count().alias(count)));
    union
        .group_by_stable(keys())
        .agg(aggs)
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default(),
        )
        .collect()
}

/// The index of a bundle of one seller (`nip`): only the invoice number
/// goes through the sort, and the NIP, the same on every row, is set
/// after.
fn grouped_by_number(union: LazyFrame, nip: String) -> PolarsResult<DataFrame> {
    let mut aggs = firsts();
    aggs.extend(counted().map(|(r, count)| run_length(r).alias(count)));
    let mut columns = vec![
        lit(nip).alias("seller_nip"),
        col("key").alias("invoice_number"),
    ];
    columns.extend(ROWS.iter().map(|&r| col(r)));
    columns.extend(COUNTS.iter().filter(|c| !c.is_empty()).map(|&c| col(c)));
    sorted_runs(
        union.select(
            std::iter::once(col("invoice_number").alias("key"))
                .chain(ROWS.iter().map(|&r| col(r)))
                .collect::<Vec<_>>(),
        ),
    )
    .agg(aggs)
    .select(columns)
    .collect()
}

/// The index of several sellers' keys, each joined into one text
/// `seller_nip NUL invoice_number`, which sorts and groups as the pair.
fn grouped_by_joined_key(union: LazyFrame) -> PolarsResult<DataFrame> {
    let mut with_keys = vec![col("seller_nip").first(), col("invoice_number").first()];
    with_keys.extend(firsts());
    with_keys.extend(counted().map(|(r, count)| run_length(r).alias(count)));
    sorted_runs(union.with_column(concat_str(keys(), "\0", false).alias("key")))
        .agg(with_keys)
        .drop(cols(["key"]))
        .collect()
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(crate) fn view(keys: &[(&str, &str)], extra: &[(&str, Column)]) -> DataFrame {
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
