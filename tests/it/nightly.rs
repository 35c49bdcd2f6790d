//! Three nights in a row on one state folder: findings are first seen,
//! resolved with an approver, cleared when fixed, and reopened when they
//! come back; a failed run leaves outputs and register as they were.

use std::fs;
use std::path::Path;

use crate::support::{binary, read_csv, read_csv_bytes, sha256_hex};

const HEADER: &str = "invoice_number,issue_date,seller_nip,gross_amount,currency\n";

fn ledger(rows: &[&str]) -> String {
    let mut s = HEADER.to_string();
    for n in rows {
        s.push_str(&format!("{n},2026-03-02,5265877635,1.00,PLN\n"));
    }
    s
}

fn night(
    root: &Path,
    as_of: &str,
    ledger_csv: &str,
    resolutions: Option<&str>,
    extra: &[&str],
) -> i32 {
    let bundle = root.join(format!("bundle-{as_of}"));
    fs::create_dir_all(bundle.join("ledger")).unwrap();
    fs::write(bundle.join("ledger/sales.csv"), ledger_csv).unwrap();
    if let Some(r) = resolutions {
        fs::create_dir_all(bundle.join("resolutions")).unwrap();
        fs::write(bundle.join("resolutions/2026-04.csv"), r).unwrap();
    }
    let out = binary()
        .args(["run", "--input"])
        .arg(&bundle)
        .arg("--out")
        .arg(root.join("reports/latest"))
        .args(["--as-of", as_of, "--quiet"])
        .args(extra)
        .output()
        .unwrap();
    out.status.code().unwrap_or(-1)
}

/// The default state folder of `--out reports/latest`.
const STATE: &str = "reports/.ksef-recon-state/latest";

/// register.csv's rows (after its head line).
fn register(root: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = fs::read_to_string(root.join(STATE).join("register.csv")).unwrap();
    let (head, rows) = text.split_once('\n').unwrap();
    assert!(head.starts_with("# history.csv: "), "{head}");
    read_csv_bytes(rows.as_bytes())
}

fn find<'a>(
    rows: &'a [std::collections::BTreeMap<String, String>],
    number: &str,
) -> &'a std::collections::BTreeMap<String, String> {
    rows.iter().find(|r| r["invoice_number"] == number).unwrap()
}

