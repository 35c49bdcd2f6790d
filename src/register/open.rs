//! What the register counts as still open: the exceptions `--fail-on` and
//! the dashboards count after a run with a register.

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::contract::Severity;
use crate::frame::one_of;

/// Statuses that count as unresolved (for `--fail-on`, the dashboard).
pub const OPEN_STATUSES: &[&str] = &["open", "reopened"];

/// The exceptions still `open` or `reopened` (what the dashboards count).
pub fn open_only(exceptions: &DataFrame) -> PolarsResult<DataFrame> {
    exceptions
        .clone()
        .lazy()
        .filter(one_of(col("status"), OPEN_STATUSES))
        .collect()
}

/// Exceptions still `open` or `reopened`, by severity.
pub fn open_by_severity(exceptions: &DataFrame) -> PolarsResult<BTreeMap<Severity, u64>> {
    let (status, severity) = (
        exceptions.column("status")?.str()?,
        exceptions.column("severity")?.str()?,
    );
    let mut out = BTreeMap::new();
    for (st, sev) in status.iter().zip(severity.iter()) {
        if let (Some(st), Some(sev)) = (st, sev.and_then(Severity::parse))
            && OPEN_STATUSES.contains(&st)
        {
            *out.entry(sev).or_insert(0) += 1;
        }
    }
    Ok(out)
}
