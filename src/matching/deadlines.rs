//! Applies the pure deadline rules (`crate::deadline`) and business-day
//! ageing (`crate::calendar`) to whole tables.
//!
//! A million invoices share a few thousand distinct (mode, issue date,
//! period) keys, so the rules run once per distinct key in Rust and the
//! results are joined back: columnar, exact, and the same code that the
//! `deadline` command and the unit tests exercise.

use chrono::NaiveDate;
use polars::prelude::*;

use super::invoices::NO_DUTY_REASONS;
use crate::calendar;
use crate::contract::{Bucket, Mode, date_to_days, days_to_date};
use crate::deadline::{self, Deadline, Outage, Period, PeriodSource, Step};
use crate::frame::code_of;
use crate::frame::left;

/// A date that stands for "no date" inside the keys, where nulls would not
/// match each other.
const NO_DATE: i32 = i32::MIN;

fn date_key(name: &str) -> Expr {
    col(name).cast(DataType::Int32).fill_null(lit(NO_DATE))
}

/// The values `period_kind` can take, by their code in the packed key (""
/// stands for null). Modes are coded by their place in [`Mode::ALL`], plus
/// one; 0 is null and -1 a value that is no mode (no deadline, as before).
const PERIODS: [&str; 3] = ["", "ongoing", "ended"];

fn mode_names() -> Vec<&'static str> {
    std::iter::once("")
        .chain(Mode::ALL.iter().map(|m| m.as_str()))
        .collect()
}

/// Where a date sits in the packed key: 24 bits, shifted so that every date
/// chrono can hold is positive and "no date" is 0.
fn date_bits(key: Expr) -> Expr {
    when(key.clone().eq(lit(NO_DATE)))
        .then(lit(0i64))
        .otherwise(key.cast(DataType::Int64) + lit(1i64 << 23))
}

/// The place of `column`'s value in `values` (-1 when it is none of them),
/// widened for packing once chosen ([`code_of`]: at 10M invoices each link
/// of an eight-byte chain was some 80 MB of fresh memory).
fn code(column: &str, values: &[&str]) -> Expr {
    code_of(
        col(column).fill_null(lit("")),
        values,
        lit(-1).cast(DataType::Int32),
    )
    .cast(DataType::Int64)
}

/// The four deadline inputs packed into one integer, so the join back from
/// the distinct keys hashes one `i64` per invoice rather than two strings
/// and two dates. The parts are recovered exactly by [`unpack`].
fn packed_key() -> Expr {
    (code("deadline_mode", &mode_names()) * lit(1i64 << 52))
        + (code("period_kind", &PERIODS) * lit(1i64 << 48))
        + (date_bits(date_key("issue_date")) * lit(1i64 << 24))
        + date_bits(date_key("period_end"))
}

/// The parts of a [`packed_key`]: mode, issue date, period kind, period end.
type Parts = (
    Option<&'static str>,
    Option<i32>,
    Option<&'static str>,
    Option<i32>,
);

fn unpack(key: i64) -> Parts {
    let date = |bits: i64| (bits != 0).then(|| (bits - (1 << 23)) as i32);
    let text = |values: &[&'static str], i: i64| {
        usize::try_from(i)
            .ok()
            .and_then(|i| values.get(i).copied())
            .filter(|v| !v.is_empty())
    };
    (
        text(&mode_names(), key >> 52),
        date((key >> 24) & 0xFF_FFFF),
        text(&PERIODS, (key >> 48) & 0xF),
        date(key & 0xFF_FFFF),
    )
}

/// The columns beside the packed key that say how a deadline was reached
/// but not what it is: why there is no duty, and where the period's end
/// came from (text, "" for null so that keys match).
fn basis_keys() -> [Expr; 3] {
    [
        col("no_duty_reason")
            .cast(DataType::Int8)
            .fill_null(lit(-1i32).cast(DataType::Int8))
            .alias("k_no_duty"),
        col("period_decision")
            .fill_null(lit(""))
            .alias("k_decision"),
        col("period_event").fill_null(lit("")).alias("k_event"),
    ]
}

const KEYS: [&str; 4] = ["k_deadline", "k_no_duty", "k_decision", "k_event"];

/// Adds `deadline` (Date), `deadline_kind` ("date", "none", "lapsed", "open"),
/// `lapsed_on` (Date) and `deadline_basis_code` (UInt32) to `invoices` from
/// the columns `deadline_mode`, `issue_date`, `period_kind`, `period_end`,
/// `period_decision`, `period_event` and `no_duty_reason` of `inputs` (the
/// same rows, with the offline log's columns attached). Rows whose
/// `deadline_mode` is null get null deadlines (they carry no duty to send).
/// Only the key columns are joined to the per-key results; the columns
/// found are then set beside the (wide) invoice table, which is never
/// copied. Returned beside it: the bases, each key's `deadline_basis`,
/// at its code (one text per distinct key, not per invoice).
pub fn add_deadlines(
    mut invoices: DataFrame,
    inputs: LazyFrame,
    outages: &[Outage],
) -> PolarsResult<(DataFrame, Series)> {
    let mut exprs = vec![packed_key().alias("k_deadline")];
    exprs.extend(basis_keys());
    let keys = inputs.select(exprs).collect()?;
    let distinct = keys
        .clone()
        .lazy()
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let (table, bases) = deadline_table(&distinct, outages)?;
    let on = || KEYS.map(col);
    let found = keys
        .lazy()
        .join(table.lazy(), on(), on(), left())
        .drop(cols(KEYS))
        .collect()?;
    invoices.hstack_mut(found.columns())?;
    Ok((invoices, bases))
}

