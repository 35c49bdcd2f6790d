//! What exists at the as-of date (contract section 2): rows dated after it
//! are left out of the run and counted, and KSeF's records count only once
//! KSeF received them.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveDateTime};
use polars::prelude::*;

use crate::contract::Source;

/// The rows with `submitted_on` on or before the as-of date (none without
/// one).
pub(super) fn known_at(table: DataFrame, as_of: &Expr) -> PolarsResult<DataFrame> {
    let known = col("submitted_on")
        .lt_eq(as_of.clone())
        .fill_null(lit(false));
    Ok(kept_where(table, known)?.0)
}

/// The rows of `table` for which `keep` (never null) holds, and how many
/// were left out. Usually that is none, and the table is then kept as it is
/// rather than copied by a filter (the KSeF table is 1.9 GiB at 10M
/// invoices).
fn kept_where(table: DataFrame, keep: Expr) -> PolarsResult<(DataFrame, u64)> {
    let count = table
        .clone()
        .lazy()
        .select([keep.clone().not().sum().alias("left_out")])
        .collect()?;
    let left_out = count
        .column("left_out")?
        .get(0)?
        .extract::<u64>()
        .unwrap_or(0);
    if left_out == 0 {
        return Ok((table, 0));
    }
    Ok((table.lazy().filter(keep).collect()?, left_out))
}

/// The last millisecond of a Warsaw day: "after the as-of date" means
/// after this moment.
pub fn end_of_day(day: NaiveDate) -> NaiveDateTime {
    day.and_hms_milli_opt(23, 59, 59, 999).unwrap_or_default()
}

/// What does not exist yet on the as-of date: rows dated after it are left
/// out of the run and counted per source (contract section 2).
#[derive(Default)]
pub(super) struct AsOfCut {
    counts: BTreeMap<&'static str, u64>,
}

impl AsOfCut {
    /// The rows of `table` for which `known` holds (a row whose date is
    /// missing is kept: its own checks deal with it).
    pub(super) fn keep(
        &mut self,
        table: DataFrame,
        source: Source,
        known: Expr,
    ) -> PolarsResult<DataFrame> {
        let (kept, left_out) = kept_where(table, known.fill_null(lit(true)))?;
        if left_out > 0 {
            *self.counts.entry(source.name()).or_insert(0) += left_out;
        }
        Ok(kept)
    }

    /// Counts `rows` of `source` left out for a reason of their own (the
    /// rows of a return made after the as-of date).
    pub(super) fn add(&mut self, source: Source, rows: u64) {
        if rows > 0 {
            *self.counts.entry(source.name()).or_insert(0) += rows;
        }
    }

    /// How many rows were left out, by source name.
    pub(super) fn into_counts(self) -> BTreeMap<&'static str, u64> {
        self.counts
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::date_lit;

    fn submitted(days: &[Option<&str>]) -> DataFrame {
        let dates: Vec<Option<i32>> = days
            .iter()
            .map(|d| d.map(|d| crate::contract::date_to_days(d.parse().unwrap())))
            .collect();
        let column = Column::new("submitted_on".into(), dates)
            .cast(&DataType::Date)
            .unwrap();
        DataFrame::new(days.len(), vec![column]).unwrap()
    }

    #[test]
    fn rows_after_the_as_of_date_are_counted_and_left_out() {
        let rows = submitted(&[Some("2026-04-11"), Some("2026-04-10"), None]);
        let mut cut = AsOfCut::default();
        let kept = cut
            .keep(
                rows,
                Source::Ledger,
                col("submitted_on").lt_eq(date_lit("2026-04-10".parse().unwrap())),
            )
            .unwrap();
        assert_eq!(kept.height(), 2, "the undated row stays for its own checks");
        assert_eq!(cut.counts.get("ledger"), Some(&1));
    }

    #[test]
    fn records_known_at_the_as_of_date() {
        let as_of = date_lit("2026-03-31".parse().unwrap());
        let all_known = submitted(&[Some("2026-03-01"), Some("2026-03-31")]);
        assert_eq!(known_at(all_known, &as_of).unwrap().height(), 2);
        let some_later = submitted(&[
            Some("2026-04-01"),
            Some("2026-03-31"),
            None,
            Some("2026-01-02"),
        ]);
        let known = known_at(some_later, &as_of).unwrap();
        assert_eq!(
            known.height(),
            2,
            "the later record and the undated one are left out"
        );
        let only_undated = submitted(&[Some("2026-03-01"), None]);
        assert_eq!(known_at(only_undated, &as_of).unwrap().height(), 1);
    }
}
