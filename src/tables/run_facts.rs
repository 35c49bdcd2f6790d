//! What `ksef-recon report` needs of a bundle beside an engine's results:
//! the decisions view (the workbook's Decisions sheet) and the facts of
//! `run.json` that come from the inputs and their matching (files and row
//! counts, what was not provided and the checks skipped for it, rows after
//! the as-of date, the KSeF extract, rates, JPK returns, the sellers that
//! bind the register). Taken from the export's own matching, which is the
//! one `run` does, so `report`'s `run.json` is `run`'s.

use anyhow::Result;
use chrono::NaiveDate;
use polars::prelude::DataFrame;

use crate::config::Config;
use crate::ingest::Bundle;
use crate::matching::Matched;
use crate::report::decisions::decisions;
use crate::report::run_facts::RunFacts;
use crate::report::run_json::{Counts, Made};

/// What is kept of the matching before the rules (which judge the
/// resolutions) consume it.
pub struct Kept {
    counts: Counts,
    /// The decisions view, every column text.
    pub decisions: DataFrame,
}

impl Kept {
    pub fn of(matched: &Matched) -> Result<Kept> {
        Ok(Kept {
            counts: Counts::of_matched(matched)?,
            decisions: decisions(matched)?,
        })
    }

    /// `run_facts.json` of `bundle` once its resolutions were judged (the
    /// refused ones count as rejected rows, as in `run`).
    pub fn json(&self, bundle: &Bundle, as_of: NaiveDate, config: &Config) -> Result<Vec<u8>> {
        let made = Made {
            started: String::new(),
            as_of,
            config,
        };
        let skipped = crate::rules::skipped(&|s| bundle.has(s));
        let facts = RunFacts::of(&made, bundle, &self.counts, &skipped);
        let mut json = serde_json::to_vec_pretty(&facts)?;
        json.push(b'\n');
        Ok(json)
    }
}
