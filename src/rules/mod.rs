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

use crate::contract::Source;
use crate::contract::{Code, Severity};
use crate::frame;
use crate::matching::{Matched, Params, deadlines};

pub mod queries;

pub use queries::Queries;
use queries::ROW_LEVEL_TABLES;

/// What a rule looks at, which decides how a run in parts gives it its
/// rows (see `partition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// One invoice's rows at a time (presence, amounts, dates, duplicates
    /// of one key, KSeF numbers): the part that holds the invoice decides.
    PerInvoice,
    /// Across the invoices of these sources (numbering, the archive
    /// searched by hash, per-decision counts, segregation of duties): a
    /// run in parts gives its home part these sources whole.
    Across(&'static [Source]),
    /// About no invoice (a decision, a grant, a file, the extract): found
    /// once, in the home part of a run in parts.
    Keyless,
}

/// One exception code's rule, and what it reads: the pipeline derives from
/// these declarations which tables and columns it may release after the
/// rules ran and which sources a run in parts keeps whole.
pub struct Rule {
    pub code: Code,
    pub severity: Severity,
    /// File name under `queries/rules/`. A code whose parts need different
    /// inputs has one entry per part, so each part is skipped on its own.
    pub file: &'static str,
    pub sql: &'static str,
    /// Optional inputs without which the rule cannot decide.
    pub needs: &'static [Source],
    pub scope: Scope,
    /// The tables of the SQL context it reads (`rules::Queries`).
    pub reads: &'static [&'static str],
    /// The invoice table's columns it reads that no report reads (the
    /// ledger's and KSeF's own values it compares, counts and flags): they
    /// are dropped once the rules ran.
    pub columns: &'static [&'static str],
}

impl Rule {
    /// Whether it reads a row-level table (`ledger`, `ksef`, `upo`,
    /// `archive`): such rules run first, and those tables are released
    /// before the others run (at 10M invoices what is left of them holds
    /// some 1.4 GiB the rest of the run has no use for).
    pub fn row_level(&self) -> bool {
        self.reads.iter().any(|t| ROW_LEVEL_TABLES.contains(t))
    }
}

macro_rules! rule {
    {
        code: $code:ident, severity: $sev:ident, file: $file:literal,
        needs: [$($need:ident),*], scope: $scope:expr,
        reads: [$($table:literal),*], columns: [$($column:literal),*] $(,)?
    } => {
        Rule {
            code: Code::$code,
            severity: Severity::$sev,
            file: $file,
            sql: include_str!(concat!("../../queries/rules/", $file)),
            needs: &[$(Source::$need),*],
            scope: $scope,
            reads: &[$($table),*],
            columns: &[$($column),*],
        }
    };
}

