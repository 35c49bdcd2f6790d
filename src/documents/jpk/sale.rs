//! One `SprzedazWiersz` of a JPK_V7 register: what a row is read into
//! ([`JpkSale`]) and how its elements are read ([`Row`]), the same for the
//! run of rows read apart (`rows.rs`) and the strict reader (`jpk.rs`).

use std::borrow::Cow;

use chrono::NaiveDate;

use crate::documents::{parse_amount, parse_date};

/// Tax-base fields summed into `net_amount` (see the module doc).
pub const NET_FIELDS: [&str; 8] = [
    "K_10", "K_11", "K_13", "K_15", "K_17", "K_19", "K_21", "K_22",
];

/// Tax fields summed into `vat_amount` (see the module doc).
pub const VAT_FIELDS: [&str; 3] = ["K_16", "K_18", "K_20"];

/// Elements of which a row must carry at most one (from the (3) variants).
const MARKERS: [&str; 4] = ["NrKSeF", "OFF", "BFK", "DI"];

/// One `SprzedazWiersz`; amounts in grosze of PLN. A row with `problems`
/// must be rejected by the caller with those reasons and its `line`. Its
/// texts borrow the file's bytes where the file holds them as they are (a
/// register's rows are read without a copy of each value); the seller is
/// the header's (`JpkHeader::seller_nip`), the same on every row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpkSale<'a> {
    /// Line of the `<SprzedazWiersz>` start tag.
    pub line: u64,
    /// `DowodSprzedazy`.
    pub invoice_number: Option<Cow<'a, str>>,
    /// `DataWystawienia`.
    pub issue_date: Option<NaiveDate>,
    /// `NrKontrahenta`; `None` when absent or "brak".
    pub buyer_id: Option<Cow<'a, str>>,
    /// `NrKSeF`.
    pub ksef_number: Option<Cow<'a, str>>,
    /// "OFF", "BFK" or "DI" when that element is present.
    pub marker: Option<&'static str>,
    /// `TypDokumentu`: RO, WEW or FP; none for an invoice.
    pub document_type: Option<Cow<'a, str>>,
    /// Sum of [`NET_FIELDS`].
    pub net_amount: i64,
    /// Sum of [`VAT_FIELDS`].
    pub vat_amount: i64,
    /// `net_amount + vat_amount`.
    pub gross_amount: i64,
    /// What is wrong with the row, one reason each; empty when usable.
    pub problems: Vec<String>,
}

impl JpkSale<'_> {
    /// The row with its texts its own, no longer borrowing the file.
    pub fn into_owned(self) -> JpkSale<'static> {
        let own = |text: Option<Cow<'_, str>>| text.map(|t| Cow::Owned(t.into_owned()));
        JpkSale {
            invoice_number: own(self.invoice_number),
            buyer_id: own(self.buyer_id),
            ksef_number: own(self.ksef_number),
            document_type: own(self.document_type),
            ..self
        }
    }
}

/// A `SprzedazWiersz` being read, with the markers it carried so far.
#[derive(Debug)]
pub struct Row<'a> {
    sale: JpkSale<'a>,
    /// The first marker element, and any after it (a row may carry one).
    marker: Option<&'static str>,
    more_markers: Vec<&'static str>,
}

/// Where [`Row::keep`] puts a text the row keeps as it is.
#[derive(Debug, Clone, Copy)]
pub enum Slot {
    InvoiceNumber,
    DocumentType,
    Buyer,
    KsefNumber,
}

impl<'a> Row<'a> {
    pub fn new(line: u64) -> Self {
        let sale = JpkSale {
            line,
            invoice_number: None,
            issue_date: None,
            buyer_id: None,
            ksef_number: None,
            marker: None,
            document_type: None,
            net_amount: 0,
            vat_amount: 0,
            gross_amount: 0,
            problems: Vec::new(),
        };
        Self {
            sale,
            marker: None,
            more_markers: Vec::new(),
        }
    }

    /// Records one child element; what is wrong becomes a problem. A text
    /// the row keeps is not copied here: the caller hands it to
    /// [`Row::keep`] for the slot returned, borrowed where it can be.
    pub fn field(&mut self, name: &str, text: &str) -> Option<Slot> {
        let sale = &mut self.sale;
        // Most of a row's elements are amounts: they skip the names below.
        if name.starts_with("K_") {
            add_amount(sale, name, text);
            return None;
        }
        match name {
            "DowodSprzedazy" => return Some(Slot::InvoiceNumber),
            "DataWystawienia" => match parse_date(text, name) {
                Ok(date) => sale.issue_date = Some(date),
                Err(problem) => sale.problems.push(problem),
            },
            "TypDokumentu" => return Some(Slot::DocumentType),
            "NrKontrahenta" => return Some(Slot::Buyer),
            "NrKSeF" => {
                self.note_marker("NrKSeF");
                return Some(Slot::KsefNumber);
            }
            "OFF" | "BFK" | "DI" => {
                if text != "1" {
                    sale.problems
                        .push(format!("{name}: \"{text}\" should be 1"));
                }
                let marker = MARKERS.into_iter().find(|m| *m == name).unwrap_or("DI");
                sale.marker.get_or_insert(marker);
                self.note_marker(marker);
            }
            _ => {}
        }
        None
    }

