//! Each invoice's status (contract section 4), from its deadline, its
//! submission and what the KSeF extract proves.

use polars::prelude::*;

use crate::contract::Status;
use crate::frame::{date_lit, name_of};
use crate::ingest::extract::Extract;

/// The statuses of contract section 4 ([`Status`]).
///
/// The rules pick a code, named once at the end ([`name_of`]): with the
/// names in the chain each link was a text column, some 1 GB of fresh
/// memory at 10M invoices for a column of 160 MB.
///
/// An invoice with no submission found is `pending` or `overdue` only
/// where the KSeF extract proves its absence (complete, and covering its
/// P_1 and deadline: [`Extract::covers`]); elsewhere it is `unverified`.
/// An invoice whose duty lapsed and which KSeF has is on time, whenever
/// it was sent.
pub(super) fn with_status(invoices: LazyFrame, as_of: Expr, extract: &Extract) -> LazyFrame {
    let code = |s: Status| lit(s.code());
    let sent = col("submitted_on").is_not_null();
    let kind = |k: &str| col("deadline_kind").eq(lit(k)).fill_null(lit(false));
    let proven_absent = match extract.span {
        Some((start, end)) => col("issue_date")
            .gt_eq(date_lit(start))
            .and(col("deadline").lt_eq(date_lit(end)))
            .fill_null(lit(false)),
        None => lit(false),
    };
    let status = when(col("requires_ksef").not())
        .then(code(Status::NotRequired))
        .when(kind("date").and(sent.clone()))
        .then(
            when(col("submitted_on").lt_eq(col("deadline")))
                .then(code(Status::SubmittedOnTime))
                .otherwise(code(Status::SubmittedLate)),
        )
        .when(kind("date").and(proven_absent))
        .then(
            when(as_of.gt(col("deadline")))
                .then(code(Status::Overdue))
                .otherwise(code(Status::Pending)),
        )
        .when(kind("date").or(kind("open")).and(sent.clone().not()))
        .then(code(Status::Unverified))
        .when(kind("open").or(kind("lapsed")).and(sent))
        .then(code(Status::SubmittedOnTime))
        .otherwise(code(Status::NotRequired));
    // An invoice that never required KSeF has no duty, so no deadline:
    // `none`, as a total_failure invoice's (the deadline step gives the
    // others none of its own).
    let no_duty = when(
        col("requires_ksef")
            .not()
            .and(col("deadline_kind").is_null()),
    )
    .then(lit("none"))
    .otherwise(col("deadline_kind"))
    .alias("deadline_kind");
    invoices
        .with_column(name_of(&Status::NAMES, status).alias("status"))
        .with_column(no_duty)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One invoice for [`with_status`]: requires KSeF, P_1, deadline
    /// (kind and date), submission date.
    type Case<'a> = (bool, &'a str, &'a str, Option<&'a str>, Option<&'a str>);

    fn statuses(cases: &[Case<'_>], extract: &Extract, as_of: &str) -> Vec<String> {
        let day = |d: Option<&str>| {
            d.map(|d| crate::contract::date_to_days(d.parse().unwrap_or_default()))
        };
        let date_column = |name: &str, values: Vec<Option<i32>>| {
            Column::new(name.into(), values)
                .cast(&DataType::Date)
                .unwrap()
        };
        let df = DataFrame::new(
            cases.len(),
            vec![
                Column::new(
                    "requires_ksef".into(),
                    cases.iter().map(|c| c.0).collect::<Vec<_>>(),
                ),
                date_column("issue_date", cases.iter().map(|c| day(Some(c.1))).collect()),
                Column::new(
                    "deadline_kind".into(),
                    cases.iter().map(|c| c.2).collect::<Vec<_>>(),
                ),
                date_column("deadline", cases.iter().map(|c| day(c.3)).collect()),
                date_column("submitted_on", cases.iter().map(|c| day(c.4)).collect()),
            ],
        )
        .unwrap();
        let as_of = date_lit(as_of.parse().unwrap());
        let out = with_status(df.lazy(), as_of, extract).collect().unwrap();
        out.column("status")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|s| s.unwrap_or("").to_string())
            .collect()
    }

    fn covering(from: &str, through: &str) -> Extract {
        Extract {
            given: true,
            span: Some((from.parse().unwrap(), through.parse().unwrap())),
            ..Extract::default()
        }
    }

    #[test]
    fn absence_needs_an_extract_that_covers_p1_and_deadline() {
        let cases: [Case<'_>; 5] = [
            (true, "2026-03-10", "date", Some("2026-03-11"), None),
            (true, "2026-03-31", "date", Some("2026-04-01"), None),
            (true, "2026-04-09", "date", Some("2026-04-10"), None),
            (
                true,
                "2026-03-10",
                "date",
                Some("2026-03-11"),
                Some("2026-03-12"),
            ),
            (true, "2026-02-27", "date", Some("2026-03-02"), None),
        ];
        let covered = statuses(&cases, &covering("2026-03-01", "2026-04-10"), "2026-04-10");
        assert_eq!(
            covered,
            [
                "overdue",
                "overdue",
                "pending",
                "submitted_late",
                "unverified"
            ],
            "P_1 2026-02-27 lies before the extract's first day"
        );
        let short = statuses(&cases, &covering("2026-03-01", "2026-03-31"), "2026-04-10");
        assert_eq!(
            short,
            [
                "overdue",
                "unverified",
                "unverified",
                "submitted_late",
                "unverified"
            ],
            "a deadline after the extract's last day is not covered"
        );
        let none = statuses(&cases, &Extract::default(), "2026-04-10");
        assert_eq!(
            none,
            [
                "unverified",
                "unverified",
                "unverified",
                "submitted_late",
                "unverified"
            ]
        );
    }

    #[test]
    fn lapsed_duty_with_a_submission_is_on_time_and_no_duty_is_not_required() {
        let cases: [Case<'_>; 6] = [
            (true, "2026-03-10", "lapsed", None, Some("2026-03-30")),
            (true, "2026-03-10", "lapsed", None, None),
            (
                false,
                "2026-03-10",
                "date",
                Some("2026-03-11"),
                Some("2026-03-10"),
            ),
            (true, "2026-03-10", "open", None, Some("2026-03-12")),
            (true, "2026-03-10", "open", None, None),
            (
                true,
                "2026-03-10",
                "date",
                Some("2026-03-11"),
                Some("2026-03-11"),
            ),
        ];
        let got = statuses(&cases, &covering("2026-03-01", "2026-04-10"), "2026-04-10");
        assert_eq!(
            got,
            [
                "submitted_on_time",
                "not_required",
                "not_required",
                "submitted_on_time",
                "unverified",
                "submitted_on_time"
            ],
            "a period still on has no date an extract could cover"
        );
    }
}
