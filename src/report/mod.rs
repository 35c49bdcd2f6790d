//! Outputs (contract section 6): the frames behind each file, as text in the
//! contract's column order, and writing them all at once.
//!
//! Formatting lives here and only here: amounts in grosze become `0.00`,
//! dates `YYYY-MM-DD`, deadlines their contract text, and text cells are
//! neutralised against formula injection when written.

pub mod atomic;
pub mod columns;
pub mod csv_out;
pub mod decisions;
pub mod direct;
pub mod html;
pub mod parquet_in;
pub mod parquet_out;
pub mod reconciliation_file;
pub mod run_facts;
pub mod run_json;
pub mod summary;
pub mod xlsx;

use std::collections::BTreeMap;

use polars::prelude::*;

use crate::contract::Status;
use crate::contract::format_amount;
use crate::frame::{date_text, deadline_text, money_text};
use crate::ingest::Rejection;
use crate::matching::Matched;
use crate::rules::EXCEPTION_COLUMNS;
use crate::rules::Queries;
use crate::sql;

/// Columns of every output that hold numbers and are written unguarded:
/// these, and completeness.csv's count of each status.
const NUMERIC_BESIDE_STATUSES: [&str; 7] = [
    "gross_amount",
    "max_penalty_pln",
    "age_business_days",
    "line",
    "invoices",
    "completeness_pct",
    "open_exceptions",
];

/// Every column of the outputs that holds numbers (written unguarded).
pub static NUMERIC: std::sync::LazyLock<Vec<&'static str>> = std::sync::LazyLock::new(|| {
    NUMERIC_BESIDE_STATUSES
        .iter()
        .chain(Status::NAMES.iter())
        .copied()
        .collect()
});

/// The text frames of one run's outputs, in the contract's column order.
/// `decisions` is not a file of its own in `--out`; the workbook and the
/// evidence pack show it.
#[derive(Clone)]
pub struct Frames {
    pub exceptions: DataFrame,
    pub reconciliation: DataFrame,
    pub completeness: DataFrame,
    pub rejected: DataFrame,
    pub responsibility: DataFrame,
    pub decisions: DataFrame,
    /// `jpk_corrections.csv`: the VAT returns to correct, row by row.
    pub jpk_corrections: DataFrame,
    /// The bundle's NBP rates as text (`date`, `currency`, `rate` in
    /// ten-thousandths): not a file; the dashboard and the workbook give
    /// their totals in PLN with them.
    pub rates: DataFrame,
}

impl Frames {
    /// The CSV files of `--out` with their frames, in the order written.
    pub fn csv_files(&self) -> [(&'static str, &DataFrame); 6] {
        [
            ("exceptions.csv", &self.exceptions),
            ("reconciliation.csv", &self.reconciliation),
            ("completeness.csv", &self.completeness),
            ("rejected.csv", &self.rejected),
            ("responsibility.csv", &self.responsibility),
            ("jpk_corrections.csv", &self.jpk_corrections),
        ]
    }
}

/// Everything but money and text is cast to text as polars writes it.
fn text(name: &str) -> Expr {
    col(name).cast(DataType::String)
}

/// `reconciliation.csv`: one row per invoice, the contract's columns then
/// the evidence behind it (archived FA(3) file, its hash and KOD I link, the
/// UPO receipt), then what it corrects and what corrects it.
pub fn reconciliation(rec: &Matched) -> PolarsResult<DataFrame> {
    rec.invoices_lazy()
        .select([
            col("seller_nip"),
            col("invoice_number"),
            date_text(col("issue_date")),
            col("mode"),
            col("decision_id"),
            text("in_ledger"),
            text("in_offline_log"),
            text("in_ksef"),
            col("ksef_number"),
            date_text(col("submitted_on")),
            deadline_text().alias("deadline"),
            col("status"),
            money_text(col("gross_amount")).alias("gross_amount"),
            col("currency"),
            col("owner"),
            // The contract's columns above, in its order; its v1.2
            // additions after them, so a script reading by position keeps
            // working.
            rec.deadline_basis(),
            money_text(col("max_penalty_pln")).alias("max_penalty_pln"),
            col("archive_file"),
            col("archive_hash"),
            col("kod1_url"),
            col("upo_file"),
            col("corrects"),
            col("corrected_by"),
        ])
        .collect()
}

/// [`Frames::rates`] from the bundle's `rates/` table.
pub fn rates(table: &DataFrame) -> PolarsResult<DataFrame> {
    table
        .clone()
        .lazy()
        .select([
            date_text(col("date")).alias("date"),
            col("currency").cast(DataType::String),
            col("rate").cast(DataType::String),
        ])
        .collect()
}

/// `exceptions.csv`, from the rules' findings.
pub fn exceptions(findings: &DataFrame) -> PolarsResult<DataFrame> {
    let exprs: Vec<Expr> = EXCEPTION_COLUMNS
        .iter()
        .map(|&c| match c {
            "deadline" => deadline_text().alias("deadline"),
            "gross_amount" => money_text(col("gross_amount")).alias("gross_amount"),
            other => text(other),
        })
        .collect();
    findings.clone().lazy().select(exprs).collect()
}

/// `rejected.csv`: source, file, line, reason; sorted for stable output.
pub fn rejected(rows: &[Rejection]) -> PolarsResult<DataFrame> {
    let mut rows = rows.to_vec();
    rows.sort();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new(
                "source".into(),
                rows.iter().map(|r| r.source).collect::<Vec<_>>(),
            ),
            Column::new(
                "file".into(),
                rows.iter().map(|r| r.file.as_str()).collect::<Vec<_>>(),
            ),
            Column::new(
                "line".into(),
                rows.iter()
                    .map(|r| r.line.map(|l| l.to_string()))
                    .collect::<Vec<_>>(),
            ),
            Column::new(
                "reason".into(),
                rows.iter().map(|r| r.reason.as_str()).collect::<Vec<_>>(),
            ),
        ],
    )
}

