//! `ksef-recon report`: the outputs `run` writes, made from another
//! engine's results. Here the "engine" is `run --format parquet` itself:
//! its Parquet files are the results, so every output `report` makes from
//! them must be the one `run` made, byte for byte (run.json but its start
//! time), and a register kept by reports must be the one kept by runs.

use std::ffi::OsStr;
use std::fs::{self, File};
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, Xlsx, open_workbook};
use polars::prelude::*;

use crate::support::{Bundle, binary, every_anomaly, fixtures, generated, read_csv};

const DEMO_AS_OF: &str = "2026-04-10";
/// The demo's next business day: a second night.
const DEMO_NEXT: &str = "2026-04-13";

/// Both commands write every output as CSV and as Parquet.
const FORMAT: &str = "csv,parquet";

/// The output files every test compares (but run.json and ageing.xlsx,
/// compared on their own).
const SAME_BYTES: [&str; 13] = [
    "exceptions.csv",
    "reconciliation.csv",
    "completeness.csv",
    "rejected.csv",
    "responsibility.csv",
    "jpk_corrections.csv",
    "exceptions.parquet",
    "reconciliation.parquet",
    "completeness.parquet",
    "rejected.parquet",
    "responsibility.parquet",
    "jpk_corrections.parquet",
    "dashboard.html",
];

