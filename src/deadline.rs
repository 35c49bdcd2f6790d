//! The legal deadline for sending one invoice to KSeF (contract section 3).
//!
//! Input is already reduced to Europe/Warsaw calendar dates: the invoice's mode and issue date,
//! the end of the offline period it belongs to (resolved by the caller from decisions and
//! announcements), and the outages as date ranges. This module deliberately does not parse
//! timestamps, pick the period, read announcements or decide whether an invoice is overdue;
//! it only applies the base rule per mode, failure stretching, and total-failure lapse.
//!
//! Each rule it applies is recorded as a [`Step`], and [`basis`] renders the steps as the one
//! sentence `deadline_basis` shows: the reasoning is written down where it is done, once.

use crate::calendar::{add_business_days, next_business_day};
use chrono::NaiveDate;

use crate::contract::{Category, Mode};

/// An outage as Warsaw calendar dates, bounds inclusive; `end: None` means still on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outage {
    /// The announcement's event id (or its own id), named in the deadline's basis.
    pub id: String,
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

/// Where an `offline`/`emergency` invoice's period end came from: the usable decision and the
/// announcement (event) it links, or, with no usable decision, the covering announcement.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct PeriodSource {
    pub decision: Option<String>,
    pub announcement: Option<String>,
}

/// Why an invoice has no duty to send at all, as the invoice table finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoDutyReason {
    /// The ledger marks it `BFK`.
    MarkerBfk,
    /// A document other than an invoice: the ledger's document type.
    DocumentType(&'static str),
    /// Issued (P_1) before its seller's KSeF duty began (`ksef_from`).
    BeforeKsefFrom,
    /// In neither the ledger nor the offline log (known only to KSeF or the archive).
    NotOurs,
}

/// One rule applied on the way to a deadline, with the dates and ids it used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// `online`/`offline24`: the next business day after P_1.
    AfterIssue {
        mode: Mode,
        issue: NaiveDate,
        deadline: NaiveDate,
    },
    /// `offline`/`emergency` with no usable decision or announcement: the offline24 rule.
    NoPeriod {
        mode: Mode,
        issue: NaiveDate,
        deadline: NaiveDate,
    },
    /// `offline`/`emergency` from the end of its period.
    AfterEnd {
        mode: Mode,
        source: PeriodSource,
        end: NaiveDate,
        deadline: NaiveDate,
    },
    /// `offline`/`emergency` whose period is still on.
    PeriodOn { mode: Mode, source: PeriodSource },
    /// A FAILURE moved the deadline to 7 business days after its end.
    Stretch {
        failure: String,
        start: NaiveDate,
        end: NaiveDate,
        deadline: NaiveDate,
    },
    /// A FAILURE that touches the deadline is still on.
    FailureOn { failure: String, start: NaiveDate },
    /// A TOTAL_FAILURE started within [issue date, deadline]: the duty lapsed.
    Lapse { total: String, start: NaiveDate },
    /// `total_failure` mode: no duty from the start.
    TotalFailureMode,
    /// No duty, for a reason the invoice table found; `issue` is P_1.
    NoDuty {
        reason: NoDutyReason,
        issue: Option<NaiveDate>,
    },
}

/// The result of the rules and every step taken to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derivation {
    pub deadline: Deadline,
    pub steps: Vec<Step>,
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
    derive(mode, issue_date, period, &PeriodSource::default(), outages).deadline
}

/// [`deadline`], with the steps taken; `source` is where `period` came from.
pub fn derive(
    mode: Mode,
    issue_date: NaiveDate,
    period: Option<Period>,
    source: &PeriodSource,
    outages: &[Outage],
) -> Derivation {
    let mut steps = Vec::new();
    let stretched = match base(mode, issue_date, period, source, &mut steps) {
        Deadline::Date(d) => stretch(issue_date, d, outages, &mut steps),
        other => other,
    };
    let deadline = lapse(issue_date, stretched, outages, &mut steps);
    Derivation { deadline, steps }
}

