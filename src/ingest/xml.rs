//! The XML documents as input rows: each archived FA(3) file is one
//! `archive` row (with its SHA-256 and KOD I link), each UPO `Dokument` one
//! `upo` row, each JPK_V7 `SprzedazWiersz` one `ledger` row. Parsing is
//! `crate::documents`; this module only turns parsed records into the cells
//! of the source's table, so they are typed and counted like any other row.

use super::reader::{FileOutcome, Reading};
use super::table::{Cell, TableBuilder};
use crate::contract::{LIST_SEPARATOR, format_amount, ksef_number};
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
/// the parser found problems with is rejected with all of them. A plainly
/// shaped register's rows go to the table as they are read, into a builder
/// of their own that joins the file's once the run of rows proved plain
/// (else they are thrown away and the strict reader reads the file).
pub(super) fn read_jpk(mut ctx: Reading<'_>) -> FileOutcome {
    let (header, mut rows) = match jpk::open_jpk(ctx.input.bytes) {
        Ok(jpk::Opened::Plain(header, rows)) => (header, rows),
        Ok(jpk::Opened::Strict(register)) => return sales_of(ctx, register),
        Err(e) => return refused_jpk(ctx, e),
    };
    let mut builder = TableBuilder::new(ctx.input.source.fields());
    builder.reserve(rows.at_most());
    let mut rejected = Vec::new();
    let mut plain = Reading::new(ctx.input, &mut builder, &mut rejected);
    let seller_nip = header.seller_nip.as_deref();
    rows.for_each_row(|sale| add_sale(&mut plain, seller_nip, sale));
    let counts = plain.counts;
    if rows.broken() {
        return match jpk::strict(ctx.input.bytes) {
            Ok(register) => sales_of(ctx, register),
            Err(e) => refused_jpk(ctx, e),
        };
    }
    ctx.join(vec![(builder, rejected, counts)]);
    ctx.jpk = Some(header);
    ctx.done()
}

/// A register read whole (by the strict reader) as ledger rows.
fn sales_of(mut ctx: Reading<'_>, register: jpk::JpkRegister<'_>) -> FileOutcome {
    let seller_nip = register.header.seller_nip.as_deref();
    for sale in &register.sales {
        add_sale(&mut ctx, seller_nip, sale);
    }
    ctx.jpk = Some(register.header);
    ctx.done()
}

/// A register refused whole: its rows, seen, count as read and rejected.
fn refused_jpk(mut ctx: Reading<'_>, e: crate::documents::DocError) -> FileOutcome {
    ctx.counts.read += e.rows;
    ctx.fail(e.line, whole_file("JPK_V7 register", &e.reason))
}

/// Hands one sales row to the table, or rejects it with its problems.
fn add_sale(ctx: &mut Reading<'_>, seller_nip: Option<&str>, sale: &jpk::JpkSale<'_>) {
    if !sale.problems.is_empty() {
        ctx.counts.read += 1;
        ctx.reject(Some(sale.line), sale.problems.join("; "));
        return;
    }
    // The date and amounts go over as the values they were read as.
    let row: [Option<Cell<'_>>; 13] = [
        sale.invoice_number.as_deref().map(Cell::Text),
        sale.issue_date
            .map(|d| Cell::Days(crate::contract::date_to_days(d))),
        seller_nip.map(Cell::Text),
        Some(Cell::Grosze(sale.gross_amount)),
        Some(Cell::Text("PLN")),
        Some(Cell::Grosze(sale.net_amount)),
        Some(Cell::Grosze(sale.vat_amount)),
        sale.buyer_id.as_deref().map(Cell::Text),
        sale.ksef_number.as_deref().map(Cell::Text),
        sale.marker.map(Cell::Text),
        None,
        Some(Cell::Text("JPK_V7")),
        sale.document_type.as_deref().map(Cell::Text),
    ];
    ctx.typed_row(sale.line, |i| row.get(i).copied().flatten());
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