/// Every rule: the contract's first fifteen, then the governance controls,
/// then the checks of what the inputs prove (v1.2). DUPLICATE_KSEF_NUMBER
/// compares KSeF metadata records within what one run holds: in a run in
/// parts, records in different ranges are not compared (docs/rules.md).
pub const RULES: &[Rule] = &[
    rule! {
        code: OverdueSubmission, severity: High, file: "overdue_submission.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices", "params"],
        columns: [],
    },
    rule! {
        code: LateSubmission, severity: High, file: "late_submission.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["sent_offline"],
    },
    rule! {
        code: OnlineSentLate, severity: Low, file: "online_sent_late.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["sent_offline"],
    },
    rule! {
        code: NotInLedger, severity: High, file: "not_in_ledger.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["is_our_seller"],
    },
    rule! {
        code: AmountMismatch, severity: High, file: "amount_mismatch.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices", "params"],
        columns: ["ledger_gross_amount", "ledger_net_amount", "ledger_currency", "ksef_gross_amount", "ksef_net_amount", "ksef_currency", "in_ksef_metadata", "ledger_in_return"],
    },
    rule! {
        code: IssueDateMismatch, severity: Medium, file: "issue_date_mismatch.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["ledger_issue_date", "ksef_issue_date", "in_ksef_metadata"],
    },
    rule! {
        code: KsefNumberMismatch, severity: Medium, file: "ksef_number_mismatch.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["ledger_ksef_number", "meta_ksef_number", "in_ksef_metadata", "in_upo"],
    },
    rule! {
        code: InvalidKsefNumber, severity: Medium, file: "invalid_ksef_number.sql",
        needs: [], scope: Scope::PerInvoice,
        reads: ["ksef", "ledger", "upo"],
        columns: [],
    },
    rule! {
        code: HashMismatch, severity: High, file: "hash_mismatch.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["ksef_hash", "in_ksef_metadata", "in_upo"],
    },
    rule! {
        code: DuplicateNumber, severity: High, file: "duplicate_number.sql",
        needs: [], scope: Scope::PerInvoice,
        reads: ["invoices", "offline_log"],
        columns: ["ledger_rows"],
    },
    rule! {
        code: DuplicateInKsef, severity: High, file: "duplicate_in_ksef.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices", "ksef"],
        columns: ["ksef_records"],
    },
    rule! {
        code: ModeOutsideDecision, severity: High, file: "mode_outside_decision.sql",
        needs: [OfflineLog, Decisions], scope: Scope::PerInvoice,
        reads: ["decisions", "invoices"],
        columns: [],
    },
    rule! {
        code: ModeWithoutAnnouncement, severity: High, file: "mode_without_announcement.sql",
        needs: [Decisions, Announcements], scope: Scope::Keyless,
        reads: ["decisions", "events"],
        columns: [],
    },
    rule! {
        code: DecisionNotApproved, severity: High, file: "decision_not_approved.sql",
        needs: [Decisions], scope: Scope::Keyless,
        reads: ["decisions"],
        columns: [],
    },
    rule! {
        code: BfkInKsef, severity: Medium, file: "bfk_in_ksef.sql",
        needs: [KsefMetadata], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["ksef_marker"],
    },
    rule! {
        code: ArchiveMissing, severity: Medium, file: "archive_missing.sql",
        needs: [OfflineLog, Archive], scope: Scope::Across(&[Source::Archive]),
        reads: ["archive", "invoices"],
        columns: [],
    },
    rule! {
        code: AmountMismatch, severity: High, file: "amount_mismatch_archive.sql",
        needs: [OfflineLog, Archive], scope: Scope::PerInvoice,
        reads: ["invoices", "params"],
        columns: [],
    },
    rule! {
        code: IssueDateMismatch, severity: Medium, file: "issue_date_mismatch_archive.sql",
        needs: [OfflineLog, Archive], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: [],
    },
    rule! {
        code: NumberingGap, severity: Medium, file: "numbering_gap.sql",
        needs: [OfflineLog], scope: Scope::Across(&[Source::OfflineLog]),
        reads: ["numbering_gaps"],
        columns: [],
    },
    rule! {
        code: DecisionClosedIncomplete, severity: High, file: "decision_closed_incomplete.sql",
        needs: [Decisions, OfflineLog, KsefMetadata], scope: Scope::Across(&[Source::OfflineLog]),
        reads: ["decisions", "invoices", "params"],
        columns: [],
    },
    rule! {
        code: SodConflict, severity: High, file: "sod_conflict.sql",
        needs: [Decisions, OfflineLog], scope: Scope::Across(&[Source::OfflineLog]),
        reads: ["activity", "decisions", "offline_log"],
        columns: [],
    },
    rule! {
        code: AccessOutsideGrant, severity: High, file: "access_outside_grant.sql",
        needs: [OfflineLog, Grants], scope: Scope::Across(&[Source::OfflineLog]),
        reads: ["grants", "invoices"],
        columns: [],
    },
    rule! {
        code: GrantNotReviewed, severity: Medium, file: "grant_not_reviewed.sql",
        needs: [Grants], scope: Scope::Keyless,
        reads: ["grants", "params"],
        columns: [],
    },
    rule! {
        code: OfflineNotInLog, severity: High, file: "offline_not_in_log.sql",
        needs: [OfflineLog], scope: Scope::PerInvoice,
        reads: ["invoices"],
        columns: ["offline_not_in_log"],
    },
    rule! {
        code: KsefExtractIncomplete, severity: High, file: "ksef_extract_incomplete.sql",
        needs: [KsefMetadata], scope: Scope::Keyless,
        reads: ["extract_gaps"],
        columns: [],
    },
    rule! {
        code: UpoNotProduction, severity: High, file: "upo_not_production.sql",
        needs: [Upo], scope: Scope::Keyless,
        reads: ["upo_not_production"],
        columns: [],
    },
    rule! {
        code: DuplicateKsefNumber, severity: High, file: "duplicate_ksef_number.sql",
        needs: [], scope: Scope::Across(&[Source::Upo]),
        reads: ["ksef", "upo"],
        columns: [],
    },
    rule! {
        code: ArchiveOrphan, severity: Low, file: "archive_orphan.sql",
        needs: [Archive], scope: Scope::Across(&[Source::Archive]),
        reads: ["archive", "invoices"],
        columns: [],
    },
    // Its offline-log clauses are judged only with the log (`given`): see
    // `MARKER_LOG_CLAUSES`.
    rule! {
        code: MarkerMismatch, severity: Medium, file: "marker_mismatch.sql",
        needs: [], scope: Scope::PerInvoice,
        reads: ["invoices", "jpk_rows", "given"],
        columns: ["ksef_marker"],
    },
    rule! {
        code: JpkCorrectionDue, severity: Medium, file: "jpk_correction_due.sql",
        needs: [], scope: Scope::PerInvoice,
        reads: ["jpk_rows"],
        columns: [],
    },
    rule! {
        code: CorrectionBeforeOriginal, severity: Medium, file: "correction_before_original.sql",
        needs: [Archive], scope: Scope::Across(&[Source::Archive]),
        reads: ["corrections"],
        columns: [],
    },
    rule! {
        code: CorrectionReferenceWrong, severity: Medium, file: "correction_reference_wrong.sql",
        needs: [Archive], scope: Scope::Across(&[Source::Archive]),
        reads: ["corrections"],
        columns: [],
    },
];

