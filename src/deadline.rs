//! The legal deadline for sending one invoice to KSeF (contract section 3).
//!
//! Input is already reduced to Europe/Warsaw calendar dates: the invoice's mode and issue date,
//! the end of the offline period it belongs to (resolved by the caller from decisions and
//! announcements), and the outages as date ranges. This module deliberately does not parse
//! timestamps, pick the period, read announcements or decide whether an invoice is overdue;
//! it only applies the base rule per mode, failure stretching, and total-failure lapse.

use crate::calendar::{add_business_days, next_business_day};
use chrono::NaiveDate;

use crate::contract::{Category, Mode};

/// An outage as Warsaw calendar dates, bounds inclusive; `end: None` means still on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    pub category: Category,
    pub start: NaiveDate,
    pub end: Option<NaiveDate>,
}

/// The end of the offline period an `offline`/`emergency` invoice belongs to, already
/// resolved by the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Ended(NaiveDate),
    Ongoing,
}

/// Outcome of the deadline rules for one invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deadline {
    /// Last day (inclusive) on which sending is on time.
    Date(NaiveDate),
    /// No duty to send at all (`total_failure` mode).
    NoDuty,
    /// The duty lapsed because a TOTAL_FAILURE started on this date within
    /// [issue date, deadline] (or on/after the issue date while the deadline was open).
    Lapsed(NaiveDate),
    /// A period or failure is still on, so the deadline cannot be known yet.
    Open,
}

impl Deadline {
    /// Report spelling: `YYYY-MM-DD`, `none` (no duty, for whatever reason) or `open`.
    pub fn as_output(&self) -> String {
        match self {
            Deadline::Date(d) => d.format("%Y-%m-%d").to_string(),
            Deadline::NoDuty | Deadline::Lapsed(_) => "none".to_string(),
            Deadline::Open => "open".to_string(),
        }
    }

    /// The deadline date, when there is one.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Deadline::Date(d) => Some(*d),
            _ => None,
        }
    }
}

/// Deadline of one invoice: base rule per mode, then failure stretching, then lapse.
pub fn deadline(
    mode: Mode,
    issue_date: NaiveDate,
    period: Option<Period>,
    outages: &[Outage],
) -> Deadline {
    let stretched = match base(mode, issue_date, period) {
        Deadline::Date(d) => stretch(issue_date, d, outages),
        other => other,
    };
    lapse(issue_date, stretched, outages)
}

/// The deadline before any failure is taken into account.
fn base(mode: Mode, issue_date: NaiveDate, period: Option<Period>) -> Deadline {
    let after_end = |f: fn(NaiveDate) -> NaiveDate| match period {
        Some(Period::Ended(end)) => Deadline::Date(f(end)),
        Some(Period::Ongoing) => Deadline::Open,
        // No usable period: the caller falls back to the offline24 rule.
        None => Deadline::Date(next_business_day(issue_date)),
    };
    match mode {
        Mode::Online | Mode::Offline24 => Deadline::Date(next_business_day(issue_date)),
        Mode::Offline => after_end(next_business_day),
        Mode::Emergency => after_end(|end| add_business_days(end, 7)),
        Mode::TotalFailure => Deadline::NoDuty,
    }
}

/// Apply FAILURE outages until the deadline is stable.
///
/// The deadline only ever grows, so the fixpoint does not depend on the order of `outages`;
/// each pass either grows it or ends the loop, and it can grow at most once per outage per
/// pass, so this terminates.
fn stretch(issue_date: NaiveDate, mut dl: NaiveDate, outages: &[Outage]) -> Deadline {
    let failures: Vec<&Outage> = outages
        .iter()
        .filter(|o| o.category == Category::Failure)
        .collect();
    loop {
        let mut changed = false;
        for o in &failures {
            if !touches(o, issue_date, dl) {
                continue;
            }
            let Some(end) = o.end else {
                return Deadline::Open;
            };
            let candidate = add_business_days(end, 7);
            if candidate > dl {
                dl = candidate;
                changed = true;
            }
        }
        if !changed {
            return Deadline::Date(dl);
        }
    }
}

