//! Partitioned runs (`src/partition.rs`): a bundle matched in parts must
//! give the files one run gives, byte for byte (but `run.json`'s start
//! time), whatever the number of ranges. Forced here with
//! `KSEF_RECON_PARTITIONS` on bundles far below the size that turns it on.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use crate::support::{binary, fixtures, output_files};

/// `run` into `out`, in `ranges` ranges (0: one run); every output file's
/// bytes by name, `run.json` without its start time.
fn outputs(input: &Path, as_of: &str, ranges: usize, out: &Path) -> BTreeMap<String, Vec<u8>> {
    let assert = binary()
        .env("KSEF_RECON_PARTITIONS", ranges.to_string())
        .arg("run")
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out.join("out"))
        .arg("--state")
        .arg(out.join("state"))
        .arg("--as-of")
        .arg(as_of)
        .args(["--format", "csv,parquet", "--quiet"])
        .assert();
    let code = assert.get_output().status.code();
    assert!(
        matches!(code, Some(0) | Some(1)),
        "{ranges} ranges: exit {code:?}: {}",
        String::from_utf8_lossy(&assert.get_output().stderr)
    );
    let files = output_files(&out.join("out"));
    // Nothing of the parts is left beside the output folder.
    let left: Vec<String> = fs::read_dir(out)
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ksef-recon-parts-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
    files
}

/// Runs `input` in one and in each of `ranges` ranges, checks every file
/// is the same, and gives the one run's files.
fn assert_same_in_parts(input: &Path, as_of: &str, ranges: &[usize]) -> BTreeMap<String, Vec<u8>> {
    let tmp = tempfile::tempdir().expect("temp");
    let one = outputs(input, as_of, 0, &tmp.path().join("one"));
    assert!(one.len() >= 12, "{:?}", one.keys());
    for &n in ranges {
        let parts = outputs(input, as_of, n, &tmp.path().join(format!("p{n}")));
        assert_eq!(
            one.keys().collect::<Vec<_>>(),
            parts.keys().collect::<Vec<_>>(),
            "{n} ranges"
        );
        for (name, bytes) in &one {
            assert!(parts[name] == *bytes, "{name} differs in {n} ranges");
        }
    }
    one
}

/// A bundle `ksef-recon generate` writes with `args`, in a folder kept as
/// long as the returned one; its expected counts.
fn generated(args: &[&str]) -> (tempfile::TempDir, std::path::PathBuf, serde_json::Value) {
    let tmp = tempfile::tempdir().expect("temp");
    let bundle = tmp.path().join("b");
    let expected = crate::support::generated(&bundle, args);
    (tmp, bundle, expected)
}

#[test]
fn the_demo_in_parts_gives_the_files_of_one_run() {
    assert_same_in_parts(&fixtures().join("demo"), "2026-11-20", &[2, 3, 9, 60]);
}

#[test]
fn a_generated_bundle_in_parts_gives_the_files_of_one_run() {
    let mut args = vec!["--invoices", "20000", "--seed", "6", "--archive"];
    args.extend(crate::support::KEY_RATES);
    let (_tmp, bundle, expected) = generated(&args);
    let as_of = expected["as_of"].as_str().expect("as_of");
    assert_same_in_parts(&bundle, as_of, &[4]);
}

/// Above the workbook's cap (100,000 invoices) the Reconciliation sheet
/// lists the invoices that need action: a run in parts picks them range
/// by range, with the home part's (offline) invoices placed among them,
/// and must write the workbook one run writes.
#[test]
fn a_bundle_above_the_sheets_cap_in_parts_gives_the_workbook_of_one_run() {
    use calamine::{Reader, Xlsx};
    let (_tmp, bundle, expected) = generated(&["--invoices", "100500", "--seed", "8"]);
    let as_of = expected["as_of"].as_str().expect("as_of");
    let one = assert_same_in_parts(&bundle, as_of, &[3]);
    let mut wb = Xlsx::new(std::io::Cursor::new(one["ageing.xlsx"].clone())).expect("xlsx");
    let sheet = wb.worksheet_range("Reconciliation").expect("sheet");
    let note = sheet.get((0, 0)).expect("note").to_string();
    assert!(
        note.starts_with("Only the invoices that need action are listed here")
            && note.contains(&format!("{} of 100500 invoices", sheet.height() - 2)),
        "{note}"
    );
    assert!(sheet.height() > 1000, "{} rows", sheet.height());
}

