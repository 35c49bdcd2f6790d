//! The evidence pack: byte-identical across runs, scoped to one decision or
//! month, and `verify-pack` naming every altered, missing or extra file.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;

use crate::support::{binary, fixtures};

const AS_OF: &str = "2026-04-10";

fn pack(input: &Path, out: &Path, scope: &[&str]) -> std::process::Output {
    binary()
        .arg("evidence")
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out)
        .args(scope)
        .args(["--as-of", AS_OF])
        .output()
        .expect("binary runs")
}

fn verify(pack: &Path) -> (i32, String) {
    let out = binary().arg("verify-pack").arg(pack).output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

pub fn entries(pack: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(pack).unwrap()).unwrap();
    (0..zip.len())
        .map(|i| {
            let mut f = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            f.read_to_end(&mut bytes).unwrap();
            (f.name().unwrap().into_owned(), bytes)
        })
        .collect()
}

fn write_zip(path: &Path, entries: &BTreeMap<String, Vec<u8>>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (name, bytes) in entries {
        zip.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        zip.write_all(bytes).unwrap();
    }
    zip.finish().unwrap();
}

#[test]
fn a_decision_pack_is_reproducible_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let demo = fixtures().join("demo");
    let (a, b) = (dir.path().join("a.zip"), dir.path().join("b.zip"));
    for p in [&a, &b] {
        let out = pack(&demo, p, &["--decision", "DEC-2026-03-03"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        std::fs::read(&a).unwrap() == std::fs::read(&b).unwrap(),
        "two packs of the same inputs differ"
    );
    let files = entries(&a);
    let names: Vec<&str> = files.keys().map(String::as_str).collect();
    assert_eq!(
        names,
        [
            "README.txt",
            "ageing.xlsx",
            "completeness.csv",
            "decisions.csv",
            "exceptions.csv",
            "input/announcements/manual.csv",
            "input/announcements/status.json",
            "input/archive/2026/03/FO_2026_03_007.xml",
            "input/archive/2026/03/FO_2026_03_008.xml",
            "input/archive/2026/03/FO_2026_03_009.xml",
            "input/archive/2026/03/FO_2026_03_010.xml",
            "input/archive/2026/03/FO_2026_03_011.xml",
            "input/archive/2026/03/FO_2026_03_012.xml",
            "input/archive/2026/03/FO_2026_03_013.xml",
            "input/archive/2026/03/FO_2026_03_014.xml",
            "input/archive/2026/03/FO_2026_03_015.xml",
            "input/archive/2026/03/FO_2026_03_016.xml",
            "input/ksef/upo/UPO_20260311.xml",
            "input/ksef/upo/UPO_20260312.xml",
            "input/offline/decisions.csv",
            "input/rows/access/activity.csv",
            "input/rows/access/grants.csv",
            "input/rows/ksef/metadata/page_001.json",
            "input/rows/ledger/sales_2026-03.csv",
            "input/rows/offline/log.csv",
            "jpk_corrections.csv",
            "manifest.json",
            "reconciliation.csv",
            "responsibility.csv",
        ]
    );
    // No invoice of DEC-2026-03-03 is in a return to correct.
    assert_eq!(
        String::from_utf8_lossy(&files["jpk_corrections.csv"])
            .lines()
            .count(),
        1
    );
    let rec = String::from_utf8(files["reconciliation.csv"].clone()).unwrap();
    assert_eq!(rec.lines().count(), 1 + 10, "FO/007..016");
    assert!(rec.lines().skip(1).all(|l| l.contains(",DEC-2026-03-03,")));
    let ex = String::from_utf8(files["exceptions.csv"].clone()).unwrap();
    // HASH_MISMATCH x3 (FO/011 archive, FO/013 log and archive), LATE FO/015,
    // OVERDUE FO/016 and the decision closed before they were sent.
    assert_eq!(ex.lines().count(), 1 + 6, "{ex}");
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["as_of"], AS_OF);
    assert_eq!(manifest["scope"]["id"], "DEC-2026-03-03");
    // The packed raw inputs are the very bytes run.json hashed.
    let input_hash = |path: &str| {
        manifest["input_files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == path)
            .map(|f| f["sha256"].clone())
    };
    let packed_hash = |path: &str| {
        manifest["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["path"] == format!("input/{path}"))
            .map(|f| f["sha256"].clone())
    };
    assert_eq!(
        input_hash("offline/decisions.csv"),
        packed_hash("offline/decisions.csv")
    );
    assert!(input_hash("offline/decisions.csv").is_some());

    let (status, stdout) = verify(&a);
    assert_eq!(status, 0, "{stdout}");
    assert_eq!(stdout.trim(), "ok: 28 files verified");
}

#[test]
fn verify_pack_names_altered_missing_and_extra_files() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.zip");
    let out = pack(
        &fixtures().join("demo"),
        &good,
        &["--decision", "DEC-2026-03-06"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = entries(&good);

    let mut altered = files.clone();
    let bytes = altered.get_mut("reconciliation.csv").unwrap();
    let last = bytes.len() - 2;
    bytes[last] ^= 1;
    let path = dir.path().join("altered.zip");
    write_zip(&path, &altered);
    let (status, stdout) = verify(&path);
    assert_eq!(status, 1);
    assert_eq!(stdout.trim(), "altered: reconciliation.csv");

    let mut changed = files.clone();
    changed.remove("input/offline/decisions.csv");
    changed.insert("notes.txt".into(), b"added later".to_vec());
    let path = dir.path().join("changed.zip");
    write_zip(&path, &changed);
    let (status, stdout) = verify(&path);
    assert_eq!(status, 1);
    assert!(
        stdout.contains("missing: input/offline/decisions.csv"),
        "{stdout}"
    );
    assert!(stdout.contains("extra: notes.txt"), "{stdout}");
}

/// The demo's pack for March 2026: its folder (kept while the test runs),
/// its path and its entries.
fn demo_month_pack() -> (
    tempfile::TempDir,
    std::path::PathBuf,
    BTreeMap<String, Vec<u8>>,
) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("month.zip");
    let out = pack(&fixtures().join("demo"), &path, &["--month", "2026-03"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = entries(&path);
    (dir, path, files)
}

#[test]
fn a_month_pack_holds_offline_and_late_online_invoices() {
    let (_dir, path, files) = demo_month_pack();
    let mut reader = csv::Reader::from_reader(files["reconciliation.csv"].as_slice());
    let headers = reader.headers().unwrap().clone();
    let at = |n: &str| headers.iter().position(|h| h == n).unwrap();
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    // 35 offline invoices issued in March (31 FO, 4 AW); online ones only
    // when sent after their issue date.
    let offline = rows.iter().filter(|r| &r[at("mode")] != "online").count();
    assert_eq!(offline, 35);
    for r in rows.iter().filter(|r| &r[at("mode")] == "online") {
        assert!(r[at("submitted_on")] > r[at("issue_date")], "{r:?}");
    }
    assert!(
        rows.iter()
            .any(|r| &r[at("invoice_number")] == "FV/2026/03/0257")
    );
    let (status, _) = verify(&path);
    assert_eq!(status, 0);
}

#[test]
fn an_unknown_decision_or_bad_month_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("x.zip");
    let out = pack(&fixtures().join("demo"), &path, &["--decision", "DEC-NOPE"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DEC-NOPE"));
    assert!(!path.exists());
    let out = pack(&fixtures().join("demo"), &path, &["--month", "2026-3"]);
    assert_eq!(out.status.code(), Some(2));
}

/// The SHA-256 the manifest's `input_files` gives a bundle file.
fn input_sha256(manifest: &serde_json::Value, path: &str) -> String {
    manifest["input_files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == path)
        .and_then(|f| f["sha256"].as_str())
        .unwrap_or_else(|| panic!("{path} not in input_files"))
        .to_string()
}

/// The original file an extract row names, checked against the manifest's
/// hash, and the byte offset where its line `line` starts.
fn original_at(manifest: &serde_json::Value, file: &str, line: usize) -> (String, usize) {
    let bytes = std::fs::read(fixtures().join("demo").join(file)).unwrap();
    assert_eq!(
        crate::support::sha256_hex(&bytes),
        input_sha256(manifest, file),
        "{file}"
    );
    let text = String::from_utf8(bytes).unwrap();
    let start: usize = text
        .split_inclusive('\n')
        .take(line - 1)
        .map(str::len)
        .sum();
    (text, start)
}

/// The in-scope invoice numbers of each CSV extract of a source, after
/// checking its first row against the original file by line and hash.
fn csv_extract_numbers(
    files: &BTreeMap<String, Vec<u8>>,
    manifest: &serde_json::Value,
    under: &str,
) -> std::collections::BTreeSet<String> {
    let mut numbers = std::collections::BTreeSet::new();
    for (name, bytes) in files.range(under.to_string()..) {
        if !name.starts_with(under) || !name.ends_with(".csv") || name.ends_with(".xlsx.csv") {
            continue;
        }
        let text = std::str::from_utf8(bytes).unwrap();
        let mut lines = text.lines();
        let header = lines.next().unwrap();
        assert!(header.starts_with("_file,_line,"), "{name}: {header}");
        let first = lines
            .next()
            .unwrap_or_else(|| panic!("{name} holds no row"));
        let mut parts = first.splitn(3, ',');
        let (file, line, row) = (
            parts.next().unwrap(),
            parts.next().unwrap().parse::<usize>().unwrap(),
            parts.next().unwrap(),
        );
        assert_eq!(format!("input/rows/{file}"), *name);
        let (original, start) = original_at(manifest, file, line);
        let own = original[start..].lines().next().unwrap();
        assert_eq!(own, row, "{name}: line {line} of {file}");
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let at = reader
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "invoice_number")
            .unwrap();
        numbers.extend(reader.records().map(|r| r.unwrap()[at].to_string()));
    }
    numbers
}

#[test]
fn a_month_pack_holds_the_primary_rows_of_its_invoices() {
    #[derive(serde::Deserialize)]
    struct JsonRow<'a> {
        _file: String,
        _line: usize,
        #[serde(borrow)]
        record: &'a serde_json::value::RawValue,
    }
    let (_dir, path, files) = demo_month_pack();
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    let rec = crate::support::read_csv_bytes(&files["reconciliation.csv"]);
    let numbers_where = |column: &str| -> std::collections::BTreeSet<String> {
        rec.iter()
            .filter(|r| r[column] == "true")
            .map(|r| r["invoice_number"].clone())
            .collect()
    };

    // The offline log's and the ledger's rows of every invoice in scope.
    let offline = csv_extract_numbers(&files, &manifest, "input/rows/offline/");
    assert_eq!(offline, numbers_where("in_offline_log"));
    let mut ledger = csv_extract_numbers(&files, &manifest, "input/rows/ledger/");
    let workbook =
        crate::support::read_csv_bytes(&files["input/rows/ledger/manual_corrections.xlsx.csv"]);
    assert_eq!(workbook[0]["_file"], "ledger/manual_corrections.xlsx");
    ledger.extend(workbook.iter().map(|r| r["invoice_number"].clone()));
    assert_eq!(ledger, numbers_where("in_ledger"));

    // KSeF metadata: each record as the JSON page holds it, at its line.
    let page = "input/rows/ksef/metadata/page_001.json";
    let rows: Vec<JsonRow<'_>> = serde_json::from_slice(&files[page]).unwrap();
    let first = &rows[0];
    let (original, start) = original_at(&manifest, &first._file, first._line);
    assert!(
        original[start..]
            .trim_start()
            .starts_with(first.record.get()),
        "{page}: the record at line {} of {}",
        first._line,
        first._file
    );
    let in_scope = numbers_where("in_ksef");
    let mut ksef = 0;
    for (name, bytes) in files.range("input/rows/ksef/".to_string()..) {
        if name.starts_with("input/rows/ksef/") && name.ends_with(".json") {
            let rows: Vec<JsonRow<'_>> = serde_json::from_slice(bytes).unwrap();
            for row in rows {
                let record: serde_json::Value = serde_json::from_str(row.record.get()).unwrap();
                let number = record["invoiceNumber"].as_str().unwrap();
                assert!(in_scope.contains(number), "{name}: {number}");
                ksef += 1;
            }
        }
    }
    assert!(ksef > 0);
    let exported = csv_extract_numbers(&files, &manifest, "input/rows/ksef/");
    assert!(!exported.is_empty() && exported.is_subset(&in_scope));
    let (status, stdout) = verify(&path);
    assert_eq!(status, 0, "{stdout}");
}

/// A JPK_V7 ledger's row goes in as its `SprzedazWiersz` element, as written
/// at the line its start tag is on.
#[test]
fn a_jpk_ledger_row_goes_in_as_written() {
    let jpk = std::fs::read(fixtures().join("samples/jpk/jpk_v7m_2026_03.xml")).unwrap();
    let bundle = crate::support::Bundle::new()
        .file("ledger/jpk.xml", &jpk)
        .file(
            "offline/log.csv",
            "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by\n\
             FV/2026/03/001,5265877635,2026-03-02,2026-03-02T09:00:00,offline24,a.nowak\n",
        );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jpk.zip");
    let out = pack(bundle.path(), &path, &["--month", "2026-03"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = entries(&path);
    let extract = String::from_utf8(files["input/rows/ledger/jpk.xml"].clone()).unwrap();
    let text = String::from_utf8(jpk).unwrap();
    let line = text
        .lines()
        .position(|l| l.trim() == "<SprzedazWiersz>")
        .unwrap()
        + 1;
    let start = text.find("<SprzedazWiersz>").unwrap();
    let end = text.find("</SprzedazWiersz>").unwrap() + "</SprzedazWiersz>".len();
    assert_eq!(
        extract,
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rows file=\"ledger/jpk.xml\">\n\
             <row line=\"{line}\"><![CDATA[{}]]></row>\n</rows>\n",
            &text[start..end]
        )
    );
    assert_eq!(verify(&path).0, 0);
}
