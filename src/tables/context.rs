//! The rules' context, for an engine that runs `queries/rules/` itself:
//! every table the rules read but `invoices`, as this engine's matching
//! hands them to its own rules, written as `context_<name>.parquet`, and
//! `rules.parquet`, the rules in the order they run.
//!
//! These are the tables about rows, files, series, decisions and grants
//! (the row-level tables narrowed to their keys, KSeF numbers with their
//! CRC-8 check and origin; the offline log with its users' keys; the
//! decisions with their periods; numbering gaps; the rows of the VAT
//! returns that stand, with when KSeF numbered each invoice; the
//! corrections' references; what the KSeF extract lacks). The invoice
//! table itself, the per-invoice decision the rules judge, is the other
//! engine's own: `queries/matching/` gives it (docs/scaling.md).

use polars::prelude::*;

use crate::contract::Source;
use crate::matching::{Matched, Params};
use crate::rules::{self, Queries};

/// What a context table's name starts with (the other engine registers it
/// under the rest of its name once its matching has run, where the
/// source table of the same name no longer matters).
pub const PREFIX: &str = "context_";

/// The rules' context tables, named with [`PREFIX`], and `rules`.
pub fn tables(
    matched: &Matched,
    params: &Params,
    provided: impl Fn(Source) -> bool,
) -> PolarsResult<Vec<(String, DataFrame)>> {
    let queries = Queries::new(matched, params)?;
    let mut out = Vec::new();
    for (name, table) in queries.context()? {
        out.push((format!("{PREFIX}{name}"), signed(in_order(table)?)?));
    }
    out.push((format!("{PREFIX}given"), rules::given_table(&provided)?));
    out.push(("rules".to_string(), rule_list(&provided)?));
    Ok(out)
}

/// `table` in a stable order, so two exports are byte-identical (the
/// rules' SQL orders what it gives; the tables it reads come in the order
/// matching left them, which for some, like `jpk_rows`, is its threads'):
/// by file and line where it has them, else by every column.
fn in_order(table: DataFrame) -> PolarsResult<DataFrame> {
    let names: Vec<String> = table
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    let by: Vec<String> = if ["_file", "_line"]
        .iter()
        .all(|c| names.iter().any(|n| n == c))
    {
        vec!["_file".into(), "_line".into()]
    } else {
        names
    };
    if by.is_empty() {
        return Ok(table);
    }
    table.sort(
        by,
        SortMultipleOptions::default()
            .with_maintain_order(true)
            .with_nulls_last(true),
    )
}

/// `table` with its unsigned integers (`_line`) as BIGINT: Parquet's
/// unsigned types are not every engine's (Spark reads UINT_64 as a
/// DECIMAL(20,0)).
fn signed(table: DataFrame) -> PolarsResult<DataFrame> {
    let unsigned: Vec<Expr> = table
        .columns()
        .iter()
        .filter(|c| c.dtype().is_unsigned_integer())
        .map(|c| col(c.name().clone()).cast(DataType::Int64))
        .collect();
    if unsigned.is_empty() {
        return Ok(table);
    }
    table.lazy().with_columns(unsigned).collect()
}

/// `rules`: one row per rule file, in `rules::RULES`' order (the findings
/// are sorted after, so the order they run in does not matter): `file` (under
/// `queries/rules/`), `code`, `severity`, `severity_rank` (0 high, 1
/// medium, 2 low: the exceptions' order) and `runs` (`BOOLEAN`: whether the
/// bundle gives the inputs it needs; a rule that does not run is reported
/// in run.json's `checks_skipped`, never counted as passed).
fn rule_list(provided: &impl Fn(Source) -> bool) -> PolarsResult<DataFrame> {
    let rules = rules::RULES;
    DataFrame::new(
        rules.len(),
        vec![
            Column::new(
                "file".into(),
                rules.iter().map(|r| r.file).collect::<Vec<_>>(),
            ),
            Column::new(
                "code".into(),
                rules.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "severity".into(),
                rules
                    .iter()
                    .map(|r| r.severity.as_str())
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "severity_rank".into(),
                rules.iter().map(|r| r.severity as i32).collect::<Vec<_>>(),
            ),
            Column::new(
                "runs".into(),
                rules
                    .iter()
                    .map(|r| r.needs.iter().all(|s| provided(*s)))
                    .collect::<Vec<_>>(),
            ),
        ],
    )
}