/// The rules' result for each distinct key, with its basis's code, and the
/// bases.
fn deadline_table(keys: &DataFrame, outages: &[Outage]) -> PolarsResult<(DataFrame, Series)> {
    let packed = keys.column("k_deadline")?.i64()?;
    let no_duty = keys.column("k_no_duty")?.i8()?;
    let decision = keys.column("k_decision")?.str()?;
    let event = keys.column("k_event")?.str()?;
    let n = keys.height();
    let (mut dates, mut kinds, mut lapsed, mut bases) = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for i in 0..n {
        let (mode, issue, period_kind, end) =
            packed.get(i).map_or((None, None, None, None), unpack);
        let text = |s: Option<&str>| s.filter(|s| !s.is_empty()).map(str::to_string);
        let source = PeriodSource {
            decision: text(decision.get(i)),
            announcement: text(event.get(i)),
        };
        let issue = issue.map(days_to_date);
        let derivation = match (mode.and_then(Mode::parse), issue) {
            (Some(mode), Some(issue)) => {
                let period = match (period_kind, end) {
                    (Some("ongoing"), _) => Some(Period::Ongoing),
                    (Some("ended"), Some(end)) => Some(Period::Ended(days_to_date(end))),
                    _ => None,
                };
                Some(deadline::derive(mode, issue, period, &source, outages))
            }
            _ => None,
        };
        let (date, kind, lapse) = match derivation.as_ref().map(|d| d.deadline) {
            None => (None, None, None),
            Some(Deadline::Date(d)) => (Some(date_to_days(d)), Some("date"), None),
            Some(Deadline::NoDuty) => (None, Some("none"), None),
            Some(Deadline::Lapsed(d)) => (None, Some("lapsed"), Some(date_to_days(d))),
            Some(Deadline::Open) => (None, Some("open"), None),
        };
        let steps = match derivation {
            Some(d) => d.steps,
            None => no_duty
                .get(i)
                .and_then(|c| usize::try_from(c).ok())
                .and_then(|c| NO_DUTY_REASONS.get(c))
                .map(|&reason| vec![Step::NoDuty { reason, issue }])
                .unwrap_or_default(),
        };
        dates.push(date);
        kinds.push(kind);
        lapsed.push(lapse);
        bases.push(deadline::basis(&steps));
    }
    let mut columns: Vec<Column> = KEYS
        .iter()
        .map(|k| keys.column(k).cloned())
        .collect::<PolarsResult<_>>()?;
    columns.extend([
        Column::new("deadline".into(), dates).cast(&DataType::Date)?,
        Column::new("deadline_kind".into(), kinds),
        Column::new("lapsed_on".into(), lapsed).cast(&DataType::Date)?,
        Column::new(
            "deadline_basis_code".into(),
            (0..n as u32).collect::<Vec<u32>>(),
        ),
    ]);
    let bases = Series::new("deadline_basis".into(), bases);
    Ok((DataFrame::new(n, columns)?, bases))
}

/// The ageing bucket of a number of business days past the deadline
/// (contract section 6), as `exceptions.csv` writes it.
pub fn ageing_bucket(days: Option<u32>) -> &'static str {
    Bucket::of_days(days).as_str()
}

