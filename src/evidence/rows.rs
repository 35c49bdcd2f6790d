//! Which rows of the bundle's tabular sources belong to a scope, by file
//! and line. The run keeps no row-level tables once it has matched, so the
//! sources are read again here, each file's table cut down to the scope's
//! lines as soon as it is made (as a partitioned run keeps its part), which
//! holds whole only the files being read. What is written of those lines:
//! `super::extract`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use polars::prelude::*;

use crate::config::Config;
use crate::contract::Source;
use crate::documents::hash::sha256_hex;
use crate::ingest::{self, files};
use crate::report::Frames;
use crate::report::run_json::FileJson;
use crate::report::summary::strings as text;

/// The sources whose scope's rows a pack holds as extracts; decisions and
/// announcements go in whole (`super::scope::documents_for_scope`).
pub const SOURCES: [Source; 5] = [
    Source::Ledger,
    Source::OfflineLog,
    Source::KsefMetadata,
    Source::Activity,
    Source::Grants,
];

/// What names a scope's rows in those sources.
#[derive(Debug, Default)]
pub struct Keys {
    /// (seller_nip, invoice_number) of every invoice in scope: its ledger,
    /// offline-log and KSeF metadata rows.
    invoices: BTreeSet<(String, String)>,
    /// The decisions in scope: activity rows under them.
    decisions: BTreeSet<String>,
    /// Invoice numbers, decision ids and exception ids in scope: activity
    /// rows whose object is one of them (an invoice issued, a decision
    /// approved or closed, an exception approved).
    objects: BTreeSet<String>,
}

impl Keys {
    /// The keys of a scope's frames (`super::scope::filter`).
    pub fn of(frames: &Frames) -> Result<Keys> {
        let mut keys = Keys::default();
        let rec = &frames.reconciliation;
        let (seller, number, decision) = (
            text(rec, "seller_nip")?,
            text(rec, "invoice_number")?,
            text(rec, "decision_id")?,
        );
        for i in 0..rec.height() {
            if let (Some(s), Some(n)) = (seller.get(i), number.get(i)) {
                keys.invoices.insert((s.to_string(), n.to_string()));
                keys.objects.insert(n.to_string());
            }
            keys.decisions.extend(decision.get(i).map(str::to_string));
        }
        let decided = text(&frames.decisions, "decision_id")?;
        keys.decisions
            .extend(decided.iter().flatten().map(str::to_string));
        keys.objects.extend(keys.decisions.iter().cloned());
        let found = text(&frames.exceptions, "exception_id")?;
        keys.objects
            .extend(found.iter().flatten().map(str::to_string));
        Ok(keys)
    }

    /// The keys of one invoice and its findings (`explain --invoice`): its
    /// ledger, offline-log and KSeF rows, and activity rows naming it or
    /// one of its findings.
    pub fn invoice(seller: &str, number: &str, exceptions: &[String]) -> Keys {
        let mut keys = Keys::default();
        keys.invoices
            .insert((seller.to_string(), number.to_string()));
        keys.objects.insert(number.to_string());
        keys.objects.extend(exceptions.iter().cloned());
        keys
    }

    /// The keys of one decision and its findings (`explain --exception` of
    /// a decision-level finding): its decisions rows, and activity rows
    /// under it or naming it or one of the findings.
    pub fn decision(id: &str, exceptions: &[String]) -> Keys {
        let mut keys = Keys::default();
        keys.decisions.insert(id.to_string());
        keys.objects.insert(id.to_string());
        keys.objects.extend(exceptions.iter().cloned());
        keys
    }
}

/// The in-scope lines of every input file that has any, with the file's
/// source, by the file's path in the bundle.
pub type Lines = BTreeMap<String, (Source, BTreeSet<u64>)>;

/// Reads the tabular sources again and returns the lines of the scope's
/// rows. Grants come second: the ones in scope are those of the in-scope
/// invoices' issuers, valid on an invoice's issue date (the grants that
/// covered its issue, or failed to).
pub fn in_scope(bundle: &Path, config: &Config, keys: &Keys) -> Result<Lines> {
    in_scope_but(bundle, config, keys, &[])
}

