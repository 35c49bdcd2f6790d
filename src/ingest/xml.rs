//! The XML documents as input rows: each archived FA(3) file is one
//! `archive` row (with its SHA-256 and KOD I link), each UPO `Dokument` one
//! `upo` row, each JPK_V7 `SprzedazWiersz` one `ledger` row. Parsing is
//! `crate::documents`; this module only turns parsed records into the cells
//! of the source's table, so they are typed and counted like any other row.

use super::reader::{FileOutcome, Reading};
use crate::contract::{LIST_SEPARATOR, format_amount, ksef_number, push_two_digits, write_amount};
use crate::documents::{fa3, hash, jpk, upo};

/// A value as the cell text the table builder parses (by hand: a JPK_V7
/// register has a date on each of its million rows, and chrono's formatter
/// parses its format string every time).
fn date(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

fn timestamp(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string()
}

/// Why a document cannot be read, said once: a parser's reason that
/// already says what the file is not (`not a UPO v4-3 receipt: root is ...`)
/// stands as it is; any other gets `not a readable {what}: ` before it.
fn whole_file(what: &str, reason: &str) -> String {
    if reason.starts_with("not a ") || reason.starts_with("not an ") {
        reason.to_string()
    } else {
        format!("not a readable {what}: {reason}")
    }
}

/// One archived FA(3) invoice; the whole file is the row.
pub(super) fn read_fa3(mut ctx: Reading<'_>) -> FileOutcome {
    let bytes = ctx.input.bytes;
    let invoice = match fa3::parse_fa3(bytes) {
        Ok(i) => i,
        Err(e) => {
            // The file is its one row: read, and rejected with the file.
            ctx.counts.read += 1;
            return ctx.fail(e.line, whole_file("FA(3) invoice", &e.reason));
        }
    };
    let sha = hash::sha256_base64(bytes);
    let kod1 = hash::kod1_url(&invoice.seller_nip, invoice.issue_date, &sha);
    let corrected: Vec<&str> = invoice
        .corrected
        .iter()
        .filter_map(|c| c.ksef_number.as_deref())
        .collect();
    let corrected = (!corrected.is_empty()).then(|| corrected.join(" "));
    let [numbers, cited, outside] = corrected_lists(&invoice.corrected);
    // In the order of the archive's columns (`contract::Source::fields`).
    let row: Vec<Option<String>> = vec![
        Some(ctx.input.file.to_string()),
        Some(sha),
        Some(kod1),
        Some(invoice.invoice_number),
        Some(date(invoice.issue_date)),
        Some(invoice.seller_nip),
        invoice.buyer_id,
        Some(invoice.currency),
        Some(format_amount(invoice.gross_amount)),
        Some(format_amount(invoice.net_amount)),
        Some(format_amount(invoice.vat_amount)),
        Some(invoice.invoice_type),
        corrected,
        numbers,
        cited,
        outside,
    ];
    ctx.row(1, |i| row.get(i).and_then(|v| v.as_deref()));
    ctx.done()
}

/// The archive's three `corrected_*` lists (`contract::ARCHIVE`): one item
/// per reference with a corrected invoice number, `None` when there is none.
fn corrected_lists(refs: &[fa3::CorrectedRef]) -> [Option<String>; 3] {
    let item = |text: &str| text.replace(LIST_SEPARATOR, "\u{fffd}");
    let mut lists: [Vec<String>; 3] = Default::default();
    for r in refs {
        let Some(number) = r.invoice_number.as_deref().filter(|n| !n.is_empty()) else {
            continue;
        };
        lists[0].push(item(number));
        // The 36-character spelling is the same number (as every reader
        // turns a `KsefNumber` cell into its 35 characters).
        let cited = r.ksef_number.as_deref().filter(|k| !k.is_empty());
        lists[1].push(cited.map_or("-".to_string(), |k| item(&ksef_number(k))));
        lists[2].push(if r.outside_ksef { "1" } else { "0" }.to_string());
    }
    let separator = LIST_SEPARATOR.to_string();
    lists.map(|l| (!l.is_empty()).then(|| l.join(&separator)))
}

/// Every `Dokument` of a UPO receipt. A receipt is evidence: a malformed
/// one is rejected whole rather than half read.
pub(super) fn read_upo(mut ctx: Reading<'_>) -> FileOutcome {
    let documents = match upo::parse_upo(ctx.input.bytes) {
        Ok(d) => d,
        Err(e) => {
            return ctx.fail(e.line, whole_file("UPO v4-3 receipt", &e.reason));
        }
    };
    let file = ctx.input.file.to_string();
    for d in documents {
        let row: Vec<Option<String>> = vec![
            Some(d.ksef_number),
            Some(d.invoice_number),
            Some(d.seller_nip),
            Some(date(d.issue_date)),
            Some(timestamp(d.submitted_at)),
            d.ksef_number_assigned_at.map(timestamp),
            Some(d.invoice_hash),
            d.sending_mode,
            Some(file.clone()),
            d.receiver,
        ];
        ctx.row(d.line, |i| row.get(i).and_then(|v| v.as_deref()));
    }
    ctx.done()
}

/// The sales rows of a JPK_V7M/K(3) register as ledger rows, in PLN. A row
/// the parser found problems with is rejected with all of them.
pub(super) fn read_jpk(mut ctx: Reading<'_>) -> FileOutcome {
    let register = match jpk::parse_jpk(ctx.input.bytes) {
        Ok(r) => r,
        Err(e) => {
            // Rows seen in a file refused whole count as read and rejected.
            ctx.counts.read += e.rows;
            return ctx.fail(e.line, whole_file("JPK_V7 register", &e.reason));
        }
    };
    let seller_nip = register.header.seller_nip.clone();
    ctx.jpk = Some(register.header);
    // The date and amounts of each row are written into one buffer, reused
    // row after row: a register has millions of them.
    let mut written = String::new();
    for sale in register.sales {
        if !sale.problems.is_empty() {
            ctx.counts.read += 1;
            ctx.reject(Some(sale.line), sale.problems.join("; "));
            continue;
        }
        written.clear();
        let ends = [
            write_date(sale.issue_date, &mut written),
            write_cell(sale.gross_amount, &mut written),
            write_cell(sale.net_amount, &mut written),
            write_cell(sale.vat_amount, &mut written),
        ];
        let piece = |k: usize| {
            let start = if k == 0 { 0 } else { ends[k - 1] };
            Some(&written[start..ends[k]]).filter(|t| !t.is_empty())
        };
        let row: [Option<&str>; 13] = [
            sale.invoice_number.as_deref(),
            piece(0),
            seller_nip.as_deref(),
            piece(1),
            Some("PLN"),
            piece(2),
            piece(3),
            sale.buyer_id.as_deref(),
            sale.ksef_number.as_deref(),
            sale.marker,
            None,
            Some("JPK_V7"),
            sale.document_type.as_deref(),
        ];
        ctx.row(sale.line, |i| row.get(i).copied().flatten());
    }
    ctx.done()
}

/// Appends a row's date to `out` (nothing when it has none); where it ends.
fn write_date(day: Option<chrono::NaiveDate>, out: &mut String) -> usize {
    use chrono::Datelike;
    match day {
        Some(d) if (0..=9999).contains(&d.year()) => {
            let year = d.year() as u32;
            push_two_digits(out, year / 100);
            push_two_digits(out, year % 100);
            out.push('-');
            push_two_digits(out, d.month());
            out.push('-');
            push_two_digits(out, d.day());
        }
        Some(d) => out.push_str(&date(d)),
        None => {}
    }
    out.len()
}

/// Appends an amount in grosze to `out`; where it ends.
fn write_cell(cents: i64, out: &mut String) -> usize {
    write_amount(cents, out);
    out.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_said_once() {
        assert_eq!(
            whole_file("UPO v4-3 receipt", "not a UPO v4-3 receipt: root is <x>"),
            "not a UPO v4-3 receipt: root is <x>"
        );
        assert_eq!(
            whole_file("FA(3) invoice", "not an FA(3) invoice: root is <x>"),
            "not an FA(3) invoice: root is <x>"
        );
        assert_eq!(
            whole_file("FA(3) invoice", "no root element"),
            "not a readable FA(3) invoice: no root element"
        );
    }
}
