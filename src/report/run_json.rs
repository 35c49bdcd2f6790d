//! `run.json`: what ran on what. The tool version, the as-of date, every
//! input file with its SHA-256 and row counts, the reconciliation of rows
//! read = used + rejected per source, what was not provided and which checks
//! were therefore skipped, and the counts by status and exception code.
//!
//! Only `run_started_at` differs between two runs on the same inputs.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ingest::InputFile;
use crate::ingest::schema::Source;
use crate::rules::Skipped;

#[derive(Serialize)]
pub struct RunJson {
    pub tool: &'static str,
    pub version: &'static str,
    pub as_of: String,
    pub run_started_at: String,
    /// SHA-256 over the sorted list of (path, file SHA-256): one value that
    /// changes when any input changes.
    pub input_fingerprint: String,
    pub config: Option<String>,
    pub not_provided: Vec<String>,
    pub checks_skipped: Vec<SkippedJson>,
    pub sources: BTreeMap<&'static str, SourceCounts>,
    pub files: Vec<FileJson>,
    pub ksef_records_after_as_of: u64,
    /// UPO documents sent after the as-of date, likewise left out.
    pub upo_after_as_of: u64,
    pub invoices: u64,
    pub counts_by_status: BTreeMap<String, u64>,
    pub exceptions: u64,
    pub counts_by_code: BTreeMap<String, u64>,
    pub counts_by_severity: BTreeMap<String, u64>,
    pub outputs: BTreeMap<String, u64>,
    /// The exception register after this run (`run` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub register: Option<RegisterJson>,
}

#[derive(Serialize)]
pub struct RegisterJson {
    /// Register rows per status after the run. (How many changed is in the
    /// state folder's history.csv: a re-run of the same as-of changes
    /// nothing and must write the same run.json.)
    pub status_counts: BTreeMap<String, u64>,
}

#[derive(Serialize)]
pub struct SkippedJson {
    pub code: &'static str,
    pub missing: Vec<&'static str>,
}

#[derive(Serialize, Default, Clone, Copy)]
pub struct SourceCounts {
    pub files: u64,
    /// Files refused as a whole (unreadable, of the wrong form or version,
    /// over a size limit); their rows, where they could be counted, are in
    /// `rows_read` and `rows_rejected`.
    pub files_rejected: u64,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
}

#[derive(Serialize)]
pub struct FileJson {
    pub path: String,
    pub source: &'static str,
    pub sha256: String,
    pub bytes: u64,
    pub rows_read: u64,
    pub rows_used: u64,
    pub rows_rejected: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

pub fn files(files: &[InputFile]) -> Vec<FileJson> {
    let mut out: Vec<FileJson> = files
        .iter()
        .map(|f| FileJson {
            path: f.path.clone(),
            source: f.source,
            sha256: f.sha256.clone(),
            bytes: f.bytes,
            rows_read: f.counts.read,
            rows_used: f.counts.used,
            rows_rejected: f.counts.rejected,
            error: f.error.clone(),
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Per-source totals; every source appears, provided or not.
pub fn sources(files: &[InputFile]) -> BTreeMap<&'static str, SourceCounts> {
    let mut out: BTreeMap<&'static str, SourceCounts> = Source::ALL
        .iter()
        .map(|s| (s.name(), SourceCounts::default()))
        .collect();
    for f in files {
        let c = out.entry(f.source).or_default();
        c.files += 1;
        c.files_rejected += u64::from(f.error.is_some());
        c.rows_read += f.counts.read;
        c.rows_used += f.counts.used;
        c.rows_rejected += f.counts.rejected;
    }
    out
}

pub fn fingerprint(files: &[InputFile]) -> String {
    let mut lines: Vec<String> = files
        .iter()
        .map(|f| format!("{}  {}\n", f.sha256, f.path))
        .collect();
    lines.sort();
    crate::ingest::sha256_hex(lines.concat().as_bytes())
}

pub fn skipped(list: &[Skipped]) -> Vec<SkippedJson> {
    list.iter()
        .map(|s| SkippedJson {
            code: s.code,
            missing: s.missing.clone(),
        })
        .collect()
}
