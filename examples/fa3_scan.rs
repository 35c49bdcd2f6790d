//! Parses and hashes every FA(3) file under a folder the way `run` does for
//! `archive/` (one rayon task per file: read, `parse_fa3`, SHA-256 Base64),
//! and prints files/s and MB/s. Used by `benches/fa3_folder.sh`.
//!
//! usage: cargo run --release --example fa3_scan -- DIR

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;

use ksef_recon::documents::{fa3, hash};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), out)?;
        } else {
            out.push(entry.path());
        }
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let dir = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: fa3_scan DIR"))?;
    let started = Instant::now();
    let mut files = Vec::new();
    walk(Path::new(&dir), &mut files)?;
    files.sort();
    let results: Vec<(u64, bool)> = files
        .par_iter()
        .map(|p| match std::fs::read(p) {
            Ok(bytes) => {
                let ok = fa3::parse_fa3(&bytes).is_ok();
                let _hash = hash::sha256_base64(&bytes);
                (bytes.len() as u64, ok)
            }
            Err(_) => (0, false),
        })
        .collect();
    let secs = started.elapsed().as_secs_f64();
    let bytes: u64 = results.iter().map(|r| r.0).sum();
    let bad = results.iter().filter(|r| !r.1).count();
    println!(
        "{} files, {:.1} MB, {} unreadable, {:.2} s: {:.0} files/s, {:.1} MB/s",
        files.len(),
        bytes as f64 / 1e6,
        bad,
        secs,
        files.len() as f64 / secs,
        bytes as f64 / 1e6 / secs
    );
    Ok(())
}
