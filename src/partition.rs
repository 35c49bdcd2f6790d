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
//! Every part reads the whole bundle and keeps its share of the ledger and
//! KSeF metadata as each table is made (`ingest::load_with`), so no part
//! holds more than one whole table. The reconciliation, one row per
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
use crate::ingest::schema::Source;
use crate::ingest::{self, files};

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
                let mut bytes = 0;
                for path in files::discover(input, Source::Ledger)? {
                    bytes += std::fs::metadata(&path).map_or(0, |m| m.len());
                }
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
        let keep = |source: Source, df: DataFrame| -> PolarsResult<DataFrame> {
            let keys = df.select(["seller_nip", "invoice_number"])?;
            if source == Source::Ledger {
                let every = (keys.height() / SAMPLED_KEYS).max(1);
                let rows: IdxCa = (0..keys.height() as IdxSize)
                    .step_by(every)
                    .collect_ca("row".into());
                compact(keys.take(&rows)?)
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

    /// What part `part` keeps of each source's table: the home part keeps
    /// the ledger's and KSeF's rows of its invoices (and those without a
    /// key) and the offline log, UPOs and archive whole; a range keeps the
    /// ledger's and KSeF's rows of its other invoices and none of the three.
    /// Sources that hold no invoices (decisions, announcements, grants,
    /// the access log, resolutions) are kept whole by every part.
    pub fn keep(&self, part: Part, source: Source, df: DataFrame) -> PolarsResult<DataFrame> {
        match source {
            Source::Ledger | Source::KsefMetadata => {}
            Source::OfflineLog | Source::Upo | Source::Archive => {
                return Ok(match part {
                    Part::Home => df,
                    Part::Range(_) => df.clear(),
                });
            }
            _ => return Ok(df),
        }
        let flagged = self.home.clone().lazy().with_column(lit(true).alias(HOME));
        let marked = df
            .lazy()
            .join(
                flagged,
                [col("seller_nip"), col("invoice_number")],
                [col("seller_nip"), col("invoice_number")],
                crate::reconcile::left(),
            )
            .with_column(col(HOME).fill_null(lit(false)));
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
        compact(
            kept.drop(Selector::ByName {
                names: Arc::from([PlSmallStr::from_static(HOME)]),
                strict: true,
            })
            .collect()?,
        )
    }
}

/// `df` with its text copied out of the buffers it shares. A filter (or a
/// take) keeps each kept text's 16-byte view but points it into the whole
/// table's buffers, so a part that keeps a fifth of a file's rows would
/// hold all of its text: the first 50M-invoice run's home part (2 % of the
/// rows) held 5.6 GiB after loading.
fn compact(df: DataFrame) -> PolarsResult<DataFrame> {
    let height = df.height();
    let columns = df
        .into_columns()
        .into_iter()
        .map(|column| {
            if column.dtype() != &DataType::String || column.as_scalar_column().is_some() {
                return Ok(column);
            }
            let chunks: Vec<_> = column
                .str()?
                .downcast_iter()
                .map(|array| array.clone().gc())
                .collect();
            Ok(StringChunked::from_chunk_iter(column.name().clone(), chunks).into_column())
        })
        .collect::<PolarsResult<Vec<Column>>>()?;
    DataFrame::new(height, columns)
}

/// The flag column of [`Plan::keep`]'s join.
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
    /// Starts the files in a new folder inside `beside` (the output
    /// folder's parent, so that moving them in is a rename), with the
    /// columns of `empty`.
    pub fn start(
        beside: &Path,
        formats: crate::report::parquet_out::Formats,
        empty: &DataFrame,
    ) -> Result<Spill> {
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
        let csv = if formats.csv {
            let file = std::fs::File::create(dir.path().join(CSV))?;
            let mut out = std::io::BufWriter::with_capacity(4 << 20, file);
            crate::report::csv_out::write_header(empty, &mut out)?;
            Some(out)
        } else {
            None
        };
        let parquet = if formats.parquet {
            let file = std::fs::File::create(dir.path().join(PARQUET))?;
            Some(crate::report::parquet_out::RowGroups::new(file, empty)?)
        } else {
            None
        };
        Ok(Spill {
            dir,
            csv,
            parquet,
            rows: 0,
            kept: Some(empty.clone()),
        })
    }

    /// Appends the next rows, in output order.
    pub fn write(&mut self, rows: &DataFrame) -> Result<()> {
        if let Some(out) = &mut self.csv {
            crate::report::csv_out::write_rows(rows, crate::report::NUMERIC, out)?;
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

    /// Finishes the files.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(mut out) = self.csv.take() {
            out.flush()?;
        }
        if let Some(parquet) = self.parquet.take() {
            parquet.finish()?;
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

/// `run` on a bundle cut into parts by `plan`: the home part, then every
/// range, each loaded, matched and ruled on its own; the reconciliation is
/// written range by range and the other outputs are built once from the
/// parts' findings and counts (see the module's doc).
pub fn reconcile(options: &crate::RunOptions, plan: &Plan) -> Result<crate::RunResult> {
    let started = crate::clock::now_utc_text();
    crate::memory::fit_pages_to(&options.input);
    let params = crate::params(&options.config, options.as_of);
    let (input, config) = (&options.input, &options.config);

    let keep_home = |source: Source, df: DataFrame| plan.keep(Part::Home, source, df);
    let mut home = crate::match_bundle(input, config, &params, Some(&keep_home))
        .context("the home part (offline, UPO and archive invoices)")?;
    let home_rows = crate::report::reconciliation(&home.rec)?;
    let beside = match options.out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let mut spill = Spill::start(&beside, options.formats, &home_rows.clear())?;
    let mut digest = crate::report::summary::InvoiceDigest::of(&home_rows)?;
    let mut counted = crate::Counted::of(&home.rec, &params)?;
    let mut findings = vec![home.findings.clone().lazy()];
    let mut read_later: Vec<DataFrame> = Vec::new();
    let mut home_rows_placed = 0;
    for i in 0..plan.ranges() {
        let keep = move |source: Source, df: DataFrame| plan.keep(Part::Range(i), source, df);
        let part = crate::match_bundle(input, config, &params, Some(&keep))
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
        findings.push(
            part.findings
                .lazy()
                .filter(col("invoice_number").is_not_null()),
        );
        read_later.push(
            part.rec
                .invoices
                .lazy()
                .filter(read_by_completeness())
                .collect()?,
        );
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
    let reconciliation = spill.kept.take().unwrap_or_else(|| home_rows.clear());
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
        config,
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
        let kept = |part| pairs(&plan.keep(part, Source::Ledger, ledger.clone()).unwrap());
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
            assert_eq!(
                plan.keep(Part::Home, source, log.clone()).unwrap().height(),
                2
            );
            assert_eq!(
                plan.keep(Part::Range(1), source, log.clone())
                    .unwrap()
                    .height(),
                0
            );
        }
        for part in [Part::Home, Part::Range(0), Part::Range(1)] {
            assert_eq!(
                plan.keep(part, Source::Decisions, log.clone())
                    .unwrap()
                    .height(),
                2
            );
        }
    }
}