/// A failure matters if it starts on or before the deadline and ends on or after the issue date.
fn touches(o: &Outage, issue_date: NaiveDate, dl: NaiveDate) -> bool {
    o.start <= dl && o.end.is_none_or(|e| e >= issue_date)
}

/// Replace `dl` by `Lapsed` when a TOTAL_FAILURE starts inside the window of the duty.
fn lapse(issue_date: NaiveDate, dl: Deadline, outages: &[Outage]) -> Deadline {
    let upper = match dl {
        Deadline::Date(d) => Some(d),
        Deadline::Open => None,
        Deadline::NoDuty | Deadline::Lapsed(_) => return dl,
    };
    outages
        .iter()
        .filter(|o| o.category == Category::TotalFailure)
        .map(|o| o.start)
        .filter(|s| *s >= issue_date && upper.is_none_or(|u| *s <= u))
        .min()
        .map_or(dl, Deadline::Lapsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// `"F 2025-07-09 2025-07-12; T 2025-07-20 -"`: category letter, start, end or `-`.
    fn outs(spec: &str) -> Vec<Outage> {
        let one = |o: &str| {
            let parts: Vec<&str> = o.split_whitespace().collect();
            let category = match parts[0] {
                "M" => Category::Maintenance,
                "F" => Category::Failure,
                _ => Category::TotalFailure,
            };
            let end = (parts[2] != "-").then(|| ymd(parts[2]));
            Outage {
                category,
                start: ymd(parts[1]),
                end,
            }
        };
        spec.split(';')
            .filter(|o| !o.trim().is_empty())
            .map(one)
            .collect()
    }

    /// `"2025-07-22"`, `"open"`, `"none"` (no duty) or `"lapsed 2025-07-09"`.
    fn want(s: &str) -> Deadline {
        match s.split_once(' ') {
            Some((_, d)) => Deadline::Lapsed(ymd(d)),
            None if s == "open" => Deadline::Open,
            None if s == "none" => Deadline::NoDuty,
            None => Deadline::Date(ymd(s)),
        }
    }

    #[test]
    fn offline24_and_failure_stretching() {
        // Issued Wed 2025-07-08; base deadline Thu 2025-07-09.
        let cases = [
            ("official example", "F 2025-07-09 2025-07-12", "2025-07-22"),
            ("no failure", "", "2025-07-09"),
            (
                "ended before issue",
                "F 2025-07-01 2025-07-07",
                "2025-07-09",
            ),
            (
                "ends on issue date",
                "F 2025-07-01 2025-07-08",
                "2025-07-17",
            ),
            (
                "starts after deadline",
                "F 2025-07-10 2025-07-12",
                "2025-07-09",
            ),
            (
                "starts on deadline",
                "F 2025-07-09 2025-07-09",
                "2025-07-18",
            ),
            ("maintenance", "M 2025-07-09 2025-07-12", "2025-07-09"),
            ("ongoing", "F 2025-07-09 -", "open"),
            ("ongoing since before issue", "F 2025-07-01 -", "open"),
            (
                "chain, 2nd before",
                "F 2025-07-21 2025-07-25; F 2025-07-09 2025-07-12",
                "2025-08-05",
            ),
            (
                "chain, 2nd on",
                "F 2025-07-09 2025-07-12; F 2025-07-22 2025-07-22",
                "2025-07-31",
            ),
            (
                "2nd after",
                "F 2025-07-09 2025-07-12; F 2025-07-23 2025-07-25",
                "2025-07-22",
            ),
            (
                "overlap",
                "F 2025-07-09 2025-07-15; F 2025-07-05 2025-07-12",
                "2025-07-24",
            ),
            (
                "ongoing after stretch",
                "F 2025-07-09 2025-07-12; F 2025-07-20 -",
                "open",
            ),
            // Total failures: lapse within [issue, deadline], earliest start wins.
            ("total on deadline", "T 2025-07-09 -", "lapsed 2025-07-09"),
            ("total on issue", "T 2025-07-08 -", "lapsed 2025-07-08"),
            ("total after deadline", "T 2025-07-10 -", "2025-07-09"),
            ("total before issue", "T 2025-07-07 -", "2025-07-09"),
            (
                "total in stretch",
                "F 2025-07-09 2025-07-12; T 2025-07-20 -",
                "lapsed 2025-07-20",
            ),
            (
                "earliest total",
                "T 2025-07-22 -; T 2025-07-15 -; F 2025-07-09 2025-07-12",
                "lapsed 2025-07-15",
            ),
            (
                "total while open",
                "F 2025-07-09 -; T 2025-09-01 -",
                "lapsed 2025-09-01",
            ),
        ];
        for (name, spec, expected) in cases {
            let got = deadline(Mode::Offline24, ymd("2025-07-08"), None, &outs(spec));
            assert_eq!(got, want(expected), "{name}");
        }
    }

    #[test]
    fn base_rule_per_mode() {
        let ended = |s| Some(Period::Ended(ymd(s)));
        let ongoing = Some(Period::Ongoing);
        let cases = [
            (Mode::Online, "2025-07-11", None, "2025-07-14"), // Fri -> Mon
            (
                Mode::Online,
                "2025-07-11",
                ended("2025-07-30"),
                "2025-07-14",
            ), // ignored
            (Mode::Offline24, "2025-12-23", None, "2025-12-29"),
            (
                Mode::Offline,
                "2025-07-09",
                ended("2025-07-11"),
                "2025-07-14",
            ), // end Fri
            (Mode::Offline, "2025-07-09", ongoing, "open"),
            (Mode::Offline, "2025-07-09", None, "2025-07-10"),
            (
                Mode::Emergency,
                "2025-07-10",
                ended("2025-07-12"),
                "2025-07-22",
            ), // end Sat
            (
                Mode::Emergency,
                "2025-12-22",
                ended("2025-12-23"),
                "2026-01-08",
            ),
            (Mode::Emergency, "2025-07-10", ongoing, "open"),
            (Mode::Emergency, "2025-07-10", None, "2025-07-11"),
            (Mode::TotalFailure, "2025-07-10", None, "none"),
        ];
        for (mode, issue, period, expected) in cases {
            let got = deadline(mode, ymd(issue), period, &[]);
            assert_eq!(got, want(expected), "{mode:?} {issue}");
        }
    }

    #[test]
    fn modes_with_outages() {
        let fail = outs("F 2025-07-10 2025-07-12");
        let issue = ymd("2025-07-09");
        let cases = [
            (Mode::Online, None, &fail, "2025-07-22"),
            (Mode::TotalFailure, None, &fail, "none"),
            (
                Mode::Offline,
                Some(Period::Ongoing),
                &outs("T 2025-08-01 -"),
                "lapsed 2025-08-01",
            ),
            (Mode::TotalFailure, None, &outs("T 2025-07-09 -"), "none"),
        ];
        for (mode, period, outages, expected) in cases {
            assert_eq!(
                deadline(mode, issue, period, outages),
                want(expected),
                "{mode:?}"
            );
        }
    }

    #[test]
    fn strings() {
        let outputs = [
            ("2025-07-22", "2025-07-22"),
            ("none", "none"),
            ("lapsed 2025-07-09", "none"),
            ("open", "open"),
        ];
        for (d, s) in outputs {
            assert_eq!(want(d).as_output(), s);
        }
        assert_eq!(want("2025-07-22").date(), Some(ymd("2025-07-22")));
        assert_eq!(Deadline::Open.date(), None);
        for m in Mode::ALL {
            assert_eq!(Mode::parse(m.as_str()), Some(m));
        }
        assert_eq!(Mode::parse("  Total_Failure "), Some(Mode::TotalFailure));
        assert_eq!(Mode::parse("offline 24"), None);
        assert_eq!(Category::parse("failure"), Some(Category::Failure));
        assert_eq!(
            Category::parse("TOTAL_FAILURE"),
            Some(Category::TotalFailure)
        );
        assert_eq!(Category::parse("FAILURE_START"), None);
        assert_eq!(Category::for_mode(Mode::Emergency), Some(Category::Failure));
        assert_eq!(
            Category::for_mode(Mode::Offline),
            Some(Category::Maintenance)
        );
        assert_eq!(Category::for_mode(Mode::Online), None);
    }
}
