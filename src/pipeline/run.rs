//! `ksef-recon run`: the outputs of a bundle, the exception register
//! updated with them, everything written at once.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use anyhow::Result;
use chrono::NaiveDate;

use super::assemble::Outputs;
use super::job::{Job, RunOptions, RunSummary};
use super::{one, parts, write};
use crate::contract::Status;
use crate::lang::Lang;
use crate::partition::Plan;
use crate::progress::Stage;
use crate::register::{self, Session};
use crate::report::atomic::Staging;
use crate::report::parquet_out::Formats;
use crate::report::run_json::RegisterJson;
use crate::rules;

/// The outputs of `job`'s bundle: matched in one run, or in parts when it
/// is too large for one (see `partition::Plan::for_bundle`). The one place
/// that chooses.
pub fn outputs(job: &Job<'_>) -> Result<Outputs> {
    match Plan::for_bundle(job.input, job.config, &rules::home_sources())? {
        None => one::outputs(job),
        Some(plan) => parts::outputs(job, &plan),
    }
}

/// Runs the whole pipeline on one bundle, updates the exception register
/// (not in a scenario) and writes every output. The register is verified before anything else
/// and saved only after the outputs are in place; both are written
/// atomically, and re-running the same as-of changes neither, so a crash at
/// any point is repaired by running again.
pub fn run(options: &RunOptions) -> Result<RunSummary> {
    // A scenario reads the register and changes nothing of it.
    let scenario = !options.assume_end.is_empty();
    if options.state == RunOptions::default_state(&options.out) && !scenario {
        register::store::move_shared_default(&options.state)?;
    }
    let mut session = Session::open(&options.state, options.as_of)?;
    let configured: BTreeSet<String> = options.config.sellers.iter().cloned().collect();
    if !configured.is_empty() {
        session.bind(&configured, "configuration")?;
    }
    let outputs = outputs(&Job::run(options))?;
    let publish = Publish {
        out: &options.out,
        as_of: options.as_of,
        configured: &configured,
        lang: options.config.language,
        formats: options.formats,
        reconciliation_sheet: options.reconciliation_sheet,
        scenario,
    };
    publish.write(session, outputs)
}

/// Where and how the outputs of a run go: `run`'s, and `report`'s from
/// another engine's results.
pub struct Publish<'a> {
    pub out: &'a Path,
    pub as_of: NaiveDate,
    /// The configuration's sellers (bound to the register already when
    /// there are any; else the ledger's sellers are bound here).
    pub configured: &'a BTreeSet<String>,
    pub lang: Lang,
    pub formats: Formats,
    pub reconciliation_sheet: bool,
    /// A scenario updates no register.
    pub scenario: bool,
}

impl Publish<'_> {
    /// Updates the exception register in `session` with `outputs` (but in
    /// a scenario) and writes every output into `out` at once; the
    /// register is saved only after the outputs are in place.
    pub fn write(&self, mut session: Session, mut outputs: Outputs) -> Result<RunSummary> {
        if self.configured.is_empty() {
            session.bind(&outputs.ledger_sellers, "ledger")?;
        }
        let updated = update_register(&mut session, &outputs, self.as_of)?;
        outputs.frames.exceptions = updated.exceptions;
        outputs.summary.open_by_severity = register::open_by_severity(&outputs.frames.exceptions)?;
        if !self.scenario {
            let overdue = outputs.run.counts_by_status.get(Status::Overdue.as_str());
            session.record_run(
                &outputs.summary.open_by_severity,
                overdue.copied().unwrap_or(0),
            );
        }
        let views = write::Views {
            trend: Some(session.trend()),
            lang: self.lang,
        };
        let (head, rows) = session.head();
        outputs.run.register = Some(RegisterJson {
            status_counts: updated.counts.clone(),
            history_rows: rows as u64,
            history_head: head.to_string(),
        });

        let _stage = Stage::start("writing the outputs");
        let staging = Staging::begin(self.out)?;
        write::write(
            &staging,
            &mut outputs,
            self.formats,
            self.reconciliation_sheet,
            &views,
        )?;
        staging.commit()?;
        if !self.scenario {
            session.save(&updated.register)?;
        }
        Ok(outputs.summary)
    }
}

/// Applies the run's findings and resolutions to the register, and gives
/// the session the history rows they make: one per resolution read (its
/// file, line and the file's SHA-256) and one per status change.
fn update_register(
    session: &mut Session,
    outputs: &Outputs,
    as_of: NaiveDate,
) -> Result<register::Updated> {
    let updated = register::update(
        &session.prior,
        &outputs.frames.exceptions,
        &outputs.resolutions,
        as_of,
    )?;
    let hashes: HashMap<String, String> = outputs
        .run
        .files
        .iter()
        .map(|f| (f.path.clone(), f.sha256.clone()))
        .collect();
    let codes = register::resolutions::codes_of(&outputs.resolutions, &outputs.frames.exceptions)?;
    let rows = register::trail::resolution_rows(
        &as_of.to_string(),
        &outputs.resolutions,
        &outputs.frames.rejected,
        &hashes,
        &codes,
    )?;
    session.record(rows, &updated.history);
    Ok(updated)
}
