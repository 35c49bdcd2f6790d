//! The exception register's share of a pack (`evidence --state DIR`): the
//! register rows of the scope's findings, invoices and decisions, their
//! history rows byte for byte, and the history's head, so the pack shows
//! which trail it came from. The register is verified first, as a run
//! verifies it; a broken one stops the pack.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, bail};
use polars::prelude::*;

use crate::register::{self, chain};
use crate::report::{Frames, csv_out};

/// Where the register's files go inside the pack.
pub const REGISTER_DIR: &str = "register";

/// Reads and verifies the register in `dir` (before the pipeline runs, so
/// a broken register stops the pack early).
pub fn load(dir: &Path) -> Result<register::Stored> {
    if !dir.join(register::store::REGISTER_FILE).is_file() {
        bail!("--state {}: no register there", dir.display());
    }
    let stored = register::store::read(dir)?;
    if stored.legacy {
        bail!(
            "--state {}: the register was made before v1.2 and has no hash chain; run `ksef-recon run` once to upgrade it",
            dir.display()
        );
    }
    Ok(stored)
}

/// Refuses a register of another company, as `run` does (exit 2), when a
/// register is given (`--state`): the bundle's sellers (`recon.toml`'s,
/// else its ledger's) must share a NIP with the register's.
pub fn check_company(
    stored: Option<&register::Stored>,
    dir: Option<&Path>,
    configured: &[String],
    ledger: &BTreeSet<String>,
) -> Result<()> {
    let (Some(stored), Some(dir)) = (stored, dir) else {
        return Ok(());
    };
    let Some(known) = register::replay::sellers(&stored.chain) else {
        return Ok(());
    };
    let (sellers, source_of) = if configured.is_empty() {
        (ledger.clone(), "ledger")
    } else {
        (configured.iter().cloned().collect(), "configuration")
    };
    register::trail::belongs(&known, &sellers, source_of, dir)?;
    Ok(())
}

/// The pack entries of a register for the scope of `frames`.
pub fn entries(stored: &register::Stored, frames: &Frames) -> Result<BTreeMap<String, Vec<u8>>> {
    let rows = scope_rows(&stored.register, frames)?;
    let ids: HashSet<&str> = rows
        .column("exception_id")?
        .str()?
        .iter()
        .flatten()
        .collect();
    let chain = &stored.chain;
    let picked: Vec<usize> = (0..chain.rows.len())
        .filter(|i| ids.contains(chain.rows[*i].exception_id.as_str()))
        .collect();
    let mut out = BTreeMap::new();
    let mut register_csv = Vec::new();
    csv_out::write(&rows, &[], &mut register_csv)?;
    out.insert(format!("{REGISTER_DIR}/register.csv"), register_csv);
    let mut history = format!("{}\n", chain::HEADER).into_bytes();
    for i in &picked {
        history.extend_from_slice(&chain.lines[*i]);
    }
    out.insert(format!("{REGISTER_DIR}/history.csv"), history);
    out.insert(
        format!("{REGISTER_DIR}/head.txt"),
        head_text(stored, rows.height(), &picked).into_bytes(),
    );
    Ok(out)
}

/// Register rows whose exception is among the scope's findings, or whose
/// invoice or decision is in the scope (findings since cleared included).
fn scope_rows(register: &DataFrame, frames: &Frames) -> Result<DataFrame> {
    let set = |df: &DataFrame, c: &str| -> Result<HashSet<String>> {
        Ok(df
            .column(c)?
            .str()?
            .iter()
            .flatten()
            .map(str::to_string)
            .collect())
    };
    let exceptions = set(&frames.exceptions, "exception_id")?;
    let decisions = set(&frames.decisions, "decision_id")?;
    let rec = &frames.reconciliation;
    let invoices: HashSet<(String, String)> = rec
        .column("seller_nip")?
        .str()?
        .iter()
        .zip(rec.column("invoice_number")?.str()?.iter())
        .filter_map(|(s, n)| Some((s?.to_string(), n?.to_string())))
        .collect();
    let col = |c: &str| -> Result<StringChunked> { Ok(register.column(c)?.str()?.clone()) };
    let (ids, sellers, numbers, decided) = (
        col("exception_id")?,
        col("seller_nip")?,
        col("invoice_number")?,
        col("decision_id")?,
    );
    let keep: Vec<bool> = (0..register.height())
        .map(|i| {
            ids.get(i).is_some_and(|id| exceptions.contains(id))
                || decided.get(i).is_some_and(|d| decisions.contains(d))
                || match (sellers.get(i), numbers.get(i)) {
                    (Some(s), Some(n)) => invoices.contains(&(s.to_string(), n.to_string())),
                    _ => false,
                }
        })
        .collect();
    Ok(register.filter(&BooleanChunked::from_slice("keep".into(), &keep))?)
}

/// `head.txt`: the head of the whole history, the register's sellers, and
/// for each history row in the pack its row number, the hash of the row
/// before it and its own, so each row's hash can be recomputed from the
/// pack alone and the head compared with one kept elsewhere.
fn head_text(stored: &register::Stored, rows: usize, picked: &[usize]) -> String {
    let chain = &stored.chain;
    let sellers = register::replay::sellers(chain)
        .map(|s| s.into_iter().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let last = register::last_as_of(&stored.register)
        .ok()
        .flatten()
        .map_or("never".to_string(), |d| d.to_string());
    let mut text = format!(
        "Exception register (the --state folder given to `ksef-recon evidence`)\n\
history.csv: {n} rows, head {head}\n\
sellers: {sellers}\n\
last updated as of: {last}\n\
register.csv here: the {rows} register rows of this scope\n\
history.csv here: the {m} history rows of those exceptions, byte for byte\n\
\n\
Each history row's hash is the SHA-256 of the previous row's hash (64 hex\n\
characters) followed by the row's bytes up to its last comma. The head must\n\
equal the one `ksef-recon verify-register --state DIR` prints for the\n\
register, and one kept apart (a nightly log, an earlier pack).\n\
\n\
row previous_hash hash\n",
        n = chain.rows.len(),
        head = chain.head(),
        m = picked.len(),
    );
    for i in picked {
        let previous = if *i == 0 {
            chain::GENESIS
        } else {
            chain.hashes[i - 1].as_str()
        };
        let _ = writeln!(text, "{} {previous} {}", i + 1, chain.hashes[*i]);
    }
    text
}