#[test]
fn three_nights_first_seen_resolved_cleared_reopened() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();

    // Night 1: FV/1 and FV/2 are each booked twice: two DUPLICATE_NUMBER (high).
    assert_eq!(
        night(
            root,
            "2026-04-01",
            &ledger(&["FV/1", "FV/1", "FV/2", "FV/2"]),
            None,
            &["--fail-on", "high"]
        ),
        3
    );
    let reg = register(root);
    assert_eq!(reg.len(), 2);
    assert!(
        reg.iter()
            .all(|r| r["status"] == "open" && r["first_seen"] == "2026-04-01")
    );
    let fv1 = find(&reg, "FV/1")["exception_id"].clone();

    // Night 2: FV/2 fixed; FV/1 resolved by b.lis, approved by m.kowalska. A
    // second resolution approved by its own resolver is refused.
    let resolutions = format!(
        "exception_id,status,by,at,comment,approved_by\n\
{fv1},accepted_risk,b.lis,2026-04-02T09:00:00+02:00,customer confirmed one sale,m.kowalska\n\
{fv1},resolved,c.wrona,2026-04-02T10:00:00+02:00,self-approved,C.Wrona\n"
    );
    assert_eq!(
        night(
            root,
            "2026-04-02",
            &ledger(&["FV/1", "FV/1", "FV/2"]),
            Some(&resolutions),
            &["--fail-on", "high"]
        ),
        0
    );
    let reg = register(root);
    assert_eq!(find(&reg, "FV/1")["status"], "accepted_risk");
    assert_eq!(find(&reg, "FV/1")["approved_by"], "m.kowalska");
    assert_eq!(find(&reg, "FV/2")["status"], "cleared");
    assert_eq!(find(&reg, "FV/2")["cleared_on"], "2026-04-02");
    let rejected = read_csv(&root.join("reports/latest/rejected.csv"));
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["line"], "3");
    assert!(
        rejected[0]["reason"].contains("resolver"),
        "{:?}",
        rejected[0]
    );
    let exceptions = read_csv(&root.join("reports/latest/exceptions.csv"));
    assert_eq!(exceptions.len(), 1);
    assert_eq!(exceptions[0]["status"], "accepted_risk");
    assert_eq!(exceptions[0]["days_open"], "1");

    // Re-running night 2 changes nothing.
    let before = fs::read(root.join(STATE).join("register.csv")).unwrap();
    night(
        root,
        "2026-04-02",
        &ledger(&["FV/1", "FV/1", "FV/2"]),
        Some(&resolutions),
        &[],
    );
    assert_eq!(
        fs::read(root.join(STATE).join("register.csv")).unwrap(),
        before
    );

    // Night 3: FV/2 is booked twice again: reopened, first seen unchanged.
    assert_eq!(
        night(
            root,
            "2026-04-03",
            &ledger(&["FV/1", "FV/1", "FV/2", "FV/2"]),
            None,
            &["--fail-on", "high"]
        ),
        3
    );
    let reg = register(root);
    assert_eq!(find(&reg, "FV/2")["status"], "reopened");
    assert_eq!(find(&reg, "FV/2")["first_seen"], "2026-04-01");
    assert_eq!(find(&reg, "FV/2")["reopened_on"], "2026-04-03");
    assert_eq!(find(&reg, "FV/1")["status"], "accepted_risk");
    let history = fs::read_to_string(root.join(STATE).join("history.csv")).unwrap();
    // Made for the ledger's seller; two findings opened; night 2's two
    // resolutions (once, although night 2 ran twice) and two changes; one
    // reopening; each night ends with its run row (night 2's once too).
    let rows = read_csv_bytes(history.as_bytes());
    let events: Vec<&str> = rows.iter().map(|r| r["event"].as_str()).collect();
    assert_eq!(
        events,
        [
            "created",
            "status",
            "status",
            "run",
            "resolution_accepted",
            "resolution_refused",
            "status",
            "status",
            "run",
            "status",
            "run"
        ],
        "{history}"
    );
    assert_eq!(rows[0]["to"], "5265877635");
    let sha = sha256_hex(resolutions.as_bytes());
    let (accepted, refused) = (&rows[4], &rows[5]);
    assert_eq!(
        (
            accepted["file"].as_str(),
            accepted["line"].as_str(),
            accepted["exception_id"].as_str(),
            accepted["to"].as_str()
        ),
        (
            "resolutions/2026-04.csv",
            "2",
            fv1.as_str(),
            "accepted_risk"
        )
    );
    assert_eq!(accepted["file_sha256"], sha);
    assert_eq!(accepted["code"], "DUPLICATE_NUMBER");
    assert_eq!(accepted["detail"], "by b.lis, approved by m.kowalska");
    assert_eq!(
        (refused["line"].as_str(), refused["file_sha256"].as_str()),
        ("3", sha.as_str())
    );
    assert!(refused["detail"].contains("resolver"), "{refused:?}");
    assert_eq!(
        (
            rows[9]["as_of"].as_str(),
            rows[9]["from"].as_str(),
            rows[9]["to"].as_str()
        ),
        ("2026-04-03", "cleared", "reopened")
    );

    // Going back in time would rewrite the register's history: refused.
    assert_eq!(night(root, "2026-04-01", &ledger(&["FV/1"]), None, &[]), 1);
}

#[test]
fn a_failed_run_leaves_outputs_and_register_as_they_were() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    assert_eq!(
        night(root, "2026-04-01", &ledger(&["FV/1", "FV/1"]), None, &[]),
        0
    );
    let outputs = fs::read(root.join("reports/latest/exceptions.csv")).unwrap();
    let reg = fs::read(root.join(STATE).join("register.csv")).unwrap();
    // Night 2 fails after taking the lock and reading the register: its
    // ledger has no usable row.
    assert_eq!(
        night(root, "2026-04-02", "invoice_number\nFV/1\n", None, &[]),
        1
    );
    assert_eq!(
        fs::read(root.join("reports/latest/exceptions.csv")).unwrap(),
        outputs
    );
    assert_eq!(
        fs::read(root.join(STATE).join("register.csv")).unwrap(),
        reg
    );
    let leftovers: Vec<String> = fs::read_dir(root.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers.len(), 2, "{leftovers:?}");
    assert!(!root.join(STATE).join("lock").exists());
}
