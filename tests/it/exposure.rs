//! The maximum penalty from 2027 (VAT Act art. 106ni) in
//! `reconciliation.csv`, and the NBP rates it converts at (`rates/`, JSON
//! tables and CSV), on a small bundle worked out by hand. As-of is Friday
//! 2027-02-26; 2027-01-01 and 2027-01-06 are holidays.

use std::collections::BTreeMap;

use crate::support::{Bundle, Run, run};

pub(crate) const AS_OF: &str = "2027-02-26";

/// Each invoice and the penalty worked out by hand (grosze, rounded half up
/// once):
/// - L1 PLN, sent 4 days after P_1 2027-01-04: its VAT, 230.00.
/// - O1 PLN, never sent, VAT 0.00: 18.7 % of 1005.00 = 187.935, so 187.94.
/// - E1 EUR, P_1 Thu 2027-01-07, sent late: the rate of Tue 2027-01-05
///   (01-06 is a holiday), 4.2693 from the JSON table 002/A/NBP/2027:
///   23.00 x 4.2693 = 98.1939, so 98.19.
/// - E2 EUR, P_1 Mon 2027-01-11, sent late: the rate of Fri 2027-01-08,
///   4.2810 from the CSV: 115.00 x 4.2810 = 492.315, so 492.32.
/// - E3 EUR, P_1 Wed 2027-01-13, sent late: needs Tue 2027-01-12's table,
///   which `rates/` lacks; the older 2027-01-11 table is not used: empty,
///   and run.json lists the missing rate.
/// - T1 PLN sent on P_1: on time, empty.
/// - C1 PLN correction, never sent, VAT -46.00: the absolute value, 46.00.
/// - L0 PLN, P_1 2026-12-30, sent 2027-01-05: late, but its deadline is
///   before 2027: empty.
/// - U1 PLN, never sent, no VAT stated anywhere: empty.
const LEDGER: &str = "invoice_number,issue_date,seller_nip,gross_amount,vat_amount,currency\n\
L1,2027-01-04,5265877635,1230.00,230.00,PLN\n\
O1,2027-01-05,5265877635,1005.00,0.00,PLN\n\
E1,2027-01-07,5265877635,123.00,23.00,EUR\n\
E2,2027-01-11,5265877635,615.00,115.00,EUR\n\
E3,2027-01-13,5265877635,246.00,46.00,EUR\n\
T1,2027-01-20,5265877635,123.00,23.00,PLN\n\
C1,2027-02-01,5265877635,-246.00,-46.00,PLN\n\
L0,2026-12-30,5265877635,123.00,23.00,PLN\n\
U1,2027-01-20,5265877635,50.00,,PLN\n";

const KSEF: &str = "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date\n\
5265877635-20270108-010000000001-15,L1,5265877635,2027-01-04,2027-01-08T10:00:00+01:00\n\
5265877635-20270112-010000000002-59,E1,5265877635,2027-01-07,2027-01-12T10:00:00+01:00\n\
5265877635-20270115-010000000003-EB,E2,5265877635,2027-01-11,2027-01-15T10:00:00+01:00\n\
5265877635-20270118-010000000004-BB,E3,5265877635,2027-01-13,2027-01-18T10:00:00+01:00\n\
5265877635-20270120-010000000005-59,T1,5265877635,2027-01-20,2027-01-20T10:00:00+01:00\n\
5265877635-20270105-010000000007-42,L0,5265877635,2026-12-30,2027-01-05T10:00:00+01:00\n";

/// The NBP web API's tables: 2027-01-05 (EUR, USD) and 2027-01-11 (EUR).
const NBP: &str = r#"[{"table":"A","no":"002/A/NBP/2027","effectiveDate":"2027-01-05","rates":[
  {"currency":"euro","code":"EUR","mid":4.2693},
  {"currency":"dolar amerykański","code":"USD","mid":3.9811}]},
 {"table":"A","no":"006/A/NBP/2027","effectiveDate":"2027-01-11","rates":[
  {"currency":"euro","code":"EUR","mid":4.2755}]}]"#;

