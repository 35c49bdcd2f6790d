//! The documents as evidence: archived FA(3) files, UPO receipts and a
//! JPK_V7 register, from the official samples in `fixtures/samples/`.

use std::fs;

use crate::support::{Bundle, fixtures, run};

fn sample(rel: &str) -> Vec<u8> {
    fs::read(fixtures().join("samples").join(rel)).expect("sample")
}

/// SHA-256 of FA_3_Przyklad_1.xml, Base64, worked out with Python's hashlib.
const SAMPLE_1_HASH: &str = "X+wQflQVyRs1fImlI+xDPnWk1V37hys4O1lkx9iJbSA=";

/// The archive holds samples 1 (FV2026/02/150, P_1 2026-02-15, P_15 2051.00)
/// and 2 (FK2026/03/200) of seller 9999999999. The offline log has three
/// invoices: sample 1 with its true hash and amount, sample 2 logged with a
/// wrong date and amount, and FO/3 with no file at all.
fn archive_bundle() -> Bundle {
    Bundle::new()
        .file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
FV2026/02/150,2026-02-15,9999999999,2051.00,PLN\n\
FK2026/03/200,2026-03-15,9999999999,-200.00,PLN\n\
FO/3,2026-03-16,9999999999,10.00,PLN\n",
        )
        .file(
            "offline/log.csv",
            format!(
                "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by,invoice_hash,gross_amount,currency\n\
FV2026/02/150,9999999999,2026-02-15,2026-02-15T10:00:00+01:00,offline24,a.nowak,{SAMPLE_1_HASH},2051.00,PLN\n\
FK2026/03/200,9999999999,2026-03-14,2026-03-14T10:00:00+01:00,offline24,a.nowak,,-210.00,PLN\n\
FO/3,9999999999,2026-03-16,2026-03-16T10:00:00+01:00,offline24,a.nowak,,10.00,PLN\n"
            ),
        )
        .file("archive/2026/02/FA_3_Przyklad_1.xml", sample("fa3/FA_3_Przyklad_1.xml"))
        .file("archive/2026/03/deep/FA_3_Przyklad_2.xml", sample("fa3/FA_3_Przyklad_2.xml"))
}

#[test]
fn archived_files_are_hashed_linked_and_compared_with_the_log() {
    let r = run(archive_bundle().path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rows = r.rows("reconciliation.csv");
    let first = rows
        .iter()
        .find(|x| x["invoice_number"] == "FV2026/02/150")
        .unwrap();
    assert_eq!(first["archive_file"], "archive/2026/02/FA_3_Przyklad_1.xml");
    assert_eq!(first["archive_hash"], SAMPLE_1_HASH);
    assert_eq!(
        first["kod1_url"],
        "https://qr.ksef.mf.gov.pl/invoice/9999999999/15-02-2026/X-wQflQVyRs1fImlI-xDPnWk1V37hys4O1lkx9iJbSA"
    );
    let found: Vec<(String, String)> = r
        .rows("exceptions.csv")
        .iter()
        .filter(|x| {
            ["ARCHIVE_MISSING", "AMOUNT_MISMATCH", "ISSUE_DATE_MISMATCH"]
                .contains(&x["code"].as_str())
        })
        .map(|x| (x["code"].clone(), x["invoice_number"].clone()))
        .collect();
    assert_eq!(
        found,
        [
            ("AMOUNT_MISMATCH".to_string(), "FK2026/03/200".to_string()),
            ("ARCHIVE_MISSING".to_string(), "FO/3".to_string()),
            (
                "ISSUE_DATE_MISMATCH".to_string(),
                "FK2026/03/200".to_string()
            ),
        ]
    );
    let detail = r
        .rows("exceptions.csv")
        .into_iter()
        .find(|x| x["code"] == "AMOUNT_MISMATCH")
        .unwrap();
    assert!(
        detail["detail"].contains("archive/2026/03/deep/FA_3_Przyklad_2.xml"),
        "{detail:?}"
    );
    assert!(detail["detail"].contains("P_15 -200.00"), "{detail:?}");
    assert_eq!(r.json()["sources"]["archive"]["rows_used"], 2);
}

#[test]
fn a_bad_archived_file_is_rejected_and_the_run_goes_on() {
    let b = archive_bundle()
        .file(
            "archive/evil.xml",
            "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY a \"aaaa\">]>\n<Faktura>&a;</Faktura>",
        )
        .file(
            "archive/truncated.xml",
            &sample("fa3/FA_3_Przyklad_1.xml")[..900],
        );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 2, "{rejected:?}");
    assert_eq!(rejected[0]["file"], "archive/evil.xml");
    assert_eq!(rejected[0]["line"], "2");
    assert!(
        rejected[0]["reason"].contains("DOCTYPE"),
        "{:?}",
        rejected[0]
    );
    assert_eq!(rejected[1]["file"], "archive/truncated.xml");
    let json = r.json();
    assert_eq!(json["sources"]["archive"]["rows_read"], 4);
    assert_eq!(json["sources"]["archive"]["rows_rejected"], 2);
}

