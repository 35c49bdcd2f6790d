//! The register's trend: per run date, the exceptions left open by
//! severity and the invoices overdue, for the dashboard and the workbook.
//!
//! The status rows alone cannot give it: a run that changed nothing
//! writes no status row, so its date would be missing, and overdue
//! invoices are not exceptions. So each run ends with one `run` row
//! whose `detail` holds the four counts as `key=value` words. A history
//! made before the `run` row has none of them; its trend starts with the
//! first run of a newer version.

use std::collections::BTreeMap;

use super::chain::{Chain, Event};
use crate::contract::Severity;
use crate::report::summary::TrendPoint;

/// How many run dates the trend shows, the latest.
pub const TREND_RUNS: usize = 60;

/// The `detail` of a run's `run` row.
pub fn detail(open: &BTreeMap<Severity, u64>, overdue: u64) -> String {
    let mut words: Vec<String> = Severity::NAMES
        .iter()
        .map(|name| {
            let n = Severity::parse(name).and_then(|s| open.get(&s)).copied();
            format!("open_{name}={}", n.unwrap_or(0))
        })
        .collect();
    words.push(format!("overdue_invoices={overdue}"));
    words.join(" ")
}

/// A `run` row's counts back; `None` for a detail that does not hold all four.
fn parse(as_of: &str, detail: &str) -> Option<TrendPoint> {
    let words: BTreeMap<&str, u64> = detail
        .split_whitespace()
        .filter_map(|w| w.split_once('='))
        .filter_map(|(k, v)| Some((k, v.parse().ok()?)))
        .collect();
    let mut open = [0; 3];
    for (slot, name) in open.iter_mut().zip(Severity::NAMES) {
        *slot = *words.get(format!("open_{name}").as_str())?;
    }
    Some(TrendPoint {
        as_of: as_of.to_string(),
        open,
        overdue: *words.get("overdue_invoices")?,
    })
}

/// One point per run date, the last `run` row of each date (a date run
/// again with other inputs shows what it found last), oldest first, the
/// latest [`TREND_RUNS`] of them.
pub fn points(chain: &Chain) -> Vec<TrendPoint> {
    let mut by_date: BTreeMap<&str, TrendPoint> = BTreeMap::new();
    for row in chain.rows.iter().filter(|r| r.event == Event::Run) {
        if let Some(point) = parse(&row.as_of, &row.detail) {
            by_date.insert(row.as_of.as_str(), point);
        }
    }
    let skip = by_date.len().saturating_sub(TREND_RUNS);
    by_date.into_values().skip(skip).collect()
}

#[cfg(test)]
mod tests {
    use super::super::chain::Row;
    use super::*;

    #[test]
    fn run_rows_give_one_point_per_date_the_last_kept() {
        let open = BTreeMap::from([(Severity::High, 2), (Severity::Low, 1)]);
        let text = detail(&open, 4);
        assert_eq!(
            text,
            "open_high=2 open_medium=0 open_low=1 overdue_invoices=4"
        );
        let mut chain = Chain::default();
        for (as_of, detail) in [
            ("2026-04-08", text.as_str()),
            (
                "2026-04-09",
                "open_high=1 open_medium=0 open_low=0 overdue_invoices=9",
            ),
            (
                "2026-04-09",
                "open_high=1 open_medium=1 open_low=0 overdue_invoices=3",
            ),
            ("2026-04-10", "something else"),
        ] {
            chain.push(Row {
                detail: detail.into(),
                ..Row::new(as_of, Event::Run)
            });
        }
        let points = points(&chain);
        assert_eq!(points.len(), 2);
        assert_eq!(points[0].open, [2, 0, 1]);
        assert_eq!((points[1].open, points[1].overdue), ([1, 1, 0], 3));
    }

    #[test]
    fn only_the_latest_runs_are_kept() {
        let mut chain = Chain::default();
        for day in 0..(TREND_RUNS + 5) {
            let as_of = format!("2026-{:02}-{:02}", 1 + day / 28, 1 + day % 28);
            chain.push(Row {
                detail: detail(&BTreeMap::new(), day as u64),
                ..Row::new(&as_of, Event::Run)
            });
        }
        let points = points(&chain);
        assert_eq!(points.len(), TREND_RUNS);
        assert_eq!(points[0].overdue, 5);
    }
}
