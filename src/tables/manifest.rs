//! `manifest.json`: what the folder holds, so that a job reading it checks
//! the tables and their types before it trusts them, and knows which input
//! files (by SHA-256, as `run.json` lists them) they were made from.
//!
//! Nothing in it depends on the time or the machine: two exports of the
//! same bundle give the same bytes.

use std::collections::BTreeMap;

use serde::Serialize;

use super::typed::type_name;
use crate::ingest::InputFile;
use crate::report::run_json::{self, FileJson};

/// The manifest's file name, which also marks a folder as ours (see
/// `report::atomic::Staging::begin_marked`).
pub const NAME: &str = "manifest.json";

#[derive(Serialize)]
pub struct Manifest {
    pub tool: &'static str,
    pub version: &'static str,
    pub as_of: String,
    /// The files `--files` listed; absent for a whole bundle.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch: Option<Vec<String>>,
    pub tables: Vec<TableJson>,
    /// Tables this export leaves out, with why.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub not_written: BTreeMap<&'static str, &'static str>,
    /// The input files read, as `run.json` lists them.
    pub files: Vec<FileJson>,
}

#[derive(Serialize)]
pub struct TableJson {
    pub name: String,
    pub file: String,
    pub rows: u64,
    pub columns: Vec<ColumnJson>,
}

#[derive(Serialize)]
pub struct ColumnJson {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
}

impl TableJson {
    /// The entry of a table written as `<name>.parquet`.
    pub fn of(name: &str, df: &polars::prelude::DataFrame) -> TableJson {
        TableJson {
            name: name.to_string(),
            file: format!("{name}.parquet"),
            rows: df.height() as u64,
            columns: df
                .columns()
                .iter()
                .map(|c| ColumnJson {
                    name: c.name().to_string(),
                    kind: type_name(c.dtype()),
                })
                .collect(),
        }
    }
}

/// The input files' entries, sorted by path as in `run.json`.
pub fn files(files: &[InputFile]) -> Vec<FileJson> {
    run_json::files(files)
}
