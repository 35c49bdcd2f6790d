//! Resolutions (`resolutions/*.csv`, `*.xlsx`): how controllers close
//! findings. A resolution is accepted only if it names an exception of this
//! run, says `resolved` or `accepted_risk`, is dated by the as-of date, and,
//! for a high-severity finding, is approved by someone who is neither the
//! resolver nor the invoice's issuer. Anything else is rejected with its
//! reason and the exception stays open.

use std::collections::HashMap;

use chrono::NaiveDate;
use polars::prelude::*;

use crate::contract::{Severity, ms_to_date};
use crate::ingest::Rejection;

/// The statuses a resolution may set.
pub const RESOLUTION_STATUSES: &[&str] = &["resolved", "accepted_risk"];

fn key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// What the check needs to know of one exception.
struct Finding<'a> {
    severity: Option<Severity>,
    /// Who issued the invoice (empty for findings about decisions or grants).
    issuer: Option<&'a str>,
}

/// Splits the resolutions into the valid ones (columns exception_id,
/// status, by, at as text, comment, approved_by) and rejections.
pub fn validate(
    resolutions: &DataFrame,
    exceptions: &DataFrame,
    as_of: NaiveDate,
) -> PolarsResult<(DataFrame, Vec<Rejection>)> {
    let text = |df: &DataFrame, c: &str| -> PolarsResult<StringChunked> {
        Ok(df.column(c)?.str()?.clone())
    };
    let (ids, severities, numbers, users) = (
        text(exceptions, "exception_id")?,
        text(exceptions, "severity")?,
        text(exceptions, "invoice_number")?,
        text(exceptions, "user")?,
    );
    let mut findings: HashMap<&str, Finding<'_>> = HashMap::new();
    for i in 0..exceptions.height() {
        if let Some(id) = ids.get(i) {
            let issuer = numbers.get(i).and(users.get(i));
            findings.insert(
                id,
                Finding {
                    severity: severities.get(i).and_then(Severity::parse),
                    issuer,
                },
            );
        }
    }
    let r = resolutions;
    let (rid, status, by, approved, file) = (
        text(r, "exception_id")?,
        text(r, "status")?,
        text(r, "by")?,
        text(r, "approved_by")?,
        text(r, "_file")?,
    );
    let at = r.column("at")?.cast(&DataType::Int64)?;
    let (at, line) = (
        at.i64()?.clone(),
        r.column("_line")?.cast(&DataType::UInt64)?,
    );
    let line = line.u64()?;
    let mut keep = Vec::with_capacity(r.height());
    let mut rejected = Vec::new();
    for i in 0..r.height() {
        let reason = check(
            rid.get(i).unwrap_or(""),
            status.get(i).unwrap_or(""),
            by.get(i).unwrap_or(""),
            approved.get(i),
            at.get(i).map(ms_to_date),
            as_of,
            &findings,
        );
        keep.push(reason.is_none());
        if let Some(reason) = reason {
            rejected.push(Rejection {
                source: "resolutions",
                file: file.get(i).unwrap_or("").to_string(),
                line: line.get(i),
                reason,
            });
        }
    }
    let mask = BooleanChunked::from_slice("keep".into(), &keep);
    let valid = r
        .filter(&mask)?
        .lazy()
        .select([
            col("exception_id"),
            col("status").str().to_lowercase(),
            col("by"),
            col("at").cast(DataType::String),
            col("comment"),
            col("approved_by"),
            col("_file"),
            col("_line"),
        ])
        .collect()?;
    Ok((valid, rejected))
}

/// The code of each exception a valid resolution names (for its history
/// row); one pass over the run's exceptions.
pub fn codes_of(
    valid: &DataFrame,
    exceptions: &DataFrame,
) -> PolarsResult<HashMap<String, String>> {
    let wanted: std::collections::HashSet<&str> = valid
        .column("exception_id")?
        .str()?
        .iter()
        .flatten()
        .map(str::trim)
        .collect();
    let mut out = HashMap::new();
    if wanted.is_empty() {
        return Ok(out);
    }
    let (ids, codes) = (
        exceptions.column("exception_id")?.str()?,
        exceptions.column("code")?.str()?,
    );
    for (id, code) in ids.iter().zip(codes.iter()) {
        if let (Some(id), Some(code)) = (id, code)
            && wanted.contains(id)
        {
            out.insert(id.to_string(), code.to_string());
        }
    }
    Ok(out)
}

fn check(
    id: &str,
    status: &str,
    by: &str,
    approved_by: Option<&str>,
    at: Option<NaiveDate>,
    as_of: NaiveDate,
    findings: &HashMap<&str, Finding<'_>>,
) -> Option<String> {
    let status = status.trim().to_lowercase();
    if !RESOLUTION_STATUSES.contains(&status.as_str()) {
        return Some(format!(
            "status '{status}' must be resolved or accepted_risk"
        ));
    }
    let Some(finding) = findings.get(id.trim()) else {
        return Some(format!(
            "exception_id {id} is not among this run's exceptions"
        ));
    };
    if at.is_some_and(|d| d > as_of) {
        return Some(format!("resolution is dated after the as-of date {as_of}"));
    }
    if finding.severity != Some(Severity::High) {
        return None;
    }
    let Some(approver) = approved_by.filter(|a| !a.trim().is_empty()) else {
        return Some("a high-severity resolution needs approved_by".to_string());
    };
    if key(approver) == key(by) {
        return Some(format!("approved by the resolver {approver} themself"));
    }
    if finding
        .issuer
        .is_some_and(|issuer| key(issuer) == key(approver))
    {
        return Some(format!("approved by {approver}, who issued the invoice"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn approval_rules() {
        let mut f = HashMap::new();
        f.insert(
            "EX-high",
            Finding {
                severity: Some(Severity::High),
                issuer: Some("a.nowak"),
            },
        );
        f.insert(
            "EX-low",
            Finding {
                severity: Some(Severity::Low),
                issuer: None,
            },
        );
        let as_of = d("2026-04-10");
        let c = |id, st, by, ap, at| check(id, st, by, ap, Some(d(at)), as_of, &f);
        assert_eq!(c("EX-low", "resolved", "b.lis", None, "2026-04-09"), None);
        assert_eq!(
            c(
                "EX-high",
                "accepted_risk",
                "b.lis",
                Some("m.kowalska"),
                "2026-04-10"
            ),
            None
        );
        assert!(
            c("EX-high", "resolved", "b.lis", None, "2026-04-09")
                .unwrap()
                .contains("needs approved_by")
        );
        assert!(
            c(
                "EX-high",
                "resolved",
                "b.lis",
                Some(" B.Lis "),
                "2026-04-09"
            )
            .unwrap()
            .contains("resolver")
        );
        assert!(
            c(
                "EX-high",
                "resolved",
                "b.lis",
                Some("A.Nowak"),
                "2026-04-09"
            )
            .unwrap()
            .contains("issued")
        );
        assert!(
            c("EX-high", "done", "b.lis", Some("x"), "2026-04-09")
                .unwrap()
                .contains("status")
        );
        assert!(
            c("EX-none", "resolved", "b.lis", Some("x"), "2026-04-09")
                .unwrap()
                .contains("not among")
        );
        assert!(
            c("EX-low", "resolved", "b.lis", None, "2026-04-11")
                .unwrap()
                .contains("after the as-of")
        );
    }
}
