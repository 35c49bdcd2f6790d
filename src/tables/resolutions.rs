//! The resolutions `run` refuses against its own findings (an exception it
//! does not raise, a resolver who issued the invoice, an approval missing
//! for a high one): `run` judges them once the rules have run, so an export
//! of the whole bundle runs the rules too, but only when the bundle has
//! resolutions, and rejects them as `run` does. Without this
//! `resolutions.parquet` and `rejected.parquet` would disagree with
//! `run.json` and `rejected.csv` for exactly the rows an auditor looks at.

use std::collections::HashSet;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::{BooleanChunked, DataFrame, DataType};

use crate::contract::Source;
use crate::ingest::Bundle;
use crate::matching::{Matched, Params};
use crate::rules::{self, Queries};

/// Rejects in `bundle` the resolutions `run` would refuse; `matched` is
/// the bundle's matching, which the rules then consume.
pub fn judge(
    bundle: &mut Bundle,
    mut matched: Matched,
    params: &Params,
    as_of: NaiveDate,
) -> Result<()> {
    let resolutions = bundle.table(Source::Resolutions)?;
    if resolutions.height() == 0 {
        return Ok(());
    }
    let mut queries = Queries::new(&matched, params).context("exception rules failed")?;
    let findings = rules::run(&mut queries, &mut matched, params, |s| bundle.has(s))
        .context("exception rules failed")?;
    let exceptions = crate::report::exceptions(&findings.all)?;
    let (_, refused) = crate::register::resolutions::validate(&resolutions, &exceptions, as_of)?;
    bundle.reject_rows(refused);
    Ok(())
}

/// The resolutions table without the rows rejected since it was loaded.
pub fn kept(bundle: &Bundle) -> Result<DataFrame> {
    let table = bundle.table(Source::Resolutions)?;
    let refused: HashSet<(&str, u64)> = bundle
        .rejected
        .iter()
        .filter(|r| r.source == Source::Resolutions.name())
        .filter_map(|r| Some((r.file.as_str(), r.line?)))
        .collect();
    if refused.is_empty() {
        return Ok(table);
    }
    let files = table.column("_file")?.str()?;
    let lines = table.column("_line")?.cast(&DataType::UInt64)?;
    let lines = lines.u64()?;
    let keep: BooleanChunked = files
        .iter()
        .zip(lines.iter())
        .map(|(f, l)| match (f, l) {
            (Some(f), Some(l)) => Some(!refused.contains(&(f, l))),
            _ => Some(true),
        })
        .collect();
    Ok(table.filter(&keep)?)
}
