//! The maximum penalty from 2027 (VAT Act art. 106ni, in force
//! 2027-01-01): for an invoice sent late or overdue whose deadline is on
//! or after that day, up to 100 % of its VAT, or 18.7 % of its gross
//! amount when it shows no VAT (VAT of zero), in PLN. The tax office may
//! lower it; this is the most it may be.
//!
//! An amount in another currency is converted at the NBP table A mid rate
//! of the last business day before the invoice's P_1 (VAT Act art. 31a).
//! Only that day's table counts: when the bundle's `rates/` lacks it, no
//! older table stands in, the penalty is left empty and the missing rate
//! is listed. The one Rust loop runs over the distinct P_1 dates, to find
//! each one's rate day; the rest is polars expressions over whole tables.

use chrono::NaiveDate;
use polars::prelude::*;

use crate::calendar::is_business_day;
use crate::contract::Status;
use crate::frame::{date_lit, left, one_of};

/// The day art. 106ni applies from: deadlines on or after it.
pub const IN_FORCE: NaiveDate = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();

/// Rates are kept in ten-thousandths (`contract::parse_rate`).
const RATE_SCALE: i64 = 10_000;

/// What the exposure step adds to a run: the invoice table with
/// `max_penalty_pln` (grosze, null where none applies), the rates it used
/// (`rate_date`, `currency`, `rate`, `table`) and the rates it needed but
/// the bundle lacks (`rate_date`, `currency`).
pub struct Exposure {
    pub invoices: DataFrame,
    pub rates_used: DataFrame,
    pub rates_missing: DataFrame,
}

/// The last business day before `p1`.
pub fn rate_day(p1: NaiveDate) -> NaiveDate {
    let mut d = p1.pred_opt().unwrap_or(p1);
    while !is_business_day(d) {
        d = d.pred_opt().unwrap_or(d);
    }
    d
}

/// An amount in grosze (or cents) converted at `rate` (ten-thousandths),
/// rounded half away from zero once, as the penalty is: what the views'
/// totals in PLN add up.
pub fn to_pln(cents: i64, rate: i64) -> i64 {
    let product = i128::from(cents) * i128::from(rate);
    let half = i128::from(RATE_SCALE / 2);
    let rounded = (product.abs() + half) / i128::from(RATE_SCALE);
    let rounded = i64::try_from(rounded).unwrap_or(i64::MAX);
    if product < 0 { -rounded } else { rounded }
}

/// Each distinct P_1 of `invoices` with its rate day.
fn rate_days(invoices: &DataFrame) -> PolarsResult<DataFrame> {
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap();
    let days = invoices
        .column("issue_date")?
        .as_materialized_series()
        .drop_nulls()
        .unique()?
        .cast(&DataType::Int32)?;
    let days: Vec<i32> = days.i32()?.into_no_null_iter().collect();
    let needed: Vec<i32> = days
        .iter()
        .map(|&d| {
            let p1 = epoch + chrono::Days::new(u64::try_from(d.max(1)).unwrap_or(1));
            (rate_day(p1) - epoch).num_days() as i32
        })
        .collect();
    DataFrame::new(
        days.len(),
        vec![
            Column::new("issue_date".into(), days).cast(&DataType::Date)?,
            Column::new("rate_date".into(), needed).cast(&DataType::Date)?,
        ],
    )
}

/// Whether an invoice is exposed: sent late or overdue, its deadline a
/// date on or after [`IN_FORCE`].
fn exposed() -> Expr {
    one_of(
        col("status"),
        &[Status::SubmittedLate.as_str(), Status::Overdue.as_str()],
    )
    .and(col("deadline_kind").eq(lit("date")).fill_null(lit(false)))
    .and(
        col("deadline")
            .gt_eq(date_lit(IN_FORCE))
            .fill_null(lit(false)),
    )
}

/// The penalty in grosze: |VAT| × rate, or |gross| × 18.7 % × rate when
/// the VAT is zero, rounded half up once; null when the VAT is unknown or
/// no rate applies. `multiplier` is the rate in ten-thousandths (PLN:
/// 10 000).
fn penalty(multiplier: Expr) -> Expr {
    let vat = col("vat_amount").abs();
    let gross = col("gross_amount").abs();
    let half_up = |num: Expr, den: i64| (num + lit(den / 2)) / lit(den);
    when(col("vat_amount").eq(lit(0i64)))
        .then(half_up(
            gross * lit(187i64) * multiplier.clone(),
            1000 * RATE_SCALE,
        ))
        .otherwise(half_up(vat * multiplier, RATE_SCALE))
}