const MONTHS_FILE: &str = "reports/completeness_months.sql";
const MONTHS_SQL: &str = include_str!("../../queries/reports/completeness_months.sql");

/// The invoices the month scopes of completeness.csv read
/// (`queries/reports/completeness_months.sql`), of `invoices` as given: a
/// run in parts keeps these of each range for the report.
pub fn month_scoped(invoices: &DataFrame) -> PolarsResult<DataFrame> {
    let mut ctx = polars::sql::SQLContext::new();
    ctx.register("invoices", invoices.clone().lazy());
    sql::run_script(&mut ctx, MONTHS_FILE, MONTHS_SQL)?.collect()
}

/// `completeness.csv` from `queries/reports/completeness*.sql`, with the
/// gross value per currency folded into one readable column.
pub fn completeness(queries: &Queries) -> PolarsResult<DataFrame> {
    let mut queries = queries.scratch()?;
    let months = queries.run(MONTHS_FILE, MONTHS_SQL)?;
    queries.register("month_scoped_invoices", months);
    let _created = queries.run(
        "reports/completeness_scopes.sql",
        include_str!("../../queries/reports/completeness_scopes.sql"),
    )?;
    let counts = queries
        .run(
            "reports/completeness.sql",
            include_str!("../../queries/reports/completeness.sql"),
        )?
        .collect()?;
    let values = queries
        .run(
            "reports/completeness_values.sql",
            include_str!("../../queries/reports/completeness_values.sql"),
        )?
        .collect()?;
    let mut by_scope: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    let (scope, scope_id) = (
        values.column("scope")?.str()?,
        values.column("scope_id")?.str()?,
    );
    let (currency, gross) = (
        values.column("currency")?.str()?,
        values.column("gross_amount")?.cast(&DataType::Int64)?,
    );
    let gross = gross.i64()?;
    for i in 0..values.height() {
        let key = (
            scope.get(i).unwrap_or("").to_string(),
            scope_id.get(i).unwrap_or("").to_string(),
        );
        let text = format!(
            "{} {}",
            currency.get(i).unwrap_or(""),
            format_amount(gross.get(i).unwrap_or(0))
        );
        by_scope.entry(key).or_default().push(text);
    }
    let (scope, scope_id) = (
        counts.column("scope")?.str()?,
        counts.column("scope_id")?.str()?,
    );
    let folded: Vec<Option<String>> = (0..counts.height())
        .map(|i| {
            let key = (
                scope.get(i).unwrap_or("").to_string(),
                scope_id.get(i).unwrap_or("").to_string(),
            );
            by_scope.get(&key).map(|v| v.join("; "))
        })
        .collect();
    let columns: Vec<Expr> = [col("scope"), col("scope_id"), col("mode"), text("invoices")]
        .into_iter()
        .chain(Status::NAMES.iter().map(|s| text(s)))
        .chain([text("completeness_pct")])
        .collect();
    let mut out = counts.lazy().select(columns).collect()?;
    out.with_column(Column::new("gross_by_currency".into(), folded))?;
    Ok(out)
}

/// `responsibility.csv` from `queries/reports/responsibility.sql`: one row
/// per decision, with the exceptions found (`findings`) for its verdict.
pub fn responsibility(queries: &Queries, findings: &DataFrame) -> PolarsResult<DataFrame> {
    over_findings(
        queries,
        findings,
        "reports/responsibility.sql",
        include_str!("../../queries/reports/responsibility.sql"),
    )
}

/// `jpk_corrections.csv` from `queries/reports/jpk_corrections.sql`: the
/// returns to correct and their rows, from the JPK findings (`findings`)
/// and the rows of the returns that stand (`jpk_rows`). With nothing due
/// the file is its header alone.
pub fn jpk_corrections(queries: &Queries, findings: &DataFrame) -> PolarsResult<DataFrame> {
    over_findings(
        queries,
        findings,
        "reports/jpk_corrections.sql",
        include_str!("../../queries/reports/jpk_corrections.sql"),
    )
}

/// A report of `queries/` that reads the run's findings (as `findings`)
/// beside the shared tables, every column as text.
fn over_findings(
    queries: &Queries,
    findings: &DataFrame,
    name: &str,
    sql: &str,
) -> PolarsResult<DataFrame> {
    let mut queries = queries.scratch()?;
    queries.register("findings", findings.clone().lazy());
    let df = queries.run(name, sql)?.collect()?;
    let names: Vec<String> = df
        .get_column_names()
        .iter()
        .map(|n| n.to_string())
        .collect();
    df.lazy()
        .select(names.iter().map(|n| text(n)).collect::<Vec<_>>())
        .collect()
}

/// Invoices per status (every status, zeros included).
pub fn status_counts(queries: &Queries) -> PolarsResult<BTreeMap<String, u64>> {
    let df = queries
        .scratch()?
        .run(
            "reports/status_counts.sql",
            include_str!("../../queries/reports/status_counts.sql"),
        )?
        .collect()?;
    let mut out: BTreeMap<String, u64> = Status::NAMES.iter().map(|s| (s.to_string(), 0)).collect();
    let status = df.column("status")?.str()?;
    let n = df.column("invoices")?.cast(&DataType::UInt64)?;
    let n = n.u64()?;
    for i in 0..df.height() {
        if let (Some(s), Some(c)) = (status.get(i), n.get(i)) {
            out.insert(s.to_string(), c);
        }
    }
    Ok(out)
}
