//! ksef-recon: proves that every invoice issued outside the normal KSeF path
//! reached KSeF in time, or shows who must act.
//!
//! The pipeline of `ksef-recon run`, stage by stage:
//!
//! 1. [`ingest`]: load the bundle: ledger, offline log, decisions,
//!    announcements and KSeF metadata become typed tables; what cannot be
//!    read is rejected with file, line and reason.
//! 2. [`reconcile`]: match them into one row per invoice with its issue
//!    date, mode, offline period, legal deadline ([`deadline`], counted in
//!    Polish business days by [`calendar`]) and status.
//! 3. [`rules`]: run each exception rule of `queries/rules/` over the
//!    reconciled tables.
//! 4. [`report`]: build the outputs (exceptions, reconciliation,
//!    completeness, rejected rows, `ageing.xlsx`, `dashboard.html`,
//!    `run.json`) and write them all at once.
//!
//! [`reconcile_bundle`] runs stages 1-3 and builds the output frames in
//! memory; [`run`] writes them, and [`evidence`] packs one decision's or
//! month's share of them for an auditor. A bundle too large to match in
//! memory at once goes through the same stages in parts ([`partition`]),
//! whose outputs are joined into the files one run would write.
//!
//! The rules for all of it are stated in `docs/` (`docs/rules.md` for
//! deadlines, statuses and exception codes; `docs/inputs.md` and
//! `docs/outputs.md` for the files).

pub mod calendar;
pub mod clock;
pub mod commands;
pub mod config;
pub mod contract;
pub mod deadline;
pub mod documents;
pub mod evidence;
pub mod frame;
pub mod generate;
pub mod ingest;
pub mod matching;
pub mod memory;
pub mod partition;
pub mod progress;
pub mod register;
pub mod report;
pub mod rules;
pub mod sql;
pub mod validate;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use config::Config;
use contract::Severity;
use matching::Params;
use report::run_json::{self, RunJson};

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
    pub formats: report::parquet_out::Formats,
}

