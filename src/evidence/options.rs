//! What `evidence` is asked for and what it reports back: the types the
//! command line, the build and the pack's README share.

use std::path::PathBuf;

use chrono::NaiveDate;

use super::scope::Scope;
use crate::config::Config;

/// Everything `evidence` needs, resolved from the command line.
#[derive(Debug, Clone)]
pub struct EvidenceOptions {
    pub input: PathBuf,
    pub out: PathBuf,
    pub as_of: NaiveDate,
    pub config: Config,
    pub scope: Scope,
    /// The exception register whose rows of the scope go into the pack.
    pub state: Option<PathBuf>,
}

/// What was packed, for the summary line.
#[derive(Debug, Clone)]
pub struct PackSummary {
    pub files: usize,
    pub invoices: usize,
    pub exceptions: usize,
    pub bytes: usize,
}
