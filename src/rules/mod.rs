//! The exception rules of contract section 5. Each code is one SQL file in
//! `queries/rules/` that states the finding (which invoice or decision, and
//! why); this module registers them with their severity and the inputs they
//! need, runs them, and gives every finding the same shape: the invoice's
//! context, a stable `exception_id`, and its ageing.
//!
//! A rule whose inputs the bundle does not provide is skipped and reported in
//! `run.json`; it is never counted as passed.

use chrono::NaiveDate;
use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::contract::Severity;
use crate::contract::Source;
use crate::matching::{self, Matched, Params, deadlines};
use crate::sql;

/// One exception code.
pub struct Rule {
    pub code: &'static str,
    pub severity: Severity,
    /// File name under `queries/rules/`. A code whose parts need different
    /// inputs has one entry per part, so each part is skipped on its own.
    pub file: &'static str,
    pub sql: &'static str,
    /// Optional inputs without which the rule cannot decide.
    pub needs: &'static [Source],
}

macro_rules! rule {
    ($code:literal, $sev:ident, $file:literal, [$($need:ident),*]) => {
        Rule {
            code: $code,
            severity: Severity::$sev,
            file: $file,
            sql: include_str!(concat!("../../queries/rules/", $file)),
            needs: &[$(Source::$need),*],
        }
    };
}

/// Every rule: the contract's first fifteen, then the governance controls,
/// then the checks of what the inputs prove (v1.2).
pub const RULES: &[Rule] = &[
    rule!(
        "OVERDUE_SUBMISSION",
        High,
        "overdue_submission.sql",
        [KsefMetadata]
    ),
    rule!(
        "LATE_SUBMISSION",
        High,
        "late_submission.sql",
        [KsefMetadata]
    ),
    rule!(
        "ONLINE_SENT_LATE",
        Low,
        "online_sent_late.sql",
        [KsefMetadata]
    ),
    rule!("NOT_IN_LEDGER", High, "not_in_ledger.sql", [KsefMetadata]),
    rule!(
        "AMOUNT_MISMATCH",
        High,
        "amount_mismatch.sql",
        [KsefMetadata]
    ),
    rule!(
        "ISSUE_DATE_MISMATCH",
        Medium,
        "issue_date_mismatch.sql",
        [KsefMetadata]
    ),
    rule!(
        "KSEF_NUMBER_MISMATCH",
        Medium,
        "ksef_number_mismatch.sql",
        [KsefMetadata]
    ),
    rule!("INVALID_KSEF_NUMBER", Medium, "invalid_ksef_number.sql", []),
    rule!("HASH_MISMATCH", High, "hash_mismatch.sql", [KsefMetadata]),
    rule!("DUPLICATE_NUMBER", High, "duplicate_number.sql", []),
    rule!(
        "DUPLICATE_IN_KSEF",
        High,
        "duplicate_in_ksef.sql",
        [KsefMetadata]
    ),
    rule!(
        "MODE_OUTSIDE_DECISION",
        High,
        "mode_outside_decision.sql",
        [OfflineLog, Decisions]
    ),
    rule!(
        "MODE_WITHOUT_ANNOUNCEMENT",
        High,
        "mode_without_announcement.sql",
        [Decisions, Announcements]
    ),
    rule!(
        "DECISION_NOT_APPROVED",
        High,
        "decision_not_approved.sql",
        [Decisions]
    ),
    rule!("BFK_IN_KSEF", Medium, "bfk_in_ksef.sql", [KsefMetadata]),
    rule!(
        "ARCHIVE_MISSING",
        Medium,
        "archive_missing.sql",
        [OfflineLog, Archive]
    ),
    rule!(
        "AMOUNT_MISMATCH",
        High,
        "amount_mismatch_archive.sql",
        [OfflineLog, Archive]
    ),
    rule!(
        "ISSUE_DATE_MISMATCH",
        Medium,
        "issue_date_mismatch_archive.sql",
        [OfflineLog, Archive]
    ),
    rule!("NUMBERING_GAP", Medium, "numbering_gap.sql", [OfflineLog]),
    rule!(
        "DECISION_CLOSED_INCOMPLETE",
        High,
        "decision_closed_incomplete.sql",
        [Decisions, OfflineLog, KsefMetadata]
    ),
    rule!(
        "SOD_CONFLICT",
        High,
        "sod_conflict.sql",
        [Decisions, OfflineLog]
    ),
    rule!(
        "ACCESS_OUTSIDE_GRANT",
        High,
        "access_outside_grant.sql",
        [OfflineLog, Grants]
    ),
    rule!(
        "GRANT_NOT_REVIEWED",
        Medium,
        "grant_not_reviewed.sql",
        [Grants]
    ),
    rule!(
        "OFFLINE_NOT_IN_LOG",
        High,
        "offline_not_in_log.sql",
        [OfflineLog]
    ),
    rule!(
        "KSEF_EXTRACT_INCOMPLETE",
        High,
        "ksef_extract_incomplete.sql",
        [KsefMetadata]
    ),
    rule!("UPO_NOT_PRODUCTION", High, "upo_not_production.sql", [Upo]),
    rule!(
        "DUPLICATE_KSEF_NUMBER",
        High,
        "duplicate_ksef_number.sql",
        []
    ),
    rule!("ARCHIVE_ORPHAN", Low, "archive_orphan.sql", [Archive]),
    rule!(
        "MARKER_MISMATCH",
        Medium,
        "marker_mismatch.sql",
        [OfflineLog]
    ),
];

