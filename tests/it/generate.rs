//! `generate`: the same seed gives the same bytes, and `run` finds exactly
//! the anomalies the generator planted (its `expected_counts.json`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::support::{KEY_RATES, Run, V12_RATES, generated, read_csv, run};

fn generate(out: &Path, extra: &[&str]) {
    let mut args = vec!["--invoices", "20000"];
    args.extend(extra);
    generated(out, &args);
}

/// Every file under `dir` with its bytes, by relative path.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("list") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p.strip_prefix(dir).expect("inside").display().to_string();
                out.insert(rel, fs::read(&p).expect("read"));
            }
        }
    }
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let tmp = tempfile::tempdir().expect("temp");
    let (a, b, c) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("c"),
    );
    generate(&a, &["--seed", "7", "--archive"]);
    generate(&b, &["--seed", "7", "--archive"]);
    generate(&c, &["--seed", "8", "--archive"]);
    let (fa, fb) = (files(&a), files(&b));
    assert!(
        fa.len() > 400,
        "ledger, log, pages, UPOs and 400 FA(3) files"
    );
    assert!(fa == fb, "same seed must give byte-identical bundles");
    assert_ne!(fa["ledger/ledger.csv"], files(&c)["ledger/ledger.csv"]);
}

/// Runs the bundle and checks run.json against its expected_counts.json:
/// every status, every code in either of them, and every source's rows.
/// `planted` are codes the test's rates must have produced at least once.
fn assert_counts(bundle: &Path, planted: &[&str]) -> Run {
    let expected: serde_json::Value =
        serde_json::from_slice(&fs::read(bundle.join("expected_counts.json")).expect("expected"))
            .expect("json");
    let r = run(bundle, expected["as_of"].as_str().expect("as_of"), &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let got = r.json();
    assert_eq!(got["invoices"], expected["invoices"]);
    assert_eq!(got["counts_by_status"], expected["counts_by_status"]);
    let codes = got["counts_by_code"].as_object().expect("codes");
    let wanted = expected["counts_by_code"].as_object().expect("codes");
    for code in codes.keys().chain(wanted.keys()) {
        let n = |counts: &serde_json::Map<String, serde_json::Value>| {
            counts
                .get(code)
                .and_then(serde_json::Value::as_u64)
                .unwrap_or(0)
        };
        assert_eq!(n(codes), n(wanted), "{code} in {}", bundle.display());
    }
    for (source, n) in expected["rows"].as_object().expect("rows") {
        if n.as_u64() == Some(0) {
            continue;
        }
        assert_eq!(got["sources"][source]["rows_used"], *n, "{source}");
        assert_eq!(got["sources"][source]["rows_rejected"], 0, "{source}");
    }
    for code in planted {
        assert!(codes[*code].as_u64() > Some(0), "{code} planted");
    }
    r
}

/// The findings every default-shaped bundle has.
const CORE: [&str; 3] = ["LATE_SUBMISSION", "OVERDUE_SUBMISSION", "AMOUNT_MISMATCH"];

#[test]
fn run_finds_exactly_what_was_planted() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("b");
    let mut args = vec!["--seed", "3"];
    args.extend(KEY_RATES);
    args.extend(V12_RATES);
    generate(&bundle, &args);
    let r = assert_counts(
        &bundle,
        &[
            &CORE[..],
            &[
                "OFFLINE_NOT_IN_LOG",
                "DUPLICATE_KSEF_NUMBER",
                "MARKER_MISMATCH",
                "BFK_IN_KSEF",
                "UPO_NOT_PRODUCTION",
            ],
        ]
        .concat(),
    );
    markers_and_receipts_keep_their_statuses(&bundle, &r);
}

/// `DI` lifts nothing: every invoice booked with it was sent on time and is
/// `submitted_on_time`; every `RO` document is `not_required`.
fn markers_and_receipts_keep_their_statuses(bundle: &Path, r: &Run) {
    let ledger = read_csv(&bundle.join("ledger/ledger.csv"));
    let status: BTreeMap<String, String> = r
        .rows("reconciliation.csv")
        .into_iter()
        .map(|row| (row["invoice_number"].clone(), row["status"].clone()))
        .collect();
    let of = |column: &str, value: &str| -> Vec<&str> {
        ledger
            .iter()
            .filter(|row| row[column] == value)
            .map(|row| status[&row["invoice_number"]].as_str())
            .collect()
    };
    let (di, ro) = (of("ksef_marker", "DI"), of("document_type", "RO"));
    assert!(
        di.len() > 50 && ro.len() > 10,
        "DI {} RO {}",
        di.len(),
        ro.len()
    );
    assert!(di.iter().all(|s| *s == "submitted_on_time"), "{di:?}");
    assert!(ro.iter().all(|s| *s == "not_required"), "{ro:?}");
}

#[test]
fn run_finds_exactly_what_was_planted_with_the_archive() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("b");
    let mut args = vec![
        "--seed",
        "4",
        "--archive",
        "--hash-mismatch-rate",
        "0.002",
        "--archive-orphan-rate",
        "0.002",
        "--correction-before-original-rate",
        "0.002",
    ];
    args.extend(V12_RATES);
    generate(&bundle, &args);
    assert_counts(
        &bundle,
        &[
            &CORE[..],
            &[
                "ARCHIVE_ORPHAN",
                "HASH_MISMATCH",
                "CORRECTION_BEFORE_ORIGINAL",
            ],
        ]
        .concat(),
    );
}

