//! The exception register of contract section 8: one register per `--out`
//! by default, bound to one company, its history a hash chain that every
//! run and `verify-register` check (edited, deleted, swapped and truncated
//! rows), registers made before v1.2 upgraded once, and the scope's
//! register rows in an evidence pack.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::support::{binary, fixtures, read_csv_bytes};

const OURS: &str = "5265877635";
const OTHER: &str = "1234563218";

fn ledger(rows: &[(&str, &str)]) -> String {
    let mut s = "invoice_number,issue_date,seller_nip,gross_amount,currency\n".to_string();
    for (nip, n) in rows {
        s.push_str(&format!("{n},2026-03-02,{nip},1.00,PLN\n"));
    }
    s
}

/// A bundle of one ledger file (no recon.toml: the ledger's sellers count).
fn bundle(root: &Path, name: &str, ledger_csv: &str) -> PathBuf {
    let dir = root.join(name);
    fs::create_dir_all(dir.join("ledger")).unwrap();
    fs::write(dir.join("ledger/sales.csv"), ledger_csv).unwrap();
    dir
}

fn run(input: &Path, out: &Path, as_of: &str, state: Option<&Path>) -> Output {
    let mut cmd = binary();
    cmd.arg("run")
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(["--as-of", as_of, "--quiet"]);
    if let Some(state) = state {
        cmd.arg("--state").arg(state);
    }
    cmd.output().unwrap()
}

fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn verify(state: &Path) -> (i32, String) {
    let out = binary()
        .arg("verify-register")
        .arg("--state")
        .arg(state)
        .output()
        .unwrap();
    (
        code(&out),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

/// register.csv's rows, after its head line.
fn register(state: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let text = fs::read_to_string(state.join("register.csv")).unwrap();
    let (_, rows) = text.split_once('\n').unwrap();
    read_csv_bytes(rows.as_bytes())
}

fn history(state: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    read_csv_bytes(&fs::read(state.join("history.csv")).unwrap())
}

fn snapshot(state: &Path) -> (Vec<u8>, Vec<u8>) {
    (
        fs::read(state.join("register.csv")).unwrap(),
        fs::read(state.join("history.csv")).unwrap(),
    )
}

#[test]
fn two_bundles_written_side_by_side_keep_their_own_registers() {
    // Issue: the demo into x/a, then another bundle into x/b with a later
    // as-of: both shared x/.ksef-recon-state, and the second run marked all
    // of the demo's findings cleared.
    let root = tempfile::tempdir().unwrap();
    let x = root.path().join("x");
    let first = run(&fixtures().join("demo"), &x.join("a"), "2026-04-10", None);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    let other = bundle(
        root.path(),
        "other",
        &ledger(&[(OTHER, "A/1"), (OTHER, "A/1")]),
    );
    let second = run(&other, &x.join("b"), "2026-04-20", None);
    assert_eq!(code(&second), 0, "{}", stderr(&second));

    let demo = register(&x.join(".ksef-recon-state/a"));
    assert!(demo.len() > 10, "{}", demo.len());
    assert!(
        demo.iter().all(|r| r["status"] == "open"),
        "{:?}",
        demo.iter()
            .filter(|r| r["status"] != "open")
            .collect::<Vec<_>>()
    );
    let theirs = register(&x.join(".ksef-recon-state/b"));
    assert_eq!(theirs.len(), 1);
    assert_eq!(history(&x.join(".ksef-recon-state/b"))[0]["to"], OTHER);
}

#[test]
fn a_register_refuses_another_company_and_adds_a_new_seller_beside_its_own() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let state = root.join("state");
    let demo = run(
        &fixtures().join("demo"),
        &root.join("out"),
        "2026-04-10",
        Some(&state),
    );
    assert_eq!(code(&demo), 0, "{}", stderr(&demo));
    let created = &history(&state)[0];
    assert_eq!(
        (created["event"].as_str(), created["to"].as_str()),
        ("created", OURS)
    );
    let before = snapshot(&state);

    // Another company's bundle on the same --state: exit 2, nothing changed.
    let other = bundle(root, "other", &ledger(&[(OTHER, "A/1")]));
    let refused = run(&other, &root.join("out"), "2026-04-20", Some(&state));
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains(&format!(
            "belongs to seller(s) {OURS}; this run's seller(s) {OTHER} (ledger) share none"
        )),
        "{}",
        stderr(&refused)
    );
    assert_eq!(snapshot(&state), before);

    // The company's own seller with a new one beside it: added, saying so.
    let both = bundle(root, "both", &ledger(&[(OURS, "FV/1"), (OTHER, "A/1")]));
    let moved = root.join("elsewhere/dated-folder");
    fs::create_dir_all(moved.parent().unwrap()).unwrap();
    fs::rename(&both, &moved).unwrap();
    let added = run(&moved, &root.join("out"), "2026-04-20", Some(&state));
    assert_eq!(code(&added), 0, "{}", stderr(&added));
    let rows = history(&state);
    let row = rows.iter().find(|r| r["event"] == "seller_added").unwrap();
    assert_eq!(
        (row["from"].as_str(), row["to"].as_str()),
        (OURS, "1234563218 5265877635")
    );
    assert_eq!(verify(&state).0, 0);

    // recon.toml's sellers are checked before the bundle is even matched.
    let theirs = root.join("their-state");
    let out = run(&other, &root.join("their-out"), "2026-04-10", Some(&theirs));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let before = snapshot(&theirs);
    let refused = run(
        &fixtures().join("demo"),
        &root.join("their-out"),
        "2026-04-10",
        Some(&theirs),
    );
    assert_eq!(code(&refused), 2, "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains(&format!("{OURS} (configuration) share none")),
        "{}",
        stderr(&refused)
    );
    assert_eq!(snapshot(&theirs), before);
}