/// A rule that did not run, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub code: &'static str,
    /// The rule's SQL file: a code may have parts with different inputs.
    pub file: &'static str,
    pub missing: Vec<&'static str>,
}

/// Whether any part of `code` ran (its count in `run.json` means something).
pub fn ran(code: &str, skipped: &[Skipped]) -> bool {
    RULES
        .iter()
        .filter(|r| r.code == code)
        .any(|r| !skipped.iter().any(|s| s.file == r.file))
}

/// What a rule's SQL may return; anything it leaves out is null.
const FINDING_COLUMNS: &[&str] = &[
    "code",
    "seller_nip",
    "invoice_number",
    "decision_id",
    "user",
    "ksef_number",
    "detail",
    "discriminator",
    // Only for findings about something no invoice of the run holds (an
    // orphaned archive file): the invoice's amount from the file itself.
    "gross_amount",
    "currency",
];

/// The columns of `exceptions.csv`, in order (contract section 6).
pub const EXCEPTION_COLUMNS: &[&str] = &[
    "exception_id",
    "code",
    "severity",
    "seller_nip",
    "invoice_number",
    "ksef_number",
    "mode",
    "decision_id",
    "user",
    "owner",
    "deadline",
    "submitted_on",
    "age_business_days",
    "ageing_bucket",
    "gross_amount",
    "currency",
    "detail",
];

/// The rules that read row-level tables (`ledger`, `ksef`, `upo`,
/// `archive`) rather than the invoice table alone. They run first, and the
/// row-level tables are released before the others run: at 10M invoices
/// what is left of the ledger and KSeF tables (keys, KSeF numbers, origin)
/// holds some 1.4 GiB that the rest of the run has no use for. A rule
/// missing here that reads those tables fails with "no table" rather than
/// running on nothing.
const ROW_LEVEL_RULES: [&str; 5] = [
    "invalid_ksef_number.sql",
    "duplicate_in_ksef.sql",
    "archive_missing.sql",
    "duplicate_ksef_number.sql",
    "archive_orphan.sql",
];

