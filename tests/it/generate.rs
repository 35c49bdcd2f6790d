//! `generate`: the same seed gives the same bytes, and `run` finds exactly
//! the anomalies the generator planted (its `expected_counts.json`).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::support::{binary, run};

fn generate(out: &Path, extra: &[&str]) {
    let mut cmd = binary();
    cmd.arg("generate")
        .arg("--invoices")
        .arg("20000")
        .arg("--out")
        .arg(out)
        .args(extra)
        .assert()
        .success();
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

fn assert_counts(bundle: &Path, archive: bool) {
    let expected: serde_json::Value =
        serde_json::from_slice(&fs::read(bundle.join("expected_counts.json")).expect("expected"))
            .expect("json");
    let r = run(bundle, expected["as_of"].as_str().expect("as_of"), &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let got = r.json();
    assert_eq!(got["invoices"], expected["invoices"]);
    assert_eq!(got["counts_by_status"], expected["counts_by_status"]);
    let codes = got["counts_by_code"].as_object().expect("codes");
    for (code, n) in codes {
        let want = expected["counts_by_code"]
            .get(code)
            .cloned()
            .unwrap_or(0.into());
        assert_eq!(n, &want, "{code} (archive: {archive})");
    }
    for (source, n) in expected["rows"].as_object().expect("rows") {
        if n.as_u64() == Some(0) {
            continue;
        }
        assert_eq!(got["sources"][source]["rows_used"], *n, "{source}");
        assert_eq!(got["sources"][source]["rows_rejected"], 0, "{source}");
    }
    for planted in ["LATE_SUBMISSION", "OVERDUE_SUBMISSION", "AMOUNT_MISMATCH"] {
        assert!(codes[planted].as_u64() > Some(0), "{planted} planted");
    }
}

#[test]
fn run_finds_exactly_what_was_planted() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("b");
    generate(
        &bundle,
        &[
            "--seed",
            "3",
            "--duplicate-rate",
            "0.01",
            "--not-in-ledger-rate",
            "0.01",
            "--hash-mismatch-rate",
            "0.002",
        ],
    );
    assert_counts(&bundle, false);
}

#[test]
fn run_finds_exactly_what_was_planted_with_the_archive() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("b");
    generate(
        &bundle,
        &["--seed", "4", "--archive", "--hash-mismatch-rate", "0.002"],
    );
    assert_counts(&bundle, true);
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
    assert_counts(&a, false);
}
