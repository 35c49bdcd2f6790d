//! `export-tables --batches`: the whole export put together from the
//! exports of a bundle's batches (`--files`), reading their tables and not
//! the raw files, so a cluster that parsed the files batch by batch where
//! they lie never copies them to one machine.
//!
//! A batch writes `inputs.json` beside its tables: the files it read as
//! `run.json` records them (hash, size, row counts, a KSeF file's flags and
//! record span, a JPK file's header), the as-of date and the configuration
//! file's text. From the batches' tables and these records this module
//! makes the bundle `ingest::load` makes from the files: each source's rows
//! in the order of its files, the files in the order they are found, the
//! rejected rows, and the sources judged as a whole (announcements replaced
//! by later versions, sources with nothing usable). The export then goes
//! on as for a whole bundle: matching, deadline keys, the rules' context.
//!
//! Batches must agree (one as-of date, one configuration's text, this
//! version of the tool) and must not share a file; a batch that is not one
//! (a whole export) is refused, so no row is counted twice. A batch may
//! come from a worker that holds only some of the bundle's folders (its
//! `--input` without a ledger); the bundle they make together must have
//! one. The export holds the files the batches read, no more: a batch left
//! out is files not provided, which run.json's file list shows.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use polars::prelude::*;
use serde::{Deserialize, Serialize};

use super::typed;
use crate::config::{self, Config};
use crate::contract::Source;
use crate::documents::jpk::JpkHeader;
use crate::ingest::extract::ExtractFile;
use crate::ingest::reader::Counts;
use crate::ingest::{self, Bundle, InputFile, Rejection};
use crate::report::parquet_in;

/// The file a batch export writes beside its tables.
pub const INPUTS: &str = "inputs.json";

/// What a batch records of its inputs for the step that puts the batches
/// together.
#[derive(Serialize, Deserialize, Debug, Clone)]
pub struct Inputs {
    tool: String,
    version: String,
    as_of: NaiveDate,
    /// The configuration file the batch was read with; `None` for the
    /// defaults.
    config: Option<ConfigFile>,
    files: Vec<FileRecord>,
}

#[derive(Serialize, Deserialize, Debug, Clone)]
struct ConfigFile {
    /// As `run.json` names it.
    path: String,
    text: String,
}

/// One input file, as [`InputFile`] holds it.
#[derive(Serialize, Deserialize, Debug, Clone)]
struct FileRecord {
    path: String,
    source: String,
    sha256: String,
    bytes: u64,
    counts: Counts,
    error: Option<String>,
    extract: Option<ExtractFile>,
    jpk: Option<JpkHeader>,
}

impl Inputs {
    /// The record of a batch's `bundle`, read with `config`.
    pub fn of(bundle: &Bundle, as_of: NaiveDate, config: &Config) -> Inputs {
        let config = match (&config.path, &config.text) {
            (Some(path), Some(text)) => Some(ConfigFile {
                path: path.display().to_string(),
                text: text.clone(),
            }),
            _ => None,
        };
        let files = bundle
            .files
            .iter()
            .map(|f| FileRecord {
                path: f.path.clone(),
                source: f.source.to_string(),
                sha256: f.sha256.clone(),
                bytes: f.bytes,
                counts: f.counts,
                error: f.error.clone(),
                extract: f.extract.clone(),
                jpk: f.jpk.clone(),
            })
            .collect();
        Inputs {
            tool: "ksef-recon".to_string(),
            version: env!("CARGO_PKG_VERSION").to_string(),
            as_of,
            config,
            files,
        }
    }

    pub fn json(&self) -> Result<Vec<u8>> {
        let mut json = serde_json::to_vec_pretty(self)?;
        json.push(b'\n');
        Ok(json)
    }
}

/// The batches' agreed settings: the as-of date and the configuration.
pub struct Settings {
    pub as_of: NaiveDate,
    pub config: Config,
}

/// The batches' folders with their records of their inputs, read once and
/// checked to agree (`Batches::read`).
#[derive(Debug, Clone)]
pub struct Batches {
    dirs: Vec<PathBuf>,
    inputs: Vec<Inputs>,
}

impl Batches {
    /// Reads every batch's `inputs.json` and checks that they agree.
    pub fn read(dirs: Vec<PathBuf>) -> Result<Batches> {
        let inputs = read_inputs(&dirs)?;
        Ok(Batches { dirs, inputs })
    }

