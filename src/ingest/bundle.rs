//! The loaded bundle: one typed table per source, the files it was read
//! from as `run.json` reports them, and the rows that could not be used.

use std::collections::BTreeMap;

use anyhow::{Result, bail};
use polars::prelude::*;

use super::extract;
use super::input::Rejection;
use super::reader::Counts;
use super::table::TableBuilder;
use crate::contract::Source;

/// One input file as `run.json` reports it.
#[derive(Debug, Clone)]
pub struct InputFile {
    pub path: String,
    pub source: &'static str,
    pub sha256: String,
    pub bytes: u64,
    pub counts: Counts,
    pub error: Option<String>,
    /// A KSeF metadata file's completeness flags and record span.
    pub extract: Option<extract::ExtractFile>,
    /// A JPK_V7 ledger file's header: the return it is.
    pub jpk: Option<crate::documents::jpk::JpkHeader>,
}

/// The loaded bundle.
pub struct Bundle {
    /// One table per source that the bundle provides.
    pub tables: BTreeMap<Source, DataFrame>,
    /// Optional parts that are absent, by their bundle location, and those
    /// given with nothing usable, with why.
    pub not_provided: Vec<String>,
    pub files: Vec<InputFile>,
    pub rejected: Vec<Rejection>,
    /// Sources whose tables were dropped after use (see `release`).
    pub released: Vec<Source>,
}

impl Bundle {
    /// The table of a source, or an empty one with the right columns.
    pub fn table(&self, source: Source) -> Result<DataFrame> {
        if self.released.contains(&source) {
            bail!("the {} table was released after matching", source.name());
        }
        match self.tables.get(&source) {
            Some(df) => Ok(df.clone()),
            None => Ok(TableBuilder::new(source.fields()).finish()?),
        }
    }

    /// Moves rows that a later check refused (e.g. resolutions) from used to
    /// rejected, keeping rows read = used + rejected for their files.
    pub fn reject_rows(&mut self, rows: Vec<Rejection>) {
        for row in rows {
            if let Some(f) = self
                .files
                .iter_mut()
                .find(|f| f.path == row.file && f.source == row.source)
            {
                f.counts.used = f.counts.used.saturating_sub(1);
                f.counts.rejected += 1;
            }
            self.rejected.push(row);
        }
    }

    /// The KSeF metadata extract judged as a whole (see [`extract`]);
    /// `through` is the configured `ksef_extract_through`.
    pub fn extract(&self, through: Option<chrono::NaiveDateTime>) -> extract::Extract {
        let files: Vec<extract::ExtractFile> = self
            .files
            .iter()
            .filter_map(|f| f.extract.clone())
            .collect();
        extract::Extract::judge(self.has(Source::KsefMetadata), &files, through)
    }

    pub fn has(&self, source: Source) -> bool {
        self.tables.contains_key(&source) || self.released.contains(&source)
    }

    /// Drops the tables of `sources` once nothing will read them again;
    /// `has` still says they were provided, `table` refuses them.
    pub fn release(&mut self, sources: &[Source]) {
        for source in sources {
            if self.tables.remove(source).is_some() {
                self.released.push(*source);
            }
        }
    }
}
