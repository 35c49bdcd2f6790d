//! What `run.json` says of a run's inputs and their matching, apart from
//! what its findings count: the files and their row counts, what was not
//! provided and which checks were skipped for it, the rows after the as-of
//! date, the KSeF extract, the rates and JPK returns, the sellers that bind
//! the exception register. `run` builds its `run.json` from these facts and
//! its findings; `export-tables` writes the facts (`run_facts.json`) so
//! that `ksef-recon report` builds the same `run.json` from the facts and
//! another engine's results. One constructor ([`RunJson::of`]) for both.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::run_json::{
    Counts, ExtractJson, FileJson, JpkJson, KsefFromJson, Made, MissingRateJson, PenaltyJson,
    RateJson, RunJson, ScenarioJson, SkippedJson, SourceCounts, count_by, files, fingerprint,
    skipped, sources,
};
use crate::contract::{Status, parse_amount};
use crate::ingest::Bundle;
use crate::lang::Lang;
use crate::rules::{self, Findings, RULES, Skipped};

/// The file `export-tables` writes the facts to.
pub const RUN_FACTS: &str = "run_facts.json";

/// The table `export-tables` writes the decisions view to (the workbook's
/// Decisions sheet); not `decisions`, the source table of that name.
pub const DECISIONS_VIEW: &str = "decisions_view";

/// `run.json`'s fields that come from the inputs, and what of the
/// configuration `report` needs besides (the sellers that bind the
/// register, the language).
#[derive(Serialize, Deserialize)]
pub struct RunFacts {
    pub version: String,
    pub as_of: String,
    pub input_fingerprint: String,
    pub config: Option<String>,
    pub not_provided: Vec<String>,
    pub checks_skipped: Vec<SkippedJson>,
    /// The codes whose rules ran (all or some of their parts): the keys
    /// of `counts_by_code`, zero or not.
    pub codes_checked: BTreeSet<String>,
    pub sources: BTreeMap<String, SourceCounts>,
    pub files: Vec<FileJson>,
    pub ksef_records_after_as_of: u64,
    pub upo_after_as_of: u64,
    pub rows_after_as_of: BTreeMap<String, u64>,
    pub ksef_extract: ExtractJson,
    pub ksef_from: KsefFromJson,
    pub scenario: Option<ScenarioJson>,
    pub rates_used: BTreeSet<RateJson>,
    pub rates_missing: BTreeSet<MissingRateJson>,
    pub jpk: JpkJson,
    pub invoices_without_numbering_moment: u64,
    /// The ledger's distinct seller NIPs (bind the register when the
    /// configuration names no sellers).
    pub ledger_sellers: BTreeSet<String>,
    /// `sellers` of the configuration.
    pub configured_sellers: BTreeSet<String>,
    /// `language` of the configuration (`en`, `pl`).
    pub language: String,
}

impl RunFacts {
    /// The facts of a run on `bundle` with `skipped` checks.
    pub fn of(made: &Made<'_>, bundle: &Bundle, counts: &Counts, checks: &[Skipped]) -> RunFacts {
        RunFacts {
            version: env!("CARGO_PKG_VERSION").to_string(),
            as_of: made.as_of.to_string(),
            input_fingerprint: fingerprint(&bundle.files),
            config: made.config.path.as_ref().map(|p| p.display().to_string()),
            not_provided: bundle.not_provided.clone(),
            checks_skipped: skipped(checks),
            codes_checked: RULES
                .iter()
                .filter(|r| rules::ran(r.code, checks))
                .map(|r| r.code.as_str().to_string())
                .collect(),
            sources: sources(&bundle.files),
            files: files(&bundle.files),
            ksef_records_after_as_of: counts.ksef_after_as_of,
            upo_after_as_of: counts.upo_after_as_of,
            rows_after_as_of: (counts.rows_after_as_of.iter())
                .map(|(k, v)| (k.to_string(), *v))
                .collect(),
            ksef_extract: counts.ksef_extract.clone(),
            ksef_from: KsefFromJson::of(made.config),
            scenario: counts.scenario.clone(),
            rates_used: counts.rates_used.clone(),
            rates_missing: counts.rates_missing.clone(),
            jpk: JpkJson::of(&bundle.files, made.as_of, counts.jpk_not_judged),
            invoices_without_numbering_moment: counts.without_numbering_moment,
            ledger_sellers: counts.ledger_sellers.clone(),
            configured_sellers: made.config.sellers.iter().cloned().collect(),
            language: match made.config.language {
                Lang::En => "en",
                Lang::Pl => "pl",
            }
            .to_string(),
        }
    }

