//! Partitioned runs: a bundle too large to match in memory at once (some
//! 35M invoices fill the 24 GiB machine of `docs/performance.md`) is
//! matched in parts, each part holding every row of its invoices, and the
//! parts' outputs are joined into the outputs one run would write.
//!
//! The parts follow from what the rules read across invoices:
//!
//! - The **home part** holds every invoice of the offline log, the UPO
//!   receipts and the FA(3) archive (a few percent of a large bundle), with
//!   those sources whole. Everything that looks across invoices works on
//!   these sources only (numbering gaps in the offline log, the archive
//!   searched by hash, per-decision counts, segregation of duties), so it
//!   sees the same rows it would in one run. Keyless findings (decisions,
//!   grants) come from this part only.
//! - The **ranges**: every other invoice (in the ledger or KSeF metadata
//!   only), cut into ranges of (seller NIP, invoice number) by a sample of
//!   the ledger's keys. Their rules are the per-invoice ones (presence,
//!   amounts, dates, duplicates, KSeF numbers), which read one invoice's
//!   rows at a time.
//!
//! The bundle is read twice: for the ledger's keys and the home part's
//! invoices ([`Plan::for_bundle`]), then to cut each file's ledger and KSeF
//! rows into the parts' pieces as the file is read ([`Plan::split`]), so
//! no file is held whole beside another part's rows. Each part is matched
//! from its pieces ([`Plan::part_bundle`]). The reconciliation, one row per
//! invoice, is written range by range with the home invoices of the range
//! merged in, in the order one run writes it; the findings, status counts
//! and completeness rows are joined and ordered as one run orders them. A
//! partitioned run and one run give the same files (`tests/it/partition.rs`
//! compares them byte for byte).

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;

use crate::config::Config;
use crate::contract::Source;
use crate::ingest::{self, Bundle, files};

/// Forces the number of ranges (for tests and for users who know their
/// machine); `0` or `1` turns partitioning off.
pub const PARTITIONS_ENV: &str = "KSEF_RECON_PARTITIONS";

/// Ledger files larger than this in all are matched in parts: about 20M
/// invoices as CSV, where one run peaks near 13 GiB.
const PARTITION_FROM_BYTES: u64 = 2 << 30;
/// The ledger bytes per range: about 10M invoices as CSV, a part peaking
/// near 7 GiB.
const BYTES_PER_RANGE: u64 = 1200 << 20;
/// Ledger keys sampled to place the ranges' bounds.
const SAMPLED_KEYS: usize = 100_000;

/// The ledger's size as CSV bytes: each file's size, but a Parquet file's
/// rows at [`CSV_BYTES_PER_ROW`] (Parquet is several times smaller than
/// the CSV of the same rows, and its footer says how many it holds).
fn ledger_weight(input: &Path) -> Result<u64> {
    let mut bytes = 0;
    for path in files::discover(input, Source::Ledger)? {
        let rows = match path.to_str().is_some_and(ingest::is_parquet) {
            true => std::fs::File::open(&path)
                .ok()
                .and_then(|f| ParquetReader::new(f).num_rows().ok()),
            false => None,
        };
        bytes += match rows {
            Some(rows) => rows as u64 * CSV_BYTES_PER_ROW,
            None => std::fs::metadata(&path).map_or(0, |m| m.len()),
        };
    }
    Ok(bytes)
}

/// A generated ledger row's CSV bytes (1,071,203,712 bytes for 10M rows).
const CSV_BYTES_PER_ROW: u64 = 107;

/// An invoice key, (seller NIP, invoice number).
type Key = (String, String);

/// How a large bundle is cut into parts.
pub struct Plan {
    /// The home part's invoices: every key of the offline log, the UPOs
    /// and the archive (`seller_nip`, `invoice_number`, unique).
    home: DataFrame,
    /// The lower bound of every range but the first, ascending.
    bounds: Vec<Key>,
}

