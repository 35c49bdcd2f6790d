//! Large output files written past the page cache (Linux `O_DIRECT`).
//!
//! Written the usual way, every 4 KiB of a file takes a fresh page of the
//! page cache, which the kernel zeroes and fills; the reconciliation alone is
//! 160 MB at 1M invoices and 1.6 GB at 10M. On the virtual machine of
//! `docs/performance.md` fresh pages are what a run waits for most: a
//! quarter of a 1M run's CPU samples were that copy, and `dd` wrote the 1M
//! reconciliation with `fsync` in 1.9-2.7 s through the page cache against
//! 0.15-0.43 s with `oflag=direct`. So whole aligned blocks go straight to
//! the disk from one reused buffer, and only the last partial block goes
//! through the page cache. Where the filesystem refuses `O_DIRECT` (tmpfs,
//! some network filesystems), at open or at the first write, the file is
//! written the usual way; the bytes on disk are the same either way, and the
//! caller syncs the file as before.

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::path::Path;

/// The alignment `O_DIRECT` asks of the buffer's address, the file offset
/// and each length: 4 KiB covers disks with 512-byte and 4 KiB sectors.
const ALIGN: usize = 4096;
/// Bytes gathered before one write to the disk (a multiple of [`ALIGN`]).
const BLOCK: usize = 4 << 20;

/// A file being written in whole aligned blocks; [`DirectFile::finish`]
/// writes the rest and hands the file back for syncing.
pub struct DirectFile {
    file: File,
    /// `BLOCK + ALIGN` bytes, of which `start..start + BLOCK` is aligned.
    buf: Vec<u8>,
    start: usize,
    /// Bytes gathered in the block.
    len: usize,
    /// Bytes already in the file.
    written: u64,
    /// Whether blocks still bypass the page cache.
    direct: bool,
}

impl DirectFile {
    /// Creates (or truncates) the file at `path`, bypassing the page cache
    /// where the filesystem allows it.
    pub fn create(path: &Path) -> io::Result<DirectFile> {
        Ok(match open_direct(path) {
            Some(file) => DirectFile::over(file, true),
            None => DirectFile::over(File::create(path)?, false),
        })
    }

    /// A writer over `file`, opened for direct writes or not.
    fn over(file: File, direct: bool) -> DirectFile {
        let buf = vec![0u8; BLOCK + ALIGN];
        let start = buf.as_ptr().align_offset(ALIGN);
        DirectFile {
            file,
            buf,
            start,
            len: 0,
            written: 0,
            direct,
        }
    }

    /// Writes what is gathered and returns the file, for the caller to sync.
    pub fn finish(mut self) -> io::Result<File> {
        let whole = self.len / ALIGN * ALIGN;
        self.write_out(0..whole)?;
        if whole < self.len {
            // The last partial block cannot go direct.
            self.stop_direct()?;
            self.write_out(whole..self.len)?;
        }
        Ok(self.file)
    }

    /// Writes `range` of the block to the file. A direct write the
    /// filesystem refuses is written again the usual way, from where the
    /// file is known to end.
    fn write_out(&mut self, range: std::ops::Range<usize>) -> io::Result<()> {
        let data = self.start + range.start..self.start + range.end;
        let result = match self.file.write_all(&self.buf[data.clone()]) {
            Err(e) if self.direct && e.raw_os_error() == Some(libc::EINVAL) => {
                self.stop_direct()?;
                self.file.seek(SeekFrom::Start(self.written))?;
                self.file.write_all(&self.buf[data.clone()])
            }
            other => other,
        };
        result?;
        self.written += data.len() as u64;
        Ok(())
    }

    /// Writes from here on through the page cache.
    fn stop_direct(&mut self) -> io::Result<()> {
        if self.direct {
            clear_direct(&self.file)?;
            self.direct = false;
        }
        Ok(())
    }
}

impl Write for DirectFile {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = data.len().min(BLOCK - self.len);
        let at = self.start + self.len;
        self.buf[at..at + n].copy_from_slice(&data[..n]);
        self.len += n;
        if self.len == BLOCK {
            self.write_out(0..BLOCK)?;
            self.len = 0;
        }
        Ok(n)
    }

    /// Nothing: only whole blocks can be written before [`DirectFile::finish`].
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The file at `path` created for direct writes, or `None` where the
/// platform or filesystem does not offer them.
#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_DIRECT)
        .open(path)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_: &Path) -> Option<File> {
    None
}

/// Turns direct writes off on `file`: later writes go through the page
/// cache.
#[cfg(target_os = "linux")]
fn clear_direct(file: &File) -> io::Result<()> {
    use std::os::fd::AsRawFd;
    let fd = file.as_raw_fd();
    // SAFETY: F_GETFL/F_SETFL on a descriptor this `File` owns, with
    // integer arguments only.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: as above.
    if unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_DIRECT) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn clear_direct(_: &File) -> io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `size` bytes in uneven pieces through `out` and checks that
    /// the file at `path` holds exactly them.
    fn round_trip(mut out: DirectFile, path: &Path, size: usize) {
        let data: Vec<u8> = (0..size).map(|i| (i * 7 + i / 4099) as u8).collect();
        for piece in data.chunks(1_000_003) {
            out.write_all(piece).unwrap();
        }
        out.finish().unwrap().sync_all().unwrap();
        assert_eq!(std::fs::read(path).unwrap(), data, "{size} bytes");
    }

    const SIZES: [usize; 9] = [
        0,
        1,
        ALIGN - 1,
        ALIGN,
        ALIGN + 1,
        BLOCK - 1,
        BLOCK,
        BLOCK + 1,
        3 * BLOCK + ALIGN + 17,
    ];

    #[test]
    fn every_byte_lands_whatever_the_size() {
        let dir = tempfile::tempdir().unwrap();
        for size in SIZES {
            let path = dir.path().join(format!("direct-{size}.csv"));
            round_trip(DirectFile::create(&path).unwrap(), &path, size);
        }
    }

    /// Where the filesystem has no direct writes, the file is written the
    /// usual way, whole.
    #[test]
    fn without_direct_writes_every_byte_lands_too() {
        let dir = tempfile::tempdir().unwrap();
        for size in SIZES {
            let path = dir.path().join(format!("plain-{size}.csv"));
            let out = DirectFile::over(File::create(&path).unwrap(), false);
            round_trip(out, &path, size);
        }
    }

    /// A direct write the filesystem refuses (here: from a buffer one byte
    /// off its alignment) is written again the usual way.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_refused_direct_write_is_written_again() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let mut out = DirectFile::create(&path).unwrap();
        if !out.direct {
            return; // this filesystem writes the usual way from the start
        }
        out.start += 1;
        let data: Vec<u8> = (0..BLOCK + 5).map(|i| i as u8).collect();
        out.write_all(&data).unwrap();
        assert!(!out.direct, "the misaligned block was refused");
        out.finish().unwrap().sync_all().unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), data);
    }
}