/// The columns of the ledger and KSeF tables the rules that read those
/// tables use: each row's key, KSeF number with its validity, and origin.
/// Matching keeps only these once the invoice table is built; at 10M
/// invoices the others are some 1.3 GiB that nothing reads again.
pub const ROW_LEVEL_COLUMNS: [&str; 6] = [
    "seller_nip",
    "invoice_number",
    "ksef_number",
    "ksef_number_valid",
    "_file",
    "_line",
];

/// The invoice table's columns that only the rules read (every rule's
/// `columns`), dropped once they ran.
pub fn rules_only_columns() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for column in RULES.iter().flat_map(|r| r.columns) {
        if !out.contains(column) {
            out.push(column);
        }
    }
    out
}

/// The sources a run in parts keeps whole in its home part: every source
/// a rule looks across invoices of.
pub fn home_sources() -> Vec<Source> {
    let mut out = Vec::new();
    for rule in RULES {
        if let Scope::Across(sources) = rule.scope {
            for source in sources {
                if !out.contains(source) {
                    out.push(*source);
                }
            }
        }
    }
    out
}

/// MARKER_MISMATCH's clauses that read the offline log, as
/// `checks_skipped` names them when the log is not given (the rule's other
/// clause still runs, so the code still counts as run).
pub const MARKER_LOG_CLAUSES: &str = "marker_mismatch.sql (its offline-log clauses: BFK, OFF)";

