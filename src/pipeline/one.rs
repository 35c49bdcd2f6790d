//! A bundle matched in one run, in memory.

use anyhow::Result;

use super::assemble::{Outputs, assemble};
use super::job::Job;
use super::stages;
use crate::progress::{Stage, Step};
use crate::report;
use crate::report::run_json::{Counts, Made};

/// Loads, matches and checks the whole bundle, and builds every output
/// frame; writes nothing.
pub fn outputs(job: &Job<'_>) -> Result<Outputs> {
    let started = crate::clock::now_utc_text();
    crate::memory::fit_pages_to(job.input);
    let params = job.params();
    let bundle = stages::load(job.input, job.config)?;
    let checked = stages::check(bundle, &params)?;
    let _stage = Stage::start("building the reports");
    let step = Step::start("reconciliation frame");
    let reconciliation = report::reconciliation(&checked.matched)?;
    drop(step);
    let counts = Counts::of(&checked.matched, &checked.queries)?;
    let made = Made {
        started,
        as_of: job.as_of,
        config: job.config,
    };
    assemble(checked, reconciliation, counts, made)
}