const RATES_CSV: &str = "date,currency,rate\n2027-01-08,EUR,4.2810\n";

/// The bundle worked out above (also the matching SQL's case for the
/// penalty: `matching_sql.rs`).
pub(crate) fn bundle() -> Bundle {
    Bundle::new()
        .file(
            "recon.toml",
            "sellers = [\"5265877635\"]\nksef_extract_through = \"2027-02-26T06:00:00\"\n",
        )
        .file("ledger/sales.csv", LEDGER)
        .file("ksef/metadata/extract.csv", KSEF)
        .file("rates/nbp.json", NBP)
        .file("rates/more.csv", RATES_CSV)
}

fn by_invoice(r: &Run) -> BTreeMap<String, BTreeMap<String, String>> {
    assert_eq!(r.status, 0, "{}", r.stderr);
    r.rows("reconciliation.csv")
        .into_iter()
        .map(|row| (row["invoice_number"].clone(), row))
        .collect()
}

#[test]
fn the_maximum_penalty_is_the_vat_in_pln_from_2027() {
    let r = run(bundle().path(), AS_OF, &[]);
    let rows = by_invoice(&r);
    let expected = [
        ("L1", "submitted_late", "230.00"),
        ("O1", "overdue", "187.94"),
        ("E1", "submitted_late", "98.19"),
        ("E2", "submitted_late", "492.32"),
        ("E3", "submitted_late", ""),
        ("T1", "submitted_on_time", ""),
        ("C1", "overdue", "46.00"),
        ("L0", "submitted_late", ""),
        ("U1", "overdue", ""),
    ];
    for (invoice, status, penalty) in expected {
        let row = &rows[invoice];
        assert_eq!(row["status"], status, "{invoice}: {row:?}");
        assert_eq!(row["max_penalty_pln"], penalty, "{invoice}: {row:?}");
    }
    let json = r.json();
    assert_eq!(
        json["rates_used"],
        serde_json::json!([
            {"date": "2027-01-05", "currency": "EUR", "rate": "4.2693", "table": "002/A/NBP/2027"},
            {"date": "2027-01-08", "currency": "EUR", "rate": "4.2810", "table": null}
        ])
    );
    let missing = json["rates_missing"].as_array().expect("a list");
    assert_eq!(missing.len(), 1, "{missing:?}");
    assert_eq!(missing[0]["date"], "2027-01-12");
    assert_eq!(missing[0]["currency"], "EUR");
    assert_eq!(json["sources"]["rates"]["rows_used"], 4);
}

/// The column sits after the contract's columns and `deadline_basis`,
/// before the evidence.
#[test]
fn the_column_follows_the_contracts_columns() {
    let r = run(bundle().path(), AS_OF, &[]);
    let text = r.text("reconciliation.csv");
    let header = text.lines().next().unwrap();
    assert!(
        header.contains(",owner,deadline_basis,max_penalty_pln,archive_file,"),
        "{header}"
    );
}

/// The dashboard shows the total in a tile that says it is a maximum.
#[test]
fn the_dashboard_shows_the_total_as_a_maximum() {
    let r = run(bundle().path(), AS_OF, &[]);
    // 230.00 + 187.94 + 98.19 + 492.32 + 46.00 = 1054.45 over 5 invoices.
    let json = r.json();
    assert_eq!(json["max_penalty_pln"]["total"], "1054.45");
    assert_eq!(json["max_penalty_pln"]["invoices"], 5);
    let page = r.text("dashboard.html");
    assert!(page.contains("Maximum penalty exposure (art. 106ni, from 2027)"));
    assert!(page.contains("the tax office may set a lower penalty"));
}

