//! A bundle matched in parts (planned and cut by `partition`): the home
//! part, then every range, each loaded, matched and checked on its own.
//! The reconciliation is written range by range, with the home invoices of
//! the range merged in, in the order one run writes it; the findings,
//! counts and the invoices the reports read are gathered from the parts
//! and the outputs built once, as one run builds them.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use polars::prelude::*;

use super::assemble::{Outputs, Written, assemble};
use super::job::Job;
use super::stages::{self, Checked};
use crate::contract::Source;
use crate::frame::compact;
use crate::ingest::{self, Bundle};
use crate::partition::{Part, Plan};
use crate::progress::Stage;
use crate::report::reconciliation_file::ReconciliationFile;
use crate::report::run_json::{Counts, Made};
use crate::report::summary::InvoiceDigest;
use crate::{report, rules};

/// `run` on a bundle cut into parts by `plan`.
pub fn outputs(job: &Job<'_>, plan: &Plan) -> Result<Outputs> {
    let started = crate::clock::now_utc_text();
    crate::memory::fit_pages_to(job.input);
    let params = job.params();
    let mut file = ReconciliationFile::new(&beside(job.out))?;
    let pieces = file.pieces().to_path_buf();
    let split = split(job, plan, &pieces)?;
    let read = |part: Part| {
        let _stage = Stage::start("reading the part");
        plan.part_bundle(&split, part, &pieces)
    };
    let home = stages::check(read(Part::Home)?, &params)
        .context("the home part (offline, UPO and archive invoices)")?;
    let mut gathered = Gathered::start(home, &mut file, job)?;
    for i in 0..plan.ranges() {
        let part = stages::check(read(Part::Range(i))?, &params)
            .with_context(|| format!("range {} of {}", i + 1, plan.ranges()))?;
        gathered.add(part, plan.in_range(i), &mut file, job)?;
    }
    drop(split);
    let (home, reconciliation, counts, digest) = gathered.finish(&mut file, job)?;
    let _stage = Stage::start("building the reports");
    let made = Made {
        started,
        as_of: job.as_of,
        config: job.config,
    };
    // The home part's bundle has the split load's file records, rejected
    // rows and provided sources, which read every file once.
    let mut outputs = assemble(home, reconciliation, counts, made)?;
    outputs.written = Some(Written { file, digest });
    Ok(outputs)
}

