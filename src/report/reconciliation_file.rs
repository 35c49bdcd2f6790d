//! `reconciliation.csv` (and `.parquet`) written part by part: a run in
//! parts (see `partition`) writes its reconciliation range by range, in
//! the order one run writes it, into a folder beside the output folder,
//! and moves the finished files into the staging folder with the other
//! outputs.

use std::io::Write;
use std::path::Path;

use anyhow::{Context, Result};
use polars::prelude::*;

/// The reconciliation of a partitioned run, written range by range into
/// a folder beside the output folder and moved into the staging folder
/// with the other outputs ([`ReconciliationFile::move_into`]).
pub struct ReconciliationFile {
    dir: tempfile::TempDir,
    csv: Option<std::io::BufWriter<std::fs::File>>,
    parquet: Option<super::parquet_out::RowGroups<std::fs::File>>,
    /// Rows written.
    pub rows: u64,
    /// The rows themselves while they fit the workbook's Reconciliation
    /// sheet (so the sheet is the one a single run writes); `None` after.
    pub kept: Option<DataFrame>,
    /// The rows that need action, the first up to the sheet's cap: what
    /// the sheet lists once there are too many rows to keep, picked range
    /// by range as one run picks them from the whole (`xlsx::needs_action`).
    pub needing_action: DataFrame,
    /// How many rows need action in all.
    pub needing_action_rows: u64,
}

const CSV: &str = "reconciliation.csv";
const PARQUET: &str = "reconciliation.parquet";

impl ReconciliationFile {
    /// A new folder inside `beside` (the output folder's parent, so that
    /// moving the files in is a rename) for the parts' pieces and the
    /// reconciliation.
    pub fn new(beside: &Path) -> Result<ReconciliationFile> {
        std::fs::create_dir_all(beside)
            .with_context(|| format!("cannot create {}", beside.display()))?;
        let dir = tempfile::Builder::new()
            .prefix(".ksef-recon-parts-")
            .tempdir_in(beside)
            .with_context(|| {
                format!(
                    "cannot create a folder for the parts in {}",
                    beside.display()
                )
            })?;
        Ok(ReconciliationFile {
            dir,
            csv: None,
            parquet: None,
            rows: 0,
            kept: None,
            needing_action: DataFrame::empty(),
            needing_action_rows: 0,
        })
    }

    /// Where the parts' pieces go.
    pub fn pieces(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the reconciliation's files, with the columns of `empty`.
    pub fn begin(&mut self, formats: super::parquet_out::Formats, empty: &DataFrame) -> Result<()> {
        if formats.csv {
            let file = std::fs::File::create(self.dir.path().join(CSV))?;
            let mut out = std::io::BufWriter::with_capacity(4 << 20, file);
            super::csv_out::write_header(empty, &mut out)?;
            self.csv = Some(out);
        }
        if formats.parquet {
            let file = std::fs::File::create(self.dir.path().join(PARQUET))?;
            self.parquet = Some(super::parquet_out::RowGroups::new(file, empty)?);
        }
        self.kept = Some(empty.clone());
        self.needing_action = empty.clone();
        Ok(())
    }

    /// Appends the next rows, in output order; `exceptions` holds (at
    /// least) the seller NIP and invoice number of every exception about
    /// them.
    pub fn write(&mut self, rows: &DataFrame, exceptions: &DataFrame) -> Result<()> {
        if let Some(out) = &mut self.csv {
            super::csv_out::write_rows(rows, &super::NUMERIC, out)?;
        }
        if let Some(parquet) = &mut self.parquet {
            parquet.write(rows)?;
        }
        self.rows += rows.height() as u64;
        let limit = super::xlsx::RECONCILIATION_SHEET_MAX_ROWS;
        match &mut self.kept {
            Some(kept) if self.rows <= limit as u64 => {
                kept.vstack_mut(rows)?;
            }
            _ => self.kept = None,
        }
        let picked = super::xlsx::needs_action(rows, exceptions)?;
        self.needing_action_rows += picked.height() as u64;
        let room = limit.saturating_sub(self.needing_action.height());
        if room > 0 {
            self.needing_action.vstack_mut(&picked.head(Some(room)))?;
        }
        Ok(())
    }

    /// Finishes the files and syncs them to disk, as the staging folder
    /// does with every file it writes, since they are moved in, not
    /// written there.
    pub fn finish(&mut self) -> Result<()> {
        if let Some(mut out) = self.csv.take() {
            out.flush()?;
        }
        if let Some(parquet) = self.parquet.take() {
            parquet.finish()?;
        }
        for name in [CSV, PARQUET] {
            let path = self.dir.path().join(name);
            if path.exists() {
                std::fs::File::open(&path)
                    .and_then(|f| f.sync_all())
                    .with_context(|| format!("cannot sync {}", path.display()))?;
            }
        }
        Ok(())
    }

    /// Moves the finished files into the staging folder.
    pub fn move_into(&self, staging: &super::atomic::Staging) -> Result<()> {
        for name in [CSV, PARQUET] {
            let from = self.dir.path().join(name);
            if from.exists() {
                std::fs::rename(&from, staging.path(name)).with_context(|| {
                    format!("cannot move {} into the output folder", from.display())
                })?;
            }
        }
        Ok(())
    }
}
