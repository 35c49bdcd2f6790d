//! `ksef-recon export-tables`: the bundle as `run` reads it, as typed
//! Parquet for another engine.

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::Path;

use polars::prelude::*;

use crate::support::{Bundle, binary, fixtures, output_files, read_csv, run};

const AS_OF: &str = "2026-04-10";

const SOURCES: [&str; 11] = [
    "ledger",
    "offline_log",
    "decisions",
    "announcements",
    "ksef_metadata",
    "activity",
    "grants",
    "archive",
    "upo",
    "resolutions",
    "rates",
];

/// The tables the driver computes for `queries/matching/` besides
/// `deadline_keys`.
const DRIVEN: [&str; 4] = ["offline_periods", "jpk_returns", "ksef_extract", "sellers"];

/// Runs `export-tables` on `input` into `out`; returns the exit status and
/// stderr.
fn export(input: &Path, out: &Path, extra: &[&str]) -> (i32, String) {
    let output = binary()
        .arg("export-tables")
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out)
        .arg("--as-of")
        .arg(AS_OF)
        .arg("--quiet")
        .args(extra)
        .output()
        .expect("binary runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn exported(input: &Path, out: &Path, extra: &[&str]) {
    let (status, stderr) = export(input, out, extra);
    assert_eq!(status, 0, "{stderr}");
}

fn table(dir: &Path, name: &str) -> DataFrame {
    let path = dir.join(format!("{name}.parquet"));
    ParquetReader::new(File::open(&path).unwrap_or_else(|e| panic!("{name}: {e}")))
        .finish()
        .expect("readable parquet")
}

fn dtype(df: &DataFrame, column: &str) -> DataType {
    df.column(column).expect(column).dtype().clone()
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&fs::read_to_string(dir.join("manifest.json")).expect("manifest"))
        .expect("manifest is JSON")
}

