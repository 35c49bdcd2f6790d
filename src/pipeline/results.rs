//! `ksef-recon report`: the outputs `run` writes, made from another
//! engine's results (its exceptions, reconciliation, completeness,
//! responsibility and JPK worklist, as typed Parquet in the files and
//! schema `run --format parquet` writes) and the tables `export-tables`
//! wrote for it (rejected rows, resolutions, rates, the decisions view and
//! `run_facts.json`). The register, the CSV files, the workbook, the
//! dashboard and `run.json` are then made by the same code as `run`'s
//! ([`Publish`]), so management and auditors get the same files whichever
//! engine matched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use polars::prelude::{ChunkCast, DataFrame, DataType, IntoColumn, ParquetReader, SerReader};

use super::assemble::{Outputs, rows_per_file};
use super::job::{RunOptions, RunSummary};
use super::run::Publish;
use crate::contract::Source;
use crate::lang::Lang;
use crate::register::{self, Session};
use crate::report::decisions::DECISION_COLUMNS;
use crate::report::parquet_in;
use crate::report::parquet_out::Formats;
use crate::report::run_facts::{DECISIONS_VIEW, Found, RUN_FACTS, RunFacts};
use crate::report::run_json::RunJson;
use crate::report::{self, Frames};
use crate::rules::EXCEPTION_COLUMNS;

/// What `report` is asked for.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// The folder `export-tables` wrote (the whole bundle, not a batch).
    pub tables: PathBuf,
    /// The engine's results.
    pub results: PathBuf,
    pub out: PathBuf,
    /// The exception register's folder (`--state`).
    pub state: PathBuf,
    /// `--lang`; the exported configuration's language without it.
    pub lang: Option<Lang>,
    pub formats: Formats,
    pub reconciliation_sheet: bool,
}

/// Makes every output of `run` from an engine's results, updates the
/// exception register as `run` does, and writes them into `--out` at once.
pub fn report(options: &ReportOptions) -> Result<RunSummary> {
    let started = crate::clock::now_utc_text();
    let facts = read_facts(&options.tables)?;
    let as_of = NaiveDate::parse_from_str(&facts.as_of, "%Y-%m-%d")
        .with_context(|| format!("{RUN_FACTS}: as_of {:?} is not a date", facts.as_of))?;
    if options.state == RunOptions::default_state(&options.out) {
        register::store::move_shared_default(&options.state)?;
    }
    let mut session = Session::open(&options.state, as_of)?;
    let configured: BTreeSet<String> = facts.configured_sellers.clone();
    if !configured.is_empty() {
        session.bind(&configured, "configuration")?;
    }
    let lang = options.lang.unwrap_or(facts.lang());
    let outputs = outputs(options, facts, started, as_of)?;
    let publish = Publish {
        out: &options.out,
        as_of,
        configured: &configured,
        lang,
        formats: options.formats,
        reconciliation_sheet: options.reconciliation_sheet,
        scenario: false,
    };
    publish.write(session, outputs)
}

/// `run_facts.json` of the tables' folder, written by this version.
fn read_facts(tables: &Path) -> Result<RunFacts> {
    let path = tables.join(RUN_FACTS);
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read {} (export-tables of the whole bundle writes it)",
            path.display()
        )
    })?;
    let facts: RunFacts = serde_json::from_slice(&bytes).with_context(|| {
        format!(
            "{} is not the run facts export-tables writes",
            path.display()
        )
    })?;
    if facts.version != env!("CARGO_PKG_VERSION") {
        bail!(
            "{} was written by ksef-recon {}, this is {}: export the tables again",
            path.display(),
            facts.version,
            env!("CARGO_PKG_VERSION")
        );
    }
    Ok(facts)
}

