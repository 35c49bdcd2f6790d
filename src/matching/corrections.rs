//! Corrections of archived FA(3) invoices: one row per reference from a
//! correction (`RodzajFaktury` KOR, KOR_ZAL or KOR_ROZ) to the invoice it
//! corrects (`DaneFaKorygowanej`, same seller), with the KSeF number each
//! cites and when KSeF numbered both invoices. The correction rules
//! (`queries/rules/correction_*.sql`) read it as `corrections`; the
//! reconciliation's `corrects` and `corrected_by` come from it.
//!
//! When KSeF numbered an invoice: its KSeF metadata record's
//! `acquisitionDate` (the record of its earliest submission, whose number
//! the invoice table shows), else the earliest `DataNadaniaNumeruKSeF` of
//! its production UPOs; with neither, `numbered_at` is null and the rules
//! that need it do not judge that reference ([`not_numbered`] counts the
//! invoices). Timestamps are Warsaw local time, so comparing them compares
//! instants.
//!
//! The archive's `corrected_*` lists (see `contract::ARCHIVE`) are split
//! and exploded by polars; only the few invoices a correction names are
//! looked up in KSeF's and the UPOs' tables.

use polars::prelude::*;

use crate::contract::LIST_SEPARATOR;
use crate::frame::{first_per_invoice, keys, left, one_of};

/// The `RodzajFaktury` of a correction.
pub const CORRECTION_KINDS: [&str; 3] = ["KOR", "KOR_ZAL", "KOR_ROZ"];

/// The archive's lists, one item per reference (`contract::ARCHIVE`).
const LISTS: [&str; 3] = [
    "corrected_numbers",
    "corrected_cited_ksef",
    "corrected_outside_ksef",
];

/// One row per (correction, corrected invoice number) of the archive's
/// corrections: `seller_nip`, `invoice_number`, `issue_date` (the
/// correction's P_1), `archive_file`, `corrected_number`,
/// `cited_ksef_number` (its `NrKSeFFaKorygowanej`, null for none) and
/// `outside_ksef` (it says `NrKSeFN`). A file archived twice counts once,
/// as in the invoice table; a number cited twice by one correction, once.
fn references(archive: &DataFrame) -> LazyFrame {
    let separator = lit(LIST_SEPARATOR.to_string());
    first_per_invoice(archive.clone().lazy())
        .filter(one_of(col("invoice_type"), &CORRECTION_KINDS).and(col(LISTS[0]).is_not_null()))
        .select([
            col("seller_nip"),
            col("invoice_number"),
            col("issue_date"),
            col("archive_file"),
            col(LISTS[0]).str().split(separator.clone()),
            col(LISTS[1]).str().split(separator.clone()),
            col(LISTS[2]).str().split(separator),
        ])
        .explode(
            cols(LISTS),
            ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            },
        )
        .select([
            col("seller_nip"),
            col("invoice_number"),
            col("issue_date"),
            col("archive_file"),
            col(LISTS[0]).alias("corrected_number"),
            when(col(LISTS[1]).eq(lit("-")))
                .then(lit(NULL).cast(DataType::String))
                .otherwise(col(LISTS[1]))
                .alias("cited_ksef_number"),
            col(LISTS[2]).eq(lit("1")).alias("outside_ksef"),
        ])
        .unique_stable_generic(
            Some(vec![
                col("seller_nip"),
                col("invoice_number"),
                col("corrected_number"),
            ]),
            UniqueKeepStrategy::First,
        )
}