/// The default rates, as the benchmarks use them: every planted code agrees.
#[test]
fn a_default_bundle_gives_the_planted_counts() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("b");
    generate(&bundle, &["--seed", "6", "--archive"]);
    assert_counts(&bundle, &CORE);
}

/// With the extract cut short, nothing unsent can be proven absent: the
/// missing invoices are `unverified` and no OVERDUE_SUBMISSION is raised.
#[test]
fn a_truncated_extract_leaves_the_unsent_invoices_unverified() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("b");
    generate(&bundle, &["--seed", "3", "--truncate-extract"]);
    let r = assert_counts(&bundle, &["KSEF_EXTRACT_INCOMPLETE", "LATE_SUBMISSION"]);
    let got = r.json();
    assert!(got["counts_by_status"]["unverified"].as_u64() > Some(0));
    assert_eq!(got["counts_by_status"]["overdue"], 0);
    assert_eq!(got["ksef_extract"]["complete"], false);
}

#[test]
fn a_parquet_bundle_gives_the_planted_counts_too() {
    let tmp = tempfile::tempdir().expect("temp");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    generate(&a, &["--seed", "5", "--parquet"]);
    generate(&b, &["--seed", "5", "--parquet"]);
    let fa = files(&a);
    for (csv, parquet) in [
        ("ledger/ledger.csv", "ledger/ledger.parquet"),
        (
            "ksef/metadata/ksef_metadata.csv",
            "ksef/metadata/ksef_metadata.parquet",
        ),
    ] {
        assert!(
            !fa.contains_key(csv) && fa.contains_key(parquet),
            "{parquet}"
        );
    }
    assert!(
        fa == files(&b),
        "same seed must give byte-identical bundles"
    );
    assert_counts(&a, &CORE);
}

/// `--shape lean`: two CSVs and an empty offline log, the same bytes for the
/// same seed, and a run that finds exactly its five planted kinds.
#[test]
fn lean_shape_is_two_csvs_and_runs_to_its_planted_counts() {
    let tmp = tempfile::tempdir().expect("temp");
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    generate(&a, &["--shape", "lean", "--seed", "5"]);
    generate(&b, &["--shape", "lean", "--seed", "5"]);
    let fa = files(&a);
    assert_eq!(
        fa.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "expected_counts.json",
            "ksef/metadata/ksef_metadata.csv",
            "ledger/ledger.csv",
            "offline/log.csv"
        ]
    );
    assert!(
        fa == files(&b),
        "same seed must give byte-identical bundles"
    );
    assert_counts(
        &a,
        &[&CORE[..], &["NOT_IN_LEDGER", "ONLINE_SENT_LATE"]].concat(),
    );
}

/// `--jpk`: the ledger as JPK_V7M(3) returns. The run finds the planted
/// marker errors and the corrections due, replaces the corrected months'
/// originals, and judges every invoice as the CSV ledger of the same seed
/// does.
#[test]
fn a_jpk_ledger_gives_the_planted_marker_findings() {
    let tmp = tempfile::tempdir().expect("temp");
    let (jpk, csv) = (tmp.path().join("jpk"), tmp.path().join("csv"));
    let mut args = vec!["--seed", "3"];
    args.extend(V12_RATES);
    generate(&csv, &args);
    args.push("--jpk");
    generate(&jpk, &args);
    let r = assert_counts(
        &jpk,
        &[&CORE[..], &["MARKER_MISMATCH", "JPK_CORRECTION_DUE"]].concat(),
    );
    let json = r.json();
    let returns = json["jpk"]["returns"].as_array().expect("returns");
    let replaced = returns
        .iter()
        .filter(|f| f["standing"] == "replaced")
        .count();
    assert_eq!((returns.len(), replaced), (14, 3), "11 months, 3 corrected");
    assert!(json["jpk"]["rows_replaced"].as_u64() > Some(0));
    assert_eq!(json["jpk"]["rows_not_judged"], 0);
    // Every marker finding and correction due is a row of the worklist.
    let codes = &json["counts_by_code"];
    let rows = r
        .rows("jpk_corrections.csv")
        .into_iter()
        .filter(|row| row["entry"] == "row")
        .count() as u64;
    let bfk = codes["BFK_IN_KSEF"].as_u64().unwrap_or(0);
    let marker = codes["MARKER_MISMATCH"].as_u64().unwrap_or(0);
    let due = codes["JPK_CORRECTION_DUE"].as_u64().unwrap_or(0);
    assert!(
        marker > bfk,
        "DI rows of numbered invoices are findings too"
    );
    assert_eq!(rows, marker + due);
    // The same invoices as the CSV ledger, with the same statuses.
    let from_csv = run(&csv, json["as_of"].as_str().unwrap_or(""), &[]);
    assert_eq!(
        json["counts_by_status"],
        from_csv.json()["counts_by_status"]
    );
}
