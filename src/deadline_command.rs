//! The `deadline` command: the deadline rules of contract section 3 for one
//! invoice, with outages read from an announcements file in the bundle's
//! own formats (CSV or the status service's JSON).

use std::path::Path;

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use polars::prelude::*;

use crate::config::SourceConfig;
use crate::contract::Source;
use crate::contract::{Category, Mode};
use crate::deadline::{self, Deadline, Outage, Period};
use crate::ingest::SourceInput;
use crate::ingest::read;
use crate::ingest::table::TableBuilder;
use crate::matching::periods;

/// Reads an announcements file into outages (Warsaw dates, events merged).
/// Any row that cannot be read is an error here: a deadline computed from a
/// partly read file would be wrong without saying so.
pub fn read_outages(path: &Path) -> Result<Vec<Outage>> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    let config = SourceConfig::default();
    let input = SourceInput {
        source: Source::Announcements,
        file: &name,
        bytes: &bytes,
        config: &config,
    };
    let mut builder = TableBuilder::new(Source::Announcements.fields());
    let mut rejected = Vec::new();
    read::read_file(&input, &mut builder, &mut rejected);
    if let Some(r) = rejected.first() {
        let line = r.line.map_or(String::new(), |l| format!(" line {l}"));
        bail!("{}{line}: {}", r.file, r.reason);
    }
    let latest = crate::ingest::latest_versions(builder.finish()?.lazy())?;
    let events = periods::events(latest).collect()?;
    Ok(periods::outages(&events)?)
}

/// The deadline the `deadline` command prints. For `offline` and
/// `emergency` the period end is `--period-end`; without it, the end of an
/// announced outage of the mode's category covering the issue date; without
/// such an outage the period is taken as not ended (`open`).
pub fn deadline_for(
    mode: Mode,
    issue_date: NaiveDate,
    period_end: Option<NaiveDate>,
    outages: &[Outage],
) -> Deadline {
    let period = match (mode, period_end) {
        (Mode::Offline | Mode::Emergency, Some(end)) => Some(Period::Ended(end)),
        (Mode::Offline | Mode::Emergency, None) => {
            Some(covering_period(mode, issue_date, outages).unwrap_or(Period::Ongoing))
        }
        _ => None,
    };
    deadline::deadline(mode, issue_date, period, outages)
}

fn covering_period(mode: Mode, day: NaiveDate, outages: &[Outage]) -> Option<Period> {
    let category: Category = Category::for_mode(mode)?;
    let covering: Vec<&Outage> = outages
        .iter()
        .filter(|o| o.category == category && o.start <= day && o.end.is_none_or(|e| day <= e))
        .collect();
    if covering.is_empty() {
        return None;
    }
    if covering.iter().any(|o| o.end.is_none()) {
        return Some(Period::Ongoing);
    }
    covering
        .iter()
        .filter_map(|o| o.end)
        .max()
        .map(Period::Ended)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn emergency_without_period_end_uses_the_covering_failure() {
        let failure = Outage {
            id: "F-1".to_string(),
            category: Category::Failure,
            start: d("2026-03-25"),
            end: Some(d("2026-03-27")),
        };
        // add(Fri 03-27, 7): 03-30..04-03 (5), Easter Monday 04-06 skipped, 04-07, 04-08.
        assert_eq!(
            deadline_for(
                Mode::Emergency,
                d("2026-03-26"),
                None,
                std::slice::from_ref(&failure)
            ),
            Deadline::Date(d("2026-04-08"))
        );
        assert_eq!(
            deadline_for(Mode::Emergency, d("2026-03-20"), None, &[]),
            Deadline::Open
        );
        assert_eq!(
            deadline_for(Mode::Offline, d("2026-03-20"), Some(d("2026-03-20")), &[]),
            Deadline::Date(d("2026-03-23"))
        );
    }
}
