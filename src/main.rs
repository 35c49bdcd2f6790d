//! The `ksef-recon` command line (contract section 1). It only parses
//! arguments, resolves them into the library's options and maps the outcome
//! to the documented exit status: 0 finished, 3 open exceptions at or above
//! `--fail-on`, 2 bad usage or configuration, 1 any other failure.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

use ksef_recon::config::{Config, ConfigError};
use ksef_recon::contract::{Mode, Severity};
use ksef_recon::evidence::{self, EvidenceOptions, Scope};
use ksef_recon::explain::{self, ExplainOptions, Target};
use ksef_recon::generate::{self, GenerateOptions, plan::Rates};
use ksef_recon::lang::Lang;
use ksef_recon::matching::AssumedEnd;
use ksef_recon::pipeline::ReportOptions;
use ksef_recon::report::parquet_out::Formats;
use ksef_recon::{RunOptions, RunSummary, clock, deadline_command, register, tables};

/// polars allocates and frees large column buffers all the time; with the
/// system allocator a 1M-invoice run spent a sixth of its time zeroing
/// fresh pages (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Reconciles invoices issued outside the normal KSeF path (offline24,
/// unavailability, emergency, total failure) with what KSeF received, and
/// lists every invoice that is late, missing or inconsistent.
#[derive(Parser)]
#[command(name = "ksef-recon", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reconcile one input bundle and write exceptions, reconciliation,
    /// completeness, rejected rows and run.json into --out.
    ///
    /// The bundle is a folder with ledger/ (required), offline/log.*,
    /// offline/decisions.*, announcements/ and ksef/metadata/. Outputs
    /// replace --out all at once, only when the whole run succeeded.
    /// Exceptions are findings, not failures: the exit status is 0 unless
    /// --fail-on is given.
    Run(RunArgs),
    /// Print the legal deadline for sending one invoice to KSeF: YYYY-MM-DD,
    /// `none` (no duty to send) or `open` (its period has not ended).
    ///
    /// Counted in Polish business days. For offline and emergency, the period
    /// end is --period-end, else the end of an announced outage of the mode's
    /// category (MAINTENANCE, FAILURE) covering the issue date, else `open`.
    /// FAILURE announcements stretch every deadline they overlap; a
    /// TOTAL_FAILURE inside the window lifts the duty.
    Deadline(DeadlineArgs),
    /// Build the auditor's evidence pack for one decision or one month: the
    /// scope's decisions with their announcements, reconciliation,
    /// exceptions, completeness and ageing workbook, the raw input files that
    /// prove it, and manifest.json with every file's SHA-256.
    ///
    /// The same inputs, scope and --as-of give a byte-identical zip. Check a
    /// pack with `ksef-recon verify-pack PACK.zip`.
    Evidence(EvidenceArgs),
    /// Tell one invoice's whole story, or one decision-level finding's: the
    /// input rows that formed it (each with its file and line), the KSeF
    /// records and UPOs matched, the deadline's derivation, the status, the
    /// findings with their exception ids and, with --state, the register's
    /// history of them.
    ///
    /// An invoice or exception id the run does not know exits 2.
    Explain(ExplainArgs),
    /// Verify an exception register (`--state` folder) on its own: every
    /// link of history.csv's hash chain, the head register.csv records, and
    /// register.csv's statuses against the history. Prints "ok: N entries,
    /// head HASH", or the first break and exits 1.
    VerifyRegister(VerifyRegisterArgs),
    /// Recompute every SHA-256 in an evidence pack's manifest.json: prints
    /// "ok: N files verified", or names each altered, missing or extra file
    /// and exits 1.
    VerifyPack(VerifyPackArgs),
    /// Write a deterministic synthetic input bundle: ledger, offline log,
    /// decisions, announcements, KSeF metadata (CSV and JSON pages), UPO
    /// receipts and optionally the FA(3) archive, with anomalies planted at
    /// the given rates (fractions of all invoices).
    ///
    /// The same --invoices, --seed and rates give byte-identical files.
    /// expected_counts.json holds the as-of date to run with and the
    /// statuses and exception counts `run` must report.
    Generate(GenerateArgs),
    /// Write everything `run` reads, parsed, validated and normalised, as
    /// typed Parquet: one table per source (with `_file` and `_line`),
    /// rejected rows, params, the business-day calendar, each deadline key
    /// with its deadline, and manifest.json.
    ///
    /// For another engine (a Spark cluster) to start from the rows this one
    /// matches. --files exports one batch of the bundle's files; the
    /// batches' tables, unioned, are the whole export's source tables, and
    /// --batches puts the whole export (deadline keys and the rules'
    /// context included) together from them without the files. The folder
    /// replaces --out at once.
    ExportTables(ExportTablesArgs),
    /// Write the outputs `run` writes (the CSV files, ageing.xlsx,
    /// dashboard.html, run.json, the exception register updated) from
    /// another engine's results: a folder with exceptions.parquet,
    /// reconciliation.parquet, completeness.parquet,
    /// responsibility.parquet and jpk_corrections.parquet in the schema
    /// `run --format parquet` writes.
    ///
    /// --tables is the folder `export-tables` wrote for the whole bundle
    /// (its rejected rows, resolutions, rates, decisions view and
    /// run_facts.json). The outputs replace --out all at once.
    Report(ReportArgs),
}

