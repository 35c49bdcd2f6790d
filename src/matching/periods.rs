//! Offline periods: announcements merged into events, decisions with the end
//! of the period they declare and when they were closed, and the period each
//! offline-log invoice belongs to (contract section 3, the `end` of `offline`
//! and `emergency`).

use polars::prelude::*;

use crate::contract::Category;
use crate::contract::ms_to_date;
use crate::deadline::Outage;
use crate::frame::one_of;
use crate::frame::{inner, left};

/// Status-service messages sharing an `eventId` are one event: earliest
/// start, latest end, still on only when no message has an end. A CSV row is
/// an event of its own. Columns: event_key, category, start, end.
pub fn events(announcements: LazyFrame) -> LazyFrame {
    announcements
        .with_column(coalesce(&[col("event_id"), col("announcement_id")]).alias("event_key"))
        .group_by_stable([col("event_key")])
        .agg([
            col("category").first(),
            col("start").min(),
            col("end").max(),
        ])
}

/// Which event each announcement id belongs to: a decision may link any
/// message id of an event, or the event id itself.
pub fn announcement_events(announcements: LazyFrame) -> LazyFrame {
    let by_message = announcements.clone().select([
        col("announcement_id"),
        coalesce(&[col("event_id"), col("announcement_id")]).alias("event_key"),
    ]);
    let by_event = announcements.filter(col("event_id").is_not_null()).select([
        col("event_id").alias("announcement_id"),
        col("event_id").alias("event_key"),
    ]);
    concat([by_message, by_event], UnionArgs::default())
        .unwrap_or_else(|_| unreachable_plan())
        .unique_stable_generic(
            Some(vec![col("announcement_id")]),
            UniqueKeepStrategy::First,
        )
}

fn unreachable_plan() -> LazyFrame {
    DataFrame::empty().lazy()
}

/// The category of announcement that justifies a mode, as an expression
/// over a `mode` column (offline → MAINTENANCE, emergency → FAILURE,
/// total_failure → TOTAL_FAILURE).
pub fn required_category(mode: Expr) -> Expr {
    when(mode.clone().eq(lit("offline")))
        .then(lit("MAINTENANCE"))
        .when(mode.clone().eq(lit("emergency")))
        .then(lit("FAILURE"))
        .when(mode.eq(lit("total_failure")))
        .then(lit("TOTAL_FAILURE"))
        .otherwise(lit(NULL).cast(DataType::String))
}

/// Decisions with the end of the period they declare: the end of the linked
/// announcement's event if there is one, else the decision's own end.
/// Adds: linked_event, required_category, period_end (Date), period_ongoing.
pub fn decisions(decisions: LazyFrame, events: LazyFrame, links: LazyFrame) -> LazyFrame {
    let linked = links
        .join(
            events.select([col("event_key"), col("end").alias("event_end")]),
            [col("event_key")],
            [col("event_key")],
            inner(),
        )
        .select([
            col("announcement_id"),
            col("event_key").alias("linked_event"),
            col("event_end"),
        ]);
    decisions
        .join(
            linked,
            [col("announcement_id")],
            [col("announcement_id")],
            left(),
        )
        .with_columns([
            required_category(col("mode")).alias("required_category"),
            when(col("linked_event").is_not_null())
                .then(col("event_end"))
                .otherwise(col("ended_at"))
                .alias("period_end_at"),
        ])
        .with_columns([
            col("period_end_at")
                .cast(DataType::Date)
                .alias("period_end"),
            col("period_end_at").is_null().alias("period_ongoing"),
        ])
        .drop(cols(["event_end", "period_end_at"]))
}

/// When a decision was closed and by whom: its own `closed_at`/`closed_by`,
/// else its earliest `close_decision` activity.
pub(super) fn with_effective_close(decisions: LazyFrame, activity: LazyFrame) -> LazyFrame {
    let closes = activity
        .filter(
            col("action")
                .eq(lit("close_decision"))
                .and(col("decision_id").is_not_null()),
        )
        .sort(["at"], SortMultipleOptions::default())
        .unique_stable_generic(Some(vec![col("decision_id")]), UniqueKeepStrategy::First)
        .select([
            col("decision_id"),
            col("at").alias("close_at"),
            col("user").alias("close_by"),
        ]);
    decisions
        .join(closes, [col("decision_id")], [col("decision_id")], left())
        .with_columns([
            coalesce(&[col("closed_at"), col("close_at")]).alias("closed_effective_at"),
            when(col("closed_at").is_not_null())
                .then(col("closed_by"))
                .otherwise(col("close_by"))
                .alias("closed_effective_by"),
        ])
        .drop(cols(["close_at", "close_by"]))
}

/// For offline-log rows: the decision that covers them and the period that
/// sets their deadline. A decision is usable when it exists, is of the row's
/// mode and covers `issued_at`; without one, an `offline`/`emergency` row takes
/// the latest-ending event of its mode's category covering `issued_at`.
/// Adds: decision_usable, period_kind ("ended", "ongoing" or null), period_end, and where
/// that end came from: period_decision (the usable decision's id) and period_event (the
/// announcement event the decision links, else the covering one taken).
pub fn log_periods(log: LazyFrame, decisions: LazyFrame, events: LazyFrame) -> LazyFrame {
    let with_decision = with_decision(log, decisions);
    let fallback = fallback_periods(with_decision.clone(), events);
    with_decision
        .join(
            fallback,
            [col("seller_nip"), col("invoice_number")],
            [col("seller_nip"), col("invoice_number")],
            left(),
        )
        .with_columns(period_chosen())
        .drop(cols([
            "decision_mode",
            "decision_started_at",
            "decision_ended_at",
            "decision_period_end",
            "decision_period_ongoing",
            "decision_linked_event",
            "fallback_ongoing",
            "fallback_end",
            "fallback_event",
        ]))
}

