//! Bad input never panics and never gives a silently empty report: a clear
//! message naming the file and line, or a `rejected.csv` row.

use crate::support::{Bundle, run};

const LEDGER_HEADER: &str = "invoice_number,issue_date,seller_nip,gross_amount,currency\n";

#[test]
fn a_non_date_is_rejected_with_file_line_and_column() {
    let b = Bundle::new().file(
        "ledger/sales.csv",
        format!("{LEDGER_HEADER}FV/1,2026-03-02,5265877635,1.00,PLN\nFV/2,2026-02-30,5265877635,1.00,PLN\nFV/3,soon,5265877635,1.00,PLN\n"),
    );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 2);
    assert_eq!(rejected[0]["file"], "ledger/sales.csv");
    assert_eq!(rejected[0]["line"], "3");
    assert!(
        rejected[0]["reason"].starts_with("issue_date:"),
        "{:?}",
        rejected[0]
    );
    assert_eq!(rejected[1]["line"], "4");
    let json = r.json();
    assert_eq!(json["sources"]["ledger"]["rows_read"], 3);
    assert_eq!(json["sources"]["ledger"]["rows_used"], 1);
    assert_eq!(json["sources"]["ledger"]["rows_rejected"], 2);
}

#[test]
fn a_ledger_without_a_required_column_stops_the_run_naming_the_file() {
    let b = Bundle::new().file(
        "ledger/sales.csv",
        "invoice_number,seller_nip,gross_amount,currency\nFV/1,5265877635,1.00,PLN\n",
    );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("ledger/sales.csv")
            && r.stderr.contains("line 1")
            && r.stderr.contains("issue_date"),
        "{}",
        r.stderr
    );
    assert!(!r.out.path().join("out").exists(), "no partial outputs");
}

#[test]
fn an_unknown_mode_is_rejected() {
    let b = Bundle::new().with_ledger().file(
        "offline/log.csv",
        "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by\nFO/1,5265877635,2026-03-02,2026-03-02T08:00:00,offline48,a.nowak\n",
    );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["source"], "offline_log");
    assert_eq!(rejected[0]["line"], "2");
    assert!(
        rejected[0]["reason"].contains("unknown mode 'offline48'"),
        "{:?}",
        rejected[0]
    );
}

#[test]
fn malformed_json_is_rejected_naming_the_line() {
    // A second, readable page: KSeF metadata with nothing usable would
    // stop the run (contract v1.2 section 2).
    let b = Bundle::new()
        .with_ledger()
        .file(
            "ksef/metadata/page.json",
            "{\"invoices\": [\n  {\"ksefNumber\": \"x\",\n  oops\n]}",
        )
        .file(
            "ksef/metadata/good.csv",
            "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date\n\
             5265877635-20260302-0100001AF629-37,FV/1,5265877635,2026-03-02,2026-03-02T10:00:00Z\n",
        );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["file"], "ksef/metadata/page.json");
    assert_eq!(rejected[0]["line"], "3");
    assert!(
        rejected[0]["reason"].contains("not valid JSON"),
        "{:?}",
        rejected[0]
    );
    let json = r.json();
    let file = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "ksef/metadata/page.json")
        .unwrap();
    assert!(file["error"].as_str().unwrap().contains("JSON"), "{file}");
}

#[test]
fn an_empty_or_missing_folder_is_a_clear_error() {
    let empty = Bundle::new();
    let r = run(empty.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("no ledger files"), "{}", r.stderr);
    let r = run(&empty.path().join("nope"), "2026-04-10", &[]);
    assert_eq!(r.status, 1);
    assert!(r.stderr.contains("does not exist"), "{}", r.stderr);
}

#[test]
fn missing_optional_parts_are_listed_and_their_checks_skipped() {
    let b = Bundle::new().with_ledger();
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let json = r.json();
    let not_provided: Vec<&str> = json["not_provided"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(
        not_provided,
        [
            "offline/log.*",
            "offline/decisions.*",
            "announcements/",
            "ksef/metadata/",
            "access/activity.*",
            "access/grants.*",
            "archive/",
            "ksef/upo/",
            "resolutions/",
            "rates/"
        ]
    );
    let skipped: Vec<&str> = json["checks_skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["code"].as_str().unwrap())
        .collect();
    assert!(skipped.contains(&"OVERDUE_SUBMISSION") && skipped.contains(&"MODE_OUTSIDE_DECISION"));
    assert!(json["counts_by_code"].get("OVERDUE_SUBMISSION").is_none());
    assert_eq!(json["counts_by_code"]["DUPLICATE_NUMBER"], 0);
}

#[test]
fn a_bad_config_exits_2_naming_the_line() {
    let b = Bundle::new().with_ledger().file(
        "recon.toml",
        "sellers = [\"5265877635\"]\ncolour = \"red\"\n",
    );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("recon.toml") && r.stderr.contains("line 2"),
        "{}",
        r.stderr
    );
}

#[test]
fn formula_text_arrives_inert() {
    let b = Bundle::new().file(
        "ledger/sales.csv",
        format!("{LEDGER_HEADER}\"=HYPERLINK(\"\"http://x\"\")\",2026-03-02,5265877635,1.00,PLN\n"),
    );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rows = r.rows("reconciliation.csv");
    assert_eq!(rows[0]["invoice_number"], "'=HYPERLINK(\"http://x\")");
}

#[test]
fn fail_on_exits_3_when_findings_reach_the_threshold() {
    let b = Bundle::new().file(
        "ledger/sales.csv",
        format!("{LEDGER_HEADER}FV/1,2026-03-02,5265877635,1.00,PLN\nFV/1,2026-03-02,5265877635,1.00,PLN\n"),
    );
    let r = run(b.path(), "2026-04-10", &["--fail-on", "high", "--quiet"]);
    assert_eq!(r.status, 3, "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0);
}
