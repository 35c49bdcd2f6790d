//! The exception rules as SQL over the exported tables, after the matching
//! SQL: what another engine (the Spark job) runs, and the reference it is
//! held to (`tests/it/matching_sql.rs` requires its exceptions equal to
//! `run`'s exceptions.csv).
//!
//! After `queries/matching/` has run in a context, the rules' context
//! tables of the export (`context_<name>.parquet`, see `context`) are
//! registered as `<name>`, the matching's `rule_invoices` as `invoices`,
//! and `queries/shared/` is run; then every rule `rules.parquet` says runs,
//! each result given the findings' columns as text, unioned as `found`,
//! and `queries/reports/exceptions.sql` gives each finding its context,
//! severity and ageing. The `exception_id` and the order are this
//! engine's own (`rules::with_ids`): SQL has no SHA-256 both engines share.

use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use polars::sql::SQLContext;

use super::context::PREFIX;
use crate::rules::{self, RULES};

/// Registers the rules' context in `ctx`, where the matching SQL has run.
pub fn register_context(ctx: &mut SQLContext, tables: &Path) -> PolarsResult<()> {
    let listing = std::fs::read_dir(tables)
        .map_err(|e| PolarsError::ComputeError(format!("{}: {e}", tables.display()).into()))?;
    let mut names: Vec<String> = listing
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter_map(|name| Some(name.strip_suffix(".parquet")?.to_string()))
        .collect();
    names.sort();
    for name in names {
        let rule_name = match name.strip_prefix(PREFIX) {
            Some(rest) => rest.to_string(),
            None if name == "rules" => name.clone(),
            None => continue,
        };
        ctx.register(&rule_name, read(&tables.join(format!("{name}.parquet")))?);
    }
    let invoices = ctx.execute("SELECT * FROM rule_invoices")?;
    ctx.register("invoices", invoices);
    let _tables = crate::sql::run_script(
        ctx,
        "shared/decision_activity.sql",
        include_str!("../../queries/shared/decision_activity.sql"),
    )?;
    Ok(())
}

fn read(path: &Path) -> PolarsResult<LazyFrame> {
    let file = File::open(path)
        .map_err(|e| PolarsError::ComputeError(format!("{}: {e}", path.display()).into()))?;
    Ok(ParquetReader::new(file).finish()?.lazy())
}

/// The rules that run, by their files, in `rules.parquet`'s order.
fn rules_that_run(ctx: &mut SQLContext) -> PolarsResult<Vec<String>> {
    let listed = ctx
        .execute("SELECT file FROM rules WHERE runs")?
        .collect()?;
    Ok(listed
        .column("file")?
        .str()?
        .iter()
        .flatten()
        .map(str::to_string)
        .collect())
}

/// Every finding, as `rules::run` gives them (its columns, ids and order),
/// from a context [`register_context`] prepared.
pub fn findings(ctx: &mut SQLContext) -> PolarsResult<DataFrame> {
    let mut found = Vec::new();
    for file in rules_that_run(ctx)? {
        let rule = RULES.iter().find(|r| r.file == file).ok_or_else(|| {
            PolarsError::ComputeError(
                format!("rules.parquet names {file}, which is no rule").into(),
            )
        })?;
        let name = format!("rules/{}", rule.file);
        let result = crate::sql::run_script(ctx, &name, rule.sql)?;
        found.push(rules::shape(result)?.collect()?.lazy());
    }
    let found = if found.is_empty() {
        rules::empty_findings()?
    } else {
        concat(found, UnionArgs::default())?.collect()?
    };
    ctx.register("found", found.lazy());
    let enriched = crate::sql::run_script(
        ctx,
        "reports/exceptions.sql",
        include_str!("../../queries/reports/exceptions.sql"),
    )?
    .collect()?;
    rules::with_ids(enriched)
}
