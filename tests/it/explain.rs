//! `ksef-recon explain` on the demo bundle: the page of text on three kinds
//! of invoice and one decision-level finding (insta snapshots), the JSON,
//! the register's history and the exit status 2 of an unknown target.

use std::process::Output;

use crate::support::{binary, fixtures, run};

const AS_OF: &str = "2026-04-10";

fn explain(args: &[&str]) -> Output {
    binary()
        .arg("explain")
        .arg("--input")
        .arg(fixtures().join("demo"))
        .args(["--as-of", AS_OF])
        .args(args)
        .output()
        .expect("binary runs")
}

fn page(args: &[&str]) -> String {
    let output = explain(args);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn an_overdue_offline_invoice() {
    let text = page(&["--invoice", "5265877635/FO/2026/03/016"]);
    insta::assert_snapshot!("explain_overdue_offline", text);
}

#[test]
fn an_invoice_known_only_in_ksef() {
    let text = page(&["--invoice", "5265877635/1/03/2026"]);
    insta::assert_snapshot!("explain_not_in_ledger", text);
}

#[test]
fn an_emergency_invoice() {
    let text = page(&["--invoice", "5265877635/FO/2026/03/028"]);
    insta::assert_snapshot!("explain_emergency", text);
}

#[test]
fn a_decision_level_finding() {
    let text = page(&["--exception", "EX-4efd007b59474b79"]);
    insta::assert_snapshot!("explain_decision_finding", text);
}

#[test]
fn json_names_every_row_by_file_and_line() {
    let output = explain(&["--invoice", "5265877635/FO/2026/03/016", "--format", "json"]);
    assert_eq!(output.status.code(), Some(0));
    let story: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(story["kind"], "invoice");
    assert_eq!(story["id"], "5265877635/FO/2026/03/016");
    assert_eq!(story["as_of"], AS_OF);
    let invoice = &story["invoices"][0];
    assert_eq!(invoice["status"], "overdue");
    assert_eq!(invoice["deadline"], "2026-03-11");
    assert!(
        invoice["deadline_basis"]
            .as_str()
            .unwrap()
            .starts_with("offline24:")
    );
    let findings = story["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1);
    assert_eq!(findings[0]["code"], "OVERDUE_SUBMISSION");
    assert_eq!(findings[0]["exception_id"], "EX-0276066c06bd2c19");
    let inputs = story["inputs"].as_array().unwrap();
    let files: Vec<&str> = inputs.iter().map(|i| i["file"].as_str().unwrap()).collect();
    assert!(files.contains(&"ledger/sales_2026-03.csv"), "{files:?}");
    assert!(files.contains(&"offline/log.csv"), "{files:?}");
    for input in inputs {
        let file = input["file"].as_str().unwrap();
        for line in input["lines"].as_array().unwrap() {
            let tag = format!("{file},{line},");
            assert!(input["rows"].as_str().unwrap().contains(&tag), "{tag}");
        }
    }
    assert!(story["history"].is_null());
}

#[test]
fn state_adds_the_registers_history_of_the_findings() {
    let state = tempfile::tempdir().expect("temp dir");
    let state_arg = state.path().to_str().unwrap();
    let done = run(&fixtures().join("demo"), AS_OF, &["--state", state_arg]);
    assert_eq!(done.status, 0, "{}", done.stderr);
    let output = explain(&[
        "--invoice",
        "5265877635/FO/2026/03/016",
        "--state",
        state_arg,
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let story: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let history = story["history"].as_array().expect("history rows");
    assert!(!history.is_empty());
    for row in history {
        assert_eq!(row["file"], "history.csv");
        assert!(row["line"].as_u64().unwrap() >= 2);
        assert!(row["row"].as_str().unwrap().contains("EX-0276066c06bd2c19"));
    }
}

#[test]
fn an_unknown_invoice_or_exception_exits_2() {
    for (args, says) in [
        (
            ["--invoice", "5265877635/NO/SUCH/1"],
            "no invoice 5265877635/NO/SUCH/1",
        ),
        (
            ["--exception", "EX-0000000000000000"],
            "no exception EX-0000000000000000",
        ),
    ] {
        let output = explain(&args);
        assert_eq!(output.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&output.stderr).contains(says));
        assert!(output.stdout.is_empty());
    }
    let output = explain(&["--invoice", "no-slash"]);
    assert_eq!(output.status.code(), Some(2));
}
