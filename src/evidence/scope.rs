//! Which share of a run's outputs belongs to one decision or one month, and
//! which raw input files prove it.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Result, anyhow, bail};
use polars::prelude::*;

use crate::ingest::files;
use crate::report::Frames;
use crate::report::run_json::FileJson;

/// What an evidence pack covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Invoices whose `decision_id` is this id.
    Decision(String),
    /// `YYYY-MM`: offline invoices (mode not `online`) and online invoices
    /// sent after their issue date, issued in that month.
    Month(String),
}

impl Scope {
    pub fn kind(&self) -> &'static str {
        match self {
            Scope::Decision(_) => "decision",
            Scope::Month(_) => "month",
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Scope::Decision(id) | Scope::Month(id) => id,
        }
    }
}

use crate::report::summary::strings as text;

fn keep(df: &DataFrame, mut row: impl FnMut(usize) -> bool) -> Result<DataFrame> {
    let mask: BooleanChunked = (0..df.height()).map(|i| Some(row(i))).collect();
    Ok(df.filter(&mask)?)
}

/// The frames of a scope and the bundle files that prove its invoices: each
/// in-scope invoice's archived FA(3) file and UPO receipt, as matched by
/// content during reconciliation (`archive_file`, `upo_file`).
pub struct InScope {
    pub frames: Frames,
    pub documents: BTreeSet<String>,
}

/// The reconciliation rows of a scope, as a polars filter on the text
/// reconciliation frame: what [`filter`] keeps of it, and what a
/// partitioned run holds of it (`crate::partition::Job::pick`).
pub fn rows_of(scope: &Scope) -> Expr {
    match scope {
        Scope::Decision(id) => col("decision_id").eq(lit(id.as_str())),
        Scope::Month(m) => {
            let month_ok = col("issue_date")
                .str()
                .slice(lit(0), lit(7))
                .eq(lit(m.as_str()));
            let offline = col("mode").neq(lit("online"));
            let late_online = col("mode")
                .eq(lit("online"))
                .and(col("submitted_on").gt(col("issue_date")));
            month_ok.and(offline.or(late_online))
        }
    }
}

/// Filters every frame to the scope. An unknown decision id is an error: an
/// auditor asking for it should hear that it does not exist, not get an
/// empty pack.
pub fn filter(frames: &Frames, scope: &Scope) -> Result<InScope> {
    let reconciliation = frames
        .reconciliation
        .clone()
        .lazy()
        .filter(rows_of(scope))
        .collect()?;
    let rec = &reconciliation;
    let (seller, number, decision) = (
        text(rec, "seller_nip")?,
        text(rec, "invoice_number")?,
        text(rec, "decision_id")?,
    );
    let mut keys = BTreeSet::new();
    let mut decisions = BTreeSet::new();
    let mut documents = BTreeSet::new();
    let (archive_file, upo_file) = (text(rec, "archive_file")?, text(rec, "upo_file")?);
    for i in 0..rec.height() {
        let n = number.get(i).unwrap_or("").to_string();
        keys.insert((seller.get(i).unwrap_or("").to_string(), n));
        documents.extend(archive_file.get(i).map(str::to_string));
        documents.extend(upo_file.get(i).map(str::to_string));
        if let Some(d) = decision.get(i) {
            decisions.insert(d.to_string());
        }
    }
    if let Scope::Decision(id) = scope {
        let known = text(&frames.decisions, "decision_id")?
            .iter()
            .any(|d| d == Some(id.as_str()));
        if !known && reconciliation.height() == 0 {
            bail!("no decision {id} in the bundle's offline/decisions or offline log");
        }
        decisions.insert(id.clone());
    }

    let ex = &frames.exceptions;
    let (ex_seller, ex_number, ex_decision) = (
        text(ex, "seller_nip")?,
        text(ex, "invoice_number")?,
        text(ex, "decision_id")?,
    );
    let exceptions = keep(ex, |i| match ex_number.get(i) {
        Some(n) => keys.contains(&(ex_seller.get(i).unwrap_or("").to_string(), n.to_string())),
        None => ex_decision.get(i).is_some_and(|d| decisions.contains(d)),
    })?;

    let comp = &frames.completeness;
    let (c_scope, c_id) = (text(comp, "scope")?, text(comp, "scope_id")?);
    let completeness = keep(comp, |i| {
        let id = c_id.get(i).unwrap_or("");
        match (c_scope.get(i), scope) {
            (Some("decision"), _) => decisions.contains(id),
            (Some(_), Scope::Month(m)) => id == m,
            _ => false,
        }
    })?;
    let dec_id = text(&frames.decisions, "decision_id")?;
    let decision_rows = keep(&frames.decisions, |i| {
        dec_id.get(i).is_some_and(|d| decisions.contains(d))
    })?;
    let resp_id = text(&frames.responsibility, "decision_id")?;
    let responsibility = keep(&frames.responsibility, |i| {
        resp_id.get(i).is_some_and(|d| decisions.contains(d))
    })?;
    let jpk_corrections = jpk_in_scope(&frames.jpk_corrections, scope, &keys)?;
    Ok(InScope {
        frames: Frames {
            exceptions,
            reconciliation,
            completeness,
            rejected: frames.rejected.clear(),
            responsibility,
            decisions: decision_rows,
            jpk_corrections,
            rates: frames.rates.clone(),
        },
        documents,
    })
}

