//! The JPK_V7 returns: which file stands for a period, the marker rules
//! (MARKER_MISMATCH's clauses, JPK_CORRECTION_DUE) and the worklist
//! `jpk_corrections.csv`, on `fixtures/jpk`, whose README works every
//! finding out by hand. As of 2026-04-30.

use std::collections::BTreeMap;

use crate::support::{Bundle, Run, copy_dir, fixtures, run};

const AS_OF: &str = "2026-04-30";

fn jpk_run() -> Run {
    let r = run(&fixtures().join("jpk"), AS_OF, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    r
}

/// (code, invoice) → detail, of the JPK codes.
fn findings(r: &Run) -> BTreeMap<(String, String), String> {
    r.rows("exceptions.csv")
        .into_iter()
        .filter(|row| {
            matches!(
                row["code"].as_str(),
                "MARKER_MISMATCH" | "JPK_CORRECTION_DUE"
            )
        })
        .map(|row| {
            (
                (row["code"].clone(), row["invoice_number"].clone()),
                row["detail"].clone(),
            )
        })
        .collect()
}

/// (code, invoice) → exception_id of every finding.
fn exception_ids(r: &Run) -> BTreeMap<(String, String), String> {
    r.rows("exceptions.csv")
        .into_iter()
        .map(|row| {
            (
                (row["code"].clone(), row["invoice_number"].clone()),
                row["exception_id"].clone(),
            )
        })
        .collect()
}

const KOR: &str = "JPK 2026-03 (ledger/jpk_2026_03_kor.xml): ";

fn numbered(marker: &str, number: &str, at: &str) -> String {
    format!(
        "{marker} without NrKSeF, but KSeF numbered it {number} at {at}, before the file \
         was made (2026-04-20 12:00): the row must carry the number"
    )
}

#[test]
fn every_marker_finding_of_the_hand_worked_returns() {
    let got = findings(&jpk_run());
    let key = |code: &str, number: &str| (code.to_string(), number.to_string());
    let mut want = BTreeMap::new();
    want.insert(
        key("MARKER_MISMATCH", "FV/02/01"),
        "ledger marker BFK, but the offline log lists it in mode offline24, which requires KSeF"
            .to_string(),
    );
    want.insert(
        key("MARKER_MISMATCH", "FV/03/01"),
        format!(
            "{KOR}{}",
            numbered(
                "marker DI",
                "5265877635-20260303-010000000001-2E",
                "2026-03-03 09:00"
            )
        ),
    );
    want.insert(
        key("MARKER_MISMATCH", "FV/03/03"),
        format!("{KOR}marker OFF, but the offline log lists it in mode offline24, not emergency"),
    );
    want.insert(
        key("MARKER_MISMATCH", "FV/03/06"),
        format!(
            "{KOR}marker OFF, but the offline log has no row for it (OFF is for emergency mode); {}",
            numbered("marker OFF", "5265877635-20260306-010000000006-43", "2026-03-06 09:00")
        ),
    );
    want.insert(
        key("MARKER_MISMATCH", "FV/03/07"),
        format!(
            "{KOR}{}",
            numbered(
                "no marker",
                "5265877635-20260310-010000000007-A1",
                "2026-03-10 09:00"
            )
        ),
    );
    want.insert(
        key("MARKER_MISMATCH", "FV/03/08"),
        format!(
            "{KOR}marker BFK, but the offline log lists it in mode offline24, which requires KSeF"
        ),
    );
    want.insert(
        key("JPK_CORRECTION_DUE", "FV/03/05"),
        "JPK 2026-03 (ledger/jpk_2026_03_kor.xml, made 2026-04-20 12:00) files it as DI; KSeF \
         numbered it 5265877635-20260422-010000000005-B4 at 2026-04-22 09:00: correct the JPK \
         of 2026-03 to show the number"
            .to_string(),
    );
    assert_eq!(got, want);
}

#[test]
fn the_return_made_last_stands_and_later_ones_do_not_exist_yet() {
    let r = jpk_run();
    let jpk = &r.json()["jpk"];
    let standing: Vec<(String, String, String)> = jpk["returns"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap_or("").to_string();
            (s("file"), s("standing"), s("replaced_by"))
        })
        .collect();
    assert_eq!(
        standing,
        [
            (
                "ledger/jpk_2026_03.xml",
                "replaced",
                "ledger/jpk_2026_03_kor.xml"
            ),
            ("ledger/jpk_2026_03_kor.xml", "stands", ""),
            ("ledger/jpk_2026_04.xml", "made after as-of", ""),
        ]
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
    );
    assert_eq!(jpk["rows_replaced"], 2);
    assert_eq!(jpk["rows_made_after_as_of"], 1);
    // FV/03/09: in KSeF, but with no moment it was numbered.
    assert_eq!(jpk["rows_not_judged"], 1);
    assert_eq!(r.json()["rows_after_as_of"]["ledger"], 1);
    // The replaced original's rows are no ledger rows: FV/03/20 only it
    // lists is nowhere, and FV/03/01 in both is no DUPLICATE_NUMBER.
    let reconciliation = r.rows("reconciliation.csv");
    assert!(
        reconciliation
            .iter()
            .all(|row| row["invoice_number"] != "FV/03/20")
    );
    assert!(
        reconciliation
            .iter()
            .all(|row| row["invoice_number"] != "FV/03/30")
    );
    let exceptions = r.rows("exceptions.csv");
    assert!(
        exceptions
            .iter()
            .all(|row| row["code"] != "DUPLICATE_NUMBER")
    );
}