/// The arguments of `ksef-recon report`.
#[derive(clap::Args)]
struct ReportArgs {
    /// The folder `export-tables` wrote (the whole bundle, not --files).
    #[arg(long, value_name = "TABLES")]
    tables: PathBuf,
    /// The engine's results: the tabular outputs as Parquet.
    #[arg(long, value_name = "RESULTS")]
    results: PathBuf,
    /// The output folder (created or replaced as a whole).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The exception register, as for `run`. Default:
    /// .ksef-recon-state/<name of --out> beside --out.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// As for `run`: exit 3 when open exceptions of this severity or
    /// higher exist.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// Print nothing on success but warnings and errors.
    #[arg(long)]
    quiet: bool,
    /// As for `run`: no per-invoice Reconciliation sheet in ageing.xlsx.
    #[arg(long)]
    no_reconciliation_sheet: bool,
    /// As for `run`: `csv`, `parquet` or `csv,parquet`.
    #[arg(
        long,
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "csv"
    )]
    format: Vec<OutputFormat>,
    /// `en` or `pl`; default: the exported configuration's language.
    #[arg(long, value_name = "en|pl", value_parser = parse_lang)]
    lang: Option<Lang>,
}

/// The arguments of `ksef-recon export-tables`.
#[derive(clap::Args)]
struct ExportTablesArgs {
    /// The input bundle folder.
    #[arg(long, value_name = "DIR", required_unless_present = "batches")]
    input: Option<PathBuf>,
    /// The tables' folder (created or replaced as a whole).
    #[arg(long, value_name = "TABLES")]
    out: PathBuf,
    /// The as-of date the parameters and deadlines are for (YYYY-MM-DD).
    /// Default: today in Europe/Warsaw.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Configuration file; default: recon.toml at the bundle's root, if any.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Export only these input files: a text file with one path per line,
    /// relative to --input as run.json names them (`#` starts a comment).
    #[arg(long, value_name = "LIST")]
    files: Option<PathBuf>,
    /// Put the whole export together from the exports of the bundle's
    /// batches (each made with --files) instead of reading --input: their
    /// tables are read, not the files. The batches must not share a file
    /// and must have been exported with one --as-of and one --config,
    /// which this export takes from them.
    ///
    /// With --batches, --files LIST names the whole bundle's files: the
    /// batches must have read every one of them and no other (a batch left
    /// out is refused, not reported as files the bundle lacks).
    #[arg(long, value_name = "TABLES", num_args = 1.., conflicts_with_all = ["input", "config"])]
    batches: Vec<PathBuf>,
    /// Print nothing on success but warnings and errors.
    #[arg(long)]
    quiet: bool,
}

