//! `dashboard.html` rendered by headless Chromium: the totals in the DOM
//! agree with `run.json`, the page logs no console errors, and it loads
//! nothing from anywhere. Skipped (loudly) only when Chromium is absent and
//! CI is not set; `.ci/run` installs it, and under CI a missing browser fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::{fixtures, run};

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// Chromium, or None when the test may be skipped.
fn browser_or_skip(test: &str) -> Option<PathBuf> {
    match chromium() {
        Some(p) => Some(p),
        None if std::env::var_os("CI").is_some() => {
            panic!("CI is set but chromium is missing: install it (see .ci/run)")
        }
        None => {
            eprintln!(
                "\n!!!!!!!!!! SKIPPED {test}: /usr/bin/chromium not found; \
                 apt-get install -y --no-install-recommends chromium !!!!!!!!!!\n"
            );
            None
        }
    }
}

/// The rendered DOM and Chromium's log.
fn dump_dom(browser: &Path, page: &Path) -> (String, String) {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("--dump-dom")
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The text of the element with this id.
fn by_id(dom: &str, id: &str) -> String {
    let marker = format!("id=\"{id}\"");
    let at = dom
        .find(&marker)
        .unwrap_or_else(|| panic!("no #{id} in the DOM"));
    let rest = &dom[at..];
    let start = rest.find('>').expect("tag end") + 1;
    let end = rest[start..].find('<').expect("element end");
    rest[start..start + end].trim().to_string()
}

#[test]
fn demo_dashboard_renders_the_run_totals() {
    let result = run(&fixtures().join("demo"), "2026-04-10", &[]);
    assert_eq!(result.status, 0, "{}", result.stderr);
    let html = result.text("dashboard.html");
    for fetch in ["src=", "href=", "<link", "@import", "url(", "<script"] {
        assert!(!html.contains(fetch), "the page must load nothing: {fetch}");
    }
    let Some(browser) = browser_or_skip("demo_dashboard_renders_the_run_totals") else {
        return;
    };
    let (dom, log) = dump_dom(&browser, &result.path("dashboard.html"));
    let json = result.json();
    assert_eq!(by_id(&dom, "total-invoices"), json["invoices"].to_string());
    assert_eq!(by_id(&dom, "total-invoices"), "359");
    assert_eq!(
        by_id(&dom, "open-exceptions"),
        json["exceptions"].to_string()
    );
    assert_eq!(by_id(&dom, "open-exceptions"), "52");
    assert_eq!(by_id(&dom, "as-of"), "2026-04-10");
    assert_eq!(
        by_id(&dom, "fingerprint"),
        json["input_fingerprint"].as_str().unwrap()
    );
    // 37 offline-log invoices and FV/2026/04/0001, offline24 by its KSeF record.
    assert_eq!(by_id(&dom, "offline-invoices"), "38");
    assert!(dom.contains("DEC-2026-03-06"));
    // February's return (made 2026-02-27 16:00) must be corrected: four rows.
    assert!(!dom.contains("jpk-none"));
    assert!(dom.contains(
        r#"<td class="nw">2026-02</td><td>ledger/jpk_v7m_2026_02_kor.xml</td><td class="nw">2026-02-27 16:00</td><td class="n">4</td>"#
    ));
    for bad in ["Uncaught", "ERROR:CONSOLE"] {
        assert!(!log.contains(bad), "console error in the page:\n{log}");
    }
}

/// How many pages Chromium prints `page` on (A4, by the page's own `@page`
/// rule), counted in the PDF it writes.
fn printed_pages(browser: &Path, page: &Path) -> usize {
    let profile = tempfile::tempdir().unwrap();
    let pdf = profile.path().join("page.pdf");
    let out = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            profile.path().join("p").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium failed: {:?}", out.status);
    let bytes = std::fs::read(&pdf).expect("the PDF");
    let text = String::from_utf8_lossy(&bytes);
    text.matches("/Type /Page").count() - text.matches("/Type /Pages").count()
}

/// The demo's dashboard with a trend of three nights prints on one A4 page
/// in English and in Polish: the print layout sets the small sections side
/// by side and lists only the first of the oldest items, saying so.
#[test]
fn the_dashboard_prints_on_one_a4_page_in_both_languages() {
    let Some(browser) = browser_or_skip("the_dashboard_prints_on_one_a4_page_in_both_languages")
    else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let mut pages = Vec::new();
    for (as_of, lang) in [
        ("2026-04-08", "en"),
        ("2026-04-09", "en"),
        ("2026-04-10", "en"),
        ("2026-04-10", "pl"),
    ] {
        let out = dir.path().join(format!("{as_of}-{lang}"));
        let status = crate::support::binary()
            .args(["run", "--quiet", "--input"])
            .arg(fixtures().join("demo"))
            .arg("--out")
            .arg(&out)
            .arg("--state")
            .arg(&state)
            .args(["--as-of", as_of, "--lang", lang])
            .output()
            .unwrap()
            .status;
        assert!(status.success());
        pages.push(printed_pages(&browser, &out.join("dashboard.html")));
        if as_of == "2026-04-10" {
            let html = std::fs::read_to_string(out.join("dashboard.html")).unwrap();
            assert!(html.contains(r#"id="oldest-print-note""#), "{lang}");
        }
    }
    assert_eq!(pages, [1, 1, 1, 1]);
}

/// `fixtures/jpk` as of 2026-04-30: one return to correct, March 2026's
/// `ledger/jpk_2026_03_kor.xml` (made 2026-04-20 12:00) with six rows to
/// change, listed in both languages; the page still prints on one A4 page.
#[test]
fn the_dashboard_lists_the_vat_returns_to_correct() {
    let bundle = fixtures().join("jpk");
    let en = run(&bundle, "2026-04-30", &[]);
    assert_eq!(en.status, 0, "{}", en.stderr);
    let html = en.text("dashboard.html");
    assert!(html.contains("<h2>VAT returns (JPK_V7) to correct</h2>"));
    assert!(html.contains(
        r#"<tr><td>5265877635</td><td class="nw">2026-03</td><td>ledger/jpk_2026_03_kor.xml</td><td class="nw">2026-04-20 12:00</td><td class="n">6</td></tr>"#
    ));
    assert_eq!(html.matches("<tr><td>5265877635</td>").count(), 1);
    assert!(!html.contains("jpk-none"));
    let pl = run(&bundle, "2026-04-30", &["--lang", "pl"]);
    let html = pl.text("dashboard.html");
    assert!(html.contains("<h2>Deklaracje VAT (JPK_V7) do korekty</h2>"));
    assert!(html.contains(r#"<td class="nw">20.04.2026 12:00</td><td class="n">6</td>"#));
    let Some(browser) = browser_or_skip("the_dashboard_lists_the_vat_returns_to_correct") else {
        return;
    };
    assert_eq!(printed_pages(&browser, &en.path("dashboard.html")), 1);
    assert_eq!(printed_pages(&browser, &pl.path("dashboard.html")), 1);
}
