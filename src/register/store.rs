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

use super::chain::{self, Chain};

/// The columns of `register.csv`, in order.
pub const REGISTER_COLUMNS: &[&str] = &[
    "exception_id",
    "code",
    "severity",
    "seller_nip",
    "invoice_number",
    "decision_id",
    "user",
    "status",
    "first_seen",
    "last_seen",
    "cleared_on",
    "reopened_on",
    "resolved_by",
    "resolved_at",
    "resolution_comment",
    "approved_by",
];

/// The register file: one row per exception_id ever seen.
pub const REGISTER_FILE: &str = "register.csv";
/// Every status change, appended run by run.
pub const HISTORY_FILE: &str = "history.csv";
const LOCK_FILE: &str = "lock";
/// The folder beside `--out` that holds one register per output folder.
pub const STATE_FOLDER: &str = ".ksef-recon-state";

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

    /// Reads and verifies the register: the history's chain, the head
    /// `register.csv` records, and `register.csv`'s statuses against a replay
    /// of the history. Any break is an error naming the file, row and what
    /// no longer matches; nothing is changed.
    pub fn read(&self) -> Result<Stored> {
        read(&self.dir)
    }

    /// Writes the history (every row of `chain`), then the register with
    /// the chain's head, each atomically. A crash between the two leaves
    /// history rows after the head the register records; the next run takes
    /// them back (see [`Stored::uncommitted`]).
    pub fn save(&self, register: &DataFrame, chain: &Chain) -> Result<()> {
        atomic_write(&self.dir.join(HISTORY_FILE), &chain.to_bytes())?;
        let mut bytes = head_line(chain).into_bytes();
        crate::report::csv_out::write(register, &[], &mut bytes)?;
        atomic_write(&self.dir.join(REGISTER_FILE), &bytes)
    }
}

/// A state folder as found on disk, verified.
pub struct Stored {
    /// The register as text columns ([`REGISTER_COLUMNS`]); empty when new.
    pub register: DataFrame,
    /// The history up to the head `register.csv` records.
    pub chain: Chain,
    /// Rows after that head: written by a run that stopped before it
    /// saved `register.csv`.
    pub uncommitted: usize,
    /// The register was made before v1.2: no chain, no identity.
    pub legacy: bool,
}

impl Stored {
    /// Whether the folder held no register yet.
    pub fn is_new(&self) -> bool {
        !self.legacy && self.chain.rows.is_empty() && self.register.height() == 0
    }
}

/// What `verify-register` found in an intact register.
#[derive(Debug)]
pub struct Verified {
    /// History rows up to the head `register.csv` records.
    pub entries: usize,
    pub head: String,
    /// Rows after that head (a run stopped before saving register.csv).
    pub uncommitted: usize,
}

/// Verifies a state folder on its own (`ksef-recon verify-register`): the
/// same checks a run makes before it changes anything.
pub fn verify(dir: &Path) -> Result<Verified> {
    if !dir.join(REGISTER_FILE).is_file() {
        bail!("{} holds no {REGISTER_FILE}", dir.display());
    }
    let stored = read(dir)?;
    if stored.legacy {
        bail!(
            "{}: the register was made before v1.2 and its history has no hash chain; the next run upgrades it",
            dir.display()
        );
    }
    Ok(Verified {
        entries: stored.chain.rows.len(),
        head: stored.chain.head().to_string(),
        uncommitted: stored.uncommitted,
    })
}

/// The first line of `register.csv`: the history's row count and head.
fn head_line(chain: &Chain) -> String {
    format!(
        "{HEAD_PREFIX}{} rows, head {}\n",
        chain.rows.len(),
        chain.head()
    )
}

const HEAD_PREFIX: &str = "# history.csv: ";

/// (rows, head) of a head line, if `line` is one.
fn parse_head(line: &str) -> Option<(usize, String)> {
    let rest = line.strip_prefix(HEAD_PREFIX)?;
    let (rows, head) = rest.trim_end().split_once(" rows, head ")?;
    Some((rows.parse().ok()?, head.to_string()))
}