/// The arguments of `ksef-recon run`.
#[derive(clap::Args)]
struct RunArgs {
    /// The input bundle folder.
    #[arg(long, value_name = "DIR")]
    input: PathBuf,
    /// The output folder (created or replaced as a whole).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The date the reconciliation is made as of (YYYY-MM-DD). KSeF
    /// submissions after it are ignored, so a past date reproduces what
    /// was known then. Default: today in Europe/Warsaw.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Configuration file; default: recon.toml at the bundle's root, if any.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Exit with status 3 when open (or reopened) exceptions of this
    /// severity or higher exist (for schedulers and alerting); resolved
    /// and accepted ones do not count.
    #[arg(long, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,
    /// The exception register kept across runs (first seen, cleared,
    /// reopened, resolved), bound to one company and hash-chained.
    /// Default: .ksef-recon-state/<name of --out> beside --out.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// Print nothing on success but warnings and errors.
    #[arg(long)]
    quiet: bool,
    /// Leave the per-invoice Reconciliation sheet out of ageing.xlsx (a
    /// note points to reconciliation.csv). Above 100,000 invoices it lists
    /// only the invoices that need action anyway.
    #[arg(long)]
    no_reconciliation_sheet: bool,
    /// The files of the tabular outputs (exceptions, reconciliation,
    /// completeness, rejected, responsibility): `csv` (the contract's),
    /// `parquet` (instead) or `csv,parquet` (both). The workbook,
    /// dashboard and run.json are always written.
    #[arg(
        long,
        value_name = "FORMATS",
        value_delimiter = ',',
        default_value = "csv"
    )]
    format: Vec<OutputFormat>,
    /// A scenario: compute every deadline as if the period still on under
    /// this announcement (event id or message id) or decision id had ended
    /// at TIMESTAMP (ISO 8601, Warsaw time without an offset). Repeatable.
    /// The outputs say it is a scenario, and the exception register is not
    /// updated.
    #[arg(long, value_name = "ID=TIMESTAMP", value_parser = parse_assume_end)]
    assume_end: Vec<AssumedEnd>,
    /// The language of what people read (the dashboard, the workbook's
    /// sheet names, headers and labels, explain's page, the evidence
    /// pack's README): `en` or `pl`. Overrides `language` in the
    /// configuration; file names, CSV and Parquet columns, codes, statuses
    /// and run.json are the same in every language.
    #[arg(long, value_name = "en|pl", value_parser = parse_lang)]
    lang: Option<Lang>,
}

/// The arguments of `ksef-recon deadline`.
#[derive(clap::Args)]
struct DeadlineArgs {
    /// online, offline24, offline, emergency or total_failure.
    #[arg(long, value_parser = parse_mode)]
    mode: Mode,
    /// The invoice's issue date P_1 (YYYY-MM-DD).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    issue_date: NaiveDate,
    /// The last day of the offline period (offline, emergency).
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    period_end: Option<NaiveDate>,
    /// MF announcements, as a CSV or the status service's JSON.
    #[arg(long, value_name = "FILE")]
    announcements: Option<PathBuf>,
}

/// The arguments of `ksef-recon evidence`.
#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("scope").required(true).args(["decision", "month"]))]
struct EvidenceArgs {
    /// The input bundle folder.
    #[arg(long, value_name = "DIR")]
    input: PathBuf,
    /// The zip file to write (replaced atomically).
    #[arg(long, value_name = "PACK.zip")]
    out: PathBuf,
    /// Invoices issued under this decision_id.
    #[arg(long, value_name = "ID")]
    decision: Option<String>,
    /// Offline invoices, and online ones sent after their issue date,
    /// issued in this month.
    #[arg(long, value_name = "YYYY-MM", value_parser = parse_month)]
    month: Option<String>,
    /// As in `run`. Default: today in Europe/Warsaw.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Configuration file; default: recon.toml at the bundle's root, if any.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The exception register to take the scope's rows from (verified
    /// first); they go into the pack under register/ with the history's
    /// head. Without it, the pack holds no register.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// The language of what people read (the dashboard, the workbook's
    /// sheet names, headers and labels, explain's page, the evidence
    /// pack's README): `en` or `pl`. Overrides `language` in the
    /// configuration; file names, CSV and Parquet columns, codes, statuses
    /// and run.json are the same in every language.
    #[arg(long, value_name = "en|pl", value_parser = parse_lang)]
    lang: Option<Lang>,
}

