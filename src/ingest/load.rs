//! Loading the bundle: find each source's files, hash them, read them in
//! parallel (each by its format, `read.rs`), and make one typed table per
//! source; then judge what was read as a whole (announcements replaced by
//! later versions, sources with nothing usable).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Result, bail};
use polars::prelude::*;
use rayon::prelude::*;

use super::bundle::{Bundle, InputFile};
use super::input::{Rejection, SourceInput};
use super::reader::Counts;
use super::table::TableBuilder;
use super::{extract, files, read};
use crate::config::{Config, SourceConfig};
use crate::contract::Source;
use crate::documents::hash::sha256_hex;

/// Loads every source of the bundle at `dir`.
pub fn load(dir: &Path, config: &Config) -> Result<Bundle> {
    load_with(dir, config, &Source::ALL, None)
}

/// What a partitioned run keeps of one file's table (see
/// `crate::partition`), called with the file's place in the bundle's
/// `files` as soon as the table is made.
pub type Keep<'a> = dyn Fn(Source, usize, DataFrame) -> PolarsResult<DataFrame> + Sync + 'a;

/// Loads `sources` of the bundle at `dir`. Without `keep` every file of
/// every source is read side by side. With it, the sources are read one
/// after another and each file's table is cut down by `keep` as soon as
/// it is made, so a partitioned run holds whole only the files being read
/// (a 1 GB export is some 1.5 GB as a table) beside the parts it keeps.
pub fn load_with(
    dir: &Path,
    config: &Config,
    sources: &[Source],
    keep: Option<&Keep<'_>>,
) -> Result<Bundle> {
    let mut bundle = load_files(dir, config, sources, keep, &|_| true, Ledger::Required)?;
    let place = dir.display().to_string();
    set_aside_unusable(&place, sources, &mut bundle)?;
    Ok(bundle)
}

/// [`load_with`], reading only the files `chosen` accepts by their path as
/// `run.json` names them (`export-tables --files`: one batch of a bundle
/// exported on its own). What can only be judged of the whole bundle is
/// not: the ledger must be in the bundle, but not in every batch nor under
/// every batch's `dir` (a worker may hold only some of the bundle's
/// folders), and a batch whose ledger files were all refused is still a
/// batch of a bundle that may have good ones (see [`set_aside_unusable`]);
/// `tables::batches` judges both once the batches are put together.
pub fn load_chosen(
    dir: &Path,
    config: &Config,
    sources: &[Source],
    keep: Option<&Keep<'_>>,
    chosen: &dyn Fn(&str) -> bool,
) -> Result<Bundle> {
    load_files(dir, config, sources, keep, chosen, Ledger::InSomeBatch)
}

/// Whether a load stops where `dir` has no ledger files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ledger {
    Required,
    InSomeBatch,
}

fn load_files(
    dir: &Path,
    config: &Config,
    sources: &[Source],
    keep: Option<&Keep<'_>>,
    chosen: &dyn Fn(&str) -> bool,
    ledger: Ledger,
) -> Result<Bundle> {
    if !dir.is_dir() {
        bail!(
            "input folder {} does not exist or is not a folder",
            dir.display()
        );
    }
    let (mut found, not_provided) = discover(dir, sources, ledger)?;
    found.retain(|(_, path)| chosen(&files::relative(dir, path)));
    let configs: BTreeMap<Source, SourceConfig> =
        Source::ALL.iter().map(|&s| (s, config.source(s))).collect();
    let Loaded {
        mut tables,
        files,
        rejected,
    } = match keep {
        None => load_side_by_side(dir, &found, &configs)?,
        Some(keep) => load_kept(dir, sources, &found, &configs, keep)?,
    };
    give_back_memory(&tables);
    drop_replaced_announcements(&mut tables)?;
    Ok(Bundle {
        tables,
        not_provided,
        files,
        rejected,
        released: Vec::new(),
    })
}

/// The announcements without the versions later ones replace (see
/// [`latest_versions`]); as true of a batch's files as of the whole
/// bundle's, so the batches' tables union to the whole one's.
pub fn drop_replaced_announcements(tables: &mut BTreeMap<Source, DataFrame>) -> Result<()> {
    if let Some(df) = tables.remove(&Source::Announcements) {
        let latest = latest_versions(df.lazy())?.collect()?;
        tables.insert(Source::Announcements, latest);
    }
    Ok(())
}

