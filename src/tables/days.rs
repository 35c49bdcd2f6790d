//! `calendar.parquet`: every date of the data's years with `next(d)` and
//! `add(d, 7)` (contract section 3), so that an engine without
//! [`crate::calendar`] finds a deadline by a join instead of re-implementing
//! Polish holidays.
//!
//! Whole years, from the first year any date of the exported tables (or the
//! as-of date) falls in to the last: a batch exported on its own
//! (`--files`) covers its own years, and the batches' calendars, unioned
//! without duplicates, are the whole export's as long as no year between
//! two batches' is missing from all of them.

use chrono::{Datelike, NaiveDate};
use polars::prelude::*;

use crate::contract::{date_to_days, days_to_date};

/// The first and last day (days since 1970) of the dates seen so far.
#[derive(Debug, Default, Clone, Copy)]
pub struct Span {
    first: Option<i32>,
    last: Option<i32>,
}

const MS_PER_DAY: i64 = 86_400_000;

impl Span {
    pub fn cover_date(&mut self, d: NaiveDate) {
        self.cover_days(Some(date_to_days(d)), Some(date_to_days(d)));
    }

    fn cover_days(&mut self, first: Option<i32>, last: Option<i32>) {
        self.first = match (self.first, first) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        self.last = match (self.last, last) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
    }

    /// Widens the span to every date and timestamp of `df` (a timestamp
    /// by its local date).
    pub fn cover(&mut self, df: &DataFrame) -> PolarsResult<()> {
        for column in df.columns() {
            match column.dtype() {
                DataType::Date => {
                    let days = column.cast(&DataType::Int32)?;
                    let days = days.i32()?;
                    self.cover_days(days.min(), days.max());
                }
                DataType::Datetime(unit, _) => {
                    let per_day = match unit {
                        TimeUnit::Milliseconds => MS_PER_DAY,
                        TimeUnit::Microseconds => MS_PER_DAY * 1_000,
                        TimeUnit::Nanoseconds => MS_PER_DAY * 1_000_000,
                    };
                    let at = column.cast(&DataType::Int64)?;
                    let at = at.i64()?;
                    let day = |v: Option<i64>| v.map(|v| v.div_euclid(per_day) as i32);
                    self.cover_days(day(at.min()), day(at.max()));
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The calendar table: `date`, `next`, `add7` (all `DATE`) and
    /// `business_day` (`BOOLEAN`), one row per day of the span's years.
    pub fn table(&self) -> PolarsResult<DataFrame> {
        let year_of = |days: Option<i32>| days.map(|d| days_to_date(d).year());
        let (Some(first), Some(last)) = (year_of(self.first), year_of(self.last)) else {
            return rows(None);
        };
        rows(NaiveDate::from_ymd_opt(first, 1, 1).zip(NaiveDate::from_ymd_opt(last, 12, 31)))
    }
}

fn rows(span: Option<(NaiveDate, NaiveDate)>) -> PolarsResult<DataFrame> {
    let (mut dates, mut next, mut add7, mut business) = (vec![], vec![], vec![], vec![]);
    if let Some((first, last)) = span {
        for (d, n, a) in crate::calendar::days_with_deadlines(first, last) {
            dates.push(date_to_days(d));
            next.push(date_to_days(n));
            add7.push(date_to_days(a));
            business.push(crate::calendar::is_business_day(d));
        }
    }
    let date = |name: &str, days: Vec<i32>| Column::new(name.into(), days).cast(&DataType::Date);
    DataFrame::new(
        dates.len(),
        vec![
            date("date", dates)?,
            date("next", next)?,
            date("add7", add7)?,
            Column::new("business_day".into(), business),
        ],
    )
}