/// The log's rows with their decision's mode, times and period
/// (`decision_*`), and whether that decision covers the row
/// (`decision_usable`): of the row's mode, started by `issued_at` and not
/// ended before it.
fn with_decision(log: LazyFrame, decisions: LazyFrame) -> LazyFrame {
    let d = decisions.select([
        col("decision_id"),
        col("mode").alias("decision_mode"),
        col("started_at").alias("decision_started_at"),
        col("ended_at").alias("decision_ended_at"),
        col("period_end").alias("decision_period_end"),
        col("period_ongoing").alias("decision_period_ongoing"),
        col("linked_event").alias("decision_linked_event"),
    ]);
    log.join(d, [col("decision_id")], [col("decision_id")], left())
        .with_column(
            (col("decision_mode")
                .eq(col("mode"))
                .and(col("decision_started_at").lt_eq(col("issued_at")))
                .and(
                    col("decision_ended_at")
                        .is_null()
                        .or(col("issued_at").lt_eq(col("decision_ended_at"))),
                ))
            .fill_null(lit(false))
            .alias("decision_usable"),
        )
}

/// For the `offline` and `emergency` rows no usable decision covers, the
/// events of their mode's category that cover `issued_at`: whether one is
/// still on (`fallback_ongoing`) and the latest end (`fallback_end`), per
/// invoice, with the event that gives it (`fallback_event`: one still on,
/// else the latest-ending; the first by key among equals).
fn fallback_periods(with_decision: LazyFrame, events: LazyFrame) -> LazyFrame {
    let needs_fallback = with_decision
        .filter(
            col("decision_usable")
                .not()
                .and(one_of(col("mode"), &["offline", "emergency"])),
        )
        .select([
            col("seller_nip"),
            col("invoice_number"),
            col("issued_at"),
            required_category(col("mode")).alias("cat"),
        ]);
    needs_fallback
        .cross_join(
            events.select([col("event_key"), col("category"), col("start"), col("end")]),
            None,
        )
        .filter(
            col("category")
                .eq(col("cat"))
                .and(col("start").lt_eq(col("issued_at")))
                .and(col("end").is_null().or(col("issued_at").lt_eq(col("end")))),
        )
        .group_by([col("seller_nip"), col("invoice_number")])
        .agg([
            col("end").is_null().any(false).alias("fallback_ongoing"),
            col("end").max().cast(DataType::Date).alias("fallback_end"),
            col("event_key")
                .sort_by(
                    [col("end"), col("event_key")],
                    SortMultipleOptions::default()
                        .with_order_descending_multi([true, false])
                        .with_nulls_last(false),
                )
                .first()
                .alias("fallback_event"),
        ])
}

/// `period_kind` and `period_end`: a usable `offline`/`emergency`
/// decision's period, else the fallback events' (null where there are
/// none, and for the other modes, whose deadline no period sets), and
/// `period_decision`/`period_event`, where it came from.
fn period_chosen() -> [Expr; 4] {
    let usable_with_end =
        col("decision_usable").and(one_of(col("mode"), &["offline", "emergency"]));
    [
        when(usable_with_end.clone())
            .then(
                when(col("decision_period_ongoing"))
                    .then(lit("ongoing"))
                    .otherwise(lit("ended")),
            )
            .when(col("fallback_ongoing").is_not_null())
            .then(
                when(col("fallback_ongoing"))
                    .then(lit("ongoing"))
                    .otherwise(lit("ended")),
            )
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("period_kind"),
        when(usable_with_end.clone())
            .then(col("decision_period_end"))
            .otherwise(col("fallback_end"))
            .alias("period_end"),
        when(usable_with_end.clone())
            .then(col("decision_id"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("period_decision"),
        when(usable_with_end)
            .then(col("decision_linked_event"))
            .when(col("fallback_ongoing").is_not_null())
            .then(col("fallback_event"))
            .otherwise(lit(NULL).cast(DataType::String))
            .alias("period_event"),
    ]
}

/// Events as the deadline rules see them: Warsaw calendar dates.
pub fn outages(events: &DataFrame) -> PolarsResult<Vec<Outage>> {
    let id = events.column("event_key")?.str()?;
    let category = events.column("category")?.str()?;
    let start = events.column("start")?.cast(&DataType::Int64)?;
    let end = events.column("end")?.cast(&DataType::Int64)?;
    let (start, end) = (start.i64()?, end.i64()?);
    let mut out = Vec::with_capacity(events.height());
    for i in 0..events.height() {
        let (Some(cat), Some(start)) = (category.get(i).and_then(Category::parse), start.get(i))
        else {
            continue;
        };
        out.push(Outage {
            id: id.get(i).unwrap_or_default().to_string(),
            category: cat,
            start: ms_to_date(start),
            end: end.get(i).map(ms_to_date),
        });
    }
    Ok(out)
}
