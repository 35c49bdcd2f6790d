//! The matching as SQL (`queries/matching/*.sql`, run by
//! `ksef_recon::tables::matching::run` with polars SQL over the tables
//! `export-tables` wrote) gives `run`'s reconciliation.csv: the same rows in
//! the same order (by seller NIP and invoice number), and in every column
//! the SQL produces the same text, the SQL's typed values written through
//! the same CSV writer `run` uses. On the demo, on a generated bundle of
//! 20,000 invoices with every anomaly the generator plants (at two as-of
//! dates), and on one of 5,000 whose KSeF extract is truncated.
//!
//! Columns compared: all 23 of reconciliation.csv's: seller_nip,
//! invoice_number, issue_date, mode, decision_id, in_ledger,
//! in_offline_log, in_ksef, ksef_number, submitted_on, deadline, status,
//! gross_amount, currency, owner, deadline_basis, max_penalty_pln (the SQL's
//! `max_penalty_grosze`), archive_file, archive_hash, kod1_url, upo_file,
//! corrects, corrected_by. The penalty applies only to deadlines from 2027,
//! which neither the demo nor the generated year has: the small bundle of
//! `exposure.rs`, worked out by hand (NBP rates, a missing rate, VAT zero,
//! a correction), is a case of its own; so is the bundle of
//! `corrections.rs`, where one correction corrects two invoices and one
//! invoice is corrected twice (the generated corrections cite one each).
//!
//! On each, the rules then run as SQL too (`ksef_recon::tables::exceptions`:
//! the export's rules' context, the matching SQL's `rule_invoices` as
//! `invoices`, every rule `rules.parquet` says runs, and
//! `queries/reports/exceptions.sql`): their findings must be run's
//! exceptions.csv in its 17 columns, row for row, and completeness.csv,
//! responsibility.csv and jpk_corrections.csv built over the same SQL
//! tables must be run's, byte for byte.
//!
//! Three small tables the SQL reads come from the driver, as
//! `deadline_keys` does (docs/scaling.md, "Matching as SQL"): `jpk_returns`,
//! `ksef_extract` and `sellers`. The offline periods are SQL
//! (`log_periods.sql`), checked row for row against the driver's
//! `offline_periods` as well.

use std::collections::BTreeMap;
use std::path::Path;

use ksef_recon::frame::{date_text, deadline_text, money_text};
use ksef_recon::report::{NUMERIC, csv_out};
use ksef_recon::rules::EXCEPTION_COLUMNS;
use ksef_recon::tables::{exceptions, matching};
use polars::prelude::*;

use crate::support::{binary, fixtures, read_csv_bytes, run};

/// The columns the SQL reproduces, as reconciliation.csv names them.
pub(crate) const COMPARED: [&str; 23] = [
    "seller_nip",
    "invoice_number",
    "issue_date",
    "mode",
    "decision_id",
    "in_ledger",
    "in_offline_log",
    "in_ksef",
    "ksef_number",
    "submitted_on",
    "deadline",
    "status",
    "gross_amount",
    "currency",
    "owner",
    "deadline_basis",
    "max_penalty_pln",
    "archive_file",
    "archive_hash",
    "kod1_url",
    "upo_file",
    "corrects",
    "corrected_by",
];

/// The SQL's typed result as reconciliation.csv's text: dates as
/// `YYYY-MM-DD`, the deadline as a date, `none` or `open`, flags
/// `true`/`false`, amounts with two decimals, then written and read back
/// through `run`'s own CSV writer (its formula guard included).
pub(crate) fn as_csv_rows(sql: &DataFrame) -> Vec<BTreeMap<String, String>> {
    let exprs: Vec<Expr> = COMPARED
        .iter()
        .map(|&c| match c {
            "issue_date" | "submitted_on" => date_text(col(c)).alias(c),
            "deadline" => deadline_text().alias(c),
            "max_penalty_pln" => money_text(col("max_penalty_grosze")).alias(c),
            "in_ledger" | "in_offline_log" | "in_ksef" | "gross_amount" => {
                col(c).cast(DataType::String)
            }
            _ => col(c),
        })
        .collect();
    let text = sql
        .clone()
        .lazy()
        .select(exprs)
        .collect()
        .expect("SQL result as text");
    let mut bytes = Vec::new();
    csv_out::write(&text, &NUMERIC, &mut bytes).expect("CSV");
    read_csv_bytes(&bytes)
}

