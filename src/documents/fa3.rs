//! FA(3) structured invoices, as archived in `archive/`: the fields the
//! reconciliation compares with KSeF and the offline log.
//!
//! Reads `Faktura` in namespace [`FA3_NAMESPACE`] through the hardened reader
//! of [`crate::documents::xml`] and keeps only header-level data: number, issue
//! date `P_1`, seller and buyer, currency, the `Fa`-level totals and the
//! corrected invoices of a correction. Deliberately not a schema validator:
//! invoice rows (`FaWiersz`), settlements and annotations are not read, and
//! totals are taken as written, never recomputed from rows.

use chrono::NaiveDate;

use crate::documents::xml::{self, Element, Event, Flow, MAX_DOCUMENT_BYTES};
use crate::documents::{DocError, parse_amount, parse_date};

/// Target namespace of the FA(3) schema (`schemat_FA3_v1-0E.xsd`).
pub const FA3_NAMESPACE: &str = "http://crd.gov.pl/wzor/2025/06/25/13775/";

/// Net value per rate, direct children of `Fa`: every `P_13_x` of the
/// schema (23/22%, 8/7%, 5%, taxi lump sum, OSS, 0% three ways, reverse
/// charge, exempt, outside Poland, margin).
pub const NET_FIELDS: [&str; 13] = [
    "P_13_1", "P_13_2", "P_13_3", "P_13_4", "P_13_5", "P_13_6_1", "P_13_6_2", "P_13_6_3", "P_13_7",
    "P_13_8", "P_13_9", "P_13_10", "P_13_11",
];

/// VAT per rate in the invoice currency. The `P_14_xW` twins are the same
/// tax converted to PLN and would double count, so they are not listed.
pub const VAT_FIELDS: [&str; 5] = ["P_14_1", "P_14_2", "P_14_3", "P_14_4", "P_14_5"];

/// One invoice file's header data; amounts in grosze of `currency`, as
/// written (a correction carries differences, often negative).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fa3Invoice {
    /// `Fa/P_2`.
    pub invoice_number: String,
    /// `Fa/P_1`, the date every deadline counts from.
    pub issue_date: NaiveDate,
    /// `Podmiot1/DaneIdentyfikacyjne/NIP`.
    pub seller_nip: String,
    /// `Podmiot2/DaneIdentyfikacyjne`: NIP, `KodUE`+`NrVatUE`, or `NrID`;
    /// `None` for `BrakID`.
    pub buyer_id: Option<String>,
    /// `Fa/KodWaluty`.
    pub currency: String,
    /// `Fa/P_15`.
    pub gross_amount: i64,
    /// Sum of the `Fa/P_13_x` ([`NET_FIELDS`]).
    pub net_amount: i64,
    /// Sum of the `Fa/P_14_x` ([`VAT_FIELDS`]).
    pub vat_amount: i64,
    /// `Fa/RodzajFaktury`: VAT, KOR, ZAL, ROZ, UPR, KOR_ZAL or KOR_ROZ.
    pub invoice_type: String,
    /// `Fa/DaneFaKorygowanej`, in file order.
    pub corrected: Vec<CorrectedRef>,
}

/// One `Fa/DaneFaKorygowanej`: the invoice a correction corrects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorrectedRef {
    /// `NrFaKorygowanej`.
    pub invoice_number: Option<String>,
    /// `DataWystFaKorygowanej`.
    pub issue_date: Option<NaiveDate>,
    /// `NrKSeFFaKorygowanej`; `None` when the original had no KSeF number.
    pub ksef_number: Option<String>,
    /// `NrKSeFN` is `1`: the correction says the corrected invoice was
    /// issued outside KSeF (the schema's choice to `NrKSeF` with
    /// `NrKSeFFaKorygowanej`).
    pub outside_ksef: bool,
}

/// Reads one FA(3) invoice file. Any problem, including a missing required
/// element, rejects the whole file with the line where it was noticed.
pub fn parse_fa3(bytes: &[u8]) -> Result<Fa3Invoice, DocError> {
    let mut draft = Draft::default();
    xml::walk(bytes, MAX_DOCUMENT_BYTES, |path, event| {
        draft.visit(path, event)?;
        Ok(Flow::Continue)
    })?;
    draft.finish()
}

