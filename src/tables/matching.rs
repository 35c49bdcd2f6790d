//! The matching as SQL: `queries/matching/*.sql` run with polars SQL over
//! the tables `export-tables` wrote. It is the reference the Rust matching
//! (`matching::match_invoices`, the fast local path) is proven equal to
//! (`tests/it/matching_sql.rs`), and what another engine (the Spark job)
//! runs on the same tables.
//!
//! The files run in the order of `queries/matching/ORDER` ([`files`]);
//! each one's result is registered under its name (`ledger_first`, ..., `invoices`) for the files after it, and
//! the last, `reconciliation`, is the result: reconciliation.csv's rows,
//! typed. The files are compiled in (`include_str!`), so what an auditor
//! reads is what runs.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use polars::sql::SQLContext;

/// The order the matching's files run in, one name a line (`#` lines are
/// comments): `queries/matching/ORDER`, which the Spark driver
/// (`queries/spark/ksef_recon.py`) reads too, so the order is written once.
pub const ORDER: &str = include_str!("../../queries/matching/ORDER");

/// The matching's files by name (alphabetical; [`ORDER`] says the order).
const SOURCES: [(&str, &str); 11] = [
    (
        "archive_first",
        include_str!("../../queries/matching/archive_first.sql"),
    ),
    (
        "correction_links",
        include_str!("../../queries/matching/correction_links.sql"),
    ),
    (
        "invoices",
        include_str!("../../queries/matching/invoices.sql"),
    ),
    (
        "ksef_first",
        include_str!("../../queries/matching/ksef_first.sql"),
    ),
    (
        "ledger_first",
        include_str!("../../queries/matching/ledger_first.sql"),
    ),
    (
        "log_first",
        include_str!("../../queries/matching/log_first.sql"),
    ),
    (
        "log_periods",
        include_str!("../../queries/matching/log_periods.sql"),
    ),
    (
        "reconciliation",
        include_str!("../../queries/matching/reconciliation.sql"),
    ),
    (
        "rule_invoices",
        include_str!("../../queries/matching/rule_invoices.sql"),
    ),
    (
        "statuses",
        include_str!("../../queries/matching/statuses.sql"),
    ),
    (
        "upo_first",
        include_str!("../../queries/matching/upo_first.sql"),
    ),
];

/// The names of [`ORDER`], in order.
pub fn order() -> impl Iterator<Item = &'static str> {
    ORDER
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// The matching's files, in the order they run (`queries/matching/ORDER`):
/// each reads the tables the export wrote and the results of the files
/// before it.
pub fn files() -> PolarsResult<Vec<(&'static str, &'static str)>> {
    order()
        .map(|name| {
            SOURCES
                .iter()
                .find(|(n, _)| *n == name)
                .copied()
                .ok_or_else(|| {
                    PolarsError::ComputeError(
                        format!("queries/matching/ORDER names {name}, which is no file").into(),
                    )
                })
        })
        .collect()
}

/// The exported tables the files read, by the names they use.
pub const TABLES: [&str; 14] = [
    "ledger",
    "offline_log",
    "ksef_metadata",
    "upo",
    "archive",
    "params",
    "sellers",
    "jpk_returns",
    "ksef_extract",
    "announcements",
    "decisions",
    "deadline_keys",
    "rates",
    "calendar",
];

/// Runs the matching SQL over the tables in `tables` (an `export-tables`
/// folder of the whole bundle) and returns the reconciliation: one row per
/// invoice, sorted by seller NIP and invoice number.
pub fn run(tables: &Path) -> PolarsResult<DataFrame> {
    let mut ctx = registered(tables)?;
    run_files(&mut ctx)?;
    ctx.execute("SELECT * FROM reconciliation")?.collect()
}

/// A SQL context with the tables of `tables` that the files read
/// registered ([`TABLES`]).
pub fn registered(tables: &Path) -> PolarsResult<SQLContext> {
    let ctx = SQLContext::new();
    for name in TABLES {
        let path = tables.join(format!("{name}.parquet"));
        let file = File::open(&path)
            .map_err(|e| PolarsError::ComputeError(format!("{}: {e}", path.display()).into()))?;
        ctx.register(name, ParquetReader::new(file).finish()?.lazy());
    }
    Ok(ctx)
}

/// Runs [`files`] in `ctx`, whose tables are registered, registering each
/// result under its name (`reconciliation`, `rule_invoices`, ...).
pub fn run_files(ctx: &mut SQLContext) -> PolarsResult<()> {
    for (name, script) in files()? {
        let file = format!("matching/{name}.sql");
        let result = crate::sql::run_script(ctx, &file, script)?.collect()?;
        ctx.register(name, result.lazy());
    }
    Ok(())
}
