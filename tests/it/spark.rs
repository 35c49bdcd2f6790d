//! The matching on Apache Spark (`queries/spark/ksef_recon.py`, PySpark in
//! `local[2]`) gives `run`'s reconciliation.csv: on the demo and on a
//! generated bundle of 20,000 invoices with every anomaly `generate`
//! plants, `export-tables` then the driver, and the Spark result's rows, in
//! its order, equal to reconciliation.csv's in all 23 columns (the Spark
//! Parquet's typed values written as text through `run`'s own CSV writer,
//! as `matching_sql.rs` does for polars SQL).
//!
//! The python: `KSEF_RECON_PYTHON` (one with pyspark; `.ci/run` makes a
//! venv and sets it), else `python3` if it imports pyspark. Without one the
//! test is skipped (loudly), unless CI is set: then it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use ksef_recon::tables::matching;
use polars::prelude::*;

use crate::matching_sql::{as_csv_rows, equals_runs_reconciliation, export_tables, generated};
use crate::support::fixtures;

/// A python that imports pyspark, or None when the test may be skipped.
fn python_or_skip(test: &str) -> Option<PathBuf> {
    if let Some(python) = std::env::var_os("KSEF_RECON_PYTHON") {
        return Some(PathBuf::from(python));
    }
    let imports = Command::new("python3")
        .args(["-c", "import pyspark"])
        .output()
        .is_ok_and(|o| o.status.success());
    match imports {
        true => Some(PathBuf::from("python3")),
        false if std::env::var_os("CI").is_some() => panic!(
            "CI is set but no python with pyspark: set KSEF_RECON_PYTHON \
             (.ci/run makes a venv with pyspark and sets it)"
        ),
        false => {
            eprintln!(
                "\n!!!!!!!!!! SKIPPED {test}: KSEF_RECON_PYTHON is not set and python3 \
                 cannot import pyspark; pip install pyspark (and a Java 17 runtime) !!!!!!!!!!\n"
            );
            None
        }
    }
}

/// The driver, from the repository.
fn driver() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/spark/ksef_recon.py")
}

/// Exports `input`'s tables at `as_of`, runs the Spark driver on them in
/// `local[2]` and `run` on the bundle, and compares reconciliation.csv
/// column by column.
fn spark_matches_run(python: &Path, input: &Path, as_of: &str, at_least: usize) {
    let tmp = tempfile::tempdir().expect("temp");
    let tables = tmp.path().join("tables");
    let results = tmp.path().join("results");
    export_tables(input, as_of, &tables);
    let output = Command::new(python)
        .arg(driver())
        .arg("--tables")
        .arg(&tables)
        .arg("--out")
        .arg(&results)
        .args(["--master", "local[2]"])
        .args(["--conf", "spark.driver.memory=1g"])
        .args(["--conf", "spark.ui.enabled=false"])
        .args(["--conf", "spark.sql.shuffle.partitions=4"])
        .output()
        .expect("python runs");
    assert!(
        output.status.success(),
        "the Spark driver failed ({:?}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    let folder = results.join("reconciliation.parquet");
    let parts: Vec<PathBuf> = std::fs::read_dir(&folder)
        .expect("reconciliation.parquet")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    assert_eq!(parts.len(), 1, "one Parquet file: {parts:?}");
    let file = std::fs::File::open(&parts[0]).expect("part");
    let spark = ParquetReader::new(file).finish().expect("Parquet");
    let from_spark = as_csv_rows(&spark);

    equals_runs_reconciliation("spark", &from_spark, input, as_of, at_least);
}

#[test]
fn spark_gives_the_demos_reconciliation() {
    let Some(python) = python_or_skip("spark_gives_the_demos_reconciliation") else {
        return;
    };
    spark_matches_run(&python, &fixtures().join("demo"), "2026-04-10", 300);
}

#[test]
fn spark_gives_a_generated_bundles_reconciliation() {
    let Some(python) = python_or_skip("spark_gives_a_generated_bundles_reconciliation") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("bundle");
    let as_of = generated(&bundle, "20000", &crate::support::every_anomaly());
    spark_matches_run(&python, &bundle, &as_of, 20_000);
}

/// `queries/matching/ORDER`, the one list of the order both engines read,
/// names every file of `queries/matching/` once.
#[test]
fn the_order_names_every_matching_file_once() {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("queries/matching");
    let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
        .expect("queries/matching")
        .filter_map(|e| {
            let name = e.expect("entry").file_name().into_string().expect("UTF-8");
            name.strip_suffix(".sql").map(str::to_string)
        })
        .collect();
    on_disk.sort();
    let mut ordered: Vec<String> = matching::order().map(str::to_string).collect();
    let files = matching::files().expect("every name a file");
    assert_eq!(files.len(), ordered.len());
    ordered.sort();
    assert_eq!(ordered, on_disk);
}
