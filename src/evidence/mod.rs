//! The auditor's evidence pack (`ksef-recon evidence`): one decision's or
//! one month's share of a run, with the raw input files that prove it, in a
//! zip whose `manifest.json` holds every file's SHA-256 (`ksef-recon
//! verify-pack` recomputes them). The same inputs and as-of date give a
//! byte-identical pack. What an auditor checks with it: `docs/evidence.md`.

pub mod extract;
mod options;
pub mod pack;
mod readme;
pub mod register;
pub mod rows;
pub mod scope;

use std::collections::BTreeMap;

use anyhow::{Context, Result};

use crate::documents::hash::sha256_hex;
use crate::lang::Lang;
use crate::report::run_json::RunJson;
use crate::report::{self, csv_out, summary::Summary, xlsx};
pub use options::{EvidenceOptions, PackSummary};
use pack::INPUT_DIR;
pub use pack::{Verification, verify};
use readme::readme;
pub use scope::{Scope, documents_for_scope};

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
    register::check_company(
        register.as_ref(),
        options.state.as_deref(),
        &options.config.sellers,
        &outputs.ledger_sellers,
    )?;
    let scoped = scope::filter(&outputs.frames, &options.scope)?;
    let frames = &scoped.frames;
    let mut entries = reports(frames, &outputs.run, options.config.language)?;
    let documents = documents_for_scope(&options.input, &outputs.run.files, &scoped.documents)?;
    for (path, bytes) in documents {
        entries.insert(format!("{INPUT_DIR}/{path}"), bytes);
    }
    let extracts = rows::extracts(&options.input, &options.config, &outputs.run.files, frames)?;
    entries.extend(extracts);
    let mut readme = readme(options, &outputs.run);
    if let Some(stored) = &register {
        entries.extend(register::entries(stored, frames)?);
        readme.push_str(options.config.language.texts().r_register);
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
fn reports(
    frames: &report::Frames,
    run: &RunJson,
    lang: Lang,
) -> Result<BTreeMap<String, Vec<u8>>> {
    let mut entries: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (name, df) in [
        ("decisions.csv", &frames.decisions),
        ("reconciliation.csv", &frames.reconciliation),
        ("exceptions.csv", &frames.exceptions),
        ("completeness.csv", &frames.completeness),
        ("responsibility.csv", &frames.responsibility),
        ("jpk_corrections.csv", &frames.jpk_corrections),
    ] {
        let mut bytes = Vec::new();
        csv_out::write(df, &report::NUMERIC, &mut bytes)?;
        entries.insert(name.to_string(), bytes);
    }
    let summary = Summary::build(frames, run, lang)?;
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
            sha256: sha256_hex(bytes),
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