/// Runs the binary; panics with its stderr unless it exits 0.
fn ok(args: &[&OsStr]) {
    let output = binary().args(args).output().expect("binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The folders of one night: `run`'s outputs and register, the export,
/// and `report`'s outputs and register.
pub(crate) struct Night {
    run_out: PathBuf,
    run_state: PathBuf,
    report_out: PathBuf,
    report_state: PathBuf,
}

impl Night {
    pub(crate) fn in_dir(dir: &Path, name: &str) -> Night {
        Night {
            run_out: dir.join(format!("{name}-run")),
            run_state: dir.join("run-state"),
            report_out: dir.join(format!("{name}-report")),
            report_state: dir.join("report-state"),
        }
    }

    /// `run` into its folder and register, `export-tables`, then `report`
    /// from the run's Parquet into its own folder and register.
    fn make(&self, bundle: &Path, as_of: &str, tables: &Path) {
        self.make_with(bundle, as_of, tables, &[]);
    }

    /// [`Night::make`] with `options` given to both `run` and `report`.
    fn make_with(&self, bundle: &Path, as_of: &str, tables: &Path, options: &[&str]) {
        self.run(bundle, as_of, options);
        ok(&[
            "export-tables".as_ref(),
            "--input".as_ref(),
            bundle.as_os_str(),
            "--out".as_ref(),
            tables.as_os_str(),
            "--as-of".as_ref(),
            as_of.as_ref(),
            "--quiet".as_ref(),
        ]);
        self.report(tables, &self.run_out, options);
    }

    /// `run --format csv,parquet` into this night's folder and register.
    pub(crate) fn run(&self, bundle: &Path, as_of: &str, options: &[&str]) {
        let options: Vec<&OsStr> = options.iter().map(OsStr::new).collect();
        ok(&[
            &[
                "run".as_ref(),
                "--input".as_ref(),
                bundle.as_os_str(),
                "--out".as_ref(),
                self.run_out.as_os_str(),
                "--as-of".as_ref(),
                as_of.as_ref(),
                "--state".as_ref(),
                self.run_state.as_os_str(),
                "--format".as_ref(),
                FORMAT.as_ref(),
                "--quiet".as_ref(),
            ],
            &options[..],
        ]
        .concat());
    }

    /// `report` from `results` (an engine's) into this night's folder and
    /// register.
    pub(crate) fn report(&self, tables: &Path, results: &Path, options: &[&str]) {
        let options: Vec<&OsStr> = options.iter().map(OsStr::new).collect();
        ok(&[
            &[
                "report".as_ref(),
                "--tables".as_ref(),
                tables.as_os_str(),
                "--results".as_ref(),
                results.as_os_str(),
                "--out".as_ref(),
                self.report_out.as_os_str(),
                "--state".as_ref(),
                self.report_state.as_os_str(),
                "--format".as_ref(),
                FORMAT.as_ref(),
                "--quiet".as_ref(),
            ],
            &options[..],
        ]
        .concat());
    }

    /// Every output and the register of `report` are `run`'s.
    pub(crate) fn assert_same(&self) {
        for name in SAME_BYTES {
            let (a, b) = (self.run_out.join(name), self.report_out.join(name));
            assert!(
                fs::read(&a).expect(name) == fs::read(&b).expect(name),
                "{name} differs: {} {}",
                a.display(),
                b.display()
            );
        }
        for name in ["register.csv", "history.csv"] {
            let (a, b) = (self.run_state.join(name), self.report_state.join(name));
            assert_eq!(fs::read(a).expect(name), fs::read(b).expect(name), "{name}");
        }
        let json = |dir: &Path| -> serde_json::Value {
            let mut v: serde_json::Value =
                serde_json::from_slice(&fs::read(dir.join("run.json")).expect("run.json"))
                    .expect("JSON");
            v.as_object_mut().expect("object").remove("run_started_at");
            v
        };
        assert_eq!(json(&self.run_out), json(&self.report_out), "run.json");
        assert_eq!(
            sheets(&self.run_out),
            sheets(&self.report_out),
            "ageing.xlsx"
        );
        round_trip(&self.run_out);
    }
}

/// Every sheet of `dir/ageing.xlsx`: its name and cells.
fn sheets(dir: &Path) -> Vec<(String, Vec<Vec<Data>>)> {
    let mut book: Xlsx<_> = open_workbook(dir.join("ageing.xlsx")).expect("workbook");
    book.sheet_names()
        .into_iter()
        .map(|name| {
            let range = book.worksheet_range(&name).expect("sheet");
            (name, range.rows().map(<[Data]>::to_vec).collect())
        })
        .collect()
}

/// Each Parquet output, turned back into its text frame and typed again,
/// is the file's frame: `parquet_in::text` undoes `parquet_out::typed` on
/// every column of every output (the CSVs being byte-identical shows the
/// other direction).
fn round_trip(dir: &Path) {
    use ksef_recon::report::{parquet_in, parquet_out};
    for name in SAME_BYTES.iter().filter(|n| n.ends_with(".parquet")) {
        let typed = ParquetReader::new(File::open(dir.join(name)).expect(name))
            .finish()
            .expect("parquet");
        let text = parquet_in::text(&typed).expect(name);
        let again = parquet_out::typed(&text).expect(name);
        assert!(again.equals_missing(&typed), "{name}");
    }
}

#[test]
fn report_on_the_demo_is_run() {
    let tmp = tempfile::tempdir().expect("temp");
    let demo = fixtures().join("demo");
    let first = Night::in_dir(tmp.path(), "first");
    first.make(&demo, DEMO_AS_OF, &tmp.path().join("tables"));
    first.assert_same();
    // A second night into the same registers: the register carries the
    // ids, first_seen and days_open, as a second run's does.
    let second = Night::in_dir(tmp.path(), "second");
    second.make(&demo, DEMO_NEXT, &tmp.path().join("tables-2"));
    second.assert_same();
    let history = fs::read_to_string(second.report_state.join("history.csv")).expect("history");
    assert!(history.contains(DEMO_NEXT) && history.contains(DEMO_AS_OF));
}

/// `run`'s output options mean the same on `report`.
#[test]
fn report_takes_runs_output_options() {
    let tmp = tempfile::tempdir().expect("temp");
    let night = Night::in_dir(tmp.path(), "pl");
    let options = ["--lang", "pl", "--no-reconciliation-sheet"];
    night.make_with(
        &fixtures().join("demo"),
        DEMO_AS_OF,
        &tmp.path().join("tables"),
        &options,
    );
    night.assert_same();
    let page = fs::read_to_string(night.report_out.join("dashboard.html")).expect("page");
    assert!(page.contains("lang=\"pl\""), "a Polish page");
}

#[test]
fn report_on_a_generated_bundle_with_every_anomaly_is_run() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("bundle");
    let mut args = vec!["--invoices", "20000", "--seed", "11"];
    args.extend(every_anomaly());
    let expected = generated(&bundle, &args);
    let as_of = expected["as_of"].as_str().expect("as_of");
    let night = Night::in_dir(tmp.path(), "night");
    night.make(&bundle, as_of, &tmp.path().join("tables"));
    night.assert_same();
}

/// A ledger alone: nearly every check is skipped, and `run.json` lists
/// the same ones (`export-tables` tells them from the sources given).
#[test]
fn report_on_a_ledger_alone_is_run() {
    let bundle = Bundle::new().with_ledger();
    let tmp = tempfile::tempdir().expect("temp");
    let night = Night::in_dir(tmp.path(), "ledger");
    night.make(bundle.path(), DEMO_AS_OF, &tmp.path().join("tables"));
    night.assert_same();
}

/// Resolutions kept by the export reach the register, with their history
/// rows (file, line, SHA-256), as `run`'s do; refused ones are rejected
/// rows in both.
#[test]
fn resolutions_reach_the_register_as_in_run() {
    let ledger = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
                  FV/1,2026-03-02,5265877635,1.00,PLN\n\
                  FV/1,2026-03-02,5265877635,1.00,PLN\n";
    let bundle = Bundle::new().file("ledger/sales.csv", ledger);
    let tmp = tempfile::tempdir().expect("temp");
    let first = Night::in_dir(tmp.path(), "first");
    first.make(bundle.path(), DEMO_AS_OF, &tmp.path().join("tables-1"));
    first.assert_same();
    let exceptions = read_csv(&first.report_out.join("exceptions.csv"));
    let fv1 = &exceptions
        .iter()
        .find(|e| e["code"] == "DUPLICATE_NUMBER")
        .expect("FV/1 is booked twice")["exception_id"];
    let resolutions = format!(
        "exception_id,status,by,at,comment,approved_by\n\
         {fv1},accepted_risk,b.lis,2026-04-13T09:00:00+02:00,one sale,m.kowalska\n\
         EX-NONE,resolved,b.lis,2026-04-02T10:00:00+02:00,no such finding,m.kowalska\n"
    );
    let bundle = bundle.file("resolutions/2026-04.csv", resolutions);
    let second = Night::in_dir(tmp.path(), "second");
    second.make(bundle.path(), DEMO_NEXT, &tmp.path().join("tables-2"));
    second.assert_same();
    let register = fs::read_to_string(second.report_state.join("register.csv")).expect("register");
    assert!(register.contains("accepted_risk"), "{register}");
    let rejected = fs::read_to_string(second.report_out.join("rejected.csv")).expect("rejected");
    assert!(rejected.contains("resolutions/2026-04.csv"), "{rejected}");
}

/// `report`'s exit status and stderr on `results`; `out` must not appear.
fn refused(tables: &Path, results: &Path, out: &Path) -> String {
    let output = binary()
        .args(["report", "--tables"])
        .arg(tables)
        .arg("--results")
        .arg(results)
        .arg("--out")
        .arg(out)
        .arg("--state")
        .arg(out.with_extension("state"))
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!out.exists(), "{stderr}");
    stderr
}