/// Buyer identification seen so far in `Podmiot2/DaneIdentyfikacyjne`.
#[derive(Debug, Default)]
struct Buyer {
    nip: Option<String>,
    eu_country: Option<String>,
    eu_vat: Option<String>,
    other_id: Option<String>,
}

impl Buyer {
    fn id(self) -> Option<String> {
        self.nip
            .or_else(|| {
                self.eu_vat
                    .map(|vat| format!("{}{vat}", self.eu_country.unwrap_or_default()))
            })
            .or(self.other_id)
    }
}

#[derive(Debug, Default)]
struct Draft {
    invoice_number: Option<String>,
    issue_date: Option<NaiveDate>,
    seller_nip: Option<String>,
    buyer: Buyer,
    currency: Option<String>,
    gross_amount: Option<i64>,
    net_amount: i64,
    vat_amount: i64,
    invoice_type: Option<String>,
    corrected: Vec<CorrectedRef>,
    end_line: u64,
}

impl Draft {
    fn visit(&mut self, path: &[Element], event: Event<'_>) -> Result<(), DocError> {
        match event {
            Event::Start(element) if path.len() == 1 => check_root(element),
            Event::Start(_) if is_in_fa(path, "DaneFaKorygowanej") => {
                self.corrected.push(CorrectedRef::default());
                Ok(())
            }
            Event::Start(_) => Ok(()),
            Event::End(element, _) if path.len() == 1 => {
                self.end_line = element.line;
                Ok(())
            }
            Event::End(element, _) if element.namespace.as_deref() != Some(FA3_NAMESPACE) => Ok(()),
            Event::End(element, text) => self.field(path, element, text.trim()),
        }
    }

    fn field(&mut self, path: &[Element], element: &Element, text: &str) -> Result<(), DocError> {
        let names: Vec<&str> = path.iter().skip(1).map(|e| e.name.as_str()).collect();
        let line = element.line;
        match names.as_slice() {
            ["Fa", "P_2"] => put_text(&mut self.invoice_number, text, "P_2", line),
            ["Fa", "KodWaluty"] => put_text(&mut self.currency, text, "KodWaluty", line),
            ["Fa", "RodzajFaktury"] => {
                put_text(&mut self.invoice_type, text, "RodzajFaktury", line)
            }
            ["Fa", "P_1"] => set_once(&mut self.issue_date, date(text, "P_1", line)?, "P_1", line),
            ["Fa", "P_15"] => set_once(
                &mut self.gross_amount,
                amount(text, "P_15", line)?,
                "P_15",
                line,
            ),
            ["Fa", name] if NET_FIELDS.contains(name) => {
                add(&mut self.net_amount, amount(text, name, line)?, name, line)
            }
            ["Fa", name] if VAT_FIELDS.contains(name) => {
                add(&mut self.vat_amount, amount(text, name, line)?, name, line)
            }
            ["Fa", "DaneFaKorygowanej", name] => self.corrected_field(name, text, line),
            ["Podmiot1", "DaneIdentyfikacyjne", "NIP"] => {
                put_text(&mut self.seller_nip, text, "Podmiot1 NIP", line)
            }
            ["Podmiot2", "DaneIdentyfikacyjne", name] => {
                self.buyer_field(name, text);
                Ok(())
            }
            _ => Ok(()),
        }
    }

    fn corrected_field(&mut self, name: &str, text: &str, line: u64) -> Result<(), DocError> {
        let Some(current) = self.corrected.last_mut() else {
            return Ok(());
        };
        match name {
            "NrFaKorygowanej" => current.invoice_number = Some(text.to_string()),
            "DataWystFaKorygowanej" => current.issue_date = Some(date(text, name, line)?),
            "NrKSeFFaKorygowanej" => current.ksef_number = Some(text.to_string()),
            "NrKSeFN" => current.outside_ksef = text == "1",
            _ => {}
        }
        Ok(())
    }

    fn buyer_field(&mut self, name: &str, text: &str) {
        let value = Some(text.to_string()).filter(|v| !v.is_empty());
        match name {
            "NIP" => self.buyer.nip = value,
            "KodUE" => self.buyer.eu_country = value,
            "NrVatUE" => self.buyer.eu_vat = value,
            "NrID" => self.buyer.other_id = value,
            _ => {}
        }
    }