/// A state folder after three nights: FV/1 and FV/2 found (rows 1-3 with
/// the `created` row), FV/2 cleared (row 4), FV/2 reopened (row 5).
fn three_nights(root: &Path) -> PathBuf {
    let state = root.join("state");
    let twice = ledger(&[
        (OURS, "FV/1"),
        (OURS, "FV/1"),
        (OURS, "FV/2"),
        (OURS, "FV/2"),
    ]);
    let once = ledger(&[(OURS, "FV/1"), (OURS, "FV/1"), (OURS, "FV/2")]);
    for (as_of, csv) in [
        ("2026-04-01", &twice),
        ("2026-04-02", &once),
        ("2026-04-03", &twice),
    ] {
        let input = bundle(root, as_of, csv);
        let out = run(&input, &root.join("out"), as_of, Some(&state));
        assert_eq!(code(&out), 0, "{}", stderr(&out));
    }
    // Per night: its status rows, then its run row.
    assert_eq!(history(&state).len(), 8);
    state
}

/// Copies a state folder, changes history.csv's lines with `tamper`, runs
/// the next night on it and checks that run and `verify-register` both
/// stop naming `expected`, with nothing written.
fn tampered(root: &Path, name: &str, tamper: impl Fn(&mut Vec<String>), expected: &str) {
    let state = root.join("state");
    let copy = root.join(name);
    fs::create_dir_all(&copy).unwrap();
    for f in ["register.csv", "history.csv"] {
        fs::copy(state.join(f), copy.join(f)).unwrap();
    }
    let text = fs::read_to_string(copy.join("history.csv")).unwrap();
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    tamper(&mut lines);
    let mut text = lines.join("\n");
    if name != "cut" {
        text.push('\n');
    }
    fs::write(copy.join("history.csv"), text).unwrap();
    let before = snapshot(&copy);

    let input = bundle(root, &format!("next-{name}"), &ledger(&[(OURS, "FV/3")]));
    let out = run(
        &input,
        &root.join(format!("out-{name}")),
        "2026-04-04",
        Some(&copy),
    );
    assert_eq!(code(&out), 1, "{name}: {}", stderr(&out));
    assert!(stderr(&out).contains(expected), "{name}: {}", stderr(&out));
    assert_eq!(snapshot(&copy), before, "{name}: the register was changed");
    assert!(!root.join(format!("out-{name}")).exists(), "{name}");
    let (status, report) = verify(&copy);
    assert_eq!(status, 1, "{name}: {report}");
    assert!(report.contains(expected), "{name}: {report}");
}

#[test]
fn edited_deleted_swapped_or_truncated_history_stops_the_next_run() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let state = three_nights(root);
    let (status, report) = verify(&state);
    assert_eq!(status, 0, "{report}");
    let head = fs::read_to_string(state.join("history.csv"))
        .unwrap()
        .lines()
        .last()
        .unwrap()
        .rsplit(',')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(report.trim(), format!("ok: 8 entries, head {head}"));
    let run_json: serde_json::Value =
        serde_json::from_slice(&fs::read(root.join("out/run.json")).unwrap()).unwrap();
    assert_eq!(run_json["register"]["history_head"], head.as_str());

    // Row 3 (line 4): FV/2 found as of another day.
    let edit = |l: &mut Vec<String>| l[3] = l[3].replacen("2026-04-01", "2026-03-31", 1);
    tampered(root, "edited", edit, "history.csv line 4 (row 3)");
    tampered(
        root,
        "deleted",
        |l| drop(l.remove(2)),
        "history.csv line 3 (row 2)",
    );
    tampered(
        root,
        "swapped",
        |l| l.swap(4, 5),
        "history.csv line 5 (row 4)",
    );
    tampered(root, "truncated", |l| drop(l.pop()), "row 8 was removed");
    tampered(
        root,
        "cut",
        |l| {
            let last = l.last_mut().unwrap();
            last.truncate(last.len() - 20);
        },
        "history.csv line 9 (row 8): the file ends in the middle",
    );
}