    /// Keeps a text in its slot; an empty one is none.
    pub fn keep(&mut self, slot: Slot, text: Cow<'a, str>) {
        let value = Some(text).filter(|t| !t.is_empty());
        let sale = &mut self.sale;
        match slot {
            Slot::InvoiceNumber => sale.invoice_number = value,
            Slot::DocumentType => sale.document_type = value,
            // JPK writes "brak" (none) for buyers without an identifier.
            Slot::Buyer => sale.buyer_id = value.filter(|v| !v.eq_ignore_ascii_case("brak")),
            Slot::KsefNumber => sale.ksef_number = value,
        }
    }

    /// Starts the next row in place: a reader of a long run of rows reads
    /// each into the same `Row` and hands it on by reference
    /// ([`Row::check`]), rather than moving a `JpkSale` of some 200 bytes
    /// out and on several times a row (7 % of a register's load).
    pub fn start(&mut self, line: u64) {
        // Whole, so that a field added to the row is never carried over
        // from the row before (the vectors are empty but on a bad row).
        *self = Row::new(line);
    }

    fn note_marker(&mut self, marker: &'static str) {
        match self.marker {
            None => self.marker = Some(marker),
            Some(_) => self.more_markers.push(marker),
        }
    }

    /// Applies the whole-row checks and fills the gross amount.
    pub fn finish(mut self) -> JpkSale<'a> {
        self.check();
        self.sale
    }

    /// [`Row::finish`] in place: the row as read, checked, lent out.
    pub fn check(&mut self) -> &JpkSale<'a> {
        let sale = &mut self.sale;
        if let Some(first) = self.marker
            && !self.more_markers.is_empty()
        {
            let mut found = vec![first];
            found.extend(self.more_markers.iter().copied());
            sale.problems.push(format!(
                "only one of {} may be present, found {}",
                MARKERS.join(", "),
                found.join(", ")
            ));
        }
        if sale.invoice_number.is_none() {
            sale.problems.push("DowodSprzedazy is missing".to_string());
        }
        let bad_date = sale
            .problems
            .iter()
            .any(|p| p.starts_with("DataWystawienia"));
        if sale.issue_date.is_none() && !bad_date {
            sale.problems.push("DataWystawienia is missing".to_string());
        }
        match sale.net_amount.checked_add(sale.vat_amount) {
            Some(gross) => sale.gross_amount = gross,
            None => sale.problems.push("gross amount is too large".to_string()),
        }
        &self.sale
    }
}

/// Which total a `K_` field adds to.
#[derive(Debug, PartialEq, Eq)]
enum Amount {
    Net,
    Vat,
}

/// [`NET_FIELDS`] and [`VAT_FIELDS`] by the field's number, without comparing
/// the name with each of them: a register's rows carry millions of amounts.
fn amount_kind(name: &str) -> Option<Amount> {
    match name.strip_prefix("K_")?.as_bytes() {
        b"10" | b"11" | b"13" | b"15" | b"17" | b"19" | b"21" | b"22" => Some(Amount::Net),
        b"16" | b"18" | b"20" => Some(Amount::Vat),
        _ => None,
    }
}

fn add_amount(sale: &mut JpkSale<'_>, name: &str, text: &str) {
    let amount = match parse_amount(text, name) {
        Ok(amount) => amount,
        Err(problem) => return sale.problems.push(problem),
    };
    let total = match amount_kind(name) {
        Some(Amount::Net) => &mut sale.net_amount,
        Some(Amount::Vat) => &mut sale.vat_amount,
        None => return,
    };
    match total.checked_add(amount) {
        Some(sum) => *total = sum,
        None => sale
            .problems
            .push(format!("{name}: row total is too large")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_totals_by_number_are_the_lists_of_fields() {
        for n in 0..100 {
            let name = format!("K_{n}");
            let listed = if NET_FIELDS.contains(&name.as_str()) {
                Some(Amount::Net)
            } else if VAT_FIELDS.contains(&name.as_str()) {
                Some(Amount::Vat)
            } else {
                None
            };
            assert_eq!(amount_kind(&name), listed, "{name}");
        }
        assert_eq!(amount_kind("K_019"), None);
        assert_eq!(amount_kind("X_19"), None);
    }
}