    fn finish(self) -> Result<Fa3Invoice, DocError> {
        let line = self.end_line;
        Ok(Fa3Invoice {
            invoice_number: required(self.invoice_number, "Fa/P_2", line)?,
            issue_date: required(self.issue_date, "Fa/P_1", line)?,
            seller_nip: required(self.seller_nip, "Podmiot1/DaneIdentyfikacyjne/NIP", line)?,
            buyer_id: self.buyer.id(),
            currency: required(self.currency, "Fa/KodWaluty", line)?,
            gross_amount: required(self.gross_amount, "Fa/P_15", line)?,
            net_amount: self.net_amount,
            vat_amount: self.vat_amount,
            invoice_type: required(self.invoice_type, "Fa/RodzajFaktury", line)?,
            corrected: self.corrected,
        })
    }
}

fn check_root(root: &Element) -> Result<(), DocError> {
    if root.name == "Faktura" && root.namespace.as_deref() == Some(FA3_NAMESPACE) {
        return Ok(());
    }
    let found = match &root.namespace {
        Some(ns) => format!("<{}> in namespace {ns}", root.name),
        None => format!("<{}> in no namespace", root.name),
    };
    Err(DocError::at(
        root.line,
        format!(
            "not an FA(3) invoice: root is {found}, expected <Faktura> in namespace {FA3_NAMESPACE}"
        ),
    ))
}

fn is_in_fa(path: &[Element], name: &str) -> bool {
    xml::path_is(path, &["Faktura", "Fa", name])
}