/// [`in_scope`], but the sources in `known` are not read again: the caller
/// has their lines already (`explain` has the ledger's and KSeF's rows of its
/// invoice from the run, which at 10M invoices saves reading 2.6 GB twice).
pub fn in_scope_but(
    bundle: &Path,
    config: &Config,
    keys: &Keys,
    known: &[Source],
) -> Result<Lines> {
    let first: Vec<Source> = [
        Source::Ledger,
        Source::OfflineLog,
        Source::KsefMetadata,
        Source::Activity,
    ]
    .into_iter()
    .filter(|s| !known.contains(s))
    .collect();
    let keep = |source: Source, _: usize, df: DataFrame| match source {
        Source::Ledger | Source::KsefMetadata => located(&df.filter(&invoice_mask(&df, keys)?)?),
        Source::OfflineLog => df.filter(&invoice_mask(&df, keys)?)?.select([
            "_file",
            "_line",
            "issued_by",
            "issue_date",
        ]),
        _ => located(&df.filter(&activity_mask(&df, keys)?)?),
    };
    let loaded = ingest::load_with(bundle, config, &first, Some(&keep))
        .context("cannot read the bundle's sources again for the pack's rows")?;
    let mut lines = Lines::new();
    for (source, df) in &loaded.tables {
        add_lines(&mut lines, *source, df)?;
    }
    let issued = issue_days(loaded.tables.get(&Source::OfflineLog))?;
    let keep_grants =
        |_: Source, _: usize, df: DataFrame| located(&df.filter(&grant_mask(&df, &issued)?)?);
    let grants = ingest::load_with(bundle, config, &[Source::Grants], Some(&keep_grants))
        .context("cannot read the bundle's grants again for the pack's rows")?;
    for (source, df) in &grants.tables {
        add_lines(&mut lines, *source, df)?;
    }
    Ok(lines)
}

/// The lines of the decisions rows of the keys' decisions (the pack holds
/// the decisions file whole; `explain` shows the rows).
pub fn decision_lines(bundle: &Path, config: &Config, keys: &Keys) -> Result<Lines> {
    let keep = |_: Source, _: usize, df: DataFrame| {
        let ids = df.column("decision_id")?.str()?.clone();
        let mask: BooleanChunked = ids
            .iter()
            .map(|d| Some(d.is_some_and(|d| keys.decisions.contains(d))))
            .collect();
        located(&df.filter(&mask)?)
    };
    let loaded = ingest::load_with(bundle, config, &[Source::Decisions], Some(&keep))
        .context("cannot read the bundle's decisions again")?;
    let mut lines = Lines::new();
    for (source, df) in &loaded.tables {
        add_lines(&mut lines, *source, df)?;
    }
    Ok(lines)
}

/// The scope's rows of every tabular source as pack entries, one extract
/// per input file that has any (`super::extract`). Only files the run read
/// and hashed are read again, and each must still have the hash `run.json`
/// gives it, so an extract's `_file` and `_line` point into the very bytes
/// the manifest's `input_files` names.
pub fn extracts(
    bundle: &Path,
    config: &Config,
    input_files: &[FileJson],
    frames: &Frames,
) -> Result<Vec<(String, Vec<u8>)>> {
    let lines = in_scope(bundle, config, &Keys::of(frames)?)?;
    Ok(extracts_of(bundle, config, input_files, &lines)?
        .into_iter()
        .map(|e| (e.entry, e.bytes))
        .collect())
}

/// One input file's rows of a scope, as [`super::extract`] writes them.
pub struct Extract {
    /// The file's path in the bundle.
    pub file: String,
    pub source: Source,
    pub lines: BTreeSet<u64>,
    /// Its name in a pack.
    pub entry: String,
    pub bytes: Vec<u8>,
}

/// The extracts of some lines of the bundle's files, one per file, sorted
/// by path (see [`extracts`]: only files the run hashed, unchanged since).
pub fn extracts_of(
    bundle: &Path,
    config: &Config,
    input_files: &[FileJson],
    lines: &Lines,
) -> Result<Vec<Extract>> {
    let hashes: BTreeMap<&str, &str> = input_files
        .iter()
        .filter(|f| !f.sha256.is_empty())
        .map(|f| (f.path.as_str(), f.sha256.as_str()))
        .collect();
    lines
        .iter()
        .filter(|(rel, _)| hashes.contains_key(rel.as_str()))
        .map(|(rel, (source, lines))| {
            let bytes = files::read_bundle_file(&bundle.join(rel), files::MAX_TABLE_BYTES)
                .map_err(|r| anyhow!("cannot read {rel} in the bundle: {}", r.reason))?;
            if hashes.get(rel.as_str()) != Some(&sha256_hex(&bytes).as_str()) {
                bail!("{rel} changed in the bundle while it was being read again");
            }
            let (entry, bytes) =
                super::extract::extract(rel, &bytes, &config.source(*source), lines)?;
            Ok(Extract {
                file: rel.clone(),
                source: *source,
                lines: lines.clone(),
                entry,
                bytes,
            })
        })
        .collect()
}

fn located(df: &DataFrame) -> PolarsResult<DataFrame> {
    df.select(["_file", "_line"])
}

fn invoice_mask(df: &DataFrame, keys: &Keys) -> PolarsResult<BooleanChunked> {
    let (seller, number) = (
        df.column("seller_nip")?.str()?,
        df.column("invoice_number")?.str()?,
    );
    let mut key = (String::new(), String::new());
    Ok(seller
        .iter()
        .zip(number.iter())
        .map(|(s, n)| {
            key.0.clear();
            key.0.push_str(s.unwrap_or(""));
            key.1.clear();
            key.1.push_str(n.unwrap_or(""));
            Some(keys.invoices.contains(&key))
        })
        .collect())
}