/// The SQL's offline periods (`log_periods.sql`) are those the driver
/// exported (`offline_periods`, from `matching::periods`), row for row.
fn periods_are_the_drivers(ctx: &mut polars::sql::SQLContext, tables: &Path) {
    let order = "ORDER BY seller_nip, invoice_number";
    let sql = ctx
        .execute(&format!("SELECT * FROM log_periods {order}"))
        .and_then(|lf| lf.collect())
        .expect("log_periods");
    let file = std::fs::File::open(tables.join("offline_periods.parquet")).expect("periods");
    let driver = ParquetReader::new(file).finish().expect("parquet");
    assert!(
        sql.equals_missing(&driver),
        "SQL periods\n{sql:?}\ndriver's\n{driver:?}"
    );
}

/// `ksef-recon export-tables` of `input` at `as_of` into `tables`.
pub(crate) fn export_tables(input: &Path, as_of: &str, tables: &Path) {
    let output = binary()
        .args(["export-tables", "--quiet", "--as-of", as_of, "--input"])
        .arg(input)
        .arg("--out")
        .arg(tables)
        .output()
        .expect("binary runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
}

/// Exports `input`'s tables at `as_of`, runs the matching SQL on them and
/// `run` on the bundle, and compares reconciliation.csv column by column.
fn sql_matches_run(input: &Path, as_of: &str, at_least: usize) {
    let tmp = tempfile::tempdir().expect("temp");
    let tables = tmp.path().join("tables");
    export_tables(input, as_of, &tables);
    let mut ctx = matching::registered(&tables).expect("tables");
    matching::run_files(&mut ctx).expect("matching SQL runs");
    let sql = ctx
        .execute("SELECT * FROM reconciliation")
        .and_then(|lf| lf.collect())
        .expect("reconciliation");
    let from_sql = as_csv_rows(&sql);
    periods_are_the_drivers(&mut ctx, &tables);

    equals_runs_reconciliation("sql", &from_sql, input, as_of, at_least);
    rules_sql_gives_runs_exceptions(&mut ctx, &tables, input, as_of);
}

/// The rules as SQL over the exported tables and the matching SQL's
/// invoice table (`tables::exceptions`) give `run`'s exceptions.csv, byte
/// for byte.
fn rules_sql_gives_runs_exceptions(
    ctx: &mut polars::sql::SQLContext,
    tables: &Path,
    input: &Path,
    as_of: &str,
) {
    exceptions::register_context(ctx, tables).expect("rules' context");
    let findings = exceptions::findings(ctx).expect("rules SQL runs");
    reports_equal_runs(ctx, &findings, input, as_of);
    let text = ksef_recon::report::exceptions(&findings).expect("as text");
    let mut bytes = Vec::new();
    csv_out::write(&text, &NUMERIC, &mut bytes).expect("CSV");
    let run = run(input, as_of, &["--quiet"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    // run's file has the register's columns after these (status,
    // first_seen, days_open): they are the register's, not the rules'.
    let keep = |rows: Vec<BTreeMap<String, String>>| -> Vec<Vec<String>> {
        rows.into_iter()
            .map(|r| EXCEPTION_COLUMNS.iter().map(|c| r[*c].clone()).collect())
            .collect()
    };
    let got = keep(read_csv_bytes(&bytes));
    let expected = keep(run.rows("exceptions.csv"));
    let only_sql: Vec<&Vec<String>> = got
        .iter()
        .filter(|l| !expected.contains(l))
        .take(5)
        .collect();
    let only_run: Vec<&Vec<String>> = expected
        .iter()
        .filter(|l| !got.contains(l))
        .take(5)
        .collect();
    assert!(
        got == expected,
        "exceptions: SQL {} rows, run {}\nonly SQL: {only_sql:#?}\nonly run: {only_run:#?}",
        got.len(),
        expected.len()
    );
}

/// The reports built over the SQL's tables and findings (the report files
/// of `queries/reports/`, through the engine's own report functions) are
/// run's completeness.csv, responsibility.csv and jpk_corrections.csv.
fn reports_equal_runs(
    ctx: &polars::sql::SQLContext,
    findings: &DataFrame,
    input: &Path,
    as_of: &str,
) {
    use ksef_recon::report;
    let queries = ksef_recon::rules::Queries::of(ctx.clone());
    let run = run(input, as_of, &["--quiet"]);
    let reports = [
        ("completeness.csv", report::completeness(&queries)),
        (
            "responsibility.csv",
            report::responsibility(&queries, findings),
        ),
        (
            "jpk_corrections.csv",
            report::jpk_corrections(&queries, findings),
        ),
    ];
    for (file, frame) in reports {
        let frame = frame.unwrap_or_else(|e| panic!("{file}: {e}"));
        let mut bytes = Vec::new();
        csv_out::write(&frame, &NUMERIC, &mut bytes).expect("CSV");
        assert_eq!(String::from_utf8_lossy(&bytes), run.text(file), "{file}");
    }
}

/// Requires `rows` (another engine's reconciliation, as reconciliation.csv's
/// text) equal to `run`'s on the same bundle, every column, row for row;
/// `engine` names it in the differences reported.
pub(crate) fn equals_runs_reconciliation(
    engine: &str,
    rows: &[BTreeMap<String, String>],
    input: &Path,
    as_of: &str,
    at_least: usize,
) {
    let run = run(input, as_of, &["--quiet"]);
    assert_eq!(run.status, 0, "{}", run.stderr);
    let from_run = run.rows("reconciliation.csv");
    // Every column of run's file is compared: a column added there must be
    // added to the SQL too.
    let header = run.text("reconciliation.csv");
    let header: Vec<&str> = header.lines().next().unwrap_or("").split(',').collect();
    assert_eq!(header, COMPARED, "reconciliation.csv's columns");

    assert_eq!(rows.len(), from_run.len(), "invoices");
    assert!(from_run.len() >= at_least, "{} invoices", from_run.len());
    let mut differ: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (i, (s, r)) in rows.iter().zip(&from_run).enumerate() {
        for column in COMPARED {
            if s[column] != r[column] {
                differ.entry(column).or_default().push(format!(
                    "row {i} ({} {}): {engine} {:?}, run {:?}",
                    r["seller_nip"], r["invoice_number"], s[column], r[column]
                ));
            }
        }
    }
    let report: Vec<String> = differ
        .iter()
        .map(|(c, rows)| format!("{c}: {} rows differ, e.g. {}", rows.len(), rows[0]))
        .collect();
    assert!(report.is_empty(), "{}", report.join("\n"));
}

#[test]
fn matching_sql_gives_the_demos_reconciliation() {
    sql_matches_run(&fixtures().join("demo"), "2026-04-10", 300);
}

/// Generates a bundle of `invoices` into `bundle` with `extra` options;
/// returns the as-of date it was made for.
pub(crate) fn generated(bundle: &Path, invoices: &str, extra: &[&str]) -> String {
    let mut args = vec!["--invoices", invoices, "--seed", "11"];
    args.extend(extra);
    let expected = crate::support::generated(bundle, &args);
    expected["as_of"].as_str().expect("as_of").to_string()
}

#[test]
fn matching_sql_gives_a_generated_bundles_reconciliation() {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("bundle");
    let as_of = generated(&bundle, "20000", &crate::support::every_anomaly());
    sql_matches_run(&bundle, &as_of, 20_000);
    // A month earlier: KSeF records, UPOs and rows after the as-of date
    // are cut, and invoices still pending.
    sql_matches_run(&bundle, "2025-11-15", 15_000);
    // A KSeF extract that says it is truncated proves no absence: the
    // invoices not found are unverified.
    let truncated = tmp.path().join("truncated");
    let as_of = generated(&truncated, "5000", &["--truncate-extract"]);
    sql_matches_run(&truncated, &as_of, 5_000);
}

#[test]
fn matching_sql_gives_the_2027_penalties() {
    let bundle = crate::exposure::bundle();
    sql_matches_run(bundle.path(), crate::exposure::AS_OF, 9);
}

/// The matching, rules and reports as SQL on bundles of real public files
/// (`real.rs`): MF's API metadata page and export with its truncation
/// status, MF's UPO samples (test receipts, which prove nothing), and
/// MF's FA(3) samples archived with hashes in three spellings.
#[test]
fn matching_sql_on_real_public_files() {
    for bundle in crate::real::public_bundles() {
        sql_matches_run(bundle.path(), crate::real::REAL_AS_OF, 2);
    }
}

/// Corrections of one invoice and of two, an invoice corrected twice: the
/// hand-worked bundle of `corrections.rs`.
#[test]
fn matching_sql_gives_what_corrects_what() {
    let bundle = crate::corrections::bundle();
    sql_matches_run(bundle.path(), crate::corrections::AS_OF, 10);
}
