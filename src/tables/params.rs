//! `params.parquet`: the one row of what the rules read besides the
//! tables (the rules' own `params` table, with the tolerance in the
//! amounts' unit), and the configuration that decides whose invoices they
//! are and since when KSeF applies, which the matching reads.

use polars::prelude::*;

use super::typed;
use crate::contract::{date_to_days, local_to_ms};
use crate::matching::Params;

/// `as_of` (`DATE`), `amount_tolerance` (`DECIMAL(18,2)`, like the
/// amounts), `as_of_end` (`TIMESTAMP`, the as-of day's last millisecond),
/// `sellers` (`ARRAY<STRING>`, empty: every seller is ours), `ksef_from`
/// (`DATE`), `ksef_from_by_seller_nip` and `ksef_from_by_seller_day`
/// (`ARRAY<STRING>`, `ARRAY<DATE>`: a seller's own `ksef_from`) and `ksef_extract_through` (`TIMESTAMP`, null when not configured).
pub fn table(params: &Params) -> PolarsResult<DataFrame> {
    let rules = crate::rules::queries::params_table(params)?;
    let mut columns: Vec<Column> = Vec::new();
    for column in rules.columns() {
        columns.push(match column.name().as_str() {
            "amount_tolerance" => typed::decimal(column, 2)?,
            _ => column.clone(),
        });
    }
    let sellers = Series::new("".into(), params.sellers.clone());
    columns.push(Column::new("sellers".into(), [sellers]));
    columns.push(
        Column::new("ksef_from".into(), [date_to_days(params.ksef_from)]).cast(&DataType::Date)?,
    );
    columns.extend(by_seller(params)?);
    let through: Vec<Option<i64>> = vec![params.ksef_extract_through.map(local_to_ms)];
    columns.push(
        Column::new("ksef_extract_through".into(), through)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?,
    );
    DataFrame::new(1, columns)
}

/// The sellers whose KSeF duty began on a day of their own, as two lists
/// of the same length (`ksef_from_by_seller_nip`, `ksef_from_by_seller_day`):
/// one list of pairs would need polars' struct type, which this build
/// leaves out.
fn by_seller(params: &Params) -> PolarsResult<[Column; 2]> {
    let nips: Vec<&str> = params
        .ksef_from_by_seller
        .keys()
        .map(String::as_str)
        .collect();
    let days: Vec<i32> = params
        .ksef_from_by_seller
        .values()
        .map(|d| date_to_days(*d))
        .collect();
    let nips = Series::new("".into(), nips);
    let days = Series::new("".into(), days).cast(&DataType::Date)?;
    Ok([
        Column::new("ksef_from_by_seller_nip".into(), [nips]),
        Column::new("ksef_from_by_seller_day".into(), [days]),
    ])
}
