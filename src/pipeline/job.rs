//! What a run is asked for and what it tells its caller.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use polars::prelude::Expr;

use crate::config::Config;
use crate::contract::Severity;
use crate::matching::{AssumedEnd, Params};
use crate::register;
use crate::report::parquet_out::Formats;
use crate::report::run_json::RunJson;

/// Everything `run` needs, resolved from the command line and `recon.toml`.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
    /// The exception register's folder (`--state`).
    pub state: PathBuf,
    /// `false` with `--no-reconciliation-sheet`.
    pub reconciliation_sheet: bool,
    /// CSV and/or Parquet for the tabular outputs (`--format`).
    pub formats: Formats,
    /// A scenario's assumed ends of periods still on (`--assume-end`);
    /// empty for a run on the records as they are.
    pub assume_end: Vec<AssumedEnd>,
}

impl RunOptions {
    /// The default `--state`: `.ksef-recon-state/<name of --out>` beside the
    /// output folder, so a nightly job writing `--out reports/latest` keeps
    /// its register in `reports/.ksef-recon-state/latest` across nights,
    /// and `reports/other` written beside it never shares that register
    /// (contract section 8).
    pub fn default_state(out: &Path) -> PathBuf {
        let name = out
            .file_name()
            .map(|n| n.to_os_string())
            .or_else(|| {
                std::fs::canonicalize(out)
                    .ok()
                    .and_then(|p| p.file_name().map(|n| n.to_os_string()))
            })
            .unwrap_or_else(|| "out".into());
        let beside = match out.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.join(register::store::STATE_FOLDER),
            _ => PathBuf::from(register::store::STATE_FOLDER),
        };
        beside.join(name)
    }
}

/// What the outputs are built for: the bundle, the as-of date and the
/// configuration, and where a run in parts may write beside the output.
pub struct Job<'a> {
    pub input: &'a Path,
    pub as_of: NaiveDate,
    pub config: &'a Config,
    /// The output: a run in parts makes its working folder beside it.
    pub out: &'a Path,
    /// The reconciliation's files a run in parts writes as it goes (none
    /// for an evidence pack).
    pub formats: Formats,
    /// Reconciliation rows a run in parts holds in memory (an evidence
    /// pack's scope); `None` holds them while they fit the workbook's sheet.
    pub pick: Option<Expr>,
    /// A scenario's assumed ends (see [`RunOptions::assume_end`]).
    pub assume_end: &'a [AssumedEnd],
}

impl<'a> Job<'a> {
    /// The job of `ksef-recon run`.
    pub fn run(options: &'a RunOptions) -> Job<'a> {
        Job {
            input: &options.input,
            as_of: options.as_of,
            config: &options.config,
            out: &options.out,
            formats: options.formats,
            pick: None,
            assume_end: &options.assume_end,
        }
    }

    /// A job that writes nothing as it goes: the outputs are only built
    /// (a run in parts works in a folder beside `out`).
    pub fn in_memory(
        input: &'a Path,
        as_of: NaiveDate,
        config: &'a Config,
        out: &'a Path,
    ) -> Job<'a> {
        Job {
            input,
            as_of,
            config,
            out,
            formats: Formats {
                csv: false,
                parquet: false,
            },
            pick: None,
            assume_end: &[],
        }
    }

    /// The matching's parameters.
    pub fn params(&self) -> Params {
        Params {
            as_of: self.as_of,
            sellers: self.config.sellers.clone(),
            amount_tolerance: self.config.amount_tolerance,
            ksef_from: self.config.ksef_from,
            ksef_from_by_seller: self.config.ksef_from_by_seller.clone(),
            ksef_extract_through: self.config.ksef_extract_through,
            row_level_columns: &crate::rules::ROW_LEVEL_COLUMNS,
            assume_end: self.assume_end.to_vec(),
        }
    }
}

/// What a finished run found, for the exit status and the summary line.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub invoices: u64,
    pub exceptions: u64,
    pub rejected: u64,
    pub by_severity: BTreeMap<Severity, u64>,
    /// Exceptions still open or reopened after resolutions, by severity
    /// (what `--fail-on` looks at).
    pub open_by_severity: BTreeMap<Severity, u64>,
}

impl RunSummary {
    /// The summary of a run's record; the open exceptions are counted once
    /// the register has been updated.
    pub fn of(run: &RunJson, rejected: u64) -> RunSummary {
        RunSummary {
            invoices: run.invoices,
            exceptions: run.exceptions,
            rejected,
            by_severity: run
                .counts_by_severity
                .iter()
                .filter_map(|(k, v)| Severity::parse(k).map(|s| (s, *v)))
                .collect(),
            open_by_severity: BTreeMap::new(),
        }
    }
}
