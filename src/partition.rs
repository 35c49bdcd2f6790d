//! Cutting a bundle into parts: a bundle too large to match in memory at
//! once (some 35M invoices fill the 24 GiB machine of
//! `docs/performance.md`) is matched in parts, each part holding every row
//! of its invoices; `pipeline` matches the parts and joins their outputs
//! into the outputs one run would write. This module only plans and cuts.
//!
//! The parts follow from what the rules read across invoices (each rule's
//! `scope`, given to [`Plan::for_bundle`] as the home sources):
//!
//! - The **home part** holds every invoice of the home sources (the
//!   offline log, the UPO receipts and the FA(3) archive: a few percent of
//!   a large bundle, and the invoices the archive's corrections correct),
//!   with those sources whole. Everything that looks
//!   across invoices works on these sources only (numbering gaps in the
//!   offline log, the archive searched by hash, per-decision counts,
//!   segregation of duties), so it sees the same rows it would in one run.
//!   Keyless findings (decisions, grants) come from this part only. The
//!   invoices that share a KSeF number with another invoice are home
//!   invoices too: DUPLICATE_KSEF_NUMBER looks across the KSeF metadata,
//!   which the ranges cut.
//! - The **ranges**: every other invoice (in the ledger or KSeF metadata
//!   only), cut into ranges of (seller NIP, invoice number) by a sample of
//!   the ledger's keys. Their rules are the per-invoice ones (presence,
//!   amounts, dates, duplicates, KSeF numbers), which read one invoice's
//!   rows at a time.
//!
//! The bundle is read twice: for the ledger's keys, the home part's
//! invoices and the KSeF numbers ([`Plan::for_bundle`]), then to cut each file's ledger and KSeF
//! rows into the parts' pieces as the file is read ([`Plan::split`]), so
//! no file is held whole beside another part's rows. Each part is matched
//! from its pieces ([`Plan::part_bundle`]). A run in parts and one run give
//! the same files (`tests/it/partition.rs` compares them byte for byte).

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
    /// The sources the home part keeps whole (a range keeps none of them).
    home_sources: Vec<Source>,
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
    /// unless [`PARTITIONS_ENV`] names the number of ranges. `home_sources`
    /// are the sources the rules look across invoices of.
    pub fn for_bundle(
        input: &Path,
        config: &Config,
        home_sources: &[Source],
    ) -> Result<Option<Plan>> {
        let ranges = ranges_wanted(input)?;
        if ranges < 2 {
            return Ok(None);
        }
        let _stage = crate::progress::Stage::start("planning the parts");
        let keep = |source: Source, _file: usize, df: DataFrame| -> PolarsResult<DataFrame> {
            match source {
                Source::Archive => return archive_keys(&df),
                Source::KsefMetadata | Source::Upo => return numbered_keys(&df),
                _ => {}
            }
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
        let sources: Vec<Source> = [Source::Ledger, Source::KsefMetadata]
            .into_iter()
            .chain(home_sources.iter().copied())
            .collect();
        let bundle = ingest::load_with(input, config, &sources, Some(&keep))?;
        let home = home_keys(&bundle, home_sources)?;
        let home = with_shared_numbers(home, &bundle)?;
        let sample = bundle
            .tables
            .get(&Source::Ledger)
            .context("the ledger has no rows to place the parts by")?;
        let bounds = bounds(sample, ranges)?;
        tracing::info!(
            ranges = bounds.len() + 1,
            home_invoices = home.height(),
            "matching in parts"
        );
        Ok(Some(Plan {
            home,
            bounds,
            home_sources: home_sources.to_vec(),
        }))
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
    /// home part keeps the home sources whole, a range none of them; sources that hold no invoices (decisions,
    /// announcements, grants, the access log, resolutions) are kept whole
    /// by every part.
    fn keep(&self, part: Part, source: Source, df: DataFrame) -> DataFrame {
        match part {
            Part::Range(_) if self.home_sources.contains(&source) => df.clear(),
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
                crate::frame::left(),
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

/// How many ranges the ledger asks for: none below
/// [`PARTITION_FROM_BYTES`], else one per [`BYTES_PER_RANGE`], unless
/// [`PARTITIONS_ENV`] names a number.
fn ranges_wanted(input: &Path) -> Result<usize> {
    Ok(match std::env::var(PARTITIONS_ENV) {
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
    })
}

/// The archive's keys, and those of the invoices its corrections correct
/// (the seller's, numbered as `corrected_numbers` lists them): the
/// correction rules compare a correction with KSeF's records of the
/// invoice it corrects, so both are home invoices.
fn archive_keys(df: &DataFrame) -> PolarsResult<DataFrame> {
    let separator = lit(crate::contract::LIST_SEPARATOR.to_string());
    let corrected = df
        .clone()
        .lazy()
        .select([
            col("seller_nip"),
            col("corrected_numbers")
                .str()
                .split(separator)
                .alias("invoice_number"),
        ])
        .explode(
            cols(["invoice_number"]),
            ExplodeOptions {
                empty_as_null: false,
                keep_nulls: false,
            },
        );
    concat(
        [df.clone().lazy().select(crate::frame::keys()), corrected],
        UnionArgs::default(),
    )?
    .collect()
}

/// A KSeF metadata or UPO table's KSeF numbers with their invoices, each
/// number held as a 64-bit hash (`number_hash`): at 50M KSeF records the
/// numbers' text was some 2.5 GiB of this pass, which was the run's peak.
/// Two numbers of one hash only put their invoices in the home part too,
/// where every rule sees them whole: a collision costs a few invoices'
/// place, never a finding.
fn numbered_keys(df: &DataFrame) -> PolarsResult<DataFrame> {
    let hashes: UInt64Chunked = df
        .column("ksef_number")?
        .str()?
        .iter()
        .map(|n| n.map(number_hash))
        .collect();
    DataFrame::new(
        df.height(),
        vec![
            hashes.with_name("number_hash".into()).into_column(),
            df.column("seller_nip")?.clone(),
            df.column("invoice_number")?.clone(),
        ],
    )?
    .lazy()
    .filter(col("number_hash").is_not_null())
    .collect()
}

/// A KSeF number's hash: the same in every run and on every machine
/// (`DefaultHasher::new` has fixed keys).
fn number_hash(number: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    number.hash(&mut hasher);
    hasher.finish()
}

/// The home part's invoices with every invoice whose KSeF number another
/// invoice's KSeF record or UPO also carries. DUPLICATE_KSEF_NUMBER looks
/// across KSeF metadata, which a run in parts cuts into ranges: two
/// invoices sharing a number in two parts would each look alone there, so
/// they are matched together in the home part. They are few (a shared
/// number is an error); the numbers are read once more for this, in the
/// pass that plans the parts.
fn with_shared_numbers(home: DataFrame, bundle: &Bundle) -> PolarsResult<DataFrame> {
    let numbered: Vec<LazyFrame> = [Source::KsefMetadata, Source::Upo]
        .iter()
        .filter_map(|source| bundle.tables.get(source))
        .map(|df| df.clone().lazy())
        .collect();
    if numbered.is_empty() {
        return Ok(home);
    }
    // Counted as the rule counts them: distinct invoices, a missing key one
    // of them.
    let pairs = concat(numbered, UnionArgs::default())?.unique(None, UniqueKeepStrategy::Any);
    let shared = pairs
        .clone()
        .group_by([col("number_hash")])
        .agg([len().alias("invoices")])
        .filter(col("invoices").gt(lit(1)))
        .select([col("number_hash")]);
    let keys = pairs
        .join(
            shared,
            [col("number_hash")],
            [col("number_hash")],
            JoinArgs::new(JoinType::Semi),
        )
        .select(crate::frame::keys())
        .drop_nulls(None);
    concat([home.lazy(), keys], UnionArgs::default())?
        .unique_stable(None, UniqueKeepStrategy::First)
        .collect()
}

/// The home part's invoices: every key of the home sources, once.
fn home_keys(bundle: &Bundle, home_sources: &[Source]) -> PolarsResult<DataFrame> {
    let mut home: Option<LazyFrame> = None;
    for source in home_sources {
        if let Some(df) = bundle.tables.get(source) {
            let lf = df.clone().lazy().select(crate::frame::keys());
            home = Some(match home {
                None => lf,
                Some(h) => concat([h, lf], UnionArgs::default())?,
            });
        }
    }
    match home {
        Some(lf) => lf
            .drop_nulls(None)
            .unique_stable(None, UniqueKeepStrategy::First)
            .collect(),
        None => Ok(DataFrame::empty_with_schema(&key_schema())),
    }
}

/// The lower bounds of the ranges but the first: the keys at even steps of
/// the ledger's sorted sample.
fn bounds(sample: &DataFrame, ranges: usize) -> PolarsResult<Vec<Key>> {
    let sample = sample
        .clone()
        .lazy()
        .drop_nulls(None)
        .sort(
            ["seller_nip", "invoice_number"],
            SortMultipleOptions::default(),
        )
        .collect()?;
    let (nips, numbers) = (
        sample.column("seller_nip")?.str()?,
        sample.column("invoice_number")?.str()?,
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
    Ok(bounds)
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
            home_sources: vec![Source::OfflineLog, Source::Upo, Source::Archive],
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
