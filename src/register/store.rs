//! The state folder on disk: a lock so that two runs never update one
//! register at once, and the register itself as CSV files written
//! atomically (temporary file, fsync, rename).
//!
//! Why CSV and not SQLite or Parquet: the register is small (one row per
//! finding ever seen), an auditor should be able to open it without tools,
//! and a rename gives the only guarantee that matters here: after a crash
//! the file is the old one or the new one, never a mix.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use polars::prelude::*;

use super::REGISTER_COLUMNS;

/// The register file: one row per exception_id ever seen.
pub const REGISTER_FILE: &str = "register.csv";
/// Every status change, appended run by run.
pub const HISTORY_FILE: &str = "history.csv";
const LOCK_FILE: &str = "lock";

/// An open state folder; holds the lock until dropped.
pub struct State {
    dir: PathBuf,
}

impl State {
    /// Opens (creating if needed) the state folder and takes its lock. A
    /// lock left by a process that no longer runs is taken over; one held by
    /// a live process stops this run.
    pub fn open(dir: &Path) -> Result<State> {
        fs::create_dir_all(dir)
            .with_context(|| format!("cannot create state folder {}", dir.display()))?;
        let lock = dir.join(LOCK_FILE);
        for _ in 0..2 {
            match fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(mut f) => {
                    writeln!(f, "{}", std::process::id())
                        .with_context(|| format!("cannot write {}", lock.display()))?;
                    return Ok(State {
                        dir: dir.to_path_buf(),
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = fs::read_to_string(&lock).unwrap_or_default();
                    let pid = holder.trim().parse::<u32>().ok();
                    if pid.is_some_and(alive) {
                        bail!(
                            "another ksef-recon run (pid {}) holds the state folder {}; wait for it to finish",
                            holder.trim(),
                            dir.display()
                        );
                    }
                    fs::remove_file(&lock)
                        .with_context(|| format!("cannot remove stale {}", lock.display()))?;
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create {}", lock.display()));
                }
            }
        }
        bail!("cannot take the lock {}", lock.display())
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The register as text columns ([`REGISTER_COLUMNS`]); empty when new.
    pub fn load(&self) -> Result<DataFrame> {
        let path = self.dir.join(REGISTER_FILE);
        if !path.exists() {
            return empty_register();
        }
        let mut reader = csv::Reader::from_path(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        let header: Vec<String> = reader.headers()?.iter().map(str::to_string).collect();
        if header != REGISTER_COLUMNS {
            bail!(
                "{} has unexpected columns {:?}; expected {:?}",
                path.display(),
                header,
                REGISTER_COLUMNS
            );
        }
        let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); REGISTER_COLUMNS.len()];
        for (i, record) in reader.records().enumerate() {
            let record = record.with_context(|| format!("{} line {}", path.display(), i + 2))?;
            for (c, cell) in columns.iter_mut().zip(record.iter()) {
                c.push((!cell.is_empty()).then(|| cell.to_string()));
            }
        }
        let height = columns[0].len();
        let columns = REGISTER_COLUMNS
            .iter()
            .zip(columns)
            .map(|(name, values)| Column::new((*name).into(), values))
            .collect();
        Ok(DataFrame::new(height, columns)?)
    }

    /// Replaces the register and appends the history, each atomically.
    pub fn save(&self, register: &DataFrame, history_rows: &[[String; 5]]) -> Result<()> {
        let mut bytes = Vec::new();
        crate::report::csv_out::write(register, &[], &mut bytes)?;
        atomic_write(&self.dir.join(REGISTER_FILE), &bytes)?;
        if history_rows.is_empty() {
            return Ok(());
        }
        let path = self.dir.join(HISTORY_FILE);
        let mut old = fs::read(&path).unwrap_or_default();
        if old.is_empty() {
            old.extend_from_slice(b"as_of,exception_id,code,from,to\n");
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        for row in history_rows {
            writer.write_record(row)?;
        }
        old.extend(writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?);
        atomic_write(&path, &old)
    }
}

impl Drop for State {
    fn drop(&mut self) {
        let _ = fs::remove_file(self.dir.join(LOCK_FILE));
    }
}

fn empty_register() -> Result<DataFrame> {
    let columns = REGISTER_COLUMNS
        .iter()
        .map(|c| Column::new_empty((*c).into(), &DataType::String))
        .collect();
    Ok(DataFrame::new(0, columns)?)
}

/// Whether a process with this id runs (Linux: it has a /proc entry).
fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn atomic_write(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f =
        fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    f.write_all(bytes)
        .and_then(|()| f.sync_all())
        .with_context(|| format!("cannot write {}", tmp.display()))?;
    fs::rename(&tmp, path).with_context(|| format!("cannot replace {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_run_at_a_time_and_stale_locks_are_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let first = State::open(dir.path()).unwrap();
        let err = State::open(dir.path()).err().unwrap().to_string();
        assert!(err.contains("holds the state folder"), "{err}");
        drop(first);
        // A lock left by a process that is gone (pid 0 has no /proc entry here).
        fs::write(dir.path().join(LOCK_FILE), "999999999\n").unwrap();
        assert!(State::open(dir.path()).is_ok());
    }
}