#[test]
fn the_worklist_lists_each_row_to_change_under_its_return() {
    let r = jpk_run();
    let ids = exception_ids(&r);
    let id = |code: &str, n: &str| ids[&(code.to_string(), n.to_string())].clone();
    let head = "entry,seller_nip,period,jpk_file,jpk_made_at,rows_to_change,invoice_number,\
                marker_filed,must_become,ksef_numbered_at,code,exception_id";
    let file = "5265877635,2026-03,ledger/jpk_2026_03_kor.xml,2026-04-20 12:00";
    let row = |n: &str, filed: &str, become_: &str, at: &str, code: &str| {
        format!(
            "row,{file},,{n},{filed},{become_},{at},{code},{}",
            id(code, n)
        )
    };
    let want = [
        head.to_string(),
        format!("period,{file},6,,,,,,"),
        row(
            "FV/03/01",
            "DI",
            "5265877635-20260303-010000000001-2E",
            "2026-03-03 09:00",
            "MARKER_MISMATCH",
        ),
        // Offline24, not numbered yet: DI until KSeF numbers it.
        row("FV/03/03", "OFF", "DI", "", "MARKER_MISMATCH"),
        row(
            "FV/03/05",
            "DI",
            "5265877635-20260422-010000000005-B4",
            "2026-04-22 09:00",
            "JPK_CORRECTION_DUE",
        ),
        row(
            "FV/03/06",
            "OFF",
            "5265877635-20260306-010000000006-43",
            "2026-03-06 09:00",
            "MARKER_MISMATCH",
        ),
        row(
            "FV/03/07",
            "none",
            "5265877635-20260310-010000000007-A1",
            "2026-03-10 09:00",
            "MARKER_MISMATCH",
        ),
        row("FV/03/08", "BFK", "DI", "", "MARKER_MISMATCH"),
    ];
    let got = r.text("jpk_corrections.csv");
    assert_eq!(got.lines().collect::<Vec<_>>(), want);
}