/// The distinct `columns` of the exposed invoices in another currency
/// whose rate is as `which` says, by date and currency.
fn listed(joined: &DataFrame, which: Expr, columns: Vec<Expr>) -> PolarsResult<DataFrame> {
    joined
        .clone()
        .lazy()
        .filter(col("exposure_foreign").and(which))
        .select(columns)
        .unique_stable(None, UniqueKeepStrategy::First)
        .sort(["rate_date", "currency"], Default::default())
        .collect()
}

/// The invoice table with `max_penalty_pln`, and the rates used and
/// missing. `rates` is the bundle's `rates/` table (`date`, `currency`,
/// `rate`, `table`), possibly empty.
pub fn with_exposure(invoices: DataFrame, rates: &DataFrame) -> PolarsResult<Exposure> {
    let days = rate_days(&invoices)?;
    let rates = rates
        .clone()
        .lazy()
        .unique_stable_generic(
            Some(vec![col("date"), col("currency")]),
            UniqueKeepStrategy::First,
        )
        .select([
            col("date").alias("rate_date"),
            col("currency").alias("rate_currency"),
            col("rate").cast(DataType::Int64).alias("rate_value"),
            col("table").alias("rate_table"),
        ]);
    let pln = col("currency").eq(lit("PLN")).fill_null(lit(false));
    let foreign = exposed()
        .and(pln.clone().not())
        .and(col("vat_amount").is_not_null());
    // Only the columns the penalty reads go through the joins: the invoice
    // table itself gains one column, not a joined copy of every column.
    let joined = invoices
        .clone()
        .lazy()
        .select([
            col("issue_date"),
            col("currency"),
            col("vat_amount"),
            col("gross_amount"),
            col("status"),
            col("deadline"),
            col("deadline_kind"),
        ])
        .with_row_index("exposure_row", None)
        .join(
            days.lazy(),
            [col("issue_date")],
            [col("issue_date")],
            left(),
        )
        .join(
            rates,
            [col("rate_date"), col("currency")],
            [col("rate_date"), col("rate_currency")],
            left(),
        )
        .with_column(foreign.alias("exposure_foreign"))
        .collect()?;
    let multiplier = when(pln).then(lit(RATE_SCALE)).otherwise(col("rate_value"));
    let used = listed(
        &joined,
        col("rate_value").is_not_null(),
        vec![
            col("rate_date"),
            col("currency"),
            col("rate_value").alias("rate"),
            col("rate_table").alias("table"),
        ],
    )?;
    let missing = listed(
        &joined,
        col("rate_value").is_null(),
        vec![col("rate_date"), col("currency")],
    )?;
    let penalties = joined
        .lazy()
        .sort(["exposure_row"], Default::default())
        .select([when(exposed())
            .then(penalty(multiplier))
            .otherwise(lit(NULL).cast(DataType::Int64))
            .alias("max_penalty_pln")])
        .collect()?;
    let mut invoices = invoices;
    invoices.with_column(penalties.column("max_penalty_pln")?.clone())?;
    Ok(Exposure {
        invoices,
        rates_used: used,
        rates_missing: missing,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// The rate day is the business day before P_1: a Monday's is the
    /// Friday before; after New Year's Day, the last day of December.
    #[test]
    fn the_rate_day_is_the_last_business_day_before_p1() {
        assert_eq!(rate_day(d("2027-01-11")), d("2027-01-08"));
        assert_eq!(rate_day(d("2027-01-04")), d("2026-12-31"));
        assert_eq!(rate_day(d("2027-01-07")), d("2027-01-05"));
    }

    /// 123.00 EUR at 4.2693 is 525.1239 PLN; half a grosz rounds away
    /// from zero, for corrections too.
    #[test]
    fn amounts_convert_rounded_half_away_from_zero() {
        assert_eq!(to_pln(12_300, 42_693), 52_512);
        assert_eq!(to_pln(1, 5_000), 1);
        assert_eq!(to_pln(-1, 5_000), -1);
        assert_eq!(to_pln(-12_300, 42_693), -52_512);
    }
}