/// Runs every rule whose inputs are provided; returns the exceptions (one
/// row per finding, sorted by severity, code and invoice) and the skipped
/// rules. Releases the row-level tables of `rec` on the way (see
/// [`ROW_LEVEL_RULES`]).
pub fn run(
    rec: &mut Matched,
    params: &Params,
    provided: impl Fn(Source) -> bool,
) -> PolarsResult<(DataFrame, Vec<Skipped>)> {
    let mut ctx = sql::context(rec, params)?;
    let mut findings: Vec<Option<LazyFrame>> = vec![None; RULES.len()];
    let mut skipped = Vec::new();
    let tables = ctx.get_tables();
    let step = crate::progress::Step::start("row-level rules, and the others planned");
    for row_level in [true, false] {
        if !row_level {
            sql::forget_row_level(&ctx, &tables);
            rec.release_row_level();
        }
        for (i, rule) in RULES.iter().enumerate() {
            if ROW_LEVEL_RULES.contains(&rule.file) != row_level {
                continue;
            }
            let missing: Vec<&'static str> = rule
                .needs
                .iter()
                .filter(|s| !provided(**s))
                .map(|s| s.location())
                .collect();
            if !missing.is_empty() {
                skipped.push(Skipped {
                    code: rule.code,
                    file: rule.file,
                    missing,
                });
                continue;
            }
            let lf = shape(sql::run_script(
                &mut ctx,
                &format!("rules/{}", rule.file),
                rule.sql,
            )?)?;
            // Computed now, while the tables it reads are still there.
            findings[i] = Some(if row_level { lf.collect()?.lazy() } else { lf });
        }
    }
    drop(step);
    skipped.sort_by_key(|s| RULES.iter().position(|r| r.file == s.file));
    let findings: Vec<LazyFrame> = findings.into_iter().flatten().collect();
    let step = crate::progress::Step::start("rule queries");
    let all = if findings.is_empty() {
        empty_findings()?
    } else {
        // One rule at a time: each rule's plan is parallel already, and
        // several at once held their intermediate columns side by side
        // (at 10M invoices the rules stage was the run's peak).
        concat(
            findings,
            UnionArgs {
                parallel: false,
                ..Default::default()
            },
        )?
        .collect()?
    };
    drop(step);
    let _step = crate::progress::Step::start("findings in context");
    let exceptions = enrich(all, rec, params.as_of)?.collect()?;
    Ok((with_ids(exceptions)?, skipped))
}

fn empty_findings() -> PolarsResult<DataFrame> {
    let columns = FINDING_COLUMNS
        .iter()
        .map(|c| Column::new_empty((*c).into(), &DataType::String))
        .collect();
    DataFrame::new(0, columns)
}

/// Gives a rule's result the finding columns, in order, as text.
fn shape(mut lf: LazyFrame) -> PolarsResult<LazyFrame> {
    let schema = lf.collect_schema()?;
    let exprs: Vec<Expr> = FINDING_COLUMNS
        .iter()
        .map(|&c| {
            if schema.contains(c) {
                col(c).cast(DataType::String)
            } else {
                lit(NULL).cast(DataType::String).alias(c)
            }
        })
        .collect();
    Ok(lf.select(exprs))
}