#[test]
fn the_demo_exports_every_table_typed_with_runs_rows() {
    let demo = fixtures().join("demo");
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("tables");
    exported(&demo, &out, &[]);
    let run = run(&demo, AS_OF, &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let json = run.json();

    let mut used: BTreeMap<String, u64> = BTreeMap::new();
    for f in json["files"].as_array().expect("files") {
        *used
            .entry(f["source"].as_str().expect("source").to_string())
            .or_default() += f["rows_used"].as_u64().expect("used");
    }
    for source in SOURCES {
        let df = table(&out, source);
        let expected = used.get(source).copied().unwrap_or(0);
        assert_eq!(
            df.height() as u64,
            expected,
            "{source} rows as run.json uses"
        );
        assert_eq!(dtype(&df, "_file"), DataType::String, "{source}");
        assert_eq!(dtype(&df, "_line"), DataType::Int32, "{source}");
    }
    let rejected = table(&out, "rejected");
    assert_eq!(rejected.height(), run.rows("rejected.csv").len());
    assert_eq!(dtype(&rejected, "line"), DataType::Int32);

    let ledger = table(&out, "ledger");
    assert_eq!(dtype(&ledger, "issue_date"), DataType::Date);
    assert_eq!(dtype(&ledger, "gross_amount"), DataType::Decimal(18, 2));
    let log = table(&out, "offline_log");
    assert_eq!(
        dtype(&log, "issued_at"),
        DataType::Datetime(TimeUnit::Milliseconds, None)
    );
    assert_eq!(
        dtype(&table(&out, "rates"), "rate"),
        DataType::Decimal(18, 4)
    );
    let params = table(&out, "params");
    assert_eq!(params.height(), 1);
    assert_eq!(dtype(&params, "as_of"), DataType::Date);
    assert_eq!(dtype(&params, "amount_tolerance"), DataType::Decimal(18, 2));
    assert_eq!(dtype(&params, "ksef_from"), DataType::Date);
    let calendar = table(&out, "calendar");
    for column in ["date", "next", "add7"] {
        assert_eq!(dtype(&calendar, column), DataType::Date);
    }
    assert_eq!(dtype(&calendar, "business_day"), DataType::Boolean);
    let keys = table(&out, "deadline_keys");
    assert!(keys.height() > 0);
    assert_eq!(dtype(&keys, "deadline"), DataType::Date);
    assert_eq!(dtype(&keys, "issue_date"), DataType::Date);
    assert_eq!(dtype(&keys, "deadline_basis"), DataType::String);
    let periods = table(&out, "offline_periods");
    assert_eq!(dtype(&periods, "period_end"), DataType::Date);
    let returns = table(&out, "jpk_returns");
    let standing = returns
        .column("standing")
        .expect("standing")
        .str()
        .expect("text");
    let standing: Vec<&str> = standing.iter().flatten().collect();
    assert_eq!(
        standing,
        ["replaced", "stands"],
        "the demo's JPK correction"
    );
    let extract = table(&out, "ksef_extract");
    assert_eq!(extract.height(), 1);
    assert_eq!(dtype(&extract, "covers_through"), DataType::Date);
    // Every invoice's deadline, with its basis, is one of the keys'.
    let pairs = keys
        .clone()
        .lazy()
        .select([
            col("deadline")
                .cast(DataType::String)
                .fill_null(col("deadline_kind")),
            col("deadline_basis"),
        ])
        .collect()
        .expect("keys");
    let text = |c: &str| -> Vec<String> {
        let column = pairs.column(c).expect(c).str().expect(c).clone();
        column.iter().map(|v| v.unwrap_or("").to_string()).collect()
    };
    // reconciliation.csv writes a lapsed duty's deadline as `none`.
    let key_deadlines: std::collections::BTreeSet<(String, String)> = text("deadline")
        .into_iter()
        .map(|d| if d == "lapsed" { "none".to_string() } else { d })
        .zip(text("deadline_basis"))
        .collect();
    for r in run.rows("reconciliation.csv") {
        if !r["deadline_basis"].is_empty() {
            let pair = (r["deadline"].clone(), r["deadline_basis"].clone());
            assert!(key_deadlines.contains(&pair), "{pair:?}");
        }
    }

    // The manifest lists every table with its rows, and the inputs as
    // run.json does.
    let manifest = manifest(&out);
    assert_eq!(manifest["files"], json["files"]);
    let tables = manifest["tables"].as_array().expect("tables");
    // rejected, params, calendar, deadline_keys, the driver's tables for
    // the matching SQL (tests/it/matching_sql.rs), the decisions view for
    // `report` (tests/it/report.rs), and the rules' context with the list
    // of rules (tables::exceptions).
    assert_eq!(
        tables.len(),
        SOURCES.len() + 4 + DRIVEN.len() + 1 + CONTEXT.len() + 1
    );
    for name in CONTEXT {
        let listed = tables
            .iter()
            .any(|t| t["name"] == format!("context_{name}"));
        assert!(listed, "context_{name}");
    }
    for t in tables {
        let name = t["name"].as_str().expect("name");
        assert_eq!(
            t["rows"].as_u64(),
            Some(table(&out, name).height() as u64),
            "{name}"
        );
    }
}

/// The tables the rules read but `invoices`, as `export-tables` writes
/// them for another engine (`context_<name>.parquet`).
const CONTEXT: [&str; 16] = [
    "activity",
    "archive",
    "corrections",
    "decisions",
    "events",
    "extract_gaps",
    "given",
    "grants",
    "jpk_rows",
    "ksef",
    "ledger",
    "numbering_gaps",
    "offline_log",
    "params",
    "upo",
    "upo_not_production",
];

#[test]
fn two_exports_are_byte_identical() {
    let demo = fixtures().join("demo");
    let tmp = tempfile::tempdir().expect("temp");
    exported(&demo, &tmp.path().join("a"), &[]);
    exported(&demo, &tmp.path().join("b"), &[]);
    let (a, b) = (
        output_files(&tmp.path().join("a")),
        output_files(&tmp.path().join("b")),
    );
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs");
    }
    // A second export replaces the first as a whole.
    exported(&demo, &tmp.path().join("a"), &[]);
}

