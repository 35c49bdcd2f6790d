//! The run, stage by stage: what `ksef-recon run` and `ksef-recon evidence`
//! do with a bundle.
//!
//! ```text
//! load (ingest) -> match (matching) -> rules (rules) -> reports (report) -> write
//! ```
//!
//! One place ([`outputs`]) chooses whether the bundle is matched in one run
//! in memory ([`one`]) or in parts ([`parts`], planned and cut by
//! `partition`); both give the same [`Outputs`], built by the same
//! [`assemble`]. [`run`] then updates the exception register and writes the
//! outputs into `--out` at once ([`write`]). `report` ([`results`]) writes
//! the same outputs from another engine's results.

mod assemble;
mod job;
mod one;
mod parts;
mod results;
mod run;
mod stages;
mod write;

pub use assemble::{Outputs, Written};
pub use job::{Job, RunOptions, RunSummary};
pub use one::outputs_of_invoice;
pub use results::{ReportOptions, report};
pub use run::{outputs, run};
