//! The engine on real public files, as a new user would feed them: the
//! Ministry of Finance's API examples and older UPO in `fixtures/real/`, two
//! open-source tools' FA(3) invoices there too, and MF's official FA(3) and
//! UPO samples in `fixtures/samples/` (sources and licences:
//! `fixtures/real/README.md`). Only the small ledgers, logs and KSeF CSVs
//! that put those files in context are written here.
//!
//! Each assertion states what the data contract v1.2 expects of the file,
//! worked out from the file itself, not from what the engine printed.

use std::collections::BTreeMap;
use std::fs;

use crate::support::{Bundle, Run, fixtures, run};

/// The as-of date of every run here.
pub(crate) const REAL_AS_OF: &str = "2026-04-30";

/// A file of `fixtures/real/`.
fn real(rel: &str) -> Vec<u8> {
    fs::read(fixtures().join("real").join(rel)).expect("real file")
}

/// A file of `fixtures/samples/`.
fn sample(rel: &str) -> Vec<u8> {
    fs::read(fixtures().join("samples").join(rel)).expect("sample")
}

/// The exceptions of one code.
fn findings(r: &Run, code: &str) -> Vec<BTreeMap<String, String>> {
    r.rows("exceptions.csv")
        .into_iter()
        .filter(|x| x["code"] == code)
        .collect()
}

/// The reconciliation row of one invoice number.
fn invoice(r: &Run, number: &str) -> BTreeMap<String, String> {
    r.rows("reconciliation.csv")
        .into_iter()
        .find(|x| x["invoice_number"] == number)
        .unwrap_or_else(|| panic!("{number} not in reconciliation.csv"))
}

// ---------------------------------------------------------------------------
// MF's `QueryInvoicesMetadataResponse` example: a complete page of 2025.

/// The first invoice of MF's metadata example, sent in Offline mode on the
/// day after its P_1.
const MF_OFFLINE: &str = "FA/KUDYO1a7dddfe-610e-4843-84ba-6b887e35266e";
/// The second: its invoice number is written like a KSeF number.
const MF_ONLINE: &str = "5265877635-20250925-010020A0A242-0A";
/// The one KSeF number MF's example gives both invoices.
const MF_KSEF_NUMBER: &str = "5555555555-20250828-010080615740-E4";
/// A 2026 invoice of the same seller that KSeF's 2025 page cannot know.
const LEDGER_2026: &str = "FV/2026/03/1";

/// A ledger with MF's first example invoice and a 2026 invoice, and an
/// offline log that does not list MF's invoice.
fn mf_ledger(b: Bundle) -> Bundle {
    b.file(
        "ledger/sales.csv",
        format!(
            "invoice_number,issue_date,seller_nip,gross_amount,currency,net_amount\n\
{MF_OFFLINE},2025-08-27,5555555555,43370.57,PLN,35260.63\n\
{LEDGER_2026},2026-03-02,5555555555,123.00,PLN,100.00\n"
        ),
    )
    .file(
        "offline/log.csv",
        "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by\n\
OF/2026/03/1,5555555555,2026-03-02,2026-03-02T10:00:00+01:00,offline24,a.nowak\n",
    )
}

/// The bundles of real public files that other tests hold their paths to:
/// MF's API metadata page and export with its truncation status, MF's UPO
/// samples (test receipts, which prove nothing), and MF's FA(3) samples
/// archived with hashes in three spellings.
pub(crate) fn public_bundles() -> [Bundle; 4] {
    [
        mf_page_bundle(),
        mf_export_bundle(),
        upo_samples_bundle(),
        plus_hash_bundle(),
    ]
}

pub(crate) fn mf_page_bundle() -> Bundle {
    mf_ledger(Bundle::new()).file(
        "ksef/metadata/page-1.json",
        real("ksef-api/query-metadata-page.json"),
    )
}

fn mf_page_run() -> Run {
    run(mf_page_bundle().path(), REAL_AS_OF, &[])
}