/// The deadline before any failure is taken into account.
fn base(
    mode: Mode,
    issue: NaiveDate,
    period: Option<Period>,
    source: &PeriodSource,
    steps: &mut Vec<Step>,
) -> Deadline {
    // The next business day after P_1, recorded as the rule of the mode or
    // as the fallback of a mode without a period.
    let after_issue = |steps: &mut Vec<Step>, no_period: bool| {
        let deadline = next_business_day(issue);
        steps.push(if no_period {
            Step::NoPeriod {
                mode,
                issue,
                deadline,
            }
        } else {
            Step::AfterIssue {
                mode,
                issue,
                deadline,
            }
        });
        Deadline::Date(deadline)
    };
    let after_end = |f: fn(NaiveDate) -> NaiveDate, steps: &mut Vec<Step>| match period {
        Some(Period::Ended(end)) => {
            let deadline = f(end);
            steps.push(Step::AfterEnd {
                mode,
                source: source.clone(),
                end,
                deadline,
            });
            Deadline::Date(deadline)
        }
        Some(Period::Ongoing) => {
            steps.push(Step::PeriodOn {
                mode,
                source: source.clone(),
            });
            Deadline::Open
        }
        // No usable period: the caller falls back to the offline24 rule.
        None => after_issue(steps, true),
    };
    match mode {
        Mode::Online | Mode::Offline24 => after_issue(steps, false),
        Mode::Offline => after_end(next_business_day, steps),
        Mode::Emergency => after_end(|end| add_business_days(end, 7), steps),
        Mode::TotalFailure => {
            steps.push(Step::TotalFailureMode);
            Deadline::NoDuty
        }
    }
}