/// Adds `age_business_days` (business days after `deadline` up to the
/// as-of date: how long the finding's invoice has been past its deadline)
/// and `ageing_bucket`. No date deadline, no age: "not due".
pub fn add_ageing(table: LazyFrame, as_of: NaiveDate) -> PolarsResult<LazyFrame> {
    let table = table.with_columns([
        date_key("deadline").alias("k_deadline"),
        lit(date_to_days(as_of)).alias("k_until"),
    ]);
    let distinct = table
        .clone()
        .select([col("k_deadline"), col("k_until")])
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let deadlines = distinct.column("k_deadline")?.i32()?;
    let untils = distinct.column("k_until")?.i32()?;
    let mut ages = Vec::with_capacity(distinct.height());
    let mut buckets = Vec::with_capacity(distinct.height());
    for i in 0..distinct.height() {
        let age = match (deadlines.get(i).filter(|&d| d != NO_DATE), untils.get(i)) {
            (Some(d), Some(u)) => Some(calendar::business_days_after(
                days_to_date(d),
                days_to_date(u),
            )),
            _ => None,
        };
        ages.push(age);
        buckets.push(ageing_bucket(age));
    }
    let lookup = DataFrame::new(
        distinct.height(),
        vec![
            distinct.column("k_deadline")?.clone(),
            distinct.column("k_until")?.clone(),
            Column::new("age_business_days".into(), ages),
            Column::new("ageing_bucket".into(), buckets),
        ],
    )?;
    let on = [col("k_deadline"), col("k_until")];
    Ok(table
        .join(lookup.lazy(), on.clone(), on, left())
        .drop(cols(["k_deadline", "k_until"])))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every mode, period kind and date (incl. none, far past and future)
    /// comes back out of the packed key as it went in.
    #[test]
    fn packed_keys_round_trip() {
        let dates = [None, Some(-719_162), Some(0), Some(20_000), Some(2_932_896)];
        let mut modes: Vec<Option<&str>> = vec![None];
        modes.extend(Mode::ALL.iter().map(|m| Some(m.as_str())));
        let periods = [None, Some("ongoing"), Some("ended")];
        let (mut m, mut i, mut p, mut e) = (vec![], vec![], vec![], vec![]);
        for mode in &modes {
            for issue in dates {
                for period in periods {
                    for end in dates {
                        m.push(*mode);
                        i.push(issue);
                        p.push(period);
                        e.push(end);
                    }
                }
            }
        }
        let n = m.len();
        let df = DataFrame::new(
            n,
            vec![
                Column::new("deadline_mode".into(), &m),
                Column::new("issue_date".into(), &i)
                    .cast(&DataType::Date)
                    .unwrap(),
                Column::new("period_kind".into(), &p),
                Column::new("period_end".into(), &e)
                    .cast(&DataType::Date)
                    .unwrap(),
            ],
        )
        .unwrap()
        .lazy()
        .select([packed_key().alias("k")])
        .collect()
        .unwrap();
        let keys = df.column("k").unwrap().i64().unwrap();
        for (row, key) in keys.iter().enumerate() {
            assert_eq!(
                unpack(key.unwrap()),
                (m[row], i[row], p[row], e[row]),
                "row {row}"
            );
        }
    }

    #[test]
    fn buckets_follow_the_contract() {
        assert_eq!(ageing_bucket(None), "not due");
        assert_eq!(ageing_bucket(Some(0)), "not due");
        assert_eq!(ageing_bucket(Some(1)), "1-2");
        assert_eq!(ageing_bucket(Some(2)), "1-2");
        assert_eq!(ageing_bucket(Some(3)), "3-5");
        assert_eq!(ageing_bucket(Some(5)), "3-5");
        assert_eq!(ageing_bucket(Some(6)), "6-10");
        assert_eq!(ageing_bucket(Some(10)), "6-10");
        assert_eq!(ageing_bucket(Some(11)), "11-20");
        assert_eq!(ageing_bucket(Some(20)), "11-20");
        assert_eq!(ageing_bucket(Some(21)), ">20");
    }

    #[test]
    fn deadlines_are_joined_back_per_row() {
        let d = |s: &str| date_to_days(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
        let df = DataFrame::new(
            3,
            vec![
                Column::new(
                    "deadline_mode".into(),
                    [Some("offline24"), Some("emergency"), None],
                ),
                Column::new(
                    "issue_date".into(),
                    [d("2025-07-08"), d("2025-07-08"), d("2025-07-08")],
                )
                .cast(&DataType::Date)
                .unwrap(),
                Column::new("period_kind".into(), [None, Some("ongoing"), None::<&str>]),
                Column::new("period_end".into(), [None::<i32>, None, None])
                    .cast(&DataType::Date)
                    .unwrap(),
                Column::new(
                    "period_decision".into(),
                    [None, Some("DEC-1"), None::<&str>],
                ),
                Column::new("period_event".into(), [None, Some("F-1"), None::<&str>]),
                Column::new("no_duty_reason".into(), [None, None, Some(0i8)]),
            ],
        )
        .unwrap();
        let failure = Outage {
            id: "F-1".to_string(),
            category: crate::contract::Category::Failure,
            start: NaiveDate::from_ymd_opt(2025, 7, 9).unwrap(),
            end: NaiveDate::from_ymd_opt(2025, 7, 12),
        };
        let (out, bases) = add_deadlines(df.clone(), df.lazy(), &[failure]).unwrap();
        let kinds: Vec<Option<&str>> = out
            .column("deadline_kind")
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .collect();
        assert_eq!(kinds, vec![Some("date"), Some("open"), None]);
        let first = out
            .column("deadline")
            .unwrap()
            .cast(&DataType::Int32)
            .unwrap();
        assert_eq!(first.i32().unwrap().get(0), Some(d("2025-07-22")));
        let codes = out.column("deadline_basis_code").unwrap().u32().unwrap();
        let basis = |row: usize| {
            let code = codes.get(row).unwrap() as usize;
            bases.str().unwrap().get(code).unwrap().to_string()
        };
        assert_eq!(
            basis(0),
            "offline24: next business day after P_1 2025-07-08 = 2025-07-09; FAILURE F-1 \
             (2025-07-09 to 2025-07-12) stretches it to 7 business days after 2025-07-12 = 2025-07-22"
        );
        assert_eq!(
            basis(1),
            "open: emergency period of decision DEC-1 (announcement F-1) still on"
        );
        assert_eq!(basis(2), "no duty: marker BFK");
    }
}
