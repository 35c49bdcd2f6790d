//! Values as real exports write them (contract section 2): amounts with a
//! BI tool's float noise, hashes in any of their three spellings, KSeF
//! numbers of KSeF 1.0 and in their 36-character spelling, and columns an
//! ERP register lacks given once in `recon.toml`.

use std::fs;

use crate::support::{Bundle, fixtures, run};

/// The codes of a run's findings for one invoice number.
fn codes_for(r: &crate::support::Run, invoice: &str) -> Vec<String> {
    r.rows("exceptions.csv")
        .into_iter()
        .filter(|x| x["invoice_number"] == invoice)
        .map(|x| x["code"].clone())
        .collect()
}

const LEDGER_HEADER: &str = "invoice_number,issue_date,seller_nip,gross_amount,currency\n";

/// A KSeF metadata page (the API's JSON) of one invoice with a raw
/// `grossAmount` and `invoiceHash`.
fn ksef_page(number: &str, invoice: &str, gross: &str, hash: &str) -> String {
    format!(
        r#"{{"invoices": [{{"ksefNumber": "{number}", "invoiceNumber": "{invoice}",
  "seller": {{"nip": "5265877635"}}, "issueDate": "2026-03-02",
  "invoicingDate": "2026-03-02T10:00:00+01:00", "acquisitionDate": "2026-03-02T10:00:05+01:00",
  "grossAmount": {gross}, "netAmount": 555.33, "currency": "PLN", "invoiceHash": "{hash}"}}]}}"#
    )
}

const KSEF_NUMBER: &str = "5265877635-20260302-0100001AF629-37";
const HASH: &str = "+AdeXbtVI5JoQkt6Yr20PtjXlKkBgOofFRGuWVGJ39A=";

#[test]
fn float_noise_amounts_are_the_amount_in_csv_and_json() {
    let b = Bundle::new()
        .file(
            "ledger/sales.csv",
            format!(
                "{LEDGER_HEADER}FV/1,2026-03-02,5265877635,683.0600000000001,PLN\n\
FV/2,2026-03-02,5265877635,6.8306E2,PLN\n\
FV/3,2026-03-02,5265877635,683.061,PLN\n"
            ),
        )
        .file(
            "ksef/metadata/page.json",
            ksef_page(KSEF_NUMBER, "FV/1", "683.0599999999999", HASH),
        );
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rows = r.rows("reconciliation.csv");
    let gross: Vec<(&str, &str)> = rows
        .iter()
        .map(|x| (x["invoice_number"].as_str(), x["gross_amount"].as_str()))
        .collect();
    assert_eq!(gross, [("FV/1", "683.06"), ("FV/2", "683.06")]);
    assert!(!codes_for(&r, "FV/1").contains(&"AMOUNT_MISMATCH".to_string()));
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["line"], "4");
    assert!(
        rejected[0]["reason"].contains("'683.061' has more than two decimal places"),
        "{rejected:?}"
    );
}

/// A spreadsheet's number cell holds the double nearest the amount.
#[test]
fn float_noise_in_an_xlsx_number_cell() {
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    for (col, name) in [
        "invoice_number",
        "issue_date",
        "seller_nip",
        "gross_amount",
        "currency",
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(0, col as u16, *name).expect("cell");
    }
    sheet.write_string(1, 0, "FV/1").expect("cell");
    sheet.write_string(1, 1, "2026-03-02").expect("cell");
    sheet.write_string(1, 2, "5265877635").expect("cell");
    sheet.write_number(1, 3, 683.0600000000001).expect("cell");
    sheet.write_string(1, 4, "PLN").expect("cell");
    let bytes = book.save_to_buffer().expect("workbook");
    let b = Bundle::new().file("ledger/sales.xlsx", bytes);
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.text("rejected.csv"), "source,file,line,reason\n");
    assert_eq!(r.rows("reconciliation.csv")[0]["gross_amount"], "683.06");
}

