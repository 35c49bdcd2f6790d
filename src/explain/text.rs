//! `explain`'s page of text: what a controller pastes into an email.

use std::fmt::Write as _;

use super::story::{Record, Story};

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

/// The whole page.
pub fn page(story: &Story) -> String {
    let mut out = String::new();
    let what = match story.kind.as_str() {
        "invoice" => "Invoice",
        "decision" => "Decision",
        _ => "Finding",
    };
    let _ = writeln!(out, "{what} {} (as of {})", story.id, story.as_of);
    if story.kind == "invoice" {
        for invoice in &story.invoices {
            invoice_part(&mut out, invoice);
        }
    } else if !story.invoices.is_empty() {
        let _ = writeln!(out, "\nInvoices under it ({}):", story.invoices.len());
        for r in &story.invoices {
            let _ = writeln!(
                out,
                "  {}/{}  issued {}  {}  deadline {}",
                r.get("seller_nip"),
                r.get("invoice_number"),
                r.get("issue_date"),
                r.get("status"),
                or_none(r.get("deadline"))
            );
        }
    }
    findings_part(&mut out, &story.findings);
    inputs_part(&mut out, story);
    if let Some(history) = &story.history {
        let _ = writeln!(
            out,
            "\nRegister history of these findings ({} rows):",
            history.len()
        );
        for h in history {
            let _ = writeln!(out, "  {}:{}  {}", h.file, h.line, h.row);
        }
    }
    out
}

fn or_none(value: &str) -> &str {
    if value.is_empty() { "-" } else { value }
}

fn invoice_part(out: &mut String, r: &Record) {
    let _ = writeln!(out, "\nStatus: {}", r.get("status"));
    let _ = writeln!(out, "Deadline: {}", or_none(r.get("deadline")));
    let _ = writeln!(out, "  {}", or_none(r.get("deadline_basis")));
    let _ = writeln!(out, "\nReconciliation:");
    for c in INVOICE {
        let _ = writeln!(out, "  {c:<15} {}", or_none(r.get(c)));
    }
}

fn findings_part(out: &mut String, findings: &[Record]) {
    let _ = writeln!(out, "\nFindings ({}):", findings.len());
    if findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in findings {
        let _ = writeln!(out, "  {}  {}", f.get("exception_id"), f.get("code"));
        for c in FINDING {
            if !f.get(c).is_empty() {
                let _ = writeln!(out, "    {c:<17} {}", f.get(c));
            }
        }
        let _ = writeln!(out, "    {:<17} {}", "detail", or_none(f.get("detail")));
    }
}

fn inputs_part(out: &mut String, story: &Story) {
    let _ = writeln!(out, "\nInput rows (each tagged with its file and line):");
    if story.inputs.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for file in &story.inputs {
        let lines: Vec<String> = file.lines.iter().map(u64::to_string).collect();
        let _ = writeln!(
            out,
            "\n  {} {} (line {})",
            file.source,
            file.file,
            lines.join(", ")
        );
        for line in file.rows.lines() {
            let _ = writeln!(out, "    {line}");
        }
    }
}
