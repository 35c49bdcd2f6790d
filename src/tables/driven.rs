//! The small tables the driver computes for `queries/matching/`, beside
//! `deadline_keys`: what the matching SQL needs but the source tables do
//! not hold, each computed by this engine exactly as its own matching
//! computes it, and named as such in docs/scaling.md.
//!
//! - `offline_periods`: per invoice of the offline log (its first row by
//!   file and line, at the as-of date), the period that sets its deadline:
//!   `period_kind`, `period_end`, `period_decision`, `period_event`
//!   (`matching::periods::log_periods`: decisions, linked and covering
//!   announcement events). The matching SQL computes these itself
//!   (`log_periods.sql`); this table is the engine's, which its test
//!   compares them with.
//! - `sellers`: the configuration's sellers, one row per NIP named in
//!   `sellers` or with a `ksef_from` of its own: `seller_nip`, `listed`
//!   (named in `sellers`), `ksef_from` (`DATE`, null where the default of
//!   `params.ksef_from` applies). A table rather than `params`' lists, so
//!   that SQL joins it.
//! - `jpk_returns`: every JPK_V7 file read as a return, judged at the as-of
//!   date: `file` (as the ledger's `_file`), `seller_nip`, `period`,
//!   `made_at`, `purpose`, `standing` (`stands`, `replaced`,
//!   `made_after_as_of`), `replaced_by`. Only the rows of a return that
//!   stands are the ledger's rows for the run.
//! - `ksef_extract`: one row, what the KSeF extract proves (contract
//!   section 4, judged from its files' flags, which no table holds):
//!   `given`, `complete` (`BOOLEAN`) and `covers_from`, `covers_through`
//!   (`DATE`, null where absence cannot be proven).

use polars::prelude::*;

use crate::contract::{date_to_days, local_to_ms};
use crate::matching::returns::Standing;
use crate::matching::{Matched, Params};

/// `offline_periods`: each offline-log invoice's period, as matching chose
/// it, sorted by key.
pub fn offline_periods(matched: &Matched) -> PolarsResult<DataFrame> {
    matched
        .invoices_lazy()
        .filter(col("in_offline_log"))
        .select(
            [
                "seller_nip",
                "invoice_number",
                "period_kind",
                "period_end",
                "period_decision",
                "period_event",
            ]
            .map(col),
        )
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default(),
        )
        .collect()
}

/// `sellers`: the NIPs the configuration names, whose they are and since
/// when their KSeF duty runs.
pub fn sellers(params: &Params) -> PolarsResult<DataFrame> {
    let mut nips: Vec<String> = params.sellers.clone();
    nips.extend(params.ksef_from_by_seller.keys().cloned());
    nips.sort();
    nips.dedup();
    let listed: Vec<bool> = nips.iter().map(|n| params.sellers.contains(n)).collect();
    let from: Vec<Option<i32>> = nips
        .iter()
        .map(|n| params.ksef_from_by_seller.get(n).map(|d| date_to_days(*d)))
        .collect();
    DataFrame::new(
        nips.len(),
        vec![
            Column::new("seller_nip".into(), nips),
            Column::new("listed".into(), listed),
            Column::new("ksef_from".into(), from).cast(&DataType::Date)?,
        ],
    )
}

/// `jpk_returns`: the JPK_V7 files read as returns and what became of each.
pub fn jpk_returns(matched: &Matched) -> PolarsResult<DataFrame> {
    let returns = &matched.jpk_returns;
    let text = |f: &dyn Fn(&crate::matching::returns::JpkReturn) -> Option<String>| {
        returns.iter().map(f).collect::<Vec<_>>()
    };
    let standing = |s: &Standing| match s {
        Standing::Stands => "stands",
        Standing::ReplacedBy(_) => "replaced",
        Standing::MadeAfterAsOf => "made_after_as_of",
    };
    let made_at: Vec<i64> = returns
        .iter()
        .map(|r| local_to_ms(r.header.made_at))
        .collect();
    let purpose: Vec<i32> = returns
        .iter()
        .map(|r| i32::from(r.header.purpose))
        .collect();
    DataFrame::new(
        returns.len(),
        vec![
            Column::new("file".into(), text(&|r| Some(r.file.clone()))),
            Column::new("seller_nip".into(), text(&|r| r.header.seller_nip.clone())),
            Column::new("period".into(), text(&|r| Some(r.header.period.clone()))),
            Column::new("made_at".into(), made_at)
                .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?,
            Column::new("purpose".into(), purpose),
            Column::new(
                "standing".into(),
                text(&|r| Some(standing(&r.standing).to_string())),
            ),
            Column::new(
                "replaced_by".into(),
                text(&|r| match &r.standing {
                    Standing::ReplacedBy(by) => Some(by.clone()),
                    _ => None,
                }),
            ),
        ],
    )
}

/// `ksef_extract`: whether the KSeF extract was given, is complete, and
/// the dates it proves absence between.
pub fn ksef_extract(matched: &Matched) -> PolarsResult<DataFrame> {
    let extract = &matched.extract;
    let (from, through) = match extract.span {
        Some((from, through)) => (Some(date_to_days(from)), Some(date_to_days(through))),
        None => (None, None),
    };
    let date = |name: &str, day: Option<i32>| Column::new(name.into(), [day]).cast(&DataType::Date);
    DataFrame::new(
        1,
        vec![
            Column::new("given".into(), [extract.given]),
            Column::new("complete".into(), [extract.gaps.is_empty()]),
            date("covers_from", from)?,
            date("covers_through", through)?,
        ],
    )
}
