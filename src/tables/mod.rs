//! `ksef-recon export-tables`: everything `run` reads, parsed, validated
//! and normalised as `ingest` hands it to matching, written as typed
//! Parquet (contract section 6), with the parameters, the business-day
//! calendar and the deadlines the rules need. It lets an engine other than
//! this one (a Spark cluster) start from the same rows this engine matches,
//! while parsing (FA(3), UPO, JPK, the ERP dialects) stays here.
//!
//! The folder holds one table per source (`ledger.parquet`, ...; every
//! source, empty where the bundle has none), `rejected.parquet`,
//! `params.parquet`, `calendar.parquet`, `deadline_keys.parquet` and
//! `manifest.json`; it replaces `--out` at once, as `run`'s outputs do.
//!
//! `--files` exports one batch of the bundle's files ([`listed`]): the
//! source tables and `rejected` of the batches, unioned, are the whole
//! export's rows. `deadline_keys` is then left out: a key comes from
//! matching every source of an invoice together (its ledger row, offline
//! log row and KSeF record may sit in different batches), which is the
//! job of whatever reads the tables; the calendar lets it find deadlines.

mod days;
mod deadline_keys;
mod listed;
mod manifest;
mod params;
mod typed;

use std::collections::BTreeMap;
use std::path::PathBuf;

use anyhow::{Context, Result};
use chrono::NaiveDate;
use polars::prelude::DataFrame;

use crate::config::Config;
use crate::contract::Source;
use crate::ingest::{self, Bundle};
use crate::pipeline::Job;
use crate::progress::Stage;
use crate::report::atomic::Staging;
use crate::report::parquet_out;
pub use listed::Listed;
use manifest::{Manifest, TableJson};

/// What `export-tables` is asked for.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
    /// `--files`: the one batch to export; `None` for the whole bundle.
    pub files: Option<PathBuf>,
}

/// What an export wrote, for the summary line.
#[derive(Debug, Clone)]
pub struct Exported {
    pub tables: usize,
    /// Rows of the source tables.
    pub rows: u64,
    pub rejected: u64,
    pub files: usize,
}

/// Why `deadline_keys` is not in a batch's folder.
const NO_KEYS_IN_A_BATCH: &str = "a batch (--files) holds only some sources of an invoice; \
     its deadline key comes from matching them all together";

/// Exports the bundle (or the batch `--files` names) into `--out`.
pub fn export(options: &ExportOptions) -> Result<Exported> {
    let listed = options.files.as_deref().map(Listed::read).transpose()?;
    let mut bundle = load(options, listed.as_ref())?;
    let staging = Staging::begin_marked(&options.out, manifest::NAME)?;
    let stage = Stage::start("writing the tables");
    let mut tables = Vec::new();
    let mut span = days::Span::default();
    span.cover_date(options.as_of);
    let mut rows = 0;
    for source in Source::ALL {
        let df = typed::source_table(source, &bundle.table(source)?)?;
        span.cover(&df)?;
        rows += df.height() as u64;
        tables.push(write(&staging, source.name(), &df)?);
    }
    let rejected = parquet_out::typed(&crate::report::rejected(&bundle.rejected)?)?;
    tables.push(write(&staging, "rejected", &rejected)?);
    let job = Job::in_memory(&options.input, options.as_of, &options.config, &options.out);
    let params = job.params();
    tables.push(write(&staging, "params", &params::table(&params)?)?);
    tables.push(write(&staging, "calendar", &span.table()?)?);
    drop(stage);
    let mut not_written = BTreeMap::new();
    if listed.is_none() {
        let _stage = Stage::start("matching the invoices for their deadline keys");
        let matched = crate::matching::match_invoices(&mut bundle, &params)
            .context("matching the invoices for their deadline keys failed")?;
        tables.push(write(
            &staging,
            "deadline_keys",
            &deadline_keys::table(&matched)?,
        )?);
    } else {
        not_written.insert("deadline_keys", NO_KEYS_IN_A_BATCH);
    }
    let exported = Exported {
        tables: tables.len(),
        rows,
        rejected: rejected.height() as u64,
        files: bundle.files.len(),
    };
    let manifest = Manifest {
        tool: "ksef-recon",
        version: env!("CARGO_PKG_VERSION"),
        as_of: options.as_of.to_string(),
        batch: listed.map(|l| l.paths.into_iter().collect()),
        tables,
        not_written,
        files: manifest::files(&bundle.files),
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    staging.write(manifest::NAME, &json)?;
    staging.commit()?;
    Ok(exported)
}

/// The bundle, or the batch's files of it (every listed path must be one).
fn load(options: &ExportOptions, listed: Option<&Listed>) -> Result<Bundle> {
    let _stage = Stage::start("loading the bundle");
    crate::memory::fit_pages_to(&options.input);
    let Some(listed) = listed else {
        return ingest::load(&options.input, &options.config);
    };
    let bundle = ingest::load_chosen(
        &options.input,
        &options.config,
        &Source::ALL,
        None,
        &|path| listed.contains(path),
    )?;
    listed.all_found(&bundle.files)?;
    Ok(bundle)
}

/// Writes `<name>.parquet` and gives its manifest entry.
fn write(staging: &Staging, name: &str, df: &DataFrame) -> Result<TableJson> {
    staging.write_with(&format!("{name}.parquet"), |out| {
        Ok(parquet_out::write_typed(df, out)?)
    })?;
    Ok(TableJson::of(name, df))
}
