//! `ksef-recon generate`: a deterministic synthetic input bundle (contract
//! section 1) for tests, benchmarks and demos at any size.
//!
//! Every invoice is planned from `(seed, index)` alone ([`plan::plan`]), so
//! chunks render in parallel and the same seed gives byte-identical files
//! whatever the thread count. Anomalies are planted at configurable rates,
//! one per invoice at most, and their exact counts are written to
//! `expected_counts.json`, which a `run` on the bundle must reproduce.
//!
//! The KSeF extract is complete and covers the year unless
//! `--truncate-extract` asks for one that is not (the unsent invoices are
//! then `unverified`). What it deliberately does not generate: emergency and
//! total-failure periods, access logs and grants, technical corrections.
//! Those rules are covered by the hand-worked demo bundle; here they stay at
//! zero. With `--jpk` the ledger is JPK_V7M(3) returns ([`jpk`]). docs/development.md lists the planted anomalies.

mod dates;
mod docs;
mod jpk;
pub mod lean;
pub mod parquet;
pub mod plan;
mod render;

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use rayon::prelude::*;

use crate::contract::{Source, Status};
use plan::{Anomaly, Calendar, Rates};
use render::Chunk;

/// Invoices rendered per parallel task; large enough to amortise the task,
/// small enough that a batch of them stays well under a gigabyte.
const CHUNK: u64 = 50_000;

/// KSeF records per JSON page, like the API's paging.
const PAGE: usize = 10_000;

/// What `generate` was asked for.
#[derive(Debug, Clone)]
pub struct GenerateOptions {
    pub invoices: u64,
    pub out: PathBuf,
    pub seed: u64,
    pub rates: Rates,
    /// Also write every offline invoice's FA(3) file under `archive/`.
    pub archive: bool,
    /// Write the ledger and the KSeF metadata export as typed Parquet
    /// instead of CSV (`ledger/ledger.parquet`, `ksef/metadata/ksef_metadata.parquet`).
    pub parquet: bool,
    /// The last KSeF API page says `hasMore: true`, as if the extract had
    /// stopped before its end: KSEF_EXTRACT_INCOMPLETE, and the unsent
    /// invoices `unverified` instead of `overdue`.
    pub truncate_extract: bool,
    /// Write the ledger as JPK_V7M(3) returns, one per month, instead of
    /// CSV (see [`jpk`]).
    pub jpk: bool,
}

/// Counts planted by the generator; `run` must report the same.
#[derive(Debug, Default, Clone, serde::Serialize)]
pub struct Expected {
    pub as_of: String,
    pub invoices: u64,
    pub rows: BTreeMap<String, u64>,
    pub counts_by_status: BTreeMap<String, u64>,
    pub counts_by_code: BTreeMap<String, u64>,
}

/// Writes the bundle into `options.out` (which must not exist or be empty).
pub fn generate(options: &GenerateOptions) -> Result<Expected> {
    let out = &options.out;
    create_folders(out)?;
    let cal = Calendar::new();
    let ctx = plan::PlanInputs {
        seed: options.seed,
        n: options.invoices,
        rates: options.rates.clone(),
        cal: &cal,
    };
    let render_options = render::Options {
        archive: options.archive,
        jpk: options.jpk,
    };
    let mut files = Files::create(out, options.jpk)?;
    let starts: Vec<u64> = (0..options.invoices).step_by(CHUNK as usize).collect();
    let batch = rayon::current_num_threads().max(1) * 2;
    for group in starts.chunks(batch) {
        let chunks: Vec<Result<Chunk>> = group
            .par_iter()
            .map(|&start| {
                let end = (start + CHUNK).min(options.invoices);
                let chunk = render::chunk(&ctx, start..end, render_options);
                if options.archive {
                    for (path, bytes) in &chunk.archive {
                        write_new(&out.join(path), bytes)?;
                    }
                }
                Ok(chunk)
            })
            .collect();
        for chunk in chunks {
            files.take(chunk?)?;
        }
    }
    let (parts, json_records, upo, totals) = files.finish()?;
    if options.parquet {
        for (paths, source) in parts {
            for csv in paths {
                parquet::csv_to_parquet(&csv, &csv.with_extension("parquet"), source)?;
            }
        }
    }
    let truncated = options.truncate_extract && !json_records.is_empty();
    write_pages(out, &json_records, truncated)?;
    let test_upos = write_upos(out, options, &upo)?;
    write_fixed(out, &cal)?;
    let facts = Facts {
        jpk: options.jpk,
        archive: options.archive,
        test_upos,
        truncated,
    };
    let expected = expected(&cal, &totals, &facts);
    let mut json = serde_json::to_vec_pretty(&expected)?;
    json.push(b'\n');
    write_new(&out.join("expected_counts.json"), &json)?;
    Ok(expected)
}

