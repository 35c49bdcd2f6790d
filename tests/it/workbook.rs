//! `ageing.xlsx` read back with calamine: sheets, headers, typed cells and
//! their number formats, and the split of a data sheet at the row limit.

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::support::{fixtures, run};

const AS_OF: &str = "2026-04-10";

fn header(range: &calamine::Range<Data>) -> Vec<String> {
    range
        .rows()
        .next()
        .expect("header row")
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// The data row whose column `key` holds `value`.
fn row_of<'a>(range: &'a calamine::Range<Data>, key: &str, value: &str) -> Vec<&'a Data> {
    let col = header(range).iter().position(|h| h == key).expect(key);
    range
        .rows()
        .find(|r| r[col] == *value)
        .unwrap_or_else(|| panic!("no row with {key} = {value}"))
        .iter()
        .collect()
}

fn col(range: &calamine::Range<Data>, name: &str) -> usize {
    header(range)
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name}"))
}

#[test]
fn demo_workbook_has_typed_sheets() {
    let result = run(&fixtures().join("demo"), AS_OF, &[]);
    assert_eq!(result.status, 0, "{}", result.stderr);
    let mut wb: Xlsx<_> = open_workbook(result.path("ageing.xlsx")).expect("xlsx opens");
    assert_eq!(
        wb.sheet_names(),
        [
            "Dashboard",
            "Exceptions",
            "Ageing",
            "Completeness",
            "Decisions",
            "JPK",
            "Reconciliation"
        ]
    );

    let json = result.json();
    let ex = wb.worksheet_range("Exceptions").expect("Exceptions");
    let csv_header: Vec<String> = result
        .text("exceptions.csv")
        .lines()
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    assert_eq!(header(&ex), csv_header);
    assert_eq!(
        ex.height() - 1,
        json["exceptions"].as_u64().unwrap() as usize
    );
    assert_eq!(ex.height() - 1, 52);
    let fv121 = row_of(&ex, "invoice_number", "FV/2026/03/0121");
    assert_eq!(
        *fv121[col(&ex, "code")],
        Data::String("AMOUNT_MISMATCH".into())
    );
    assert_eq!(*fv121[col(&ex, "gross_amount")], Data::Float(1845.0));
    assert!(
        matches!(fv121[col(&ex, "deadline")], Data::DateTime(_)),
        "{:?}",
        fv121[col(&ex, "deadline")]
    );
    assert_eq!(*fv121[col(&ex, "age_business_days")], Data::Float(19.0));

    // Number formats: dates as yyyy-mm-dd, money with two decimals.
    let styles = wb.worksheet_style("Exceptions").expect("styles");
    let data_row = (1..ex.height() as u32)
        .find(|&r| {
            ex.get((r as usize, col(&ex, "invoice_number")))
                .map(|d| d.to_string())
                == Some("FV/2026/03/0121".into())
        })
        .expect("row");
    let format = |c: usize| {
        styles
            .get((data_row, c as u32))
            .and_then(|s| s.number_format.as_ref())
            .map(|n| n.format_code.clone())
    };
    assert_eq!(format(col(&ex, "deadline")).as_deref(), Some("yyyy-mm-dd"));
    assert_eq!(
        format(col(&ex, "gross_amount")).as_deref(),
        Some("#,##0.00")
    );

    let rec = wb
        .worksheet_range("Reconciliation")
        .expect("Reconciliation");
    assert_eq!(rec.height() - 1, 359);
    let fo16 = row_of(&rec, "invoice_number", "FO/2026/03/016");
    assert!(matches!(fo16[col(&rec, "issue_date")], Data::DateTime(_)));
    assert_eq!(*fo16[col(&rec, "status")], Data::String("overdue".into()));

    let dash = wb.worksheet_range("Dashboard").expect("Dashboard");
    assert_eq!(dash.get((1, 0)), Some(&Data::String("As of".into())));
    match dash.get((1, 1)) {
        Some(Data::DateTime(d)) => assert_eq!(
            d.as_datetime().map(|d| d.date().to_string()),
            Some(AS_OF.to_string())
        ),
        other => panic!("as-of is not a date: {other:?}"),
    }
    assert_eq!(
        dash.get((2, 1)).map(|d| d.to_string()),
        json["input_fingerprint"].as_str().map(str::to_string)
    );

    let decisions = wb.worksheet_range("Decisions").expect("Decisions");
    assert_eq!(decisions.height() - 1, 7);
    let dec6 = row_of(&decisions, "decision_id", "DEC-2026-03-06");
    assert_eq!(
        *dec6[col(&decisions, "linked_event")],
        Data::String("EV-2026-0017".into())
    );
    let completeness = wb.worksheet_range("Completeness").expect("Completeness");
    assert_eq!(
        completeness.height() - 1,
        result.rows("completeness.csv").len()
    );
}