/// The arguments of `ksef-recon explain`.
#[derive(clap::Args)]
#[command(group = clap::ArgGroup::new("target").required(true).args(["invoice", "exception"]))]
struct ExplainArgs {
    /// The input bundle folder.
    #[arg(long, value_name = "DIR")]
    input: PathBuf,
    /// The invoice, as its seller's NIP and its number.
    #[arg(long, value_name = "SELLER_NIP/NUMBER", value_parser = parse_invoice)]
    invoice: Option<(String, String)>,
    /// A finding's exception_id (exceptions.csv).
    #[arg(long, value_name = "ID")]
    exception: Option<String>,
    /// As in `run`. Default: today in Europe/Warsaw.
    #[arg(long, value_name = "YYYY-MM-DD", value_parser = parse_date)]
    as_of: Option<NaiveDate>,
    /// Configuration file; default: recon.toml at the bundle's root, if any.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// The exception register whose history of the findings to show.
    #[arg(long, value_name = "DIR")]
    state: Option<PathBuf>,
    /// A page of text, or JSON for tools.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Text)]
    format: ExplainFormat,
    /// The language of what people read (the dashboard, the workbook's
    /// sheet names, headers and labels, explain's page, the evidence
    /// pack's README): `en` or `pl`. Overrides `language` in the
    /// configuration; file names, CSV and Parquet columns, codes, statuses
    /// and run.json are the same in every language.
    #[arg(long, value_name = "en|pl", value_parser = parse_lang)]
    lang: Option<Lang>,
}

#[derive(Clone, Copy, ValueEnum)]
enum ExplainFormat {
    Text,
    Json,
}

/// The arguments of `ksef-recon verify-register`.
#[derive(clap::Args)]
struct VerifyRegisterArgs {
    /// The state folder.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
}

/// The arguments of `ksef-recon verify-pack`.
#[derive(clap::Args)]
struct VerifyPackArgs {
    /// The evidence pack.
    #[arg(value_name = "PACK.zip")]
    pack: PathBuf,
}

/// The arguments of `ksef-recon generate`.
#[derive(clap::Args)]
struct GenerateArgs {
    /// How many invoices.
    #[arg(long, value_name = "N")]
    invoices: u64,
    /// The bundle folder to create (must be absent or empty).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[arg(long, value_name = "S", default_value_t = 1)]
    seed: u64,
    #[command(flatten)]
    rates: RateArgs,
    /// Also write every offline invoice's FA(3) file under archive/.
    #[arg(long)]
    archive: bool,
    /// Write the ledger and the KSeF metadata export as typed Parquet
    /// (ledger/ledger.parquet, ksef/metadata/ksef_metadata.parquet)
    /// instead of CSV.
    #[arg(long)]
    parquet: bool,
    /// The last KSeF API page says more follow (hasMore): the extract
    /// proves no absence, so KSEF_EXTRACT_INCOMPLETE and the unsent
    /// invoices `unverified` instead of `overdue`.
    #[arg(long)]
    truncate_extract: bool,
    /// Write the ledger as JPK_V7M(3) returns, one per issue month (some
    /// made early, some replaced by a correction), with planted marker
    /// errors (MARKER_MISMATCH, JPK_CORRECTION_DUE), instead of CSV.
    #[arg(long)]
    jpk: bool,
    /// `full`: every source, anomaly and file kind of the contract. `lean`:
    /// a ledger CSV and a KSeF metadata CSV export only (one seller, no
    /// offline invoices), with a planted share sent late, never sent,
    /// sent online the next business day, of other amounts or not in the
    /// ledger; the rates, --archive, --parquet and --truncate-extract do
    /// not apply to it.
    #[arg(long, value_enum, default_value_t = Shape::Full)]
    shape: Shape,
}

/// What kind of bundle `generate` writes.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Shape {
    Full,
    Lean,
}

