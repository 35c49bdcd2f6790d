//! The English texts: what the tool wrote before it had a second
//! language, word for word (the outputs in `en` must not change).

use super::texts::Texts;

pub const EN: Texts = Texts {
    pln: "PLN {}",
    pln_approx: "≈ {}",
    pln_unconverted: "{} not converted to PLN (no NBP rate)",
    wb_pln_col: "≈ PLN",
    statuses: [
        "submitted on time",
        "submitted late",
        "pending",
        "unverified",
        "overdue",
        "not required",
    ],
    severities: ["high", "medium", "low"],
    buckets: ["not due", "1-2", "3-5", "6-10", "11-20", ">20"],
    bucket_bars: [
        "not due days",
        "1-2 days",
        "3-5 days",
        "6-10 days",
        "11-20 days",
        ">20 days",
    ],
    modes: ["offline24", "offline", "emergency", "total_failure"],
    all_offline: "all offline",

    html_lang: "en",
    page_title: "KSeF offline invoices as of {}",
    heading: "KSeF offline invoices",
    as_of: "As of",
    fingerprint: "input fingerprint",
    kpi_invoices: "Invoices reconciled",
    kpi_offline: "Issued offline",
    kpi_offline_value: "Offline gross value",
    kpi_open: "Unresolved exceptions",
    kpi_overdue: "Overdue offline invoices",
    kpi_penalty: "Maximum penalty exposure (art. 106ni, from 2027)*",
    kpi_penalty_note: "{} invoices. *{}.",
    status_heading: "Submission status",
    status_offline_chart: "Offline invoices by status",
    status_all_chart: "All invoices by status",
    decisions_heading: "Per decision",
    decisions_head: [
        "decision",
        "mode",
        "period",
        "owner",
        "approved by",
        "invoices",
        "gross value",
    ],
    decisions_statuses: [
        "on time",
        "late",
        "pending",
        "unverified",
        "overdue",
        "not required",
    ],
    decisions_tail: ["complete %", "open exc."],
    still_on: "still on",
    all_decisions: "all decisions",
    unverified_note: "{} invoice(s) unverified: no KSeF submission found and the KSeF extract cannot prove there is none; complete % counts them as not submitted.",
    without_decision_note: "{} offline invoice(s) cite no decision or one that is not in the decisions file (see MODE_OUTSIDE_DECISION).",
    modes_heading: "Offline invoices by mode",
    modes_head: ["mode", "invoices", "gross value"],
    ageing_heading: "Unresolved exceptions and their ageing",
    ageing_intro: "Business days past the deadline (&ldquo;not due&rdquo;: deadline not passed, or no deadline).",
    ageing_chart: "Open exceptions by ageing bucket",
    ageing_head: ["owner", "currency"],
    ageing_tail: ["total", "gross value"],
    oldest_heading: "Oldest open items",
    oldest_head: [
        "code",
        "severity",
        "invoice",
        "decision",
        "owner",
        "deadline",
        "business days overdue",
        "gross",
    ],
    oldest_print_note: "Printed: the {} oldest of {} open items; all are in exceptions.csv and ageing.xlsx.",
    jpk_heading: "VAT returns (JPK_V7) to correct",
    jpk_head: [
        "seller",
        "period",
        "return file",
        "made at",
        "rows to change",
    ],
    jpk_none: "No JPK_V7 return needs a correction.",
    jpk_rows_note: "The rows to change, with what each must carry, are in jpk_corrections.csv.",
    trend_heading: "Trend",
    trend_caption: "Open exceptions by severity and overdue invoices, per run date (the last {} runs of the register)",
    trend_overdue: "overdue invoices",
    trend_none: "No trend yet: the register holds the counts of no run.",
    trend_one: "No trend yet: the register holds the counts of one run ({}); the trend starts with the second.",
    footer: "Unresolved means open or reopened in the exception register (resolved, accepted and cleared findings are listed in exceptions.csv with their status). Statuses and deadlines follow the KSeF rules for offline24, unavailability (offline), emergency and total-failure invoices, counted in Polish business days. Details: exceptions.csv, reconciliation.csv, completeness.csv and ageing.xlsx beside this page; run.json lists every input file with its SHA-256.",
    penalty_note: "statutory maximum under art. 106ni of the VAT Act (from 2027); the tax office may set a lower penalty",
    scenario: "Scenario, not a record: every deadline is computed as if {}. The exception register was not updated.",
    scenario_end: "{} ended at {}",
    scenario_and: " and ",
    extract_none: "No KSeF metadata extract given: the absence of submissions is not proven",
    extract_complete: "KSeF extract complete through {}",
    extract_empty: "KSeF extract holds no records and no ksef_extract_through: the absence of submissions is not proven",
    extract_incomplete: "KSeF extract incomplete, the absence of submissions is not proven: {}",

    wb_title: "KSeF offline invoices: ageing and reconciliation",
    wb_subject: "as of {}",
    wb_comment: "input fingerprint {}",
    sheet_dashboard: "Dashboard",
    sheet_exceptions: "Exceptions",
    sheet_ageing: "Ageing",
    sheet_completeness: "Completeness",
    sheet_decisions: "Decisions",
    sheet_jpk: "JPK",
    sheet_reconciliation: "Reconciliation",
    note: "note",
    reconciliation_left_out: "left out with --no-reconciliation-sheet",
    reconciliation_note: "{} invoices ({}): the full reconciliation is in reconciliation.csv beside this workbook.",
    reconciliation_action: "Only the invoices that need action are listed here (not submitted on time, pending, unverified, or with an exception): {} of {} invoices. The other {} are left out; reconciliation.csv beside this workbook has every invoice.",
    reconciliation_action_capped: "Only invoices that need action are listed here (not submitted on time, pending, unverified, or with an exception): the first {} of the {} that need action, in reconciliation.csv's order, of {} invoices. The other {} are left out; reconciliation.csv beside this workbook has every invoice, exceptions.csv and the Exceptions sheet every exception.",
    wb_heading: "KSeF offline invoices: dashboard",
    wb_as_of: "As of",
    wb_fingerprint: "Input fingerprint",
    wb_version: "ksef-recon version",
    wb_invoices: "Invoices reconciled",
    wb_extract: "KSeF extract",
    wb_penalty: "Maximum penalty exposure (art. 106ni, from 2027), PLN",
    wb_penalty_note: "{} invoices; {}",
    wb_modes_title: "Offline invoices by mode (gross value per currency)",
    wb_mode: "mode",
    wb_invoices_col: "invoices",
    wb_status_title: "Submission status",
    wb_status_head: ["status", "all invoices", "offline invoices"],
    // The statuses as the outputs write them.
    wb_statuses: crate::contract::Status::NAMES,
    wb_severity_title: "Open exceptions by severity",
    wb_severity_head: ["severity", "open"],
    wb_all_open: "all open",
    wb_ageing_title: "Ageing of open exceptions",
    wb_ageing_head: ["business days overdue", "open"],
    wb_oldest_title: "Oldest open items",
    wb_penalty_title: "Maximum penalty exposure (art. 106ni, from 2027) by owner, PLN",
    wb_penalty_head: ["owner", "invoices", "max_penalty_pln"],
    wb_no_owner: "(no owner)",
    no_mode: "(none)",
    wb_total: "total",
    wb_status_chart: "Offline invoices by submission status",
    wb_ageing_chart: "Open exceptions by business days overdue",
    wb_trend_title: "Trend: open exceptions by severity and overdue invoices per run date",
    wb_trend_head: ["run date", "high", "medium", "low", "overdue invoices"],
    wb_trend_chart: "Open exceptions and overdue invoices per run date",
    ageing_key: "key",
    ageing_currency: "currency",
    ageing_count: "count {}",
    ageing_count_total: "count total",
    ageing_value: "value {}",
    ageing_value_total: "value total",
    ageing_by_owner: "Open exceptions by owner",
    ageing_by_mode: "Open exceptions by mode",
    owner: "owner",
    mode: "mode",
    fmt_date: "yyyy-mm-dd",
    fmt_datetime: "yyyy-mm-dd hh:mm",
    fmt_amount: "#,##0.00",
    fmt_pln: "#,##0.00",
    columns: &[],

    x_invoice: "Invoice",
    x_decision: "Decision",
    x_finding: "Finding",
    x_title: "{} {} (as of {})",
    x_invoices_under: "\nInvoices under it ({}):",
    x_invoice_line: "  {}/{}  issued {}  {}  deadline {}",
    x_history: "\nRegister history of these findings ({} rows):",
    x_status: "\nStatus: {}",
    x_deadline: "Deadline: {}",
    x_reconciliation: "\nReconciliation:",
    x_findings: "\nFindings ({}):",
    x_none: "  none",
    x_detail: "detail",
    x_inputs: "\nInput rows (each tagged with its file and line):",
    x_input_file: "\n  {} {} (line {})",
    x_columns: &[],

    r_scope_decision: "decision {}: the invoices issued under it",
    r_scope_month: "month {}: offline invoices and online invoices sent after their issue date, issued in {}",
    r_register: "
register/           the exception register's rows of this scope (--state):
                    register.csv (status, first seen, cleared, reopened,
                    resolution), history.csv (their history rows, byte for
                    byte, each with its hash) and head.txt (the head of the
                    whole history, and how to check each row's hash).
",
    readme: "KSeF evidence pack
==================

Scope:   {}
As of:   {} (KSeF submissions after this date are not counted)
Tool:    ksef-recon {}
Inputs:  fingerprint {} (SHA-256 over every input file's hash and path)

What each file proves
---------------------
decisions.csv       who declared, approved and closed each offline period in
                    scope, and the MF announcement (event, category, start,
                    end) it links; period_end sets the invoices' deadlines.
reconciliation.csv  every invoice in scope: where it was found (ledger,
                    offline log, KSeF), its KSeF number, submission date,
                    legal deadline, how that deadline was reached
                    (deadline_basis) and status.
exceptions.csv      every finding on those invoices and decisions, with its
                    severity, owner and business days overdue.
completeness.csv    counts by status and value per currency for the scope,
                    and its completeness percentage.
responsibility.csv  per decision: who declared, approved and closed it, who
                    issued its invoices, approved exceptions or changed
                    master data, the access grants used, and a verdict.
jpk_corrections.csv the VAT returns (JPK_V7) to correct: for a month, that
                    period's return and its rows to change; for a decision,
                    the rows of its invoices (only the header when none).
ageing.xlsx         the same, as a workbook (Dashboard, Exceptions, Ageing,
                    Completeness, Decisions, JPK, Reconciliation sheets).
input/              the raw input files that prove the scope, byte for byte
                    as found in the bundle: offline/decisions.*, every
                    announcements/ file, and for each invoice in scope its
                    archived FA(3) file (archive/, matched on seller NIP and
                    P_2; its SHA-256 is reconciliation.csv's archive_hash and
                    KSeF's invoiceHash) and the UPO receipt (ksef/upo/) in
                    which KSeF confirmed it.
input/rows/         the scope's rows of every ledger, offline-log, KSeF
                    metadata, activity and grants file, each tagged with
                    its file (_file) and line (_line): CSV records and JSON
                    objects byte for byte, JPK rows as written, workbooks
                    and Parquet as a CSV under their own column names.
manifest.json       the SHA-256 and size of every file above, the tool
                    version, the as-of date, the scope, and every input
                    file's SHA-256 as recorded by the run (input_files).

How to verify
-------------
1. ksef-recon verify-pack PACK.zip
   recomputes every SHA-256 in manifest.json; it names each altered, missing
   or extra file and exits 1, or prints \"ok: N files verified\".
   Without the tool: sha256sum each file and compare with manifest.json.
2. For each file under input/ but input/rows/, its SHA-256 must also equal
   the input_files entry of the same path: the pack holds the very bytes the
   run read. For a row under input/rows/, the file it names has its SHA-256
   in input_files; its line _line is the row.
3. Re-running `ksef-recon evidence` with the same bundle, scope and --as-of
   gives a byte-identical zip.

Text cells starting with =, +, -, @, tab or CR are prefixed with ' so that
no spreadsheet runs them.
",
};