#[test]
fn mf_metadata_page_is_read_and_matched() {
    let r = mf_page_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    let sources = &r.json()["sources"]["ksef_metadata"];
    assert_eq!(sources["rows_read"], 2, "{sources}");
    assert_eq!(sources["rows_used"], 2, "{sources}");
    assert!(r.rows("rejected.csv").is_empty());
    let offline = invoice(&r, MF_OFFLINE);
    assert_eq!(offline["in_ksef"], "true");
    assert_eq!(offline["ksef_number"], MF_KSEF_NUMBER);
    assert_eq!(offline["submitted_on"], "2025-08-28");
    // The second invoice is in KSeF only.
    let not_in_ledger = findings(&r, "NOT_IN_LEDGER");
    assert_eq!(not_in_ledger.len(), 1, "{not_in_ledger:?}");
    assert_eq!(not_in_ledger[0]["invoice_number"], MF_ONLINE);
    // Both KSeF numbers carry a valid CRC-8.
    assert!(findings(&r, "INVALID_KSEF_NUMBER").is_empty());
    // Sent the day after P_1: KSeF marks it Offline by itself, which proves
    // nothing about the offline log.
    assert!(findings(&r, "OFFLINE_NOT_IN_LOG").is_empty());
}

#[test]
fn mf_metadata_page_2025_invoices_are_not_required() {
    let r = mf_page_run();
    assert_eq!(invoice(&r, MF_OFFLINE)["status"], "not_required");
    assert!(findings(&r, "ONLINE_SENT_LATE").is_empty());
}

#[test]
fn mf_metadata_page_gives_one_ksef_number_to_two_invoices() {
    let r = mf_page_run();
    let duplicates = findings(&r, "DUPLICATE_KSEF_NUMBER");
    let numbers: Vec<&str> = duplicates
        .iter()
        .map(|x| x["invoice_number"].as_str())
        .collect();
    assert_eq!(numbers.len(), 2, "{duplicates:?}");
    assert!(numbers.contains(&MF_OFFLINE) && numbers.contains(&MF_ONLINE));
    assert!(duplicates.iter().all(|x| x["severity"] == "high"));
}

#[test]
fn mf_metadata_page_of_2025_proves_nothing_missing_in_2026() {
    let r = mf_page_run();
    assert_eq!(invoice(&r, LEDGER_2026)["status"], "unverified");
    assert!(findings(&r, "OVERDUE_SUBMISSION").is_empty());
}

#[test]
fn mf_metadata_page_is_a_complete_extract_in_run_json() {
    let r = mf_page_run();
    let extract = &r.json()["ksef_extract"];
    assert_eq!(extract["complete"], true, "{extract}");
    // The page's permanentStorageHwmDate, 2025-08-28T09:23:55.388+00:00.
    assert!(extract.to_string().contains("2025-08-28"), "{extract}");
}

// ---------------------------------------------------------------------------
// MF's export status example beside an export's `_metadata.json`.

pub(crate) fn mf_export_bundle() -> Bundle {
    mf_ledger(Bundle::new())
        .file(
            "ksef/metadata/_metadata.json",
            real("ksef-api/export-metadata.json"),
        )
        .file(
            "ksef/metadata/export-status.json",
            real("ksef-api/export-status.json"),
        )
}

fn mf_export_run() -> Run {
    run(mf_export_bundle().path(), REAL_AS_OF, &[])
}

#[test]
fn mf_export_metadata_is_read() {
    let r = mf_export_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    let files = r.json()["files"].clone();
    let metadata = files
        .as_array()
        .expect("files")
        .iter()
        .find(|f| f["path"] == "ksef/metadata/_metadata.json")
        .cloned()
        .expect("_metadata.json listed");
    assert_eq!(metadata["rows_used"], 2, "{metadata}");
    assert_eq!(invoice(&r, MF_OFFLINE)["in_ksef"], "true");
}

#[test]
fn mf_export_status_says_the_extract_is_truncated() {
    let r = mf_export_run();
    let status_rejected = r
        .rows("rejected.csv")
        .iter()
        .any(|x| x["file"] == "ksef/metadata/export-status.json");
    assert!(!status_rejected, "the export status is input, not an error");
    let incomplete = findings(&r, "KSEF_EXTRACT_INCOMPLETE");
    assert_eq!(incomplete.len(), 1, "{incomplete:?}");
    assert!(
        incomplete[0]["detail"].contains("ksef/metadata/"),
        "{incomplete:?}"
    );
}

#[test]
fn mf_export_truncated_leaves_missing_invoices_unverified() {
    let r = mf_export_run();
    assert_eq!(invoice(&r, LEDGER_2026)["status"], "unverified");
    assert!(findings(&r, "OVERDUE_SUBMISSION").is_empty());
}