/// Sets aside as not provided, with why, each of `sources` whose every
/// file was refused; the ledger and the KSeF metadata cannot be, so the
/// load stops. Judged of the whole bundle, whether read from its files or
/// put together from its batches' tables (`tables::batches`). `place`
/// names what was read, for the message.
pub fn set_aside_unusable(place: &str, sources: &[Source], bundle: &mut Bundle) -> Result<()> {
    for (source, why) in unusable(sources, &bundle.files, &bundle.rejected) {
        // Without the ledger every KSeF record would look unbooked, and
        // without KSeF every invoice unsent: stop rather than report
        // thousands of false findings.
        if matches!(source, Source::Ledger | Source::KsefMetadata) {
            bail!(
                "no usable {} rows in {} ({}): {}",
                source.name(),
                place,
                source.location(),
                why.join("; ")
            );
        }
        bundle.tables.remove(&source);
        bundle.not_provided.push(format!(
            "{} (nothing usable: {})",
            source.location(),
            why.join("; ")
        ));
    }
    Ok(())
}

/// The bundle's files, each with its source, in the order found: a file's
/// place here is its place in the bundle's `files`.
type Found = Vec<(Source, PathBuf)>;

/// The files of `sources` in the bundle at `dir`, and the locations of the
/// sources that have none. Where the ledger is required, a bundle without
/// one is refused here.
fn discover(dir: &Path, sources: &[Source], ledger: Ledger) -> Result<(Found, Vec<String>)> {
    let mut found: Found = Vec::new();
    let mut not_provided = Vec::new();
    for &source in sources {
        let files = files::discover(dir, source)?;
        if files.is_empty() {
            if source == Source::Ledger && ledger == Ledger::Required {
                bail!(
                    "input folder {} has no ledger files (ledger/*.csv, *.xlsx, *.xml or *.parquet): the sales ledger is required",
                    dir.display()
                );
            }
            not_provided.push(source.location().to_string());
        }
        found.extend(files.into_iter().map(|p| (source, p)));
    }
    Ok((found, not_provided))
}

/// What reading a bundle's files gave: a table per source that has rows,
/// each file's `run.json` record (in the order found) and the rejected rows.
#[derive(Default)]
struct Loaded {
    tables: BTreeMap<Source, DataFrame>,
    files: Vec<InputFile>,
    rejected: Vec<Rejection>,
}

/// Reads every file `found` side by side, then makes each source's table
/// from its files in order, the tables side by side too.
fn load_side_by_side(
    dir: &Path,
    found: &[(Source, PathBuf)],
    configs: &BTreeMap<Source, SourceConfig>,
) -> Result<Loaded> {
    let mut loaded = Loaded::default();
    let mut by_source: BTreeMap<Source, Vec<TableBuilder>> = BTreeMap::new();
    let results: Vec<Result<LoadedFile>> = found
        .par_iter()
        .map(|(source, path)| load_file(dir, *source, path, &configs[source]))
        .collect();
    for result in results {
        let (source, rows, file, rejections) = result?;
        by_source.entry(source).or_default().push(rows);
        loaded.files.push(file);
        loaded.rejected.extend(rejections);
    }
    // The tables are made side by side, each from its files in order.
    loaded.tables = by_source
        .into_par_iter()
        .map(|(source, files)| Ok((source, table(source, files)?)))
        .collect::<PolarsResult<_>>()?;
    if let Some(ksef) = loaded.tables.get(&Source::KsefMetadata) {
        extract_spans(&mut loaded.files, ksef)?;
    }
    Ok(loaded)
}