impl RunOptions {
    /// The default `--state`: `.ksef-recon-state/<name of --out>` beside the
    /// output folder, so a nightly job writing `--out reports/latest` keeps
    /// its register in `reports/.ksef-recon-state/latest` across nights,
    /// and `reports/other` written beside it never shares that register
    /// (contract section 8).
    pub fn default_state(out: &std::path::Path) -> PathBuf {
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

/// What the pipeline produced for one bundle, before anything is written:
/// the text frames of every output and the `run.json` record. `run` writes
/// them into `--out`; `evidence` filters them to one decision or month and
/// packs them.
pub struct RunResult {
    /// Resolutions that passed their checks (see `register::resolutions`).
    pub resolutions: polars::prelude::DataFrame,
    pub frames: report::Frames,
    pub run: RunJson,
    pub summary: RunSummary,
    /// A partitioned run's reconciliation, written to disk part by part
    /// (`frames.reconciliation` then holds its rows only while they fit
    /// the workbook's sheet).
    pub spill: Option<partition::Spill>,
    /// What the summary reads of a spilled reconciliation.
    pub digest: Option<report::summary::InvoiceDigest>,
    /// The distinct seller NIPs of the ledger's invoices (what binds the
    /// exception register to its company when `recon.toml` names none).
    pub ledger_sellers: std::collections::BTreeSet<String>,
}

/// Runs the whole pipeline on one bundle in memory (load, match, rules,
/// output frames); writes nothing.
pub fn reconcile_bundle(
    input: &std::path::Path,
    as_of: NaiveDate,
    config: &Config,
) -> Result<RunResult> {
    let started = clock::now_utc_text();
    memory::fit_pages_to(input);
    let params = params(config, as_of);
    let stage = progress::Stage::start("loading the bundle");
    let bundle = ingest::load(input, config)?;
    drop(stage);
    let mut matched = match_bundle(bundle, &params)?;
    let _stage = progress::Stage::start("building the reports");
    let step = progress::Step::start("reconciliation frame");
    let reconciliation = report::reconciliation(&matched.rec)?;
    drop(step);
    let counted = Counted::of(&matched.rec, &params)?;
    assemble(
        &mut matched.bundle,
        &matched.rec,
        Findings {
            all: matched.findings,
            skipped: matched.skipped,
        },
        reconciliation,
        counted,
        started,
        config,
        &params,
    )
}

fn params(config: &Config, as_of: NaiveDate) -> Params {
    Params {
        as_of,
        sellers: config.sellers.clone(),
        amount_tolerance: config.amount_tolerance,
        ksef_from: config.ksef_from,
        ksef_from_by_seller: config.ksef_from_by_seller.clone(),
        ksef_extract_through: config.ksef_extract_through,
    }
}

/// A bundle (or one part of it, see [`partition`]) after stages 1-3.
pub(crate) struct Checked {
    pub bundle: ingest::Bundle,
    pub rec: matching::Matched,
    pub findings: polars::prelude::DataFrame,
    pub skipped: Vec<rules::Skipped>,
}

/// Matches a loaded bundle (or one part of one, see [`partition`]) and
/// runs the rules.
pub(crate) fn match_bundle(mut bundle: ingest::Bundle, params: &Params) -> Result<Checked> {
    let stage = progress::Stage::start("matching invoices");
    // Only matching reads the bundle's row-level tables (the ledger, KSeF,
    // UPOs and archive, most of the memory loaded) and releases them; `rec`
    // holds what the rules still need of them, and the rules release that
    // in turn before the rules that read only the invoice table run.
    let mut rec = matching::match_invoices(&mut bundle, params).context("reconciliation failed")?;
    drop(stage);
    let stage = progress::Stage::start("applying the rules");
    let (findings, skipped) =
        rules::run(&mut rec, params, |s| bundle.has(s)).context("exception rules failed")?;
    drop(stage);
    rec.release_rule_columns();
    Ok(Checked {
        bundle,
        rec,
        findings,
        skipped,
    })
}

/// What `run.json` counts of the invoice table; a partitioned run adds up
/// its parts' counts.
pub(crate) struct Counted {
    pub invoices: u64,
    pub counts_by_status: BTreeMap<String, u64>,
    pub ksef_after_as_of: u64,
    pub upo_after_as_of: u64,
    pub rows_after_as_of: BTreeMap<&'static str, u64>,
    pub ksef_extract: run_json::ExtractJson,
    pub ledger_sellers: std::collections::BTreeSet<String>,
}

impl Counted {
    pub fn of(rec: &matching::Matched, params: &Params) -> Result<Counted> {
        Ok(Counted {
            invoices: rec.invoices.height() as u64,
            counts_by_status: report::status_counts(rec, params)?,
            ksef_after_as_of: rec.ksef_after_as_of,
            upo_after_as_of: rec.upo_after_as_of,
            rows_after_as_of: rec.after_as_of.clone(),
            ksef_extract: run_json::ExtractJson::of(&rec.extract),
            ledger_sellers: ledger_sellers(&rec.invoices)?,
        })
    }

    pub fn add(&mut self, other: Counted) {
        self.invoices += other.invoices;
        for (status, n) in other.counts_by_status {
            *self.counts_by_status.entry(status).or_insert(0) += n;
        }
        self.ksef_after_as_of += other.ksef_after_as_of;
        self.upo_after_as_of += other.upo_after_as_of;
        // Of the row counts only the ledger's is split between parts; the
        // other sources are the home part's, or whole in every part.
        let ledger = crate::contract::Source::Ledger.name();
        if let Some(n) = other.rows_after_as_of.get(ledger) {
            *self.rows_after_as_of.entry(ledger).or_insert(0) += n;
        }
        self.ledger_sellers.extend(other.ledger_sellers);
    }
}

/// The distinct seller NIPs of the invoices found in the ledger. One pass
/// that skips runs of the same NIP: 45 ms over 10M invoices of two sellers
/// (filter-then-unique in polars took 120 ms, a group-by 230 ms).
fn ledger_sellers(
    invoices: &polars::prelude::DataFrame,
) -> Result<std::collections::BTreeSet<String>> {
    let nips = invoices.column("seller_nip")?.str()?;
    let found = invoices.column("in_ledger")?.bool()?;
    let mut out = std::collections::BTreeSet::new();
    let mut last: Option<&str> = None;
    for (nip, in_ledger) in nips.iter().zip(found.iter()) {
        if in_ledger == Some(true)
            && let Some(nip) = nip
            && last != Some(nip)
        {
            last = Some(nip);
            if !out.contains(nip) {
                out.insert(nip.to_string());
            }
        }
    }
    Ok(out)
}

/// The rules' findings (sorted as `rules::run` sorts them) and the rules
/// that did not run.
pub(crate) struct Findings {
    pub all: polars::prelude::DataFrame,
    pub skipped: Vec<rules::Skipped>,
}

/// The output frames and `run.json` of a run from its matched tables (the
/// caller's "building the reports" stage):
/// `rec` is the invoice table the reports read (a partitioned run's holds
/// only the invoices they read, see [`partition`]), `reconciliation` the
/// reconciliation frame (empty when a partitioned run wrote it to disk).
#[allow(clippy::too_many_arguments)]
pub(crate) fn assemble(
    bundle: &mut ingest::Bundle,
    rec: &matching::Matched,
    findings: Findings,
    reconciliation: polars::prelude::DataFrame,
    counted: Counted,
    started: String,
    config: &Config,
    params: &Params,
) -> Result<RunResult> {
    let as_of = params.as_of;
    let Findings {
        all: findings,
        skipped,
    } = findings;
    let step = progress::Step::start("exceptions and resolutions");
    let exceptions = report::exceptions(&findings)?;
    let (resolutions, refused) = register::resolutions::validate(
        &bundle.table(crate::contract::Source::Resolutions)?,
        &exceptions,
        as_of,
    )?;
    bundle.reject_rows(refused);
    drop(step);
    let step = progress::Step::start("completeness, responsibility and decisions");
    let frames = report::Frames {
        exceptions,
        reconciliation,
        completeness: report::completeness(rec, params).context("completeness report failed")?,
        rejected: report::rejected(&bundle.rejected)?,
        responsibility: report::responsibility(rec, params, &findings)
            .context("responsibility report failed")?,
        decisions: report::decisions::decisions(rec).context("decisions report failed")?,
    };
    drop(step);
    let outputs = frames
        .csv_files()
        .iter()
        .map(|(name, df)| {
            let rows = match *name {
                "reconciliation.csv" => counted.invoices,
                _ => df.height() as u64,
            };
            (name.to_string(), rows)
        })
        .collect();

    let by_code = count_by(&findings, "code")?;
    let by_severity = count_by(&findings, "severity")?;
    let run = RunJson {
        tool: "ksef-recon",
        version: env!("CARGO_PKG_VERSION"),
        as_of: as_of.to_string(),
        run_started_at: started,
        input_fingerprint: run_json::fingerprint(&bundle.files),
        config: config.path.as_ref().map(|p| p.display().to_string()),
        not_provided: bundle.not_provided.clone(),
        checks_skipped: run_json::skipped(&skipped),
        sources: run_json::sources(&bundle.files),
        files: run_json::files(&bundle.files),
        ksef_records_after_as_of: counted.ksef_after_as_of,
        upo_after_as_of: counted.upo_after_as_of,
        rows_after_as_of: counted.rows_after_as_of,
        ksef_extract: counted.ksef_extract,
        ksef_from: run_json::KsefFromJson::of(config),
        invoices: counted.invoices,
        counts_by_status: counted.counts_by_status,
        exceptions: findings.height() as u64,
        counts_by_code: rules::RULES
            .iter()
            .filter(|r| rules::ran(r.code, &skipped))
            .map(|r| {
                (
                    r.code.to_string(),
                    by_code.get(r.code).copied().unwrap_or(0),
                )
            })
            .collect(),
        counts_by_severity: by_severity.clone(),
        outputs,
        register: None,
    };
    let ledger_sellers = counted.ledger_sellers;
    let summary = RunSummary {
        invoices: counted.invoices,
        exceptions: findings.height() as u64,
        rejected: bundle.rejected.len() as u64,
        by_severity: by_severity
            .iter()
            .filter_map(|(k, v)| Severity::parse(k).map(|s| (s, *v)))
            .collect(),
        open_by_severity: BTreeMap::new(),
    };
    Ok(RunResult {
        resolutions,
        frames,
        run,
        summary,
        spill: None,
        digest: None,
        ledger_sellers,
    })
}

/// Runs the whole pipeline on one bundle, updates the exception register
/// and writes every output. The register is verified before anything else
/// and saved only after the outputs are in place; both are written
/// atomically, and re-running the same as-of changes neither, so a crash at
/// any point is repaired by running again.
pub fn run(options: &RunOptions) -> Result<RunSummary> {
    if options.state == RunOptions::default_state(&options.out) {
        register::store::move_shared_default(&options.state)?;
    }
    let mut session = register::Session::open(&options.state, options.as_of)?;
    let configured: std::collections::BTreeSet<String> =
        options.config.sellers.iter().cloned().collect();
    if !configured.is_empty() {
        session.bind(&configured, "configuration")?;
    }
    let mut result = match partition::Plan::for_bundle(&options.input, &options.config)? {
        None => reconcile_bundle(&options.input, options.as_of, &options.config)?,
        Some(plan) => partition::reconcile(&partition::Job::run(options), &plan)?,
    };
    if configured.is_empty() {
        session.bind(&result.ledger_sellers, "ledger")?;
    }
    let updated = update_register(&mut session, &result, options.as_of)?;
    result.frames.exceptions = updated.exceptions;
    result.summary.open_by_severity = register::open_by_severity(&result.frames.exceptions)?;
    let (head, rows) = session.head();
    result.run.register = Some(run_json::RegisterJson {
        status_counts: updated.counts.clone(),
        history_rows: rows as u64,
        history_head: head.to_string(),
    });

    let _stage = progress::Stage::start("writing the outputs");
    let staging = report::atomic::Staging::begin(&options.out)?;
    report::parquet_out::list_outputs(&mut result.run.outputs, &result.frames, options.formats);
    // The tabular files (formatted in parallel pieces) and the workbook
    // (written by one thread) go to the staging folder side by side.
    let (tables, views) = rayon::join(
        || write_tables(&staging, &result, options.formats),
        || write_views(&staging, &result, options.reconciliation_sheet),
    );
    tables?;
    views?;
    let mut json = serde_json::to_vec_pretty(&result.run)?;
    json.push(b'\n');
    staging.write("run.json", &json)?;
    staging.commit()?;
    session.save(&updated.register)?;
    Ok(result.summary)
}

/// Applies the run's findings and resolutions to the register, and gives
/// the session the history rows they make: one per resolution read (its
/// file, line and the file's SHA-256) and one per status change.
fn update_register(
    session: &mut register::Session,
    result: &RunResult,
    as_of: NaiveDate,
) -> Result<register::Updated> {
    let updated = register::update(
        &session.prior,
        &result.frames.exceptions,
        &result.resolutions,
        as_of,
    )?;
    let hashes: std::collections::HashMap<String, String> = result
        .run
        .files
        .iter()
        .map(|f| (f.path.clone(), f.sha256.clone()))
        .collect();
    let codes = register::resolutions::codes_of(&result.resolutions, &result.frames.exceptions)?;
    let rows = register::trail::resolution_rows(
        &as_of.to_string(),
        &result.resolutions,
        &result.frames.rejected,
        &hashes,
        &codes,
    )?;
    session.record(rows, &updated.history);
    Ok(updated)
}

/// The CSV and Parquet outputs, into the staging folder (a partitioned
/// run's reconciliation is moved in from where it was written).
fn write_tables(
    staging: &report::atomic::Staging,
    result: &RunResult,
    formats: report::parquet_out::Formats,
) -> Result<()> {
    let _step = progress::Step::start("CSV and Parquet files");
    let frames = &result.frames;
    let spilled = |name: &str| result.spill.is_some() && name.starts_with("reconciliation.");
    if formats.csv {
        for (name, df) in frames.csv_files() {
            if !spilled(name) {
                staging.write_with(name, |out| {
                    report::csv_out::write(df, &report::NUMERIC, out)
                })?;
            }
        }
    }
    if formats.parquet {
        report::parquet_out::write_all(frames, staging, &spilled)?;
    }
    if let Some(spill) = &result.spill {
        spill.move_into(staging)?;
    }
    Ok(())
}

/// `ageing.xlsx` and `dashboard.html`, into the staging folder; both count
/// open and reopened exceptions only.
fn write_views(
    staging: &report::atomic::Staging,
    result: &RunResult,
    reconciliation_sheet: bool,
) -> Result<()> {
    let _step = progress::Step::start("summary, workbook and dashboard");
    let step = progress::Step::start("summary");
    let open = report::Frames {
        exceptions: register::open_only(&result.frames.exceptions)?,
        ..result.frames.clone()
    };
    let view = match &result.digest {
        Some(digest) => report::summary::Summary::build_from(&open, &result.run, digest)?,
        None => report::summary::Summary::build(&open, &result.run)?,
    };
    drop(step);
    let _workbook = progress::Step::start("workbook");
    report::xlsx::write_file(
        &result.frames,
        &view,
        &staging.path("ageing.xlsx"),
        &report::xlsx::Options {
            reconciliation_max_rows: reconciliation_sheet
                .then_some(report::xlsx::RECONCILIATION_SHEET_MAX_ROWS),
            reconciliation_rows: result.spill.as_ref().map(|s| s.rows as usize),
            ..Default::default()
        },
    )
    .context("cannot write ageing.xlsx")?;
    staging.write("dashboard.html", report::html::render(&view).as_bytes())?;
    Ok(())
}

fn count_by(df: &polars::prelude::DataFrame, column: &str) -> Result<BTreeMap<String, u64>> {
    let mut out = BTreeMap::new();
    for value in df.column(column)?.str()?.iter().flatten() {
        *out.entry(value.to_string()).or_insert(0) += 1;
    }
    Ok(out)
}