/// `generate`'s anomaly rates, as fractions of all invoices.
#[derive(clap::Args)]
struct RateArgs {
    /// Share of invoices issued offline (in the offline log).
    #[arg(long, value_name = "RATE", default_value_t = 0.02)]
    offline_rate: f64,
    /// Sent to KSeF after the deadline (LATE_SUBMISSION).
    #[arg(long, value_name = "RATE", default_value_t = 0.01)]
    late_rate: f64,
    /// Never sent (OVERDUE_SUBMISSION).
    #[arg(long, value_name = "RATE", default_value_t = 0.005)]
    missing_rate: f64,
    /// KSeF amounts differ from the ledger (AMOUNT_MISMATCH).
    #[arg(long, value_name = "RATE", default_value_t = 0.002)]
    amount_mismatch_rate: f64,
    /// Ledger row written twice (DUPLICATE_NUMBER).
    #[arg(long, value_name = "RATE", default_value_t = 0.001)]
    duplicate_rate: f64,
    /// In KSeF, not in the ledger (NOT_IN_LEDGER); online invoices only.
    #[arg(long, value_name = "RATE", default_value_t = 0.001)]
    not_in_ledger_rate: f64,
    /// KSeF holds another hash (HASH_MISMATCH); offline invoices only.
    #[arg(long, value_name = "RATE", default_value_t = 0.0002)]
    hash_mismatch_rate: f64,
    /// KSeF says offline mode on the issue date, the log has no row
    /// (OFFLINE_NOT_IN_LOG); online invoices only.
    #[arg(long, value_name = "RATE", default_value_t = 0.0002)]
    offline_not_in_log_rate: f64,
    /// KSeF record reuses the previous invoice's KSeF number
    /// (DUPLICATE_KSEF_NUMBER, two findings each).
    #[arg(long, value_name = "RATE", default_value_t = 0.0001)]
    duplicate_ksef_number_rate: f64,
    /// Ledger marker BFK on an offline-log invoice (MARKER_MISMATCH and
    /// BFK_IN_KSEF); offline invoices only.
    #[arg(long, value_name = "RATE", default_value_t = 0.0001)]
    bfk_marker_rate: f64,
    /// Ledger marker DI on an invoice sent on time (no finding); online
    /// invoices only.
    #[arg(long, value_name = "RATE", default_value_t = 0.001)]
    di_marker_rate: f64,
    /// Ledger document of type RO, never sent (not_required); online
    /// invoices only.
    #[arg(long, value_name = "RATE", default_value_t = 0.0002)]
    receipt_rate: f64,
    /// With --archive, an FA(3) file of an invoice no source has
    /// (ARCHIVE_ORPHAN).
    #[arg(long, value_name = "RATE", default_value_t = 0.0002)]
    archive_orphan_rate: f64,
    /// With --archive, an FA(3) correction that KSeF numbered before the
    /// offline invoice it corrects (CORRECTION_BEFORE_ORIGINAL); offline
    /// invoices only.
    #[arg(long, value_name = "RATE", default_value_t = 0.0002)]
    correction_before_original_rate: f64,
    /// Share of the UPO files (one per day) from KSeF's test environment
    /// (UPO_NOT_PRODUCTION).
    #[arg(long, value_name = "RATE", default_value_t = 0.02)]
    test_upo_rate: f64,
}

