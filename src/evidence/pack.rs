//! The pack's container: a zip whose `manifest.json` lists every other
//! entry with its SHA-256 and size, and the folders its entries go in.
//! Written deterministically (entries sorted by path, timestamps
//! 1980-01-01 00:00, permissions 0644, one compression method) and
//! atomically (a temporary file renamed into place), and verified by
//! recomputing every hash.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use crate::documents::hash::sha256_hex;

pub const MANIFEST: &str = "manifest.json";

/// Where the raw input files go inside the pack.
pub const INPUT_DIR: &str = "input";

/// Where the scope's rows of the tabular sources go (`rows`, `extract`).
pub const ROWS_DIR: &str = "input/rows";

/// Largest entry `verify-pack` reads (a guard against zip bombs).
const MAX_ENTRY_BYTES: u64 = 4 << 30;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScopeJson {
    pub kind: String,
    pub id: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub as_of: String,
    pub scope: ScopeJson,
    /// `run.json`'s fingerprint of the whole input bundle.
    pub input_fingerprint: String,
    /// Every input file of the run with its SHA-256, as in `run.json`.
    pub input_files: Vec<FileEntry>,
    /// Every entry of the pack but this manifest.
    pub files: Vec<FileEntry>,
}

/// An entry path that stays inside the pack root: relative, `/`-separated,
/// no empty, `.` or `..` component, no drive letter or backslash.
pub fn safe_entry_path(path: &str) -> Result<&str> {
    let bad = path.is_empty()
        || path.starts_with('/')
        || path.contains('\\')
        || path.contains(':')
        || path.contains('\0')
        || path
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..");
    if bad {
        bail!("refusing pack entry path {path:?}: it would not stay inside the pack");
    }
    Ok(path)
}

/// The zip's bytes: every entry, sorted by path, with fixed metadata.
pub fn zip_bytes(entries: &BTreeMap<String, Vec<u8>>) -> Result<Vec<u8>> {
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default())
        .unix_permissions(0o644);
    let mut zip = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (path, bytes) in entries {
        zip.start_file(safe_entry_path(path)?, options)?;
        zip.write_all(bytes)?;
    }
    Ok(zip.finish()?.into_inner())
}

/// Writes `bytes` to `target` through a temporary file in the same folder,
/// so a reader never sees half a pack.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> Result<()> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "pack.zip".into());
    let temp = dir.join(format!(".{name}.partial-{}", std::process::id()));
    let written = fs::File::create(&temp)
        .and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all()))
        .and_then(|()| fs::rename(&temp, target));
    if let Err(e) = written {
        let _ = fs::remove_file(&temp);
        return Err(e).with_context(|| format!("cannot write {}", target.display()));
    }
    Ok(())
}

/// What `verify-pack` found.
#[derive(Debug, Default)]
pub struct Verification {
    pub verified: usize,
    /// One line per problem: `altered: PATH`, `missing: PATH`, `extra: PATH`.
    pub problems: Vec<String>,
}

/// Recomputes every hash of the manifest against the pack's entries.
pub fn verify(pack: &Path) -> Result<Verification> {
    let file = fs::File::open(pack).with_context(|| format!("cannot open {}", pack.display()))?;
    let mut zip =
        ZipArchive::new(file).with_context(|| format!("{} is not a zip file", pack.display()))?;
    let mut actual: BTreeMap<String, (String, u64)> = BTreeMap::new();
    let mut manifest = None;
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.into_owned();
        // A crafted pack may name entries outside its root (`../x`, `/etc`),
        // where an unpacking tool would write them: refused before anything
        // is read.
        safe_entry_path(name.strip_suffix('/').unwrap_or(&name))?;
        if entry.is_dir() {
            continue;
        }
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_ENTRY_BYTES)
            .read_to_end(&mut bytes)
            .with_context(|| format!("cannot read {name} in the pack"))?;
        if name == MANIFEST {
            manifest = Some(bytes);
        } else {
            actual.insert(name, (sha256_hex(&bytes), bytes.len() as u64));
        }
    }
    let Some(manifest) = manifest else {
        bail!("{} holds no {MANIFEST}", pack.display());
    };
    let manifest: Manifest = serde_json::from_slice(&manifest)
        .with_context(|| format!("{MANIFEST} in {} is not a pack manifest", pack.display()))?;
    let mut result = Verification::default();
    for listed in &manifest.files {
        safe_entry_path(&listed.path)
            .with_context(|| format!("{MANIFEST} in {} lists an unsafe path", pack.display()))?;
    }
    for expected in &manifest.files {
        match actual.remove(&expected.path) {
            None => result.problems.push(format!("missing: {}", expected.path)),
            Some((sha, bytes)) if sha != expected.sha256 || bytes != expected.bytes => {
                result.problems.push(format!("altered: {}", expected.path))
            }
            Some(_) => result.verified += 1,
        }
    }
    for extra in actual.keys() {
        result.problems.push(format!("extra: {extra}"));
    }
    Ok(result)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_stay_inside_the_pack() {
        assert!(safe_entry_path("input/offline/decisions.csv").is_ok());
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "./a",
            "C:/x",
            "a\\b",
        ] {
            assert!(safe_entry_path(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_same_entries_give_the_same_bytes() {
        let entries: BTreeMap<String, Vec<u8>> = [("b.txt", "2"), ("a.txt", "1")]
            .iter()
            .map(|(p, b)| (p.to_string(), b.as_bytes().to_vec()))
            .collect();
        assert_eq!(zip_bytes(&entries).unwrap(), zip_bytes(&entries).unwrap());
        assert!(zip_bytes(&[("../x".to_string(), vec![])].into()).is_err());
    }
}