    /// The first batch's folder, for messages.
    pub fn first_dir(&self) -> &Path {
        &self.dirs[0]
    }

    /// The as-of date and the configuration the batches agree on.
    pub fn settings(&self) -> Result<Settings> {
        settings(self.first_dir(), &self.inputs[0])
    }

    /// The bundle the batches' tables make together, as `ingest::load`
    /// makes it from the files.
    pub fn bundle(&self) -> Result<Bundle> {
        bundle(&self.dirs, &self.inputs)
    }
}

fn settings(first_dir: &Path, first: &Inputs) -> Result<Settings> {
    let config = match &first.config {
        Some(file) => {
            let mut config = config::parse(&file.text)
                .map_err(|e| anyhow::anyhow!("{}: {e}", file.path))
                .with_context(|| format!("the configuration of batch {}", first_dir.display()))?;
            config.path = Some(PathBuf::from(&file.path));
            config.text = Some(file.text.clone());
            config
        }
        None => Config::defaults(),
    };
    Ok(Settings {
        as_of: first.as_of,
        config,
    })
}

fn bundle(batches: &[PathBuf], inputs: &[Inputs]) -> Result<Bundle> {
    let files = files_in_order(batches, inputs)?;
    let mut tables = BTreeMap::new();
    let mut not_provided = Vec::new();
    for source in Source::ALL {
        let mine: Vec<&str> = files
            .iter()
            .filter(|f| f.source == source.name())
            .map(|f| f.path.as_str())
            .collect();
        if mine.is_empty() {
            if source == Source::Ledger {
                bail!("no batch read a ledger file: the sales ledger is required");
            }
            not_provided.push(source.location().to_string());
            continue;
        }
        tables.insert(source, source_table(source, batches, &mine)?);
    }
    let mut rejected = Vec::new();
    for dir in batches {
        rejected.extend(rejected_rows(dir)?);
    }
    ingest::drop_replaced_announcements(&mut tables)?;
    let mut bundle = Bundle {
        tables,
        not_provided,
        files,
        rejected,
        released: Vec::new(),
    };
    ingest::set_aside_unusable("the batches' tables", &Source::ALL, &mut bundle)?;
    Ok(bundle)
}

/// Every batch's `inputs.json`, checked to agree with the first's.
fn read_inputs(batches: &[PathBuf]) -> Result<Vec<Inputs>> {
    if batches.is_empty() {
        bail!("--batches names no folder");
    }
    let mut all: Vec<Inputs> = Vec::with_capacity(batches.len());
    for dir in batches {
        let path = dir.join(INPUTS);
        let text = std::fs::read(&path).with_context(|| {
            format!(
                "cannot read {}: is {} the export of a batch (export-tables --files)?",
                path.display(),
                dir.display()
            )
        })?;
        let inputs: Inputs = serde_json::from_slice(&text)
            .with_context(|| format!("{} is not a batch's record of its inputs", path.display()))?;
        if inputs.tool != "ksef-recon" || inputs.version != env!("CARGO_PKG_VERSION") {
            bail!(
                "{} was written by {} {}; this is ksef-recon {}: export the batches again with it",
                path.display(),
                inputs.tool,
                inputs.version,
                env!("CARGO_PKG_VERSION")
            );
        }
        if let Some(first) = all.first() {
            let first_dir = batches[0].display();
            if inputs.as_of != first.as_of {
                bail!(
                    "batch {} was exported as of {}, batch {} as of {}: every batch needs the same --as-of",
                    dir.display(),
                    inputs.as_of,
                    first_dir,
                    first.as_of
                );
            }
            // The text decides; where each worker found the file may differ
            // (run.json names the first batch's).
            let text = |i: &Inputs| i.config.as_ref().map(|c| c.text.clone());
            if text(&inputs) != text(first) {
                bail!(
                    "batch {} was exported with another configuration than batch {}: every batch needs the same --config",
                    dir.display(),
                    first_dir
                );
            }
        }
        all.push(inputs);
    }
    Ok(all)
}

