//! JPK_V7M(3) / JPK_V7K(3) files in `ledger/`: the sales register rows
//! (`Ewidencja/SprzedazWiersz`) as ledger invoices.
//!
//! Any namespace is accepted, because the form's namespace changes with every
//! variant; the file is recognised by its root `JPK` and its
//! `Naglowek/KodFormularza` (`JPK_VAT`, `kodSystemowy` `JPK_V7M…` or
//! `JPK_V7K…`). The seller NIP comes from `Podmiot1`.
//!
//! A broken file is a [`DocError`]; a broken row is not: it comes back with
//! its `problems` so the caller rejects that row alone, with its line.
//!
//! Deliberately not read: the declaration (`Deklaracja`), purchases
//! (`ZakupWiersz`), control totals, GTU and procedure codes.
//!
//! Amounts (contract §2: "net and VAT are the sums of its K_ tax-base and
//! tax fields") use only the fields a seller's own invoice produces, so they
//! compare with that invoice in KSeF:
//! - net, [`NET_FIELDS`]: K_10 exempt, K_11 supply outside Poland, K_13 0%,
//!   K_15 5%, K_17 7/8%, K_19 22/23%, K_21 intra-EU supply, K_22 export;
//! - VAT, [`VAT_FIELDS`]: K_16, K_18, K_20, the tax at 5%, 7/8%, 22/23%.
//!
//! Left out on purpose: K_12 and K_14 ("of which" parts of K_11 and K_13,
//! adding them would count twice); K_23–K_32 (tax the taxpayer self-assesses
//! as a buyer: intra-EU acquisitions, imports, reverse charge; the document is
//! someone else's invoice, not in our KSeF sales); K_33 (stock-taking on
//! cessation), K_34 (return of the cash-register relief), K_35 and K_36 (parts
//! of K_24 paid separately): no invoice behind them; `SprzedazVAT_Marza`
//! (gross margin-scheme sales, not a net figure). Every `K_` field is still
//! checked, so a garbled excluded amount is a problem too.

use chrono::NaiveDate;

use crate::documents::xml::{self, Element, Event, Flow};
use crate::documents::{DocError, parse_amount, parse_date};

/// Tax-base fields summed into `net_amount` (see the module doc).
pub const NET_FIELDS: [&str; 8] = [
    "K_10", "K_11", "K_13", "K_15", "K_17", "K_19", "K_21", "K_22",
];

/// Tax fields summed into `vat_amount` (see the module doc).
pub const VAT_FIELDS: [&str; 3] = ["K_16", "K_18", "K_20"];

/// Elements of which a row must carry exactly one (from the (3) variants).
const MARKERS: [&str; 4] = ["NrKSeF", "OFF", "BFK", "DI"];

/// One `SprzedazWiersz`; amounts in grosze of PLN. A row with `problems`
/// must be rejected by the caller with those reasons and its `line`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpkSale {
    /// Line of the `<SprzedazWiersz>` start tag.
    pub line: u64,
    /// `DowodSprzedazy`.
    pub invoice_number: Option<String>,
    /// `DataWystawienia`.
    pub issue_date: Option<NaiveDate>,
    /// The `NIP` under `Podmiot1`, the same on every row of a file.
    pub seller_nip: Option<String>,
    /// `NrKontrahenta`; `None` when absent or "brak".
    pub buyer_id: Option<String>,
    /// `NrKSeF`.
    pub ksef_number: Option<String>,
    /// "OFF", "BFK" or "DI" when that element is present.
    pub marker: Option<String>,
    /// `TypDokumentu`: RO, WEW or FP; none for an invoice.
    pub document_type: Option<String>,
    /// Sum of [`NET_FIELDS`].
    pub net_amount: i64,
    /// Sum of [`VAT_FIELDS`].
    pub vat_amount: i64,
    /// `net_amount + vat_amount`.
    pub gross_amount: i64,
    /// What is wrong with the row, one reason each; empty when usable.
    pub problems: Vec<String>,
}

/// A VAT register of a large seller holds hundreds of thousands of rows, far
/// more than one invoice; it still has a ceiling, so a runaway file is
/// refused rather than read into memory.
pub const MAX_JPK_BYTES: usize = 1024 * 1024 * 1024;

/// Reads the sales rows of one JPK_V7M/K file, in file order.
pub fn parse_jpk(bytes: &[u8]) -> Result<Vec<JpkSale>, DocError> {
    let mut register = Register::default();
    xml::walk(bytes, MAX_JPK_BYTES, |path, event| {
        register.visit(path, event)?;
        Ok(Flow::Continue)
    })?;
    register.finish()
}

