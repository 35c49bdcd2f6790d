//! What each column of the outputs holds, by its name: one vocabulary for
//! every writer that gives the text frames their types back (the workbook's
//! cells, the Parquet files).

use crate::contract::Status;

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// `YYYY-MM-DD`; `deadline` may also hold `none` or `open`.
    Date,
    /// Warsaw time, `YYYY-MM-DD HH:MM`.
    DateTime,
    /// Two decimals, `-1234.50`.
    Amount,
    Integer,
    Percent,
    Severity,
    /// `true` or `false`.
    Flag,
}

/// The kind of a contract column, by its name.
pub fn kind_of(column: &str) -> Kind {
    match column {
        "issue_date" | "deadline" | "submitted_on" | "period_end" | "first_seen" => Kind::Date,
        "started_at" | "ended_at" | "approved_at" | "closed_at" | "announcement_start"
        | "announcement_end" | "jpk_made_at" | "ksef_numbered_at" => Kind::DateTime,
        "gross_amount" | "max_penalty_pln" => Kind::Amount,
        "age_business_days" | "invoices" | "line" | "days_open" | "open_exceptions"
        | "rows_to_change" => Kind::Integer,
        // completeness.csv's count of each status.
        status if Status::parse(status).is_some() => Kind::Integer,
        "completeness_pct" => Kind::Percent,
        "severity" => Kind::Severity,
        "in_ledger" | "in_offline_log" | "in_ksef" => Kind::Flag,
        _ => Kind::Text,
    }
}
