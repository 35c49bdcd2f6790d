//! Finding a source's files in the bundle and reading one safely.
//!
//! A bundle is assembled from exports, e-mail attachments and downloads, so
//! its files are treated as hostile: nothing is followed out of the bundle
//! (a symbolic link is refused, not read, wherever it points), nothing but
//! a regular file is opened (a FIFO would block the run), and a file over
//! its source's size limit is refused from its metadata, before a byte is
//! read into memory. Every refusal becomes a rejection naming the file;
//! none stops the run. See `docs/security.md`.

use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::contract::Source;
use crate::documents::{jpk, xml};

/// Largest CSV, XLSX or JSON file read. Far above any real export (a
/// million ledger rows is about 150 MB) and below what two copies of it
/// (bytes and table) would need to stay in a CI runner's memory.
pub const MAX_TABLE_BYTES: u64 = 2 << 30;

/// Why a file was not read: one rejection, with the size found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused {
    pub reason: String,
    pub bytes: u64,
}

/// The size limit of one file: XML documents (FA(3), UPO) that of the XML
/// reader, a JPK register its own, anything else [`MAX_TABLE_BYTES`].
pub fn size_limit(source: Source, path: &Path) -> u64 {
    let is_xml = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("xml"));
    let limit = match source {
        Source::Archive | Source::Upo if is_xml => xml::MAX_DOCUMENT_BYTES,
        Source::Ledger if is_xml => jpk::MAX_JPK_BYTES,
        _ => return MAX_TABLE_BYTES,
    };
    limit as u64
}

/// Files from this size on are mapped into memory rather than read (see
/// [`FileBytes`]).
pub const MAP_FROM_BYTES: u64 = 8 << 20;

/// The bytes of one bundle file: read into memory, or, for a large file,
/// mapped. A mapped file is read straight from the kernel's page cache, so
/// its bytes are neither copied nor given fresh pages that the kernel must
/// zero first, which was a large part of loading a big export (see
/// docs/performance.md).
#[derive(Debug)]
pub enum FileBytes {
    Read(Vec<u8>),
    Mapped(memmap2::Mmap),
}

impl std::ops::Deref for FileBytes {
    type Target = [u8];

    fn deref(&self) -> &[u8] {
        match self {
            FileBytes::Read(bytes) => bytes,
            FileBytes::Mapped(map) => map,
        }
    }
}

/// The bytes of one bundle file, or why it was refused. The link and size
/// checks come from `symlink_metadata`, before opening; the read itself
/// stops one byte past the limit, so a file that grows meanwhile is still
/// refused without being read whole. A file of [`MAP_FROM_BYTES`] or more is
/// mapped instead, with the same checks (its length is checked again once
/// mapped).
pub fn open_bundle_file(path: &Path, limit: u64) -> Result<FileBytes, Refused> {
    let (file, len) = open_checked(path, limit)?;
    if len < MAP_FROM_BYTES {
        return read_open_file(file, len, limit).map(FileBytes::Read);
    }
    // SAFETY: the map is only read, and dropped when the file has been
    // loaded. A bundle is a snapshot handed to one run; if another process
    // truncated the file during that run, reading the lost pages would stop
    // the process (SIGBUS) rather than give wrong rows, and a file changed
    // in place is a changed input either way (docs/security.md).
    let map = unsafe { memmap2::Mmap::map(&file) }
        .map_err(|e| refused(format!("cannot read: {e}"), len))?;
    if map.len() as u64 > limit {
        return Err(over_limit(map.len() as u64, limit));
    }
    Ok(FileBytes::Mapped(map))
}

/// The bytes of one bundle file, read into memory, or why it was refused
/// (see [`open_bundle_file`]).
pub fn read_bundle_file(path: &Path, limit: u64) -> Result<Vec<u8>, Refused> {
    let (file, len) = open_checked(path, limit)?;
    read_open_file(file, len, limit)
}

fn refused(reason: String, bytes: u64) -> Refused {
    Refused { reason, bytes }
}

fn over_limit(bytes: u64, limit: u64) -> Refused {
    refused(
        format!("file is {bytes} bytes, over the limit of {limit} bytes for this source; not read"),
        bytes,
    )
}

/// Opens a bundle file after the link, type and size checks; gives the
/// file and its length.
fn open_checked(path: &Path, limit: u64) -> Result<(fs::File, u64), Refused> {
    let meta = fs::symlink_metadata(path).map_err(|e| refused(format!("cannot read: {e}"), 0))?;
    if meta.file_type().is_symlink() {
        return Err(refused(
            "is a symbolic link; links are not followed (put the file itself in the bundle)"
                .to_string(),
            0,
        ));
    }
    if !meta.is_file() {
        return Err(refused("is not a regular file".to_string(), 0));
    }
    if meta.len() > limit {
        return Err(over_limit(meta.len(), limit));
    }
    let file =
        fs::File::open(path).map_err(|e| refused(format!("cannot read: {e}"), meta.len()))?;
    Ok((file, meta.len()))
}

