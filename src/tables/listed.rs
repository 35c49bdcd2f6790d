//! `--files LIST`: the input files one batch exports, so that a cluster
//! exports a bundle in batches side by side and unions the tables; with
//! `--batches`, the whole bundle's files, which the batches must have read
//! exactly.
//!
//! LIST is a text file, one path per line, relative to `--input` and
//! spelt as `run.json` names the files (`ledger/sales_2026-03.csv`);
//! blank lines and lines starting with `#` are skipped. A file rather than
//! a comma-separated argument, because a bundle's file names may hold
//! commas and a batch may list thousands of files.

use std::collections::BTreeSet;
use std::path::Path;

use crate::config::ConfigError;
use crate::ingest::InputFile;

/// How many paths a refusal names; a lake's batch may list thousands.
const NAMED: usize = 20;

/// The files of one batch.
#[derive(Debug, Clone)]
pub struct Listed {
    /// The list's own path, for messages.
    pub list: String,
    pub paths: BTreeSet<String>,
}

impl Listed {
    /// Reads LIST; an unreadable or empty list is a usage error.
    pub fn read(list: &Path) -> Result<Listed, ConfigError> {
        let error = |message: String| ConfigError {
            file: list.display().to_string(),
            message,
        };
        let text = std::fs::read_to_string(list)
            .map_err(|e| error(format!("cannot read the --files list: {e}")))?;
        let paths: BTreeSet<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| l.trim_start_matches("./").replace('\\', "/"))
            .collect();
        if paths.is_empty() {
            return Err(error("the --files list names no file".to_string()));
        }
        Ok(Listed {
            list: list.display().to_string(),
            paths,
        })
    }

    pub fn contains(&self, path: &str) -> bool {
        self.paths.contains(path)
    }

    /// Every listed path must be an input file of the bundle: a typo would
    /// otherwise leave its rows out of every batch without a word.
    pub fn all_found(&self, files: &[InputFile]) -> Result<(), ConfigError> {
        self.none_missing(
            files,
            "names files that are not in the bundle (paths are relative to --input, as run.json names them)",
        )
    }

    /// With `--batches`, LIST is the whole bundle's files: the batches must
    /// have read every one of them and no other, so a batch left out (or
    /// one of another bundle) is said, not reported on as files the
    /// bundle lacks.
    pub fn exactly(&self, files: &[InputFile]) -> Result<(), ConfigError> {
        self.none_missing(files, "names files that no batch read")?;
        let extra: Vec<&str> = files
            .iter()
            .map(|f| f.path.as_str())
            .filter(|p| !self.paths.contains(*p))
            .collect();
        self.refuse(&extra, "does not name files the batches read")
    }

    fn none_missing(&self, files: &[InputFile], why: &str) -> Result<(), ConfigError> {
        let found: BTreeSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
        let missing: Vec<&str> = self
            .paths
            .iter()
            .map(String::as_str)
            .filter(|p| !found.contains(p))
            .collect();
        self.refuse(&missing, why)
    }

    /// An error naming `paths` (at most [`NAMED`] of them), if any.
    fn refuse(&self, paths: &[&str], why: &str) -> Result<(), ConfigError> {
        if paths.is_empty() {
            return Ok(());
        }
        let more = match paths.len().saturating_sub(NAMED) {
            0 => String::new(),
            n => format!(" and {n} more"),
        };
        Err(ConfigError {
            file: self.list.clone(),
            message: format!(
                "{why}: {}{more}",
                paths
                    .iter()
                    .take(NAMED)
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        })
    }
}