/// One part of a partitioned run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Home,
    /// The range at this place in [`Plan::ranges`].
    Range(usize),
}

impl Plan {
    /// How many ranges the invoices outside the home part are cut into.
    pub fn ranges(&self) -> usize {
        self.bounds.len() + 1
    }

    /// The plan for the bundle at `input`, or `None` when it is matched in
    /// one run: the ledger's size decides (see [`PARTITION_FROM_BYTES`]),
    /// unless [`PARTITIONS_ENV`] names the number of ranges.
    pub fn for_bundle(input: &Path, config: &Config) -> Result<Option<Plan>> {
        let ranges = match std::env::var(PARTITIONS_ENV) {
            Ok(text) => text
                .trim()
                .parse::<usize>()
                .with_context(|| format!("{PARTITIONS_ENV}={text}: expected a number of ranges"))?,
            Err(_) => {
                let bytes = ledger_weight(input)?;
                if bytes <= PARTITION_FROM_BYTES {
                    0
                } else {
                    bytes.div_ceil(BYTES_PER_RANGE) as usize
                }
            }
        };
        if ranges < 2 {
            return Ok(None);
        }
        let _stage = crate::progress::Stage::start("planning the parts");
        let keep = |source: Source, _file: usize, df: DataFrame| -> PolarsResult<DataFrame> {
            let keys = df.select(["seller_nip", "invoice_number"])?;
            if source == Source::Ledger {
                let every = (keys.height() / SAMPLED_KEYS).max(1);
                let rows: IdxCa = (0..keys.height() as IdxSize)
                    .step_by(every)
                    .collect_ca("row".into());
                crate::frame::compact(keys.take(&rows)?)
            } else {
                Ok(keys)
            }
        };
        let sources = [
            Source::Ledger,
            Source::OfflineLog,
            Source::Archive,
            Source::Upo,
        ];
        let bundle = ingest::load_with(input, config, &sources, Some(&keep))?;
        let mut home: Option<LazyFrame> = None;
        for source in [Source::OfflineLog, Source::Archive, Source::Upo] {
            if let Some(df) = bundle.tables.get(&source) {
                let lf = df.clone().lazy();
                home = Some(match home {
                    None => lf,
                    Some(h) => concat([h, lf], UnionArgs::default())?,
                });
            }
        }
        let home = match home {
            Some(lf) => lf
                .drop_nulls(None)
                .unique_stable(None, UniqueKeepStrategy::First)
                .collect()?,
            None => DataFrame::empty_with_schema(&key_schema()),
        };
        let sample = bundle
            .tables
            .get(&Source::Ledger)
            .context("the ledger has no rows to place the parts by")?
            .clone()
            .lazy()
            .drop_nulls(None)
            .sort(
                ["seller_nip", "invoice_number"],
                SortMultipleOptions::default(),
            )
            .collect()?;
        let (nips, numbers) = (
            sample.column("seller_nip")?.str()?.clone(),
            sample.column("invoice_number")?.str()?.clone(),
        );
        let mut bounds: Vec<Key> = Vec::new();
        for i in 1..ranges {
            let at = sample.height() * i / ranges;
            if let (Some(nip), Some(number)) = (nips.get(at), numbers.get(at)) {
                let key = (nip.to_string(), number.to_string());
                if bounds.last().is_none_or(|last| *last < key) {
                    bounds.push(key);
                }
            }
        }
        tracing::info!(
            ranges = bounds.len() + 1,
            home_invoices = home.height(),
            "matching in parts"
        );
        Ok(Some(Plan { home, bounds }))
    }