fn read_open_file(file: fs::File, len: u64, limit: u64) -> Result<Vec<u8>, Refused> {
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| refused(format!("cannot read: {e}"), len))?;
    if bytes.len() as u64 > limit {
        return Err(over_limit(bytes.len() as u64, limit));
    }
    Ok(bytes)
}

/// The files of one source, sorted by path so that "first row" is stable.
/// Links and other non-directories are listed too, so that reading refuses
/// them visibly instead of them vanishing from the run.
pub fn discover(dir: &Path, source: Source) -> Result<Vec<PathBuf>> {
    let (folder, stem): (PathBuf, Option<&str>) = match source {
        Source::Ledger => (dir.join("ledger"), None),
        Source::OfflineLog => (dir.join("offline"), Some("log")),
        Source::Decisions => (dir.join("offline"), Some("decisions")),
        Source::Announcements => (dir.join("announcements"), None),
        // An export is unpacked into a folder of its own (its
        // `_metadata.json` beside its status response): any depth.
        Source::KsefMetadata => return walk_tree(&dir.join("ksef").join("metadata")),
        Source::Activity => (dir.join("access"), Some("activity")),
        Source::Grants => (dir.join("access"), Some("grants")),
        Source::Archive => return walk_tree(&dir.join("archive")),
        Source::Upo => (dir.join("ksef").join("upo"), None),
        Source::Resolutions => (dir.join("resolutions"), None),
        Source::Rates => (dir.join("rates"), None),
    };
    if !folder.is_dir() {
        return Ok(Vec::new());
    }
    let mut files = Vec::new();
    let entries =
        fs::read_dir(&folder).with_context(|| format!("cannot list {}", folder.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot list {}", folder.display()))?;
        let path = entry.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        // Hidden files and Excel's lock files are not input.
        if name.starts_with('.') || name.starts_with("~$") || is_dir(&entry)? {
            continue;
        }
        let matches = match stem {
            Some(stem) => name
                .split_once('.')
                .is_some_and(|(s, _)| s.eq_ignore_ascii_case(stem)),
            None => true,
        };
        if matches {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Whether an entry is a real directory; a link to one is not.
fn is_dir(entry: &fs::DirEntry) -> Result<bool> {
    let kind = entry
        .file_type()
        .with_context(|| format!("cannot read {}", entry.path().display()))?;
    Ok(kind.is_dir())
}

/// Every file under `root` (`archive/`, `ksef/metadata/`), at any depth,
/// sorted. Links are listed but never entered: an archive is the files as
/// issued, not what they point to.
fn walk_tree(root: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    if !root.is_dir() {
        return Ok(files);
    }
    let mut stack = vec![root.to_path_buf()];
    while let Some(folder) = stack.pop() {
        let entries =
            fs::read_dir(&folder).with_context(|| format!("cannot list {}", folder.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("cannot list {}", folder.display()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Hidden files and Excel's lock files are not input.
            if name.starts_with('.') || name.starts_with("~$") {
                continue;
            }
            if is_dir(&entry)? {
                stack.push(entry.path());
            } else {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `path` relative to the bundle, with `/` separators.
pub fn relative(dir: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(dir).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_fifos_and_oversized_files_are_refused_unread() {
        let dir = tempfile::tempdir().unwrap();
        let outside = dir.path().join("outside.csv");
        fs::write(&outside, "secret").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&outside, &link).unwrap();
        let err = read_bundle_file(&link, 100).unwrap_err();
        assert!(err.reason.contains("symbolic link"), "{err:?}");

        let big = dir.path().join("big.xml");
        fs::File::create(&big).unwrap().set_len(1 << 30).unwrap();
        let err = read_bundle_file(&big, 10).unwrap_err();
        assert_eq!(err.bytes, 1 << 30);
        assert!(err.reason.contains("over the limit of 10 bytes"), "{err:?}");

        let err = read_bundle_file(dir.path(), 10).unwrap_err();
        assert!(err.reason.contains("not a regular file"), "{err:?}");
        assert_eq!(read_bundle_file(&outside, 6).unwrap(), b"secret");
    }

    #[test]
    fn large_files_are_mapped_with_the_same_checks() {
        let dir = tempfile::tempdir().unwrap();
        let small = dir.path().join("small.csv");
        fs::write(&small, "a,b\n1,2\n").unwrap();
        assert!(matches!(
            open_bundle_file(&small, 100).unwrap(),
            FileBytes::Read(_)
        ));
        let large = dir.path().join("large.csv");
        let text: Vec<u8> = (0..MAP_FROM_BYTES + 5)
            .map(|i| b'a' + (i % 26) as u8)
            .collect();
        fs::write(&large, &text).unwrap();
        let bytes = open_bundle_file(&large, MAX_TABLE_BYTES).unwrap();
        assert!(matches!(bytes, FileBytes::Mapped(_)));
        assert_eq!(&*bytes, text.as_slice());
        let err = open_bundle_file(&large, MAP_FROM_BYTES).unwrap_err();
        assert!(err.reason.contains("over the limit"), "{err:?}");
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink(&large, &link).unwrap();
        let err = open_bundle_file(&link, MAX_TABLE_BYTES).unwrap_err();
        assert!(err.reason.contains("symbolic link"), "{err:?}");
    }
}
