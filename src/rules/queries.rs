//! The SQL context the rules and reports share: one per matched bundle,
//! built once, narrowed as matching's tables are released.

use polars::prelude::*;
use polars::sql::SQLContext;

use crate::contract::{date_to_days, local_to_ms};
use crate::matching::{Matched, Params};
use crate::sql;

/// The row-level tables: only the rules that declare them read them (see
/// `Rule::reads`), before [`Queries::forget_row_level`].
pub const ROW_LEVEL_TABLES: [&str; 4] = ["ledger", "ksef", "upo", "archive"];

/// The tables every query may use: `invoices` (for the rules with their
/// extra columns, for the reports without the rules-only ones: see
/// `Matched::release_rule_columns`), `ledger`, `offline_log`, `decisions`,
/// `ksef`, `upo`, `archive` (these four only for the rules that declare
/// them, and `ledger` and `ksef` with only their keys, KSeF numbers and
/// origin), `events`, `activity`, `grants`, `numbering_gaps`,
/// `upo_not_production` (UPO files of a test or demo environment),
/// `corrections` (one row per reference from an archived correction to the
/// invoice it corrects: `matching::corrections`),
/// `extract_gaps` (why the KSeF extract is incomplete), and the one-row
/// `params` (`as_of`, `amount_tolerance` in grosze, `as_of_end`: the last
/// millisecond of the as-of day), and the tables of `queries/shared/`
/// built from them.
pub struct Queries {
    ctx: SQLContext,
    /// The tables registered before any rule ran (what a rule's helper
    /// tables are told apart from).
    base: Vec<String>,
}

impl Queries {
    pub fn new(rec: &Matched, params: &Params) -> PolarsResult<Queries> {
        let ctx = SQLContext::new();
        let mut queries = Queries {
            ctx,
            base: Vec::new(),
        };
        queries.register_tables(rec, params)?;
        queries.refresh_invoices(rec)?;
        queries.base = queries.ctx.get_tables();
        Ok(queries)
    }

    /// The context of another engine's tables (`tables::exceptions`, the
    /// rules as SQL over exported tables), to build the reports in.
    pub fn of(ctx: SQLContext) -> Queries {
        let base = ctx.get_tables();
        Queries { ctx, base }
    }

    /// Every table but `invoices`.
    fn register_tables(&mut self, rec: &Matched, params: &Params) -> PolarsResult<()> {
        let ctx = &mut self.ctx;
        if !rec.row_level_released {
            ctx.register("ledger", rec.ledger.clone().lazy());
            ctx.register("ksef", rec.ksef.clone().lazy());
            ctx.register("upo", rec.upo.clone().lazy());
            ctx.register("archive", rec.archive.clone().lazy());
        }
        ctx.register("corrections", rec.corrections.clone().lazy());
        ctx.register("offline_log", rec.offline_log.clone().lazy());
        ctx.register("decisions", rec.decisions.clone().lazy());
        ctx.register("events", rec.events.clone().lazy());
        ctx.register("activity", rec.activity.clone().lazy());
        ctx.register("grants", rec.grants.clone().lazy());
        ctx.register("numbering_gaps", rec.numbering_gaps.clone().lazy());
        ctx.register("jpk_rows", rec.jpk_rows.clone().lazy());

        ctx.register("upo_not_production", rec.upo_not_production.clone().lazy());
        ctx.register("extract_gaps", extract_gaps(&rec.extract)?.lazy());
        ctx.register("params", params_table(params)?.lazy());
        Ok(())
    }

    /// Registers the invoice table as `rec` now holds it (after the rules'
    /// columns were released, or a partitioned run added its ranges'
    /// invoices), and the shared tables built from it.
    pub fn refresh_invoices(&mut self, rec: &Matched) -> PolarsResult<()> {
        let invoices = if rec.rule_columns_released {
            rec.invoices_lazy()
        } else {
            crate::matching::invoices::with_rule_columns(rec.invoices_lazy())
        };
        self.ctx.register("invoices", invoices);
        let _tables = sql::run_script(
            &mut self.ctx,
            "shared/decision_activity.sql",
            include_str!("../../queries/shared/decision_activity.sql"),
        )?;
        Ok(())
    }

    /// The tables registered before any rule ran, but `invoices` and the
    /// shared tables built from it, computed: what another engine needs
    /// beside its own invoice table to run the rules (`export-tables`).
    pub fn context(&self) -> PolarsResult<Vec<(String, DataFrame)>> {
        let shared = ["invoices", "exception_approvals", "master_data_changes"];
        let mut ctx = self.ctx.clone();
        let mut out = Vec::new();
        for name in &self.base {
            if !shared.contains(&name.as_str()) {
                let table = ctx.execute(&format!("SELECT * FROM {name}"))?;
                out.push((name.clone(), table.collect()?));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(out)
    }

    /// Runs one file of `queries/` (`name` relative to it) in this context.
    pub fn run(&mut self, name: &str, script: &str) -> PolarsResult<LazyFrame> {
        sql::run_script(&mut self.ctx, name, script)
    }

    /// A copy to run a report in: its helper tables stay in the copy. A
    /// new context with every table registered again, not a clone: polars'
    /// `SQLContext` clones share one table map, so a clone's helper tables
    /// (and the aliases of its derived tables, which polars 0.55 SQL keeps
    /// as tables) would land in this context too.
    pub fn scratch(&self) -> PolarsResult<Queries> {
        let mut source = self.ctx.clone();
        let ctx = SQLContext::new();
        for name in self.ctx.get_tables() {
            ctx.register(&name, source.execute(&format!("SELECT * FROM \"{name}\""))?);
        }
        Ok(Queries {
            ctx,
            base: self.base.clone(),
        })
    }

    /// Registers a table of the caller's (the findings, for a report).
    pub fn register(&mut self, name: &str, table: LazyFrame) {
        self.ctx.register(name, table);
    }

    /// Registers a table every rule may read, kept until the run ends (the
    /// sources `given`).
    pub fn register_shared(&mut self, name: &str, table: LazyFrame) {
        self.ctx.register(name, table);
        if !self.base.iter().any(|b| b == name) {
            self.base.push(name.to_string());
        }
    }

    /// Takes out every helper table the rules built, once they all ran:
    /// their plans hold the invoice table as the rules read it.
    pub fn forget_rule_tables(&mut self) {
        for name in self.ctx.get_tables() {
            if !self.base.contains(&name) {
                self.ctx.unregister(&name);
            }
        }
    }

    /// Takes the row-level tables out once the rules that read them have
    /// run, with every helper table those rules built, so a later query
    /// that still names one fails instead of seeing no rows.
    pub fn forget_row_level(&mut self) {
        for name in self.ctx.get_tables() {
            if ROW_LEVEL_TABLES.contains(&name.as_str()) || !self.base.contains(&name) {
                self.ctx.unregister(&name);
            }
        }
    }
}

/// The one-row `params` table (also written by `export-tables`, so an
/// engine running the rules elsewhere reads the same parameters).
pub fn params_table(params: &Params) -> PolarsResult<DataFrame> {
    DataFrame::new(
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
    )
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