/// Reads `sources` one after another, the files of each side by side, and
/// cuts each file's table down by `keep` as soon as it is made, so only
/// the files being read are held whole.
fn load_kept(
    dir: &Path,
    sources: &[Source],
    found: &[(Source, PathBuf)],
    configs: &BTreeMap<Source, SourceConfig>,
    keep: &Keep<'_>,
) -> Result<Loaded> {
    let mut loaded = Loaded::default();
    for &source in sources {
        // Each file with its place in `found`, which is its place
        // in `files` (every file found gives one record, in order).
        let mine: Vec<(usize, &PathBuf)> = found
            .iter()
            .enumerate()
            .filter(|(_, (s, _))| *s == source)
            .map(|(i, (_, p))| (i, p))
            .collect();
        if mine.is_empty() {
            continue;
        }
        let kept: Vec<Result<KeptFile>> = mine
            .par_iter()
            .map(|&(place, path)| {
                let (_, rows, mut file, rejections) =
                    load_file(dir, source, path, &configs[&source])?;
                let whole = table(source, vec![rows])?;
                extract_spans(std::slice::from_mut(&mut file), &whole)?;
                Ok((keep(source, place, whole)?, file, rejections))
            })
            .collect();
        let mut joined: Option<DataFrame> = None;
        for result in kept {
            let (df, file, rejections) = result?;
            loaded.files.push(file);
            loaded.rejected.extend(rejections);
            match &mut joined {
                None => joined = Some(df),
                Some(all) => {
                    all.vstack_mut_owned(df)?;
                }
            }
        }
        if let Some(df) = joined {
            loaded.tables.insert(source, df);
        }
        crate::memory::give_back_freed();
    }
    Ok(loaded)
}

/// Returns the memory freed while reading to the system (the files' bytes
/// and builders are gone; the tables stay), and logs what each table holds.
fn give_back_memory(tables: &BTreeMap<Source, DataFrame>) {
    let before = crate::progress::resident_mib();
    crate::memory::give_back_freed();
    tracing::debug!(
        before_mib = before,
        after_mib = crate::progress::resident_mib(),
        "freed memory returned after loading"
    );
    for (source, df) in tables.iter() {
        tracing::debug!(
            source = source.name(),
            rows = df.height(),
            mib = crate::frame::frame_bytes(df) >> 20,
            "loaded"
        );
    }
}

/// Sets the record span of the KSeF metadata files among `files` from
/// `table`, the KSeF metadata rows of those files (all of them, before a
/// part of a partitioned run is cut out): per file, its earliest and
/// latest record by `permanentStorageDate`, else `invoicingDate`, and its
/// earliest and latest `invoicingDate`.
fn extract_spans(files: &mut [InputFile], table: &DataFrame) -> PolarsResult<()> {
    if table.height() == 0 || files.iter().all(|f| f.extract.is_none()) {
        return Ok(());
    }
    let stored = coalesce(&[col("permanent_storage_date"), col("invoicing_date")]);
    let spans = table
        .clone()
        .lazy()
        .group_by([col("_file").cast(DataType::String)])
        .agg([
            stored.clone().min().alias("first_record"),
            stored.max().alias("last_record"),
            col("invoicing_date").min().alias("first_invoicing"),
            col("invoicing_date").max().alias("last_invoicing"),
        ])
        .collect()?;
    let names = spans.column("_file")?.str()?.clone();
    let instant = |name: &str| -> PolarsResult<Vec<Option<chrono::NaiveDateTime>>> {
        let ms = spans.column(name)?.cast(&DataType::Int64)?;
        Ok(ms
            .i64()?
            .iter()
            .map(|v| v.and_then(crate::contract::ms_to_local))
            .collect())
    };
    let (first, last) = (instant("first_record")?, instant("last_record")?);
    let (first_inv, last_inv) = (instant("first_invoicing")?, instant("last_invoicing")?);
    for (i, name) in names.iter().enumerate() {
        let Some(name) = name else { continue };
        let found = files
            .iter_mut()
            .filter(|f| f.path == name)
            .find_map(|f| f.extract.as_mut());
        if let Some(file) = found {
            extract::widen(file, first[i], last[i], first_inv[i], last_inv[i]);
        }
    }
    Ok(())
}

/// The announcements without the versions of a message that a later
/// version replaces (contract section 2): of the rows sharing an
/// `announcement_id`, those with a `version` below the highest are dropped.
/// Rows without a version (CSV announcements) are all kept. A replaced
/// version was read and used, to be replaced, so it stays counted as used.
pub fn latest_versions(announcements: LazyFrame) -> PolarsResult<LazyFrame> {
    let version = col("version").cast(DataType::Int64);
    let latest = version.clone().max().over([col("announcement_id")])?;
    Ok(announcements.filter(version.clone().is_null().or(version.eq(latest))))
}