/// Invoices sharing a KSeF number (DUPLICATE_KSEF_NUMBER, a rule across
/// the KSeF metadata a run in parts cuts into ranges) are matched together
/// wherever their keys fall: offline invoices with UPOs beside ledger-only
/// ones, at a rate that puts pairs across the ranges' bounds.
#[test]
fn invoices_sharing_a_ksef_number_in_parts_give_the_findings_of_one_run() {
    let (_tmp, bundle, expected) = generated(&[
        "--invoices",
        "20000",
        "--seed",
        "8",
        "--duplicate-ksef-number-rate",
        "0.01",
    ]);
    let as_of = expected["as_of"].as_str().expect("as_of");
    let one = assert_same_in_parts(&bundle, as_of, &[3, 7]);
    let exceptions = String::from_utf8_lossy(&one["exceptions.csv"]).into_owned();
    let shared = exceptions.matches(",DUPLICATE_KSEF_NUMBER,").count();
    assert_eq!(
        shared as u64,
        expected["counts_by_code"]["DUPLICATE_KSEF_NUMBER"]
            .as_u64()
            .expect("count"),
        "the generator's planted shared numbers"
    );
}

/// JPK_V7 returns in parts: the returns that stand and replace are decided
/// over the whole bundle, and the worklist gathers every part's rows.
#[test]
fn a_jpk_ledger_in_parts_gives_the_files_of_one_run() {
    let (_tmp, bundle, _) = generated(&[
        "--invoices",
        "20000",
        "--seed",
        "4",
        "--jpk",
        "--di-marker-rate",
        "0.01",
        "--bfk-marker-rate",
        "0.002",
    ]);
    assert_same_in_parts(&bundle, "2025-12-31", &[3]);
}

#[test]
fn two_sellers_without_offline_sources_in_parts_give_the_files_of_one_run() {
    // No offline log, UPO or archive: the home part holds only the rows
    // without a key. Two sellers: the ranges are cut on the pair.
    let ledger = "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_number\n\
        FV/1,2026-03-02,5265877635,123.00,PLN,5265877635-20260302-5DEEEB232534-6F\n\
        FV/2,2026-03-02,5265877635,200.00,PLN,\n\
        FV/3,2026-03-03,5265877635,10.00,PLN,\n\
        FV/3,2026-03-03,5265877635,10.00,PLN,\n\
        FV/4,2026-13-03,5265877635,10.00,PLN,\n\
        FV/9,2026-03-04,5265877635,99.00,PLN,\n\
        FV/1,2026-03-02,1234563218,50.00,EUR,\n\
        FV/2,2026-03-05,1234563218,60.00,PLN,\n\
        ,2026-03-05,1234563218,60.00,PLN,\n\
        A/1,2026-03-06,1234563218,70.00,PLN,\n";
    let ksef = "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,gross_amount,net_amount,currency,invoice_hash\n\
        5265877635-20260302-5DEEEB232534-6F,FV/1,5265877635,2026-03-02,2026-03-02T10:00:00+01:00,123.00,100.00,PLN,\n\
        5265877635-20260303-BBDDB98857DB-8F,FV/2,5265877635,2026-03-02,2026-03-03T10:00:00+01:00,210.00,170.00,PLN,\n\
        5265877635-20260304-BBDDB98857DB-8F,FV/3,5265877635,2026-03-03,2026-03-04T10:00:00+01:00,10.00,8.00,PLN,\n\
        5265877635-20260305-BBDDB98857DB-8F,FV/3,5265877635,2026-03-03,2026-03-05T10:00:00+01:00,10.00,8.00,PLN,\n\
        1234563218-20260302-5DEEEB232534-6F,FV/1,1234563218,2026-03-02,2026-03-02T10:00:00+01:00,50.00,40.00,EUR,\n\
        1234563218-20260307-5DEEEB232534-6F,FV/7,1234563218,2026-03-07,2026-03-07T10:00:00+01:00,5.00,4.00,PLN,\n\
        1234563218-20260306-5DEEEB232534-6F,A/1,1234563218,2026-03-06,2026-03-08T10:00:00+01:00,70.00,60.00,PLN,\n";
    let bundle = crate::support::Bundle::new()
        .file("ledger/sales.csv", ledger)
        .file("ksef/metadata/export.csv", ksef);
    assert_same_in_parts(bundle.path(), "2026-03-31", &[2, 3]);
}

#[test]
fn an_evidence_pack_in_parts_is_the_pack_of_one_run() {
    let tmp = tempfile::tempdir().expect("temp");
    for scope in [["--decision", "DEC-2026-03-03"], ["--month", "2026-03"]] {
        let mut packs = Vec::new();
        for ranges in [0, 3] {
            let out = tmp.path().join(format!("{}-{ranges}.zip", scope[1]));
            binary()
                .env("KSEF_RECON_PARTITIONS", ranges.to_string())
                .arg("evidence")
                .arg("--input")
                .arg(fixtures().join("demo"))
                .arg("--out")
                .arg(&out)
                .args(scope)
                .args(["--as-of", "2026-04-10"])
                .assert()
                .success();
            packs.push(fs::read(&out).expect("pack"));
        }
        assert!(packs[0].len() > 1000, "{scope:?}");
        assert!(packs[0] == packs[1], "{scope:?}: the packs differ");
    }
    let left: Vec<String> = fs::read_dir(tmp.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".ksef-recon-parts-"))
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}