#[test]
fn bad_results_are_named_not_guessed() {
    let tmp = tempfile::tempdir().expect("temp");
    let night = Night::in_dir(tmp.path(), "demo");
    let tables = tmp.path().join("tables");
    night.make(&fixtures().join("demo"), DEMO_AS_OF, &tables);
    let results = tmp.path().join("results");
    fs::create_dir(&results).expect("mkdir");
    for name in SAME_BYTES.iter().filter(|n| n.ends_with(".parquet")) {
        fs::copy(night.run_out.join(name), results.join(name)).expect("copy");
    }

    fs::remove_file(results.join("completeness.parquet")).expect("rm");
    let stderr = refused(&tables, &results, &tmp.path().join("out-1"));
    assert!(stderr.contains("completeness.parquet"), "{stderr}");
    fs::copy(
        night.run_out.join("completeness.parquet"),
        results.join("completeness.parquet"),
    )
    .expect("copy");

    // An engine that wrote its dates as text.
    let path = results.join("reconciliation.parquet");
    let mut df = ParquetReader::new(File::open(&path).expect("open"))
        .finish()
        .expect("parquet");
    let text = df
        .column("issue_date")
        .expect("issue_date")
        .cast(&DataType::String);
    df.with_column(text.expect("cast")).expect("replace");
    ParquetWriter::new(File::create(&path).expect("create"))
        .finish(&mut df)
        .expect("write");
    let stderr = refused(&tables, &results, &tmp.path().join("out-2"));
    assert!(
        stderr.contains("reconciliation.parquet") && stderr.contains("issue_date"),
        "{stderr}"
    );

    fs::write(&path, b"not parquet").expect("write");
    let stderr = refused(&tables, &results, &tmp.path().join("out-3"));
    assert!(stderr.contains("reconciliation.parquet"), "{stderr}");

    // Tables of a batch (no run_facts.json) are not enough.
    fs::remove_file(tables.join("run_facts.json")).expect("rm");
    let stderr = refused(&tables, &night.run_out, &tmp.path().join("out-4"));
    assert!(stderr.contains("run_facts.json"), "{stderr}");
}
