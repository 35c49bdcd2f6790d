//! JPK_V7 ledger files as the VAT returns they are (contract section 2):
//! a return exists once it was made (`DataWytworzeniaJPK` on or before the
//! as-of date), and of several returns of one seller and period the one
//! made last stands for the period, replacing the others whole (a
//! correction replaces its original). The rows of a file that does not
//! stand are no ledger rows of the run (so they are no DUPLICATE_NUMBER);
//! the rows of the files that stand are kept beside the invoice table as
//! `jpk_rows`, each with its return's period and moment, for the marker
//! rules (MARKER_MISMATCH, JPK_CORRECTION_DUE).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use polars::prelude::*;

use super::as_of::end_of_day;
use super::invoices::Sparse;
use crate::contract::local_to_ms;
use crate::documents::jpk::JpkHeader;
use crate::frame::{keys, local_lit};
use crate::ingest::InputFile;

/// What became of one JPK_V7 file at the as-of date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Standing {
    /// The return that stands for its seller and period.
    Stands,
    /// Replaced whole by this later file of the same seller and period.
    ReplacedBy(String),
    /// Made after the as-of date: it did not exist yet for the run.
    MadeAfterAsOf,
}

/// One JPK_V7 file read as a return.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpkReturn {
    /// Its path in the bundle, as `_file` holds it.
    pub file: String,
    pub header: JpkHeader,
    pub standing: Standing,
}

/// The returns among the bundle's files, in the order found. Of one
/// seller's returns of a period, the one made last stands; made at the same
/// moment, a correction (`CelZlozenia` 2) before an original, then the
/// file found last (the files are found in path order).
pub fn judge(files: &[InputFile], as_of: NaiveDate) -> Vec<JpkReturn> {
    let end = end_of_day(as_of);
    let mut returns: Vec<JpkReturn> = files
        .iter()
        .filter(|f| f.error.is_none())
        .filter_map(|f| {
            let header = f.jpk.clone()?;
            let standing = match header.made_at > end {
                true => Standing::MadeAfterAsOf,
                false => Standing::Stands,
            };
            Some(JpkReturn {
                file: f.path.clone(),
                header,
                standing,
            })
        })
        .collect();
    let mut last: BTreeMap<(Option<String>, String), usize> = BTreeMap::new();
    for (i, r) in returns.iter().enumerate() {
        if r.standing != Standing::Stands {
            continue;
        }
        let key = (r.header.seller_nip.clone(), r.header.period.clone());
        let rank = |r: &JpkReturn| (r.header.made_at, r.header.purpose);
        match last.get(&key) {
            Some(&j) if rank(&returns[j]) > rank(r) => {}
            _ => {
                last.insert(key, i);
            }
        }
    }
    let standing: Vec<(Option<String>, String, String)> = last
        .iter()
        .map(|((nip, period), &i)| (nip.clone(), period.clone(), returns[i].file.clone()))
        .collect();
    for r in returns.iter_mut() {
        if r.standing != Standing::Stands {
            continue;
        }
        let by = standing
            .iter()
            .find(|(nip, period, _)| *nip == r.header.seller_nip && *period == r.header.period)
            .map(|(_, _, file)| file.clone());
        if let Some(by) = by.filter(|by| *by != r.file) {
            r.standing = Standing::ReplacedBy(by);
        }
    }
    returns
}

/// The files of `returns` that are not read as ledger rows, with why.
fn set_aside(returns: &[JpkReturn], which: impl Fn(&Standing) -> bool) -> Vec<String> {
    returns
        .iter()
        .filter(|r| which(&r.standing))
        .map(|r| r.file.clone())
        .collect()
}

/// Whether the row's `_file` is one of `files`.
fn of_files(files: Vec<String>) -> Expr {
    let files = Series::new("files".into(), files);
    col("_file").is_in(lit(files).implode(false), false)
}

/// The ledger with `in_return`: whether the row is a row of a return that
/// stands (its amounts are in PLN, contract section 2). A ledger without
/// returns gets a constant column, 1.2 MB at 10M rows.
pub(super) fn with_in_return(ledger: DataFrame, returns: &[JpkReturn]) -> PolarsResult<DataFrame> {
    let files = set_aside(returns, |s| *s == Standing::Stands);
    let flag = match files.is_empty() {
        true => lit(false),
        false => of_files(files),
    };
    ledger.lazy().with_column(flag.alias("in_return")).collect()
}

/// The ledger without the rows of returns made after the as-of date and of
/// replaced returns, and how many rows of each were left out.
pub(super) fn standing_rows(
    ledger: DataFrame,
    returns: &[JpkReturn],
) -> PolarsResult<(DataFrame, u64, u64)> {
    let later = set_aside(returns, |s| *s == Standing::MadeAfterAsOf);
    let replaced = set_aside(returns, |s| matches!(s, Standing::ReplacedBy(_)));
    if later.is_empty() && replaced.is_empty() {
        return Ok((ledger, 0, 0));
    }
    let counts = ledger
        .clone()
        .lazy()
        .select([
            of_files(later.clone()).sum().alias("later"),
            of_files(replaced.clone()).sum().alias("replaced"),
        ])
        .collect()?;
    let count = |name: &str| -> PolarsResult<u64> {
        Ok(counts.column(name)?.get(0)?.extract::<u64>().unwrap_or(0))
    };
    let (later_rows, replaced_rows) = (count("later")?, count("replaced")?);
    let mut gone = later;
    gone.extend(replaced);
    let kept = ledger.lazy().filter(of_files(gone).not()).collect()?;
    Ok((kept, later_rows, replaced_rows))
}