/// [`State::read`] without taking the lock (`verify-register` only reads).
pub fn read(dir: &Path) -> Result<Stored> {
    let register_path = dir.join(REGISTER_FILE);
    let history_path = dir.join(HISTORY_FILE);
    let register_bytes = read_if_present(&register_path)?;
    let history_bytes = read_if_present(&history_path)?;
    let (head, register) = match &register_bytes {
        None => (None, empty_register()?),
        Some(bytes) => parse_register(bytes, &register_path)?,
    };
    let chained = history_bytes
        .as_deref()
        .is_some_and(|b| b.starts_with(chain::HEADER.as_bytes()));
    match (register_bytes.is_some(), head, chained) {
        (false, _, false) if history_bytes.is_none() => Ok(Stored {
            register,
            chain: Chain::default(),
            uncommitted: 0,
            legacy: false,
        }),
        (true, None, false) => legacy(register, history_bytes.as_deref(), &history_path),
        (true, None, true) => bail!(
            "{} records no history head, but {} is hash-chained: the head line of register.csv was removed",
            register_path.display(),
            history_path.display()
        ),
        (false, _, _) => bail!(
            "{} is missing but {} exists: the register was deleted",
            register_path.display(),
            history_path.display()
        ),
        (true, Some((rows, _)), _) if rows > 0 && history_bytes.is_none() => bail!(
            "{} records {rows} history rows, but {} is missing: the history was deleted",
            register_path.display(),
            history_path.display()
        ),
        (true, Some(head), _) => {
            let bytes = history_bytes.unwrap_or_default();
            let mut chain = if bytes.is_empty() {
                Chain::default()
            } else {
                chain::verify(&bytes).map_err(|b| anyhow::anyhow!("{}: {b}", dir.display()))?
            };
            let uncommitted =
                committed(&chain, &head).with_context(|| format!("{}", register_path.display()))?;
            chain.truncate(chain.rows.len() - uncommitted);
            super::replay::check(&register, &chain)
                .with_context(|| format!("{}", register_path.display()))?;
            Ok(Stored {
                register,
                chain,
                uncommitted,
                legacy: false,
            })
        }
    }
}

/// How many rows of `chain` follow the head `register.csv` records.
fn committed(chain: &Chain, (rows, head): &(usize, String)) -> Result<usize> {
    let have = chain.rows.len();
    if *rows > have {
        bail!(
            "it records {rows} history rows with head {head}, but history.csv has only {have}: \
             {} removed from the end of history.csv (truncated)",
            chain::rows_text(have + 1, *rows, "was", "were")
        );
    }
    let at = match rows {
        0 => chain::GENESIS,
        n => chain.hashes[n - 1].as_str(),
    };
    if at != head {
        bail!(
            "it records head {head} at history row {rows}, but that row's hash is {at}: \
             register.csv or history.csv was replaced"
        );
    }
    Ok(have - rows)
}

fn legacy(register: DataFrame, history: Option<&[u8]>, path: &Path) -> Result<Stored> {
    let rows = match history {
        None => Vec::new(),
        Some(bytes) => {
            chain::read_legacy(bytes).map_err(|b| anyhow::anyhow!("{}: {b}", path.display()))?
        }
    };
    let mut chain = Chain::default();
    for row in rows {
        chain.push(row);
    }
    Ok(Stored {
        register,
        chain,
        uncommitted: 0,
        legacy: true,
    })
}

fn read_if_present(path: &Path) -> Result<Option<Vec<u8>>> {
    match fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
    }
}

/// The head line (if any) and the register's rows as text columns.
fn parse_register(bytes: &[u8], path: &Path) -> Result<(Option<(usize, String)>, DataFrame)> {
    let first_end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| i + 1);
    let first = String::from_utf8_lossy(&bytes[..first_end]);
    let (head, body, offset) = match parse_head(&first) {
        Some(head) => (Some(head), &bytes[first_end..], 1),
        None if first.starts_with('#') => {
            bail!(
                "{} line 1: a head line that cannot be read: {first}",
                path.display()
            )
        }
        None => (None, bytes, 0),
    };
    let mut reader = csv::Reader::from_reader(body);
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
        let record =
            record.with_context(|| format!("{} line {}", path.display(), i + 2 + offset))?;
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
    Ok((head, DataFrame::new(height, columns)?))
}

/// Before v1.2 the default `--state` was `.ksef-recon-state` itself, shared
/// by every `--out` beside it. When that folder still holds a register and
/// `default` (its `<name of --out>` subfolder) holds none, the register is
/// moved there, so a nightly job keeps its history across the upgrade.
pub fn move_shared_default(default: &Path) -> Result<()> {
    let Some(shared) = default.parent() else {
        return Ok(());
    };
    if !shared.join(REGISTER_FILE).is_file() || default.join(REGISTER_FILE).exists() {
        return Ok(());
    }
    let _lock = State::open(shared)?;
    let _target = State::open(default)?;
    // History first: a crash between the two renames leaves the register
    // where the next run looks for it and moves it then.
    for file in [HISTORY_FILE, REGISTER_FILE] {
        let from = shared.join(file);
        if from.is_file() {
            fs::rename(&from, default.join(file)).with_context(|| {
                format!("cannot move {} into {}", from.display(), default.display())
            })?;
        }
    }
    tracing::warn!(
        "moved the register of {} into {}: each --out folder now has its own register",
        shared.display(),
        default.display()
    );
    Ok(())
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