/// The folder the parts' working folder is made in: the output folder's
/// parent, so that moving the finished files in is a rename.
fn beside(out: &Path) -> PathBuf {
    match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Loads the bundle once, cutting each ledger and KSeF file into the
/// parts' pieces in `pieces` as it is read.
fn split(job: &Job<'_>, plan: &Plan, pieces: &Path) -> Result<Bundle> {
    let _stage = Stage::start("loading the bundle into parts");
    let split_file =
        |source: Source, file: usize, df: DataFrame| plan.split(source, file, df, pieces);
    ingest::load_with(job.input, job.config, &Source::ALL, Some(&split_file))
}

/// What the parts add up to, gathered range by range.
struct Gathered {
    /// The home part, whose invoice table gains the ranges' invoices the
    /// reports read.
    home: Checked,
    /// The home part's reconciliation rows, placed into the ranges.
    home_rows: DataFrame,
    home_rows_placed: usize,
    digest: InvoiceDigest,
    counts: Counts,
    findings: Vec<LazyFrame>,
    /// The ranges' invoices the month scopes of completeness.csv read.
    month_scoped: Vec<DataFrame>,
    /// The reconciliation rows an evidence pack's scope picks.
    picked: Vec<DataFrame>,
    /// The keys of the home part's exceptions: its invoices' rows are
    /// written with the ranges', which pick the rows that need action.
    home_flagged: DataFrame,
}

/// An invoice's key columns.
const KEY: [&str; 2] = ["seller_nip", "invoice_number"];

impl Gathered {
    fn start(home: Checked, file: &mut ReconciliationFile, job: &Job<'_>) -> Result<Gathered> {
        let home_rows = report::reconciliation(&home.matched)?;
        file.begin(job.formats, &home_rows.clear())?;
        Ok(Gathered {
            home_flagged: report::exceptions(&home.findings.all)?.select(KEY)?,
            digest: InvoiceDigest::of(&home_rows)?,
            counts: Counts::of(&home.matched, &home.queries)?,
            findings: vec![home.findings.all.clone().lazy()],
            home,
            home_rows,
            home_rows_placed: 0,
            month_scoped: Vec::new(),
            picked: Vec::new(),
        })
    }

    /// Adds one range (`in_range` picks its keys): its reconciliation rows
    /// with the home part's of the range are written, its findings about
    /// invoices kept (keyless ones come from the home part only).
    fn add(
        &mut self,
        part: Checked,
        in_range: Expr,
        file: &mut ReconciliationFile,
        job: &Job<'_>,
    ) -> Result<()> {
        let rows = report::reconciliation(&part.matched)?;
        self.digest.append(&InvoiceDigest::of(&rows)?)?;
        self.counts.add(Counts::of(&part.matched, &part.queries)?);
        let rows = self.with_home_rows(rows, in_range)?;
        let mut flagged = report::exceptions(&part.findings.all)?.select(KEY)?;
        flagged.vstack_mut(&self.home_flagged)?;
        file.write(&rows, &flagged)?;
        if let Some(pick) = &job.pick {
            self.picked
                .push(compact(rows.lazy().filter(pick.clone()).collect()?)?);
        }
        let about_invoices = part
            .findings
            .all
            .lazy()
            .filter(col("invoice_number").is_not_null())
            .collect()?;
        self.findings.push(compact(about_invoices)?.lazy());
        self.month_scoped
            .push(compact(report::month_scoped(&part.matched.invoices)?)?);
        // The worklist of JPK corrections reads every part's return rows.
        self.home
            .matched
            .jpk_rows
            .vstack_mut(&part.matched.jpk_rows)?;
        Ok(())
    }

    /// A range's rows with the home part's rows of the range merged in, in
    /// key order.
    fn with_home_rows(&mut self, rows: DataFrame, in_range: Expr) -> Result<DataFrame> {
        let theirs = self.home_rows.clone().lazy().filter(in_range).collect()?;
        self.home_rows_placed += theirs.height();
        if theirs.height() == 0 {
            return Ok(rows);
        }
        Ok(concat([theirs.lazy(), rows.lazy()], UnionArgs::default())?
            .sort(
                ["seller_nip", "invoice_number"],
                SortMultipleOptions::default(),
            )
            .collect()?)
    }

    /// The home part with every finding and the invoices the reports read,
    /// the reconciliation frame the outputs hold, the counts and digest.
    fn finish(
        mut self,
        file: &mut ReconciliationFile,
        job: &Job<'_>,
    ) -> Result<(Checked, DataFrame, Counts, InvoiceDigest)> {
        anyhow::ensure!(
            self.home_rows_placed == self.home_rows.height(),
            "{} of the home part's {} invoices fell in no range",
            self.home_rows.height() - self.home_rows_placed,
            self.home_rows.height()
        );
        file.finish()?;
        let all = concat(std::mem::take(&mut self.findings), UnionArgs::default())?.collect()?;
        self.home.findings.all = rules::sorted(&all)?;
        for rows in std::mem::take(&mut self.month_scoped) {
            self.home.matched.invoices.vstack_mut(&rows)?;
        }
        self.home.queries.refresh_invoices(&self.home.matched)?;
        let jpk_rows = self.home.matched.jpk_rows.clone().lazy();
        self.home.queries.register_shared("jpk_rows", jpk_rows);
        let reconciliation = match &job.pick {
            Some(_) => {
                let mut all = self.home_rows.clear();
                for rows in self.picked {
                    all.vstack_mut_owned(rows)?;
                }
                all
            }
            None => match file.kept.take() {
                Some(kept) => kept,
                None => std::mem::replace(&mut file.needing_action, DataFrame::empty()),
            },
        };
        Ok((self.home, reconciliation, self.counts, self.digest))
    }
}
