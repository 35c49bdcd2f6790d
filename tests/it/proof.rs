//! What the inputs prove (contract v1.2, sections 2, 4 and 5): absence of a
//! submission only from a complete KSeF extract that covers the invoice,
//! offline invoices the log does not list, test receipts, the duty to send
//! (DI, RO/WEW, `ksef_from`, lapses), the as-of cut, and the new codes. Each
//! bundle's expected statuses and findings are worked out in its comments.
//! As-of is Friday 2026-04-10 throughout; Tue 2026-03-10 has next() = 03-11.

use std::collections::BTreeMap;

use crate::support::{Bundle, Run, fixtures, run};

const AS_OF: &str = "2026-04-10";
const SELLER: &str = "5265877635";

/// A1 online, sent on P_1. A2 marked DI, never sent. A3 an RO document.
/// A4 issued before the seller's KSeF duty began (2026-02-01 by default).
/// A5 sent on P_1 in offline mode with no log row. A6 sent the day after
/// P_1 in offline mode. A7 issued after the as-of date. A8 and A9 share
/// one KSeF number. FO1 is an offline24 invoice its ledger row marks BFK.
const LEDGER: &str = "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_marker,document_type\n\
A1,2026-03-10,5265877635,10.00,PLN,,\n\
A2,2026-03-10,5265877635,10.00,PLN,DI,\n\
A3,2026-03-10,5265877635,10.00,PLN,,RO\n\
A4,2026-01-15,5265877635,10.00,PLN,,\n\
A5,2026-03-10,5265877635,10.00,PLN,,\n\
A6,2026-03-10,5265877635,10.00,PLN,,FP\n\
A7,2026-04-20,5265877635,10.00,PLN,,\n\
A8,2026-03-12,5265877635,10.00,PLN,,\n\
A9,2026-03-12,5265877635,10.00,PLN,,\n\
FO1,2026-03-10,5265877635,10.00,PLN,BFK,\n";

const LOG: &str = "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by\n\
FO1,5265877635,2026-03-10,2026-03-10T09:00:00+01:00,offline24,a.nowak\n";

/// KSeF's records as a CSV extract (no flags: complete as far as it goes,
/// 03-10 to 03-12; `ksef_extract_through` in the bundle's recon.toml
/// raises its end to the as-of date).
const KSEF: &str = "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,invoicing_mode\n\
5265877635-20260310-010000000000-B4,A1,5265877635,2026-03-10,2026-03-10T10:00:00+01:00,Online\n\
5265877635-20260310-010000000001-B3,A5,5265877635,2026-03-10,2026-03-10T12:00:00+01:00,Offline\n\
5265877635-20260311-010000000002-5F,A6,5265877635,2026-03-10,2026-03-11T09:00:00+01:00,Offline\n\
5265877635-20260311-010000000010-44,FO1,5265877635,2026-03-10,2026-03-11T09:30:00+01:00,Offline\n\
5265877635-20260312-010000000003-70,A8,5265877635,2026-03-12,2026-03-12T10:00:00+01:00,Online\n\
5265877635-20260312-010000000003-70,A9,5265877635,2026-03-12,2026-03-12T10:05:00+01:00,Online\n";

const THROUGH: &str = "ksef_extract_through = \"2026-04-10T06:00:00\"\n";

fn statuses(r: &Run) -> BTreeMap<String, String> {
    assert_eq!(r.status, 0, "{}", r.stderr);
    r.rows("reconciliation.csv")
        .into_iter()
        .map(|row| (row["invoice_number"].clone(), row["status"].clone()))
        .collect()
}

/// `code invoice` per finding, sorted.
fn findings(r: &Run) -> Vec<String> {
    let mut out: Vec<String> = r
        .rows("exceptions.csv")
        .iter()
        .map(|row| format!("{} {}", row["code"], row["invoice_number"]))
        .collect();
    out.sort();
    out
}

fn of_code(r: &Run, code: &str) -> Vec<BTreeMap<String, String>> {
    r.rows("exceptions.csv")
        .into_iter()
        .filter(|row| row["code"] == code)
        .collect()
}