fn set_once<T>(slot: &mut Option<T>, value: T, field: &str, line: u64) -> Result<(), DocError> {
    if slot.is_some() {
        return Err(DocError::at(
            line,
            format!("{field} appears more than once"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn add(total: &mut i64, value: i64, field: &str, line: u64) -> Result<(), DocError> {
    *total = total
        .checked_add(value)
        .ok_or_else(|| DocError::at(line, format!("{field}: total is too large")))?;
    Ok(())
}

fn required<T>(value: Option<T>, element: &str, line: u64) -> Result<T, DocError> {
    value.ok_or_else(|| DocError::at(line, format!("required element {element} is missing")))
}

/// A required text element: present once and not empty.
fn put_text(slot: &mut Option<String>, text: &str, field: &str, line: u64) -> Result<(), DocError> {
    if text.is_empty() {
        return Err(DocError::at(line, format!("{field} is empty")));
    }
    set_once(slot, text.to_string(), field, line)
}

fn amount(text: &str, field: &str, line: u64) -> Result<i64, DocError> {
    parse_amount(text, field).map_err(|reason| DocError::at(line, reason))
}

fn date(text: &str, field: &str, line: u64) -> Result<NaiveDate, DocError> {
    parse_date(text, field).map_err(|reason| DocError::at(line, reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: u32) -> Vec<u8> {
        let path = format!(
            "{}/fixtures/samples/fa3/FA_3_Przyklad_{n}.xml",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn sample_text(n: u32) -> String {
        String::from_utf8(sample(n)).unwrap_or_default()
    }

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    fn assert_rejected(bytes: &[u8], reason: &str, line: Option<u64>) {
        let err = rejected(bytes);
        assert!(err.reason.contains(reason), "{err}");
        assert_eq!(err.line, line, "{err}");
    }

    fn rejected(bytes: &[u8]) -> DocError {
        match parse_fa3(bytes) {
            Ok(invoice) => panic!("accepted: {invoice:?}"),
            Err(err) => err,
        }
    }

    type Expected = (
        u32,
        &'static str,
        &'static str,
        Option<&'static str>,
        &'static str,
        i64,
        i64,
        i64,
        &'static str,
    );

    /// Read off the sample XML by hand: (sample, P_2, P_1, buyer, KodWaluty,
    /// P_15, sum of P_13_x, sum of P_14_x, RodzajFaktury), amounts in grosze.
    #[rustfmt::skip]
    const EXPECTED: [Expected; 7] = [
        (2, "FK2026/03/200", "2026-03-15", Some("1111111111"), "PLN", -20_000, -16_260, -3_740, "KOR"),
        (10, "FZ2026/02/150", "2026-02-15", Some("1111111111"), "PLN", 2_000_000, 1_626_016, 373_984, "ZAL"),
        (15, "FV2026/02/150", "2026-02-15", Some("1111111111"), "PLN", 45_000, 36_585, 8_415, "UPR"),
        // EUR: P_14_1W (14036.16, the VAT in PLN) is not added to the VAT.
        (20, "FV2026/02/150", "2026-02-15", Some("1111111111"), "EUR", 1_667_880, 1_356_000, 311_880, "VAT"),
        (22, "FV2026/02/150", "2026-02-15", Some("DE999999999"), "EUR", 400_000, 400_000, 0, "VAT"),
        (23, "FV2026/02/150", "2026-06-15", Some("999999999"), "USD", 800_000, 800_000, 0, "VAT"),
        (26, "FA/2026/02/999", "2026-02-01", Some("2222222222"), "PLN", 3_150, 3_000, 150, "VAT"),
    ];

    #[test]
    fn all_official_samples_parse() {
        for n in 1..=26 {
            let parsed = parse_fa3(&sample(n));
            assert!(parsed.is_ok(), "sample {n}: {parsed:?}");
        }
    }

    #[test]
    fn samples_give_exactly_the_fields_read_by_hand() {
        for (n, number, issue, buyer, currency, gross, net, vat, kind) in EXPECTED {
            let parsed = parse_fa3(&sample(n)).map(|i| Fa3Invoice {
                corrected: vec![],
                ..i
            });
            let expected = Fa3Invoice {
                invoice_number: number.into(),
                issue_date: parse_date(issue, "test").unwrap_or_default(),
                seller_nip: "9999999999".into(),
                buyer_id: buyer.map(String::from),
                currency: currency.into(),
                gross_amount: gross,
                net_amount: net,
                vat_amount: vat,
                invoice_type: kind.into(),
                corrected: vec![],
            };
            assert_eq!(parsed, Ok(expected), "sample {n}");
        }
    }

    #[test]
    fn corrections_list_their_corrected_invoices() {
        let kor = parse_fa3(&sample(2)).map(|i| i.corrected);
        let expected = CorrectedRef {
            invoice_number: Some("FV2026/02/150".into()),
            issue_date: Some(day(2026, 2, 15)),
            ksef_number: Some("9999999999-20230908-8BEF280C8D35-4D".into()),
            outside_ksef: false,
        };
        assert_eq!(kor, Ok(vec![expected]));
        let collective = parse_fa3(&sample(6))
            .map(|i| i.corrected)
            .unwrap_or_default();
        let numbers: Vec<_> = collective
            .iter()
            .filter_map(|c| c.invoice_number.as_deref())
            .collect();
        assert_eq!(numbers.len(), 6);
        assert_eq!((numbers[0], numbers[5]), ("FV2026/01/134", "FV2026/06/15"));
        assert_eq!(collective[5].issue_date, Some(day(2026, 6, 15)));
        let ksef = collective[1].ksef_number.as_deref();
        assert_eq!(ksef, Some("9999999999-20230908-76B2B580D4DC-80"));
        assert!(parse_fa3(&sample(10)).is_ok_and(|i| i.corrected.is_empty()));
    }

    #[test]
    fn a_corrected_invoice_outside_ksef_is_flagged() {
        // Sample 2 with the schema's other choice: `NrKSeFN` in place of
        // `NrKSeF` and `NrKSeFFaKorygowanej`.
        let flag = "<NrKSeF>1</NrKSeF>";
        let cited =
            "<NrKSeFFaKorygowanej>9999999999-20230908-8BEF280C8D35-4D</NrKSeFFaKorygowanej>";
        let text = sample_text(2);
        assert!(text.contains(flag) && text.contains(cited));
        let outside = text
            .replace(flag, "<NrKSeFN>1</NrKSeFN>")
            .replace(cited, "");
        let refs = parse_fa3(outside.as_bytes()).map(|i| i.corrected);
        let expected = CorrectedRef {
            invoice_number: Some("FV2026/02/150".into()),
            issue_date: Some(day(2026, 2, 15)),
            ksef_number: None,
            outside_ksef: true,
        };
        assert_eq!(refs, Ok(vec![expected]));
        // Every official correction sample cites the KSeF number.
        for n in [2, 3, 5, 6, 11, 12, 13, 18] {
            let refs = parse_fa3(&sample(n))
                .map(|i| i.corrected)
                .unwrap_or_default();
            assert!(!refs.is_empty(), "sample {n}");
            assert!(
                refs.iter()
                    .all(|r| !r.outside_ksef && r.ksef_number.is_some()),
                "sample {n}"
            );
        }
    }

    #[test]
    fn missing_or_bad_required_fields_name_the_element() {
        let without_p15 = sample_text(1).replace("<P_15>2051</P_15>", "");
        assert!(rejected(without_p15.as_bytes()).reason.contains("Fa/P_15"));
        let three_decimals = sample_text(1).replace("<P_15>2051</P_15>", "<P_15>2051.005</P_15>");
        assert_rejected(
            three_decimals.as_bytes(),
            "P_15: \"2051.005\" has more than 2",
            Some(53),
        );
        let no_buyer = sample_text(1).replace("<NIP>1111111111</NIP>", "<BrakID>1</BrakID>");
        assert_eq!(parse_fa3(no_buyer.as_bytes()).map(|i| i.buyer_id), Ok(None));
    }

    #[test]
    fn wrong_root_or_namespace_names_what_was_found() {
        let fa2 = sample_text(1).replace(FA3_NAMESPACE, "http://crd.gov.pl/wzor/2023/06/29/12648/");
        assert_rejected(
            fa2.as_bytes(),
            "namespace http://crd.gov.pl/wzor/2023/06/29/12648/",
            Some(2),
        );
        let upo = b"<Potwierdzenie xmlns=\"http://upo.schematy.mf.gov.pl/KSeF/v4-3\"/>";
        assert_rejected(upo, "root is <Potwierdzenie>", Some(1));
    }

    #[test]
    fn malformed_and_truncated_documents_are_errors_with_lines() {
        let malformed = sample_text(1).replace("</P_2>", "</P_3>");
        assert_rejected(malformed.as_bytes(), "malformed XML", Some(47));
        let bytes = sample(1);
        for cut in [10, bytes.len() / 2, bytes.len() - 3] {
            let err = rejected(&bytes[..cut]);
            assert!(err.line.is_some(), "cut {cut}: {err}");
        }
    }

    #[test]
    fn latin2_bytes_and_declared_latin2_are_refused() {
        let mut latin2 = sample(2);
        let at = latin2.windows(2).position(|w| w == "ż".as_bytes());
        latin2.splice(at.unwrap_or(0)..at.unwrap_or(0) + 2, [0xBF]);
        assert_rejected(&latin2, "not valid UTF-8", Some(69));
        let declared = sample_text(1).replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-2\"");
        assert_rejected(
            declared.as_bytes(),
            "\"ISO-8859-2\" is not accepted",
            Some(1),
        );
    }

    #[test]
    fn doctype_and_entities_are_never_expanded() {
        let body = sample_text(1).replace("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", "");
        let internal = format!("<?xml version=\"1.0\"?>\n<!DOCTYPE F [<!ENTITY n \"X\">]>{body}");
        let body = body.replace("FV2026/02/150", "&x;");
        let external = format!("\n<!DOCTYPE F [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>{body}");
        assert_rejected(internal.as_bytes(), "DOCTYPE is not allowed", Some(2));
        assert_rejected(external.as_bytes(), "DOCTYPE is not allowed", Some(2));
        assert_rejected(body.as_bytes(), "unknown entity reference &x;", Some(47));
    }

    #[test]
    fn billion_laughs_is_refused_without_expansion() {
        let mut doc =
            String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY l0 \"lol\">\n");
        for i in 1..=9 {
            let tens = format!("&l{};", i - 1).repeat(10);
            doc.push_str(&format!("<!ENTITY l{i} \"{tens}\">\n"));
        }
        doc.push_str(&format!(
            "]>\n<Faktura xmlns=\"{FA3_NAMESPACE}\">&l9;</Faktura>"
        ));
        let started = std::time::Instant::now();
        assert_rejected(doc.as_bytes(), "DOCTYPE is not allowed", Some(2));
        assert!(started.elapsed().as_secs() < 2);
    }

    #[test]
    fn deep_nesting_and_oversized_files_are_refused() {
        let (open, close) = ("<a>".repeat(10_000), "</a>".repeat(10_000));
        let deep = format!("<Faktura xmlns=\"{FA3_NAMESPACE}\">\n{open}{close}</Faktura>");
        assert_rejected(deep.as_bytes(), "nested deeper than 64", Some(2));
        let mut big = sample(1);
        big.extend(b"<!--");
        big.resize(11 * 1024 * 1024, b'x');
        big.extend(b"-->");
        assert_rejected(&big, "over the limit of 10485760 bytes", None);
    }
}