#[test]
fn two_runs_give_identical_workbooks() {
    let demo = fixtures().join("demo");
    let a = run(&demo, AS_OF, &[]);
    let b = run(&demo, AS_OF, &[]);
    // Determinism is the property under test, so bytes are compared here.
    assert!(
        std::fs::read(a.path("ageing.xlsx")).unwrap()
            == std::fs::read(b.path("ageing.xlsx")).unwrap(),
        "ageing.xlsx differs between runs"
    );
    assert_eq!(a.text("dashboard.html"), b.text("dashboard.html"));
}

/// The demo's outputs built in memory, and their summary.
fn demo_outputs() -> (ksef_recon::Outputs, ksef_recon::report::summary::Summary) {
    let demo = fixtures().join("demo");
    let config = ksef_recon::config::Config::load(None, &demo).expect("config");
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 4, 10).unwrap();
    let result = ksef_recon::pipeline::outputs(&ksef_recon::Job::in_memory(
        &demo,
        as_of,
        &config,
        std::path::Path::new("out"),
    ))
    .expect("pipeline");
    let summary = ksef_recon::report::summary::Summary::build(
        &result.frames,
        &result.run,
        ksef_recon::lang::Lang::En,
    )
    .expect("summary");
    (result, summary)
}

#[test]
fn reconciliation_splits_across_sheets_at_the_row_limit() {
    let (result, summary) = demo_outputs();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("split.xlsx");
    // 100 rows per sheet: a header and 99 invoices; 359 invoices take 4 sheets.
    let options = ksef_recon::report::xlsx::Options {
        row_limit: 100,
        ..Default::default()
    };
    ksef_recon::report::xlsx::write_file(&result.frames, &summary, &path, &options).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let names: Vec<String> = wb
        .sheet_names()
        .into_iter()
        .filter(|n| n.starts_with("Reconciliation"))
        .collect();
    assert_eq!(
        names,
        [
            "Reconciliation",
            "Reconciliation 2",
            "Reconciliation 3",
            "Reconciliation 4"
        ]
    );
    let mut numbers = Vec::new();
    for name in &names {
        let range = wb.worksheet_range(name).unwrap();
        assert!(range.height() <= 100, "{name} has {} rows", range.height());
        assert_eq!(
            header(&range)[1],
            "invoice_number",
            "{name} repeats the header"
        );
        numbers.extend(range.rows().skip(1).map(|r| r[1].to_string()));
    }
    let expected: Vec<String> = result
        .frames
        .reconciliation
        .column("invoice_number")
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.unwrap_or("").to_string())
        .collect();
    assert_eq!(numbers, expected, "every invoice once, in order");
}

/// The `xl/tables/*.xml` parts of a workbook and the text of one sheet's
/// XML part (`xl/worksheets/sheetN.xml`).
fn parts(path: &std::path::Path, sheet: usize) -> (usize, String) {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path).unwrap()).unwrap();
    let tables = zip
        .file_names()
        .filter(|n| n.as_ref().is_ok_and(|n| n.starts_with("xl/tables/")))
        .count();
    let mut xml = String::new();
    zip.by_name(&format!("xl/worksheets/sheet{sheet}.xml"))
        .unwrap()
        .read_to_string(&mut xml)
        .unwrap();
    (tables, xml)
}

