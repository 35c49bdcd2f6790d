//! The bad-input corpus (`fixtures/bad/`, written by its `make_bad.py`):
//! each broken or hostile file is dropped into an otherwise valid bundle,
//! and the run must go on, reject exactly what the table says with the
//! reason given, keep rows read = used + rejected, and never panic.
//! Inputs git cannot hold (a 1 GB sparse file, links out of the bundle,
//! zero-byte files, a FIFO) are made here.

use std::fs;
use std::path::Path;

use crate::support::{Bundle, fixtures, run};

const AS_OF: &str = "2026-04-10";

/// What the case puts at its bundle path.
enum Content {
    /// A file of `fixtures/bad/`.
    Bad(&'static str),
    Empty,
    /// A sparse file of this length: refused from its size, never read.
    Sparse(u64),
    /// A link to a valid file outside the bundle, which must not be read.
    LinkOutside,
    /// A link to a folder outside the bundle (the archive walk must not enter it).
    LinkDirOutside,
}

/// What the run must do with it.
enum Expect {
    /// The run finishes; the file gives `used` rows, and exactly these
    /// rejections (line, reason fragment).
    Rows {
        used: u64,
        rejected: &'static [(Option<u64>, &'static str)],
    },
    /// The run stops with exit 1 or 2 and this fragment on stderr.
    Fails(i32, &'static str),
}

struct Case {
    at: &'static str,
    content: Content,
    /// A `fixtures/bad/` file used as the bundle's `recon.toml`.
    config: Option<&'static str>,
    expect: Expect,
}

const fn case(at: &'static str, content: Content, expect: Expect) -> Case {
    Case {
        at,
        content,
        config: None,
        expect,
    }
}

const fn rows(used: u64, rejected: &'static [(Option<u64>, &'static str)]) -> Expect {
    Expect::Rows { used, rejected }
}

const DOCTYPE: &str = "DOCTYPE is not allowed";
const NOT_UTF8: &str = "not valid UTF-8";
const LINK: &str = "is a symbolic link; links are not followed";
const GIB: u64 = 1 << 30;