#[test]
fn an_edited_status_in_register_csv_stops_the_next_run() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let state = three_nights(root);
    let text = fs::read_to_string(state.join("register.csv")).unwrap();
    fs::write(
        state.join("register.csv"),
        text.replacen(",reopened,", ",accepted_risk,", 1),
    )
    .unwrap();
    let (status, report) = verify(&state);
    assert_eq!(status, 1, "{report}");
    assert!(
        report.contains("has status 'accepted_risk', but history.csv row 7 left it 'reopened'"),
        "{report}"
    );
}

#[test]
fn a_deleted_history_stops_the_next_run() {
    let root = tempfile::tempdir().unwrap();
    let state = three_nights(root.path());
    fs::remove_file(state.join("history.csv")).unwrap();
    let (status, report) = verify(&state);
    assert_eq!(status, 1, "{report}");
    assert!(report.contains("records 8 history rows, but"), "{report}");
    assert!(report.contains("history.csv is missing"), "{report}");
}

#[test]
fn a_register_made_before_v1_2_is_chained_and_adopted_once() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let state = three_nights(root);
    // Back to the v1.1 files: register.csv without its head line, history
    // without events and hashes, and one status change the old history
    // never recorded (FV/2's reopening).
    let text = fs::read_to_string(state.join("register.csv")).unwrap();
    fs::write(state.join("register.csv"), text.split_once('\n').unwrap().1).unwrap();
    let mut legacy = "as_of,exception_id,code,from,to\n".to_string();
    for r in history(&state)
        .iter()
        .filter(|r| r["event"] == "status")
        .take(3)
    {
        legacy.push_str(&format!(
            "{},{},{},{},{}\n",
            r["as_of"], r["exception_id"], r["code"], r["from"], r["to"]
        ));
    }
    fs::write(state.join("history.csv"), legacy).unwrap();
    assert_eq!(verify(&state).0, 1);

    let input = bundle(root, "upgrade", &ledger(&[(OURS, "FV/1"), (OURS, "FV/1")]));
    let out = run(&input, &root.join("out"), "2026-04-04", Some(&state));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("upgrading the register"),
        "{}",
        stderr(&out)
    );
    let rows = history(&state);
    let events: Vec<&str> = rows.iter().map(|r| r["event"].as_str()).collect();
    // Three old rows; chained; the reopening the old history missed;
    // adopted for the ledger's seller; FV/2 cleared as of 04-04.
    assert_eq!(
        events,
        [
            "status", "status", "status", "chained", "status", "adopted", "status", "run"
        ]
    );
    assert_eq!(
        (rows[4]["from"].as_str(), rows[4]["to"].as_str()),
        ("cleared", "reopened")
    );
    assert_eq!(rows[5]["to"], OURS);
    assert_eq!(verify(&state).0, 0);
    // Once: the next night adds no upgrade rows, only its run row.
    let again = run(&input, &root.join("out"), "2026-04-05", Some(&state));
    assert_eq!(code(&again), 0, "{}", stderr(&again));
    let after = history(&state);
    assert_eq!(after.len(), rows.len() + 1);
    assert_eq!(after[rows.len()]["event"], "run");
    assert!(!stderr(&again).contains("upgrading"));
}

#[test]
fn the_shared_default_register_of_v1_1_moves_to_its_out_folder() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let shared = root.join("reports/.ksef-recon-state");
    let csv = ledger(&[(OURS, "FV/1"), (OURS, "FV/1")]);
    let night1 = bundle(root, "n1", &csv);
    let out = run(
        &night1,
        &root.join("reports/latest"),
        "2026-04-01",
        Some(&shared),
    );
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    // Night 2 with the default --state: the register follows.
    let out = run(&night1, &root.join("reports/latest"), "2026-04-02", None);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let moved = shared.join("latest");
    assert!(!shared.join("register.csv").exists());
    let reg = register(&moved);
    assert_eq!(reg.len(), 1);
    assert_eq!(reg[0]["first_seen"], "2026-04-01");
    assert_eq!(reg[0]["last_seen"], "2026-04-02");
    assert_eq!(verify(&moved).0, 0);
}