/// Which optional sources the bundle gives, as the one-row table `given`
/// the rules read where a clause needs a source the rest does not.
pub fn given_table(provided: &impl Fn(Source) -> bool) -> PolarsResult<DataFrame> {
    DataFrame::new(
        1,
        vec![Column::new(
            "offline_log".into(),
            [provided(Source::OfflineLog)],
        )],
    )
}

/// A rule that did not run, and why.
#[derive(Debug, Clone)]
pub struct Skipped {
    pub code: Code,
    /// The rule's SQL file: a code may have parts with different inputs.
    pub file: &'static str,
    pub missing: Vec<&'static str>,
}

/// The checks [`run`] skips when only the sources `provided` says are
/// given: a rule part whose `needs` are not all provided, and the
/// offline-log clauses of MARKER_MISMATCH without an offline log, in the
/// order of `RULES` (what `run.json`'s `checks_skipped` lists; `report`
/// tells them from the sources alone).
pub fn skipped(provided: &impl Fn(Source) -> bool) -> Vec<Skipped> {
    let mut out = Vec::new();
    for rule in RULES {
        if rule.code == Code::MarkerMismatch
            && !provided(Source::OfflineLog)
            && !out.iter().any(|s: &Skipped| s.file == MARKER_LOG_CLAUSES)
        {
            out.push(Skipped {
                code: Code::MarkerMismatch,
                file: MARKER_LOG_CLAUSES,
                missing: vec![Source::OfflineLog.location()],
            });
        }
        let missing: Vec<&'static str> = (rule.needs.iter())
            .filter(|s| !provided(**s))
            .map(|s| s.location())
            .collect();
        if !missing.is_empty() {
            out.push(Skipped {
                code: rule.code,
                file: rule.file,
                missing,
            });
        }
    }
    out
}

