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
//! The resolutions `run` refuses against its findings are refused here too
//! (`resolutions.rs`), so the tables hold the rows `run.json` counts used.
//!
//! `--files` exports one batch of the bundle's files (`listed.rs`): the
//! source tables and `rejected` of the batches, unioned, are the whole
//! export's rows. `deadline_keys` and the other tables of the matching are
//! then left out: a key comes from matching every source of an invoice
//! together (its ledger row, offline log row and KSeF record may sit in
//! different batches). A batch writes `inputs.json` instead, and
//! `--batches` (`batches.rs`) puts the batches' tables together into the
//! whole export without the files.

pub mod batches;
mod context;
mod days;
mod deadline_keys;
mod driven;
pub mod exceptions;
mod listed;
mod manifest;
pub mod matching;
mod params;
mod resolutions;
mod run_facts;
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
use crate::report::run_facts::{DECISIONS_VIEW, RUN_FACTS};
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
    /// With `batches`, the whole bundle's files, which they must have read.
    pub files: Option<PathBuf>,
    /// `--batches`: the whole bundle put together from these batches'
    /// exports instead of read from `input` (`batches.rs`).
    pub batches: Option<batches::Batches>,
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

/// The tables that come from matching the whole bundle: left out of a
/// batch, as `deadline_keys` is.
const DRIVEN_BY_MATCHING: [&str; 5] = [
    "deadline_keys",
    "offline_periods",
    "jpk_returns",
    "ksef_extract",
    DECISIONS_VIEW,
];

/// Exports the bundle (or the batch `--files` names) into `--out`.
pub fn export(options: &ExportOptions) -> Result<Exported> {
    let listed = options.files.as_deref().map(Listed::read).transpose()?;
    // A batch's list, or with --batches the whole bundle's (checked here).
    let (mut bundle, listed) = if let Some(batches) = &options.batches {
        let _stage = Stage::start("reading the batches' tables");
        let bundle = batches.bundle()?;
        if let Some(expected) = &listed {
            expected.exactly(&bundle.files)?;
        }
        (bundle, None)
    } else {
        (load(options, listed.as_ref())?, listed)
    };
    let staging = Staging::begin_marked(&options.out, manifest::NAME)?;
    let job = Job::in_memory(&options.input, options.as_of, &options.config, &options.out);
    let params = job.params();
    let mut written = Written::new(&staging, options.as_of);
    let stage = Stage::start("writing the tables");
    // Every source but the resolutions, which a whole export judges
    // against the findings first; written before matching releases them.
    for source in Source::ALL {
        if source != Source::Resolutions {
            written.source(source, &bundle.table(source)?)?;
        }
    }
    written.table("params", &params::table(&params)?)?;
    written.table("sellers", &driven::sellers(&params)?)?;
    drop(stage);
    let mut not_written = BTreeMap::new();
    if listed.is_none() {
        let _stage = Stage::start("matching the invoices for their deadline keys");
        let matched = crate::matching::match_invoices(&mut bundle, &params)
            .context("matching the invoices for their deadline keys failed")?;
        written.table("deadline_keys", &deadline_keys::table(&matched)?)?;
        written.table("offline_periods", &driven::offline_periods(&matched)?)?;
        written.table("jpk_returns", &driven::jpk_returns(&matched)?)?;
        written.table("ksef_extract", &driven::ksef_extract(&matched)?)?;
        for (name, table) in context::tables(&matched, &params, |s| bundle.has(s))? {
            written.table(&name, &table)?;
        }
        let kept = run_facts::Kept::of(&matched)?;
        written.table(DECISIONS_VIEW, &kept.decisions)?;
        resolutions::judge(&mut bundle, matched, &params, options.as_of)?;
        staging.write(
            RUN_FACTS,
            &kept.json(&bundle, options.as_of, &options.config)?,
        )?;
    } else {
        let inputs = batches::Inputs::of(&bundle, options.as_of, &options.config);
        staging.write(batches::INPUTS, &inputs.json()?)?;
        for name in DRIVEN_BY_MATCHING.iter().chain(&["context_*", "rules"]) {
            not_written.insert(*name, NO_KEYS_IN_A_BATCH);
        }
    }
    written.source(Source::Resolutions, &resolutions::kept(&bundle)?)?;
    let rejected = parquet_out::typed(&crate::report::rejected(&bundle.rejected)?)?;
    written.table("rejected", &rejected)?;
    written.table("calendar", &written.span.table()?)?;
    let exported = Exported {
        tables: written.tables.len(),
        rows: written.rows,
        rejected: rejected.height() as u64,
        files: bundle.files.len(),
    };
    let manifest = Manifest {
        tool: "ksef-recon",
        version: env!("CARGO_PKG_VERSION"),
        as_of: options.as_of.to_string(),
        batch: listed.map(|l| l.paths.into_iter().collect()),
        tables: written.tables,
        not_written,
        files: manifest::files(&bundle.files),
    };
    let mut json = serde_json::to_vec_pretty(&manifest)?;
    json.push(b'\n');
    staging.write(manifest::NAME, &json)?;
    staging.commit()?;
    Ok(exported)
}

/// The tables written so far: their manifest entries, the source tables'
/// rows, and the dates they hold (the calendar's span).
struct Written<'a> {
    staging: &'a Staging,
    tables: Vec<TableJson>,
    rows: u64,
    span: days::Span,
}

impl<'a> Written<'a> {
    fn new(staging: &'a Staging, as_of: NaiveDate) -> Written<'a> {
        let mut span = days::Span::default();
        span.cover_date(as_of);
        Written {
            staging,
            tables: Vec::new(),
            rows: 0,
            span,
        }
    }

    /// A source's table as loaded, typed for the warehouse.
    fn source(&mut self, source: Source, loaded: &DataFrame) -> Result<()> {
        let df = typed::source_table(source, loaded)?;
        self.span.cover(&df)?;
        self.rows += df.height() as u64;
        self.table(source.name(), &df)
    }

    /// Writes `<name>.parquet` and lists it in the manifest.
    fn table(&mut self, name: &str, df: &DataFrame) -> Result<()> {
        self.staging.write_with(&format!("{name}.parquet"), |out| {
            Ok(parquet_out::write_typed(df, out)?)
        })?;
        self.tables.push(TableJson::of(name, df));
        Ok(())
    }
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
