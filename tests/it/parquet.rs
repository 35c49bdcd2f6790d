//! Parquet in (ledger, KSeF metadata) and out (`run --format`).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::path::Path;

use ksef_recon::contract::Source;
use ksef_recon::generate::parquet::csv_to_parquet;
use polars::prelude::*;

use crate::support::{Bundle, copy_dir, fixtures, run};

const AS_OF: &str = "2026-04-10";
const TABLES: [&str; 5] = [
    "exceptions",
    "reconciliation",
    "completeness",
    "rejected",
    "responsibility",
];

fn write_parquet(path: &Path, columns: Vec<Column>) {
    let height = columns.first().map_or(0, Column::len);
    let mut df = DataFrame::new(height, columns).expect("frame");
    fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    ParquetWriter::new(File::create(path).expect("create"))
        .finish(&mut df)
        .expect("parquet");
}

fn read_parquet(path: &Path) -> DataFrame {
    ParquetReader::new(File::open(path).expect("parquet output"))
        .finish()
        .expect("readable parquet")
}

fn dates(name: &str, days: &[Option<i32>]) -> Column {
    Column::new(name.into(), days)
        .cast(&DataType::Date)
        .expect("date")
}

/// 2026-03-02, days since 1970-01-01.
const MARCH_2: i32 = 20514;

/// `ledger/` (and `ksef/metadata/`) of the demo rewritten as typed Parquet
/// files; the exception details that name a file and line are mapped to
/// what the Parquet run names: the `.parquet` file, its row number (the
/// CSV's line minus the header).
#[test]
fn the_demo_as_parquet_gives_the_csv_demos_outputs() {
    let demo = fixtures().join("demo");
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("demo");
    copy_dir(&demo, &bundle);
    let mut converted = 0;
    for (folder, source) in [
        ("ledger", Source::Ledger),
        ("ksef/metadata", Source::KsefMetadata),
    ] {
        for entry in fs::read_dir(bundle.join(folder)).expect("list") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "csv") {
                csv_to_parquet(&path, &path.with_extension("parquet"), source).expect("convert");
                converted += 1;
            }
        }
    }
    assert_eq!(converted, 5, "three ledger files, two KSeF exports");
    let ledger = read_parquet(&bundle.join("ledger/sales_2026-03.parquet"));
    let ksef = read_parquet(&bundle.join("ksef/metadata/export_extra.parquet"));
    let dtype = |df: &DataFrame, c: &str| df.column(c).expect(c).dtype().clone();
    assert_eq!(dtype(&ledger, "issue_date"), DataType::Date);
    assert!(dtype(&ledger, "gross_amount").is_decimal());
    assert_eq!(
        dtype(&ksef, "invoicing_date"),
        DataType::Datetime(TimeUnit::Nanoseconds, Some(TimeZone::UTC))
    );
    let csv = run(&demo, AS_OF, &[]);
    let pq = run(&bundle, AS_OF, &[]);
    assert_eq!(
        (csv.status, pq.status),
        (0, 0),
        "{}{}",
        csv.stderr,
        pq.stderr
    );
    for name in [
        "reconciliation",
        "completeness",
        "rejected",
        "responsibility",
    ] {
        let name = format!("{name}.csv");
        assert!(csv.text(&name) == pq.text(&name), "{name} differs");
    }
    let located = |mut row: BTreeMap<String, String>| {
        let detail = row["detail"].clone();
        let converted = |file: &str| {
            let path = file.rsplit(' ').next().unwrap_or("");
            path.starts_with("ledger/") || path.starts_with("ksef/metadata/")
        };
        if let Some((file, rest)) = detail.split_once(".csv line ")
            && converted(file)
        {
            let (line, tail) = rest.split_once(':').expect("line: detail");
            let line: u64 = line.parse().expect("line number");
            row.insert(
                "detail".into(),
                format!("{file}.parquet line {}:{tail}", line - 1),
            );
        }
        row
    };
    let want: Vec<_> = csv
        .rows("exceptions.csv")
        .into_iter()
        .map(located)
        .collect();
    assert_eq!(want, pq.rows("exceptions.csv"));
    let (a, b) = (csv.json(), pq.json());
    assert_eq!(a["sources"], b["sources"], "rows read, used, rejected");
    for key in ["invoices", "counts_by_status", "counts_by_code", "outputs"] {
        assert_eq!(a[key], b[key], "{key}");
    }
    assert!(
        b["files"]
            .as_array()
            .expect("files")
            .iter()
            .any(|f| f["path"] == "ledger/sales_2026-03.parquet" && f["rows_used"] == 337)
    );
}

