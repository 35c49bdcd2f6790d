//! What one language's table of texts holds ([`Texts`]).

/// Every text of one language. Fields are grouped by where they appear.
pub struct Texts {
    // Numbers and the words of the contract.
    /// An amount in złoty, the amount as `{}`.
    pub pln: &'static str,
    /// A total converted to PLN, `{}` the amount in złoty.
    pub pln_approx: &'static str,
    /// Why a total has no PLN sum: `{}` amounts without an NBP rate.
    pub pln_unconverted: &'static str,
    /// The workbook's column of totals in PLN.
    pub wb_pln_col: &'static str,
    /// Labels of the statuses, in `contract::Status::NAMES`' order.
    pub statuses: [&'static str; 6],
    /// Labels of the severities, in `contract::Severity::NAMES`' order.
    pub severities: [&'static str; 3],
    /// The ageing buckets as table headers and as chart labels.
    pub buckets: [&'static str; 6],
    pub bucket_bars: [&'static str; 6],
    /// Labels of the offline modes, in the contract's order.
    pub modes: [&'static str; 4],
    /// The total row of the offline modes.
    pub all_offline: &'static str,

    // The dashboard page.
    pub html_lang: &'static str,
    pub page_title: &'static str,
    pub heading: &'static str,
    pub as_of: &'static str,
    pub fingerprint: &'static str,
    pub kpi_invoices: &'static str,
    pub kpi_offline: &'static str,
    pub kpi_offline_value: &'static str,
    pub kpi_open: &'static str,
    pub kpi_overdue: &'static str,
    pub kpi_penalty: &'static str,
    /// `{}` invoices, `{}` the penalty note.
    pub kpi_penalty_note: &'static str,
    pub status_heading: &'static str,
    pub status_offline_chart: &'static str,
    pub status_all_chart: &'static str,
    pub decisions_heading: &'static str,
    /// The decisions table's headers before the status columns, the
    /// status columns, and after them.
    pub decisions_head: [&'static str; 7],
    pub decisions_statuses: [&'static str; 6],
    pub decisions_tail: [&'static str; 2],
    pub still_on: &'static str,
    pub all_decisions: &'static str,
    pub unverified_note: &'static str,
    pub without_decision_note: &'static str,
    pub modes_heading: &'static str,
    pub modes_head: [&'static str; 3],
    pub ageing_heading: &'static str,
    pub ageing_intro: &'static str,
    pub ageing_chart: &'static str,
    pub ageing_head: [&'static str; 2],
    pub ageing_tail: [&'static str; 2],
    pub oldest_heading: &'static str,
    pub oldest_head: [&'static str; 8],
    /// The printed page's note under the oldest items: `{}` printed of
    /// `{}` open.
    pub oldest_print_note: &'static str,
    /// The VAT returns to correct: heading, table headers, the sentence
    /// when there are none, and where their rows are listed.
    pub jpk_heading: &'static str,
    pub jpk_head: [&'static str; 5],
    pub jpk_none: &'static str,
    pub jpk_rows_note: &'static str,
    pub trend_heading: &'static str,
    pub trend_caption: &'static str,
    pub trend_overdue: &'static str,
    pub trend_none: &'static str,
    pub trend_one: &'static str,
    pub footer: &'static str,
    pub penalty_note: &'static str,
    pub scenario: &'static str,
    /// One assumed end in [`Texts::scenario`]: `{}` the period, `{}` when.
    pub scenario_end: &'static str,
    pub scenario_and: &'static str,
    pub extract_none: &'static str,
    pub extract_complete: &'static str,
    pub extract_empty: &'static str,
    pub extract_incomplete: &'static str,

    // The workbook.
    pub wb_title: &'static str,
    pub wb_subject: &'static str,
    pub wb_comment: &'static str,
    pub sheet_dashboard: &'static str,
    pub sheet_exceptions: &'static str,
    pub sheet_ageing: &'static str,
    pub sheet_completeness: &'static str,
    pub sheet_decisions: &'static str,
    /// The VAT returns to correct (jpk_corrections.csv).
    pub sheet_jpk: &'static str,
    pub sheet_reconciliation: &'static str,
    pub note: &'static str,
    pub reconciliation_left_out: &'static str,
    pub reconciliation_note: &'static str,
    /// Above a large bundle's Reconciliation sheet of the invoices that
    /// need action: those listed, all invoices, those left out.
    pub reconciliation_action: &'static str,
    /// The same when even those are more than the sheet lists: those
    /// listed, those that need action, all invoices, those left out.
    pub reconciliation_action_capped: &'static str,
    pub wb_heading: &'static str,
    pub wb_as_of: &'static str,
    pub wb_fingerprint: &'static str,
    pub wb_version: &'static str,
    pub wb_invoices: &'static str,
    pub wb_extract: &'static str,
    pub wb_penalty: &'static str,
    pub wb_penalty_note: &'static str,
    pub wb_modes_title: &'static str,
    pub wb_mode: &'static str,
    pub wb_invoices_col: &'static str,
    pub wb_status_title: &'static str,
    pub wb_status_head: [&'static str; 3],
    /// The statuses' labels on the Dashboard sheet.
    pub wb_statuses: [&'static str; 6],
    pub wb_severity_title: &'static str,
    pub wb_severity_head: [&'static str; 2],
    pub wb_all_open: &'static str,
    pub wb_ageing_title: &'static str,
    pub wb_ageing_head: [&'static str; 2],
    pub wb_oldest_title: &'static str,
    pub wb_penalty_title: &'static str,
    pub wb_penalty_head: [&'static str; 3],
    /// The key of exceptions without an owner, and without a mode.
    pub wb_no_owner: &'static str,
    pub no_mode: &'static str,
    pub wb_total: &'static str,
    pub wb_status_chart: &'static str,
    pub wb_ageing_chart: &'static str,
    pub wb_trend_title: &'static str,
    pub wb_trend_head: [&'static str; 5],
    pub wb_trend_chart: &'static str,
    pub ageing_key: &'static str,
    pub ageing_currency: &'static str,
    pub ageing_count: &'static str,
    pub ageing_count_total: &'static str,
    pub ageing_value: &'static str,
    pub ageing_value_total: &'static str,
    pub ageing_by_owner: &'static str,
    pub ageing_by_mode: &'static str,
    pub owner: &'static str,
    pub mode: &'static str,
    /// Excel number formats (written in Excel's own notation; Excel shows
    /// them with the reader's separators).
    pub fmt_date: &'static str,
    pub fmt_datetime: &'static str,
    pub fmt_amount: &'static str,
    pub fmt_pln: &'static str,
    /// Headers of the data sheets' columns, by column name; a column not
    /// listed keeps its name.
    pub columns: &'static [(&'static str, &'static str)],

    // `explain`.
    pub x_invoice: &'static str,
    pub x_decision: &'static str,
    pub x_finding: &'static str,
    pub x_title: &'static str,
    pub x_invoices_under: &'static str,
    pub x_invoice_line: &'static str,
    pub x_history: &'static str,
    pub x_status: &'static str,
    pub x_deadline: &'static str,
    pub x_reconciliation: &'static str,
    pub x_findings: &'static str,
    pub x_none: &'static str,
    pub x_detail: &'static str,
    pub x_inputs: &'static str,
    pub x_input_file: &'static str,
    /// Labels of the reconciliation and exception columns `explain` shows;
    /// empty in English, which shows the column names.
    pub x_columns: &'static [(&'static str, &'static str)],

    // The evidence pack's README.
    pub r_scope_decision: &'static str,
    pub r_scope_month: &'static str,
    /// What the README says of the register's files, when the pack has them.
    pub r_register: &'static str,
    pub readme: &'static str,
}

impl Texts {
    /// A data column's header: its label in this language, or its name.
    pub fn column<'a>(&self, name: &'a str) -> &'a str {
        lookup(self.columns, name)
    }

    /// A column's label on `explain`'s page.
    pub fn explain_column<'a>(&self, name: &'a str) -> &'a str {
        lookup(self.x_columns, name)
    }
}

fn lookup<'a>(table: &'static [(&'static str, &'static str)], name: &'a str) -> &'a str {
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(name, |(_, label)| label)
}
