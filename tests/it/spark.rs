//! The Spark job (`queries/spark/ksef_recon.py`, PySpark in `local[2]`:
//! the matching, the exception rules and the reports) gives `run`'s
//! outputs: on the demo, on a generated bundle of 20,000 invoices with
//! every anomaly `generate` plants (exported in four batches put
//! together, as a lake would) and on a bundle of MF's real UPO
//! samples, `export-tables`, then the job, then
//! `ksef-recon report` on its results give exceptions.csv,
//! reconciliation.csv, completeness.csv, responsibility.csv,
//! jpk_corrections.csv, rejected.csv, their Parquet files and
//! dashboard.html byte for byte as `run` writes them, run.json but its
//! start time, the workbook cell for cell, and the same exception register;
//! and each of the job's result tables equals run's typed Parquet file.
//!
//! The python: `KSEF_RECON_PYTHON` (one with pyspark; `.ci/run` makes a
//! venv and sets it), else `python3` if it imports pyspark. Without one the
//! test is skipped (loudly), unless CI is set: then it fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use ksef_recon::tables::matching;
use polars::prelude::*;

use crate::matching_sql::{export_tables, generated};
use crate::report::Night;
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

/// The results the Spark job writes, as `run --format parquet` writes
/// them.
const RESULTS: [&str; 5] = [
    "reconciliation",
    "exceptions",
    "completeness",
    "responsibility",
    "jpk_corrections",
];

/// The exception register's columns of run's exceptions: the register's,
/// not an engine's (`ksef-recon report` adds them).
const REGISTER_COLUMNS: [&str; 3] = ["status", "first_seen", "days_open"];

/// How the job's tables are made.
#[derive(Clone, Copy)]
enum Export {
    /// `export-tables` of the whole bundle.
    Whole,
    /// `export-tables --files` of this many batches, put together by
    /// `export-tables --batches` (a lake's way, where no machine holds the
    /// files; `batches.rs` proves it the whole export's bytes).
    Batches(usize),
}

/// Exports `input`'s tables at `as_of` and runs the Spark driver on them in
/// `local[2]`; returns the tables' and the results' folders (in `tmp`).
fn spark_results(
    python: &Path,
    input: &Path,
    as_of: &str,
    export: Export,
    tmp: &Path,
) -> (PathBuf, PathBuf) {
    let tables = tmp.join("tables");
    let results = tmp.join("results");
    match export {
        Export::Whole => export_tables(input, as_of, &tables),
        Export::Batches(n) => {
            let made = crate::batches::batches_make_the_whole(input, as_of, n);
            std::fs::rename(&made.together, &tables).expect("move the tables");
        }
    }
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
    (tables, results)
}

/// A Spark result: a folder holding one Parquet file.
fn spark_table(results: &Path, name: &str) -> DataFrame {
    let folder = results.join(format!("{name}.parquet"));
    let parts: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "parquet"))
        .collect();
    assert_eq!(parts.len(), 1, "one Parquet file: {parts:?}");
    let file = std::fs::File::open(&parts[0]).expect("part");
    let table = ParquetReader::new(file).finish().expect("Parquet");
    // Spark writes its zoneless timestamps in microseconds whatever
    // `outputTimestampType` says; the engine writes milliseconds. The
    // values are whole minutes either way.
    let to_ms: Vec<Expr> = table
        .columns()
        .iter()
        .filter(|c| matches!(c.dtype(), DataType::Datetime(TimeUnit::Microseconds, None)))
        .map(|c| col(c.name().clone()).cast(DataType::Datetime(TimeUnit::Milliseconds, None)))
        .collect();
    table
        .lazy()
        .with_columns(to_ms)
        .collect()
        .expect("timestamps")
}

/// Exports, runs the Spark job and `run --format csv,parquet` on the same
/// bundle: every result equals run's typed Parquet file (column names,
/// types and values, row for row; the exceptions without the register's
/// columns).
fn spark_matches_run(python: &Path, input: &Path, as_of: &str, export: Export, at_least: usize) {
    let tmp = tempfile::tempdir().expect("temp");
    let (tables, results) = spark_results(python, input, as_of, export, tmp.path());
    // The outputs made from Spark's results are run's, byte for byte
    // (run.json but its start time; the workbook cell for cell), and so
    // is the register.
    let night = Night::in_dir(tmp.path(), "spark");
    night.run(input, as_of, &[]);
    night.report(&tables, &results, &[]);
    night.assert_same();
    let invoices = spark_table(&results, "reconciliation").height();
    assert!(invoices >= at_least, "{invoices} invoices");

    let run = crate::support::run(input, as_of, &["--quiet", "--format", "csv,parquet"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    for name in RESULTS {
        let file = std::fs::File::open(run.path(&format!("{name}.parquet"))).expect("run's");
        let mut expected = ParquetReader::new(file).finish().expect("Parquet");
        if name == "exceptions" {
            expected = expected.drop_many(REGISTER_COLUMNS);
        }
        let got = spark_table(&results, name);
        assert_eq!(got.schema(), expected.schema(), "{name}: columns and types");
        assert!(
            got.equals_missing(&expected),
            "{name}: Spark\n{got:?}\nrun\n{expected:?}"
        );
        assert!(
            name != "exceptions" || got.height() > 0,
            "no exceptions at all"
        );
    }
}

#[test]
fn spark_gives_the_demos_reconciliation() {
    let Some(python) = python_or_skip("spark_gives_the_demos_reconciliation") else {
        return;
    };
    let demo = fixtures().join("demo");
    spark_matches_run(&python, &demo, "2026-04-10", Export::Whole, 300);
}

/// The generated bundle's tables come from four batches put together
/// (`export-tables --files`, then `--batches`), as a lake makes them.
#[test]
fn spark_gives_a_generated_bundles_reconciliation() {
    let Some(python) = python_or_skip("spark_gives_a_generated_bundles_reconciliation") else {
        return;
    };
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("bundle");
    let as_of = generated(&bundle, "20000", &crate::support::every_anomaly());
    spark_matches_run(&python, &bundle, &as_of, Export::Batches(4), 20_000);
}

/// MF's six UPO samples (receipts of a test environment, which prove no
/// submission) beside a small ledger (`real.rs`): inputs this project did
/// not write.
#[test]
fn spark_gives_runs_outputs_on_real_public_files() {
    let Some(python) = python_or_skip("spark_gives_runs_outputs_on_real_public_files") else {
        return;
    };
    let bundle = crate::real::upo_samples_bundle();
    let as_of = crate::real::REAL_AS_OF;
    spark_matches_run(&python, bundle.path(), as_of, Export::Whole, 2);
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