#[test]
fn a_bad_parquet_row_is_rejected_with_its_reason_and_row_number() {
    let b = Bundle::new().with_ledger();
    write_parquet(
        &b.path().join("ledger/more.parquet"),
        vec![
            Column::new(
                "Invoice_Number".into(),
                [Some("FV/2"), None, Some("FV/4"), Some("FV/5"), Some("FV/6")],
            ),
            dates(
                "issue_date",
                &[
                    Some(MARCH_2),
                    Some(MARCH_2),
                    Some(i32::MAX),
                    Some(MARCH_2),
                    Some(MARCH_2),
                ],
            ),
            Column::new("seller_nip".into(), [5265877635i64; 5]),
            Column::new("gross_amount".into(), [10.5f64, 1.0, 2.0, 1.234, 7.0]),
            Column::new("currency".into(), ["PLN", "PLN", "PLN", "PLN", "eur"]),
            Column::new("ignored".into(), vec![b"binary".as_slice(); 5]),
        ],
    );
    let r = run(b.path(), AS_OF, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected: Vec<(String, String, String)> = r
        .rows("rejected.csv")
        .into_iter()
        .map(|row| {
            (
                row["file"].clone(),
                row["line"].clone(),
                row["reason"].clone(),
            )
        })
        .collect();
    let file = "ledger/more.parquet".to_string();
    assert_eq!(
        rejected,
        [
            (
                file.clone(),
                "2".into(),
                "invoice_number: required value is empty".into()
            ),
            (
                file.clone(),
                "3".into(),
                "issue_date: 'day 2147483647 after 1970-01-01' is not a date (expected YYYY-MM-DD)"
                    .into()
            ),
            (
                file,
                "4".into(),
                "gross_amount: '1.234' has more than two decimal places".into()
            ),
        ]
    );
    let ledger = &r.json()["sources"]["ledger"];
    assert_eq!(
        (
            &ledger["rows_read"],
            &ledger["rows_used"],
            &ledger["rows_rejected"]
        ),
        (&6.into(), &3.into(), &3.into())
    );
    let rec = r.rows("reconciliation.csv");
    let fv2 = rec
        .iter()
        .find(|r| r["invoice_number"] == "FV/2")
        .expect("FV/2");
    assert_eq!(
        (fv2["issue_date"].as_str(), fv2["gross_amount"].as_str()),
        ("2026-03-02", "10.50")
    );
    let fv6 = rec
        .iter()
        .find(|r| r["invoice_number"] == "FV/6")
        .expect("FV/6");
    assert_eq!(fv6["currency"], "EUR");
}

#[test]
fn a_parquet_file_that_cannot_be_read_is_one_rejection_naming_it() {
    let mut good = Vec::new();
    let mut df =
        DataFrame::new(1, vec![Column::new("invoice_number".into(), ["FV/9"])]).expect("frame");
    ParquetWriter::new(&mut good)
        .finish(&mut df)
        .expect("parquet");
    let b = Bundle::new()
        .with_ledger()
        .file("ledger/broken.parquet", b"PAR1 this is not parquet PAR1")
        .file("ledger/cut.parquet", &good[..good.len() / 2])
        .file("ledger/narrow.parquet", &good)
        .file("offline/log.parquet", &good);
    let r = run(b.path(), AS_OF, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let reasons: BTreeMap<String, (String, String)> = r
        .rows("rejected.csv")
        .into_iter()
        .map(|row| {
            (
                row["file"].clone(),
                (row["line"].clone(), row["reason"].clone()),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 4, "{reasons:#?}");
    for file in ["ledger/broken.parquet", "ledger/cut.parquet"] {
        let (line, reason) = &reasons[file];
        assert!(
            line.is_empty() && reason.starts_with("not a readable Parquet file"),
            "{file}: {reason}"
        );
    }
    let (_, narrow) = &reasons["ledger/narrow.parquet"];
    assert!(
        narrow.starts_with(
            "missing required column(s): issue_date, seller_nip, gross_amount, currency"
        ),
        "{narrow}"
    );
    assert!(
        reasons["offline/log.parquet"]
            .1
            .starts_with("unsupported file type '.parquet' for offline_log"),
        "{reasons:#?}"
    );
    let json = r.json();
    let broken = json["files"]
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "ledger/broken.parquet")
        .expect("listed");
    assert!(
        broken["error"]
            .as_str()
            .is_some_and(|e| e.contains("Parquet"))
    );
    assert_eq!(json["sources"]["ledger"]["rows_used"], 1);
}

/// Column names as in `recon.toml`, timestamps with and without a zone,
/// amounts as decimals and integers.
#[test]
fn ksef_metadata_parquet_with_zones_renames_and_decimals() {
    let b = Bundle::new().with_ledger().file(
        "recon.toml",
        "[sources.ksef_metadata.columns]\nksef_number = \"NumerKSeF\"\n",
    );
    // 2026-03-02T23:30Z is already 3 March in Warsaw; the naive 10:00 is
    // Warsaw time as it stands.
    let zoned = Column::new(
        "invoicing_date".into(),
        [1_772_494_200_000i64, 1_772_445_600_000],
    )
    .cast(&DataType::Datetime(
        TimeUnit::Milliseconds,
        Some(TimeZone::UTC),
    ))
    .expect("ts");
    let naive = Column::new("acquisition_date".into(), [1_772_445_600_000_000i64; 2])
        .cast(&DataType::Datetime(TimeUnit::Microseconds, None))
        .expect("ts");
    let gross = Int128Chunked::from_iter_options(
        "gross_amount".into(),
        [Some(12300i128), Some(500)].into_iter(),
    )
    .into_decimal(10, 2)
    .expect("decimal")
    .into_series()
    .into_column();
    write_parquet(
        &b.path().join("ksef/metadata/export.parquet"),
        vec![
            Column::new(
                "numerksef".into(),
                [
                    "5265877635-20260302-016041EA982B-0E",
                    "5265877635-20260302-01F91BBAB4CB-65",
                ],
            ),
            Column::new("invoice_number".into(), ["FV/1", "FV/7"]),
            Column::new("seller_nip".into(), ["5265877635"; 2]),
            dates("issue_date", &[Some(MARCH_2); 2]),
            zoned,
            naive,
            gross,
            Column::new("net_amount".into(), [100i64, 4]),
            Column::new("currency".into(), ["PLN"; 2]),
        ],
    );
    let r = run(b.path(), AS_OF, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.rows("rejected.csv"), Vec::new());
    let rec = r.rows("reconciliation.csv");
    let fv1 = rec
        .iter()
        .find(|r| r["invoice_number"] == "FV/1")
        .expect("FV/1");
    assert_eq!(fv1["submitted_on"], "2026-03-03", "converted to Warsaw");
    assert_eq!(fv1["in_ksef"], "true");
    let json = r.json();
    assert_eq!(json["sources"]["ksef_metadata"]["rows_used"], 2);
    assert_eq!(json["counts_by_code"]["AMOUNT_MISMATCH"], 0, "123.00 both");
}

#[test]
fn format_parquet_writes_readable_deterministic_files() {
    let demo = fixtures().join("demo");
    let a = run(&demo, AS_OF, &["--format", "csv,parquet"]);
    let b = run(&demo, AS_OF, &["--format", "csv,parquet"]);
    assert_eq!((a.status, b.status), (0, 0), "{}{}", a.stderr, b.stderr);
    let outputs = &a.json()["outputs"];
    for name in TABLES {
        let (csv, pq) = (format!("{name}.csv"), format!("{name}.parquet"));
        let rows = a.rows(&csv);
        let back = read_parquet(&a.path(&pq));
        assert_eq!(back.height(), rows.len(), "{name}");
        assert_eq!(outputs[&pq], rows.len(), "{name} in run.json");
        assert_eq!(outputs[&csv], rows.len(), "{name} in run.json");
        let names: Vec<String> = back
            .get_column_names()
            .iter()
            .map(|n| n.to_string())
            .collect();
        let header: Vec<String> = csv::Reader::from_path(a.path(&csv))
            .expect("csv")
            .headers()
            .expect("header")
            .iter()
            .flat_map(|h| {
                // A deadline is a date with its kind beside it.
                let kind = (h == "deadline").then(|| "deadline_kind".to_string());
                std::iter::once(h.to_string()).chain(kind)
            })
            .collect();
        assert_eq!(names, header, "{name}: the CSV's columns");
        assert!(
            fs::read(a.path(&pq)).expect("a") == fs::read(b.path(&pq)).expect("b"),
            "{pq} differs between two runs"
        );
    }
    // Typed as a warehouse expects, each value the CSV's text read back.
    let rec = read_parquet(&a.path("reconciliation.parquet"));
    let dtype = |c: &str| rec.column(c).expect(c).dtype().clone();
    assert_eq!(dtype("issue_date"), DataType::Date);
    assert_eq!(dtype("deadline"), DataType::Date);
    assert_eq!(dtype("deadline_kind"), DataType::String);
    assert_eq!(dtype("in_ksef"), DataType::Boolean);
    assert_eq!(dtype("gross_amount"), DataType::Decimal(18, 2));
    let csv_rows = a.rows("reconciliation.csv");
    for (i, row) in csv_rows.iter().enumerate() {
        for (name, text) in row {
            let cell = rec.column(name).expect("column").get(i).expect("cell");
            let back = match cell {
                AnyValue::Null => String::new(),
                AnyValue::String(s) => s.to_string(),
                AnyValue::StringOwned(s) => s.to_string(),
                other => other.to_string(),
            };
            let kind = rec
                .column("deadline_kind")
                .expect("kind")
                .str()
                .expect("text")
                .get(i);
            if name == "deadline" && kind != Some("date") {
                assert_eq!(
                    (back.as_str(), kind),
                    ("", Some(text.as_str())),
                    "row {i}: {name}"
                );
            } else {
                assert_eq!(
                    back, *text,
                    "row {i}: {name}, the CSV's text, empty as null"
                );
            }
        }
    }
    let completeness = read_parquet(&a.path("completeness.parquet"));
    assert_eq!(
        completeness.column("overdue").expect("overdue").dtype(),
        &DataType::Int32
    );
    let responsibility = read_parquet(&a.path("responsibility.parquet"));
    assert_eq!(
        responsibility
            .column("started_at")
            .expect("started_at")
            .dtype(),
        &DataType::Datetime(TimeUnit::Milliseconds, None)
    );

    let only = run(&demo, AS_OF, &["--format", "parquet"]);
    assert_eq!(only.status, 0, "{}", only.stderr);
    assert!(
        !only.path("exceptions.csv").exists(),
        "parquet instead of CSV"
    );
    assert!(only.path("ageing.xlsx").exists() && only.path("dashboard.html").exists());
    let listed: Vec<String> = only.json()["outputs"]
        .as_object()
        .expect("outputs")
        .keys()
        .cloned()
        .collect();
    assert!(
        listed.iter().all(|n| n.ends_with(".parquet")) && listed.len() == 6,
        "{listed:?}"
    );
    for name in TABLES {
        let pq = format!("{name}.parquet");
        assert!(fs::read(only.path(&pq)).expect("only") == fs::read(a.path(&pq)).expect("a"));
    }
    let default = run(&demo, AS_OF, &[]);
    assert!(
        !default.path("exceptions.parquet").exists(),
        "Parquet only when asked"
    );
}
