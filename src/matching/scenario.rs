//! Scenarios (`run --assume-end ID=TIMESTAMP`): every deadline computed as
//! if a period still on had ended at a given moment. The assumption is put
//! into the records before anything reads them: an announcement event's
//! messages get the end, or a decision gets it as its `ended_at` and as its
//! period's end. Everything after (periods, stretches, lapses, statuses,
//! findings) follows from the records as it would from real ones.

use chrono::NaiveDateTime;
use polars::prelude::*;

use crate::frame::local_lit;

/// One assumption of a scenario: the period still on under `id` (an
/// announcement's event id or message id, or a decision id) ended at `at`
/// (Warsaw time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumedEnd {
    pub id: String,
    pub at: NaiveDateTime,
}

/// What an assumption was applied to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub id: String,
    pub at: NaiveDateTime,
    /// `announcement event E`, `decision D`, or empty when `id` named no
    /// period still on at the as-of date (the run then stops).
    pub ended: String,
}

/// The announcements with the assumed ends of the events still on that an
/// assumption names (by event id or by the id of any of its messages).
pub fn end_events(
    announcements: DataFrame,
    assumed: &[AssumedEnd],
    applied: &mut Vec<Applied>,
) -> PolarsResult<DataFrame> {
    let mut out = announcements;
    for a in assumed {
        let key = coalesce(&[col("event_id"), col("announcement_id")]);
        let named = col("announcement_id")
            .eq(lit(a.id.as_str()))
            .or(col("event_id").eq(lit(a.id.as_str())));
        let keys = out
            .clone()
            .lazy()
            .filter(named)
            .select([key.clone().alias("event_key")])
            .unique_stable(None, UniqueKeepStrategy::First)
            .collect()?;
        let Some(event) = keys
            .column("event_key")?
            .str()?
            .iter()
            .flatten()
            .next()
            .map(str::to_string)
        else {
            continue;
        };
        let of_event = key.eq(lit(event.as_str()));
        let still_on = out
            .clone()
            .lazy()
            .filter(of_event.clone())
            .select([col("end").is_null().all(true)])
            .collect()?;
        if still_on.column("end")?.bool()?.iter().next().flatten() != Some(true) {
            continue;
        }
        out = out
            .lazy()
            .with_column(
                when(of_event)
                    .then(local_lit(a.at))
                    .otherwise(col("end"))
                    .alias("end"),
            )
            .collect()?;
        applied.push(Applied {
            id: a.id.clone(),
            at: a.at,
            ended: format!("announcement event {event}"),
        });
    }
    Ok(out)
}

/// The decisions with `ended_at` set where an assumption names one still
/// on, and which assumptions named a decision.
pub fn end_decisions(
    decisions: DataFrame,
    assumed: &[AssumedEnd],
    applied: &mut Vec<Applied>,
) -> PolarsResult<DataFrame> {
    let mut out = decisions;
    for a in assumed {
        if applied.iter().any(|d| d.id == a.id) {
            continue;
        }
        let named = col("decision_id").eq(lit(a.id.as_str()));
        let open = out
            .clone()
            .lazy()
            .filter(named.clone().and(col("ended_at").is_null()))
            .collect()?
            .height();
        if open == 0 {
            continue;
        }
        out = out
            .lazy()
            .with_column(
                when(named.and(col("ended_at").is_null()))
                    .then(local_lit(a.at))
                    .otherwise(col("ended_at"))
                    .alias("ended_at"),
            )
            .collect()?;
        applied.push(Applied {
            id: a.id.clone(),
            at: a.at,
            ended: format!("decision {}", a.id),
        });
    }
    Ok(out)
}

/// A decision's period, once the decision is assumed ended: its own end
/// even where it links an event still on (the assumption is about this
/// decision's period, not the event's other invoices).
pub fn decision_periods(decisions: LazyFrame, applied: &[Applied]) -> LazyFrame {
    let ended: Vec<&str> = applied
        .iter()
        .filter(|a| a.ended.starts_with("decision "))
        .map(|a| a.id.as_str())
        .collect();
    if ended.is_empty() {
        return decisions;
    }
    let assumed = col("decision_id")
        .is_in(lit(Series::new("ids".into(), ended)).implode(false), false)
        .and(col("period_ongoing"));
    decisions.with_columns([
        when(assumed.clone())
            .then(col("ended_at").cast(DataType::Date))
            .otherwise(col("period_end"))
            .alias("period_end"),
        when(assumed)
            .then(lit(false))
            .otherwise(col("period_ongoing"))
            .alias("period_ongoing"),
    ])
}

/// Every assumption, with what it ended (empty `ended` for one that named
/// no period still on), in the order given.
pub fn outcome(assumed: &[AssumedEnd], applied: Vec<Applied>) -> Vec<Applied> {
    assumed
        .iter()
        .map(|a| {
            applied
                .iter()
                .find(|d| d.id == a.id)
                .cloned()
                .unwrap_or_else(|| Applied {
                    id: a.id.clone(),
                    at: a.at,
                    ended: String::new(),
                })
        })
        .collect()
}
