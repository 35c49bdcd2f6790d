//! Writing the output folder all at once (contract section 1): files go to a
//! hidden sibling folder, and only when every one is written and synced does
//! that folder replace `--out`. A run that fails or is killed leaves the
//! previous outputs as they were.
//!
//! On Linux the replacement is one `renameat2(RENAME_EXCHANGE)`: there is
//! no moment at which `--out` is missing, even if the process is killed
//! mid-commit. Elsewhere (or on a filesystem without it) the previous folder
//! is moved aside first, which leaves a short window without `--out`.
//! Staging folders of runs that were killed are hidden (`.name.partial-PID`)
//! and removed by the next run once that process is gone.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use super::direct::DirectFile;

/// A staging folder beside the final output folder.
pub struct Staging {
    dir: PathBuf,
    target: PathBuf,
}

/// The file that marks a folder as ours, so we never replace anything else.
const MARKER: &str = "run.json";

impl Staging {
    /// Creates `.<name>.partial-<pid>` beside `target`. Refuses a target that
    /// exists, is not empty and holds no `run.json`: that folder is not ours.
    pub fn begin(target: &Path) -> Result<Staging> {
        Staging::begin_marked(target, MARKER)
    }

    /// [`Staging::begin`] for a folder whose own mark is `marker` (the
    /// tables of `export-tables` are marked by their `manifest.json`).
    pub fn begin_marked(target: &Path, marker: &str) -> Result<Staging> {
        if target.exists() {
            let empty = fs::read_dir(target)
                .with_context(|| format!("cannot read output folder {}", target.display()))?
                .next()
                .is_none();
            if !empty && !target.join(marker).is_file() {
                bail!(
                    "refusing to replace {}: it is not empty and holds no {marker} from an earlier run",
                    target.display()
                );
            }
        }
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent)
            .with_context(|| format!("cannot create {}", parent.display()))?;
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "out".into());
        sweep_stale(&parent, &name);
        let dir = parent.join(format!(".{name}.partial-{}", std::process::id()));
        if dir.exists() {
            fs::remove_dir_all(&dir).with_context(|| format!("cannot clear {}", dir.display()))?;
        }
        fs::create_dir(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
        Ok(Staging {
            dir,
            target: target.to_path_buf(),
        })
    }

    /// Writes one file into the staging folder and syncs it.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<()> {
        let path = self.dir.join(name);
        let mut file =
            fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        crash_point(name);
        Ok(())
    }

    /// Streams one file into the staging folder through `fill` (so a
    /// multi-gigabyte CSV never sits in memory whole) and syncs it. The
    /// file is written past the page cache where the filesystem allows
    /// ([`DirectFile`]).
    pub fn write_with(
        &self,
        name: &str,
        fill: impl FnOnce(&mut (dyn Write + Send)) -> Result<()>,
    ) -> Result<()> {
        let path = self.dir.join(name);
        let mut out = DirectFile::create(&path)
            .with_context(|| format!("cannot create {}", path.display()))?;
        fill(&mut out).with_context(|| format!("cannot write {}", path.display()))?;
        out.finish()
            .and_then(|file| file.sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        crash_point(name);
        Ok(())
    }

    /// Where a file of this name goes in the staging folder, for writers
    /// that stream to a path themselves (the workbook).
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// Replaces the target with the staging folder. The old folder is moved
    /// aside first and removed only after the new one is in place.
    pub fn commit(self) -> Result<()> {
        if self.target.exists() && exchange(&self.dir, &self.target) {
            crash_point("commit");
            // `self.dir` now holds the previous outputs; Drop removes them.
            return Ok(());
        }
        let aside = self.dir.with_extension("old");
        let had_old = self.target.exists();
        if had_old {
            fs::rename(&self.target, &aside).with_context(|| {
                format!("cannot move the previous {} aside", self.target.display())
            })?;
        }
        if let Err(e) = fs::rename(&self.dir, &self.target) {
            if had_old {
                let _ = fs::rename(&aside, &self.target);
            }
            return Err(e)
                .with_context(|| format!("cannot move outputs into {}", self.target.display()));
        }
        if had_old {
            fs::remove_dir_all(&aside)
                .with_context(|| format!("cannot remove {}", aside.display()))?;
        }
        Ok(())
    }
}

/// Swaps two folders atomically; false when the platform or filesystem
/// cannot, and the caller falls back to two renames.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> bool {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let (Ok(a), Ok(b)) = (
        CString::new(a.as_os_str().as_bytes()),
        CString::new(b.as_os_str().as_bytes()),
    ) else {
        return false;
    };
    // SAFETY: both paths are NUL-terminated C strings that outlive the call.
    let done = unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            a.as_ptr(),
            libc::AT_FDCWD,
            b.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    };
    done == 0
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> bool {
    false
}

/// Removes `.name.partial-PID` (and `.old`) folders beside the target whose
/// process no longer runs: what a killed run leaves. Where liveness cannot
/// be told (no `/proc`), nothing is removed.
fn sweep_stale(parent: &Path, name: &str) {
    let prefix = format!(".{name}.partial-");
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    if !Path::new("/proc/self").exists() {
        return;
    }
    for entry in entries.flatten() {
        let file_name = entry.file_name();
        let Some(rest) = file_name.to_str().and_then(|n| n.strip_prefix(&prefix)) else {
            continue;
        };
        let pid = rest.strip_suffix(".old").unwrap_or(rest);
        let alive = pid.parse::<u32>().is_ok_and(|pid| {
            pid == std::process::id() || Path::new(&format!("/proc/{pid}")).exists()
        });
        if !alive {
            let _ = fs::remove_dir_all(entry.path());
        }
    }
}

/// Test-only crash injection for `tests/it/invariants.rs`: with
/// `KSEF_RECON_TEST_CRASH_AT` set to a staged file name (or `commit`), the
/// process aborts right after that step, as if killed there. Unset, this is
/// one environment lookup per output file.
fn crash_point(step: &str) {
    if std::env::var_os("KSEF_RECON_TEST_CRASH_AT").is_some_and(|v| v == step) {
        std::process::abort();
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if self.dir.exists() {
            let _ = fs::remove_dir_all(&self.dir);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_appear_together_or_not_at_all() {
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("out");
        let s = Staging::begin(&out).unwrap();
        s.write("run.json", b"{}").unwrap();
        s.write("a.csv", b"1").unwrap();
        assert!(!out.exists());
        s.commit().unwrap();
        assert_eq!(fs::read(out.join("a.csv")).unwrap(), b"1");

        // A run that stops before commit leaves the previous outputs whole.
        let s = Staging::begin(&out).unwrap();
        s.write("a.csv", b"2").unwrap();
        drop(s);
        assert_eq!(fs::read(out.join("a.csv")).unwrap(), b"1");
        assert_eq!(fs::read_dir(root.path()).unwrap().count(), 1);

        // A second run replaces the whole folder.
        let s = Staging::begin(&out).unwrap();
        s.write("run.json", b"{}").unwrap();
        s.commit().unwrap();
        assert!(!out.join("a.csv").exists());
    }

    #[test]
    fn refuses_a_folder_that_is_not_ours() {
        let root = tempfile::tempdir().unwrap();
        fs::write(root.path().join("thesis.docx"), b"x").unwrap();
        let err = Staging::begin(root.path()).err().unwrap().to_string();
        assert!(err.contains("refusing"), "{err}");
    }
}
