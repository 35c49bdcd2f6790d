//! The auditor's evidence pack (`ksef-recon evidence`): one decision's or
//! one month's share of a run, with the raw input files that prove it, in a
//! zip whose `manifest.json` holds every file's SHA-256 (`ksef-recon
//! verify-pack` recomputes them). The same inputs and as-of date give a
//! byte-identical pack. What an auditor checks with it: `docs/evidence.md`.

pub mod extract;
pub mod pack;
pub mod register;
pub mod rows;
pub mod scope;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use crate::config::Config;
use crate::report::run_json::RunJson;
use crate::report::{self, csv_out, summary::Summary, xlsx};
pub use pack::{Verification, verify};
pub use scope::{Scope, documents_for_scope};

/// Everything `evidence` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct EvidenceOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
    pub scope: Scope,
    /// The exception register whose rows of the scope go into the pack.
    pub state: Option<PathBuf>,
}

/// What was packed, for the summary line.
#[derive(Debug, Clone)]
pub struct PackSummary {
    pub files: usize,
    pub invoices: usize,
    pub exceptions: usize,
    pub bytes: usize,
}

/// Where the raw input files go inside the pack.
const INPUT_DIR: &str = "input";

/// Where the scope's rows of the tabular sources go (`rows`, `extract`).
const ROWS_DIR: &str = "input/rows";

/// Runs the pipeline in memory and writes the pack for one scope.
pub fn build(options: &EvidenceOptions) -> Result<PackSummary> {
    let register = options.state.as_deref().map(register::load).transpose()?;
    // A bundle too large for one run is matched in parts, holding only the
    // scope's reconciliation rows.
    let outputs = crate::pipeline::outputs(&crate::pipeline::Job {
        pick: Some(scope::rows_of(&options.scope)),
        ..crate::pipeline::Job::in_memory(
            &options.input,
            options.as_of,
            &options.config,
            &options.out,
        )
    })?;
    if let (Some(stored), Some(dir)) = (&register, &options.state) {
        register::check_company(
            stored,
            &options.config.sellers,
            &outputs.ledger_sellers,
            dir,
        )?;
    }
    let scoped = scope::filter(&outputs.frames, &options.scope)?;
    let frames = &scoped.frames;
    let mut entries = reports(frames, &outputs.run)?;
    let documents = documents_for_scope(&options.input, &outputs.run.files, &scoped.documents)?;
    for (path, bytes) in documents {
        entries.insert(format!("{INPUT_DIR}/{path}"), bytes);
    }
    let extracts = rows::extracts(&options.input, &options.config, &outputs.run.files, frames)?;
    entries.extend(extracts);
    let mut readme = readme(options, &outputs.run);
    if let Some(stored) = &register {
        entries.extend(register::entries(stored, frames)?);
        readme.push_str(register::README);
    }
    entries.insert("README.txt".into(), readme.into_bytes());
    let count = entries.len() + 1;
    let manifest = manifest(options, &outputs.run, &entries);
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    entries.insert(pack::MANIFEST.into(), json);
    let bytes = pack::zip_bytes(&entries)?;
    pack::write_atomically(&options.out, &bytes)?;
    Ok(PackSummary {
        files: count,
        invoices: frames.reconciliation.height(),
        exceptions: frames.exceptions.height(),
        bytes: bytes.len(),
    })
}

/// The scope's CSV reports and its ageing workbook, by file name.
fn reports(frames: &report::Frames, run: &RunJson) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (name, df) in [
        ("decisions.csv", &frames.decisions),
        ("reconciliation.csv", &frames.reconciliation),
        ("exceptions.csv", &frames.exceptions),
        ("completeness.csv", &frames.completeness),
        ("responsibility.csv", &frames.responsibility),
    ] {
        let mut bytes = Vec::new();
        csv_out::write(df, &report::NUMERIC, &mut bytes)?;
        entries.insert(name.to_string(), bytes);
    }
    let summary = Summary::build(frames, run)?;
    entries.insert(
        "ageing.xlsx".into(),
        xlsx::to_bytes(frames, &summary, &xlsx::Options::default())
            .context("cannot build the pack's ageing.xlsx")?,
    );
    Ok(entries)
}