#[test]
fn float_noise_in_the_decimal_comma_dialect() {
    let b = Bundle::new()
        .file(
            "ledger/sales.csv",
            "invoice_number;issue_date;seller_nip;gross_amount;currency\n\
FV/1;2026-03-02;5265877635;1 683,0600000000001;PLN\n",
        )
        .file(
            "recon.toml",
            "[sources.ledger]\ndelimiter = \";\"\ndecimal = \",\"\n",
        );
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.rows("reconciliation.csv")[0]["gross_amount"], "1683.06");
}

#[test]
fn hashes_in_any_spelling_are_compared_as_bytes() {
    let bytes = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(HASH)
            .expect("base64")
    };
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let url = HASH
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_");
    let log = format!(
        "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by,invoice_hash\n\
FV/1,5265877635,2026-03-02,2026-03-02T09:00:00+01:00,offline24,a.nowak,{url}\n\
FV/2,5265877635,2026-03-02,2026-03-02T09:00:00+01:00,offline24,a.nowak,{hex}\n\
FV/3,5265877635,2026-03-02,2026-03-02T09:00:00+01:00,offline24,a.nowak,{}\n\
FV/4,5265877635,2026-03-02,2026-03-02T09:00:00+01:00,offline24,a.nowak,not-a-hash\n",
        hex.replacen('0', "1", 1)
    );
    let pages = [
        ("FV/1", "5265877635-20260302-0100001AF629-37"),
        ("FV/2", "5265877635-20260302-0100001AF62A-58"),
        ("FV/3", "5265877635-20260302-0100001AF62B-51"),
    ];
    let mut b = Bundle::new()
        .file(
            "ledger/sales.csv",
            format!(
                "{LEDGER_HEADER}FV/1,2026-03-02,5265877635,683.06,PLN\n\
FV/2,2026-03-02,5265877635,683.06,PLN\nFV/3,2026-03-02,5265877635,683.06,PLN\n"
            ),
        )
        .file("offline/log.csv", log);
    for (invoice, number) in pages {
        let name = format!("ksef/metadata/{}.json", invoice.replace('/', "_"));
        b = b.file(&name, ksef_page(number, invoice, "683.06", HASH));
    }
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let mismatched = |invoice| codes_for(&r, invoice).contains(&"HASH_MISMATCH".to_string());
    assert!(
        !mismatched("FV/1"),
        "Base64URL without padding is the same hash"
    );
    assert!(!mismatched("FV/2"), "hex is the same hash");
    assert!(mismatched("FV/3"), "a different hash still differs");
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(
        (rejected[0]["source"].as_str(), rejected[0]["line"].as_str()),
        ("offline_log", "5")
    );
    assert!(
        rejected[0]["reason"].starts_with("invoice_hash: 'not-a-hash' is not a SHA-256 hash"),
        "{rejected:?}"
    );
}

/// Real KSeF 1.0 numbers (from an MF-signed 2023 UPO) have no published
/// checksum; the 36-character spelling is the 35-character number.
#[test]
fn ksef_1_0_numbers_and_the_36_character_spelling() {
    let b = Bundle::new()
        .file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_number\n\
FV/1,2023-09-08,9999999999,10.00,PLN,9999999999-20230908-8BEF280C8D35-4D\n\
FV/2,2026-03-02,5265877635,683.06,PLN,5265877635-20260302-010000-1AF629-37\n\
FV/3,2026-03-02,5265877635,683.06,PLN,5265877635-20260302-0100001AF629-38\n\
FV/4,2023-09-08,9999999999,10.00,PLN,9999999999-20230908-8BEF280C8D3-4D\n",
        )
        .file(
            "ksef/metadata/page.json",
            ksef_page(KSEF_NUMBER, "FV/2", "683.06", HASH),
        );
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let invalid = |invoice| codes_for(&r, invoice).contains(&"INVALID_KSEF_NUMBER".to_string());
    assert!(
        !invalid("FV/1"),
        "a 2023 number is checked for its form only"
    );
    assert!(!invalid("FV/2"));
    assert!(invalid("FV/3"), "a 2026 number still has its CRC-8 checked");
    assert!(invalid("FV/4"), "a 2023 number still has its form checked");
    let fv2 = codes_for(&r, "FV/2");
    assert!(
        !fv2.contains(&"KSEF_NUMBER_MISMATCH".to_string()),
        "{fv2:?}"
    );
    let rows = r.rows("reconciliation.csv");
    let fv2 = rows.iter().find(|x| x["invoice_number"] == "FV/2").unwrap();
    assert_eq!(fv2["ksef_number"], KSEF_NUMBER);
}

