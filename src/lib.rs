//! ksef-recon: proves that every invoice issued outside the normal KSeF path
//! reached KSeF in time, or shows who must act.
//!
//! The pipeline of `ksef-recon run` ([`pipeline`]), stage by stage, each a
//! module one layer above the one before:
//!
//! 1. [`ingest`]: load the bundle: ledger, offline log, decisions,
//!    announcements, KSeF metadata, UPOs, the archive and the access log
//!    become typed tables; what cannot be read is rejected with file, line
//!    and reason.
//! 2. [`matching`]: match them into one row per invoice with its issue
//!    date, mode, offline period, legal deadline ([`deadline`], counted in
//!    Polish business days by [`calendar`]) and status.
//! 3. [`rules`]: run each exception rule of `queries/rules/` over the
//!    matched tables.
//! 4. [`report`]: build the outputs (exceptions, reconciliation,
//!    completeness, rejected rows, `ageing.xlsx`, `dashboard.html`,
//!    `run.json`); [`register`] keeps the exceptions across runs.
//! 5. [`pipeline`] writes them all at once.
//!
//! A bundle too large to match in memory at once goes through the same
//! stages in parts ([`partition`] plans and cuts them), whose outputs are
//! joined into the files one run would write. [`evidence`] packs one
//! decision's or month's share of the outputs for an auditor; [`explain`]
//! tells one invoice's story from its input rows; [`tables`] writes what
//! the run reads as typed Parquet for another engine, and
//! [`pipeline::report`] makes the run's outputs from that engine's
//! results. The words of
//! the contract (statuses, modes, severities) are types in [`contract`];
//! the words people read (the dashboard, the workbook, `explain`, the
//! pack's README) come from one table per language in [`lang`].
//!
//! The rules for all of it are stated in `docs/` (`docs/rules.md` for
//! deadlines, statuses and exception codes; `docs/inputs.md` and
//! `docs/outputs.md` for the files; `docs/development.md` for the layers).

pub mod calendar;
pub mod clock;
pub mod config;
pub mod contract;
pub mod deadline;
pub mod deadline_command;
pub mod documents;
pub mod evidence;
pub mod explain;
pub mod frame;
pub mod generate;
pub mod ingest;
pub mod lang;
pub mod matching;
pub mod memory;
pub mod partition;
pub mod pipeline;
pub mod progress;
pub mod register;
pub mod report;
pub mod rules;
pub mod sql;
pub mod tables;
pub mod validate;

pub use pipeline::{Job, Outputs, RunOptions, RunSummary, run};