#[test]
fn mf_metadata_page_cut_short_stops_the_run() {
    // The page as an interrupted download leaves it: its first 1200 bytes.
    let page = real("ksef-api/query-metadata-page.json");
    let b = mf_ledger(Bundle::new()).file("ksef/metadata/page-1.json", &page[..1200]);
    let r = run(b.path(), "2026-04-30", &["--fail-on", "high"]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("ksef/metadata/page-1.json"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("not valid JSON"), "{}", r.stderr);
}

#[test]
fn mf_session_invoice_list_is_no_metadata_extract() {
    // The list of a session's invoices (another endpoint) has neither
    // seller.nip nor issueDate: not one record is usable as metadata.
    let b = mf_ledger(Bundle::new()).file(
        "ksef/metadata/session-invoices.json",
        real("ksef-api/session-invoices.json"),
    );
    let r = run(b.path(), "2026-04-30", &["--fail-on", "high"]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    let named = r.stderr.contains("ksef/metadata/session-invoices.json");
    assert!(named, "{}", r.stderr);
}

// ---------------------------------------------------------------------------
// MF's official UPO v4-3 samples: receipts of KSeF's test environment.

const UPO_SAMPLES: [&str; 6] = [
    "upo-faktura-id-zlozony-vat-ue.xml",
    "upo-faktura-internal-id.xml",
    "upo-faktura-kontekst-id-nip.xml",
    "upo-sesja-id-zlozony-vat-ue.xml",
    "upo-sesja-internal-id.xml",
    "upo-sesja-kontekst-id-nip.xml",
];

/// The two invoices the samples confirm (2025-09-16) and a 2026 invoice of
/// the same seller that no receipt mentions.
const UPO_LEDGER: &str = "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
FA/XVQUD-9997622510/04/2027,2025-09-16,5265877635,100.00,PLN\n\
FA/SIGTF-3388125147/11/2025,2025-09-16,5265877635,100.00,PLN\n\
FV/2026/03/7,2026-03-02,5265877635,100.00,PLN\n";

pub(crate) fn upo_samples_bundle() -> Bundle {
    UPO_SAMPLES.iter().fold(
        Bundle::new().file("ledger/sales.csv", UPO_LEDGER),
        |b, name| b.file(&format!("ksef/upo/{name}"), sample(&format!("upo/{name}"))),
    )
}

fn upo_samples_run() -> Run {
    run(upo_samples_bundle().path(), REAL_AS_OF, &[])
}

#[test]
fn upo_samples_are_read_whole() {
    let r = upo_samples_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    let upo = &r.json()["sources"]["upo"];
    assert_eq!(upo["files"], 6, "{upo}");
    // Nine Dokument elements; a test receipt's rows are used, they only
    // prove nothing.
    assert_eq!(upo["rows_read"], 9, "{upo}");
    assert_eq!(upo["rows_used"], 9, "{upo}");
    assert!(r.rows("rejected.csv").is_empty());
}

#[test]
fn upo_samples_are_not_production_receipts() {
    let r = upo_samples_run();
    let found = findings(&r, "UPO_NOT_PRODUCTION");
    assert_eq!(found.len(), 6, "{found:?}");
    for name in UPO_SAMPLES {
        let path = format!("ksef/upo/{name}");
        assert!(found.iter().any(|x| x["detail"].contains(&path)), "{path}");
    }
}

#[test]
fn upo_samples_prove_no_submission() {
    let r = upo_samples_run();
    let confirmed = invoice(&r, "FA/XVQUD-9997622510/04/2027");
    assert_eq!(confirmed["submitted_on"], "", "{confirmed:?}");
    assert_eq!(confirmed["ksef_number"], "", "{confirmed:?}");
}

#[test]
fn upo_samples_alone_leave_a_missing_invoice_unverified() {
    let r = upo_samples_run();
    assert_eq!(invoice(&r, "FV/2026/03/7")["status"], "unverified");
}

// ---------------------------------------------------------------------------
// MF's older UPO v4-2 (production name, no TrybWysylki).

const UPO_V42: &str = "ksef/upo/upo-v4-2-sesja-kontekst-id-nip.xml";

fn upo_v42_run() -> Run {
    let b = Bundle::new()
        .file("ledger/sales.csv", UPO_LEDGER)
        .file(UPO_V42, real("upo/upo-v4-2-sesja-kontekst-id-nip.xml"));
    run(b.path(), "2026-04-30", &[])
}

#[test]
fn upo_v4_2_is_rejected_naming_its_version() {
    let r = upo_v42_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["file"], UPO_V42);
    assert_eq!(rejected[0]["line"], "2");
    assert!(
        rejected[0]["reason"].contains("KSeF/v4-2"),
        "{:?}",
        rejected[0]
    );
    assert_eq!(r.json()["sources"]["upo"]["rows_used"], 0);
    assert_eq!(
        invoice(&r, "FA/SIGTF-3388125147/11/2025")["in_ksef"],
        "false"
    );
}

#[test]
fn upo_v4_2_reason_is_said_once() {
    let r = upo_v42_run();
    let reason = r.rows("rejected.csv")[0]["reason"].clone();
    assert_eq!(reason.matches("UPO v4-3 receipt").count(), 1, "{reason}");
}

#[test]
fn upo_v4_2_counts_as_a_file_rejected() {
    let r = upo_v42_run();
    assert_eq!(r.json()["sources"]["upo"]["files_rejected"], 1);
}

#[test]
fn upo_v4_2_only_means_no_upo_given() {
    let r = upo_v42_run();
    let not_provided = r.json()["not_provided"].to_string();
    assert!(not_provided.contains("ksef/upo"), "{not_provided}");
}

// ---------------------------------------------------------------------------
// MF's FA(3) samples 12 and 21, whose SHA-256 in Base64 starts with '+'.

/// SHA-256 of FA_3_Przyklad_12.xml (FK2026/03/7), Base64.
const HASH_12: &str = "+5EgfFbShAD15pHh2gOT032XPHbyjD6kXA8lD/ikDuk=";
/// The same hash as KOD I prints it: Base64URL without padding.
const HASH_12_KOD_I: &str = "-5EgfFbShAD15pHh2gOT032XPHbyjD6kXA8lD_ikDuk";
/// SHA-256 of FA_3_Przyklad_21.xml (FV2026/02/150), Base64.
const HASH_21: &str = "+AdeXbtVI5JoQkt6Yr20PtjXlKkBgOofFRGuWVGJ39A=";
/// The same hash in hex.
const HASH_21_HEX: &str = "f8075e5dbb55239268424b7a62bdb43ed8d794a90180ea1f1511ae595189dfd0";
/// The KSeF 1.0 number sample 12 cites for the invoice it corrects; its
/// checksum is not CRC-8.
const KSEF_1_0_NUMBER: &str = "9999999999-20230908-8BEF280C8D35-4D";

/// Both samples archived and sent in time; the offline log writes one hash
/// as KOD I does and the other in hex, KSeF in Base64; the ledger also holds
/// the invoice sample 12 corrects, with its KSeF 1.0 number.
pub(crate) fn plus_hash_bundle() -> Bundle {
    Bundle::new()
        .file("archive/FA_3_Przyklad_12.xml", sample("fa3/FA_3_Przyklad_12.xml"))
        .file("archive/FA_3_Przyklad_21.xml", sample("fa3/FA_3_Przyklad_21.xml"))
        .file(
            "ledger/sales.csv",
            format!(
                "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_number\n\
FK2026/03/7,2026-03-17,9999999999,10000.00,PLN,\n\
FV2026/02/150,2026-02-15,9999999999,16678.80,EUR,\n\
FZ2026/02/150,2026-02-15,9999999999,20000.00,PLN,{KSEF_1_0_NUMBER}\n"
            ),
        )
        .file(
            "offline/log.csv",
            format!(
                "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by,invoice_hash,gross_amount,currency\n\
FK2026/03/7,9999999999,2026-03-17,2026-03-17T10:00:00+01:00,offline24,a.nowak,{HASH_12_KOD_I},10000.00,PLN\n\
FV2026/02/150,9999999999,2026-02-15,2026-02-15T10:00:00+01:00,offline24,a.nowak,{HASH_21_HEX},16678.80,EUR\n"
            ),
        )
        .file(
            "ksef/metadata/ksef.csv",
            format!(
                "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,acquisition_date,gross_amount,currency,invoicing_mode,invoice_hash\n\
9999999999-20260318-0100A0D6723E-74,FK2026/03/7,9999999999,2026-03-17,2026-03-18T09:00:00+01:00,2026-03-18T09:00:05+01:00,10000.00,PLN,Offline,{HASH_12}\n\
9999999999-20260216-01004B1C55E2-C6,FV2026/02/150,9999999999,2026-02-15,2026-02-16T09:00:00+01:00,2026-02-16T09:00:05+01:00,16678.80,EUR,Offline,{HASH_21}\n"
            ),
        )
}

fn plus_hash_run() -> Run {
    run(plus_hash_bundle().path(), REAL_AS_OF, &[])
}

#[test]
fn plus_hash_samples_are_archived_linked_and_sent() {
    let r = plus_hash_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    // Every hash spelling is a readable value.
    assert!(r.rows("rejected.csv").is_empty());
    let fk = invoice(&r, "FK2026/03/7");
    assert_eq!(fk["archive_file"], "archive/FA_3_Przyklad_12.xml");
    assert_eq!(
        fk["kod1_url"],
        format!("https://qr.ksef.mf.gov.pl/invoice/9999999999/17-03-2026/{HASH_12_KOD_I}")
    );
    assert_eq!(fk["status"], "submitted_on_time");
    let fv = invoice(&r, "FV2026/02/150");
    assert_eq!(fv["archive_file"], "archive/FA_3_Przyklad_21.xml");
    assert_eq!(
        fv["kod1_url"],
        "https://qr.ksef.mf.gov.pl/invoice/9999999999/15-02-2026/-AdeXbtVI5JoQkt6Yr20PtjXlKkBgOofFRGuWVGJ39A"
    );
    assert_eq!(fv["status"], "submitted_on_time");
}

#[test]
fn plus_hash_is_written_exactly() {
    let r = plus_hash_run();
    assert_eq!(invoice(&r, "FK2026/03/7")["archive_hash"], HASH_12);
    assert_eq!(invoice(&r, "FV2026/02/150")["archive_hash"], HASH_21);
}

#[test]
fn plus_hash_spellings_are_one_hash() {
    let r = plus_hash_run();
    let mismatches = findings(&r, "HASH_MISMATCH");
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[test]
fn ksef_1_0_number_of_the_samples_is_valid() {
    let r = plus_hash_run();
    let invalid = findings(&r, "INVALID_KSEF_NUMBER");
    assert!(invalid.is_empty(), "{invalid:?}");
}

// ---------------------------------------------------------------------------
// FA(3) files written by the open-source gobl.ksef converter.

fn gobl_run() -> Run {
    let b = Bundle::new()
        .file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
INVOICE-001,2026-01-20,9876543210,2040.00,PLN\n",
        )
        .file(
            "archive/2026-01/gobl-invoice-standard.xml",
            real("fa3/gobl-invoice-standard.xml"),
        )
        .file(
            "archive/2026-01/gobl-credit-note-standard.xml",
            real("fa3/gobl-credit-note-standard.xml"),
        );
    run(b.path(), "2026-04-30", &[])
}

#[test]
fn gobl_invoice_is_read_and_archived() {
    let r = gobl_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    let archive = &r.json()["sources"]["archive"];
    assert_eq!(archive["rows_read"], 2, "{archive}");
    assert_eq!(archive["rows_rejected"], 0, "{archive}");
    let row = invoice(&r, "INVOICE-001");
    assert_eq!(
        row["archive_file"],
        "archive/2026-01/gobl-invoice-standard.xml"
    );
    assert_eq!(
        row["archive_hash"],
        "EmlAjGVCeeg7+8lg9GLlZ4+1uUuEofjoSAs/uQi5XkQ="
    );
}

#[test]
fn gobl_correction_matching_nothing_is_an_orphan() {
    let r = gobl_run();
    let orphans = findings(&r, "ARCHIVE_ORPHAN");
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    assert_eq!(orphans[0]["invoice_number"], "KOR-001");
    assert_eq!(orphans[0]["severity"], "low");
    assert!(
        orphans[0]["detail"].contains("archive/2026-01/gobl-credit-note-standard.xml"),
        "{orphans:?}"
    );
}

#[test]
fn gobl_invoice_of_january_2026_is_not_required() {
    let r = gobl_run();
    assert_eq!(invoice(&r, "INVOICE-001")["status"], "not_required");
}

// ---------------------------------------------------------------------------
// FA(3) files of the open-source ksef2 client: an invoice and its
// correction, which cites the invoice's KSeF number in the 36-character
// spelling (a hyphen inside the technical part).

/// The correction's `NrKSeFFaKorygowanej`, as the file spells it.
const KSEF_NUMBER_36: &str = "9999999999-20251215-A1B2C3-D4E5F6-AB";
/// The same number in its 35 characters.
const KSEF_NUMBER_35: &str = "9999999999-20251215-A1B2C3D4E5F6-AB";

/// Both files archived; the ledger copies the correction's spelling of the
/// invoice's KSeF number, KSeF's extract writes it in 35 characters.
fn ksef2_run() -> Run {
    let b = Bundle::new()
        .file(
            "archive/KSEF_01_VAT_STANDARD.xml",
            real("fa3/ksef2-KSEF_01_VAT_STANDARD.xml"),
        )
        .file("archive/KSEF_02_KOR.xml", real("fa3/ksef2-KSEF_02_KOR.xml"))
        .file(
            "ledger/sales.csv",
            format!(
                "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_number\n\
FV/2025/12/0001,2025-12-15,9999999999,5000.00,PLN,{KSEF_NUMBER_36}\n\
FK/2025/12/0001,2025-12-20,9999999999,-500.00,PLN,\n"
            ),
        )
        .file(
            "ksef/metadata/ksef.csv",
            format!(
                "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,gross_amount,currency,invoicing_mode\n\
{KSEF_NUMBER_35},FV/2025/12/0001,9999999999,2025-12-15,2025-12-15T12:00:00+01:00,5000.00,PLN,Online\n"
            ),
        );
    run(b.path(), "2026-01-31", &[])
}

#[test]
fn ksef2_invoice_and_correction_are_read_and_matched() {
    let r = ksef2_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert!(r.rows("rejected.csv").is_empty());
    let archive = &r.json()["sources"]["archive"];
    assert_eq!(archive["rows_read"], 2, "{archive}");
    let original = invoice(&r, "FV/2025/12/0001");
    assert_eq!(original["archive_file"], "archive/KSEF_01_VAT_STANDARD.xml");
    assert_eq!(original["in_ksef"], "true");
    assert_eq!(original["ksef_number"], KSEF_NUMBER_35);
    assert_eq!(original["submitted_on"], "2025-12-15");
    assert_eq!(
        invoice(&r, "FK/2025/12/0001")["archive_file"],
        "archive/KSEF_02_KOR.xml"
    );
    // The correction cites the number KSeF gave, in another spelling.
    assert!(findings(&r, "CORRECTION_REFERENCE_WRONG").is_empty());
}

#[test]
fn ksef2_number_in_36_characters_matches_ksefs() {
    let r = ksef2_run();
    let mismatches = findings(&r, "KSEF_NUMBER_MISMATCH");
    assert!(mismatches.is_empty(), "{mismatches:?}");
}

#[test]
fn ksef2_number_of_2025_is_checked_for_format_only() {
    let r = ksef2_run();
    let invalid = findings(&r, "INVALID_KSEF_NUMBER");
    assert!(invalid.is_empty(), "{invalid:?}");
}

#[test]
fn ksef2_correction_of_december_2025_is_not_required() {
    let r = ksef2_run();
    assert_eq!(invoice(&r, "FK/2025/12/0001")["status"], "not_required");
    assert!(findings(&r, "OVERDUE_SUBMISSION").is_empty());
}

// ---------------------------------------------------------------------------
// All 26 official FA(3) samples archived beside a one-invoice ledger. Eleven
// of them are FV2026/02/150 of seller 9999999999, the ledger's invoice.

/// The samples that are no invoice of the ledger, with P_1 on or before
/// 2026-04-30.
const ORPHANS_BY_APRIL: [u32; 10] = [2, 3, 5, 8, 10, 11, 12, 13, 19, 26];
/// The samples that are no invoice of the ledger, with P_1 after it.
const ORPHANS_LATER: [u32; 5] = [6, 7, 14, 17, 18];

fn all_samples_run() -> Run {
    let b = (1..=26).fold(
        Bundle::new().file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency\n\
FV2026/02/150,2026-02-15,9999999999,16678.80,EUR\n",
        ),
        |b, n| {
            let name = format!("FA_3_Przyklad_{n}.xml");
            b.file(&format!("archive/{name}"), sample(&format!("fa3/{name}")))
        },
    );
    run(b.path(), "2026-04-30", &[])
}

