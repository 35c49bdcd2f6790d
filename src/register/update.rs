//! One run's transitions of the register (see the module's header in
//! [`super`] for the rules): the run's findings joined to the prior
//! register, each row's status moved on, the latest valid resolution laid
//! over the current occurrence, and the history rows and counts that tell
//! what changed.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use super::store::REGISTER_COLUMNS;
use crate::contract::date_to_days;
use crate::frame::one_of;

/// The columns of the run's exceptions a register row keeps, the id first:
/// the register's first seven.
const IDS: &[&str] = REGISTER_COLUMNS.split_at(7).0;

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
    let moved = moved_on(found_now(exceptions), prior, today);
    let register = resolved(moved, resolutions)
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

/// The run's findings, marked `found`: their columns but the id renamed
/// `cur_*`, so that after the join with the prior register a finding's
/// current values can be told from the ones it was recorded with.
fn found_now(exceptions: &DataFrame) -> LazyFrame {
    exceptions
        .clone()
        .lazy()
        .select(
            IDS.iter()
                .map(|c| {
                    if *c == "exception_id" {
                        col(*c)
                    } else {
                        col(*c).alias(format!("cur_{c}"))
                    }
                })
                .collect::<Vec<_>>(),
        )
        .with_column(lit(true).alias("found"))
}

/// Whether a row's finding is in this run (false for register rows only).
fn found() -> Expr {
    col("found").fill_null(lit(false))
}

/// Every finding ever seen, this run's and the prior register's (a full
/// join on `exception_id`), with its status moved on and the dates of this
/// run's transitions set; `prior_status` keeps the status before the run
/// for the history.
fn moved_on(current: LazyFrame, prior: &DataFrame, today: Expr) -> LazyFrame {
    let prior = prior
        .clone()
        .lazy()
        .with_column(col("status").alias("prior_status"));
    let mut full = JoinArgs::new(JoinType::Full);
    full.coalesce = JoinCoalesce::CoalesceColumns;
    full.maintain_order = MaintainOrderJoin::LeftRight;
    // A finding found again takes its current values; one not found keeps
    // the values it was recorded with.
    let keep: Vec<Expr> = IDS[1..]
        .iter()
        .map(|c| coalesce(&[col(format!("cur_{c}")), col(*c)]).alias(*c))
        .collect();
    current
        .join(prior, [col("exception_id")], [col("exception_id")], full)
        .with_columns(keep)
        .with_columns([
            next_status().alias("status"),
            coalesce(&[col("first_seen"), today.clone()]).alias("first_seen"),
            when(found())
                .then(today.clone())
                .otherwise(col("last_seen"))
                .alias("last_seen"),
        ])
        .with_columns(transition_dates(today))
}

/// The status after this run, from the prior one and whether the finding
/// was found: new → open, cleared and found → reopened, found → kept, not
/// found while unresolved or resolved → cleared, else kept.
fn next_status() -> Expr {
    let found = found();
    let was = col("prior_status");
    when(found.clone().and(was.clone().is_null()))
        .then(lit("open"))
        .when(found.clone().and(was.clone().eq(lit("cleared"))))
        .then(lit("reopened"))
        .when(found)
        .then(was.clone())
        .when(one_of(
            was.clone(),
            &["open", "reopened", "resolved", "accepted_risk"],
        ))
        .then(lit("cleared"))
        .otherwise(was)
}

/// `cleared_on` and `reopened_on` after the status has moved: set to today
/// by the run that made the transition, so a rerun of the same as-of
/// (whose prior status is already the new one) leaves them as they were;
/// a reopening forgets when the earlier occurrence cleared.
fn transition_dates(today: Expr) -> [Expr; 2] {
    let was = col("prior_status");
    [
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
                .and(was.eq(lit("cleared"))),
        )
        .then(today)
        .otherwise(col("reopened_on"))
        .alias("reopened_on"),
    ]
}

/// The moved-on register with each finding's latest resolution applied,
/// where it applies: the bundle keeps every resolution ever made, so one
/// counts for the current occurrence only, dated on or after the finding
/// was first seen or reopened.
fn resolved(moved: LazyFrame, resolutions: &DataFrame) -> LazyFrame {
    let since = coalesce(&[col("reopened_on"), col("first_seen")]);
    let applies = found()
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
    moved
        .join(
            latest_resolution(resolutions),
            [col("exception_id")],
            [col("res_id")],
            crate::frame::left(),
        )
        .with_columns(resolved)
}

/// The latest resolution of each exception (by `at`), its columns renamed
/// `res_*` to sit beside the register's own.
fn latest_resolution(resolutions: &DataFrame) -> LazyFrame {
    resolutions
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
        ])
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
            crate::frame::left(),
        )
        .with_column(days.cast(DataType::String).alias("days_open"))
        .collect()
}