/// The workbook's Dashboard sheet totals it by owner (none here: the
/// bundle has no offline log), with the same note.
#[test]
fn the_workbook_totals_it_by_owner() {
    use calamine::{Data, Reader, Xlsx, open_workbook};
    let r = run(bundle().path(), AS_OF, &[]);
    let mut wb: Xlsx<_> = open_workbook(r.path("ageing.xlsx")).expect("xlsx opens");
    let dash = wb.worksheet_range("Dashboard").expect("Dashboard");
    let rows: Vec<&[Data]> = dash.rows().collect();
    let title = rows
        .iter()
        .position(|row| {
            row.first()
                .is_some_and(|c| c.to_string().ends_with("by owner, PLN"))
        })
        .expect("the block's title");
    let owner = rows[title + 2];
    assert_eq!(owner[0].to_string(), "(no owner)");
    assert_eq!(owner[1], Data::Float(5.0));
    assert_eq!(owner[2], Data::Float(1054.45));
    assert_eq!(rows[title + 3][0].to_string(), "total");
    assert!(
        rows[title + 4][0]
            .to_string()
            .contains("the tax office may set a lower penalty")
    );
}

fn is_text(cell: &calamine::Data, text: &str) -> bool {
    matches!(cell, calamine::Data::String(s) if s == text)
}

/// The Dashboard sheet's cell under `header` in the row `first` names
/// (the first sheet, whatever the language calls it).
fn dashboard_cell(run: &Run, header: &str, first: &str) -> calamine::Data {
    use calamine::{Reader, Xlsx, open_workbook};
    let mut wb: Xlsx<_> = open_workbook(run.path("ageing.xlsx")).expect("xlsx opens");
    let dash = wb
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("Dashboard");
    let rows: Vec<&[calamine::Data]> = dash.rows().collect();
    let (top, column) = rows
        .iter()
        .enumerate()
        .find_map(|(r, row)| {
            let c = row.iter().position(|c| is_text(c, header))?;
            Some((r, c))
        })
        .unwrap_or_else(|| panic!("no {header} header"));
    let row = rows[top..]
        .iter()
        .find(|row| row.first().is_some_and(|c| is_text(c, first)))
        .unwrap_or_else(|| panic!("no {first} row"));
    row[column].clone()
}

/// The demo's three offline EUR invoices have their rates in `rates/` (two
/// NBP JSON tables and a CSV row): the offline gross value is given in PLN
/// too, on the dashboard (tile and modes table, in both languages) and in
/// the workbook, PLN 371,340.63 as `fixtures/demo/README.md` works it out.
#[test]
fn the_demo_gives_its_offline_value_in_pln_too() {
    let demo = crate::support::fixtures().join("demo");
    let r = run(&demo, "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let html = r.text("dashboard.html");
    for id in ["offline-value-pln", "modes-total-pln"] {
        let cell = format!(r#"id="{id}">≈ PLN 371,340.63<"#);
        assert!(html.contains(&cell), "{cell}");
    }
    assert!(html.contains("27,453.62 EUR<br>255,248.43 PLN"));
    let total = dashboard_cell(&r, "≈ PLN", "all offline");
    assert_eq!(total, calamine::Data::Float(371_340.63));
    let pl = run(&demo, "2026-04-10", &["--lang", "pl"]);
    assert!(
        pl.text("dashboard.html")
            .contains("id=\"offline-value-pln\">≈ 371\u{a0}340,63 zł<")
    );
    let total = dashboard_cell(&pl, "≈ zł", "wszystkie offline");
    assert_eq!(total, calamine::Data::Float(371_340.63));
}

/// Without the table of 2026-03-25, FO/2026/03/026 (P_1 03-26) has no
/// rate, and no older table stands in: the total stays per currency and
/// the views say that one amount was not converted.
#[test]
fn a_missing_rate_keeps_the_total_per_currency_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    crate::support::copy_dir(&crate::support::fixtures().join("demo"), dir.path());
    std::fs::remove_file(dir.path().join("rates/extra.csv")).unwrap();
    let r = run(dir.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let html = r.text("dashboard.html");
    let note = "1 not converted to PLN (no NBP rate)";
    for id in ["offline-value-pln", "modes-total-pln"] {
        let cell = format!(r#"id="{id}">{note}<"#);
        assert!(html.contains(&cell), "{cell}");
    }
    assert!(html.contains("27,453.62 EUR<br>255,248.43 PLN"));
    assert!(!html.contains("371,340.63"));
    let total = dashboard_cell(&r, "≈ PLN", "all offline");
    assert_eq!(total, calamine::Data::String(note.into()));
}
