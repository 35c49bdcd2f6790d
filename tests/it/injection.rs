//! A formula typed into an input cell arrives as inert text in every output:
//! the CSVs prefix it with `'` (contract section 6), the workbooks hold it as
//! it is in a string cell (which no spreadsheet runs) and no formula at all,
//! and the HTML page escapes it.

use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::evidence::entries;
use crate::support::{Bundle, binary, run};

const FORMULA: &str = "=HYPERLINK(\"http://x\")";
const INERT: &str = "'=HYPERLINK(\"http://x\")";

fn bundle() -> Bundle {
    Bundle::new()
        // The extract was taken on the as-of date: it proves the invoice
        // absent from KSeF, so it is overdue.
        .file("recon.toml", "ksef_extract_through = \"2026-04-10T06:00:00\"\n")
        .file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_marker\n\
             \"=HYPERLINK(\"\"http://x\"\")\",2026-03-02,5265877635,123.00,PLN,OFF\n",
        )
        .file(
            "offline/log.csv",
            "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by,decision_id,owner\n\
             \"=HYPERLINK(\"\"http://x\"\")\",5265877635,2026-03-02,2026-03-02T10:00:00+01:00,offline24,@issuer,DEC-1,+owner\n",
        )
        .file(
            "offline/decisions.csv",
            "decision_id,mode,started_at,declared_by,approved_by\n\
             DEC-1,offline24,2026-03-02T08:00:00+01:00,a.nowak,m.kowalska\n",
        )
        .file(
            "ksef/metadata/k.csv",
            "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date\n\
             5265877635-20250826-0100001AF629-AF,X/1,5265877635,2025-08-26,2025-08-26T10:00:00Z\n",
        )
}

/// Every string cell of every sheet: a formula-looking value is held as it
/// is, in a string cell, and no cell may hold a formula.
fn assert_workbook_inert(path: &Path) {
    let mut wb: Xlsx<_> = open_workbook(path).expect("xlsx opens");
    let mut seen = 0;
    for name in wb.sheet_names() {
        let formulas = wb.worksheet_formula(&name).expect("formulas");
        assert!(
            formulas.used_cells().all(|(_, _, f)| f.is_empty()),
            "{name} holds a formula"
        );
        for (_, _, cell) in wb.worksheet_range(&name).expect("range").used_cells() {
            if let Data::String(s) = cell
                && s.contains("HYPERLINK")
            {
                assert_eq!(s, FORMULA, "{name}");
                seen += 1;
            }
        }
    }
    assert!(
        seen >= 2,
        "the invoice number should appear in the workbook"
    );
}

#[test]
fn a_formula_in_an_invoice_number_stays_inert_everywhere() {
    let b = bundle();
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);

    let rec = r.rows("reconciliation.csv");
    assert_eq!(
        rec.iter()
            .filter(|row| row["invoice_number"] == INERT)
            .count(),
        1
    );
    let ex = r.rows("exceptions.csv");
    let overdue = ex
        .iter()
        .find(|row| row["code"] == "OVERDUE_SUBMISSION")
        .expect("the invoice is overdue");
    assert_eq!(overdue["invoice_number"], INERT);
    assert_eq!(overdue["owner"], "'+owner");
    assert_eq!(overdue["user"], "'@issuer");

    assert_workbook_inert(&r.path("ageing.xlsx"));

    let html = r.text("dashboard.html");
    assert!(html.contains("=HYPERLINK(&quot;http://x&quot;)"));
    assert!(!html.contains(FORMULA), "unescaped in the HTML");

    let pack = r.out.path().join("pack.zip");
    let out = binary()
        .args(["evidence", "--decision", "DEC-1", "--as-of", "2026-04-10"])
        .arg("--input")
        .arg(b.path())
        .arg("--out")
        .arg(&pack)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = entries(&pack);
    for name in ["reconciliation.csv", "exceptions.csv"] {
        let rows = crate::support::read_csv_bytes(&files[name]);
        assert!(
            rows.iter().any(|row| row["invoice_number"] == INERT),
            "{name} in the pack"
        );
        assert!(
            rows.iter()
                .all(|row| row.values().all(|v| !v.starts_with('='))),
            "{name} in the pack"
        );
    }
    let workbook = r.out.path().join("pack-ageing.xlsx");
    std::fs::write(&workbook, &files["ageing.xlsx"]).unwrap();
    assert_workbook_inert(&workbook);
}