/// `manifest.json`: every file of the pack and every input file, with
/// their SHA-256.
fn manifest(
    options: &EvidenceOptions,
    run: &RunJson,
    entries: &BTreeMap<String, Vec<u8>>,
) -> pack::Manifest {
    let files: Vec<pack::FileEntry> = entries
        .iter()
        .map(|(path, bytes)| pack::FileEntry {
            path: path.clone(),
            sha256: pack::sha256_hex(bytes),
            bytes: bytes.len() as u64,
        })
        .collect();
    pack::Manifest {
        tool: run.tool.to_string(),
        version: run.version.to_string(),
        as_of: run.as_of.clone(),
        scope: pack::ScopeJson {
            kind: options.scope.kind().to_string(),
            id: options.scope.id().to_string(),
        },
        input_fingerprint: run.input_fingerprint.clone(),
        input_files: run
            .files
            .iter()
            .map(|f| pack::FileEntry {
                path: f.path.clone(),
                sha256: f.sha256.clone(),
                bytes: f.bytes,
            })
            .collect(),
        files,
    }
}

fn readme(options: &EvidenceOptions, run: &RunJson) -> String {
    let scope = match &options.scope {
        Scope::Decision(id) => format!("decision {id}: the invoices issued under it"),
        Scope::Month(m) => format!(
            "month {m}: offline invoices and online invoices sent after their issue date, issued in {m}"
        ),
    };
    format!(
        "KSeF evidence pack
==================

Scope:   {scope}
As of:   {as_of} (KSeF submissions after this date are not counted)
Tool:    ksef-recon {version}
Inputs:  fingerprint {fp} (SHA-256 over every input file's hash and path)

What each file proves
---------------------
decisions.csv       who declared, approved and closed each offline period in
                    scope, and the MF announcement (event, category, start,
                    end) it links; period_end sets the invoices' deadlines.
reconciliation.csv  every invoice in scope: where it was found (ledger,
                    offline log, KSeF), its KSeF number, submission date,
                    legal deadline and status.
exceptions.csv      every finding on those invoices and decisions, with its
                    severity, owner and business days overdue.
completeness.csv    counts by status and value per currency for the scope,
                    and its completeness percentage.
responsibility.csv  per decision: who declared, approved and closed it, who
                    issued its invoices, approved exceptions or changed
                    master data, the access grants used, and a verdict.
ageing.xlsx         the same, as a workbook (Dashboard, Exceptions, Ageing,
                    Completeness, Decisions, Reconciliation sheets).
input/              the raw input files that prove the scope, byte for byte
                    as found in the bundle: offline/decisions.*, every
                    announcements/ file, and for each invoice in scope its
                    archived FA(3) file (archive/, matched on seller NIP and
                    P_2; its SHA-256 is reconciliation.csv's archive_hash and
                    KSeF's invoiceHash) and the UPO receipt (ksef/upo/) in
                    which KSeF confirmed it.
input/rows/         the scope's rows of every ledger, offline-log, KSeF
                    metadata, activity and grants file, each tagged with
                    its file (_file) and line (_line): CSV records and JSON
                    objects byte for byte, JPK rows as written, workbooks
                    and Parquet as a CSV under their own column names.
manifest.json       the SHA-256 and size of every file above, the tool
                    version, the as-of date, the scope, and every input
                    file's SHA-256 as recorded by the run (input_files).

How to verify
-------------
1. ksef-recon verify-pack PACK.zip
   recomputes every SHA-256 in manifest.json; it names each altered, missing
   or extra file and exits 1, or prints \"ok: N files verified\".
   Without the tool: sha256sum each file and compare with manifest.json.
2. For each file under input/ but input/rows/, its SHA-256 must also equal
   the input_files entry of the same path: the pack holds the very bytes the
   run read. For a row under input/rows/, the file it names has its SHA-256
   in input_files; its line _line is the row.
3. Re-running `ksef-recon evidence` with the same bundle, scope and --as-of
   gives a byte-identical zip.

Text cells starting with =, +, -, @, tab or CR are prefixed with ' so that
no spreadsheet runs them.
",
        as_of = run.as_of,
        version = run.version,
        fp = run.input_fingerprint,
    )
}
