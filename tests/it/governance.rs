//! Governance controls (contract section 5): numbering, decisions closed
//! too early, segregation of duties and emergency access, on small bundles
//! whose findings are worked out in the comments.

use std::collections::BTreeSet;

use crate::support::{Bundle, Run, run};

const LEDGER: &str = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
FV/001,2026-03-10,5265877635,10.00,PLN\n\
FO/001,2026-03-10,5265877635,10.00,PLN\n\
FO/002,2026-03-10,5265877635,10.00,PLN\n\
FO/004,2026-03-10,5265877635,10.00,PLN\n";

/// Three offline24 invoices under D1 (10 March 09:00-17:00), issued by
/// a.nowak at 09:00 (exactly the start), 12:00 and 17:00 (exactly the end).
/// FO/003 is missing from the series. FO/001 and FO/002 reach KSeF on
/// 11 March 10:00; FO/004 never does. FV/001, online, reaches KSeF on 10
/// March, so the KSeF extract covers the 10th: FO/004's absence is proven.
fn bundle() -> Bundle {
    Bundle::new()
        .file("ledger/sales.csv", LEDGER)
        .file(
            "offline/log.csv",
            "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by,decision_id\n\
FO/001,5265877635,2026-03-10,2026-03-10T09:00:00+01:00,offline24,a.nowak,D1\n\
FO/002,5265877635,2026-03-10,2026-03-10T12:00:00+01:00,offline24,A.Nowak ,D1\n\
FO/004,5265877635,2026-03-10,2026-03-10T17:00:00+01:00,offline24,a.nowak,D1\n",
        )
        .file(
            "ksef/metadata/k.csv",
            "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date\n\
5265877635-20260310-010000000000-B4,FV/001,5265877635,2026-03-10,2026-03-10T08:00:00+01:00\n\
5265877635-20250826-0100001AF629-AF,FO/001,5265877635,2026-03-10,2026-03-11T10:00:00+01:00\n\
5265877635-20250626-010080DD2B5E-26,FO/002,5265877635,2026-03-10,2026-03-11T10:00:00+01:00\n",
        )
}

fn decisions(closed: &str) -> String {
    format!(
        "decision_id,mode,started_at,ended_at,declared_by,approved_by,approved_at,closed_by,closed_at\n\
D1,offline24,2026-03-10T09:00:00+01:00,2026-03-10T17:00:00+01:00,a.nowak,m.kowalska,2026-03-10T09:05:00+01:00,{closed}\n"
    )
}

fn codes(r: &Run) -> BTreeSet<String> {
    assert_eq!(r.status, 0, "{}", r.stderr);
    r.rows("exceptions.csv")
        .iter()
        .map(|row| {
            format!(
                "{} {} {} {}",
                row["code"], row["invoice_number"], row["decision_id"], row["user"]
            )
        })
        .collect()
}

fn has(set: &BTreeSet<String>, code: &str) -> Vec<String> {
    set.iter()
        .filter(|s| s.starts_with(code))
        .cloned()
        .collect()
}

#[test]
fn numbering_gap_names_the_missing_number() {
    let r = run(
        bundle()
            .file("offline/decisions.csv", decisions(","))
            .path(),
        "2026-04-10",
        &[],
    );
    assert_eq!(has(&codes(&r), "NUMBERING_GAP"), ["NUMBERING_GAP FO/003  "]);
}

#[test]
fn closing_before_every_invoice_was_sent_is_flagged_with_its_closer() {
    // Closed 11 March 09:00: none of the three had reached KSeF yet.
    let early = bundle().file(
        "offline/decisions.csv",
        decisions("r.dabrowski,2026-03-11T09:00:00+01:00"),
    );
    let r = run(early.path(), "2026-04-10", &[]);
    assert_eq!(
        has(&codes(&r), "DECISION_CLOSED_INCOMPLETE"),
        ["DECISION_CLOSED_INCOMPLETE  D1 r.dabrowski"]
    );
    let detail = &r
        .rows("exceptions.csv")
        .into_iter()
        .find(|x| x["code"] == "DECISION_CLOSED_INCOMPLETE")
        .unwrap()["detail"];
    assert!(
        detail.contains("3 of its invoices") && detail.contains("FO/001, FO/002, FO/004"),
        "{detail}"
    );

    // Closed after the as-of date: not yet a finding.
    let later = bundle().file(
        "offline/decisions.csv",
        decisions("r.dabrowski,2026-04-11T09:00:00+02:00"),
    );
    assert!(
        has(
            &codes(&run(later.path(), "2026-04-10", &[])),
            "DECISION_CLOSED_INCOMPLETE"
        )
        .is_empty()
    );

    // No closed_at: the close_decision activity counts; a decision still on is never incomplete.
    let by_activity = bundle().file("offline/decisions.csv", decisions(",")).file(
        "access/activity.csv",
        "at,user,action,object,decision_id\n2026-03-12T08:00:00+01:00,r.dabrowski,close_decision,,D1\n",
    );
    let r = run(by_activity.path(), "2026-04-10", &[]);
    let found = has(&codes(&r), "DECISION_CLOSED_INCOMPLETE");
    assert_eq!(found, ["DECISION_CLOSED_INCOMPLETE  D1 r.dabrowski"]);
    let still_on = bundle().file("offline/decisions.csv", decisions(","));
    assert!(
        has(
            &codes(&run(still_on.path(), "2026-04-10", &[])),
            "DECISION_CLOSED_INCOMPLETE"
        )
        .is_empty()
    );
}