/// The files the invoices' chunks are appended to, in order.
struct Files {
    /// The ledger as CSV parts, or (`--jpk`) as JPK_V7 returns.
    ledger: Result<PartedCsv, jpk::Returns>,
    ksef: PartedCsv,
    log: BufWriter<File>,
    /// The offline invoices' KSeF records, written as API pages at the end.
    json_records: Vec<String>,
    /// UPO documents by submission day, written as one file a day.
    upo: BTreeMap<chrono::NaiveDate, Vec<u8>>,
    totals: render::Tally,
}

/// The CSV exports written in parts, by source; the KSeF API records; the
/// UPO documents by day; the tally.
type Finished = (
    [(Vec<PathBuf>, Source); 2],
    Vec<String>,
    BTreeMap<chrono::NaiveDate, Vec<u8>>,
    render::Tally,
);

impl Files {
    fn create(out: &Path, jpk: bool) -> Result<Files> {
        let ledger = match jpk {
            false => Ok(PartedCsv::create(
                out,
                "ledger/ledger",
                render::LEDGER_HEADER,
                PART_BYTES,
            )?),
            true => Err(jpk::Returns::new(out, 2025)),
        };
        Ok(Files {
            ledger,
            ksef: PartedCsv::create(
                out,
                "ksef/metadata/ksef_metadata",
                render::KSEF_HEADER,
                PART_BYTES,
            )?,
            log: csv_file(out, "offline/log.csv", render::LOG_HEADER)?,
            json_records: Vec::new(),
            upo: BTreeMap::new(),
            totals: render::Tally::default(),
        })
    }

    fn take(&mut self, chunk: Chunk) -> Result<()> {
        match self.ledger.as_mut() {
            Ok(ledger) => ledger.write_all(&chunk.ledger)?,
            Err(returns) => returns.write(&chunk.jpk)?,
        }
        self.ksef.write_all(&chunk.ksef_csv)?;
        self.log.write_all(&chunk.log)?;
        self.json_records.extend(chunk.ksef_json);
        for (day, docs) in chunk.upo {
            self.upo.entry(day).or_default().extend_from_slice(&docs);
        }
        self.totals.add(&chunk.tally);
        Ok(())
    }

    fn finish(mut self) -> Result<Finished> {
        self.log.flush()?;
        let ledger_parts = match self.ledger {
            Ok(ledger) => ledger.finish()?,
            Err(mut returns) => {
                returns.close()?;
                Vec::new()
            }
        };
        let parts = [
            (ledger_parts, Source::Ledger),
            (self.ksef.finish()?, Source::KsefMetadata),
        ];
        Ok((parts, self.json_records, self.upo, self.totals))
    }
}

/// The bundle's folders, in `out`, which must be absent or empty.
fn create_folders(out: &Path) -> Result<()> {
    create_empty(out)?;
    for dir in [
        "ledger",
        "offline",
        "announcements",
        "ksef/metadata",
        "ksef/upo",
    ] {
        fs::create_dir_all(out.join(dir))
            .with_context(|| format!("cannot create {}", out.join(dir).display()))?;
    }
    Ok(())
}

