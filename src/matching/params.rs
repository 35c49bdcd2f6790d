//! What the matching needs besides the bundle: the as-of date, whose
//! invoices are ours, and when their KSeF duty began.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

use crate::frame::date_lit;

/// What the matching needs besides the bundle.
#[derive(Debug, Clone)]
pub struct Params {
    pub as_of: NaiveDate,
    /// Our NIPs; empty means every seller is ours.
    pub sellers: Vec<String>,
    /// In grosze.
    pub amount_tolerance: i64,
    /// The day the sellers' KSeF duty began, and where a seller's differs.
    pub ksef_from: NaiveDate,
    pub ksef_from_by_seller: BTreeMap<String, NaiveDate>,
    /// When the user's KSeF extract was taken (`ksef_extract_through`).
    pub ksef_extract_through: Option<NaiveDateTime>,
    /// The ledger's and KSeF's columns the rules read of those tables
    /// (`rules::ROW_LEVEL_COLUMNS`): matching keeps only these once the
    /// invoice table is built.
    pub row_level_columns: &'static [&'static str],
    /// A scenario's assumed ends of periods still on (`run --assume-end`).
    pub assume_end: Vec<super::scenario::AssumedEnd>,
}

impl Params {
    /// Every seller whose `ksef_from` is set on its own, with that day.
    pub(super) fn ksef_from_expr(&self) -> Expr {
        self.ksef_from_by_seller
            .iter()
            .fold(date_lit(self.ksef_from), |otherwise, (nip, day)| {
                when(col("seller_nip").eq(lit(nip.as_str())))
                    .then(date_lit(*day))
                    .otherwise(otherwise)
            })
    }
}