/// Adds the invoice's (or decision's) context, severity and ageing.
fn enrich(findings: DataFrame, rec: &Matched, as_of: NaiveDate) -> PolarsResult<LazyFrame> {
    // Only the invoices with a finding, picked once by a semi join on the
    // few finding keys, so the joins below are between small tables. The
    // invoice numbers are matched first on their own (one text column, no
    // row encoding of the pair), so the join sees only those few rows.
    let found = findings
        .clone()
        .lazy()
        .select(matching::keys())
        .unique(None, UniqueKeepStrategy::Any)
        .collect()?;
    let numbers = found
        .column("invoice_number")?
        .as_materialized_series()
        .unique()?;
    let invoices = rec
        .invoices
        .clone()
        .lazy()
        .filter(col("invoice_number").is_in(lit(numbers).implode(false), false))
        .join(
            found.lazy(),
            matching::keys(),
            matching::keys(),
            JoinArgs::new(JoinType::Semi),
        );
    let invoices = rec
        .sparse
        .attach(invoices)
        .select([
            col("seller_nip"),
            col("invoice_number"),
            col("mode").alias("inv_mode"),
            col("decision_id").alias("inv_decision_id"),
            col("issued_by").alias("inv_user"),
            col("owner"),
            col("ksef_number").alias("inv_ksef_number"),
            col("deadline"),
            col("deadline_kind"),
            col("submitted_on"),
            col("gross_amount"),
            col("currency"),
        ])
        .collect()?
        .lazy();
    let decisions = rec.decisions.clone().lazy().select([
        col("decision_id").alias("d_id"),
        col("mode").alias("d_mode"),
    ]);
    let severities = severity_table()?;
    let enriched = findings
        .lazy()
        .with_columns([
            col("decision_id").alias("finding_decision_id"),
            col("user").alias("finding_user"),
            col("gross_amount")
                .cast(DataType::Int64)
                .alias("finding_gross_amount"),
            col("currency").alias("finding_currency"),
        ])
        .drop(cols(["gross_amount", "currency"]))
        .join(
            invoices,
            matching::keys(),
            matching::keys(),
            matching::left(),
        )
        .with_column(coalesce(&[col("decision_id"), col("inv_decision_id")]).alias("decision_id"))
        .join(
            decisions,
            [col("decision_id")],
            [col("d_id")],
            matching::left(),
        )
        .join(
            severities.lazy(),
            [col("code")],
            [col("code")],
            matching::left(),
        )
        .with_columns([
            coalesce(&[col("inv_mode"), col("d_mode")]).alias("mode"),
            coalesce(&[col("user"), col("inv_user")]).alias("user"),
            coalesce(&[col("ksef_number"), col("inv_ksef_number")]).alias("ksef_number"),
            coalesce(&[col("gross_amount"), col("finding_gross_amount")]).alias("gross_amount"),
            coalesce(&[col("currency"), col("finding_currency")]).alias("currency"),
        ]);
    // Materialised: the ageing step reads it twice.
    deadlines::add_ageing(enriched.collect()?.lazy(), as_of)
}

/// One row per code (a code may have several SQL parts).
fn severity_table() -> PolarsResult<DataFrame> {
    let mut seen = std::collections::BTreeSet::new();
    let unique: Vec<&Rule> = RULES.iter().filter(|r| seen.insert(r.code)).collect();
    let codes: Vec<&str> = unique.iter().map(|r| r.code).collect();
    let names: Vec<&str> = unique.iter().map(|r| r.severity.as_str()).collect();
    let ranks: Vec<u32> = unique.iter().map(|r| r.severity as u32).collect();
    DataFrame::new(
        unique.len(),
        vec![
            Column::new("code".into(), codes),
            Column::new("severity".into(), names),
            Column::new("severity_rank".into(), ranks),
        ],
    )
}

/// `exception_id`: a hash of what identifies the finding (code, invoice or
/// decision, user, and the rule's discriminator), never of its detail,
/// amounts or dates, so the same finding keeps its id across runs.
fn with_ids(mut df: DataFrame) -> PolarsResult<DataFrame> {
    let parts = [
        "code",
        "seller_nip",
        "invoice_number",
        "finding_decision_id",
        "finding_user",
        "discriminator",
    ];
    let columns: Vec<&StringChunked> = parts
        .iter()
        .map(|p| df.column(p).and_then(|c| c.str()))
        .collect::<PolarsResult<_>>()?;
    let ids: StringChunked = (0..df.height())
        .map(|i| {
            let mut hasher = Sha256::new();
            for c in &columns {
                hasher.update(c.get(i).unwrap_or("").as_bytes());
                hasher.update([0x1f]);
            }
            let digest = hasher.finalize();
            Some(format!(
                "EX-{}",
                digest[..8]
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect::<String>()
            ))
        })
        .collect();
    df.with_column(ids.with_name("exception_id".into()).into_column())?;
    sorted(&df)
}

/// Findings in their output order: severity, code, invoice, decision, id.
/// A partitioned run (`crate::partition`) puts its parts' findings in this
/// order once they are joined.
pub fn sorted(findings: &DataFrame) -> PolarsResult<DataFrame> {
    findings.sort(
        [
            "severity_rank",
            "code",
            "seller_nip",
            "invoice_number",
            "decision_id",
            "exception_id",
        ],
        SortMultipleOptions::default().with_nulls_last(true),
    )
}