/// An ERP register without a seller NIP column: `recon.toml` gives it one
/// value; a file that has the column keeps its own.
#[test]
fn constants_fill_a_column_the_file_lacks() {
    let b = Bundle::new()
        .file(
            "ledger/erp.csv",
            "invoice_number,issue_date,gross_amount,currency\nFV/1,2026-03-02,683.06,PLN\n",
        )
        .file(
            "ledger/other.csv",
            format!("{LEDGER_HEADER}FV/2,2026-03-02,1234563218,10.00,PLN\n"),
        )
        .file(
            "recon.toml",
            "[sources.ledger.constants]\nseller_nip = \"5265877635\"\n",
        );
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let mut sellers: Vec<(String, String)> = r
        .rows("reconciliation.csv")
        .into_iter()
        .map(|x| (x["invoice_number"].clone(), x["seller_nip"].clone()))
        .collect();
    sellers.sort();
    assert_eq!(
        sellers,
        [
            ("FV/1".to_string(), "5265877635".to_string()),
            ("FV/2".to_string(), "1234563218".to_string())
        ]
    );
}

#[test]
fn a_bad_constant_is_a_configuration_error_naming_the_line() {
    let b = Bundle::new().with_ledger().file(
        "recon.toml",
        "sellers = [\"5265877635\"]\n[sources.ledger.constants]\nissue_date = \"02.03.2026\"\n",
    );
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 2, "{}", r.stderr);
    assert!(
        r.stderr.contains("line 3") && r.stderr.contains("issue_date"),
        "{}",
        r.stderr
    );
}

/// Constants do not apply to XML: a JPK_V7 register's fields are its own.
#[test]
fn constants_do_not_fill_xml() {
    let jpk = fs::read(fixtures().join("samples/jpk/jpk_v7m_2026_03.xml")).expect("sample");
    let b = Bundle::new().file("ledger/jpk.xml", jpk).file(
        "recon.toml",
        "[sources.ledger.constants]\nksef_number = \"5265877635-20260302-0100001AF629-37\"\n",
    );
    let without = Bundle::new().file(
        "ledger/jpk.xml",
        fs::read(fixtures().join("samples/jpk/jpk_v7m_2026_03.xml")).expect("sample"),
    );
    let a = run(b.path(), "2026-04-30", &[]);
    let z = run(without.path(), "2026-04-30", &[]);
    assert_eq!(a.status, 0, "{}", a.stderr);
    assert_eq!(a.text("reconciliation.csv"), z.text("reconciliation.csv"));
}

/// The status service's object form, with a message published again under
/// its id with a higher version (listed first, so file order cannot be
/// what decides): the later version's end stretches the deadline.
const STATUS_OBJECT: &str = r#"{"status": "AVAILABLE", "messages": [
  {"id": "K/2025/AWR/01", "eventId": "E1", "category": "FAILURE", "type": "FAILURE_END",
   "start": "2025-07-09T09:00:00+02:00", "end": "2025-07-12T18:00:00+02:00", "version": 2,
   "published": "2025-07-12T19:00:00+02:00"},
  {"id": "K/2025/AWR/01", "eventId": "E1", "category": "FAILURE", "type": "FAILURE_START",
   "start": "2025-07-09T09:00:00+02:00", "end": "2025-07-10T18:00:00+02:00", "version": 1,
   "published": "2025-07-09T10:00:00+02:00"}
]}"#;