impl RateArgs {
    fn rates(&self) -> Rates {
        Rates {
            offline: self.offline_rate,
            late: self.late_rate,
            missing: self.missing_rate,
            amount_mismatch: self.amount_mismatch_rate,
            duplicate: self.duplicate_rate,
            not_in_ledger: self.not_in_ledger_rate,
            hash_mismatch: self.hash_mismatch_rate,
            offline_not_in_log: self.offline_not_in_log_rate,
            duplicate_ksef_number: self.duplicate_ksef_number_rate,
            bfk_marker: self.bfk_marker_rate,
            di_marker: self.di_marker_rate,
            receipt: self.receipt_rate,
            archive_orphan: self.archive_orphan_rate,
            correction_before_original: self.correction_before_original_rate,
            test_upo: self.test_upo_rate,
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OutputFormat {
    Csv,
    Parquet,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    High,
    Medium,
    Low,
}

impl FailOn {
    fn threshold(self) -> Severity {
        match self {
            FailOn::High => Severity::High,
            FailOn::Medium => Severity::Medium,
            FailOn::Low => Severity::Low,
        }
    }
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date YYYY-MM-DD"))
}

fn parse_lang(s: &str) -> Result<Lang, String> {
    Lang::parse(s).ok_or_else(|| format!("expected one of {}", Lang::NAMES.join(", ")))
}

/// The configuration (`--config`, or the bundle's `recon.toml`), with
/// `--lang` over its `language`.
fn load_config(
    explicit: Option<&Path>,
    input: &Path,
    lang: Option<Lang>,
) -> Result<Config, ConfigError> {
    let mut config = Config::load(explicit, input)?;
    if let Some(lang) = lang {
        config.language = lang;
    }
    Ok(config)
}

fn parse_invoice(s: &str) -> Result<(String, String), String> {
    match s.split_once('/') {
        Some((nip, number)) if !nip.is_empty() && !number.is_empty() => {
            Ok((nip.to_string(), number.to_string()))
        }
        _ => Err(format!("{s:?} is not SELLER_NIP/NUMBER")),
    }
}

fn parse_month(s: &str) -> Result<String, String> {
    let s = s.trim();
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| s.len() == 7)
        .map(|_| s.to_string())
        .ok_or_else(|| format!("'{s}' is not a month YYYY-MM"))
}

fn parse_assume_end(s: &str) -> Result<AssumedEnd, String> {
    let (id, at) = s
        .split_once('=')
        .ok_or_else(|| format!("'{s}' is not ID=TIMESTAMP"))?;
    let at = ksef_recon::contract::parse_timestamp(at.trim(), None)
        .map_err(|e| format!("'{s}': {e}"))?;
    Ok(AssumedEnd {
        id: id.trim().to_string(),
        at,
    })
}

fn parse_mode(s: &str) -> Result<Mode, String> {
    Mode::parse(s).ok_or_else(|| {
        format!(
            "unknown mode '{s}' (expected online, offline24, offline, emergency or total_failure)"
        )
    })
}

/// The exit statuses of contract section 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ExitStatus {
    /// The command finished (findings are not failures).
    Finished = 0,
    /// Anything else went wrong, or a check found a break.
    Failed = 1,
    /// Bad usage or configuration.
    Usage = 2,
    /// Open exceptions at or above `--fail-on`.
    OpenExceptions = 3,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(status as u8)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let outcome = match cli.command {
        Command::Run(args) => run(args),
        Command::Deadline(args) => deadline(args),
        Command::Evidence(args) => evidence(args),
        Command::Explain(args) => explain(args),
        Command::Generate(args) => generate(args),
        Command::VerifyRegister(args) => verify_register(args),
        Command::VerifyPack(args) => verify_pack(args),
        Command::ExportTables(args) => export_tables(args),
        Command::Report(args) => report(args),
    };
    match outcome {
        Ok(status) => status.into(),
        Err(e) => {
            eprintln!("ksef-recon: error: {e:#}");
            if e.downcast_ref::<ConfigError>().is_some()
                || e.downcast_ref::<register::IdentityError>().is_some()
                || e.downcast_ref::<explain::NotFound>().is_some()
            {
                ExitStatus::Usage.into()
            } else {
                ExitStatus::Failed.into()
            }
        }
    }
}

/// Stage timings as `tracing` lines on stderr; `--quiet` keeps warnings
/// only. Spinners appear only on a terminal.
fn init_logging(quiet: bool) {
    use tracing_subscriber::prelude::*;
    let level = if quiet {
        tracing::Level::WARN
    } else if std::env::var("KSEF_RECON_LOG").is_ok_and(|v| v.eq_ignore_ascii_case("debug")) {
        tracing::Level::DEBUG
    } else {
        tracing::Level::INFO
    };
    // Only our own events: polars' SQL parser logs every token at debug.
    let ours = tracing_subscriber::filter::Targets::new()
        .with_target("ksef_recon", level)
        .with_default(tracing::Level::WARN);
    let _ = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_target(false)
                .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
                .without_time(),
        )
        .with(ours)
        .try_init();
    ksef_recon::progress::enable_spinners(quiet);
}