/// `rows` sorted by `by`, so that batches' rows compare as sets.
fn sorted(df: &DataFrame, by: &[&str]) -> DataFrame {
    df.sort(by.to_vec(), SortMultipleOptions::default())
        .expect("sort")
}

#[test]
fn batches_unioned_are_the_whole_export() {
    let demo = fixtures().join("demo");
    let tmp = tempfile::tempdir().expect("temp");
    let whole = tmp.path().join("whole");
    exported(&demo, &whole, &[]);
    let files: Vec<String> = manifest(&whole)["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| f["path"].as_str().expect("path").to_string())
        .collect();
    assert!(files.len() > 10, "{files:?}");
    // Every other file in each batch, so each source is split.
    let (mut a, mut b) = (String::from("# batch a\n"), String::new());
    for (i, f) in files.iter().enumerate() {
        let list = if i % 2 == 0 { &mut a } else { &mut b };
        list.push_str(f);
        list.push('\n');
    }
    let batches = [("a", a), ("b", b)].map(|(name, list)| {
        let path = tmp.path().join(format!("{name}.txt"));
        fs::write(&path, list).expect("list");
        let out = tmp.path().join(name);
        exported(&demo, &out, &["--files", path.to_str().expect("utf-8")]);
        out
    });
    let union = |name: &str, by: &[&str]| {
        let mut all = table(&batches[0], name);
        all.vstack_mut(&table(&batches[1], name)).expect(name);
        sorted(&all, by)
    };
    for source in SOURCES {
        let by = ["_file", "_line"];
        let whole = sorted(&table(&whole, source), &by);
        assert!(whole.equals_missing(&union(source, &by)), "{source}");
    }
    let by = ["file", "line", "reason"];
    let rejected = sorted(&table(&whole, "rejected"), &by);
    assert!(rejected.equals_missing(&union("rejected", &by)));
    for batch in &batches {
        assert!(table(batch, "params").equals_missing(&table(&whole, "params")));
        for name in [
            "deadline_keys",
            "offline_periods",
            "jpk_returns",
            "ksef_extract",
            "decisions_view",
        ] {
            assert!(!batch.join(format!("{name}.parquet")).exists(), "{name}");
            assert!(manifest(batch)["not_written"][name].is_string(), "{name}");
        }
        assert!(table(batch, "sellers").equals_missing(&table(&whole, "sellers")));
    }
    let calendar = union("calendar", &["date"])
        .unique_stable(None, UniqueKeepStrategy::First, None)
        .expect("unique");
    assert!(calendar.equals_missing(&table(&whole, "calendar")));
}

/// One row of the calendar: (business day, next, add 7).
fn day(calendar: &DataFrame, date: &str) -> (bool, String, String) {
    let text = calendar
        .clone()
        .lazy()
        .filter(col("date").cast(DataType::String).eq(lit(date)))
        .select([
            col("business_day"),
            col("next").cast(DataType::String),
            col("add7").cast(DataType::String),
        ])
        .collect()
        .expect("day");
    assert_eq!(text.height(), 1, "{date} is in the calendar");
    let s = |c: &str| {
        text.column(c)
            .unwrap()
            .str()
            .unwrap()
            .get(0)
            .unwrap()
            .to_string()
    };
    let business = text.column("business_day").unwrap().bool().unwrap().get(0);
    (business.expect("flag"), s("next"), s("add7"))
}

#[test]
fn the_calendar_knows_polish_holidays() {
    let bundle = Bundle::new().file(
        "ledger/sales.csv",
        "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
         FV/1,2025-12-23,5265877635,123.00,PLN\n",
    );
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("tables");
    exported(bundle.path(), &out, &[]);
    let calendar = table(&out, "calendar");
    // The data's years, whole: 2025 (the invoice) to 2026 (the as-of date).
    assert_eq!(calendar.height(), 365 * 2);
    // Easter Monday 2026; Good Friday is a working day in Poland.
    assert_eq!(
        day(&calendar, "2026-04-03"),
        (true, "2026-04-07".into(), "2026-04-15".into())
    );
    assert!(!day(&calendar, "2026-04-06").0);
    // 24 December is a holiday from 2025, then Christmas and a weekend;
    // 1 and 6 January are holidays too.
    assert!(!day(&calendar, "2025-12-24").0);
    assert_eq!(
        day(&calendar, "2025-12-23"),
        (true, "2025-12-29".into(), "2026-01-08".into())
    );
    // A weekend.
    assert!(!day(&calendar, "2026-03-07").0);
    assert_eq!(day(&calendar, "2026-03-07").1, "2026-03-09");
}

#[test]
fn a_bad_input_is_a_clear_error() {
    let tmp = tempfile::tempdir().expect("temp");
    let (status, stderr) = export(&tmp.path().join("missing"), &tmp.path().join("t"), &[]);
    assert_eq!(status, 1, "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!tmp.path().join("t").exists());

    let list = tmp.path().join("list.txt");
    fs::write(&list, "ledger/nope.csv\n").expect("list");
    let demo = fixtures().join("demo");
    let (status, stderr) = export(
        &demo,
        &tmp.path().join("t"),
        &["--files", list.to_str().unwrap()],
    );
    assert_eq!(status, 2, "{stderr}");
    assert!(stderr.contains("ledger/nope.csv"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn the_rejected_rows_are_runs() {
    let demo = fixtures().join("demo");
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("tables");
    exported(&demo, &out, &[]);
    let run = crate::support::run(&demo, AS_OF, &[]);
    let csv = read_csv(&run.path("rejected.csv"));
    let rejected = table(&out, "rejected");
    let files = rejected.column("file").unwrap().str().unwrap();
    let reasons = rejected.column("reason").unwrap().str().unwrap();
    for (i, row) in csv.iter().enumerate() {
        assert_eq!(files.get(i), Some(row["file"].as_str()));
        assert_eq!(reasons.get(i), Some(row["reason"].as_str()));
    }
}

/// A resolution `run` refuses against its findings (here: approved by its
/// own resolver, and one of an exception the run does not raise) is
/// rejected by the export too, so the tables keep run's rows.
#[test]
fn resolutions_are_judged_as_run_judges_them() {
    let ledger = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
                  FV/1,2026-03-02,5265877635,1.00,PLN\n\
                  FV/1,2026-03-02,5265877635,1.00,PLN\n";
    let bundle = Bundle::new().file("ledger/sales.csv", ledger);
    let first = run(bundle.path(), AS_OF, &[]);
    let exceptions = first.rows("exceptions.csv");
    let fv1 = &exceptions
        .iter()
        .find(|e| e["code"] == "DUPLICATE_NUMBER")
        .expect("FV/1 is booked twice")["exception_id"];
    let resolutions = format!(
        "exception_id,status,by,at,comment,approved_by\n\
         {fv1},accepted_risk,b.lis,2026-04-02T09:00:00+02:00,one sale,m.kowalska\n\
         {fv1},resolved,c.wrona,2026-04-02T10:00:00+02:00,self-approved,C.Wrona\n\
         EX-NONE,resolved,b.lis,2026-04-02T10:00:00+02:00,no such finding,m.kowalska\n"
    );
    let bundle = bundle.file("resolutions/2026-04.csv", resolutions);
    let run = run(bundle.path(), AS_OF, &[]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let csv = run.rows("rejected.csv");
    assert!(csv.len() >= 2, "{csv:?}");
    let tmp = tempfile::tempdir().expect("temp");
    let out = tmp.path().join("tables");
    exported(bundle.path(), &out, &[]);
    assert_eq!(table(&out, "rejected").height(), csv.len());
    assert_eq!(table(&out, "resolutions").height(), 1);
    assert_eq!(manifest(&out)["files"], run.json()["files"]);
    // A batch writes its resolutions as read; put together with the
    // ledger's batch, they are judged as the whole export judges them.
    crate::batches::batches_make_the_whole(bundle.path(), AS_OF, 2);
}
