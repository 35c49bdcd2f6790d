//! The outputs people read in Polish (`--lang pl`, `language = "pl"`) and
//! in English, and the register's trend over three nights: the contract's
//! files do not change with the language, the Polish pages use Polish
//! words, dates and amounts, and a trend appears from the second run on.

use std::fs;
use std::path::Path;

use calamine::{Data, Reader, Xlsx, open_workbook};

use crate::support::{binary, copy_dir, fixtures, output_files, run};

const AS_OF: &str = "2026-04-10";

fn sheet_names(path: &Path) -> Vec<String> {
    let wb: Xlsx<_> = open_workbook(path).expect("xlsx opens");
    wb.sheet_names()
}

fn explain(lang: &[&str]) -> String {
    let out = binary()
        .args(["explain", "--input"])
        .arg(fixtures().join("demo"))
        .args(["--as-of", AS_OF, "--invoice", "5265877635/FO/2026/03/016"])
        .args(lang)
        .output()
        .expect("binary runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn polish_outputs_speak_polish_and_the_contracts_files_stay_the_same() {
    let en = run(&fixtures().join("demo"), AS_OF, &[]);
    let pl = run(&fixtures().join("demo"), AS_OF, &["--lang", "pl"]);
    assert_eq!((en.status, pl.status), (0, 0), "{}{}", en.stderr, pl.stderr);
    let (mut en_files, mut pl_files) = (output_files(&en.path("")), output_files(&pl.path("")));
    for view in ["dashboard.html", "ageing.xlsx"] {
        assert_ne!(en_files.remove(view), pl_files.remove(view), "{view}");
    }
    assert_eq!(
        en_files, pl_files,
        "CSV files and run.json are the same in every language"
    );

    let html = pl.text("dashboard.html");
    for polish in [
        r#"<html lang="pl">"#,
        "Faktury offline w KSeF",
        r#"Stan na <strong id="as-of">10.04.2026</strong>"#,
        "Zaległe faktury offline",
        "tryb offline24",
        "niedostępność KSeF",
        "tryb awaryjny",
        "awaria całkowita",
        "termin przesłania",
        "0,00 zł",
        "Trendu jeszcze nie ma",
    ] {
        assert!(html.contains(polish), "no {polish} in the Polish dashboard");
    }
    let html = en.text("dashboard.html");
    for english in [
        r#"<html lang="en">"#,
        "<h1>KSeF offline invoices</h1>",
        r#"As of <strong id="as-of">2026-04-10</strong>"#,
        "PLN 0.00",
        "No trend yet",
    ] {
        assert!(
            html.contains(english),
            "no {english} in the English dashboard"
        );
    }
    assert!(!html.contains("zł") && !html.contains("Faktur"));

    assert_eq!(
        sheet_names(&en.path("ageing.xlsx")),
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
    assert_eq!(
        sheet_names(&pl.path("ageing.xlsx")),
        [
            "Pulpit",
            "Wyjątki",
            "Wiekowanie",
            "Kompletność",
            "Decyzje",
            "JPK",
            "Uzgodnienie"
        ]
    );
    let mut wb: Xlsx<_> = open_workbook(pl.path("ageing.xlsx")).unwrap();
    let ex = wb.worksheet_range("Wyjątki").unwrap();
    let header: Vec<String> = ex
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert!(header.contains(&"numer faktury".to_string()), "{header:?}");
    assert!(header.contains(&"kwota brutto".to_string()), "{header:?}");
    let dash = wb.worksheet_range("Pulpit").unwrap();
    assert!(matches!(dash.get((1, 1)), Some(Data::DateTime(_))));

    let english = explain(&[]);
    assert_eq!(english, explain(&["--lang", "en"]));
    assert!(english.contains("Deadline: 2026-03-11"), "{english}");
    let polish = explain(&["--lang", "pl"]);
    for text in [
        "Faktura 5265877635/FO/2026/03/016 (stan na 10.04.2026)",
        "Termin przesłania: 11.03.2026",
        "kwota brutto",
        "OVERDUE_SUBMISSION",
        // deadline_basis is the CSV's column, shown as it is.
        "offline24: next business day after P_1 2026-03-10 = 2026-03-11",
    ] {
        assert!(polish.contains(text), "no {text} in:\n{polish}");
    }
}

#[test]
fn language_in_the_configuration_and_a_bad_value() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("demo");
    copy_dir(&fixtures().join("demo"), &bundle);
    let toml = fs::read_to_string(bundle.join("recon.toml")).unwrap();
    fs::write(
        bundle.join("recon.toml"),
        format!("{toml}language = \"pl\"\n"),
    )
    .unwrap();
    let pl = run(&bundle, AS_OF, &[]);
    assert_eq!(pl.status, 0, "{}", pl.stderr);
    assert!(pl.text("dashboard.html").contains(r#"<html lang="pl">"#));
    // --lang wins over the file.
    let en = run(&bundle, AS_OF, &["--lang", "en"]);
    assert!(en.text("dashboard.html").contains(r#"<html lang="en">"#));

    let lines = toml.lines().count() + 1;
    fs::write(
        bundle.join("recon.toml"),
        format!("{toml}language = \"de\"\n"),
    )
    .unwrap();
    let bad = run(&bundle, AS_OF, &[]);
    assert_eq!(bad.status, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains(&format!("line {lines}")) && bad.stderr.contains("en, pl"),
        "{}",
        bad.stderr
    );
    let flag = run(&bundle, AS_OF, &["--lang", "de"]);
    assert_eq!(flag.status, 2, "{}", flag.stderr);
}

fn night(state: &Path, out: &Path, as_of: &str, extra: &[&str]) -> String {
    let status = binary()
        .args(["run", "--quiet", "--input"])
        .arg(fixtures().join("demo"))
        .arg("--out")
        .arg(out)
        .arg("--state")
        .arg(state)
        .args(["--as-of", as_of])
        .args(extra)
        .output()
        .expect("binary runs")
        .status;
    assert!(status.success(), "{as_of}");
    fs::read_to_string(out.join("dashboard.html")).unwrap()
}

#[test]
fn three_nights_draw_a_trend_and_the_same_night_again_adds_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (state, out) = (dir.path().join("state"), dir.path().join("out"));
    let first = night(&state, &out, "2026-04-08", &[]);
    assert!(first.contains(r#"id="trend-none""#) && !first.contains("trend-chart"));
    night(&state, &out, "2026-04-09", &[]);
    let third = night(&state, &out, "2026-04-10", &[]);
    assert!(third.contains(r#"id="trend-chart""#) && !third.contains("trend-none"));
    assert!(third.contains(">2026-04-08</text>") && third.contains(">2026-04-10</text>"));

    let history = fs::read_to_string(state.join("history.csv")).unwrap();
    let runs: Vec<&str> = history.lines().filter(|l| l.contains(",run,")).collect();
    assert_eq!(runs.len(), 3, "{history}");
    assert!(
        runs[0].starts_with(
            "2026-04-08,,,,,run,,,,open_high=28 open_medium=15 open_low=7 overdue_invoices=3,"
        ),
        "{}",
        runs[0]
    );
    let polish = night(&state, &out, "2026-04-10", &["--lang", "pl"]);
    assert!(polish.contains(">08.04.2026</text>") && polish.contains("zaległe faktury"));
    assert_eq!(
        fs::read_to_string(state.join("history.csv")).unwrap(),
        history
    );

    let mut wb: Xlsx<_> = open_workbook(out.join("ageing.xlsx")).unwrap();
    let dash = wb.worksheet_range("Pulpit").unwrap();
    let head = dash
        .rows()
        .position(|r| r.first().is_some_and(|c| *c == "dzień uruchomienia"))
        .expect("the trend's header row");
    let overdue: Vec<String> = (1..=3)
        .map(|k| dash.get((head + k, 4)).unwrap().to_string())
        .collect();
    assert_eq!(overdue, ["3", "4", "4"]);

    let verify = binary()
        .args(["verify-register", "--state"])
        .arg(&state)
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
}