    /// The language the facts name (English if unknown).
    pub fn lang(&self) -> Lang {
        Lang::parse(&self.language).unwrap_or_default()
    }
}

/// What `run.json` counts of the findings and the invoices.
pub struct Found {
    pub invoices: u64,
    pub by_status: BTreeMap<String, u64>,
    pub exceptions: u64,
    pub by_code: BTreeMap<String, u64>,
    pub by_severity: BTreeMap<String, u64>,
    /// Rows per output file.
    pub outputs: BTreeMap<String, u64>,
    /// Invoices with a maximum penalty, and its sum in grosze.
    pub penalty: (u64, i64),
}

impl Found {
    /// The counts of an engine's results: `exceptions` and
    /// `reconciliation` as the text frames of their CSVs.
    pub fn of_results(
        exceptions: &DataFrame,
        reconciliation: &DataFrame,
        outputs: BTreeMap<String, u64>,
    ) -> PolarsResult<Found> {
        let mut by_status: BTreeMap<String, u64> =
            Status::NAMES.iter().map(|s| (s.to_string(), 0)).collect();
        for (status, n) in count_by(reconciliation, "status")? {
            by_status.insert(status, n);
        }
        let mut penalty = (0, 0);
        for amount in reconciliation
            .column("max_penalty_pln")?
            .str()?
            .iter()
            .flatten()
        {
            let grosze = parse_amount(amount, false).map_err(|e| {
                PolarsError::ComputeError(format!("max_penalty_pln {amount:?}: {e}").into())
            })?;
            penalty = (penalty.0 + 1, penalty.1 + grosze);
        }
        Ok(Found {
            invoices: reconciliation.height() as u64,
            by_status,
            exceptions: exceptions.height() as u64,
            by_code: count_by(exceptions, "code")?,
            by_severity: count_by(exceptions, "severity")?,
            outputs,
            penalty,
        })
    }
}

impl RunJson {
    /// The record of a run: its inputs (`bundle`'s files), counts, findings
    /// and output files (`outputs`: rows per file name).
    pub fn build(
        made: Made<'_>,
        bundle: &Bundle,
        counts: Counts,
        findings: &Findings,
        outputs: BTreeMap<String, u64>,
    ) -> PolarsResult<RunJson> {
        let facts = RunFacts::of(&made, bundle, &counts, &findings.skipped);
        let found = Found {
            invoices: counts.invoices,
            by_status: counts.by_status,
            exceptions: findings.all.height() as u64,
            by_code: count_by(&findings.all, "code")?,
            by_severity: count_by(&findings.all, "severity")?,
            outputs,
            penalty: counts.penalty,
        };
        Ok(RunJson::of(facts, made.started, found))
    }

    /// The record of a run started at `started` from its facts and what
    /// it found.
    pub fn of(facts: RunFacts, started: String, found: Found) -> RunJson {
        RunJson {
            tool: "ksef-recon",
            version: env!("CARGO_PKG_VERSION"),
            as_of: facts.as_of,
            run_started_at: started,
            input_fingerprint: facts.input_fingerprint,
            config: facts.config,
            not_provided: facts.not_provided,
            checks_skipped: facts.checks_skipped,
            sources: facts.sources,
            files: facts.files,
            ksef_records_after_as_of: facts.ksef_records_after_as_of,
            upo_after_as_of: facts.upo_after_as_of,
            rows_after_as_of: facts.rows_after_as_of,
            ksef_extract: facts.ksef_extract,
            ksef_from: facts.ksef_from,
            invoices: found.invoices,
            counts_by_status: found.by_status,
            exceptions: found.exceptions,
            counts_by_code: (facts.codes_checked.into_iter())
                .map(|code| {
                    let n = found.by_code.get(&code).copied().unwrap_or(0);
                    (code, n)
                })
                .collect(),
            counts_by_severity: found.by_severity,
            outputs: found.outputs,
            register: None,
            scenario: facts.scenario,
            max_penalty_pln: PenaltyJson::of(found.penalty.0, found.penalty.1),
            rates_used: facts.rates_used,
            rates_missing: facts.rates_missing,
            jpk: facts.jpk,
            invoices_without_numbering_moment: facts.invoices_without_numbering_moment,
        }
    }
}