/// The sources given with nothing usable (contract section 2): at least one
/// row or file rejected and no row used. Each comes with its files' first
/// reasons (`file line N: reason`); a readable file with no rows is given
/// and empty, and names nothing.
fn unusable(
    sources: &[Source],
    files: &[InputFile],
    rejected: &[Rejection],
) -> Vec<(Source, Vec<String>)> {
    let mut out = Vec::new();
    for &source in sources {
        let mine: Vec<&InputFile> = files.iter().filter(|f| f.source == source.name()).collect();
        let used: u64 = mine.iter().map(|f| f.counts.used).sum();
        let refused = |f: &&&InputFile| f.counts.rejected > 0 || f.error.is_some();
        if used > 0 || !mine.iter().any(|f| refused(&f)) {
            continue;
        }
        let why = mine
            .iter()
            .filter(|f| refused(f))
            .map(|f| {
                let first = rejected
                    .iter()
                    .find(|r| r.source == f.source && r.file == f.path);
                match first {
                    Some(r) => {
                        let line = r.line.map_or(String::new(), |l| format!(" line {l}"));
                        format!("{}{line}: {}", f.path, r.reason)
                    }
                    None => format!("{}: {}", f.path, f.error.as_deref().unwrap_or("rejected")),
                }
            })
            .collect();
        out.push((source, why));
    }
    out
}

/// One file's rows as `keep` kept them, its `run.json` record and its
/// rejected rows.
type KeptFile = (DataFrame, InputFile, Vec<Rejection>);

/// One file's rows (still in their builder, see [`table`]), its `run.json`
/// record and its rejected rows.
type LoadedFile = (Source, TableBuilder, InputFile, Vec<Rejection>);

/// One source's table from its files' rows, in file order. The builders
/// are joined before the table is made (`TableBuilder::append`), so a
/// source split over several exports is not copied once more to be made
/// contiguous.
fn table(source: Source, files: Vec<TableBuilder>) -> PolarsResult<DataFrame> {
    let mut joined = TableBuilder::new(source.fields());
    for builder in files {
        joined.append(builder);
    }
    joined.finish()
}

fn load_file(dir: &Path, source: Source, path: &Path, config: &SourceConfig) -> Result<LoadedFile> {
    let rel = files::relative(dir, path);
    let bytes = match files::open_bundle_file(path, files::size_limit(source, path)) {
        Ok(bytes) => bytes,
        Err(files::Refused { reason, bytes }) => return refused(source, rel, bytes, reason),
    };
    let mut builder = TableBuilder::new(source.fields());
    let mut rejections = Vec::new();
    let input = SourceInput {
        source,
        file: &rel,
        bytes: &bytes,
        config,
    };
    // The file's hash is computed while it is parsed: SHA-256 runs one
    // core through the whole file, which would otherwise wait for parsing.
    let (outcome, sha256) = rayon::join(
        || {
            let outcome = read::read_file(&input, &mut builder, &mut rejections);
            // A file that failed gives no rows, whatever it had handed over.
            if outcome.error.is_some() {
                builder = TableBuilder::new(source.fields());
            }
            outcome
        },
        || sha256_hex(&bytes),
    );
    let rel_path = rel.clone();
    let file = InputFile {
        path: rel,
        source: source.name(),
        sha256,
        bytes: bytes.len() as u64,
        counts: outcome.counts,
        error: outcome.error,
        extract: (source == Source::KsefMetadata).then(|| extract::file_flags(&rel_path, &bytes)),
        jpk: outcome.jpk,
    };
    Ok((source, builder, file, rejections))
}

/// A file refused before reading (a link, or over its size limit): one
/// rejection naming it, no rows, and no hash, since its bytes were never read.
fn refused(source: Source, rel: String, bytes: u64, reason: String) -> Result<LoadedFile> {
    let rejection = Rejection {
        source: source.name(),
        file: rel.clone(),
        line: None,
        reason: reason.clone(),
    };
    let file = InputFile {
        path: rel,
        source: source.name(),
        sha256: String::new(),
        bytes,
        counts: Counts::default(),
        error: Some(reason),
        extract: None,
        jpk: None,
    };
    Ok((
        source,
        TableBuilder::new(source.fields()),
        file,
        vec![rejection],
    ))
}