fn cases() -> Vec<Case> {
    use Content::*;
    vec![
        // Encodings.
        case(
            "ledger/cp1250.csv",
            Bad("ledger_windows1250.csv"),
            rows(0, &[(None, NOT_UTF8)]),
        ),
        case("ledger/bom.csv", Bad("ledger_utf8_bom.csv"), rows(1, &[])),
        case(
            "ledger/utf16.csv",
            Bad("ledger_utf16.csv"),
            rows(0, &[(None, NOT_UTF8)]),
        ),
        case(
            "archive/utf16.xml",
            Bad("fa3_utf16.xml"),
            rows(0, &[(Some(1), "document is UTF-16")]),
        ),
        // Line endings, quoting, headers.
        case("ledger/eol.csv", Bad("ledger_mixed_eol.csv"), rows(3, &[])),
        case(
            "ledger/quoted.csv",
            Bad("ledger_quoted_newline.csv"),
            rows(
                1,
                &[(Some(4), "issue_date: '2026-02-30' is not a valid date")],
            ),
        ),
        case(
            "ledger/dup.csv",
            Bad("ledger_duplicate_header.csv"),
            rows(
                0,
                &[(
                    Some(1),
                    "column 'invoice_number' appears 2 times in the header",
                )],
            ),
        ),
        case(
            "ledger/ragged.csv",
            Bad("ledger_ragged.csv"),
            rows(0, &[(Some(2), "row has 3 fields but the header has 5")]),
        ),
        // Amounts.
        case(
            "ledger/amounts.csv",
            Bad("ledger_amounts.csv"),
            // `1e5` is an amount (100000.00): exponents are accepted.
            rows(
                3,
                &[
                    (
                        Some(4),
                        "gross_amount: '99999999999999999999.00' is not an amount",
                    ),
                    (Some(5), "gross_amount: '1 234.56' is not an amount"),
                    (Some(6), "gross_amount: '1,50' is not an amount"),
                    (
                        Some(7),
                        "gross_amount: '12.345' has more than two decimal places",
                    ),
                ],
            ),
        ),
        Case {
            config: Some("polish.toml"),
            ..case(
                "ledger/polish.csv",
                Bad("ledger_polish.csv"),
                rows(
                    3,
                    &[
                        (
                            Some(5),
                            "gross_amount: '12,345' has more than two decimal places",
                        ),
                        (
                            Some(6),
                            "issue_date: '30.02.2026' is not a date in the format %d.%m.%Y",
                        ),
                    ],
                ),
            )
        },
        // Dates and timestamps.
        case(
            "ledger/dates.csv",
            Bad("ledger_dates.csv"),
            rows(
                1,
                &[
                    (Some(3), "issue_date: '2026-02-30' is not a valid date"),
                    (Some(4), "issue_date: '2026-13-01' is not a valid date"),
                    (Some(5), "issue_date: '26-03-01' is not a date"),
                ],
            ),
        ),
        case(
            "offline/log.csv",
            Bad("log_timestamps.csv"),
            rows(
                2,
                &[
                    (Some(4), "issued_at: '08:00:00' is not a timestamp"),
                    (
                        Some(5),
                        "issued_at: '2026-03-02T25:00:00' is not a timestamp",
                    ),
                ],
            ),
        ),
        // Hostile XML.
        case(
            "archive/laughs.xml",
            Bad("fa3_billion_laughs.xml"),
            rows(0, &[(Some(2), DOCTYPE)]),
        ),
        case(
            "archive/xxe.xml",
            Bad("fa3_xxe.xml"),
            rows(0, &[(Some(2), DOCTYPE)]),
        ),
        case(
            "ksef/upo/xxe.xml",
            Bad("upo_xxe.xml"),
            rows(0, &[(Some(2), DOCTYPE)]),
        ),
        case(
            "ledger/laughs.xml",
            Bad("jpk_billion_laughs.xml"),
            rows(0, &[(Some(2), DOCTYPE)]),
        ),
        case(
            "archive/deep.xml",
            Bad("fa3_deep.xml"),
            rows(0, &[(Some(1), "elements nested deeper than 64 levels")]),
        ),
        case(
            "archive/cut.xml",
            Bad("fa3_truncated.xml"),
            rows(0, &[(Some(4), "document ends before </Fa>")]),
        ),
        // Hostile JSON and a workbook that is not one.
        case(
            "ksef/metadata/deep.json",
            Bad("metadata_deep.json"),
            rows(0, &[(Some(1), "recursion limit exceeded")]),
        ),
        case(
            "ksef/metadata/cut.json",
            Bad("metadata_not_json.json"),
            rows(0, &[(Some(2), "not valid JSON")]),
        ),
        case(
            "ledger/fake.xlsx",
            Bad("ledger_not_xlsx.xlsx"),
            rows(0, &[(None, "not a readable XLSX workbook")]),
        ),
        // Hostile workbooks, refused before calamine opens them.
        case(
            "ledger/declared.xlsx",
            Bad("xlsx_10gb_declared.xlsx"),
            rows(
                0,
                &[(
                    None,
                    "xl/worksheets/sheet1.xml declares 10000000000 bytes uncompressed, over the limit of 268435456 bytes",
                )],
            ),
        ),
        case(
            "ledger/deep.xlsx",
            Bad("xlsx_deep.xlsx"),
            rows(0, &[(None, "elements nested deeper than 64 levels")]),
        ),
        case(
            "ledger/bomb.xlsx",
            Bad("xlsx_ratio_bomb.xlsx"),
            rows(0, &[(None, "over the limit of 100:1")]),
        ),
        // Zero-byte files.
        case(
            "ledger/empty.csv",
            Empty,
            rows(0, &[(None, "empty file: no header row")]),
        ),
        case(
            "ksef/metadata/empty.json",
            Empty,
            rows(0, &[(Some(1), "not valid JSON")]),
        ),
        case(
            "archive/empty.xml",
            Empty,
            rows(
                0,
                &[(Some(1), "not a readable FA(3) invoice: no root element")],
            ),
        ),
        case(
            "ksef/upo/empty.xml",
            Empty,
            rows(
                0,
                &[(Some(1), "not a readable UPO v4-3 receipt: no root element")],
            ),
        ),
        case(
            "offline/log.xlsx",
            Empty,
            rows(0, &[(None, "not a readable XLSX workbook")]),
        ),
        // Resource exhaustion: refused from the size, before reading.
        case(
            "archive/huge.xml",
            Sparse(GIB),
            rows(0, &[(None, "over the limit of 10485760 bytes")]),
        ),
        case(
            "ksef/upo/huge.xml",
            Sparse(GIB),
            rows(0, &[(None, "over the limit of 10485760 bytes")]),
        ),
        case(
            "ledger/huge.xml",
            Sparse(GIB + 1),
            rows(0, &[(None, "over the limit of 1073741824 bytes")]),
        ),
        // Links out of the bundle are refused, never read.
        case("ledger/link.csv", LinkOutside, rows(0, &[(None, LINK)])),
        case(
            "archive/2026/link.xml",
            LinkOutside,
            rows(0, &[(None, LINK)]),
        ),
        case(
            "archive/elsewhere",
            LinkDirOutside,
            rows(0, &[(None, LINK)]),
        ),
        case(
            "announcements/link.csv",
            LinkOutside,
            rows(0, &[(None, LINK)]),
        ),
        case(
            "recon.toml",
            LinkOutside,
            Expect::Fails(2, "recon.toml: is a symbolic link"),
        ),
        // Configuration (a fuzz crash: this pattern used to panic).
        Case {
            config: Some("bad_date_format.toml"),
            ..case(
                "ledger/bom.csv",
                Bad("ledger_utf8_bom.csv"),
                Expect::Fails(
                    2,
                    "line 2: date_format '%7.%m.%Y' is not a usable strftime date pattern",
                ),
            )
        },
    ]
}