fn full() -> Bundle {
    Bundle::new()
        .file("recon.toml", format!("sellers = [\"{SELLER}\"]\n{THROUGH}"))
        .file("ledger/sales.csv", LEDGER)
        .file("offline/log.csv", LOG)
        .file("ksef/metadata/extract.csv", KSEF)
}

#[test]
fn the_duty_to_send_follows_markers_document_types_and_ksef_from() {
    let r = run(full().path(), AS_OF, &[]);
    let s = statuses(&r);
    assert_eq!(s["A1"], "submitted_on_time");
    assert_eq!(s["A2"], "overdue", "DI alone does not lift the duty");
    assert_eq!(s["A3"], "not_required", "RO is no invoice");
    assert_eq!(s["A4"], "not_required", "issued before ksef_from");
    assert_eq!(
        s["A6"], "submitted_on_time",
        "FP is an invoice, sent by next()"
    );
    assert_eq!(s["FO1"], "submitted_on_time");
    let overdue: Vec<String> = of_code(&r, "OVERDUE_SUBMISSION")
        .iter()
        .map(|row| row["invoice_number"].clone())
        .collect();
    assert_eq!(overdue, ["A2"]);
}

#[test]
fn an_invoice_issued_after_the_as_of_date_does_not_exist_yet() {
    let r = run(full().path(), AS_OF, &[]);
    assert!(!statuses(&r).contains_key("A7"), "A7 is issued 04-20");
    assert_eq!(r.json()["rows_after_as_of"]["ledger"], 1);
    assert_eq!(r.json()["sources"]["ledger"]["rows_used"], 10);
}

#[test]
fn offline_mode_on_the_issue_date_without_a_log_row_is_an_unlisted_offline_invoice() {
    let r = run(full().path(), AS_OF, &[]);
    let rows = r.rows("reconciliation.csv");
    let mode = |n: &str| {
        rows.iter()
            .find(|row| row["invoice_number"] == n)
            .map(|row| row["mode"].clone())
    };
    assert_eq!(mode("A5").as_deref(), Some("offline24"));
    assert_eq!(mode("A6").as_deref(), Some("online"), "sent after P_1");
    let found = findings(&r);
    assert!(
        found.contains(&"OFFLINE_NOT_IN_LOG A5".to_string()),
        "{found:?}"
    );
    assert!(!found.iter().any(|f| f.starts_with("OFFLINE_NOT_IN_LOG A6")));
    assert!(
        found.contains(&"ONLINE_SENT_LATE A6".to_string()),
        "{found:?}"
    );
    // Without an offline log there is nothing to compare with.
    let no_log = Bundle::new()
        .file("recon.toml", THROUGH)
        .file("ledger/sales.csv", LEDGER)
        .file("ksef/metadata/extract.csv", KSEF);
    let r = run(no_log.path(), AS_OF, &[]);
    assert!(
        findings(&r)
            .iter()
            .all(|f| !f.starts_with("OFFLINE_NOT_IN_LOG"))
    );
    assert!(
        r.json()["checks_skipped"]
            .as_array()
            .is_some_and(|a| a.iter().any(|c| c["code"] == "OFFLINE_NOT_IN_LOG"))
    );
}

#[test]
fn one_ksef_number_on_two_invoices_is_a_finding_for_each() {
    let r = run(full().path(), AS_OF, &[]);
    let rows = of_code(&r, "DUPLICATE_KSEF_NUMBER");
    let numbers: Vec<&str> = rows.iter().map(|r| r["invoice_number"].as_str()).collect();
    assert_eq!(numbers, ["A8", "A9"]);
    assert!(
        rows.iter()
            .all(|r| r["ksef_number"] == "5265877635-20260312-010000000003-70")
    );
    assert_ne!(rows[0]["exception_id"], rows[1]["exception_id"]);
}