/// The worklist of JPK corrections in scope: a month's returns (the period
/// is the month) whole; for a decision, the rows of its invoices with the
/// `period` entries of their returns.
fn jpk_in_scope(
    worklist: &DataFrame,
    scope: &Scope,
    keys: &BTreeSet<(String, String)>,
) -> Result<DataFrame> {
    let (entry, seller, period, number) = (
        text(worklist, "entry")?,
        text(worklist, "seller_nip")?,
        text(worklist, "period")?,
        text(worklist, "invoice_number")?,
    );
    let row_in = |i: usize| {
        let key = (
            seller.get(i).unwrap_or("").to_string(),
            number.get(i).unwrap_or("").to_string(),
        );
        entry.get(i) == Some("row") && keys.contains(&key)
    };
    let periods: BTreeSet<(Option<&str>, Option<&str>)> = (0..worklist.height())
        .filter(|&i| row_in(i))
        .map(|i| (seller.get(i), period.get(i)))
        .collect();
    keep(worklist, |i| match scope {
        Scope::Month(m) => period.get(i) == Some(m.as_str()),
        _ => row_in(i) || periods.contains(&(seller.get(i), period.get(i))),
    })
}

/// The raw input files that prove a scope, as (path in the bundle, bytes),
/// sorted by path: the decisions and every announcement file (as hashed in
/// `run.json`), and the archived FA(3) file and UPO receipt of every
/// in-scope invoice. Only files the run itself read are packed, so nothing
/// outside the bundle can enter the pack.
pub fn documents_for_scope(
    bundle: &Path,
    input_files: &[FileJson],
    documents: &BTreeSet<String>,
) -> Result<Vec<(String, Vec<u8>)>> {
    // A file refused unread (a link, an oversized file) has no hash and is
    // never read for the pack either.
    let input_files: Vec<&FileJson> = input_files
        .iter()
        .filter(|f| !f.sha256.is_empty())
        .collect();
    let read: BTreeSet<&str> = input_files.iter().map(|f| f.path.as_str()).collect();
    let paths: BTreeSet<String> = input_files
        .iter()
        .map(|f| f.path.clone())
        .filter(|p| p.starts_with("offline/decisions.") || p.starts_with("announcements/"))
        .chain(
            documents
                .iter()
                .filter(|d| read.contains(d.as_str()))
                .cloned(),
        )
        .collect();
    paths
        .into_iter()
        .map(|rel| {
            let bytes = files::read_bundle_file(&bundle.join(&rel), files::MAX_TABLE_BYTES)
                .map_err(|r| anyhow!("cannot read {rel} in the bundle: {}", r.reason))?;
            Ok((rel, bytes))
        })
        .collect()
}