    /// Whether a key is in range `i` (null keys are in the first).
    pub fn in_range(&self, i: usize) -> Expr {
        let lower = match i {
            0 => None,
            _ => Some(at_or_after(&self.bounds[i - 1])),
        };
        let upper = self.bounds.get(i).map(|b| at_or_after(b).not());
        let nulls = (i == 0).then(|| {
            col("seller_nip")
                .is_null()
                .or(col("invoice_number").is_null())
        });
        let mut within = match (lower, upper) {
            (Some(l), Some(u)) => l.and(u),
            (Some(l), None) => l,
            (None, Some(u)) => u,
            (None, None) => lit(true),
        };
        if let Some(nulls) = nulls {
            within = within.or(nulls);
        }
        within
    }

    /// What part `part` keeps of the table of a source other than the
    /// ledger and KSeF metadata (which are cut by [`Plan::split`]): the
    /// home part keeps the offline log, UPOs and archive whole, a range
    /// none of them; sources that hold no invoices (decisions,
    /// announcements, grants, the access log, resolutions) are kept whole
    /// by every part.
    fn keep(&self, part: Part, source: Source, df: DataFrame) -> DataFrame {
        match (source, part) {
            (Source::OfflineLog | Source::Upo | Source::Archive, Part::Range(_)) => df.clear(),
            _ => df,
        }
    }

    /// Every part: the home part, then the ranges in key order.
    fn parts(&self) -> impl Iterator<Item = Part> {
        std::iter::once(Part::Home).chain((0..self.ranges()).map(Part::Range))
    }

    /// The ledger's or KSeF's rows with `_home`: whether the key is one of
    /// the home part's.
    fn marked(&self, df: DataFrame) -> LazyFrame {
        let flagged = self.home.clone().lazy().with_column(lit(true).alias(HOME));
        df.lazy()
            .join(
                flagged,
                [col("seller_nip"), col("invoice_number")],
                [col("seller_nip"), col("invoice_number")],
                crate::matching::left(),
            )
            .with_column(col(HOME).fill_null(lit(false)))
    }

    /// Part `part`'s piece of a ledger or KSeF table [`Plan::marked`]: the
    /// rows of its invoices (the home part's also those without a key),
    /// without `_home`.
    fn piece(&self, marked: &DataFrame, part: Part) -> PolarsResult<DataFrame> {
        let marked = marked.clone().lazy();
        let kept = match part {
            Part::Home => marked.filter(
                col(HOME)
                    .or(col("seller_nip").is_null())
                    .or(col("invoice_number").is_null()),
            ),
            Part::Range(i) => marked.filter(
                col(HOME)
                    .not()
                    .and(col("seller_nip").is_not_null())
                    .and(col("invoice_number").is_not_null())
                    .and(self.in_range(i)),
            ),
        };
        kept.drop(Selector::ByName {
            names: Arc::from([PlSmallStr::from_static(HOME)]),
            strict: true,
        })
        .collect()
    }

    /// Cuts one file's ledger or KSeF table into the parts' pieces, written
    /// as Parquet into `dir` (read back by [`Plan::part_bundle`]); returns
    /// what the bundle keeps of the table: nothing of these two sources,
    /// the whole table of the others.
    pub fn split(
        &self,
        source: Source,
        file: usize,
        df: DataFrame,
        dir: &Path,
    ) -> PolarsResult<DataFrame> {
        if !matches!(source, Source::Ledger | Source::KsefMetadata) {
            return Ok(df);
        }
        let empty = df.clear();
        let marked = self.marked(df).collect()?;
        for part in self.parts() {
            let mut piece = self.piece(&marked, part)?;
            if piece.height() > 0 {
                // Compressed in memory (a few dozen MB), then written with
                // its errors seen, which a dropped buffered writer hides.
                let mut bytes = Vec::new();
                ParquetWriter::new(&mut bytes)
                    .with_compression(ParquetCompression::Zstd(None))
                    .with_statistics(StatisticsOptions::empty())
                    .finish(&mut piece)?;
                std::fs::write(dir.join(piece_name(file, part)), bytes)?;
            }
        }
        Ok(empty)
    }