#[derive(Debug, Default)]
struct Register {
    form: Option<String>,
    seller_nip: Option<String>,
    rows: Vec<JpkSale>,
    current: Option<Row>,
    root_line: u64,
    /// Why the file is of an earlier version of the form, if it is; the
    /// file is still read through so that its rows can be counted.
    earlier: Option<DocError>,
}

impl Register {
    fn visit(&mut self, path: &[Element], event: Event<'_>) -> Result<(), DocError> {
        let names: Vec<&str> = path.iter().map(|e| e.name.as_str()).collect();
        match (event, names.as_slice()) {
            (Event::Start(root), [_]) => self.root(root),
            (Event::Start(row), ["JPK", "Ewidencja", "SprzedazWiersz"]) => {
                self.current = Some(Row::new(row.line));
                Ok(())
            }
            (Event::End(form, text), ["JPK", "Naglowek", "KodFormularza"]) => {
                self.form(form, text.trim())
            }
            (Event::End(variant, text), ["JPK", "Naglowek", "WariantFormularza"]) => {
                let said = format!("WariantFormularza {}", text.trim());
                self.note_earlier(earlier_variant(text.trim(), variant.line, &said));
                Ok(())
            }
            (Event::End(_, text), ["JPK", "Podmiot1", .., "NIP"]) => {
                self.seller_nip = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                Ok(())
            }
            (Event::End(_, _), ["JPK", "Ewidencja", "SprzedazWiersz"]) => {
                self.rows.extend(self.current.take().map(Row::finish));
                Ok(())
            }
            (Event::End(field, text), ["JPK", "Ewidencja", "SprzedazWiersz", _]) => {
                if let Some(row) = self.current.as_mut() {
                    row.field(&field.name, text.trim());
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn root(&mut self, root: &Element) -> Result<(), DocError> {
        self.root_line = root.line;
        if root.name == "JPK" {
            return Ok(());
        }
        let namespace = root.namespace.as_deref().unwrap_or("no namespace");
        let found = format!("<{}> in {namespace}", root.name);
        Err(DocError::at(
            root.line,
            format!("not a JPK_V7 file: root is {found}, expected <JPK>"),
        ))
    }

    /// `KodFormularza` must say JPK_VAT in its V7M or V7K form; the (3)
    /// variants are those with NrKSeF/OFF/BFK/DI, which rows are checked for.
    fn form(&mut self, form: &Element, text: &str) -> Result<(), DocError> {
        let system = form.attribute("kodSystemowy").unwrap_or("").trim();
        if text == "JPK_VAT" && (system.starts_with("JPK_V7M") || system.starts_with("JPK_V7K")) {
            let variant = system[7..]
                .trim()
                .trim_start_matches('(')
                .trim_end_matches(')');
            let said = format!("kodSystemowy \"{system}\"");
            self.note_earlier(earlier_variant(variant.trim(), form.line, &said));
            self.form = Some(system.to_string());
            return Ok(());
        }
        Err(DocError::at(
            form.line,
            format!(
                "not a JPK_V7M/K file: KodFormularza is \"{text}\" with kodSystemowy \"{system}\", \
                 expected JPK_VAT with JPK_V7M or JPK_V7K"
            ),
        ))
    }

    /// Keeps the first sign that the file is of an earlier version.
    fn note_earlier(&mut self, check: Result<(), DocError>) {
        if let Err(e) = check {
            self.earlier.get_or_insert(e);
        }
    }

    fn finish(self) -> Result<Vec<JpkSale>, DocError> {
        if let Some(mut earlier) = self.earlier {
            earlier.rows = self.rows.len() as u64;
            return Err(earlier);
        }
        if self.form.is_none() {
            return Err(DocError::at(
                self.root_line,
                "not a JPK_V7M/K file: no Naglowek/KodFormularza",
            ));
        }
        let seller_nip = self.seller_nip;
        Ok(self
            .rows
            .into_iter()
            .map(|row| JpkSale {
                seller_nip: seller_nip.clone(),
                ..row
            })
            .collect())
    }
}

/// The first variant of the form with KSeF markers (`NrKSeF`, `OFF`, `BFK`,
/// `DI`): JPK_V7M(3) / JPK_V7K(3), in force from February 2026.
const FIRST_KSEF_VARIANT: u32 = 3;

/// Refuses a file of an earlier variant of the form, as a whole: its rows
/// have no KSeF markers, so row by row each would only be "no marker",
/// which does not say what is wrong. `variant` is the form's variant
/// number as written (not a number: no judgement here, the rows decide).
fn earlier_variant(variant: &str, line: u64, said: &str) -> Result<(), DocError> {
    match variant.parse::<u32>() {
        Ok(n) if n < FIRST_KSEF_VARIANT => Err(DocError::at(
            line,
            format!(
                "not a JPK_V7(3) register: an earlier version of the form ({said}), \
                 without the KSeF markers (NrKSeF, OFF, BFK, DI) that JPK_V7M(3) and \
                 JPK_V7K(3), in force from 2026-02-01, carry; give the register in the (3) version"
            ),
        )),
        _ => Ok(()),
    }
}

/// A `SprzedazWiersz` being read, with the markers it carried so far.
#[derive(Debug)]
struct Row {
    sale: JpkSale,
    markers: Vec<String>,
}

impl Row {
    fn new(line: u64) -> Self {
        let sale = JpkSale {
            line,
            invoice_number: None,
            issue_date: None,
            seller_nip: None,
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
            markers: Vec::new(),
        }
    }

    /// Records one child element; what is wrong becomes a problem.
    fn field(&mut self, name: &str, text: &str) {
        let value = Some(text.to_string()).filter(|t| !t.is_empty());
        let sale = &mut self.sale;
        match name {
            "DowodSprzedazy" => sale.invoice_number = value,
            "DataWystawienia" => match parse_date(text, name) {
                Ok(date) => sale.issue_date = Some(date),
                Err(problem) => sale.problems.push(problem),
            },
            // JPK writes "brak" (none) for buyers without an identifier.
            "TypDokumentu" => sale.document_type = value,
            "NrKontrahenta" => sale.buyer_id = value.filter(|v| !v.eq_ignore_ascii_case("brak")),
            "NrKSeF" => {
                sale.ksef_number = value;
                self.markers.push(name.to_string());
            }
            "OFF" | "BFK" | "DI" => {
                if text != "1" {
                    sale.problems
                        .push(format!("{name}: \"{text}\" should be 1"));
                }
                sale.marker.get_or_insert_with(|| name.to_string());
                self.markers.push(name.to_string());
            }
            _ if name.starts_with("K_") => add_amount(sale, name, text),
            _ => {}
        }
    }

    /// Applies the whole-row checks and fills the gross amount.
    fn finish(self) -> JpkSale {
        let mut sale = self.sale;
        match self.markers.len() {
            0 => sale
                .problems
                .push(format!("none of {} is present", MARKERS.join(", "))),
            1 => {}
            _ => sale.problems.push(format!(
                "only one of {} may be present, found {}",
                MARKERS.join(", "),
                self.markers.join(", ")
            )),
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
        sale
    }
}

fn add_amount(sale: &mut JpkSale, name: &str, text: &str) {
    let amount = match parse_amount(text, name) {
        Ok(amount) => amount,
        Err(problem) => return sale.problems.push(problem),
    };
    let total = if NET_FIELDS.contains(&name) {
        &mut sale.net_amount
    } else if VAT_FIELDS.contains(&name) {
        &mut sale.vat_amount
    } else {
        return;
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

    fn fixture() -> String {
        let path = format!(
            "{}/fixtures/samples/jpk/jpk_v7m_2026_03.xml",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn rows(xml: &str) -> Vec<JpkSale> {
        parse_jpk(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2026, 3, d)
    }

    fn sale(
        line: u64,
        number: &str,
        date: u32,
        buyer: Option<&str>,
        net: i64,
        vat: i64,
    ) -> JpkSale {
        JpkSale {
            line,
            invoice_number: Some(number.into()),
            issue_date: day(date),
            seller_nip: Some("5265877635".into()),
            buyer_id: buyer.map(String::from),
            ksef_number: None,
            marker: None,
            document_type: None,
            net_amount: net,
            vat_amount: vat,
            gross_amount: net + vat,
            problems: Vec::new(),
        }
    }

    #[test]
    fn fixture_rows_with_ksef_number_and_each_marker() {
        let got = rows(&fixture());
        assert_eq!(got.len(), 5);
        let with_ksef = JpkSale {
            ksef_number: Some("5265877635-20260302-0100004B17C2-A1".into()),
            ..sale(48, "FV/2026/03/001", 2, Some("1111111111"), 100_000, 23_000)
        };
        assert_eq!(got[0], with_ksef);
        // K_14 (500.00, "of which" K_13) is not added again; "brak" is no buyer.
        let off = JpkSale {
            marker: Some("OFF".into()),
            ..sale(60, "FV/2026/03/002", 10, None, 80_000, 5_400)
        };
        assert_eq!(got[1], off);
        let bfk = JpkSale {
            marker: Some("BFK".into()),
            ..sale(75, "FV/2026/03/003", 16, Some("2222222222"), 5_000, 250)
        };
        assert_eq!(got[2], bfk);
        let di = JpkSale {
            marker: Some("DI".into()),
            ..sale(85, "FV/2026/03/004", 18, Some("3333333333"), 75_000, 0)
        };
        assert_eq!(got[3], di);
    }

    #[test]
    fn fixture_bad_row_lists_every_problem() {
        let bad = rows(&fixture())
            .pop()
            .map(|r| (r.line, r.problems))
            .unwrap_or_default();
        assert_eq!(bad.0, 94);
        assert_eq!(
            bad.1,
            [
                "DataWystawienia: \"2026-02-30\" is not a date YYYY-MM-DD",
                "K_19: \"12,50\" is not a decimal amount",
                "only one of NrKSeF, OFF, BFK, DI may be present, found NrKSeF, DI",
                "DowodSprzedazy is missing",
            ]
        );
    }

    #[test]
    fn purchases_and_declaration_are_not_sales() {
        let got = rows(&fixture());
        assert!(
            got.iter()
                .all(|r| r.invoice_number.as_deref() != Some("HB/2026/0311"))
        );
        assert_eq!(got.iter().map(|r| r.vat_amount).sum::<i64>(), 28_938);
    }

    #[test]
    fn markers_must_be_one_and_valued_1() {
        let text = fixture()
            .replace("<BFK>1</BFK>", "")
            .replace("<DI>1</DI>\n\t\t\t<K_10>", "<DI>2</DI>\n\t\t\t<K_10>");
        let got = rows(&text);
        assert_eq!(got[2].problems, ["none of NrKSeF, OFF, BFK, DI is present"]);
        assert_eq!(got[3].problems, ["DI: \"2\" should be 1"]);
    }

    /// A JPK_V7M(2) (namespace of 2021, variant 2, rows without markers)
    /// is refused whole, saying it is of the earlier version; so is a file
    /// whose variant alone says so.
    #[test]
    fn earlier_versions_are_refused_whole() {
        let v2 = fixture()
            .replace("JPK_V7M (3)", "JPK_V7M (2)")
            .replace("<WariantFormularza>3<", "<WariantFormularza>2<")
            .replace(
                "http://crd.gov.pl/wzor/2025/12/19/14090/",
                "http://crd.gov.pl/wzor/2021/12/27/11148/",
            );
        let err = parse_jpk(v2.as_bytes())
            .err()
            .unwrap_or(DocError::at(0, ""));
        assert!(
            err.reason.starts_with("not a JPK_V7(3) register: an earlier version of the form (kodSystemowy \"JPK_V7M (2)\")")
                && err.line == Some(7),
            "{err}"
        );
        assert_eq!(err.rows, 5, "its rows are counted");
        let variant_only = fixture().replace("<WariantFormularza>3<", "<WariantFormularza>1<");
        let err = parse_jpk(variant_only.as_bytes())
            .err()
            .unwrap_or(DocError::at(0, ""));
        assert!(
            err.reason
                .contains("earlier version of the form (WariantFormularza 1)")
                && err.line == Some(8),
            "{err}"
        );
        let k2 = fixture().replace("JPK_V7M (3)", "JPK_V7K(2)");
        assert!(parse_jpk(k2.as_bytes()).is_err());
    }

    #[test]
    fn quarterly_form_and_any_namespace_are_accepted() {
        let text = fixture().replace("JPK_V7M (3)", "JPK_V7K (3)").replace(
            "http://crd.gov.pl/wzor/2025/12/19/14090/",
            "urn:some-later-variant",
        );
        assert_eq!(rows(&text).len(), 5);
    }

    #[test]
    fn other_forms_and_roots_are_refused_naming_what_was_found() {
        let fa = fixture().replace(
            "kodSystemowy=\"JPK_V7M (3)\" wersjaSchemy=\"1-0E\">JPK_VAT<",
            "kodSystemowy=\"JPK_FA (4)\" wersjaSchemy=\"1-0E\">JPK_FA<",
        );
        let err = parse_jpk(fa.as_bytes())
            .err()
            .unwrap_or(DocError::at(0, ""));
        assert!(
            err.reason.contains("JPK_FA (4)") && err.line == Some(7),
            "{err}"
        );
        let err = parse_jpk(b"<Faktura/>")
            .err()
            .map(|e| e.reason)
            .unwrap_or_default();
        assert!(err.contains("<Faktura>"), "{err}");
        let headless = "<JPK xmlns=\"urn:x\"><Ewidencja/></JPK>";
        assert!(parse_jpk(headless.as_bytes()).is_err());
    }

    #[test]
    fn hostile_input_is_a_document_error() {
        let doctype = fixture().replacen("<JPK ", "<!DOCTYPE JPK [<!ENTITY a \"b\">]>\n<JPK ", 1);
        let err = parse_jpk(doctype.as_bytes())
            .err()
            .unwrap_or(DocError::at(0, ""));
        assert!(
            err.reason.contains("DOCTYPE is not allowed") && err.line == Some(5),
            "{err}"
        );
        let truncated = fixture();
        assert!(parse_jpk(&truncated.as_bytes()[..truncated.len() / 2]).is_err());
    }
}