/// KSeF's number of each key of `wanted` and when KSeF numbered it
/// (`ksef_number`, `numbered_at`; see the module's comment). The one
/// definition of "numbered": the JPK_V7 rules read it too
/// (`returns::with_numbering`).
pub(super) fn numbered(ksef: &DataFrame, upo: &DataFrame, wanted: LazyFrame) -> LazyFrame {
    let semi = JoinArgs::new(JoinType::Semi);
    let earliest = |lf: LazyFrame, at: &str| {
        lf.join(wanted.clone(), keys(), keys(), semi.clone()).sort(
            [at, "ksef_number"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
    };
    let meta = first_per_invoice(earliest(ksef.clone().lazy(), "invoicing_date")).select([
        col("seller_nip"),
        col("invoice_number"),
        col("ksef_number").alias("meta_number"),
        col("acquisition_date"),
    ]);
    let receipts = earliest(upo.clone().lazy(), "submitted_at")
        .group_by_stable(keys())
        .agg([
            col("ksef_number").first().alias("upo_number"),
            col("ksef_number_assigned_at")
                .min()
                .alias("upo_numbered_at"),
        ]);
    wanted
        .join(meta, keys(), keys(), left())
        .join(receipts, keys(), keys(), left())
        .select([
            col("seller_nip"),
            col("invoice_number"),
            coalesce(&[col("meta_number"), col("upo_number")]).alias("ksef_number"),
            coalesce(&[
                col("acquisition_date").cast(DataType::Datetime(TimeUnit::Milliseconds, None)),
                col("upo_numbered_at").cast(DataType::Datetime(TimeUnit::Milliseconds, None)),
            ])
            .alias("numbered_at"),
        ])
}

/// The `corrections` table: [`references`] with `numbered_at` (when KSeF
/// numbered the correction), `corrected_ksef_number` and
/// `corrected_numbered_at` (KSeF's number of the corrected invoice and when
/// it was given; null where KSeF has none) and `corrected_in_offline_log`.
/// Sorted by the correction's key, its references in file order.
pub fn corrections(
    archive: &DataFrame,
    ksef: &DataFrame,
    upo: &DataFrame,
    offline_log: &DataFrame,
) -> PolarsResult<DataFrame> {
    let refs = references(archive).collect()?;
    let corrected_key = [col("seller_nip"), col("corrected_number")];
    let wanted = concat(
        [
            refs.clone().lazy().select(keys()),
            refs.clone().lazy().select([
                col("seller_nip"),
                col("corrected_number").alias("invoice_number"),
            ]),
        ],
        UnionArgs::default(),
    )?
    .unique_stable(None, UniqueKeepStrategy::First);
    // Without a correction nothing is looked up: KSeF's table has a row per
    // invoice, and even a join with no keys would read it.
    let moments = match refs.height() {
        0 => numbered(&ksef.clear(), &upo.clear(), wanted),
        _ => numbered(ksef, upo, wanted),
    }
    .collect()?;
    let own = moments.clone().lazy().select([
        col("seller_nip"),
        col("invoice_number"),
        col("numbered_at"),
    ]);
    let theirs = moments.lazy().select([
        col("seller_nip"),
        col("invoice_number").alias("corrected_number"),
        col("ksef_number").alias("corrected_ksef_number"),
        col("numbered_at").alias("corrected_numbered_at"),
    ]);
    let logged = offline_log
        .clone()
        .lazy()
        .select([
            col("seller_nip"),
            col("invoice_number").alias("corrected_number"),
        ])
        .unique_stable(None, UniqueKeepStrategy::First)
        .with_column(lit(true).alias("corrected_in_offline_log"));
    refs.lazy()
        .join(own, keys(), keys(), left())
        .join(theirs, corrected_key.clone(), corrected_key.clone(), left())
        .join(logged, corrected_key.clone(), corrected_key, left())
        .with_column(col("corrected_in_offline_log").fill_null(lit(false)))
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default().with_maintain_order(true),
        )
        .collect()
}

/// The reconciliation's view of the corrections, one row per invoice that
/// corrects or is corrected: `corrects` (the numbers it corrects, in file
/// order) and `corrected_by` (the numbers of its corrections, sorted),
/// each space-separated.
pub fn view(corrections: &DataFrame) -> PolarsResult<DataFrame> {
    let joined = |name: &str| col(name).list().join(lit(" "), true).alias(name);
    let corrects = corrections
        .clone()
        .lazy()
        .group_by_stable(keys())
        .agg([col("corrected_number").alias("corrects")])
        .with_column(joined("corrects"));
    let corrected_by = corrections
        .clone()
        .lazy()
        .select([
            col("seller_nip"),
            col("corrected_number").alias("invoice_number"),
            col("invoice_number").alias("corrected_by"),
        ])
        .unique_stable(None, UniqueKeepStrategy::First)
        .sort(
            ["seller_nip", "invoice_number", "corrected_by"],
            SortMultipleOptions::default(),
        )
        .group_by_stable(keys())
        .agg([col("corrected_by")])
        .with_column(joined("corrected_by"));
    corrects
        .join(
            corrected_by,
            keys(),
            keys(),
            JoinArgs::new(JoinType::Full).with_coalesce(JoinCoalesce::CoalesceColumns),
        )
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default(),
        )
        .collect()
}