/// The batches' files in the order a load of the whole bundle finds them
/// (by source, then by path), each in one batch only.
fn files_in_order(batches: &[PathBuf], inputs: &[Inputs]) -> Result<Vec<InputFile>> {
    let mut seen: BTreeMap<(&str, &str), &Path> = BTreeMap::new();
    let mut files = Vec::new();
    for (dir, batch) in batches.iter().zip(inputs) {
        for record in &batch.files {
            if let Some(other) = seen.insert((&record.source, &record.path), dir) {
                bail!(
                    "{} is in batch {} and in batch {}: each file belongs to one batch",
                    record.path,
                    other.display(),
                    dir.display()
                );
            }
            let source = Source::ALL
                .into_iter()
                .find(|s| s.name() == record.source)
                .with_context(|| {
                    format!(
                        "{}: {} names the unknown source {}",
                        dir.join(INPUTS).display(),
                        record.path,
                        record.source
                    )
                })?;
            files.push((source, record));
        }
    }
    files.sort_by(|(a, x), (b, y)| {
        a.cmp(b)
            .then_with(|| Path::new(&x.path).cmp(Path::new(&y.path)))
    });
    Ok(files
        .into_iter()
        .map(|(source, r)| InputFile {
            path: r.path.clone(),
            source: source.name(),
            sha256: r.sha256.clone(),
            bytes: r.bytes,
            counts: r.counts,
            error: r.error.clone(),
            extract: r.extract.clone(),
            jpk: r.jpk.clone(),
        })
        .collect())
}

/// A source's rows from every batch, in the types `ingest` gives them and
/// in the order of their files (`files`, as found), each file's rows in the
/// order its batch kept them.
fn source_table(source: Source, batches: &[PathBuf], files: &[&str]) -> Result<DataFrame> {
    let mut parts = Vec::new();
    for dir in batches {
        let path = dir.join(format!("{}.parquet", source.name()));
        let typed_rows = parquet_in::read_parts(&path)?;
        if typed_rows.height() > 0 {
            let loaded = typed::loaded_table(source, &typed_rows)
                .with_context(|| format!("{} is not a batch's table", path.display()))?;
            parts.push(loaded.lazy());
        }
    }
    let Some(first) = parts.first() else {
        return Ok(crate::ingest::table::TableBuilder::new(source.fields()).finish()?);
    };
    let names: Vec<PlSmallStr> = first
        .clone()
        .collect_schema()?
        .iter_names()
        .cloned()
        .collect();
    let order = DataFrame::new(
        files.len(),
        vec![
            Column::new("_file".into(), files),
            Column::new(
                "__file_place".into(),
                (0..files.len() as u32).collect::<Vec<_>>(),
            ),
        ],
    )?;
    let rows = concat(parts, UnionArgs::default())?
        .with_row_index("__row", None)
        .join(
            order.lazy(),
            [col("_file").cast(DataType::String)],
            [col("_file")],
            JoinArgs::new(JoinType::Left),
        )
        .sort(["__file_place", "__row"], SortMultipleOptions::default())
        .select(names.into_iter().map(col).collect::<Vec<_>>())
        .collect()?;
    Ok(rows)
}

/// A batch's rejected rows.
fn rejected_rows(dir: &Path) -> Result<Vec<Rejection>> {
    let path = dir.join("rejected.parquet");
    let table = parquet_in::text(&parquet_in::read_parts(&path)?)
        .with_context(|| format!("{} is not a batch's rejected rows", path.display()))?;
    let text = |name: &str| -> Result<Vec<Option<String>>> {
        let column = Context::with_context(table.column(name), || {
            format!("{} has no column {name}", path.display())
        })?;
        Ok(column
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect())
    };
    let (sources, files, lines, reasons) = (
        text("source")?,
        text("file")?,
        text("line")?,
        text("reason")?,
    );
    let mut rows = Vec::with_capacity(table.height());
    for (((source, file), line), reason) in sources.into_iter().zip(files).zip(lines).zip(reasons) {
        let source = source.unwrap_or_default();
        let source = Source::ALL
            .into_iter()
            .map(Source::name)
            .find(|s| *s == source)
            .with_context(|| format!("{}: unknown source {source}", path.display()))?;
        let line = match line {
            Some(l) => Some(
                l.parse::<u64>()
                    .with_context(|| format!("{}: line {l} is not a number", path.display()))?,
            ),
            None => None,
        };
        rows.push(Rejection {
            source,
            file: file.unwrap_or_default(),
            line,
            reason: reason.unwrap_or_default(),
        });
    }
    Ok(rows)
}
