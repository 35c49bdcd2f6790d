//! `explain`'s page of text: what a controller pastes into an email.

use std::fmt::Write as _;

use super::story::{Record, Story};
use crate::contract::parse_written;
use crate::lang::{Lang, fill};

/// The reconciliation columns shown for the invoice, in this order.
const INVOICE: [&str; 13] = [
    "issue_date",
    "mode",
    "decision_id",
    "in_ledger",
    "in_offline_log",
    "in_ksef",
    "ksef_number",
    "submitted_on",
    "gross_amount",
    "currency",
    "owner",
    "archive_file",
    "upo_file",
];

/// The exception columns shown for each finding.
const FINDING: [&str; 7] = [
    "severity",
    "deadline",
    "submitted_on",
    "age_business_days",
    "user",
    "status",
    "first_seen",
];

/// The whole page, in `lang`. Column names are shown as they are in
/// English and by their label in another language; values keep their
/// contract spelling (statuses, codes, `deadline_basis`), but dates and
/// amounts are written as the language writes them.
pub fn page(story: &Story, lang: Lang) -> String {
    let t = lang.texts();
    let mut out = String::new();
    let what = match story.kind.as_str() {
        "invoice" => t.x_invoice,
        "decision" => t.x_decision,
        _ => t.x_finding,
    };
    line(
        &mut out,
        t.x_title,
        &[what, &story.id, &lang.date(&story.as_of)],
    );
    if story.kind == "invoice" {
        for invoice in &story.invoices {
            invoice_part(&mut out, invoice, lang);
        }
    } else if !story.invoices.is_empty() {
        line(
            &mut out,
            t.x_invoices_under,
            &[&story.invoices.len().to_string()],
        );
        for r in &story.invoices {
            let values = [
                r.get("seller_nip"),
                r.get("invoice_number"),
                &lang.date(r.get("issue_date")),
                r.get("status"),
                &lang.date(or_none(r.get("deadline"))),
            ];
            line(&mut out, t.x_invoice_line, &values);
        }
    }
    findings_part(&mut out, &story.findings, lang);
    inputs_part(&mut out, story, lang);
    if let Some(history) = &story.history {
        line(&mut out, t.x_history, &[&history.len().to_string()]);
        for h in history {
            let _ = writeln!(out, "  {}:{}  {}", h.file, h.line, h.row);
        }
    }
    out
}

/// One line of the page: `template` filled with `values`.
fn line(out: &mut String, template: &str, values: &[&str]) {
    let _ = writeln!(out, "{}", fill(template, values));
}

/// The width of a column of labels: at least `least` (the English page's
/// own), wider where a language's labels are longer, so values line up.
fn width(columns: &[&str], least: usize, lang: Lang) -> usize {
    let t = lang.texts();
    columns
        .iter()
        .map(|c| t.explain_column(c).chars().count())
        .fold(least, usize::max)
}

fn or_none(value: &str) -> &str {
    if value.is_empty() { "-" } else { value }
}

/// A value as `lang` writes it: dates and amounts in its notation.
fn shown(column: &str, value: &str, lang: Lang) -> String {
    match (lang, column) {
        (Lang::En, _) => value.to_string(),
        (_, "gross_amount") => parse_written(value).map_or(value.to_string(), |c| lang.amount(c)),
        _ => lang.date(value),
    }
}

fn invoice_part(out: &mut String, r: &Record, lang: Lang) {
    let t = lang.texts();
    line(out, t.x_status, &[r.get("status")]);
    line(out, t.x_deadline, &[&lang.date(or_none(r.get("deadline")))]);
    let _ = writeln!(out, "  {}", or_none(r.get("deadline_basis")));
    line(out, t.x_reconciliation, &[]);
    let w = width(&INVOICE, 15, lang);
    for c in INVOICE {
        let value = shown(c, or_none(r.get(c)), lang);
        let _ = writeln!(out, "  {:<w$} {value}", t.explain_column(c));
    }
}

fn findings_part(out: &mut String, findings: &[Record], lang: Lang) {
    let t = lang.texts();
    line(out, t.x_findings, &[&findings.len().to_string()]);
    if findings.is_empty() {
        line(out, t.x_none, &[]);
    }
    let w = width(&FINDING, 17, lang).max(t.x_detail.chars().count());
    for f in findings {
        let _ = writeln!(out, "  {}  {}", f.get("exception_id"), f.get("code"));
        for c in FINDING {
            if !f.get(c).is_empty() {
                let value = shown(c, f.get(c), lang);
                let _ = writeln!(out, "    {:<w$} {value}", t.explain_column(c));
            }
        }
        let _ = writeln!(out, "    {:<w$} {}", t.x_detail, or_none(f.get("detail")));
    }
}

fn inputs_part(out: &mut String, story: &Story, lang: Lang) {
    let t = lang.texts();
    line(out, t.x_inputs, &[]);
    if story.inputs.is_empty() {
        line(out, t.x_none, &[]);
    }
    for file in &story.inputs {
        let lines: Vec<String> = file.lines.iter().map(u64::to_string).collect();
        line(
            out,
            t.x_input_file,
            &[&file.source, &file.file, &lines.join(", ")],
        );
        for row in file.rows.lines() {
            let _ = writeln!(out, "    {row}");
        }
    }
}
