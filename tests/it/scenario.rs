//! Scenarios (`run --assume-end ID=TIMESTAMP`): during an ongoing FAILURE
//! and an emergency decision still on, invoices whose deadline is `open`
//! get the dated deadlines they would have if the period ended then; the
//! outputs say it is a scenario, and the exception register is untouched.

use std::collections::BTreeMap;

use crate::support::{Bundle, Run, run};

const AS_OF: &str = "2026-04-10";

/// OP1 online on Tue 2026-04-07 (after Easter Monday): next() = 04-08,
/// when FAILURE F/OPEN starts, still on: `open`. EM1 emergency on 04-08
/// without a decision: F/OPEN covers it, `open`. EM2 emergency under
/// DEC-1, declared 04-08 and not ended: `open`. Assuming F/OPEN ended
/// Thu 04-09 12:00, OP1's deadline is 7 business days after 04-09 =
/// Mon 04-20 (04-10, 13, 14, 15, 16, 17, 20), and EM1's period ends 04-09:
/// 04-20 too. Assuming DEC-1 ended 04-09 18:00, EM2's period ends 04-09:
/// 04-20. ON1 (sent on time before any of it) keeps 2026-03-03.
fn bundle() -> Bundle {
    Bundle::new()
        .file("recon.toml", "sellers = [\"5265877635\"]\n")
        .file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
             ON1,2026-03-02,5265877635,10.00,PLN\n\
             OP1,2026-04-07,5265877635,10.00,PLN\n",
        )
        .file(
            "offline/log.csv",
            "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by,decision_id\n\
             EM1,5265877635,2026-04-08,2026-04-08T10:00:00+02:00,emergency,a.nowak,\n\
             EM2,5265877635,2026-04-08,2026-04-08T11:00:00+02:00,emergency,a.nowak,DEC-1\n",
        )
        .file(
            "offline/decisions.csv",
            "decision_id,mode,started_at,declared_by,approved_by,approved_at\n\
             DEC-1,emergency,2026-04-08T10:30:00+02:00,a.nowak,m.kowalska,2026-04-08T10:40:00+02:00\n",
        )
        .file(
            "announcements/manual.csv",
            "announcement_id,category,start,end\n\
             F/OPEN,FAILURE,2026-04-08T09:00:00+02:00,\n",
        )
}

fn deadlines(r: &Run) -> BTreeMap<String, String> {
    assert_eq!(r.status, 0, "{}", r.stderr);
    r.rows("reconciliation.csv")
        .into_iter()
        .map(|row| (row["invoice_number"].clone(), row["deadline"].clone()))
        .collect()
}

fn state_files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    ["register.csv", "history.csv"]
        .iter()
        .map(|n| (n.to_string(), std::fs::read(dir.join(n)).expect(n)))
        .collect()
}

#[test]
fn an_assumed_end_dates_the_open_deadlines_and_leaves_the_register() {
    let bundle = bundle();
    let state = tempfile::tempdir().expect("state");
    let state_arg = state.path().to_str().expect("utf-8 path");
    let actual = run(bundle.path(), AS_OF, &["--state", state_arg]);
    let before = deadlines(&actual);
    for invoice in ["OP1", "EM1", "EM2"] {
        assert_eq!(before[invoice], "open", "{invoice} before the scenario");
    }
    assert!(actual.json().get("scenario").is_none());
    let register = state_files(state.path());

    let scenario = run(
        bundle.path(),
        AS_OF,
        &[
            "--state",
            state_arg,
            "--assume-end",
            "F/OPEN=2026-04-09T12:00:00",
            "--assume-end",
            "DEC-1=2026-04-09T18:00:00",
        ],
    );
    let after = deadlines(&scenario);
    for invoice in ["OP1", "EM1", "EM2"] {
        assert_eq!(after[invoice], "2026-04-20", "{invoice} in the scenario");
    }
    assert_eq!(after["ON1"], before["ON1"], "a closed deadline stays");
    assert_eq!(after["ON1"], "2026-03-03");

    let json = scenario.json();
    assert_eq!(json["scenario"]["register_updated"], false);
    let ends: Vec<(String, String)> = json["scenario"]["assume_end"]
        .as_array()
        .expect("assume_end")
        .iter()
        .map(|a| {
            (
                a["id"].as_str().unwrap_or_default().to_string(),
                a["ended"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    assert_eq!(
        ends,
        [
            (
                "F/OPEN".to_string(),
                "announcement event F/OPEN".to_string()
            ),
            ("DEC-1".to_string(), "decision DEC-1".to_string()),
        ]
    );
    let page = scenario.text("dashboard.html");
    assert!(
        page.contains(r#"id="scenario""#) && page.contains("Scenario, not a record"),
        "the dashboard says it is a scenario"
    );
    assert!(!actual.text("dashboard.html").contains(r#"id="scenario""#));
    assert_eq!(
        state_files(state.path()),
        register,
        "a scenario never updates the register"
    );
}

#[test]
fn an_assumed_end_that_names_no_period_still_on_is_a_usage_error() {
    let bundle = bundle();
    let r = run(
        bundle.path(),
        AS_OF,
        &["--assume-end", "NO-SUCH=2026-04-09T12:00:00"],
    );
    assert_eq!(r.status, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("--assume-end") && r.stderr.contains("NO-SUCH"),
        "{}",
        r.stderr
    );
    let bad = run(bundle.path(), AS_OF, &["--assume-end", "F/OPEN"]);
    assert_eq!(bad.status, 2, "{}", bad.stderr);
}