/// A valid one-row ledger outside the bundle, and an FA(3) beside it: what
/// the links point at. Read, they would add rows; refused, they add none.
fn outside(root: &Path) -> std::path::PathBuf {
    let dir = root.join("outside");
    fs::create_dir_all(&dir).unwrap();
    fs::write(
        dir.join("secret.csv"),
        "invoice_number,issue_date,seller_nip,gross_amount,currency\nFV/SECRET,2026-03-02,5265877635,1.00,PLN\n",
    )
    .unwrap();
    dir
}

fn place(bundle: &Path, outside: &Path, at: &str, content: &Content) {
    let path = bundle.join(at);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    match content {
        Content::Bad(name) => {
            fs::copy(fixtures().join("bad").join(name), &path).unwrap();
        }
        Content::Empty => fs::write(&path, b"").unwrap(),
        Content::Sparse(len) => fs::File::create(&path).unwrap().set_len(*len).unwrap(),
        Content::LinkOutside => {
            std::os::unix::fs::symlink(outside.join("secret.csv"), &path).unwrap()
        }
        Content::LinkDirOutside => std::os::unix::fs::symlink(outside, &path).unwrap(),
    }
}

fn check(case: &Case) {
    let root = tempfile::tempdir().unwrap();
    let outside = outside(root.path());
    // A readable KSeF page beside each case: KSeF metadata with nothing
    // usable stops the run (contract v1.2 section 2), which would hide how
    // a bad metadata file alone is rejected.
    let bundle = Bundle::new().with_ledger().file(
        "ksef/metadata/zz_good.csv",
        "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date\n\
         5265877635-20260302-0100001AF629-37,FV/1,5265877635,2026-03-02,2026-03-02T10:00:00Z\n",
    );
    if let Some(config) = case.config {
        fs::copy(
            fixtures().join("bad").join(config),
            bundle.path().join("recon.toml"),
        )
        .unwrap();
    }
    place(bundle.path(), &outside, case.at, &case.content);
    let result = run(bundle.path(), AS_OF, &[]);
    let at = case.at;
    assert!(
        !result.stderr.contains("panicked"),
        "{at}: {}",
        result.stderr
    );
    match case.expect {
        Expect::Fails(status, fragment) => {
            assert_eq!(result.status, status, "{at}: {}", result.stderr);
            assert!(result.stderr.contains(fragment), "{at}: {}", result.stderr);
        }
        Expect::Rows { used, rejected } => {
            assert_eq!(result.status, 0, "{at}: {}", result.stderr);
            let found: Vec<_> = result
                .rows("rejected.csv")
                .into_iter()
                .filter(|r| r["file"].starts_with(at))
                .collect();
            assert_eq!(found.len(), rejected.len(), "{at}: {found:#?}");
            for (row, (line, fragment)) in found.iter().zip(rejected) {
                let want_line = line.map_or(String::new(), |l| l.to_string());
                assert_eq!(row["line"], want_line, "{at}: {row:?}");
                assert!(
                    row["reason"].contains(fragment),
                    "{at}: {row:?} lacks {fragment:?}"
                );
            }
            let json = result.json();
            let files = json["files"].as_array().unwrap();
            let file = files
                .iter()
                .find(|f| f["path"].as_str().is_some_and(|p| p.starts_with(at)))
                .unwrap_or_else(|| panic!("{at} not in run.json files"));
            assert_eq!(file["rows_used"], used, "{at}: {file}");
            super::invariants::assert_rows_reconcile(&json);
            let reconciled = result.text("reconciliation.csv");
            assert!(
                !reconciled.contains("FV/SECRET"),
                "{at}: a link was followed"
            );
        }
    }
}

