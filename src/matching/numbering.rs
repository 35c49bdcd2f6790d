//! Emergency numbering: the numbers missing inside each offline-log series
//! (contract section 5, NUMBERING_GAP).
//!
//! A series is an invoice number with its last run of digits taken as the
//! sequence: `FO/2026/03/007` is series (`FO/2026/03/`, ``) number 7 of width
//! 3, so `AW/2026/02/0001` and `AW/2026/03/0001` are different series. A
//! missing number is written with its lower neighbour's zero padding. This
//! module lists the gaps; the rule in `queries/rules/numbering_gap.sql`
//! reports them.

use polars::prelude::*;

/// A gap wider than this is reported once, with its size, instead of once
/// per number: a mistyped `FO/2026/03/9001` must not bury the report under
/// nine thousand rows.
pub const MAX_LISTED_GAP: i64 = 1000;

/// Columns: seller_nip, invoice_number (the missing number), previous and
/// next (the numbers around the gap), gap_size (numbers missing in that gap),
/// listed (false for a gap wider than [`MAX_LISTED_GAP`], reported once).
pub fn gaps(offline_log: LazyFrame) -> PolarsResult<DataFrame> {
    missing_numbers(gaps_after(series_numbers(offline_log))?)
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default(),
        )
        .collect()
}

/// Each number of the log once per series: its series (`prefix`, `suffix`
/// around the last run of digits), its `seq` and the `width` its digits
/// are written in, sorted along each series. A number without digits, or
/// with more than 18 (beyond an `i64`), belongs to no series. The same
/// number written with and without padding is one number.
fn series_numbers(offline_log: LazyFrame) -> LazyFrame {
    let pattern = lit(r"^(.*?)(\d+)(\D*)$");
    let number = || col("invoice_number").str();
    offline_log
        .select([col("seller_nip"), col("invoice_number")])
        .with_columns([
            number().extract(pattern.clone(), 1).alias("prefix"),
            number().extract(pattern.clone(), 2).alias("digits"),
            number().extract(pattern, 3).alias("suffix"),
        ])
        .filter(
            col("digits")
                .is_not_null()
                .and(col("digits").str().len_chars().lt_eq(lit(18u32))),
        )
        .with_columns([
            col("digits").cast(DataType::Int64).alias("seq"),
            col("digits").str().len_chars().alias("width"),
        ])
        .unique_stable_generic(
            Some(vec![
                col("seller_nip"),
                col("prefix"),
                col("suffix"),
                col("seq"),
            ]),
            UniqueKeepStrategy::First,
        )
        .sort(
            ["seller_nip", "prefix", "suffix", "seq"],
            SortMultipleOptions::default(),
        )
}

/// The numbers followed by a gap in their series: the next number of the
/// series (`next`, `next_seq`) is more than one further. Adds `gap_size`
/// and whether the gap is small enough to list number by number.
fn gaps_after(numbers: LazyFrame) -> PolarsResult<LazyFrame> {
    let series = [col("seller_nip"), col("prefix"), col("suffix")];
    Ok(numbers
        .with_columns([
            col("seq")
                .shift(lit(-1))
                .over(series.clone())?
                .alias("next_seq"),
            col("invoice_number")
                .shift(lit(-1))
                .over(series)?
                .alias("next"),
        ])
        .filter((col("next_seq") - col("seq")).gt(lit(1i64)))
        .with_column((col("next_seq") - col("seq") - lit(1i64)).alias("gap_size"))
        .with_column(col("gap_size").lt_eq(lit(MAX_LISTED_GAP)).alias("listed")))
}

/// One row per missing number of each gap (only the first of a gap too
/// wide to list), written as its lower neighbour is: the same prefix and
/// suffix, the digits zero-padded to its width.
fn missing_numbers(gaps: LazyFrame) -> LazyFrame {
    let last_missing = when(col("listed"))
        .then(col("next_seq"))
        .otherwise(col("seq") + lit(2i64));
    gaps.with_column(
        int_ranges(
            col("seq") + lit(1i64),
            last_missing,
            lit(1i64),
            DataType::Int64,
        )
        .alias("missing"),
    )
    .explode(
        cols(["missing"]),
        ExplodeOptions {
            empty_as_null: false,
            keep_nulls: false,
        },
    )
    .select([
        col("seller_nip"),
        concat_str(
            [
                col("prefix"),
                col("missing")
                    .cast(DataType::String)
                    .str()
                    .zfill(col("width")),
                col("suffix"),
            ],
            "",
            false,
        )
        .alias("invoice_number"),
        col("invoice_number").alias("previous"),
        col("next"),
        col("gap_size"),
        col("listed"),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn missing(numbers: &[&str]) -> Vec<String> {
        let df = DataFrame::new(
            numbers.len(),
            vec![
                Column::new("seller_nip".into(), vec!["5265877635"; numbers.len()]),
                Column::new("invoice_number".into(), numbers.to_vec()),
            ],
        )
        .unwrap();
        let out = gaps(df.lazy()).unwrap();
        out.column("invoice_number")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|s| s.unwrap().to_string())
            .collect()
    }

    #[test]
    fn one_finding_per_missing_number_with_its_neighbours_padding() {
        assert_eq!(
            missing(&["FO/2026/03/009", "FO/2026/03/012", "FO/2026/03/008"]),
            ["FO/2026/03/010", "FO/2026/03/011"]
        );
        assert_eq!(missing(&["9", "11"]), ["10"]);
        assert_eq!(missing(&["AW-0099", "AW-0101"]), ["AW-0100"]);
    }

    #[test]
    fn series_are_kept_apart() {
        // Monthly series restart; a single number is no gap; suffixes count.
        assert!(missing(&["AW/2026/02/0001", "AW/2026/03/0001", "AW/2026/03/0002"]).is_empty());
        assert!(missing(&["FO/1"]).is_empty());
        assert!(missing(&["1/A", "3/B"]).is_empty());
        assert_eq!(missing(&["1/A", "3/A"]), ["2/A"]);
        assert!(missing(&["NO-DIGITS", "ALSO-NONE"]).is_empty());
        // The same number written with and without padding is one number.
        assert!(missing(&["FO/7", "FO/007", "FO/8"]).is_empty());
    }

    #[test]
    fn a_huge_gap_is_reported_once() {
        assert_eq!(missing(&["FO/0001", "FO/9001"]), ["FO/0002"]);
        assert_eq!(missing(&["FO/0001", "FO/1002"]).len(), 1000);
    }
}
