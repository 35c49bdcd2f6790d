//! The exception register kept across runs (`--state DIR`): for every
//! `exception_id` ever found, when it was first and last seen, and its
//! status: `open`, `reopened`, `resolved`, `accepted_risk` or `cleared`.
//!
//! Transitions, applied once per run as of its date:
//! - found and new → `open`, first_seen = as-of;
//! - found, was `cleared` → `reopened`;
//! - found otherwise → status kept, last_seen = as-of;
//! - not found, was open, reopened, resolved or accepted_risk → `cleared`
//!   on the as-of date; not found and already cleared → kept;
//! - a valid resolution (see [`resolutions`]) dated on or after the
//!   finding's first_seen, or its reopening, sets `resolved`/`accepted_risk`.
//!
//! Running the same as-of again changes nothing: every transition depends
//! only on the previous state and this run's findings.
//!
//! The register belongs to one company, and its history is a hash chain
//! that every run verifies before it changes anything ([`chain`],
//! [`replay`], [`trail`]; contract section 8).

pub mod chain;
pub mod replay;
pub mod resolutions;
pub mod session;
pub mod store;
pub mod trail;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::contract::date_to_days;
use crate::frame::one_of;

pub use session::Session;
pub use store::{State, Stored, Verified, verify};
pub use trail::{IdentityError, Trail};

/// The columns of `register.csv`, in order.
pub const REGISTER_COLUMNS: &[&str] = &[
    "exception_id",
    "code",
    "severity",
    "seller_nip",
    "invoice_number",
    "decision_id",
    "user",
    "status",
    "first_seen",
    "last_seen",
    "cleared_on",
    "reopened_on",
    "resolved_by",
    "resolved_at",
    "resolution_comment",
    "approved_by",
];

/// Statuses that count as unresolved (for `--fail-on`, the dashboard).
pub const OPEN_STATUSES: &[&str] = &["open", "reopened"];

/// The register after one run.
pub struct Updated {
    pub register: DataFrame,
    /// The run's exceptions with `status`, `first_seen` and `days_open` added.
    pub exceptions: DataFrame,
    /// (as_of, exception_id, code, from, to) for every status change.
    pub history: Vec<[String; 5]>,
    /// Register rows per status after the run.
    pub counts: BTreeMap<String, u64>,
}

/// Applies one run's exceptions and valid resolutions to the register.
pub fn update(
    prior: &DataFrame,
    exceptions: &DataFrame,
    resolutions: &DataFrame,
    as_of: NaiveDate,
) -> PolarsResult<Updated> {
    let today = lit(as_of.to_string());
    let ids = [
        "exception_id",
        "code",
        "severity",
        "seller_nip",
        "invoice_number",
        "decision_id",
        "user",
    ];
    let current = exceptions
        .clone()
        .lazy()
        .select(
            ids.iter()
                .map(|c| {
                    if *c == "exception_id" {
                        col(*c)
                    } else {
                        col(*c).alias(format!("cur_{c}"))
                    }
                })
                .collect::<Vec<_>>(),
        )
        .with_column(lit(true).alias("found"));
    let prior = prior
        .clone()
        .lazy()
        .with_column(col("status").alias("prior_status"));
    let mut full = JoinArgs::new(JoinType::Full);
    full.coalesce = JoinCoalesce::CoalesceColumns;
    full.maintain_order = MaintainOrderJoin::LeftRight;
    let latest_resolution = resolutions
        .clone()
        .lazy()
        .sort(["at"], SortMultipleOptions::default())
        .unique_stable_generic(Some(vec![col("exception_id")]), UniqueKeepStrategy::Last)
        .select([
            col("exception_id").alias("res_id"),
            col("status").alias("res_status"),
            col("by").alias("res_by"),
            col("at").alias("res_at"),
            col("comment").alias("res_comment"),
            col("approved_by").alias("res_approved_by"),
        ]);
    let found = col("found").fill_null(lit(false));
    let was = col("prior_status");
    let status = when(found.clone().and(was.clone().is_null()))
        .then(lit("open"))
        .when(found.clone().and(was.clone().eq(lit("cleared"))))
        .then(lit("reopened"))
        .when(found.clone())
        .then(was.clone())
        .when(one_of(
            was.clone(),
            &["open", "reopened", "resolved", "accepted_risk"],
        ))
        .then(lit("cleared"))
        .otherwise(was.clone());
    let keep: Vec<Expr> = ids[1..]
        .iter()
        .map(|c| coalesce(&[col(format!("cur_{c}")), col(*c)]).alias(*c))
        .collect();
    let joined = current
        .join(prior, [col("exception_id")], [col("exception_id")], full)
        .with_columns(keep)
        .with_columns([
            status.alias("status"),
            coalesce(&[col("first_seen"), today.clone()]).alias("first_seen"),
            when(found.clone())
                .then(today.clone())
                .otherwise(col("last_seen"))
                .alias("last_seen"),
        ])
        .with_columns([
            when(
                col("status")
                    .eq(lit("cleared"))
                    .and(was.clone().neq_missing(lit("cleared"))),
            )
            .then(today.clone())
            .when(col("status").eq(lit("reopened")))
            .then(lit(NULL).cast(DataType::String))
            .otherwise(col("cleared_on"))
            .alias("cleared_on"),
            when(
                col("status")
                    .eq(lit("reopened"))
                    .and(was.clone().eq(lit("cleared"))),
            )
            .then(today.clone())
            .otherwise(col("reopened_on"))
            .alias("reopened_on"),
        ])
        .join(
            latest_resolution,
            [col("exception_id")],
            [col("res_id")],
            crate::matching::left(),
        );
    // A resolution counts for the current occurrence only: dated on or after
    // the finding was first seen or reopened.
    let since = coalesce(&[col("reopened_on"), col("first_seen")]);
    let applies = found
        .and(col("res_status").is_not_null())
        .and(col("res_at").str().slice(lit(0), lit(10)).gt_eq(since))
        .fill_null(lit(false));
    let resolved = [
        ("res_status", "status"),
        ("res_by", "resolved_by"),
        ("res_at", "resolved_at"),
        ("res_comment", "resolution_comment"),
        ("res_approved_by", "approved_by"),
    ]
    .map(|(new, old)| {
        when(applies.clone())
            .then(col(new))
            .otherwise(col(old))
            .alias(old)
    });
    let register = joined
        .with_columns(resolved)
        .sort(["exception_id"], SortMultipleOptions::default())
        .collect()?;
    let history = history(&register, as_of)?;
    let register = register.select(REGISTER_COLUMNS.iter().copied())?;
    let counts = counts(&register)?;
    let exceptions = with_status(exceptions, &register, as_of)?;
    Ok(Updated {
        register,
        exceptions,
        history,
        counts,
    })
}