#[test]
fn a_sheet_longer_than_a_table_may_be_gets_a_filter_and_the_same_cells() {
    let (result, summary) = demo_outputs();
    let dir = tempfile::tempdir().unwrap();
    let frames = &result.frames;
    let exceptions = frames.exceptions.height();
    let others = [
        &frames.completeness,
        &frames.decisions,
        &frames.jpk_corrections,
    ];
    // A limit under the demo's findings and over every other table's rows.
    let limit = exceptions - 1;
    assert!(
        others.iter().all(|df| df.height() <= limit),
        "the demo's other sheets are short"
    );
    let write = |name: &str, table_max_rows: usize| {
        let path = dir.path().join(name);
        let options = ksef_recon::report::xlsx::Options {
            table_max_rows,
            ..Default::default()
        };
        ksef_recon::report::xlsx::write_file(frames, &summary, &path, &options).unwrap();
        path
    };
    let (tables, filtered) = (
        write("tables.xlsx", exceptions),
        write("filter.xlsx", limit),
    );
    // Exceptions is the second sheet, after the Dashboard.
    let (all, as_table) = parts(&tables, 2);
    let (fewer, as_filter) = parts(&filtered, 2);
    assert_eq!(
        all, 4,
        "Exceptions, Completeness, Decisions and JPK are tables"
    );
    assert_eq!(fewer, 3, "only the Exceptions sheet is no longer a table");
    assert!(as_table.contains("<tableParts") && !as_table.contains("<autoFilter"));
    let range = format!("<autoFilter ref=\"A1:Q{}\"/>", exceptions + 1);
    assert!(as_filter.contains(&range), "{range} in {as_filter:.600}");
    assert!(!as_filter.contains("<tableParts"));
    // The same cells, the header included.
    let read = |path: &std::path::Path| {
        let mut wb: Xlsx<_> = open_workbook(path).unwrap();
        wb.worksheet_range("Exceptions").unwrap()
    };
    let (a, b) = (read(&tables), read(&filtered));
    assert_eq!(a.height(), exceptions + 1);
    assert!(a.rows().eq(b.rows()), "the cells differ");
}

/// The demo's invoice numbers that need action, worked out here from
/// the frames: a status other than submitted on time or not required, or
/// an exception about the invoice.
fn needing_action(frames: &ksef_recon::report::Frames) -> Vec<String> {
    let text = |df: &polars::prelude::DataFrame, name: &str| -> Vec<String> {
        let c = df.column(name).unwrap().str().unwrap();
        c.iter().map(|v| v.unwrap_or("").to_string()).collect()
    };
    let ex = &frames.exceptions;
    let flagged: std::collections::HashSet<(String, String)> = text(ex, "seller_nip")
        .into_iter()
        .zip(text(ex, "invoice_number"))
        .collect();
    let rec = &frames.reconciliation;
    let (nip, number, status) = (
        text(rec, "seller_nip"),
        text(rec, "invoice_number"),
        text(rec, "status"),
    );
    (0..rec.height())
        .filter(|&i| {
            !["submitted_on_time", "not_required"].contains(&status[i].as_str())
                || flagged.contains(&(nip[i].clone(), number[i].clone()))
        })
        .map(|i| number[i].clone())
        .collect()
}

/// The Reconciliation sheet of a workbook written with `options`: the
/// note in its first row and the invoice numbers under the header below.
fn action_sheet(
    options: &ksef_recon::report::xlsx::Options,
    lang: ksef_recon::lang::Lang,
) -> (String, Vec<String>) {
    let (result, _) = demo_outputs();
    let summary =
        ksef_recon::report::summary::Summary::build(&result.frames, &result.run, lang).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("action.xlsx");
    ksef_recon::report::xlsx::write_file(&result.frames, &summary, &path, options).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let range = wb
        .worksheet_range(lang.texts().sheet_reconciliation)
        .unwrap();
    let mut rows = range.rows();
    let note = rows.next().unwrap()[0].to_string();
    let header: Vec<String> = rows.next().unwrap().iter().map(|c| c.to_string()).collect();
    assert_eq!(header[1], lang.texts().column("invoice_number"));
    (note, rows.map(|r| r[1].to_string()).collect())
}