/// The outputs of the results, as `run` assembles its own.
fn outputs(
    options: &ReportOptions,
    facts: RunFacts,
    started: String,
    as_of: NaiveDate,
) -> Result<Outputs> {
    let frames = frames(&options.tables, &options.results)?;
    let kept = read_table(&options.tables, "resolutions.parquet")?;
    // Judged by the export against its own findings; judged again here
    // against the results', which a correct engine makes the same.
    let (resolutions, refused) = register::resolutions::validate(&kept, &frames.exceptions, as_of)
        .context("the exported resolutions")?;
    for r in &refused {
        tracing::warn!(
            "resolution {}:{} not applied: {}",
            r.file,
            r.line.unwrap_or(0),
            r.reason
        );
    }
    let rows = rows_per_file(&frames, frames.reconciliation.height() as u64);
    let found = Found::of_results(&frames.exceptions, &frames.reconciliation, rows)
        .context("counting the results")?;
    let ledger_sellers = facts.ledger_sellers.clone();
    let run = RunJson::of(facts, started, found);
    let summary = RunSummary::of(&run, frames.rejected.height() as u64);
    Ok(Outputs {
        resolutions,
        frames,
        run,
        summary,
        written: None,
        ledger_sellers,
    })
}

/// The text frames of the results and of the tables' rejected rows,
/// decisions view and rates.
fn frames(tables: &Path, results: &Path) -> Result<Frames> {
    let exceptions = parquet_in::read(results, "exceptions.parquet")?;
    // The engine's own register columns (status, first_seen, days_open)
    // are dropped: this command's register sets them.
    let exceptions = exceptions
        .select(EXCEPTION_COLUMNS.iter().copied())
        .with_context(|| {
            format!(
                "{} lacks a column",
                results.join("exceptions.parquet").display()
            )
        })?;
    Ok(Frames {
        exceptions,
        reconciliation: parquet_in::read(results, "reconciliation.parquet")?,
        completeness: parquet_in::read(results, "completeness.parquet")?,
        rejected: parquet_in::read(tables, "rejected.parquet")?,
        responsibility: parquet_in::read(results, "responsibility.parquet")?,
        decisions: decisions_view(tables)?,
        jpk_corrections: parquet_in::read(results, "jpk_corrections.parquet")?,
        rates: rates(tables)?,
    })
}

/// A table of the tables' folder as written.
fn read_table(dir: &Path, name: &str) -> Result<DataFrame> {
    let path = dir.join(name);
    let file = std::fs::File::open(&path)
        .with_context(|| format!("cannot open the table {}", path.display()))?;
    ParquetReader::new(file)
        .finish()
        .with_context(|| format!("{} is not a readable Parquet file", path.display()))
}

/// The decisions view: every column text, in its order.
fn decisions_view(tables: &Path) -> Result<DataFrame> {
    let name = format!("{DECISIONS_VIEW}.parquet");
    let df = read_table(tables, &name)?;
    let names: Vec<&str> = df.get_column_names().iter().map(|n| n.as_str()).collect();
    let text = df.columns().iter().all(|c| c.dtype() == &DataType::String);
    if names != DECISION_COLUMNS || !text {
        bail!(
            "{} is not the decisions view (text columns {})",
            tables.join(&name).display(),
            DECISION_COLUMNS.join(", ")
        );
    }
    Ok(df)
}

/// The NBP rates as the reports read them, from the typed `rates` table
/// (rates `DECIMAL(18,4)` back to their ten-thousandths).
fn rates(tables: &Path) -> Result<DataFrame> {
    let name = format!("{}.parquet", Source::Rates.name());
    let mut df = read_table(tables, &name)?;
    let path = tables.join(&name);
    let rate = df
        .column("rate")
        .and_then(|c| c.decimal().map(|d| d.physical().clone()))
        .with_context(|| format!("{}: column rate is not DECIMAL(18,4)", path.display()))?;
    let units = rate.cast(&DataType::Int64)?;
    df.with_column(units.with_name("rate".into()).into_column())?;
    report::rates(&df).with_context(|| format!("{}: not the rates table", path.display()))
}