#[test]
fn every_bad_input_is_rejected_as_the_table_says() {
    for case in cases() {
        check(&case);
    }
}

#[test]
fn a_fifo_is_refused_rather_than_waited_on() {
    let bundle = Bundle::new().with_ledger();
    let fifo = bundle.path().join("ledger/pipe.csv");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        eprintln!("skipped: mkfifo not available");
        return;
    }
    let result = run(bundle.path(), AS_OF, &[]);
    assert_eq!(result.status, 0, "{}", result.stderr);
    let rejected = result.rows("rejected.csv");
    assert!(
        rejected
            .iter()
            .any(|r| r["file"] == "ledger/pipe.csv" && r["reason"] == "is not a regular file"),
        "{rejected:?}"
    );
}

/// The three hostile workbooks of `fixtures/bad/`.
const HOSTILE_WORKBOOKS: [&str; 3] = [
    "xlsx_10gb_declared.xlsx",
    "xlsx_deep.xlsx",
    "xlsx_ratio_bomb.xlsx",
];

#[test]
fn hostile_workbooks_are_refused_within_a_second_each() {
    for name in HOSTILE_WORKBOOKS {
        let bytes = fs::read(fixtures().join("bad").join(name)).unwrap();
        let started = std::time::Instant::now();
        let verdict = ksef_recon::ingest::xlsx_guard::check(&bytes);
        let took = started.elapsed();
        assert!(verdict.is_err(), "{name} passed the guard");
        assert!(took.as_secs_f64() < 1.0, "{name} took {took:?}");
    }
    // A real workbook still passes.
    let demo = fs::read(fixtures().join("demo/ledger/manual_corrections.xlsx")).unwrap();
    assert_eq!(ksef_recon::ingest::xlsx_guard::check(&demo), Ok(()));
}

/// The demo bundle with the three hostile workbooks dropped into its
/// ledger: each is one rejection, every other file gives what it gave
/// without them, and the run takes at most a second longer per workbook.
#[test]
fn hostile_workbooks_cost_the_rest_of_the_bundle_nothing() {
    let root = tempfile::tempdir().unwrap();
    let (plain, hostile) = (root.path().join("plain"), root.path().join("hostile"));
    crate::support::copy_dir(&fixtures().join("demo"), &plain);
    crate::support::copy_dir(&fixtures().join("demo"), &hostile);
    for name in HOSTILE_WORKBOOKS {
        fs::copy(
            fixtures().join("bad").join(name),
            hostile.join("ledger").join(name),
        )
        .unwrap();
    }
    let timed = |dir: &Path| {
        let started = std::time::Instant::now();
        let result = run(dir, AS_OF, &[]);
        (result, started.elapsed())
    };
    let (before, plain_took) = timed(&plain);
    let (after, hostile_took) = timed(&hostile);
    assert_eq!(before.status, 0, "{}", before.stderr);
    assert_eq!(after.status, 0, "{}", after.stderr);
    assert!(
        hostile_took.as_secs_f64() < plain_took.as_secs_f64() + 3.0,
        "{hostile_took:?} with the hostile workbooks, {plain_took:?} without"
    );
    assert_eq!(
        before.text("reconciliation.csv"),
        after.text("reconciliation.csv")
    );
    let files = |r: &crate::support::Run| -> Vec<serde_json::Value> {
        r.json()["files"].as_array().unwrap().clone()
    };
    let (plain_files, hostile_files) = (files(&before), files(&after));
    let others: Vec<&serde_json::Value> = hostile_files
        .iter()
        .filter(|f| {
            !HOSTILE_WORKBOOKS
                .iter()
                .any(|h| f["path"] == format!("ledger/{h}"))
        })
        .collect();
    assert_eq!(others, plain_files.iter().collect::<Vec<_>>());
    let refused = after
        .rows("rejected.csv")
        .into_iter()
        .filter(|r| {
            HOSTILE_WORKBOOKS
                .iter()
                .any(|h| r["file"] == format!("ledger/{h}"))
        })
        .count();
    assert_eq!(refused, 3);
    super::invariants::assert_rows_reconcile(&after.json());
}