#[test]
fn without_the_offline_log_only_the_numbering_clause_is_judged() {
    let bundle = Bundle::new();
    copy_dir(&fixtures().join("jpk"), bundle.path());
    std::fs::remove_dir_all(bundle.path().join("offline")).expect("remove offline/");
    let r = run(bundle.path(), AS_OF, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let got: Vec<(String, String)> = findings(&r).into_keys().collect();
    let want = [
        ("JPK_CORRECTION_DUE", "FV/03/05"),
        ("MARKER_MISMATCH", "FV/03/01"),
        ("MARKER_MISMATCH", "FV/03/06"),
        ("MARKER_MISMATCH", "FV/03/07"),
    ]
    .map(|(c, n)| (c.to_string(), n.to_string()));
    assert_eq!(got, want);
    let json = r.json();
    let skipped: Vec<&str> = json["checks_skipped"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["code"] == "MARKER_MISMATCH")
        .flat_map(|s| s["missing"].as_array().into_iter().flatten())
        .filter_map(|m| m.as_str())
        .collect();
    assert_eq!(skipped, ["offline/log.*"]);
    // The clause that ran is counted.
    assert_eq!(json["counts_by_code"]["MARKER_MISMATCH"], 3);
}

/// The ledger's CSV dialect (a decimal comma, Polish dates) is its CSV
/// files': the returns beside them are read as the JPK_V7 schema writes
/// them, and the run gives what the bundle in plain ISO gives. (Every
/// return row was refused before: its date was read in the CSV's format.)
#[test]
fn the_ledgers_csv_dialect_is_not_the_returns() {
    let bundle = Bundle::new();
    copy_dir(&fixtures().join("jpk"), bundle.path());
    let ledger = bundle.path().join("ledger");
    std::fs::write(
        ledger.join("sales.csv"),
        "invoice_number;issue_date;seller_nip;gross_amount;currency;ksef_marker\n\
         FV/02/01;20.02.2026;5265877635;123,00;PLN;BFK\n",
    )
    .expect("write sales.csv");
    let toml = bundle.path().join("recon.toml");
    let mut config = std::fs::read_to_string(&toml).expect("read recon.toml");
    config.push_str(
        "\n[sources.ledger]\ndelimiter = \";\"\ndecimal = \",\"\ndate_format = \"%d.%m.%Y\"\n",
    );
    std::fs::write(&toml, config).expect("write recon.toml");
    let r = run(bundle.path(), AS_OF, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let plain = jpk_run();
    for file in [
        "exceptions.csv",
        "reconciliation.csv",
        "rejected.csv",
        "jpk_corrections.csv",
    ] {
        assert_eq!(r.text(file), plain.text(file), "{file}");
    }
}

#[test]
fn with_nothing_due_the_worklist_is_its_header() {
    let r = run(Bundle::new().with_ledger().path(), AS_OF, &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    assert_eq!(r.text("jpk_corrections.csv").lines().count(), 1);
}

#[test]
fn a_return_row_is_compared_with_ksef_only_in_pln() {
    let r = jpk_run();
    let mismatched: Vec<String> = r
        .rows("exceptions.csv")
        .into_iter()
        .filter(|row| row["code"] == "AMOUNT_MISMATCH")
        .map(|row| row["invoice_number"].clone())
        .collect();
    // FV/03/07 differs in PLN; FV/03/10 is in EUR in KSeF, which the
    // return's PLN row cannot be compared with.
    assert_eq!(mismatched, ["FV/03/07"]);
}

/// The demo's February return (fixtures/demo/README, scenario 9): made
/// Fri 2026-02-27 16:00 as a correction of the 14:00 original, it files
/// FV/2026/02/0101 DI and FV/2026/02/0102 with no marker though KSeF had
/// numbered both that morning or the day before (MARKER_MISMATCH), and
/// FV/2026/02/0103 and 0104 DI, numbered that evening (JPK_CORRECTION_DUE).
/// Each must now carry its KSeF number, as reconciliation.csv has it.
#[test]
fn the_demos_worklist_row_by_row_and_in_the_workbook() {
    use calamine::{Reader, Xlsx, open_workbook};
    let r = run(&fixtures().join("demo"), "2026-04-10", &[]);
    assert_eq!(r.status, 0, "{}", r.stderr);
    let numbers: BTreeMap<String, String> = r
        .rows("reconciliation.csv")
        .into_iter()
        .map(|row| (row["invoice_number"].clone(), row["ksef_number"].clone()))
        .collect();
    let ids = exception_ids(&r);
    let file = "ledger/jpk_v7m_2026_02_kor.xml";
    let rows = r.rows("jpk_corrections.csv");
    assert_eq!(rows.len(), 5, "{rows:#?}");
    let period = &rows[0];
    assert_eq!(
        [
            &period["entry"],
            &period["period"],
            &period["jpk_file"],
            &period["jpk_made_at"],
            &period["rows_to_change"]
        ],
        ["period", "2026-02", file, "2026-02-27 16:00", "4"]
    );
    let want = [
        ("FV/2026/02/0101", "DI", "MARKER_MISMATCH", "2026-02-26 10:"),
        (
            "FV/2026/02/0102",
            "none",
            "MARKER_MISMATCH",
            "2026-02-27 09:",
        ),
        (
            "FV/2026/02/0103",
            "DI",
            "JPK_CORRECTION_DUE",
            "2026-02-27 17:",
        ),
        (
            "FV/2026/02/0104",
            "DI",
            "JPK_CORRECTION_DUE",
            "2026-02-27 18:",
        ),
    ];
    for (row, (number, filed, code, numbered)) in rows[1..].iter().zip(want) {
        assert_eq!(row["entry"], "row");
        assert_eq!(row["jpk_file"], file);
        assert_eq!(row["invoice_number"], number);
        assert_eq!(row["marker_filed"], filed);
        assert_eq!(
            row["must_become"], numbers[number],
            "{number} carries its KSeF number"
        );
        assert!(row["ksef_numbered_at"].starts_with(numbered), "{row:?}");
        assert_eq!(row["code"], code);
        assert_eq!(
            row["exception_id"],
            ids[&(code.to_string(), number.to_string())]
        );
    }
    // The workbook's JPK sheet holds the same five lines under the header.
    let mut wb: Xlsx<_> = open_workbook(r.path("ageing.xlsx")).expect("xlsx opens");
    let sheet = wb.worksheet_range("JPK").expect("JPK sheet");
    assert_eq!(sheet.height(), 6);
    let cell = |row: usize, col: usize| {
        sheet
            .get((row, col))
            .map(|c| c.to_string())
            .unwrap_or_default()
    };
    assert_eq!(cell(0, 0), "entry");
    assert_eq!(cell(2, 6), "FV/2026/02/0101");
}

/// The evidence pack of February 2026 holds February's return to correct
/// and its four rows (docs/evidence.md).
#[test]
fn the_pack_of_a_month_holds_its_returns_rows() {
    let dir = tempfile::tempdir().expect("temp");
    let pack = dir.path().join("feb.zip");
    let status = crate::support::binary()
        .args(["evidence", "--input"])
        .arg(fixtures().join("demo"))
        .arg("--out")
        .arg(&pack)
        .args(["--month", "2026-02", "--as-of", "2026-04-10"])
        .output()
        .expect("evidence runs")
        .status;
    assert!(status.success());
    let mut zip = zip::ZipArchive::new(std::fs::File::open(&pack).expect("pack")).expect("zip");
    let mut text = String::new();
    std::io::Read::read_to_string(
        &mut zip.by_name("jpk_corrections.csv").expect("entry"),
        &mut text,
    )
    .expect("utf-8");
    let entries: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap_or(""))
        .collect();
    assert_eq!(entries, ["period", "row", "row", "row", "row"]);
}
