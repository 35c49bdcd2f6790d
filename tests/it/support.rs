//! Running the binary on a bundle and reading its outputs back.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository's `fixtures/` folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

pub fn binary() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin!("ksef-recon"))
}

/// A bundle written file by file into a temporary folder.
pub struct Bundle {
    pub dir: tempfile::TempDir,
}

impl Bundle {
    pub fn new() -> Bundle {
        Bundle {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(self, rel: &str, contents: impl AsRef<[u8]>) -> Bundle {
        let path = self.dir.path().join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, contents).expect("write");
        self
    }

    /// A one-invoice ledger that is valid.
    pub fn with_ledger(self) -> Bundle {
        self.file(
            "ledger/sales.csv",
            "invoice_number,issue_date,seller_nip,gross_amount,currency\nFV/1,2026-03-02,5265877635,123.00,PLN\n",
        )
    }
}

/// The result of one `run`.
pub struct Run {
    pub out: tempfile::TempDir,
    pub status: i32,
    pub stderr: String,
}

impl Run {
    pub fn path(&self, name: &str) -> PathBuf {
        self.out.path().join("out").join(name)
    }

    pub fn text(&self, name: &str) -> String {
        fs::read_to_string(self.path(name))
            .unwrap_or_else(|e| panic!("{name}: {e}\n{}", self.stderr))
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.text("run.json")).expect("run.json is JSON")
    }

    /// Rows of an output CSV as maps from column to value.
    pub fn rows(&self, name: &str) -> Vec<BTreeMap<String, String>> {
        read_csv(&self.path(name))
    }
}

pub fn read_csv(path: &Path) -> Vec<BTreeMap<String, String>> {
    let bytes = fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    read_csv_bytes(&bytes)
}

/// Rows of CSV text as maps from column to value.
pub fn read_csv_bytes(bytes: &[u8]) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|r| {
            let r = r.expect("row");
            headers
                .iter()
                .zip(r.iter())
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect()
        })
        .collect()
}

/// Runs `ksef-recon run` on `input` with the given as-of date.
pub fn run(input: &Path, as_of: &str, extra: &[&str]) -> Run {
    let out = tempfile::tempdir().expect("temp dir");
    let output = binary()
        .arg("run")
        .arg("--input")
        .arg(input)
        .arg("--out")
        .arg(out.path().join("out"))
        .arg("--as-of")
        .arg(as_of)
        .args(extra)
        .output()
        .expect("binary runs");
    Run {
        out,
        status: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Copies a folder tree (a fixture bundle into a temporary folder).
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).expect("mkdir");
    for entry in fs::read_dir(from).expect("list") {
        let entry = entry.expect("entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), target).expect("copy");
        }
    }
}

/// Lower-case hex SHA-256, as pack manifests write it.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file of an output folder, with run.json's start time blanked (the
/// one value that legitimately differs between runs).
pub fn output_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| {
            let e = e.unwrap();
            let name = e.file_name().to_string_lossy().into_owned();
            let mut bytes = fs::read(e.path()).unwrap();
            if name == "run.json" {
                let text = String::from_utf8(bytes).unwrap();
                bytes = text
                    .lines()
                    .filter(|l| !l.contains("\"run_started_at\""))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .into_bytes();
            }
            (name, bytes)
        })
        .collect()
}

/// `ksef-recon generate` with `args` into `out`; its expected counts
/// (`expected_counts.json`: the as-of date, rows and counts by code).
pub fn generated(out: &Path, args: &[&str]) -> serde_json::Value {
    let output = binary()
        .arg("generate")
        .args(args)
        .arg("--out")
        .arg(out)
        .output()
        .expect("binary runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&fs::read(out.join("expected_counts.json")).expect("expected counts"))
        .expect("JSON")
}

/// Rates of the anomalies about keys and hashes (a number twice, a KSeF
/// record not booked, another content) that a 20,000-invoice bundle has
/// a few dozen times each.
pub const KEY_RATES: [&str; 6] = [
    "--duplicate-rate",
    "0.01",
    "--not-in-ledger-rate",
    "0.01",
    "--hash-mismatch-rate",
    "0.002",
];

/// Rates high enough that a 20,000-invoice bundle has each contract v1.2
/// anomaly several times.
pub const V12_RATES: [&str; 12] = [
    "--offline-not-in-log-rate",
    "0.002",
    "--duplicate-ksef-number-rate",
    "0.002",
    "--bfk-marker-rate",
    "0.001",
    "--di-marker-rate",
    "0.01",
    "--receipt-rate",
    "0.002",
    "--test-upo-rate",
    "0.1",
];

/// Every anomaly `generate` plants, at rates that give each a few dozen
/// invoices in 20,000, with the archive (so corrections and orphans).
pub fn every_anomaly() -> Vec<&'static str> {
    let mut args = vec![
        "--archive",
        "--late-rate",
        "0.01",
        "--missing-rate",
        "0.005",
        "--amount-mismatch-rate",
        "0.002",
    ];
    args.extend(KEY_RATES);
    args.extend(V12_RATES);
    args.extend([
        "--archive-orphan-rate",
        "0.002",
        "--correction-before-original-rate",
        "0.002",
    ]);
    args
}