/// The UPO receipts, one file per submission day. A day is issued by KSeF's
/// test environment with probability `rates.test_upo`, drawn from (seed,
/// day); returns how many such files were written (UPO_NOT_PRODUCTION).
fn write_upos(
    out: &Path,
    options: &GenerateOptions,
    upo: &BTreeMap<chrono::NaiveDate, Vec<u8>>,
) -> Result<u64> {
    let mut test = 0;
    for (day, docs) in upo {
        let salt = u64::from(chrono::Datelike::num_days_from_ce(day).unsigned_abs());
        let from_test =
            plan::Rng::new(options.seed ^ TEST_UPO_SALT, salt).unit() < options.rates.test_upo;
        test += u64::from(from_test);
        let name = format!("ksef/upo/UPO_{}.xml", day.format("%Y%m%d"));
        write_new(&out.join(name), &docs::upo_file(*day, docs, from_test))?;
    }
    Ok(test)
}

/// Keeps the test-receipt draws apart from the invoices' own (which use the
/// seed with the invoice index).
const TEST_UPO_SALT: u64 = 0x7E57_0000_0000_0000;

/// The files that do not depend on the invoices: decisions, announcements,
/// `recon.toml` and the business-day table.
fn write_fixed(out: &Path, cal: &Calendar) -> Result<()> {
    write_new(
        &out.join("offline/decisions.csv"),
        render::decisions(cal).as_bytes(),
    )?;
    write_new(
        &out.join("announcements/status.json"),
        render::status_json(cal).as_bytes(),
    )?;
    write_new(
        &out.join("announcements/manual.csv"),
        render::ANNOUNCEMENTS_CSV.as_bytes(),
    )?;
    write_new(
        &out.join("recon.toml"),
        format!(
            "# Written by ksef-recon generate.\nsellers = [\"{}\"]\n\
             # The generated year is 2025: the seller's KSeF duty is taken to\n\
             # start with it, and the KSeF extract to be taken on the as-of date.\n\
             ksef_from = \"{}\"\nksef_extract_through = \"{}T23:59:59\"\n",
            plan::SELLER,
            cal.days.first().copied().unwrap_or(cal.as_of),
            cal.as_of
        )
        .as_bytes(),
    )?;
    write_new(&out.join("calendar.csv"), calendar_csv().as_bytes())
}

/// Refuses an `out` that exists and is not empty.
fn create_empty(out: &Path) -> Result<()> {
    if out.exists() && fs::read_dir(out)?.next().is_some() {
        bail!(
            "{} exists and is not empty: generate writes a fresh bundle",
            out.display()
        );
    }
    Ok(())
}

/// What the bundle holds besides the tallied invoices.
struct Facts {
    /// The ledger is JPK_V7 returns.
    jpk: bool,
    archive: bool,
    /// UPO files issued by the test environment.
    test_upos: u64,
    /// The extract's last page says more follow.
    truncated: bool,
}

fn expected(cal: &Calendar, t: &render::Tally, f: &Facts) -> Expected {
    let orphans = if f.archive {
        t.anomaly(Anomaly::ArchiveOrphan)
    } else {
        0
    };
    let archived = if f.archive { t.log_rows } else { 0 };
    // The replaced originals' rows are read and used as rows of their files.
    let rows = [
        ("ledger", t.ledger_rows + t.jpk.original_rows),
        ("offline_log", t.log_rows),
        ("ksef_metadata", t.ksef_rows),
        ("upo", t.upo_docs),
        ("archive", archived + orphans + t.corrections),
    ];
    let late = t.anomaly(Anomaly::Late);
    let missing = t.anomaly(Anomaly::Missing);
    let not_in_ledger = t.anomaly(Anomaly::NotInLedger);
    let receipts = t.anomaly(Anomaly::Receipt);
    // Without a complete extract the absence of the missing invoices'
    // submissions is not proven: they are unverified, and not overdue.
    let (overdue, unverified) = if f.truncated {
        (0, missing)
    } else {
        (missing, 0)
    };
    let statuses = [
        (
            Status::SubmittedOnTime,
            t.invoices - late - missing - not_in_ledger - receipts,
        ),
        (Status::SubmittedLate, late),
        (Status::Pending, 0),
        (Status::Unverified, unverified),
        (Status::Overdue, overdue),
        (Status::NotRequired, not_in_ledger + receipts),
    ];
    let codes = codes(t, f, overdue, orphans);
    let map = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    Expected {
        as_of: cal.as_of.to_string(),
        invoices: t.invoices,
        rows: map(&rows),
        counts_by_status: statuses
            .iter()
            .map(|(s, n)| (s.as_str().to_string(), *n))
            .collect(),
        counts_by_code: map(&codes),
    }
}

