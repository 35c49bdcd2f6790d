//! Integration tests: the `ksef-recon` binary on bundles in `fixtures/` and
//! on small bundles written by the tests themselves.

mod bad_corpus;
mod bad_input;
mod basis;
mod batches;
mod corrections;
mod dashboard;
mod deadline_cmd;
mod demo;
mod dialect;
mod documents;
mod evidence;
mod explain;
mod exposure;
mod generate;
mod governance;
mod injection;
mod invariants;
mod jpk;
mod lang;
mod layout;
mod matching_sql;
mod nightly;
mod parquet;
mod partition;
mod proof;
mod real;
mod register;
mod report;
mod scenario;
mod spark;
mod support;
mod tables;
mod values;
mod workbook;