#[test]
fn a_bfk_marker_on_an_offline24_invoice_is_a_marker_mismatch() {
    let r = run(full().path(), AS_OF, &[]);
    let rows = of_code(&r, "MARKER_MISMATCH");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["invoice_number"], "FO1");
    assert!(
        rows[0]["detail"].contains("offline24"),
        "{}",
        rows[0]["detail"]
    );
}

#[test]
fn a_ledger_alone_proves_no_absence() {
    let r = run(
        Bundle::new()
            .file("ledger/sales.csv", LEDGER)
            .file("recon.toml", THROUGH)
            .path(),
        AS_OF,
        &[],
    );
    let s = statuses(&r);
    for n in ["A1", "A2", "A5", "A6", "A8", "A9"] {
        assert_eq!(s[n], "unverified", "{n}");
    }
    // With no offline-log row, the BFK marker exempts FO1.
    for n in ["A3", "A4", "FO1"] {
        assert_eq!(s[n], "not_required", "{n}");
    }
    assert!(findings(&r).iter().all(|f| !f.starts_with("OVERDUE")));
    let json = r.json();
    assert_eq!(json["ksef_extract"]["complete"], false);
    assert_eq!(json["counts_by_status"]["unverified"], 6);
    assert_eq!(json["counts_by_status"]["overdue"], 0);
    let page = r.text("dashboard.html");
    assert!(
        page.contains(r#"class="extract alert""#) && page.contains("not proven"),
        "the dashboard says in red that absence is not proven"
    );
}

#[test]
fn an_extract_that_ends_before_the_deadline_proves_nothing_after_it() {
    // Without ksef_extract_through the extract runs 03-10..03-12: A2
    // (deadline 03-11) is covered, an invoice of 03-12 (deadline 03-13) is
    // not.
    let ledger = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
A2,2026-03-10,5265877635,10.00,PLN\n\
B1,2026-03-12,5265877635,10.00,PLN\n";
    let r = run(
        Bundle::new()
            .file("ledger/sales.csv", ledger)
            .file("ksef/metadata/extract.csv", KSEF)
            .path(),
        AS_OF,
        &[],
    );
    let s = statuses(&r);
    assert_eq!(s["A2"], "overdue");
    assert_eq!(s["B1"], "unverified");
    let json = r.json();
    assert_eq!(json["ksef_extract"]["complete"], true);
    assert_eq!(json["ksef_extract"]["covers_through"], "2026-03-12");
}

/// The records of [`KSEF`] as an API page's JSON.
fn page(has_more: bool, truncated: bool, records: &[(&str, &str, &str)]) -> String {
    let invoices: Vec<String> = records
        .iter()
        .map(|(ksef, number, at)| {
            format!(
                r#"{{"ksefNumber": "{ksef}", "invoiceNumber": "{number}", "seller": {{"nip": "{SELLER}"}}, "issueDate": "2026-03-10", "invoicingDate": "{at}", "permanentStorageDate": "{at}", "invoicingMode": "Online"}}"#
            )
        })
        .collect();
    format!(
        r#"{{"hasMore": {has_more}, "isTruncated": {truncated}, "invoices": [{}]}}"#,
        invoices.join(", ")
    )
}

const A1: (&str, &str, &str) = (
    "5265877635-20260310-010000000000-B4",
    "A1",
    "2026-03-10T10:00:00+01:00",
);
const A6: (&str, &str, &str) = (
    "5265877635-20260311-010000000002-5F",
    "A6",
    "2026-03-11T09:00:00+01:00",
);

fn paged(pages: &[(&str, String)]) -> Run {
    let ledger = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
A1,2026-03-10,5265877635,10.00,PLN\n\
A2,2026-03-10,5265877635,10.00,PLN\n\
A6,2026-03-10,5265877635,10.00,PLN\n";
    let mut bundle = Bundle::new()
        .file("ledger/sales.csv", ledger)
        .file("recon.toml", THROUGH);
    for (name, text) in pages {
        bundle = bundle.file(&format!("ksef/metadata/{name}"), text);
    }
    run(bundle.path(), AS_OF, &[])
}

#[test]
fn api_pages_without_the_last_one_are_an_incomplete_extract() {
    let r = paged(&[("p1.json", page(true, false, &[A1]))]);
    let s = statuses(&r);
    assert_eq!(s["A1"], "submitted_on_time");
    assert_eq!(s["A2"], "unverified");
    let rows = of_code(&r, "KSEF_EXTRACT_INCOMPLETE");
    assert_eq!(rows.len(), 1);
    assert!(
        rows[0]["detail"].contains("hasMore"),
        "{}",
        rows[0]["detail"]
    );
    assert_eq!(rows[0]["severity"], "high");
    assert_eq!(r.json()["ksef_extract"]["complete"], false);
    // With the last page the same records prove A2 absent.
    let r = paged(&[
        ("p1.json", page(true, false, &[A1])),
        ("p2.json", page(false, false, &[A6])),
    ]);
    assert_eq!(statuses(&r)["A2"], "overdue");
    assert!(of_code(&r, "KSEF_EXTRACT_INCOMPLETE").is_empty());
}

#[test]
fn a_truncated_page_counts_only_when_another_file_continues_it() {
    let r = paged(&[("p1.json", page(false, true, &[A1]))]);
    let rows = of_code(&r, "KSEF_EXTRACT_INCOMPLETE");
    assert_eq!(rows.len(), 1);
    assert!(rows[0]["detail"].contains("ksef/metadata/p1.json"));
    assert_eq!(statuses(&r)["A2"], "unverified");
    // The next query starts from the truncated page's last record.
    let r = paged(&[
        ("p1.json", page(false, true, &[A1])),
        ("p2.json", page(false, false, &[A1, A6])),
    ]);
    assert!(of_code(&r, "KSEF_EXTRACT_INCOMPLETE").is_empty());
    assert_eq!(statuses(&r)["A2"], "overdue");
}

/// The official UPO sample names the test environment as its receiver.
fn test_receipt() -> Vec<u8> {
    std::fs::read(fixtures().join("samples/upo/upo-faktura-kontekst-id-nip.xml"))
        .unwrap_or_default()
}

#[test]
fn a_test_environment_receipt_proves_no_submission() {
    // The sample confirms FA/XVQUD-9997622510/04/2027 of 2025-09-16.
    let ledger = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
FA/XVQUD-9997622510/04/2027,2025-09-16,5265877635,10.00,PLN\n";
    let bundle = |receipt: Vec<u8>| {
        Bundle::new()
            .file("recon.toml", "ksef_from = \"2025-01-01\"\n")
            .file("ledger/sales.csv", ledger)
            .file("ksef/upo/upo.xml", receipt)
    };
    let r = run(bundle(test_receipt()).path(), AS_OF, &[]);
    assert_eq!(statuses(&r)["FA/XVQUD-9997622510/04/2027"], "unverified");
    let rows = of_code(&r, "UPO_NOT_PRODUCTION");
    assert_eq!(rows.len(), 1);
    assert!(rows[0]["detail"].contains("ksef/upo/upo.xml"));
    assert!(rows[0]["detail"].contains("testowe"));
    let recon = r.rows("reconciliation.csv");
    assert_eq!(recon[0]["in_ksef"], "false");
    assert_eq!(recon[0]["ksef_number"], "");
    // The same receipt from production proves the submission.
    let production = String::from_utf8(test_receipt())
        .unwrap_or_default()
        .replace(" - środowisko testowe (TE)", "");
    let r = run(bundle(production.into_bytes()).path(), AS_OF, &[]);
    assert_eq!(
        statuses(&r)["FA/XVQUD-9997622510/04/2027"],
        "submitted_on_time"
    );
    assert!(of_code(&r, "UPO_NOT_PRODUCTION").is_empty());
}

#[test]
fn an_archived_file_no_register_books_is_an_orphan() {
    let sample =
        std::fs::read(fixtures().join("samples/fa3/FA_3_Przyklad_1.xml")).unwrap_or_default();
    let r = run(
        full().file("archive/2026/02/sample.xml", sample).path(),
        AS_OF,
        &[],
    );
    let rows = of_code(&r, "ARCHIVE_ORPHAN");
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert_eq!(row["severity"], "low");
    assert_eq!(row["seller_nip"], "9999999999");
    assert_eq!(row["invoice_number"], "FV2026/02/150");
    assert_eq!(row["gross_amount"], "2051.00");
    assert_eq!(row["currency"], "PLN");
    assert!(row["detail"].contains("archive/2026/02/sample.xml"));
    // Issued (P_1 2026-02-15) after an earlier as-of, the file does not
    // exist yet for that run.
    let r = run(
        full()
            .file(
                "archive/2026/02/sample.xml",
                std::fs::read(fixtures().join("samples/fa3/FA_3_Przyklad_1.xml"))
                    .unwrap_or_default(),
            )
            .path(),
        "2026-02-14",
        &[],
    );
    assert!(of_code(&r, "ARCHIVE_ORPHAN").is_empty());
    assert_eq!(r.json()["rows_after_as_of"]["archive"], 1);
}

#[test]
fn a_lapsed_duty_with_a_submission_is_on_time_and_still_sent_late() {
    // L1, online, issued Tue 03-10 (deadline 03-11); a total failure starts
    // 03-11 08:00, inside [P_1, deadline]: the duty lapses. KSeF has it
    // from 03-16 all the same.
    let ledger = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
L1,2026-03-10,5265877635,10.00,PLN\n";
    let ksef = "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date\n\
5265877635-20260316-010000000011-F6,L1,5265877635,2026-03-10,2026-03-16T10:00:00+01:00\n";
    let announcements = "announcement_id,category,start,end\n\
T1,TOTAL_FAILURE,2026-03-11T08:00:00+01:00,2026-03-11T12:00:00+01:00\n";
    let r = run(
        Bundle::new()
            .file("ledger/sales.csv", ledger)
            .file("ksef/metadata/k.csv", ksef)
            .file("announcements/a.csv", announcements)
            .path(),
        AS_OF,
        &[],
    );
    assert_eq!(statuses(&r)["L1"], "submitted_on_time");
    assert_eq!(findings(&r), ["ONLINE_SENT_LATE L1"]);
}

#[test]
fn an_export_unpacked_into_a_folder_is_read_with_its_status() {
    let records = r#"{"invoices": [{"ksefNumber": "5265877635-20260310-010000000000-B4", "invoiceNumber": "A1", "seller": {"nip": "5265877635"}, "issueDate": "2026-03-10", "invoicingDate": "2026-03-10T10:00:00+01:00", "permanentStorageDate": "2026-03-10T10:00:05+01:00"}]}"#;
    let status = |truncated: bool| {
        format!(
            r#"{{"status": {{"code": 200, "description": "Eksport faktur zakończony sukcesem"}}, "package": {{"invoiceCount": 1, "size": 100, "parts": [], "isTruncated": {truncated}}}}}"#
        )
    };
    let bundle = |truncated: bool| {
        Bundle::new()
            .file("recon.toml", THROUGH)
            .file(
                "ledger/sales.csv",
                "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
A1,2026-03-10,5265877635,10.00,PLN\n\
A2,2026-03-10,5265877635,10.00,PLN\n",
            )
            .file("ksef/metadata/export-1/_metadata.json", records)
            .file("ksef/metadata/export-1/status.json", status(truncated))
    };
    let r = run(bundle(true).path(), AS_OF, &[]);
    let s = statuses(&r);
    assert_eq!(s["A1"], "submitted_on_time");
    assert_eq!(s["A2"], "unverified");
    let rows = of_code(&r, "KSEF_EXTRACT_INCOMPLETE");
    assert_eq!(rows.len(), 1);
    assert!(rows[0]["detail"].contains("ksef/metadata/export-1/status.json"));
    assert!(
        r.rows("rejected.csv").is_empty(),
        "the status file is no bad file"
    );
    let r = run(bundle(false).path(), AS_OF, &[]);
    assert_eq!(statuses(&r)["A2"], "overdue");
}
