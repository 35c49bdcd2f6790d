//! Runs the auditor-readable SQL in `queries/` with polars SQL over the
//! reconciled tables.
//!
//! The files are compiled into the binary (`include_str!`), so what an
//! auditor reads in the repository is exactly what ran. A file may hold
//! several statements separated by `;` at the end of a line; earlier ones
//! build helper tables with `CREATE TABLE ... AS`, the last one is the result.

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::contract::{date_to_days, local_to_ms};
use crate::matching::{Matched, Params};

/// A SQL context with the tables every query may use: `invoices` (for the
/// rules with their extra columns, for the reports without the rules-only
/// ones: see `Matched::release_rule_columns`), `ledger`,
/// `offline_log`, `decisions`, `ksef`, `upo`, `archive` (these four only
/// for the rules of `rules::ROW_LEVEL_RULES`, and `ledger` and `ksef` with
/// only their keys, KSeF numbers and origin), `events`, `activity`, `grants`,
/// `numbering_gaps`, `upo_not_production` (UPO files of a test or demo
/// environment), `extract_gaps` (why the KSeF extract is incomplete), and
/// the one-row `params` (`as_of`, `amount_tolerance`
/// in grosze, `as_of_end`: the last millisecond of the as-of day), and the
/// tables of `queries/shared/` built from them.
pub fn context(rec: &Matched, params: &Params) -> PolarsResult<SQLContext> {
    let mut ctx = SQLContext::new();
    let invoices = if rec.rule_columns_released {
        rec.invoices_lazy()
    } else {
        crate::matching::invoices::with_rule_columns(rec.invoices_lazy())
    };
    ctx.register("invoices", invoices);
    if !rec.row_level_released {
        ctx.register("ledger", rec.ledger.clone().lazy());
        ctx.register("ksef", rec.ksef.clone().lazy());
        ctx.register("upo", rec.upo.clone().lazy());
        ctx.register("archive", rec.archive.clone().lazy());
    }
    ctx.register("offline_log", rec.offline_log.clone().lazy());
    ctx.register("decisions", rec.decisions.clone().lazy());
    ctx.register("events", rec.events.clone().lazy());
    ctx.register("activity", rec.activity.clone().lazy());
    ctx.register("grants", rec.grants.clone().lazy());
    ctx.register("numbering_gaps", rec.numbering_gaps.clone().lazy());
    ctx.register("upo_not_production", rec.upo_not_production.clone().lazy());
    ctx.register("extract_gaps", extract_gaps(&rec.extract)?.lazy());
    let p = DataFrame::new(
        1,
        vec![
            Column::new("as_of".into(), [date_to_days(params.as_of)]).cast(&DataType::Date)?,
            Column::new("amount_tolerance".into(), [params.amount_tolerance]),
            Column::new(
                "as_of_end".into(),
                [local_to_ms(crate::matching::end_of_day(params.as_of))],
            )
            .cast(&DataType::Datetime(TimeUnit::Milliseconds, None))?,
        ],
    )?;
    ctx.register("params", p.lazy());
    let _tables = run_script(
        &mut ctx,
        "shared/decision_activity.sql",
        include_str!("../queries/shared/decision_activity.sql"),
    )?;
    Ok(ctx)
}

/// Why the KSeF extract is incomplete, one row per reason: `file` (the
/// file it is about, null for the extract as a whole) and `detail`.
fn extract_gaps(extract: &crate::ingest::extract::Extract) -> PolarsResult<DataFrame> {
    let files: Vec<Option<&str>> = extract.gaps.iter().map(|g| g.file.as_deref()).collect();
    let details: Vec<&str> = extract.gaps.iter().map(|g| g.detail.as_str()).collect();
    DataFrame::new(
        files.len(),
        vec![
            Column::new("file".into(), files).cast(&DataType::String)?,
            Column::new("detail".into(), details).cast(&DataType::String)?,
        ],
    )
}

/// Takes the row-level tables out of `ctx` once the rules that read them
/// have run (see `rules::run`), with every helper table those rules built
/// (any table not among `before`, the context's tables when they started).
pub fn forget_row_level(ctx: &SQLContext, before: &[String]) {
    for name in ctx.get_tables() {
        let row_level = ["ledger", "ksef", "upo", "archive"].contains(&name.as_str());
        if row_level || !before.contains(&name) {
            ctx.unregister(&name);
        }
    }
}

/// Executes every statement of `script` and returns the last one's result.
/// `name` is the file name, for error messages.
pub fn run_script(ctx: &mut SQLContext, name: &str, script: &str) -> PolarsResult<LazyFrame> {
    let mut last = None;
    for statement in statements(script) {
        let lf = ctx
            .execute(&statement)
            .map_err(|e| PolarsError::ComputeError(format!("queries/{name}: {e}").into()))?;
        last = Some(lf);
    }
    last.ok_or_else(|| {
        PolarsError::ComputeError(format!("queries/{name} holds no statement").into())
    })
}

/// Splits a script on `;` at line ends, dropping `--` comment lines.
fn statements(script: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for line in script.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("--") {
            continue;
        }
        let (body, ends) = match trimmed.strip_suffix(';') {
            Some(b) => (b, true),
            None => (line, false),
        };
        current.push_str(body);
        current.push('\n');
        if ends {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.trim().is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_split_on_line_end_semicolons() {
        let s = "-- note; not a statement\nCREATE TABLE a AS\nSELECT 1;\nSELECT 'x;y' FROM a\n";
        let parts = statements(s);
        assert_eq!(parts.len(), 2);
        assert!(parts[0].contains("CREATE TABLE a AS"));
        assert!(parts[1].contains("'x;y'"));
    }
}
