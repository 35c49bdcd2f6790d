//! `ksef-recon explain`: one invoice's whole story, or one decision-level
//! finding's: the input rows that formed it (each with its file and line),
//! its reconciliation row with the deadline's derivation and status, its
//! findings with their exception ids, and the register's history of those
//! findings. The pipeline runs in memory as for `evidence`, and the rows
//! are found as an evidence pack finds its scope's (`crate::evidence::rows`).

pub mod story;
pub mod text;

use std::path::PathBuf;

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::DataFrame;

use crate::config::Config;
use crate::contract::Source;
use crate::evidence::register;
use crate::evidence::rows::{self, Keys, Lines};
use crate::pipeline::{self, Job};
use story::{FileRows, HistoryRow, Record, Story};

/// What is explained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Invoice { seller: String, number: String },
    Exception(String),
}

/// Everything `explain` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct ExplainOptions {
    pub input: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
    pub target: Target,
    pub state: Option<PathBuf>,
}

/// The invoice or exception asked for is not in the run (exit 2).
#[derive(Debug)]
pub struct NotFound(pub String);

impl std::fmt::Display for NotFound {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for NotFound {}

/// Runs the pipeline in memory and tells the target's story.
pub fn explain(options: &ExplainOptions) -> Result<Story> {
    let stored = options.state.as_deref().map(register::load).transpose()?;
    let scratch = tempfile::tempdir()?;
    let out = scratch.path().join("out");
    let job = Job::in_memory(&options.input, options.as_of, &options.config, &out);
    // An invoice's story needs only its own ledger and KSeF rows; a finding
    // is looked up among all of them.
    let (outputs, known) = match &options.target {
        Target::Invoice { seller, number } => pipeline::outputs_of_invoice(&job, seller, number)?,
        Target::Exception(_) => (pipeline::outputs(&job)?, Vec::new()),
    };
    register::check_company(
        stored.as_ref(),
        options.state.as_deref(),
        &options.config.sellers,
        &outputs.ledger_sellers,
    )?;
    let mut story = find(&outputs.frames, options)?;
    let ids = story::ids(&story.findings);
    let lines = input_lines(options, &story, &ids, &known)?;
    story.inputs = rows::extracts_of(&options.input, &options.config, &outputs.run.files, &lines)?
        .into_iter()
        .map(|e| FileRows {
            source: e.source.name().to_string(),
            file: e.file,
            lines: e.lines.into_iter().collect(),
            rows: String::from_utf8_lossy(&e.bytes).into_owned(),
        })
        .collect();
    story.history = stored.map(|s| history(&s, &ids));
    Ok(story)
}

/// The target's rows of the run's outputs, or [`NotFound`].
fn find(frames: &crate::report::Frames, options: &ExplainOptions) -> Result<Story> {
    let as_of = options.as_of;
    let (kind, id, invoices, findings) = match &options.target {
        Target::Invoice { seller, number } => {
            let (invoices, findings) = story::invoice(frames, seller, number)?;
            if invoices.is_empty() && findings.is_empty() {
                return Err(NotFound(format!(
                    "no invoice {seller}/{number} in the bundle as of {as_of} (no source holds it)"
                ))
                .into());
            }
            ("invoice", format!("{seller}/{number}"), invoices, findings)
        }
        Target::Exception(id) => {
            let Some(finding) = story::rows_where(&frames.exceptions, "exception_id", id)?
                .into_iter()
                .next()
            else {
                return Err(NotFound(format!(
                    "no exception {id} among the findings as of {as_of}"
                ))
                .into());
            };
            of_finding(frames, finding)?
        }
    };
    Ok(Story {
        as_of: as_of.to_string(),
        kind: kind.to_string(),
        id,
        invoices,
        findings,
        inputs: Vec::new(),
        history: None,
    })
}

type Found = (&'static str, String, Vec<Record>, Vec<Record>);

/// A finding's story: its invoice's whole one, else its decision's.
fn of_finding(frames: &crate::report::Frames, finding: Record) -> Result<Found> {
    let (seller, number) = (finding.get("seller_nip"), finding.get("invoice_number"));
    if !number.is_empty() {
        let (invoices, findings) = story::invoice(frames, seller, number)?;
        return Ok(("invoice", format!("{seller}/{number}"), invoices, findings));
    }
    let decision = finding.get("decision_id").to_string();
    if decision.is_empty() {
        let id = finding.get("exception_id").to_string();
        return Ok(("finding", id, Vec::new(), vec![finding]));
    }
    let (invoices, _) = story::decision(frames, &decision)?;
    Ok(("decision", decision, invoices, vec![finding]))
}

/// The lines of the input rows behind the story.
/// `known` holds rows of the story's invoice the run read already (its ledger
/// and KSeF rows, when the run was cut to it): those sources are not read
/// again.
fn input_lines(
    options: &ExplainOptions,
    story: &Story,
    ids: &[String],
    known: &[(Source, DataFrame)],
) -> Result<Lines> {
    let (bundle, config) = (options.input.as_path(), &options.config);
    match story.kind.as_str() {
        "invoice" => {
            let (seller, number) = story.id.split_once('/').unwrap_or(("", &story.id));
            let keys = Keys::invoice(seller, number, ids);
            let sources: Vec<Source> = known.iter().map(|(s, _)| *s).collect();
            let mut lines = rows::in_scope_but(bundle, config, &keys, &sources)?;
            for (source, rows) in known {
                rows::add_lines(&mut lines, *source, rows)?;
            }
            // The decision it was issued under: its row set the mode's period.
            let decision = story.invoices.first().map_or("", |r| r.get("decision_id"));
            if !decision.is_empty() {
                let keys = Keys::decision(decision, &[]);
                lines.extend(rows::decision_lines(bundle, config, &keys)?);
            }
            Ok(lines)
        }
        "decision" => {
            let keys = Keys::decision(&story.id, ids);
            let mut lines = rows::decision_lines(bundle, config, &keys)?;
            lines.extend(rows::in_scope(bundle, config, &keys)?);
            Ok(lines)
        }
        _ => Ok(Lines::new()),
    }
}

/// The history rows of the findings, byte for byte, with their line in
/// `history.csv` (its header is line 1).
fn history(stored: &crate::register::Stored, ids: &[String]) -> Vec<HistoryRow> {
    let chain = &stored.chain;
    (0..chain.rows.len())
        .filter(|i| ids.contains(&chain.rows[*i].exception_id))
        .map(|i| HistoryRow {
            file: crate::register::store::HISTORY_FILE.to_string(),
            line: i as u64 + 2,
            row: String::from_utf8_lossy(&chain.lines[i])
                .trim_end()
                .to_string(),
        })
        .collect()
}