/// The official sample as production KSeF would have issued it: only a
/// receipt of `Ministerstwo Finansów` proves a submission (the sample names
/// the test environment).
fn production(receipt: Vec<u8>) -> Vec<u8> {
    String::from_utf8(receipt)
        .unwrap_or_default()
        .replace(" - środowisko testowe (TE)", "")
        .into_bytes()
}

#[test]
fn a_upo_confirms_a_submission_and_the_earlier_time_counts() {
    // The sample UPO confirms FA/XVQUD-9997622510/04/2027 of 5265877635,
    // sent 2025-09-16T11:05:40.841+02:00; the metadata says a day later.
    let b = Bundle::new()
        .file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
FA/XVQUD-9997622510/04/2027,2025-09-16,5265877635,100.00,PLN\n",
        )
        .file(
            "ksef/metadata/k.csv",
            "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,invoice_hash\n\
5265877635-20250916-0200A0D6723E-C2,FA/XVQUD-9997622510/04/2027,5265877635,2025-09-16,2025-09-17T09:00:00+02:00,GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ8=\n",
        )
        .file("ksef/upo/upo.xml", production(sample("upo/upo-faktura-kontekst-id-nip.xml")))
        // 2025: before the default start of the KSeF duty.
        .file("recon.toml", "ksef_from = \"2025-01-01\"\n");
    let r = run(b.path(), "2025-12-31", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rows = r.rows("reconciliation.csv");
    assert_eq!(rows[0]["submitted_on"], "2025-09-16");
    assert_eq!(rows[0]["status"], "submitted_on_time");
    assert_eq!(rows[0]["upo_file"], "ksef/upo/upo.xml");
    assert!(
        r.rows("exceptions.csv").is_empty(),
        "{}",
        r.text("exceptions.csv")
    );

    // Before the as-of date of the receipt, it does not exist yet.
    let r = run(b.path(), "2025-09-15", &[]);
    assert_eq!(r.json()["upo_after_as_of"], 1);
}

#[test]
fn jpk_v7_rows_are_ledger_rows_and_bad_ones_are_rejected_with_reasons() {
    let b = Bundle::new().file("ledger/jpk.xml", sample("jpk/jpk_v7m_2026_03.xml"));
    // The file was made on 2026-04-20: the day before, it did not exist.
    let before = run(b.path(), "2026-04-19", &[]);
    assert_eq!(before.json()["rows_after_as_of"]["ledger"], 4);
    assert_eq!(
        before.json()["jpk"]["returns"][0]["standing"],
        "made after as-of"
    );
    let r = run(b.path(), "2026-04-20", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let json = r.json();
    assert_eq!(json["sources"]["ledger"]["rows_read"], 5);
    assert_eq!(json["sources"]["ledger"]["rows_used"], 4);
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 1);
    assert!(
        rejected[0]["reason"].contains("DowodSprzedazy"),
        "{:?}",
        rejected[0]
    );
    let rows = r.rows("reconciliation.csv");
    let numbers: Vec<&str> = rows.iter().map(|x| x["invoice_number"].as_str()).collect();
    assert_eq!(
        numbers,
        [
            "FV/2026/03/001",
            "FV/2026/03/002",
            "FV/2026/03/003",
            "FV/2026/03/004"
        ]
    );
    assert!(
        rows.iter()
            .all(|x| x["seller_nip"] == "5265877635" && x["currency"] == "PLN")
    );
}