#[test]
fn issuer_who_approves_closes_or_changes_master_data_is_a_conflict() {
    // a.nowak issued under D1. Master data changed exactly at the period's
    // end (inclusive) by a.nowak is a conflict; one second later it is not.
    // b.lis approves an exception but issued nothing: no conflict.
    let b = bundle()
        .file(
            "offline/decisions.csv",
            decisions("A.NOWAK,2026-03-12T09:00:00+01:00"),
        )
        .file(
            "access/activity.csv",
            "at,user,action,object,decision_id\n\
2026-03-10T17:00:00+01:00,a.nowak,change_master_data,customer:DE1,\n\
2026-03-10T17:00:01+01:00,a.nowak,change_master_data,customer:DE2,\n\
2026-03-12T10:00:00+01:00,b.lis,approve_exception,FO/004,\n",
        );
    let r = run(b.path(), "2026-04-10", &[]);
    let found = has(&codes(&r), "SOD_CONFLICT");
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("SOD_CONFLICT  D1 "), "{found:?}");
    let detail = &r
        .rows("exceptions.csv")
        .into_iter()
        .find(|x| x["code"] == "SOD_CONFLICT")
        .unwrap()["detail"];
    assert!(
        detail.contains("changed master data (customer:DE1)"),
        "{detail}"
    );
    assert!(!detail.contains("customer:DE2"), "{detail}");
    assert!(detail.contains("closed the decision"), "{detail}");
}

#[test]
fn declaring_alone_is_no_conflict() {
    let r = run(
        bundle()
            .file("offline/decisions.csv", decisions(","))
            .path(),
        "2026-04-10",
        &[],
    );
    assert!(has(&codes(&r), "SOD_CONFLICT").is_empty());
}

#[test]
fn grants_cover_to_the_second_and_need_an_independent_review() {
    // a.nowak's grant ends one second before FO/004 was issued (17:00:00).
    // c.wrona's grant reviewed by c.wrona herself; d.sowa's expired unreviewed.
    let b = bundle().file("offline/decisions.csv", decisions(",")).file(
        "access/grants.csv",
        "user,granted_by,valid_from,valid_to,reviewed_by,reviewed_at\n\
a.nowak,m.kowalska,2026-03-10T09:00:00+01:00,2026-03-10T16:59:59+01:00,m.kowalska,2026-03-11T09:00:00+01:00\n\
c.wrona,m.kowalska,2026-03-01T00:00:00+01:00,2026-03-02T00:00:00+01:00, C.Wrona,2026-03-03T00:00:00+01:00\n\
d.sowa,m.kowalska,2026-03-01T00:00:00+01:00,2026-04-10T23:00:00+02:00,,\n\
e.kos,m.kowalska,2026-04-01T00:00:00+02:00,2026-04-11T00:00:00+02:00,,\n",
    );
    let r = run(b.path(), "2026-04-10", &[]);
    let found = codes(&r);
    assert_eq!(
        has(&found, "ACCESS_OUTSIDE_GRANT"),
        ["ACCESS_OUTSIDE_GRANT FO/004 D1 a.nowak"]
    );
    // e.kos's grant runs past the as-of date: not expired yet.
    assert_eq!(
        has(&found, "GRANT_NOT_REVIEWED"),
        [
            "GRANT_NOT_REVIEWED   c.wrona",
            "GRANT_NOT_REVIEWED   d.sowa"
        ]
    );
}

#[test]
fn bad_access_rows_are_rejected_not_guessed() {
    let b = bundle().file("offline/decisions.csv", decisions(",")).file(
        "access/activity.csv",
        "at,user,action,object,decision_id\n\
2026-03-10T10:00:00+01:00,a.nowak,delete_invoice,FO/001,D1\n\
10:00:00,a.nowak,close_decision,,D1\n\
2026-03-10T10:00:00+01:00,  ,close_decision,,D1\n",
    );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected = r.rows("rejected.csv");
    let reasons: Vec<&str> = rejected.iter().map(|x| x["reason"].as_str()).collect();
    assert_eq!(rejected.len(), 3, "{reasons:?}");
    assert!(
        reasons[0].contains("unknown action 'delete_invoice'"),
        "{reasons:?}"
    );
    assert!(reasons[1].starts_with("at:"), "{reasons:?}");
    assert!(
        reasons[2].starts_with("user: required value is empty"),
        "{reasons:?}"
    );
    assert!(has(&codes(&r), "DECISION_CLOSED_INCOMPLETE").is_empty());
}