/// The latest as-of date the register was updated for, if any.
pub fn last_as_of(register: &DataFrame) -> PolarsResult<Option<NaiveDate>> {
    let last = register.column("last_seen")?.str()?.iter().flatten().max();
    Ok(last.and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()))
}

/// The exceptions still `open` or `reopened` (what the dashboards count).
pub fn open_only(exceptions: &DataFrame) -> PolarsResult<DataFrame> {
    exceptions
        .clone()
        .lazy()
        .filter(one_of(col("status"), OPEN_STATUSES))
        .collect()
}

/// Exceptions still `open` or `reopened`, by severity.
pub fn open_by_severity(
    exceptions: &DataFrame,
) -> PolarsResult<BTreeMap<crate::contract::Severity, u64>> {
    let (status, severity) = (
        exceptions.column("status")?.str()?,
        exceptions.column("severity")?.str()?,
    );
    let mut out = BTreeMap::new();
    for (st, sev) in status.iter().zip(severity.iter()) {
        if let (Some(st), Some(sev)) = (st, sev.and_then(crate::contract::Severity::parse))
            && OPEN_STATUSES.contains(&st)
        {
            *out.entry(sev).or_insert(0) += 1;
        }
    }
    Ok(out)
}

fn history(joined: &DataFrame, as_of: NaiveDate) -> PolarsResult<Vec<[String; 5]>> {
    let changed = joined
        .clone()
        .lazy()
        .filter(col("status").neq_missing(col("prior_status")))
        .select([
            col("exception_id"),
            col("code"),
            col("prior_status").fill_null(lit("")),
            col("status"),
        ])
        .collect()?;
    let cols: Vec<&StringChunked> = changed
        .columns()
        .iter()
        .map(|c| c.str())
        .collect::<PolarsResult<_>>()?;
    Ok((0..changed.height())
        .map(|i| {
            let v = |c: usize| cols[c].get(i).unwrap_or("").to_string();
            [as_of.to_string(), v(0), v(1), v(2), v(3)]
        })
        .collect())
}

fn counts(register: &DataFrame) -> PolarsResult<BTreeMap<String, u64>> {
    let mut out: BTreeMap<String, u64> =
        ["open", "reopened", "resolved", "accepted_risk", "cleared"]
            .iter()
            .map(|s| (s.to_string(), 0))
            .collect();
    for status in register.column("status")?.str()?.iter().flatten() {
        *out.entry(status.to_string()).or_insert(0) += 1;
    }
    Ok(out)
}

/// Adds `status`, `first_seen` and `days_open` (calendar days since first
/// seen) to the run's exceptions, after the contract's columns.
fn with_status(
    exceptions: &DataFrame,
    register: &DataFrame,
    as_of: NaiveDate,
) -> PolarsResult<DataFrame> {
    let r = register.clone().lazy().select([
        col("exception_id").alias("r_id"),
        col("status"),
        col("first_seen"),
    ]);
    let first_seen = col("first_seen").str().to_date(StrptimeOptions {
        format: Some("%Y-%m-%d".into()),
        strict: true,
        exact: true,
        cache: true,
    });
    let days = lit(date_to_days(as_of)) - first_seen.cast(DataType::Int32);
    exceptions
        .clone()
        .lazy()
        .join(
            r,
            [col("exception_id")],
            [col("r_id")],
            crate::matching::left(),
        )
        .with_column(days.cast(DataType::String).alias("days_open"))
        .collect()
}

#[cfg(test)]
mod tests;