/// The invoices a correction rule needed the numbering moment of and had
/// none, each once: both sides of a correction of an offline-log invoice
/// (CORRECTION_BEFORE_ORIGINAL), the corrected invoice of a correction
/// that says `NrKSeFN` (CORRECTION_REFERENCE_WRONG).
pub fn not_numbered(corrections: &DataFrame) -> PolarsResult<u64> {
    let lf = corrections.clone().lazy();
    let own = lf
        .clone()
        .filter(col("corrected_in_offline_log").and(col("numbered_at").is_null()))
        .select(keys());
    let theirs = lf
        .filter(
            col("corrected_in_offline_log")
                .or(col("outside_ksef"))
                .and(col("corrected_numbered_at").is_null()),
        )
        .select([
            col("seller_nip"),
            col("corrected_number").alias("invoice_number"),
        ]);
    let missing = concat([own, theirs], UnionArgs::default())?
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    Ok(missing.height() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(values: &[Option<&str>]) -> Column {
        Column::new("x".into(), values.to_vec())
    }

    fn named(c: Column, name: &str) -> Column {
        c.with_name(name.into())
    }

    /// Two corrections: K/1 of A and B (B cited outside KSeF), K/2 of A; a
    /// VAT invoice's lists are ignored.
    fn archive() -> DataFrame {
        let sep = LIST_SEPARATOR;
        let ab = format!("A{sep}B");
        let cited = format!("X{sep}-");
        let flags = format!("0{sep}1");
        let day = Column::new("issue_date".into(), [20_500i32, 20_501, 20_502])
            .cast(&DataType::Date)
            .unwrap_or_else(|e| panic!("{e}"));
        DataFrame::new(
            3,
            vec![
                named(text(&[Some("1"), Some("1"), Some("1")]), "seller_nip"),
                named(
                    text(&[Some("K/1"), Some("K/2"), Some("V/1")]),
                    "invoice_number",
                ),
                day,
                named(
                    text(&[Some("k1.xml"), Some("k2.xml"), Some("v1.xml")]),
                    "archive_file",
                ),
                named(
                    text(&[Some("KOR"), Some("KOR_ZAL"), Some("VAT")]),
                    "invoice_type",
                ),
                named(text(&[Some(&ab), Some("A"), Some("A")]), LISTS[0]),
                named(text(&[Some(&cited), Some("-"), Some("-")]), LISTS[1]),
                named(text(&[Some(&flags), Some("0"), Some("0")]), LISTS[2]),
            ],
        )
        .unwrap_or_else(|e| panic!("{e}"))
    }

    fn times(values: &[Option<i64>], name: &str) -> Column {
        Column::new(name.into(), values.to_vec())
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// A: KSeF's record has its `acquisitionDate` (a UPO says otherwise);
    /// B: the record has none, the earliest UPO moment counts; C: only a
    /// UPO, whose number is KSeF's; D: a record with neither.
    #[test]
    fn numbered_at_is_the_acquisition_date_else_a_upos() {
        let frame = |columns: Vec<Column>| {
            DataFrame::new(columns[0].len(), columns).unwrap_or_else(|e| panic!("{e}"))
        };
        let ksef = frame(vec![
            named(text(&[Some("1"), Some("1"), Some("1")]), "seller_nip"),
            named(text(&[Some("A"), Some("B"), Some("D")]), "invoice_number"),
            named(text(&[Some("kA"), Some("kB"), Some("kD")]), "ksef_number"),
            times(&[Some(1_000), Some(1_000), Some(1_000)], "invoicing_date"),
            times(&[Some(5_000), None, None], "acquisition_date"),
        ]);
        let upo = frame(vec![
            named(
                text(&[Some("1"), Some("1"), Some("1"), Some("1")]),
                "seller_nip",
            ),
            named(
                text(&[Some("A"), Some("B"), Some("B"), Some("C")]),
                "invoice_number",
            ),
            named(
                text(&[Some("kA"), Some("kB"), Some("kB"), Some("kC")]),
                "ksef_number",
            ),
            times(&[Some(1), Some(2), Some(3), Some(4)], "submitted_at"),
            times(
                &[Some(9_000), Some(8_000), Some(7_000), Some(6_000)],
                "ksef_number_assigned_at",
            ),
        ]);
        let wanted = frame(vec![
            named(
                text(&[Some("1"), Some("1"), Some("1"), Some("1")]),
                "seller_nip",
            ),
            named(
                text(&[Some("A"), Some("B"), Some("C"), Some("D")]),
                "invoice_number",
            ),
        ]);
        let got = numbered(&ksef, &upo, wanted.lazy())
            .collect()
            .unwrap_or_else(|e| panic!("{e}"));
        let numbers: Vec<Option<&str>> = got
            .column("ksef_number")
            .and_then(|c| c.str())
            .map(|c| c.iter().collect())
            .unwrap_or_default();
        assert_eq!(numbers, [Some("kA"), Some("kB"), Some("kC"), Some("kD")]);
        let at = got
            .column("numbered_at")
            .and_then(|c| c.cast(&DataType::Int64))
            .unwrap_or_else(|e| panic!("{e}"));
        let at: Vec<Option<i64>> = at.i64().map(|c| c.iter().collect()).unwrap_or_default();
        assert_eq!(at, [Some(5_000), Some(7_000), Some(6_000), None]);
    }

    #[test]
    fn one_row_per_reference_and_the_view_both_ways() {
        let refs = references(&archive())
            .collect()
            .unwrap_or_else(|e| panic!("{e}"));
        let column = |name: &str| -> Vec<Option<String>> {
            let c = refs.column(name).and_then(|c| c.cast(&DataType::String));
            let c = c.unwrap_or_else(|e| panic!("{e}"));
            let s = c.str().unwrap_or_else(|e| panic!("{e}"));
            s.iter().map(|v| v.map(String::from)).collect()
        };
        let some = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert_eq!(column("invoice_number"), some(&["K/1", "K/1", "K/2"]));
        assert_eq!(column("corrected_number"), some(&["A", "B", "A"]));
        assert_eq!(column("cited_ksef_number"), [Some("X".into()), None, None]);
        assert_eq!(column("outside_ksef"), some(&["false", "true", "false"]));
        let with_moments = refs
            .lazy()
            .with_columns([
                lit(NULL)
                    .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                    .alias("numbered_at"),
                lit(NULL)
                    .cast(DataType::Datetime(TimeUnit::Milliseconds, None))
                    .alias("corrected_numbered_at"),
                col("corrected_number")
                    .eq(lit("A"))
                    .alias("corrected_in_offline_log"),
            ])
            .collect()
            .unwrap_or_else(|e| panic!("{e}"));
        let view = view(&with_moments).unwrap_or_else(|e| panic!("{e}"));
        let rows: Vec<String> = (0..view.height())
            .map(|i| {
                view.get_row(i)
                    .map(|r| format!("{:?}", r.0))
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(
            rows,
            [
                r#"[String("1"), String("A"), Null, String("K/1 K/2")]"#,
                r#"[String("1"), String("B"), Null, String("K/1")]"#,
                r#"[String("1"), String("K/1"), String("A B"), Null]"#,
                r#"[String("1"), String("K/2"), String("A"), Null]"#,
            ]
        );
        // K/1 and K/2 (correcting logged A) and A lack a moment; B is
        // cited outside KSeF and lacks one too.
        assert_eq!(not_numbered(&with_moments).ok(), Some(4));
    }
}
