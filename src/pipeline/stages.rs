//! The stages every run goes through for a bundle (or one part of one):
//! load, match, rules.

use std::path::Path;

use anyhow::{Context, Result};

use crate::config::{Config, ConfigError};
use crate::ingest::{self, Bundle};
use crate::matching::{self, Matched, Params};
use crate::progress::Stage;
use crate::rules::{self, Findings, Queries};

/// A bundle (or one part of one) after matching and the rules, with the
/// SQL context the reports go on to read.
pub struct Checked {
    pub bundle: Bundle,
    pub matched: Matched,
    pub queries: Queries,
    pub findings: Findings,
}

/// Stage 1: the bundle's sources as typed tables.
pub fn load(input: &Path, config: &Config) -> Result<Bundle> {
    let _stage = Stage::start("loading the bundle");
    ingest::load(input, config)
}

/// Stages 2 and 3: matches a loaded bundle (or one part of one) and runs
/// the rules.
///
/// Only matching reads the bundle's row-level tables (the ledger, KSeF,
/// UPOs and archive, most of the memory loaded) and releases them;
/// `matched` holds what the rules still need of them, and the rules
/// release that in turn before the rules that read only the invoice table
/// run. The invoice table's rules-only columns go once all rules ran.
pub fn check(mut bundle: Bundle, params: &Params) -> Result<Checked> {
    let stage = Stage::start("matching invoices");
    let mut matched =
        matching::match_invoices(&mut bundle, params).context("reconciliation failed")?;
    drop(stage);
    scenario_applies(&matched)?;
    let stage = Stage::start("applying the rules");
    let mut queries = Queries::new(&matched, params).context("exception rules failed")?;
    let findings = rules::run(&mut queries, &mut matched, params, |s| bundle.has(s))
        .context("exception rules failed")?;
    drop(stage);
    matched.release_rule_columns(&rules::rules_only_columns());
    queries.refresh_invoices(&matched)?;
    Ok(Checked {
        bundle,
        matched,
        queries,
        findings,
    })
}

/// A scenario's every assumption must name a period still on at the as-of
/// date: one that names none is a usage error, not a scenario of nothing.
fn scenario_applies(matched: &Matched) -> Result<()> {
    let unknown: Vec<&str> = matched
        .scenario
        .iter()
        .filter(|a| a.ended.is_empty())
        .map(|a| a.id.as_str())
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    Err(ConfigError {
        file: "--assume-end".to_string(),
        message: format!(
            "{} names no announcement event or decision whose period is still on at the as-of date",
            unknown.join(", ")
        ),
    }
    .into())
}