/// Above its cap (lowered here from 100,000 to fit the demo's 359
/// invoices), the Reconciliation sheet lists the invoices that need
/// action, in reconciliation.csv's order, under a note of what it leaves
/// out; past the cap, the first ones, and the note says so.
#[test]
fn a_large_reconciliation_sheet_lists_the_invoices_that_need_action() {
    let expected = needing_action(&demo_outputs().0.frames);
    let n = expected.len();
    assert!(n > 10 && n < 359, "{n} of the demo's invoices need action");
    let en = ksef_recon::lang::Lang::En;
    let capped_at = |max| ksef_recon::report::xlsx::Options {
        reconciliation_max_rows: Some(max),
        ..Default::default()
    };
    let (note, numbers) = action_sheet(&capped_at(358), en);
    assert_eq!(numbers, expected);
    assert_eq!(
        note,
        format!(
            "Only the invoices that need action are listed here (not submitted on time, \
             pending, unverified, or with an exception): {n} of 359 invoices. The other {} \
             are left out; reconciliation.csv beside this workbook has every invoice.",
            359 - n
        )
    );

    let (note, numbers) = action_sheet(&capped_at(10), en);
    assert_eq!(numbers, expected[..10]);
    assert!(
        note.contains(&format!("the first 10 of the {n} that need action"))
            && note.contains("of 359 invoices. The other 349 are left out")
            && note.contains("reconciliation.csv beside this workbook has every invoice"),
        "{note}"
    );

    let (note, numbers) = action_sheet(&capped_at(358), ksef_recon::lang::Lang::Pl);
    assert_eq!(numbers, expected);
    assert!(
        note.starts_with("Tu są tylko faktury wymagające działania")
            && note.contains(&format!("{n} z 359 faktur")),
        "{note}"
    );
}

/// A run in parts hands the workbook only the first of the invoices that
/// need action with the counts (here 10 of 5,000 among 359,000): the
/// note gives the counts, the sheet those rows.
#[test]
fn a_run_in_parts_lists_the_rows_it_kept_with_their_counts() {
    let (mut result, summary) = demo_outputs();
    let expected = needing_action(&result.frames);
    // What the parts path keeps: the first rows that need action.
    let frames = &result.frames;
    let kept = ksef_recon::report::xlsx::needs_action(&frames.reconciliation, &frames.exceptions)
        .unwrap()
        .head(Some(10));
    result.frames.reconciliation = kept;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("parts.xlsx");
    let options = ksef_recon::report::xlsx::Options {
        reconciliation_max_rows: Some(10),
        reconciliation_rows: Some(359_000),
        needing_action_rows: Some(5_000),
        ..Default::default()
    };
    ksef_recon::report::xlsx::write_file(&result.frames, &summary, &path, &options).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let range = wb.worksheet_range("Reconciliation").unwrap();
    let note = range.get((0, 0)).unwrap().to_string();
    assert!(
        note.contains("the first 10 of the 5000 that need action")
            && note.contains("of 359000 invoices. The other 358990 are left out"),
        "{note}"
    );
    let numbers: Vec<String> = range.rows().skip(2).map(|r| r[1].to_string()).collect();
    assert_eq!(numbers, expected[..10]);
    let exceptions = wb.worksheet_range("Exceptions").unwrap();
    assert_eq!(exceptions.height(), result.frames.exceptions.height() + 1);
}

/// With `--no-reconciliation-sheet` the sheet is one note with the invoice
/// count; the other sheets stay whole.
#[test]
fn reconciliation_sheet_is_a_note_when_left_out() {
    let run = run(
        &fixtures().join("demo"),
        "2026-04-10",
        &["--no-reconciliation-sheet"],
    );
    assert_eq!(run.status, 0, "{}", run.stderr);
    let mut wb: Xlsx<_> = open_workbook(run.out.path().join("out/ageing.xlsx")).unwrap();
    let range = wb.worksheet_range("Reconciliation").unwrap();
    assert_eq!(range.height(), 2, "a header and the note");
    let note = range.get((1, 0)).unwrap().to_string();
    assert_eq!(
        note,
        "359 invoices (left out with --no-reconciliation-sheet): the full reconciliation \
         is in reconciliation.csv beside this workbook."
    );
    assert!(wb.worksheet_range("Completeness").unwrap().height() > 1);
}