fn run(args: RunArgs) -> Result<ExitStatus> {
    init_logging(args.quiet);
    let config = load_config(args.config.as_deref(), &args.input, args.lang)?;
    let options = RunOptions {
        as_of: args.as_of.unwrap_or_else(clock::today_in_warsaw),
        state: args
            .state
            .unwrap_or_else(|| RunOptions::default_state(&args.out)),
        input: args.input,
        out: args.out,
        config,
        reconciliation_sheet: !args.no_reconciliation_sheet,
        formats: Formats {
            csv: args.format.contains(&OutputFormat::Csv),
            parquet: args.format.contains(&OutputFormat::Parquet),
        },
        assume_end: args.assume_end,
    };
    let summary = ksef_recon::run(&options)?;
    if !args.quiet {
        eprintln!("{}", summary_line(&summary, &options.out));
    }
    Ok(exit_status(&summary, args.fail_on))
}

/// Finished, or open exceptions at or above `--fail-on`.
fn exit_status(summary: &RunSummary, fail_on: Option<FailOn>) -> ExitStatus {
    let failing = fail_on.is_some_and(|f| {
        summary
            .open_by_severity
            .iter()
            .any(|(s, n)| *n > 0 && *s <= f.threshold())
    });
    if failing {
        ExitStatus::OpenExceptions
    } else {
        ExitStatus::Finished
    }
}

fn report(args: ReportArgs) -> Result<ExitStatus> {
    init_logging(args.quiet);
    let options = ReportOptions {
        state: args
            .state
            .unwrap_or_else(|| RunOptions::default_state(&args.out)),
        tables: args.tables,
        results: args.results,
        out: args.out,
        lang: args.lang,
        formats: Formats {
            csv: args.format.contains(&OutputFormat::Csv),
            parquet: args.format.contains(&OutputFormat::Parquet),
        },
        reconciliation_sheet: !args.no_reconciliation_sheet,
    };
    let summary = ksef_recon::pipeline::report(&options)?;
    if !args.quiet {
        eprintln!("{}", summary_line(&summary, &options.out));
    }
    Ok(exit_status(&summary, args.fail_on))
}

/// The line `run` prints when it finished.
fn summary_line(summary: &RunSummary, out: &Path) -> String {
    let severities: Vec<String> = summary
        .by_severity
        .iter()
        .map(|(s, n)| format!("{} {n}", s.as_str()))
        .collect();
    let open: u64 = summary.open_by_severity.values().sum();
    format!(
        "ksef-recon: {} invoices, {} exceptions ({}; {open} open), {} rejected rows; outputs in {}",
        summary.invoices,
        summary.exceptions,
        if severities.is_empty() {
            "none".to_string()
        } else {
            severities.join(", ")
        },
        summary.rejected,
        out.display()
    )
}

fn deadline(args: DeadlineArgs) -> Result<ExitStatus> {
    let outages = match args.announcements {
        Some(path) => deadline_command::read_outages(&path)?,
        None => Vec::new(),
    };
    let deadline =
        deadline_command::deadline_for(args.mode, args.issue_date, args.period_end, &outages);
    println!("{}", deadline.as_output());
    Ok(ExitStatus::Finished)
}

fn evidence(args: EvidenceArgs) -> Result<ExitStatus> {
    let scope = match (args.decision, args.month) {
        (Some(id), _) => Scope::Decision(id),
        (None, Some(m)) => Scope::Month(m),
        (None, None) => unreachable!("clap requires --decision or --month"),
    };
    let config = load_config(args.config.as_deref(), &args.input, args.lang)?;
    let options = EvidenceOptions {
        as_of: args.as_of.unwrap_or_else(clock::today_in_warsaw),
        input: args.input,
        out: args.out,
        config,
        scope,
        state: args.state,
    };
    let packed = evidence::build(&options)?;
    eprintln!(
        "ksef-recon: evidence pack {}: {} files, {} invoices, {} exceptions, {} bytes",
        options.out.display(),
        packed.files,
        packed.invoices,
        packed.exceptions,
        packed.bytes
    );
    Ok(ExitStatus::Finished)
}