/// The ledger's columns `jpk_rows` takes (`ksef_marker` as `jpk_marker`:
/// the marker as filed in the return, told apart from the invoice table's).
pub const JPK_ROW_COLUMNS: [&str; 9] = [
    "seller_nip",
    "invoice_number",
    "ksef_number",
    "ksef_marker",
    "document_type",
    "_file",
    "_line",
    "jpk_period",
    "jpk_made_at",
];

/// The ledger rows of the returns that stand that the marker rules judge,
/// one per invoice and period (the first in the file: a second is a
/// DUPLICATE_NUMBER already), with the return's period and moment. A row
/// carrying `NrKSeF` breaks no marker rule (a wrong number is
/// KSEF_NUMBER_MISMATCH's), so only the rows with a marker or with neither
/// are kept: in a return of a million rows, a few thousand.
pub(super) fn jpk_rows(ledger: &DataFrame, returns: &[JpkReturn]) -> PolarsResult<DataFrame> {
    let standing: Vec<&JpkReturn> = returns
        .iter()
        .filter(|r| r.standing == Standing::Stands)
        .collect();
    let files: Vec<&str> = standing.iter().map(|r| r.file.as_str()).collect();
    let periods: Vec<&str> = standing.iter().map(|r| r.header.period.as_str()).collect();
    let made: Vec<i64> = standing
        .iter()
        .map(|r| local_to_ms(r.header.made_at))
        .collect();
    let made_at = |made: Vec<i64>| -> PolarsResult<Column> {
        Column::new("jpk_made_at".into(), made)
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))
    };
    let returns = DataFrame::new(
        files.len(),
        vec![
            Column::new("_file".into(), files),
            Column::new("jpk_period".into(), periods),
            made_at(made)?,
        ],
    )?;
    let columns: Vec<Expr> = JPK_ROW_COLUMNS
        .iter()
        .map(|&c| match c {
            "ksef_marker" => col(c).alias("jpk_marker"),
            _ => col(c),
        })
        .collect();
    // Without a return standing, no ledger row is one's: an empty table.
    let ledger = match returns.height() {
        0 => ledger.head(Some(0)),
        _ => ledger.clone(),
    };
    let judged = col("ksef_marker")
        .is_not_null()
        .or(col("ksef_number").is_null());
    let rows = ledger
        .lazy()
        .filter(judged)
        .join(
            returns.lazy(),
            [col("_file")],
            [col("_file")],
            JoinArgs::new(JoinType::Inner),
        )
        .select(columns)
        .unique_stable_generic(
            Some(vec![
                col("seller_nip"),
                col("invoice_number"),
                col("jpk_period"),
            ]),
            UniqueKeepStrategy::First,
        )
        .collect()?;
    Ok(rows)
}

/// `jpk_rows` with KSeF's number of each row's invoice (`known_ksef_number`,
/// null when neither KSeF's metadata nor a production UPO has it) and when
/// KSeF numbered it (`numbered_at`: contract section 5, as
/// `corrections::numbered` reads it; null with neither moment, or when that
/// is after the as-of date, by which it was not numbered yet). `ksef` and
/// `upo` are the records known at the as-of date, read for the rows' keys
/// only.
pub(super) fn with_numbering(
    rows: DataFrame,
    ksef: &DataFrame,
    upo: &DataFrame,
    as_of: NaiveDate,
) -> PolarsResult<DataFrame> {
    let wanted = rows
        .clone()
        .lazy()
        .select(keys())
        .unique(None, UniqueKeepStrategy::Any);
    let numbered = match rows.height() {
        0 => super::corrections::numbered(&ksef.clear(), &upo.clear(), wanted),
        _ => super::corrections::numbered(ksef, upo, wanted),
    };
    let by_then = col("numbered_at").lt_eq(local_lit(end_of_day(as_of)));
    let numbered = numbered.select([
        col("seller_nip"),
        col("invoice_number"),
        col("ksef_number").alias("known_ksef_number"),
        when(by_then)
            .then(col("numbered_at"))
            .otherwise(lit(NULL))
            .alias("numbered_at"),
    ]);
    rows.lazy()
        .join(numbered, keys(), keys(), JoinArgs::new(JoinType::Left))
        .collect()
}

/// `jpk_rows` with what the invoice table holds of each row's invoice:
/// `in_offline_log` and `log_mode`. Only the invoices of those rows are
/// read of the table.
pub(super) fn with_invoice_facts(
    rows: DataFrame,
    invoices: &DataFrame,
    sparse: &Sparse,
) -> PolarsResult<DataFrame> {
    let invoices = match rows.height() {
        0 => invoices.head(Some(0)),
        _ => invoices.clone(),
    };
    let wanted = rows
        .clone()
        .lazy()
        .select(keys())
        .unique(None, UniqueKeepStrategy::Any);
    let found = invoices
        .lazy()
        .join(wanted, keys(), keys(), JoinArgs::new(JoinType::Semi));
    let facts = sparse.attach(found).select([
        col("seller_nip"),
        col("invoice_number"),
        col("in_offline_log"),
        col("log_mode"),
    ]);
    rows.lazy()
        .join(facts, keys(), keys(), JoinArgs::new(JoinType::Left))
        .collect()
}

/// JPK_V7 rows whose invoice KSeF has but with no moment it was numbered:
/// the rules that compare that moment with the return's do not judge them.
pub fn not_judged(jpk_rows: &DataFrame) -> PolarsResult<u64> {
    if jpk_rows.height() == 0 {
        return Ok(0);
    }
    let count = jpk_rows
        .clone()
        .lazy()
        .select([col("known_ksef_number")
            .is_not_null()
            .and(col("numbered_at").is_null())
            .sum()
            .alias("n")])
        .collect()?;
    Ok(count.column("n")?.get(0)?.extract::<u64>().unwrap_or(0))
}