#[test]
fn the_status_object_form_and_message_versions() {
    let b = Bundle::new().file("status.json", STATUS_OBJECT);
    let file = b.path().join("status.json");
    let out = crate::support::binary()
        .args([
            "deadline",
            "--mode",
            "offline24",
            "--issue-date",
            "2025-07-08",
        ])
        .arg("--announcements")
        .arg(&file)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    // 7 business days after 2025-07-12 (version 2), not after 07-10.
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "2025-07-22");
    let run_bundle = Bundle::new()
        .with_ledger()
        .file("announcements/status.json", STATUS_OBJECT);
    let r = run(run_bundle.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.text("rejected.csv"), "source,file,line,reason\n");
}

/// The JPK_V7M(3) sample turned into a JPK_V7M(2): the 2021 namespace,
/// `kodSystemowy` and variant of the form before KSeF markers.
fn jpk_v7m_2() -> String {
    let v3 =
        fs::read_to_string(fixtures().join("samples/jpk/jpk_v7m_2026_03.xml")).expect("sample");
    v3.replace("JPK_V7M (3)", "JPK_V7M (2)")
        .replace("<WariantFormularza>3<", "<WariantFormularza>2<")
        .replace(
            "http://crd.gov.pl/wzor/2025/12/19/14090/",
            "http://crd.gov.pl/wzor/2021/12/27/11148/",
        )
}

/// A JPK_V7M(2) is refused as a whole file saying it is of the earlier
/// version, once, and counted in run.json with its rows.
#[test]
fn an_earlier_jpk_version_is_one_file_rejection_counted_with_its_rows() {
    let b = Bundle::new()
        .with_ledger()
        .file("ledger/jpk_2021.xml", jpk_v7m_2());
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rejected = r.rows("rejected.csv");
    assert_eq!(rejected.len(), 1, "{rejected:?}");
    assert_eq!(rejected[0]["file"], "ledger/jpk_2021.xml");
    assert_eq!(rejected[0]["line"], "7");
    assert!(
        rejected[0]["reason"].starts_with(
            "not a JPK_V7(3) register: an earlier version of the form (kodSystemowy \"JPK_V7M (2)\")"
        ),
        "{rejected:?}"
    );
    let json = r.json();
    let ledger = &json["sources"]["ledger"];
    assert_eq!(ledger["files"], 2);
    assert_eq!(ledger["files_rejected"], 1);
    assert_eq!(ledger["rows_read"], 6, "1 CSV row and the JPK's 5");
    assert_eq!(ledger["rows_used"], 1);
    assert_eq!(ledger["rows_rejected"], 5);
}

const NOT_A_UPO: &str = "<?xml version=\"1.0\"?>\n<Faktura xmlns=\"urn:x\"/>\n";

/// A source given with nothing usable is not given: listed under
/// not_provided with its files' first reasons (said once), its checks
/// skipped, and its rejected file counted.
#[test]
fn a_source_with_nothing_usable_is_not_provided_with_its_reason() {
    let b = Bundle::new()
        .with_ledger()
        .file("ksef/upo/bad.xml", NOT_A_UPO)
        .file(
            "offline/log.csv",
            "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by
FV/1,5265877635,2026-03-02,2026-03-02T09:00:00+01:00,offline48,a.nowak
",
        );
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let json = r.json();
    assert!(
        json["not_provided"].as_array().expect("list").iter().any(|v| v
            == "offline/log.* (nothing usable: offline/log.csv line 2: mode: unknown mode 'offline48' \
                (expected offline24, offline, emergency or total_failure))"),
        "{}",
        json["not_provided"]
    );
    let skipped: Vec<&str> = json["checks_skipped"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["code"].as_str())
        .collect();
    assert!(skipped.contains(&"NUMBERING_GAP"), "{skipped:?}");
    let listed: Vec<&str> = json["not_provided"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|v| v.starts_with("ksef/upo/"))
        .collect();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(
        listed[0].starts_with(
            "ksef/upo/ (nothing usable: ksef/upo/bad.xml line 2: not a UPO v4-3 receipt: root is <Faktura>"
        ),
        "{listed:?}"
    );
    assert_eq!(json["sources"]["upo"]["files_rejected"], 1);
    let rejected = r.rows("rejected.csv");
    let upo = rejected
        .iter()
        .find(|x| x["source"] == "upo")
        .expect("the UPO file is rejected");
    let reason = &upo["reason"];
    assert_eq!(reason.matches("UPO v4-3 receipt").count(), 1, "{reason}");
}

