//! Small polars expression helpers shared by the stages, so that money,
//! dates and deadlines are written the same way in every output.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::ingest::fields::date_to_days;

/// A date literal of polars type `Date`.
pub fn date_lit(d: NaiveDate) -> Expr {
    lit(date_to_days(d)).cast(DataType::Date)
}

/// `expr` equals one of `values` (false for null).
pub fn one_of(expr: Expr, values: &[&str]) -> Expr {
    values
        .iter()
        .map(|v| expr.clone().eq(lit(*v)))
        .reduce(|a, b| a.or(b))
        .unwrap_or(lit(false))
        .fill_null(lit(false))
}

/// Grosze (`Int64`) as text with two decimals, `-1234.50`; null stays null.
pub fn money_text(cents: Expr) -> Expr {
    let abs = cents.clone().abs();
    let sign = when(cents.lt(lit(0i64))).then(lit("-")).otherwise(lit(""));
    concat_str(
        [
            sign,
            abs.clone().floor_div(lit(100i64)).cast(DataType::String),
            lit("."),
            (abs % lit(100i64))
                .cast(DataType::String)
                .str()
                .zfill(lit(2)),
        ],
        "",
        false,
    )
}

/// The contract's deadline text from `deadline` and `deadline_kind`: the
/// date, `none` (no duty, or it lapsed), `open` (period still on), or empty
/// when the invoice carries no duty at all.
pub fn deadline_text() -> Expr {
    let kind = col("deadline_kind");
    when(kind.clone().eq(lit("date")))
        .then(col("deadline").cast(DataType::String))
        .when(one_of(kind.clone(), &["none", "lapsed"]))
        .then(lit("none"))
        .when(kind.eq(lit("open")))
        .then(lit("open"))
        .otherwise(lit(NULL).cast(DataType::String))
}
