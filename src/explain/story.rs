//! What `explain` tells of one invoice or one decision-level finding, as
//! plain data: the text page (`super::text`) and `--format json` are both
//! written from it.

use std::collections::BTreeSet;

use anyhow::Result;
use polars::prelude::*;
use serde::Serialize;
use serde::ser::Serializer;

use crate::report::Frames;

/// One row of an output frame, its columns in the frame's order.
#[derive(Debug, Clone, Default)]
pub struct Record(pub Vec<(String, String)>);

impl Record {
    /// The value of a column, empty when absent or null.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map_or("", |(_, v)| v.as_str())
    }
}

impl Serialize for Record {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

/// Input rows of one file: the file's path in the bundle, its lines, and
/// the rows themselves, each tagged with that file and line.
#[derive(Debug, Clone, Serialize)]
pub struct FileRows {
    pub source: String,
    pub file: String,
    pub lines: Vec<u64>,
    pub rows: String,
}

/// One row of the register's `history.csv`, as written, with its line.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryRow {
    pub file: String,
    pub line: u64,
    pub row: String,
}

/// The whole story.
#[derive(Debug, Clone, Serialize)]
pub struct Story {
    pub as_of: String,
    /// `invoice` or `decision`.
    pub kind: String,
    /// `SELLER_NIP/NUMBER` or the decision id.
    pub id: String,
    /// The invoice's reconciliation row (one), or the decision's invoices.
    pub invoices: Vec<Record>,
    /// The findings about it, with their exception ids.
    pub findings: Vec<Record>,
    /// The input rows that formed it.
    pub inputs: Vec<FileRows>,
    /// The register's history of those findings (with `--state`).
    pub history: Option<Vec<HistoryRow>>,
}

/// Every row of a frame as records; each cell as text.
pub fn records(df: &DataFrame) -> Result<Vec<Record>> {
    let columns: Vec<(String, StringChunked)> = df
        .columns()
        .iter()
        .map(|c| {
            let text = c.cast(&DataType::String)?;
            Ok((c.name().to_string(), text.str()?.clone()))
        })
        .collect::<PolarsResult<_>>()?;
    Ok((0..df.height())
        .map(|i| {
            Record(
                columns
                    .iter()
                    .map(|(n, c)| (n.clone(), c.get(i).unwrap_or("").to_string()))
                    .collect(),
            )
        })
        .collect())
}

/// The rows of a frame whose text column `name` holds `value`.
pub fn rows_where(df: &DataFrame, name: &str, value: &str) -> Result<Vec<Record>> {
    let picked = df
        .clone()
        .lazy()
        .filter(col(name).cast(DataType::String).eq(lit(value)))
        .collect()?;
    records(&picked)
}

/// An invoice's reconciliation row and its findings.
pub fn invoice(frames: &Frames, seller: &str, number: &str) -> Result<(Vec<Record>, Vec<Record>)> {
    let of = |df: &DataFrame| -> Result<Vec<Record>> {
        Ok(rows_where(df, "invoice_number", number)?
            .into_iter()
            .filter(|r| r.get("seller_nip") == seller)
            .collect())
    };
    Ok((of(&frames.reconciliation)?, of(&frames.exceptions)?))
}

/// A decision's findings that name no invoice, and its invoices.
pub fn decision(frames: &Frames, id: &str) -> Result<(Vec<Record>, Vec<Record>)> {
    let findings = rows_where(&frames.exceptions, "decision_id", id)?
        .into_iter()
        .filter(|r| r.get("invoice_number").is_empty())
        .collect();
    Ok((
        rows_where(&frames.reconciliation, "decision_id", id)?,
        findings,
    ))
}

/// The exception ids of some findings.
pub fn ids(findings: &[Record]) -> Vec<String> {
    let ids: BTreeSet<String> = findings
        .iter()
        .map(|r| r.get("exception_id").to_string())
        .filter(|id| !id.is_empty())
        .collect();
    ids.into_iter().collect()
}