#[test]
fn a_run_that_stopped_before_saving_register_csv_is_taken_back() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let state = three_nights(root);
    // As if the night of 04-03 had written history.csv but not register.csv.
    let text = fs::read_to_string(state.join("register.csv")).unwrap();
    let rows = history(&state);
    let (head, body) = text.split_once('\n').unwrap();
    let old_head = format!(
        "# history.csv: 6 rows, head {}",
        fs::read_to_string(state.join("history.csv"))
            .unwrap()
            .lines()
            .nth(6)
            .unwrap()
            .rsplit(',')
            .next()
            .unwrap()
    );
    assert!(head.starts_with("# history.csv: 8 rows"), "{head}");
    fs::write(
        state.join("register.csv"),
        format!("{old_head}\n{}", body.replace(",reopened,", ",cleared,")),
    )
    .unwrap();
    let (status, report) = verify(&state);
    assert_eq!(status, 0, "{report}");
    assert!(report.starts_with("ok: 6 entries"), "{report}");

    let input = bundle(root, "rerun", &ledger(&[(OURS, "FV/1"), (OURS, "FV/1")]));
    let out = run(&input, &root.join("out"), "2026-04-03", Some(&state));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let after = history(&state);
    // The two rows of 04-03 taken back, then that night's run row again.
    assert_eq!(after.len(), 8);
    assert_eq!(after[6]["event"], "rolled_back");
    assert!(
        after[6]["detail"].starts_with("rows 7-8 were written"),
        "{:?}",
        after[6]
    );
    assert_ne!(after[6]["hash"], rows[6]["hash"]);
    assert_eq!(after[7]["event"], "run");
    assert_eq!(verify(&state).0, 0);
}

#[test]
fn an_evidence_pack_holds_the_scopes_register_rows_and_the_head() {
    let root = tempfile::tempdir().unwrap();
    let root = root.path();
    let state = root.join("state");
    let demo = fixtures().join("demo");
    let out = run(&demo, &root.join("out"), "2026-04-10", Some(&state));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let (_, report) = verify(&state);
    let head = report.trim().rsplit(' ').next().unwrap().to_string();

    let pack = root.join("pack.zip");
    let out = binary()
        .args(["evidence", "--input"])
        .arg(&demo)
        .arg("--out")
        .arg(&pack)
        .args([
            "--decision",
            "DEC-2026-03-03",
            "--as-of",
            "2026-04-10",
            "--state",
        ])
        .arg(&state)
        .output()
        .unwrap();
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let files = crate::evidence::entries(&pack);
    let text = String::from_utf8(files["register/head.txt"].clone()).unwrap();
    assert!(text.contains(&format!("head {head}")), "{text}");
    // Every finding of the scope is in the pack's register, open.
    let exceptions = read_csv_bytes(&files["exceptions.csv"]);
    let reg = read_csv_bytes(&files["register/register.csv"]);
    assert_eq!(exceptions.len(), 6);
    for e in &exceptions {
        let row = reg.iter().find(|r| r["exception_id"] == e["exception_id"]);
        assert_eq!(row.map(|r| r["status"].as_str()), Some("open"), "{e:?}");
    }
    // Their history rows are the state's own lines, listed in head.txt.
    let full = fs::read_to_string(state.join("history.csv")).unwrap();
    let packed = String::from_utf8(files["register/history.csv"].clone()).unwrap();
    assert_eq!(packed.lines().count(), 1 + reg.len());
    assert!(packed.lines().skip(1).all(|l| full.contains(l)));
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let listed: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["path"].as_str())
        .filter(|p| p.starts_with("register/"))
        .collect();
    assert_eq!(
        listed,
        [
            "register/head.txt",
            "register/history.csv",
            "register/register.csv"
        ]
    );
    let verified = binary().arg("verify-pack").arg(&pack).output().unwrap();
    assert_eq!(code(&verified), 0);

    // Another company's register is refused, as `run` refuses it.
    let theirs = root.join("their-state");
    let other = bundle(root, "other", &ledger(&[(OTHER, "A/1")]));
    let out = run(&other, &root.join("their-out"), "2026-04-10", Some(&theirs));
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let out = binary()
        .args(["evidence", "--input"])
        .arg(&demo)
        .arg("--out")
        .arg(root.join("refused.zip"))
        .args(["--month", "2026-03", "--as-of", "2026-04-10", "--state"])
        .arg(&theirs)
        .output()
        .unwrap();
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(!root.join("refused.zip").exists());
}