/// Whether any part of `code` ran (its count in `run.json` means something).
pub fn ran(code: Code, skipped: &[Skipped]) -> bool {
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

/// What the rules found: one row per finding, sorted by severity, code and
/// invoice, and the rules that did not run.
pub struct Findings {
    pub all: DataFrame,
    pub skipped: Vec<Skipped>,
}

/// Runs every rule whose inputs are provided, in `queries`; returns the
/// findings. The rules that read row-level tables run first; then those
/// tables are released, from `rec` and from `queries` (see
/// [`Rule::row_level`]).
pub fn run(
    queries: &mut Queries,
    rec: &mut Matched,
    params: &Params,
    provided: impl Fn(Source) -> bool,
) -> PolarsResult<Findings> {
    let mut findings: Vec<Option<LazyFrame>> = vec![None; RULES.len()];
    let skipped = skipped(&provided);
    queries.register_shared("given", given_table(&provided)?.lazy());
    let step = crate::progress::Step::start("row-level rules, and the others planned");
    for row_level in [true, false] {
        if !row_level {
            queries.forget_row_level();
            rec.release_row_level();
        }
        for (i, rule) in RULES.iter().enumerate() {
            if rule.row_level() != row_level || skipped.iter().any(|s| s.file == rule.file) {
                continue;
            }
            let lf = shape(queries.run(&format!("rules/{}", rule.file), rule.sql)?)?;
            // Computed now, while the tables it reads are still there.
            findings[i] = Some(if row_level { lf.collect()?.lazy() } else { lf });
        }
    }
    drop(step);
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
    queries.forget_rule_tables();
    Ok(Findings {
        all: with_ids(exceptions)?,
        skipped,
    })
}

pub fn empty_findings() -> PolarsResult<DataFrame> {
    let columns = FINDING_COLUMNS
        .iter()
        .map(|c| Column::new_empty((*c).into(), &DataType::String))
        .collect();
    DataFrame::new(0, columns)
}

/// Gives a rule's result the finding columns, in order, as text.
pub fn shape(mut lf: LazyFrame) -> PolarsResult<LazyFrame> {
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

/// The context of the invoices with a finding, picked once by a semi join
/// on the few finding keys, so the joins of [`enrich`] are between small
/// tables.
fn invoices_found(findings: &DataFrame, rec: &Matched) -> PolarsResult<LazyFrame> {
    // The invoice numbers are matched first on their own (one text column, no
    // row encoding of the pair), so the join sees only those few rows.
    let found = findings
        .clone()
        .lazy()
        .select(frame::keys())
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
            frame::keys(),
            frame::keys(),
            JoinArgs::new(JoinType::Semi),
        );
    Ok(rec
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
        .lazy())
}

/// Adds the invoice's (or decision's) context, severity and ageing.
fn enrich(findings: DataFrame, rec: &Matched, as_of: NaiveDate) -> PolarsResult<LazyFrame> {
    let invoices = invoices_found(&findings, rec)?;
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
        .join(invoices, frame::keys(), frame::keys(), frame::left())
        .with_column(coalesce(&[col("decision_id"), col("inv_decision_id")]).alias("decision_id"))
        .join(
            decisions,
            [col("decision_id")],
            [col("d_id")],
            frame::left(),
        )
        .join(
            severities.lazy(),
            [col("code")],
            [col("code")],
            frame::left(),
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
    let codes: Vec<&str> = unique.iter().map(|r| r.code.as_str()).collect();
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
pub fn with_ids(mut df: DataFrame) -> PolarsResult<DataFrame> {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The tables `Queries` registers (the shared ones are built from them).
    const CONTEXT_TABLES: [&str; 17] = [
        "invoices",
        "corrections",
        "ledger",
        "ksef",
        "upo",
        "archive",
        "offline_log",
        "decisions",
        "events",
        "activity",
        "grants",
        "numbering_gaps",
        "upo_not_production",
        "extract_gaps",
        "params",
        "jpk_rows",
        "given",
    ];

    /// The SQL without `--` comments and '...' literals, lower-cased.
    fn code_of(sql: &str) -> String {
        let mut out = String::new();
        for line in sql.lines() {
            let line = line.split("--").next().unwrap_or("");
            let mut quoted = false;
            for ch in line.chars() {
                if ch == '\'' {
                    quoted = !quoted;
                } else if !quoted {
                    out.push(ch.to_ascii_lowercase());
                }
            }
            out.push('\n');
        }
        out
    }

    fn words(code: &str) -> Vec<&str> {
        code.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .filter(|w| !w.is_empty())
            .collect()
    }

    #[test]
    fn each_rule_declares_the_tables_and_rules_only_columns_its_sql_reads() {
        let columns = rules_only_columns();
        for rule in RULES {
            let code = code_of(rule.sql);
            let words = words(&code);
            let mut read: Vec<&str> = words
                .windows(2)
                .filter(|w| w[0] == "from" || w[0] == "join")
                .map(|w| w[1])
                .filter(|t| CONTEXT_TABLES.contains(t))
                .collect();
            read.sort();
            read.dedup();
            let mut declared = rule.reads.to_vec();
            declared.sort();
            assert_eq!(read, declared, "{}: tables read", rule.file);
            for column in &columns {
                assert_eq!(
                    words.contains(column),
                    rule.columns.contains(column),
                    "{}: column {column} read but not declared, or declared but not read",
                    rule.file
                );
            }
        }
    }

    #[test]
    fn what_the_declarations_give_the_pipeline() {
        let row_level: Vec<&str> = RULES
            .iter()
            .filter(|r| r.row_level())
            .map(|r| r.file)
            .collect();
        assert_eq!(
            row_level,
            [
                "invalid_ksef_number.sql",
                "duplicate_in_ksef.sql",
                "archive_missing.sql",
                "duplicate_ksef_number.sql",
                "archive_orphan.sql",
            ]
        );
        let mut home = home_sources();
        home.sort();
        let mut expected = vec![Source::OfflineLog, Source::Upo, Source::Archive];
        expected.sort();
        assert_eq!(home, expected);
    }
}