/// For the ledger and KSeF metadata, nothing usable stops the run naming
/// each file and its first reason; a readable file with no rows is given
/// and empty.
#[test]
fn nothing_usable_in_ksef_metadata_or_the_ledger_stops_the_run() {
    let b = Bundle::new()
        .with_ledger()
        .file(
            "ksef/metadata/cut.json",
            "{\"invoices\": [{\"ksefNumber\": ",
        )
        .file(
            "ksef/metadata/wrong.json",
            "{\"invoices\": [{\"referenceNumber\": \"x\"}]}",
        );
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("no usable ksef_metadata rows")
            && r.stderr
                .contains("ksef/metadata/cut.json line 1: not valid JSON")
            && r.stderr
                .contains("ksef/metadata/wrong.json line 1: ksef_number: required value is empty"),
        "{}",
        r.stderr
    );
    assert!(!r.out.path().join("out").exists(), "no partial outputs");
    let empty = Bundle::new().with_ledger().file(
        "ksef/metadata/none.csv",
        "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date\n",
    );
    let r = run(empty.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let json = r.json();
    let listed = json["not_provided"].as_array().expect("list");
    assert!(
        !listed
            .iter()
            .any(|v| v.as_str().is_some_and(|v| v.starts_with("ksef/metadata/"))),
        "{listed:?}"
    );
    let ledger = Bundle::new().file(
        "ledger/sales.csv",
        format!("{LEDGER_HEADER}FV/1,x,5265877635,1.00,PLN\n"),
    );
    let r = run(ledger.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("ledger/sales.csv line 2: issue_date"),
        "{}",
        r.stderr
    );
}

/// FA_3_Przyklad_21's SHA-256 starts with `+` in Base64: reconciliation.csv
/// writes it exactly, where a free-text cell starting so is neutralised.
#[test]
fn a_hash_starting_with_plus_is_written_exactly() {
    let sample = fs::read(fixtures().join("samples/fa3/FA_3_Przyklad_21.xml")).expect("sample");
    let b = Bundle::new()
        .file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_number\n\
FV2026/02/150,2026-02-15,9999999999,16678.80,EUR,9999999999-20260216-0100001AF629-8D\n\
+FV/2,2026-02-15,9999999999,-5.00,PLN,\n",
        )
        .file("archive/FA_3_Przyklad_21.xml", sample);
    let r = run(b.path(), "2026-03-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rows = r.rows("reconciliation.csv");
    let fv = rows
        .iter()
        .find(|x| x["invoice_number"] == "FV2026/02/150")
        .expect("the archived invoice");
    assert_eq!(fv["archive_hash"], HASH);
    assert_eq!(fv["ksef_number"], "9999999999-20260216-0100001AF629-8D");
    assert_eq!(fv["gross_amount"], "16678.80");
    let other = rows
        .iter()
        .find(|x| x["invoice_number"] == "'+FV/2")
        .expect("a free-text cell is still neutralised");
    assert_eq!(other["gross_amount"], "-5.00");
    for row in r.rows("exceptions.csv") {
        for column in ["seller_nip", "ksef_number", "gross_amount", "deadline"] {
            assert!(!row[column].starts_with('\''), "{column}: {row:?}");
        }
    }
}