    /// Part `part`'s bundle: the sources that hold no invoices as `split`
    /// loaded them, the offline log, UPOs and archive as [`Plan::keep`]
    /// keeps them, and the ledger and KSeF metadata from the part's pieces
    /// in `dir`, file by file in the bundle's order (each piece is deleted
    /// once read). The file records and rejected rows are the split's.
    pub fn part_bundle(&self, split: &Bundle, part: Part, dir: &Path) -> Result<Bundle> {
        let mut tables = std::collections::BTreeMap::new();
        for (&source, df) in &split.tables {
            let table = match source {
                Source::Ledger | Source::KsefMetadata => {
                    let mut pieces: Vec<DataFrame> = Vec::new();
                    for (file, record) in split.files.iter().enumerate() {
                        if record.source != source.name() {
                            continue;
                        }
                        let path = dir.join(piece_name(file, part));
                        if path.exists() {
                            let read = std::fs::File::open(&path)
                                .map_err(PolarsError::from)
                                .and_then(|f| ParquetReader::new(f).finish())
                                .map_err(|e| {
                                    anyhow::anyhow!("cannot read back {}: {e}", path.display())
                                })?;
                            pieces.push(read);
                            std::fs::remove_file(&path)?;
                        }
                    }
                    let mut table = df.clone();
                    for piece in pieces {
                        table.vstack_mut_owned(piece)?;
                    }
                    table
                }
                _ => self.keep(part, source, df.clone()),
            };
            tables.insert(source, table);
        }
        Ok(Bundle {
            tables,
            not_provided: split.not_provided.clone(),
            files: split.files.clone(),
            rejected: split.rejected.clone(),
            released: Vec::new(),
        })
    }
}

/// The file name of one file's piece for one part.
fn piece_name(file: usize, part: Part) -> String {
    match part {
        Part::Home => format!("file{file}-home.parquet"),
        Part::Range(i) => format!("file{file}-range{i}.parquet"),
    }
}

/// The flag column of [`Plan::marked`]'s join.
const HOME: &str = "_home";

fn key_schema() -> Schema {
    Schema::from_iter([
        Field::new("seller_nip".into(), DataType::String),
        Field::new("invoice_number".into(), DataType::String),
    ])
}

/// Whether the row's key is at or after `bound` (false for a null key).
fn at_or_after(bound: &Key) -> Expr {
    let (nip, number) = (lit(bound.0.as_str()), lit(bound.1.as_str()));
    col("seller_nip").gt(nip.clone()).or(col("seller_nip")
        .eq(nip)
        .and(col("invoice_number").gt_eq(number)))
}

/// The reconciliation of a partitioned run, written range by range into
/// a folder beside the output folder and moved into the staging folder
/// with the other outputs ([`Spill::move_into`]).
pub struct Spill {
    dir: tempfile::TempDir,
    csv: Option<std::io::BufWriter<std::fs::File>>,
    parquet: Option<crate::report::parquet_out::RowGroups<std::fs::File>>,
    /// Rows written.
    pub rows: u64,
    /// The rows themselves while they fit the workbook's Reconciliation
    /// sheet (so the sheet is the one a single run writes); `None` after.
    pub kept: Option<DataFrame>,
}

const CSV: &str = "reconciliation.csv";
const PARQUET: &str = "reconciliation.parquet";

impl Spill {
    /// A new folder inside `beside` (the output folder's parent, so that
    /// moving the files in is a rename) for the parts' pieces and the
    /// reconciliation.
    pub fn new(beside: &Path) -> Result<Spill> {
        std::fs::create_dir_all(beside)
            .with_context(|| format!("cannot create {}", beside.display()))?;
        let dir = tempfile::Builder::new()
            .prefix(".ksef-recon-parts-")
            .tempdir_in(beside)
            .with_context(|| {
                format!(
                    "cannot create a folder for the parts in {}",
                    beside.display()
                )
            })?;
        Ok(Spill {
            dir,
            csv: None,
            parquet: None,
            rows: 0,
            kept: None,
        })
    }