/// Apply FAILURE outages until the deadline is stable.
///
/// The deadline only ever grows, so the fixpoint does not depend on the order of `outages`;
/// each pass either grows it or ends the loop, and it can grow at most once per outage per
/// pass, so this terminates. The failures are taken in order of their start (then end, id),
/// so the steps recorded do not depend on the order of `outages` either.
fn stretch(
    issue_date: NaiveDate,
    mut dl: NaiveDate,
    outages: &[Outage],
    steps: &mut Vec<Step>,
) -> Deadline {
    let mut failures: Vec<&Outage> = outages
        .iter()
        .filter(|o| o.category == Category::Failure)
        .collect();
    failures.sort_by(|a, b| {
        (a.start, a.end.is_none(), a.end, &a.id).cmp(&(b.start, b.end.is_none(), b.end, &b.id))
    });
    loop {
        let mut changed = false;
        for o in &failures {
            if !touches(o, issue_date, dl) {
                continue;
            }
            let Some(end) = o.end else {
                steps.push(Step::FailureOn {
                    failure: o.id.clone(),
                    start: o.start,
                });
                return Deadline::Open;
            };
            let candidate = add_business_days(end, 7);
            if candidate > dl {
                dl = candidate;
                changed = true;
                steps.push(Step::Stretch {
                    failure: o.id.clone(),
                    start: o.start,
                    end,
                    deadline: dl,
                });
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
fn lapse(
    issue_date: NaiveDate,
    dl: Deadline,
    outages: &[Outage],
    steps: &mut Vec<Step>,
) -> Deadline {
    let upper = match dl {
        Deadline::Date(d) => Some(d),
        Deadline::Open => None,
        Deadline::NoDuty | Deadline::Lapsed(_) => return dl,
    };
    let first = outages
        .iter()
        .filter(|o| o.category == Category::TotalFailure)
        .filter(|o| o.start >= issue_date && upper.is_none_or(|u| o.start <= u))
        .min_by(|a, b| (a.start, &a.id).cmp(&(b.start, &b.id)));
    match first {
        Some(o) => {
            steps.push(Step::Lapse {
                total: o.id.clone(),
                start: o.start,
            });
            Deadline::Lapsed(o.start)
        }
        None => dl,
    }
}

/// The steps as the one sentence `deadline_basis` shows, steps joined by `; `.
pub fn basis(steps: &[Step]) -> String {
    steps.iter().map(sentence).collect::<Vec<_>>().join("; ")
}

fn ymd(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Where a period's end came from, in words: `decision D (announcement A)`,
/// `decision D` or `announcement A`.
fn source_words(source: &PeriodSource) -> String {
    match (&source.decision, &source.announcement) {
        (Some(d), Some(a)) => format!("decision {d} (announcement {a})"),
        (Some(d), None) => format!("decision {d}"),
        (None, Some(a)) => format!("announcement {a}"),
        (None, None) => "its period".to_string(),
    }
}

fn sentence(step: &Step) -> String {
    match step {
        Step::AfterIssue {
            mode,
            issue,
            deadline,
        } => format!(
            "{}: next business day after P_1 {} = {}",
            mode.as_str(),
            ymd(*issue),
            ymd(*deadline)
        ),
        Step::NoPeriod {
            mode,
            issue,
            deadline,
        } => format!(
            "{}: no usable decision or announcement, so the offline24 rule: next business day after P_1 {} = {}",
            mode.as_str(),
            ymd(*issue),
            ymd(*deadline)
        ),
        Step::AfterEnd {
            mode,
            source,
            end,
            deadline,
        } => {
            let rule = if *mode == Mode::Emergency {
                "7 business days"
            } else {
                "next business day"
            };
            format!(
                "{}: period end {} from {}; {rule} after {} = {}",
                mode.as_str(),
                ymd(*end),
                source_words(source),
                ymd(*end),
                ymd(*deadline)
            )
        }
        Step::PeriodOn { mode, source } => format!(
            "open: {} period of {} still on",
            mode.as_str(),
            source_words(source)
        ),
        Step::Stretch {
            failure,
            start,
            end,
            deadline,
        } => format!(
            "FAILURE {failure} ({} to {}) stretches it to 7 business days after {} = {}",
            ymd(*start),
            ymd(*end),
            ymd(*end),
            ymd(*deadline)
        ),
        Step::FailureOn { failure, start } => {
            format!("open: FAILURE {failure} (since {}) still on", ymd(*start))
        }
        Step::Lapse { total, start } => format!(
            "TOTAL_FAILURE {total} from {} lifts the duty: none",
            ymd(*start)
        ),
        Step::TotalFailureMode => "no duty: total_failure mode".to_string(),
        Step::NoDuty { reason, issue } => match reason {
            NoDutyReason::MarkerBfk => "no duty: marker BFK".to_string(),
            NoDutyReason::DocumentType(t) => format!("no duty: document type {t}"),
            NoDutyReason::BeforeKsefFrom => format!(
                "no duty: P_1 {}before the seller's KSeF duty began (ksef_from)",
                issue.map(|d| format!("{} ", ymd(d))).unwrap_or_default()
            ),
            NoDutyReason::NotOurs => {
                "no duty: in neither the ledger nor the offline log".to_string()
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    /// `"F 2025-07-09 2025-07-12; T 2025-07-20 -"`: category letter, start, end or `-`,
    /// and optionally the announcement's id.
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
                id: parts.get(3).unwrap_or(&"X").to_string(),
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

    /// The basis of `mode` issued on `issue`, with the ids `"F 2025-07-09 2025-07-12 K/1"`.
    fn said(
        mode: Mode,
        issue: &str,
        period: Option<Period>,
        source: PeriodSource,
        spec: &str,
    ) -> String {
        basis(&derive(mode, ymd(issue), period, &source, &outs(spec)).steps)
    }

    fn from(decision: Option<&str>, announcement: Option<&str>) -> PeriodSource {
        PeriodSource {
            decision: decision.map(str::to_string),
            announcement: announcement.map(str::to_string),
        }
    }

    #[test]
    fn basis_of_the_base_rules() {
        let none = PeriodSource::default;
        assert_eq!(
            said(Mode::Offline24, "2025-07-08", None, none(), ""),
            "offline24: next business day after P_1 2025-07-08 = 2025-07-09"
        );
        assert_eq!(
            said(Mode::Online, "2025-07-11", None, none(), ""),
            "online: next business day after P_1 2025-07-11 = 2025-07-14"
        );
        assert_eq!(
            said(Mode::Offline, "2025-07-09", None, none(), ""),
            "offline: no usable decision or announcement, so the offline24 rule: \
             next business day after P_1 2025-07-09 = 2025-07-10"
        );
        let ended = Some(Period::Ended(ymd("2025-07-11")));
        assert_eq!(
            said(
                Mode::Offline,
                "2025-07-09",
                ended,
                from(Some("DEC-1"), Some("M/1")),
                ""
            ),
            "offline: period end 2025-07-11 from decision DEC-1 (announcement M/1); \
             next business day after 2025-07-11 = 2025-07-14"
        );
        assert_eq!(
            said(
                Mode::Offline,
                "2025-07-09",
                ended,
                from(None, Some("M/1")),
                ""
            ),
            "offline: period end 2025-07-11 from announcement M/1; \
             next business day after 2025-07-11 = 2025-07-14"
        );
        let ended = Some(Period::Ended(ymd("2025-07-12")));
        assert_eq!(
            said(
                Mode::Emergency,
                "2025-07-10",
                ended,
                from(Some("DEC-2"), None),
                ""
            ),
            "emergency: period end 2025-07-12 from decision DEC-2; \
             7 business days after 2025-07-12 = 2025-07-22"
        );
        assert_eq!(
            said(
                Mode::Emergency,
                "2025-07-10",
                Some(Period::Ongoing),
                from(Some("DEC-3"), Some("F/1")),
                ""
            ),
            "open: emergency period of decision DEC-3 (announcement F/1) still on"
        );
        assert_eq!(
            said(
                Mode::TotalFailure,
                "2025-07-10",
                None,
                none(),
                "T 2025-07-10 - T/1"
            ),
            "no duty: total_failure mode"
        );
    }

    #[test]
    fn basis_of_failures_and_lapses() {
        let none = PeriodSource::default;
        // The contract's worked example, in its own words.
        assert_eq!(
            said(
                Mode::Offline24,
                "2025-07-08",
                None,
                none(),
                "F 2025-07-09 2025-07-12 K/2025/AWR/07"
            ),
            "offline24: next business day after P_1 2025-07-08 = 2025-07-09; \
             FAILURE K/2025/AWR/07 (2025-07-09 to 2025-07-12) stretches it to \
             7 business days after 2025-07-12 = 2025-07-22"
        );
        // A chain: each stretch is named, in the order it moved the deadline;
        // the same however the outages are listed.
        let chain = "offline24: next business day after P_1 2025-07-08 = 2025-07-09; \
             FAILURE F/1 (2025-07-09 to 2025-07-12) stretches it to 7 business days after 2025-07-12 = 2025-07-22; \
             FAILURE F/2 (2025-07-21 to 2025-07-25) stretches it to 7 business days after 2025-07-25 = 2025-08-05";
        for spec in [
            "F 2025-07-09 2025-07-12 F/1; F 2025-07-21 2025-07-25 F/2",
            "F 2025-07-21 2025-07-25 F/2; F 2025-07-09 2025-07-12 F/1",
        ] {
            assert_eq!(
                said(Mode::Offline24, "2025-07-08", None, none(), spec),
                chain
            );
        }
        assert_eq!(
            said(
                Mode::Offline24,
                "2025-07-08",
                None,
                none(),
                "F 2025-07-09 - F/9"
            ),
            "offline24: next business day after P_1 2025-07-08 = 2025-07-09; \
             open: FAILURE F/9 (since 2025-07-09) still on"
        );
        assert_eq!(
            said(
                Mode::Offline24,
                "2025-07-08",
                None,
                none(),
                "F 2025-07-09 2025-07-12 F/1; T 2025-07-20 - T/2; T 2025-07-15 - T/1"
            ),
            "offline24: next business day after P_1 2025-07-08 = 2025-07-09; \
             FAILURE F/1 (2025-07-09 to 2025-07-12) stretches it to 7 business days after 2025-07-12 = 2025-07-22; \
             TOTAL_FAILURE T/1 from 2025-07-15 lifts the duty: none"
        );
        // A maintenance window never stretches, and is not named.
        assert_eq!(
            said(
                Mode::Offline24,
                "2025-07-08",
                None,
                none(),
                "M 2025-07-09 2025-07-12 M/1"
            ),
            "offline24: next business day after P_1 2025-07-08 = 2025-07-09"
        );
    }

    #[test]
    fn basis_of_no_duty() {
        let no_duty = |reason| {
            basis(&[Step::NoDuty {
                reason,
                issue: Some(ymd("2026-01-15")),
            }])
        };
        assert_eq!(no_duty(NoDutyReason::MarkerBfk), "no duty: marker BFK");
        assert_eq!(
            no_duty(NoDutyReason::DocumentType("RO")),
            "no duty: document type RO"
        );
        assert_eq!(
            no_duty(NoDutyReason::BeforeKsefFrom),
            "no duty: P_1 2026-01-15 before the seller's KSeF duty began (ksef_from)"
        );
        assert_eq!(
            no_duty(NoDutyReason::NotOurs),
            "no duty: in neither the ledger nor the offline log"
        );
        assert_eq!(basis(&[]), "");
    }
}