#[test]
fn official_fa3_samples_are_all_read() {
    let r = all_samples_run();
    assert_eq!(r.status, 0, "{}", r.stderr);
    let archive = &r.json()["sources"]["archive"];
    assert_eq!(archive["files"], 26, "{archive}");
    assert_eq!(archive["rows_read"], 26, "{archive}");
    assert_eq!(archive["rows_rejected"], 0, "{archive}");
    assert!(r.rows("rejected.csv").is_empty());
    let ledger = invoice(&r, "FV2026/02/150");
    assert!(
        ledger["archive_file"].starts_with("archive/FA_3_Przyklad_"),
        "{ledger:?}"
    );
}

#[test]
fn official_fa3_samples_matching_nothing_are_orphans() {
    let r = all_samples_run();
    let orphans = findings(&r, "ARCHIVE_ORPHAN");
    assert_eq!(orphans.len(), ORPHANS_BY_APRIL.len(), "{orphans:?}");
    let named = |n: u32| {
        let path = format!("archive/FA_3_Przyklad_{n}.xml");
        orphans.iter().any(|x| x["detail"].contains(&path))
    };
    assert!(ORPHANS_BY_APRIL.into_iter().all(named), "{orphans:?}");
    assert!(!ORPHANS_LATER.into_iter().any(named), "{orphans:?}");
}