/// The findings planted, by code: `overdue` unsent invoices (none when the
/// extract proves no absence) and `orphans` archived files.
fn codes(t: &render::Tally, f: &Facts, overdue: u64, orphans: u64) -> [(&'static str, u64); 15] {
    // A planted hash mismatch is seen twice when the archive is given: the
    // log's hash and the file's own SHA-256 both differ from KSeF's.
    let hash = t.anomaly(Anomaly::HashMismatch) * if f.archive { 2 } else { 1 };
    let bfk = t.anomaly(Anomaly::BfkMarker);
    [
        ("OVERDUE_SUBMISSION", overdue),
        ("LATE_SUBMISSION", t.anomaly(Anomaly::Late)),
        ("NOT_IN_LEDGER", t.anomaly(Anomaly::NotInLedger)),
        (
            "AMOUNT_MISMATCH",
            t.anomaly(Anomaly::AmountMismatch) - t.jpk.amounts_not_compared,
        ),
        ("DUPLICATE_NUMBER", t.anomaly(Anomaly::Duplicate)),
        ("HASH_MISMATCH", hash),
        ("OFFLINE_NOT_IN_LOG", t.anomaly(Anomaly::OfflineNotInLog)),
        // Both the borrower and the lender of the number are reported.
        (
            "DUPLICATE_KSEF_NUMBER",
            2 * t.anomaly(Anomaly::DuplicateKsefNumber),
        ),
        // In a JPK_V7 return a DI row of an invoice KSeF had numbered is one
        // too; the BFK rows are one in any ledger.
        (
            "MARKER_MISMATCH",
            if f.jpk { t.jpk.marker_mismatch } else { bfk },
        ),
        ("JPK_CORRECTION_DUE", t.jpk.correction_due),
        ("BFK_IN_KSEF", bfk),
        ("UPO_NOT_PRODUCTION", f.test_upos),
        ("ARCHIVE_ORPHAN", orphans),
        ("CORRECTION_BEFORE_ORIGINAL", t.corrections),
        ("KSEF_EXTRACT_INCOMPLETE", u64::from(f.truncated)),
    ]
}

/// `next()` and `add(d, 7)` for every day of 2024-2027, from [`crate::calendar`]:
/// the business-day table that SQL engines without our calendar join against
/// (`benches/reference/`). `run` does not read it.
fn calendar_csv() -> String {
    let first = chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap_or_default();
    let last = chrono::NaiveDate::from_ymd_opt(2027, 12, 31).unwrap_or_default();
    let mut s = String::from("date,next_business_day,add7_business_days\n");
    for (d, next, add7) in crate::calendar::days_with_deadlines(first, last) {
        s.push_str(&format!(
            "{},{},{}\n",
            dates::ymd(d),
            dates::ymd(next),
            dates::ymd(add7)
        ));
    }
    s
}

/// The offline invoices' KSeF records as API `QueryInvoicesMetadataResponse`
/// pages, `hasMore` on every page but the last (and on the last too when
/// `truncated`: the extract then proves no absence).
fn write_pages(out: &Path, records: &[String], truncated: bool) -> Result<()> {
    let pages = records.chunks(PAGE).count();
    for (n, page) in records.chunks(PAGE).enumerate() {
        let mut text = String::with_capacity(page.iter().map(String::len).sum::<usize>() + 64);
        text.push_str(&format!(
            "{{\n  \"hasMore\": {},\n  \"isTruncated\": false,\n  \"invoices\": [\n",
            n + 1 < pages || truncated
        ));
        text.push_str(&page.join(",\n"));
        text.push_str("\n  ]\n}\n");
        let name = format!("ksef/metadata/page_{:05}.json", n + 1);
        write_new(&out.join(name), text.as_bytes())?;
    }
    Ok(())
}

/// Where a generated export starts a new part. `run` refuses a table file
/// over 2 GiB (`ingest::files::MAX_TABLE_BYTES`), and real exports of that
/// size come in parts too: 10M KSeF metadata rows are about 2.3 GB.
const PART_BYTES: u64 = 1 << 30;

/// A CSV export written in parts of at most `part_bytes` (unless one block
/// of rows is larger): `stem.csv`, then `stem_002.csv`, ..., each with the
/// header. The names sort in row order, so "first row" stays the same.
struct PartedCsv {
    out: PathBuf,
    stem: String,
    header: &'static str,
    part_bytes: u64,
    writer: BufWriter<File>,
    written: u64,
    paths: Vec<PathBuf>,
}

impl PartedCsv {
    fn create(out: &Path, stem: &str, header: &'static str, part_bytes: u64) -> Result<Self> {
        let rel = format!("{stem}.csv");
        Ok(PartedCsv {
            out: out.to_path_buf(),
            stem: stem.to_string(),
            header,
            part_bytes,
            writer: csv_file(out, &rel, header)?,
            written: header.len() as u64,
            paths: vec![out.join(rel)],
        })
    }

    /// Appends whole rows; a new part starts first if they would not fit.
    fn write_all(&mut self, rows: &[u8]) -> Result<()> {
        let has_rows = self.written > self.header.len() as u64;
        if has_rows && self.written + rows.len() as u64 > self.part_bytes {
            self.writer.flush()?;
            let rel = format!("{}_{:03}.csv", self.stem, self.paths.len() + 1);
            self.writer = csv_file(&self.out, &rel, self.header)?;
            self.written = self.header.len() as u64;
            self.paths.push(self.out.join(rel));
        }
        self.writer.write_all(rows)?;
        self.written += rows.len() as u64;
        Ok(())
    }

    /// The parts written, in order.
    fn finish(mut self) -> Result<Vec<PathBuf>> {
        self.writer.flush()?;
        Ok(self.paths)
    }
}

fn csv_file(out: &Path, rel: &str, header: &str) -> Result<BufWriter<File>> {
    let path = out.join(rel);
    let file = File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    w.write_all(header.as_bytes())?;
    Ok(w)
}

fn write_new(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows go into parts in order, each part starts with the header, a part
    /// passes its size only by one block of rows, and the names sort in row
    /// order.
    #[test]
    fn exports_are_written_in_parts_that_sort_in_row_order() {
        let dir = tempfile::tempdir().unwrap();
        fs::create_dir_all(dir.path().join("ledger")).unwrap();
        let header = "a,b\n";
        let mut csv = PartedCsv::create(dir.path(), "ledger/ledger", header, 20).unwrap();
        for block in ["1,x\n2,y\n", "3,z\n", "4,w\n5,v\n6,u\n", "7,t\n8,s\n"] {
            csv.write_all(block.as_bytes()).unwrap();
        }
        let paths = csv.finish().unwrap();
        let names: Vec<String> = paths
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["ledger.csv", "ledger_002.csv", "ledger_003.csv"]);
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(sorted, names);
        let texts: Vec<String> = paths
            .iter()
            .map(|p| fs::read_to_string(p).unwrap())
            .collect();
        assert_eq!(
            texts,
            [
                "a,b\n1,x\n2,y\n3,z\n",
                "a,b\n4,w\n5,v\n6,u\n",
                "a,b\n7,t\n8,s\n"
            ]
        );
    }
}
