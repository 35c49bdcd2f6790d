//! `deadline_keys.parquet`: every distinct deadline key the bundle's
//! invoices need (mode, P_1, period, where the period's end came from, why
//! there is no duty) with the deadline the law gives it and how it was
//! reached. The deadlines are those matching computed
//! (`matching::deadlines`, once per distinct key), read back from the
//! invoice table rather than derived again, so an engine that joins on this
//! table gets this engine's deadlines by construction.

use polars::prelude::*;

use crate::deadline::NoDutyReason;
use crate::matching::Matched;
use crate::matching::invoices::NO_DUTY_REASONS;

/// The key's columns, in the order the table is sorted by.
const KEY: [&str; 7] = [
    "deadline_mode",
    "issue_date",
    "period_kind",
    "period_end",
    "period_decision",
    "period_event",
    "no_duty_reason",
];

/// One row per distinct key: the key, `deadline` (`DATE`), `deadline_kind`
/// (`date`, `none`, `lapsed`, `open`), `lapsed_on` (`DATE`) and
/// `deadline_basis` (the words `reconciliation.csv` gives), sorted by the
/// key. `no_duty_reason` is written as words (`marker BFK`, `document type
/// RO`, `before ksef_from`, `not ours`), not the engine's code.
pub fn table(matched: &Matched) -> PolarsResult<DataFrame> {
    let mut columns: Vec<Expr> = KEY.iter().map(|k| col(*k)).collect();
    columns.extend(
        [
            "deadline",
            "deadline_kind",
            "lapsed_on",
            "deadline_basis_code",
        ]
        .map(col),
    );
    let keys = matched
        .invoices_lazy()
        .select(columns)
        .unique(None, UniqueKeepStrategy::Any)
        .with_column(matched.deadline_basis())
        .drop(cols(["deadline_basis_code"]))
        .sort(KEY, SortMultipleOptions::default().with_nulls_last(true))
        .collect()?;
    let reasons = keys.column("no_duty_reason")?.cast(&DataType::Int32)?;
    let words: StringChunked = reasons
        .i32()?
        .iter()
        .map(|code| {
            let code = usize::try_from(code?).ok()?;
            NO_DUTY_REASONS.get(code).map(|r| reason_words(*r))
        })
        .collect();
    let mut keys = keys;
    keys.with_column(words.with_name("no_duty_reason".into()).into_column())?;
    Ok(keys)
}

fn reason_words(reason: NoDutyReason) -> String {
    match reason {
        NoDutyReason::MarkerBfk => "marker BFK".to_string(),
        NoDutyReason::DocumentType(t) => format!("document type {t}"),
        NoDutyReason::BeforeKsefFrom => "before ksef_from".to_string(),
        NoDutyReason::NotOurs => "not ours".to_string(),
    }
}