fn explain(args: ExplainArgs) -> Result<ExitStatus> {
    let target = match (args.invoice, args.exception) {
        (Some((seller, number)), _) => Target::Invoice { seller, number },
        (None, Some(id)) => Target::Exception(id),
        (None, None) => unreachable!("clap requires --invoice or --exception"),
    };
    let options = ExplainOptions {
        as_of: args.as_of.unwrap_or_else(clock::today_in_warsaw),
        config: load_config(args.config.as_deref(), &args.input, args.lang)?,
        input: args.input,
        target,
        state: args.state,
    };
    let story = explain::explain(&options)?;
    match args.format {
        ExplainFormat::Text => print!("{}", explain::text::page(&story, options.config.language)),
        ExplainFormat::Json => println!("{}", serde_json::to_string_pretty(&story)?),
    }
    Ok(ExitStatus::Finished)
}

fn generate(args: GenerateArgs) -> Result<ExitStatus> {
    if args.shape == Shape::Lean {
        if args.archive || args.parquet || args.truncate_extract {
            anyhow::bail!(
                "--shape lean writes CSV only: --archive, --parquet and --truncate-extract do not apply"
            );
        }
        let expected = generate::lean::generate(args.invoices, &args.out, args.seed)?;
        eprintln!(
            "ksef-recon: {} invoices in {} (run with --as-of {}; expected counts in expected_counts.json)",
            expected.invoices,
            args.out.display(),
            expected.as_of
        );
        return Ok(ExitStatus::Finished);
    }
    let options = GenerateOptions {
        invoices: args.invoices,
        out: args.out,
        seed: args.seed,
        rates: args.rates.rates(),
        archive: args.archive,
        parquet: args.parquet,
        truncate_extract: args.truncate_extract,
        jpk: args.jpk,
    };
    let expected = generate::generate(&options)?;
    eprintln!(
        "ksef-recon: {} invoices in {} (run with --as-of {}; expected counts in expected_counts.json)",
        expected.invoices,
        options.out.display(),
        expected.as_of
    );
    Ok(ExitStatus::Finished)
}

fn verify_register(args: VerifyRegisterArgs) -> Result<ExitStatus> {
    match register::verify(&args.state) {
        Ok(v) => {
            println!("ok: {} entries, head {}", v.entries, v.head);
            if v.uncommitted > 0 {
                eprintln!(
                    "ksef-recon: history.csv has {} more rows, written by a run that stopped before it saved register.csv; the next run takes them back",
                    v.uncommitted
                );
            }
            Ok(ExitStatus::Finished)
        }
        Err(e) => {
            println!("broken: {e:#}");
            Ok(ExitStatus::Failed)
        }
    }
}

fn verify_pack(args: VerifyPackArgs) -> Result<ExitStatus> {
    let result = evidence::verify(&args.pack)?;
    if result.problems.is_empty() {
        println!("ok: {} files verified", result.verified);
        return Ok(ExitStatus::Finished);
    }
    for problem in &result.problems {
        println!("{problem}");
    }
    eprintln!(
        "ksef-recon: {} does not match its manifest ({} problems)",
        args.pack.display(),
        result.problems.len()
    );
    Ok(ExitStatus::Failed)
}

fn export_tables(args: ExportTablesArgs) -> Result<ExitStatus> {
    init_logging(args.quiet);
    let options = match args.input {
        Some(input) => tables::ExportOptions {
            as_of: args.as_of.unwrap_or_else(clock::today_in_warsaw),
            config: load_config(args.config.as_deref(), &input, None)?,
            input,
            out: args.out,
            files: args.files,
            batches: None,
        },
        None => {
            let batches = tables::batches::Batches::read(args.batches)?;
            let settings = batches.settings()?;
            if let Some(as_of) = args.as_of.filter(|d| *d != settings.as_of) {
                anyhow::bail!(
                    "--as-of {as_of}: the batches were exported as of {}",
                    settings.as_of
                );
            }
            tables::ExportOptions {
                as_of: settings.as_of,
                config: settings.config,
                input: batches.first_dir().to_path_buf(),
                out: args.out,
                files: args.files,
                batches: Some(batches),
            }
        }
    };
    let exported = tables::export(&options)?;
    if !args.quiet {
        eprintln!(
            "ksef-recon: {} files, {} rows, {} rejected rows in {} tables; tables in {}",
            exported.files,
            exported.rows,
            exported.rejected,
            exported.tables,
            options.out.display()
        );
    }
    Ok(ExitStatus::Finished)
}
