//! Invariants that hold for every run, not just the demo's numbers: every
//! row is accounted for, the same inputs give the same bytes, a run killed
//! at any moment leaves the previous outputs whole, and an evidence pack
//! never reaches outside its root.

use std::fs;
use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::support::{binary, copy_dir, fixtures, output_files};

const AS_OF: &str = "2026-04-10";

/// rows read = used + rejected, per source and per file (contract §2).
pub fn assert_rows_reconcile(json: &serde_json::Value) {
    for (source, c) in json["sources"].as_object().expect("sources") {
        let n = |k: &str| c[k].as_u64().unwrap_or(u64::MAX);
        assert_eq!(
            n("rows_read"),
            n("rows_used") + n("rows_rejected"),
            "{source}"
        );
    }
    for f in json["files"].as_array().expect("files") {
        let n = |k: &str| f[k].as_u64().unwrap_or(u64::MAX);
        assert_eq!(n("rows_read"), n("rows_used") + n("rows_rejected"), "{f}");
    }
}

fn run_into(input: &Path, out: &Path, crash_at: Option<&str>) -> std::process::Output {
    let mut cmd = binary();
    cmd.args(["run", "--as-of", AS_OF, "--quiet", "--input"])
        .arg(input)
        .arg("--out")
        .arg(out);
    if let Some(step) = crash_at {
        cmd.env("KSEF_RECON_TEST_CRASH_AT", step);
    }
    cmd.output().expect("binary runs")
}

/// Names in `parent` that a user would see (not dot-prefixed).
fn visible(parent: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(parent)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

#[test]
fn the_demo_accounts_for_every_row_of_every_file() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let done = run_into(&fixtures().join("demo"), &out, None);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_slice(&fs::read(out.join("run.json")).unwrap()).unwrap();
    assert_rows_reconcile(&json);
}

#[test]
fn the_same_inputs_and_as_of_give_byte_identical_outputs() {
    let root = tempfile::tempdir().unwrap();
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    for out in [&a, &b] {
        let done = run_into(&fixtures().join("demo"), out, None);
        assert!(
            done.status.success(),
            "{}",
            String::from_utf8_lossy(&done.stderr)
        );
    }
    let (a, b) = (output_files(&a), output_files(&b));
    assert!(a.contains_key("ageing.xlsx") && a.contains_key("dashboard.html"));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (name, bytes) in &a {
        assert!(bytes == &b[name], "{name} differs between two runs");
    }
}

#[test]
fn a_crash_at_any_step_leaves_the_previous_outputs_whole() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let demo = fixtures().join("demo");
    assert!(run_into(&demo, &out, None).status.success());
    let previous = output_files(&out);
    for step in [
        "exceptions.csv",
        "reconciliation.csv",
        "rejected.csv",
        "dashboard.html",
        "run.json",
        "commit",
    ] {
        let crashed = run_into(&demo, &out, Some(step));
        assert!(
            !crashed.status.success(),
            "{step}: the crash hook did not fire"
        );
        // Before the commit the old outputs stay; at it, the new ones are in
        // place whole (the same bytes, the inputs being the same).
        assert_eq!(output_files(&out), previous, "after a crash at {step}");
        assert_eq!(visible(root.path()), ["out"], "after a crash at {step}");
    }
    // The next run clears what the crashed ones left behind.
    assert!(run_into(&demo, &out, None).status.success());
    let mut left: Vec<String> = fs::read_dir(root.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    // The output folder and the exception register beside it, nothing else.
    assert_eq!(
        left,
        [".ksef-recon-state", "out"],
        "stale staging folders remain"
    );
}

/// A bundle big enough that a run takes a while: the demo plus a generated
/// ledger of many rows.
fn big_bundle(dir: &Path) {
    let demo = fixtures().join("demo");
    copy_dir(&demo, dir);
    let mut big = std::io::BufWriter::new(fs::File::create(dir.join("ledger/big.csv")).unwrap());
    writeln!(
        big,
        "invoice_number,issue_date,seller_nip,gross_amount,currency"
    )
    .unwrap();
    for i in 0..120_000 {
        writeln!(
            big,
            "GEN/{i:07},2026-03-{:02},5265877635,{}.00,PLN",
            2 + i % 26,
            100 + i % 900
        )
        .unwrap();
    }
    big.flush().unwrap();
}

#[test]
fn a_run_killed_at_any_moment_leaves_the_previous_outputs_whole() {
    let root = tempfile::tempdir().unwrap();
    let input = root.path().join("bundle");
    big_bundle(&input);
    let out = root.path().join("out");
    let started = std::time::Instant::now();
    let first = run_into(&input, &out, None);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let full = started.elapsed();
    let previous = output_files(&out);
    // Kill at fractions of a whole run, so every stage is hit on a fast or
    // a slow machine: loading, reconciling, writing, committing.
    for percent in [5u32, 25, 50, 75, 90, 98] {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("ksef-recon"));
        cmd.args(["run", "--as-of", AS_OF, "--quiet", "--input"])
            .arg(&input)
            .arg("--out")
            .arg(&out)
            .stderr(std::process::Stdio::null());
        let mut child = cmd.spawn().unwrap();
        std::thread::sleep(full * percent / 100);
        let _ = child.kill();
        let _ = child.wait();
        assert_eq!(output_files(&out), previous, "after a kill at {percent}%");
        assert_eq!(
            visible(root.path()),
            ["bundle", "out"],
            "after a kill at {percent}%"
        );
    }
    std::thread::sleep(Duration::from_millis(10));
}

#[test]
fn verify_pack_refuses_entries_outside_the_pack() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    let made = binary()
        .args([
            "evidence",
            "--decision",
            "DEC-2026-03-06",
            "--as-of",
            AS_OF,
            "--input",
        ])
        .arg(fixtures().join("demo"))
        .arg("--out")
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let mut entries = crate::evidence::entries(&good);
    for name in entries.keys() {
        let inside = !name.starts_with('/')
            && !name.contains('\\')
            && name
                .split('/')
                .all(|c| !c.is_empty() && c != "." && c != "..");
        assert!(inside, "pack entry {name:?} leaves the pack root");
    }
    // A ZIP-slip pack: an entry climbing out, listed in the manifest too so
    // that only the path check can catch it.
    let evil = b"overwritten".to_vec();
    let mut manifest: serde_json::Value =
        serde_json::from_slice(&entries["manifest.json"]).unwrap();
    manifest["files"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "path": "../../evil.sh",
            "sha256": crate::support::sha256_hex(&evil),
            "bytes": evil.len(),
        }));
    entries.insert(
        "manifest.json".into(),
        serde_json::to_vec(&manifest).unwrap(),
    );
    entries.insert("../../evil.sh".into(), evil);
    let slip = dir.path().join("slip.zip");
    let mut zip = zip::ZipWriter::new(fs::File::create(&slip).unwrap());
    for (name, bytes) in &entries {
        zip.start_file(name.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
    let checked = binary().arg("verify-pack").arg(&slip).output().unwrap();
    assert_eq!(checked.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(
        stderr.contains("refusing pack entry path \"../../evil.sh\""),
        "{stderr}"
    );
    assert!(!dir.path().join("../evil.sh").exists());
}