    /// Where the parts' pieces go.
    pub fn pieces(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the reconciliation's files, with the columns of `empty`.
    pub fn begin(
        &mut self,
        formats: crate::report::parquet_out::Formats,
        empty: &DataFrame,
    ) -> Result<()> {
        if formats.csv {
            let file = std::fs::File::create(self.dir.path().join(CSV))?;
            let mut out = std::io::BufWriter::with_capacity(4 << 20, file);
            crate::report::csv_out::write_header(empty, &mut out)?;
            self.csv = Some(out);
        }
        if formats.parquet {
            let file = std::fs::File::create(self.dir.path().join(PARQUET))?;
            self.parquet = Some(crate::report::parquet_out::RowGroups::new(file, empty)?);
        }
        self.kept = Some(empty.clone());
        Ok(())
    }

    /// Appends the next rows, in output order.
    pub fn write(&mut self, rows: &DataFrame) -> Result<()> {
        if let Some(out) = &mut self.csv {
            crate::report::csv_out::write_rows(rows, &crate::report::NUMERIC, out)?;
        }
        if let Some(parquet) = &mut self.parquet {
            parquet.write(rows)?;
        }
        self.rows += rows.height() as u64;
        let limit = crate::report::xlsx::RECONCILIATION_SHEET_MAX_ROWS as u64;
        match &mut self.kept {
            Some(kept) if self.rows <= limit => {
                kept.vstack_mut(rows)?;
            }
            _ => self.kept = None,
        }
        Ok(())
    }

    /// Finishes the files and syncs them to disk, as the staging folder
    /// does with every file it writes, since they are moved in, not
    /// written there.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(mut out) = self.csv.take() {
            out.flush()?;
        }
        if let Some(parquet) = self.parquet.take() {
            parquet.finish()?;
        }
        for name in [CSV, PARQUET] {
            let path = self.dir.path().join(name);
            if path.exists() {
                std::fs::File::open(&path)
                    .and_then(|f| f.sync_all())
                    .with_context(|| format!("cannot sync {}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Moves the finished files into the staging folder.
    pub fn move_into(&self, staging: &crate::report::atomic::Staging) -> Result<()> {
        for name in [CSV, PARQUET] {
            let from = self.dir.path().join(name);
            if from.exists() {
                std::fs::rename(&from, staging.path(name)).with_context(|| {
                    format!("cannot move {} into the output folder", from.display())
                })?;
            }
        }
        Ok(())
    }
}

/// The invoices of a range that completeness.csv reads (see
/// `queries/reports/completeness_scopes.sql`): offline24 invoices, and
/// online ones sent after their issue date. A range has no decision's
/// invoices (those are the offline log's, in the home part).
fn read_by_completeness() -> Expr {
    col("mode").eq(lit("offline24")).or(col("mode")
        .eq(lit("online"))
        .and(col("submitted_on").gt(col("issue_date"))))
}

/// What [`reconcile`] is asked for.
pub struct Job<'a> {
    pub input: &'a Path,
    pub as_of: chrono::NaiveDate,
    pub config: &'a Config,
    /// The output: the parts' folder is made beside it.
    pub out: &'a Path,
    /// The reconciliation's files to write (none for an evidence pack).
    pub formats: crate::report::parquet_out::Formats,
    /// Reconciliation rows to hold in `frames.reconciliation` (an evidence
    /// pack's scope); `None` holds them while they fit the workbook's sheet.
    pub pick: Option<Expr>,
}

impl<'a> Job<'a> {
    /// The job of `ksef-recon run`.
    pub fn run(options: &'a crate::RunOptions) -> Job<'a> {
        Job {
            input: &options.input,
            as_of: options.as_of,
            config: &options.config,
            out: &options.out,
            formats: options.formats,
            pick: None,
        }
    }
}

/// `run` on a bundle cut into parts by `plan`: the home part, then every
/// range, each loaded, matched and ruled on its own; the reconciliation is
/// written range by range and the other outputs are built once from the
/// parts' findings and counts (see the module's doc).
pub fn reconcile(job: &Job<'_>, plan: &Plan) -> Result<crate::RunResult> {
    let started = crate::clock::now_utc_text();
    crate::memory::fit_pages_to(job.input);
    let params = crate::params(job.config, job.as_of);
    let beside = match job.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut spill = Spill::new(&beside)?;

    let stage = crate::progress::Stage::start("loading the bundle into parts");
    let pieces = spill.pieces().to_path_buf();
    let split_file =
        |source: Source, file: usize, df: DataFrame| plan.split(source, file, df, &pieces);
    let split = ingest::load_with(job.input, job.config, &Source::ALL, Some(&split_file))?;
    drop(stage);

    let read = |part: Part| {
        let _stage = crate::progress::Stage::start("reading the part");
        plan.part_bundle(&split, part, &pieces)
    };
    let mut home = crate::match_bundle(read(Part::Home)?, &params)
        .context("the home part (offline, UPO and archive invoices)")?;
    let home_rows = crate::report::reconciliation(&home.rec)?;
    spill.begin(job.formats, &home_rows.clear())?;
    let mut picked: Vec<DataFrame> = Vec::new();
    let mut digest = crate::report::summary::InvoiceDigest::of(&home_rows)?;
    let mut counted = crate::Counted::of(&home.rec, &params)?;
    let mut findings = vec![home.findings.clone().lazy()];
    let mut read_later: Vec<DataFrame> = Vec::new();
    let mut home_rows_placed = 0;
    for i in 0..plan.ranges() {
        let part = crate::match_bundle(read(Part::Range(i))?, &params)
            .with_context(|| format!("range {} of {}", i + 1, plan.ranges()))?;
        let rows = crate::report::reconciliation(&part.rec)?;
        digest.append(&crate::report::summary::InvoiceDigest::of(&rows)?)?;
        counted.add(crate::Counted::of(&part.rec, &params)?);
        let theirs = home_rows
            .clone()
            .lazy()
            .filter(plan.in_range(i))
            .collect()?;
        home_rows_placed += theirs.height();
        let rows = if theirs.height() == 0 {
            rows
        } else {
            concat([theirs.lazy(), rows.lazy()], UnionArgs::default())?
                .sort(
                    ["seller_nip", "invoice_number"],
                    SortMultipleOptions::default(),
                )
                .collect()?
        };
        spill.write(&rows)?;
        if let Some(pick) = &job.pick {
            picked.push(crate::frame::compact(
                rows.lazy().filter(pick.clone()).collect()?,
            )?);
        }
        findings.push(
            crate::frame::compact(
                part.findings
                    .lazy()
                    .filter(col("invoice_number").is_not_null())
                    .collect()?,
            )?
            .lazy(),
        );
        read_later.push(crate::frame::compact(
            part.rec
                .invoices
                .lazy()
                .filter(read_by_completeness())
                .collect()?,
        )?);
    }
    anyhow::ensure!(
        home_rows_placed == home_rows.height(),
        "{} of the home part's {} invoices fell in no range",
        home_rows.height() - home_rows_placed,
        home_rows.height()
    );
    spill.finish()?;
    let findings = crate::rules::sorted(&concat(findings, UnionArgs::default())?.collect()?)?;
    for rows in &read_later {
        home.rec.invoices.vstack_mut(rows)?;
    }
    drop(read_later);
    let reconciliation = match &job.pick {
        Some(_) => {
            let mut all = home_rows.clear();
            for rows in picked {
                all.vstack_mut_owned(rows)?;
            }
            all
        }
        None => spill.kept.take().unwrap_or_else(|| home_rows.clear()),
    };
    drop(split);
    let _stage = crate::progress::Stage::start("building the reports");
    // The home part's bundle has the split load's file records, rejected
    // rows and provided sources, which read every file once.
    let mut result = crate::assemble(
        &mut home.bundle,
        &home.rec,
        crate::Findings {
            all: findings,
            skipped: home.skipped,
        },
        reconciliation,
        counted,
        started,
        job.config,
        &params,
    )?;
    result.spill = Some(spill);
    result.digest = Some(digest);
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(rows: &[(Option<&str>, &str)]) -> DataFrame {
        let nips: Vec<Option<&str>> = rows.iter().map(|r| r.0).collect();
        let numbers: Vec<&str> = rows.iter().map(|r| r.1).collect();
        DataFrame::new(
            rows.len(),
            vec![
                Column::new("seller_nip".into(), nips),
                Column::new("invoice_number".into(), numbers),
            ],
        )
        .unwrap()
    }

    fn pairs(df: &DataFrame) -> Vec<(Option<String>, String)> {
        let nips = df.column("seller_nip").unwrap().str().unwrap();
        let numbers = df.column("invoice_number").unwrap().str().unwrap();
        nips.iter()
            .zip(numbers.iter())
            .map(|(n, i)| (n.map(str::to_string), i.unwrap().to_string()))
            .collect()
    }

    fn plan() -> Plan {
        Plan {
            home: keys(&[(Some("A"), "2")]),
            bounds: vec![("A".into(), "5".into())],
        }
    }

    #[test]
    fn every_ledger_row_is_kept_by_exactly_one_part_in_file_order() {
        let ledger = keys(&[
            (Some("B"), "0"),
            (Some("A"), "1"),
            (Some("A"), "2"),
            (None, "3"),
            (Some("A"), "5"),
            (Some("A"), "9"),
            (Some("A"), "2"),
        ]);
        let plan = plan();
        assert_eq!(plan.ranges(), 2);
        let marked = plan.marked(ledger).collect().unwrap();
        let kept = |part| pairs(&plan.piece(&marked, part).unwrap());
        let s = |n: &str| Some(n.to_string());
        assert_eq!(
            kept(Part::Home),
            vec![
                (s("A"), "2".into()),
                (None, "3".into()),
                (s("A"), "2".into())
            ]
        );
        assert_eq!(kept(Part::Range(0)), vec![(s("A"), "1".into())]);
        assert_eq!(
            kept(Part::Range(1)),
            vec![
                (s("B"), "0".into()),
                (s("A"), "5".into()),
                (s("A"), "9".into())
            ]
        );
    }

    #[test]
    fn the_offline_sources_are_the_home_parts_and_the_others_every_parts() {
        let plan = plan();
        let log = keys(&[(Some("A"), "2"), (Some("A"), "7")]);
        for source in [Source::OfflineLog, Source::Upo, Source::Archive] {
            assert_eq!(plan.keep(Part::Home, source, log.clone()).height(), 2);
            assert_eq!(plan.keep(Part::Range(1), source, log.clone()).height(), 0);
        }
        for part in [Part::Home, Part::Range(0), Part::Range(1)] {
            assert_eq!(plan.keep(part, Source::Decisions, log.clone()).height(), 2);
        }
    }

    #[test]
    fn a_parquet_ledger_weighs_its_rows_as_csv() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("ledger")).unwrap();
        std::fs::write(dir.path().join("ledger/a.csv"), "x".repeat(1000)).unwrap();
        let mut df = keys(&[(Some("A"), "1"), (Some("A"), "2"), (Some("B"), "3")]);
        let file = std::fs::File::create(dir.path().join("ledger/b.parquet")).unwrap();
        ParquetWriter::new(file).finish(&mut df).unwrap();
        assert_eq!(
            ledger_weight(dir.path()).unwrap(),
            1000 + 3 * CSV_BYTES_PER_ROW
        );
    }
}