// ---------------------------------------------------------------------------
// A JPK_V7M(3) from an open-source JPK library's documentation.

/// The library's example return as the whole ledger, as of 2026-03-31
/// (the file was made on 2026-03-10).
fn jpk_example_run(as_of: &str) -> Run {
    let b = Bundle::new().file(
        "ledger/jpk_vat-v7m-example.xml",
        real("jpk/jpk_vat-v7m-example.xml"),
    );
    run(b.path(), as_of, &[])
}

#[test]
fn jpk_example_is_a_return_of_february_with_one_sale() {
    let r = jpk_example_run("2026-03-31");
    assert_eq!(r.status, 0, "{}", r.stderr);
    let json = r.json();
    let ret = &json["jpk"]["returns"][0];
    assert_eq!(ret["period"], "2026-02");
    assert_eq!(ret["seller_nip"], "4165741358");
    // 09:36:46Z is 10:36:46 in Warsaw (winter time).
    assert_eq!(ret["made_at"], "2026-03-10T10:36:46");
    assert_eq!(ret["purpose"], "return");
    assert_eq!(ret["standing"], "stands");
    // The purchase row (marked BFK) is not a sale.
    assert_eq!(json["sources"]["ledger"]["rows_read"], 1);
    let row = invoice(&r, "FV/SGD/1/2026");
    // Net K_10 50.12 + K_17 42.00 + K_19 100.00, VAT K_18 12.00 + K_20 23.00.
    assert_eq!(row["gross_amount"], "227.12");
    assert_eq!(row["issue_date"], "2026-02-10");
    // The 36-character spelling is read as the 35-character number.
    assert_eq!(row["ksef_number"], "4165741358-20260210-0A0B0CD0E0F0-01");
}

#[test]
fn jpk_example_number_fails_its_checksum() {
    let r = jpk_example_run("2026-03-31");
    let invalid = findings(&r, "INVALID_KSEF_NUMBER");
    assert_eq!(invalid.len(), 1, "{invalid:?}");
    assert!(invalid[0]["detail"].contains("line 21"), "{:?}", invalid[0]);
    // It carries a number, so no marker rule has anything to say.
    assert!(findings(&r, "MARKER_MISMATCH").is_empty());
    assert_eq!(r.text("jpk_corrections.csv").lines().count(), 1);
}

#[test]
fn jpk_example_does_not_exist_before_it_was_made() {
    let r = jpk_example_run("2026-03-09");
    assert_eq!(
        r.json()["jpk"]["returns"][0]["standing"],
        "made after as-of"
    );
    assert_eq!(r.json()["rows_after_as_of"]["ledger"], 1);
}