fn activity_mask(df: &DataFrame, keys: &Keys) -> PolarsResult<BooleanChunked> {
    let (object, decision) = (
        df.column("object")?.str()?,
        df.column("decision_id")?.str()?,
    );
    Ok(object
        .iter()
        .zip(decision.iter())
        .map(|(o, d)| {
            Some(
                o.is_some_and(|o| keys.objects.contains(o))
                    || d.is_some_and(|d| keys.decisions.contains(d)),
            )
        })
        .collect())
}

const DAY_MS: i64 = 86_400_000;

/// Each in-scope issuer's issue dates, as days since 1970-01-01.
fn issue_days(offline: Option<&DataFrame>) -> Result<BTreeMap<String, BTreeSet<i64>>> {
    let mut days: BTreeMap<String, BTreeSet<i64>> = BTreeMap::new();
    let Some(df) = offline else {
        return Ok(days);
    };
    let user = df.column("issued_by")?.str()?;
    let date = df.column("issue_date")?.cast(&DataType::Int32)?;
    for (u, d) in user.iter().zip(date.i32()?.iter()) {
        if let (Some(u), Some(d)) = (u, d) {
            days.entry(u.to_string()).or_default().insert(i64::from(d));
        }
    }
    Ok(days)
}

/// Grants whose user issued an in-scope invoice and whose validity overlaps
/// that invoice's issue date (Warsaw local milliseconds, like the table).
fn grant_mask(
    df: &DataFrame,
    issued: &BTreeMap<String, BTreeSet<i64>>,
) -> PolarsResult<BooleanChunked> {
    let user = df.column("user")?.str()?;
    let from = df.column("valid_from")?.cast(&DataType::Int64)?;
    let to = df.column("valid_to")?.cast(&DataType::Int64)?;
    Ok(user
        .iter()
        .zip(from.i64()?.iter().zip(to.i64()?.iter()))
        .map(|(u, (f, t))| {
            let (Some(u), Some(f), Some(t)) = (u, f, t) else {
                return Some(false);
            };
            let days = issued.get(u);
            Some(days.is_some_and(|days| {
                days.range(f.div_euclid(DAY_MS)..=t.div_euclid(DAY_MS))
                    .next()
                    .is_some()
            }))
        })
        .collect())
}

pub fn add_lines(lines: &mut Lines, source: Source, df: &DataFrame) -> Result<()> {
    let file = df.column("_file")?.str()?;
    let line = df.column("_line")?.cast(&DataType::UInt64)?;
    for (f, l) in file.iter().zip(line.u64()?.iter()) {
        if let (Some(f), Some(l)) = (f, l) {
            let entry = lines
                .entry(f.to_string())
                .or_insert_with(|| (source, BTreeSet::new()));
            entry.1.insert(l);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(columns: Vec<Column>) -> DataFrame {
        DataFrame::new(columns[0].len(), columns).unwrap()
    }

    #[test]
    fn grants_in_scope_overlap_an_issue_day_of_their_user() {
        let day = 20_517i64; // 2026-03-04
        let issued = BTreeMap::from([("j.lis".to_string(), BTreeSet::from([day]))]);
        let at = |d: i64, h: i64| d * DAY_MS + h * 3_600_000;
        let df = frame(vec![
            Column::new("user".into(), ["j.lis", "j.lis", "a.nowak", "j.lis"]),
            Column::new(
                "valid_from".into(),
                [at(day, 8), at(day - 1, 20), at(day, 8), at(day + 1, 0)],
            ),
            Column::new(
                "valid_to".into(),
                [at(day, 15), at(day, 1), at(day, 15), at(day + 1, 8)],
            ),
        ]);
        let mask = grant_mask(&df, &issued).unwrap();
        let kept: Vec<bool> = mask.iter().map(|m| m == Some(true)).collect();
        assert_eq!(kept, [true, true, false, false]);
    }

    #[test]
    fn activity_in_scope_names_a_decision_or_an_object_of_the_scope() {
        let keys = Keys {
            decisions: BTreeSet::from(["DEC-1".to_string()]),
            objects: BTreeSet::from(["FV/1".to_string(), "DEC-1".to_string()]),
            ..Keys::default()
        };
        let df = frame(vec![
            Column::new(
                "object".into(),
                [Some("FV/1"), Some("FV/2"), None, Some("DEC-1")],
            ),
            Column::new("decision_id".into(), [None, None, Some("DEC-1"), None]),
        ]);
        let mask = activity_mask(&df, &keys).unwrap();
        let kept: Vec<bool> = mask.iter().map(|m| m == Some(true)).collect();
        assert_eq!(kept, [true, false, true, true]);
    }
}
