//! UPO v4-3 receipts (`ksef/upo/`): KSeF's official confirmation that it
//! received an invoice, when, and under which KSeF number.
//!
//! Reads every `Dokument` of a `Potwierdzenie` in namespace [`UPO_NAMESPACE`]
//! into a [`UpoDocument`], with times converted to Europe/Warsaw local time as
//! the contract counts submission dates. A receipt is evidence, so a
//! `Dokument` missing a required field rejects the whole file.
//!
//! Deliberately does not verify the Ministry's XAdES signature: the
//! `ds:Signature` element (and anything else outside the UPO namespace) is
//! skipped unread, never mistaken for data. Session-level fields
//! (authentication context, page numbers) are not read either.

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use chrono_tz::Europe::Warsaw;

use crate::documents::xml::{self, Element, Event, Flow, MAX_DOCUMENT_BYTES};
use crate::documents::{DocError, parse_date};

/// Target namespace of `upo-v4-3.xsd`.
pub const UPO_NAMESPACE: &str = "http://upo.schematy.mf.gov.pl/KSeF/v4-3";

/// Fractional seconds allowed in a timestamp (KSeF writes up to 7).
const MAX_FRACTION_DIGITS: usize = 9;

/// One confirmed invoice (`Dokument`); times are Europe/Warsaw local.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpoDocument {
    /// `NipSprzedawcy`.
    pub seller_nip: String,
    /// `NumerKSeFDokumentu`.
    pub ksef_number: String,
    /// `NumerFaktury`.
    pub invoice_number: String,
    /// `DataWystawieniaFaktury` (P_1).
    pub issue_date: NaiveDate,
    /// `DataPrzeslaniaDokumentu`: the submission time.
    pub submitted_at: NaiveDateTime,
    /// `DataNadaniaNumeruKSeF`.
    pub ksef_number_assigned_at: Option<NaiveDateTime>,
    /// `SkrotDokumentu`: SHA-256 of the invoice file, Base64.
    pub invoice_hash: String,
    /// `TrybWysylki`: Online or Offline.
    pub sending_mode: Option<String>,
    /// The receipt's `NazwaPodmiotuPrzyjmujacego`, white space collapsed:
    /// who issued it (`Ministerstwo Finansów` in production).
    pub receiver: Option<String>,
    /// Line of the `<Dokument>` start tag, for evidence and rejections.
    pub line: u64,
}

/// Reads every `Dokument` of one UPO file, in file order.
pub fn parse_upo(bytes: &[u8]) -> Result<Vec<UpoDocument>, DocError> {
    let mut reader = Receipt::default();
    let mut root_line = 1;
    xml::walk(bytes, MAX_DOCUMENT_BYTES, |path, event| {
        if let Event::Start(element) = event {
            if path.len() == 1 {
                root_line = element.line;
                return check_root(element).map(|()| Flow::Continue);
            }
            // ds:Signature with its XAdES properties: evidence of origin,
            // not data; skipped whole.
            if element.namespace.as_deref() != Some(UPO_NAMESPACE) {
                return Ok(Flow::Skip);
            }
        }
        reader.visit(path, event)?;
        Ok(Flow::Continue)
    })?;
    if reader.documents.is_empty() {
        return Err(DocError::at(
            root_line,
            "no Dokument element: the receipt confirms no invoice",
        ));
    }
    Ok(reader.documents)
}

#[derive(Debug, Default)]
struct Receipt {
    documents: Vec<UpoDocument>,
    current: Option<Draft>,
    /// `NazwaPodmiotuPrzyjmujacego`, which comes before the documents.
    receiver: Option<String>,
}

/// Raw texts of one `Dokument`, by element name, until it closes.
#[derive(Debug, Default)]
struct Draft {
    line: u64,
    fields: Vec<(String, String, u64)>,
}

impl Receipt {
    fn visit(&mut self, path: &[Element], event: Event<'_>) -> Result<(), DocError> {
        let in_document = xml::path_is(path, &["Potwierdzenie", "Dokument"]);
        match event {
            Event::Start(element) if in_document => {
                self.current = Some(Draft {
                    line: element.line,
                    fields: Vec::new(),
                });
                Ok(())
            }
            Event::End(_, _) if in_document => match self.current.take() {
                Some(draft) => {
                    let mut document = draft.finish()?;
                    document.receiver = self.receiver.clone();
                    self.documents.push(document);
                    Ok(())
                }
                None => Ok(()),
            },
            Event::End(element, text)
                if path.len() == 2 && element.name == "NazwaPodmiotuPrzyjmujacego" =>
            {
                let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
                self.receiver = (!collapsed.is_empty()).then_some(collapsed);
                Ok(())
            }
            Event::End(element, text) if path.len() == 3 => match self.current.as_mut() {
                Some(draft) => draft.add(element, text.trim()),
                None => Ok(()),
            },
            _ => Ok(()),
        }
    }
}

impl Draft {
    fn add(&mut self, element: &Element, text: &str) -> Result<(), DocError> {
        if self.fields.iter().any(|(name, _, _)| *name == element.name) {
            return Err(DocError::at(
                element.line,
                format!("{} appears twice in one Dokument", element.name),
            ));
        }
        self.fields
            .push((element.name.clone(), text.to_string(), element.line));
        Ok(())
    }

    /// The text and line of a field; empty text counts as missing.
    fn get(&self, name: &str) -> Option<(&str, u64)> {
        self.fields
            .iter()
            .find(|(field, text, _)| field == name && !text.is_empty())
            .map(|(_, text, line)| (text.as_str(), *line))
    }

    fn required(&self, name: &str) -> Result<(&str, u64), DocError> {
        self.get(name).ok_or_else(|| {
            DocError::at(
                self.line,
                format!(
                    "Dokument at line {}: required element {name} is missing or empty",
                    self.line
                ),
            )
        })
    }

    fn time(&self, name: &str) -> Result<Option<NaiveDateTime>, DocError> {
        self.get(name)
            .map(|field| timestamp(name, field))
            .transpose()
    }

    fn required_time(&self, name: &str) -> Result<NaiveDateTime, DocError> {
        timestamp(name, self.required(name)?)
    }

    fn finish(self) -> Result<UpoDocument, DocError> {
        let (issue, issue_line) = self.required("DataWystawieniaFaktury")?;
        let issue_date = parse_date(issue, "DataWystawieniaFaktury")
            .map_err(|reason| DocError::at(issue_line, reason))?;
        Ok(UpoDocument {
            seller_nip: self.required("NipSprzedawcy")?.0.to_string(),
            ksef_number: self.required("NumerKSeFDokumentu")?.0.to_string(),
            invoice_number: self.required("NumerFaktury")?.0.to_string(),
            issue_date,
            submitted_at: self.required_time("DataPrzeslaniaDokumentu")?,
            ksef_number_assigned_at: self.time("DataNadaniaNumeruKSeF")?,
            invoice_hash: self.required("SkrotDokumentu")?.0.to_string(),
            sending_mode: self.get("TrybWysylki").map(|(text, _)| text.to_string()),
            receiver: None,
            line: self.line,
        })
    }
}

fn timestamp(name: &str, (text, line): (&str, u64)) -> Result<NaiveDateTime, DocError> {
    parse_timestamp(text).map_err(|reason| DocError::at(line, format!("{name}: {reason}")))
}

fn check_root(root: &Element) -> Result<(), DocError> {
    if root.name == "Potwierdzenie" && root.namespace.as_deref() == Some(UPO_NAMESPACE) {
        return Ok(());
    }
    let namespace = root.namespace.as_deref().unwrap_or("no namespace");
    Err(DocError::at(
        root.line,
        format!(
            "not a UPO v4-3 receipt: root is <{}> in {namespace}, expected <Potwierdzenie> in {UPO_NAMESPACE}",
            root.name
        ),
    ))
}

/// ISO 8601 `YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z|±HH:MM]` as Europe/Warsaw local
/// time: with an offset or `Z` it is converted, without one it already is
/// Warsaw time (contract §2).
pub fn parse_timestamp(text: &str) -> Result<NaiveDateTime, String> {
    let text = text.trim();
    let bad = || format!("\"{text}\" is not an ISO 8601 timestamp");
    let (local, offset) = split_offset(text);
    let fraction = local.split_once('.').map_or("", |(_, f)| f);
    if fraction.len() > MAX_FRACTION_DIGITS {
        return Err(format!(
            "\"{text}\" has more than {MAX_FRACTION_DIGITS} fractional digits"
        ));
    }
    let naive = NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S%.f").map_err(|_| bad())?;
    match offset {
        None => Ok(naive),
        Some(offset) => {
            let aware =
                DateTime::parse_from_str(&format!("{local}{offset}"), "%Y-%m-%dT%H:%M:%S%.f%:z")
                    .map_err(|_| bad())?;
            Ok(aware.with_timezone(&Warsaw).naive_local())
        }
    }
}

/// Splits `Z` or `±HH:MM` off the end; `Z` becomes `+00:00`.
fn split_offset(text: &str) -> (&str, Option<&str>) {
    if let Some(local) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return (local, Some("+00:00"));
    }
    let cut = text.len().saturating_sub(6);
    match (text.get(..cut), text.get(cut..)) {
        (Some(local), Some(offset)) if offset.starts_with(['+', '-']) && local.contains('T') => {
            (local, Some(offset))
        }
        _ => (text, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(name: &str) -> Vec<u8> {
        let path = format!("{}/fixtures/samples/upo/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn at(date: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(date, "%Y-%m-%d %H:%M:%S%.f").unwrap_or_default()
    }

    fn document(
        ksef: &str,
        number: &str,
        sent: &str,
        assigned: &str,
        hash: &str,
        line: u64,
    ) -> UpoDocument {
        UpoDocument {
            seller_nip: "5265877635".into(),
            ksef_number: ksef.into(),
            invoice_number: number.into(),
            issue_date: NaiveDate::from_ymd_opt(2025, 9, 16).unwrap_or_default(),
            submitted_at: at(sent),
            ksef_number_assigned_at: Some(at(assigned)),
            invoice_hash: hash.into(),
            sending_mode: Some("Online".into()),
            receiver: Some("Ministerstwo Finansów - środowisko testowe (TE)".into()),
            line,
        }
    }

    #[test]
    fn all_official_samples_parse() {
        let names = [
            ("upo-faktura-id-zlozony-vat-ue.xml", 1),
            ("upo-faktura-internal-id.xml", 1),
            ("upo-faktura-kontekst-id-nip.xml", 1),
            ("upo-sesja-id-zlozony-vat-ue.xml", 2),
            ("upo-sesja-internal-id.xml", 2),
            ("upo-sesja-kontekst-id-nip.xml", 2),
        ];
        for (name, count) in names {
            assert_eq!(
                parse_upo(&sample(name)).map(|d| d.len()),
                Ok(count),
                "{name}"
            );
        }
    }

    #[test]
    fn single_invoice_receipt_every_field() {
        let expected = document(
            "5265877635-20250916-0200A0D6723E-C2",
            "FA/XVQUD-9997622510/04/2027",
            "2025-09-16 11:05:40.841",
            "2025-09-16 11:05:41.045",
            "GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ8=",
            13,
        );
        assert_eq!(
            parse_upo(&sample("upo-faktura-kontekst-id-nip.xml")),
            Ok(vec![expected])
        );
    }

    #[test]
    fn session_receipt_every_field() {
        let expected = vec![
            document(
                "5265877635-20250916-0100C002FF3E-D5",
                "FA/SIGTF-3388125147/11/2025",
                "2025-09-16 11:10:27.710",
                "2025-09-16 11:10:28.120",
                "jli86Kp2Kw7jppX59P8VmjWRcwLTvsPK3DcPEB87mNk=",
                20,
            ),
            document(
                "5265877635-20250916-02000009FF3E-FB",
                "FA/XVQUD-9997622510/04/2027",
                "2025-09-16 11:10:27.818",
                "2025-09-16 11:10:28.168",
                "GZMGNVzs3krF6URKgvaw77OOeG3nJ+WGziT5xguliQ8=",
                30,
            ),
        ];
        assert_eq!(
            parse_upo(&sample("upo-sesja-internal-id.xml")),
            Ok(expected)
        );
    }

    #[test]
    fn missing_field_rejects_the_file_naming_element_and_line() {
        let text = String::from_utf8(sample("upo-sesja-internal-id.xml")).unwrap_or_default();
        let broken = text.replacen(
            "<NumerFaktury>FA/XVQUD-9997622510/04/2027</NumerFaktury>",
            "",
            1,
        );
        let err = parse_upo(broken.as_bytes()).err();
        assert_eq!(err.as_ref().and_then(|e| e.line), Some(30));
        assert!(err.is_some_and(|e| e.reason.contains("NumerFaktury")));
    }

    #[test]
    fn signature_is_skipped_not_read() {
        let text = String::from_utf8(sample("upo-faktura-internal-id.xml")).unwrap_or_default();
        let signature = "<ds:Signature xmlns:ds=\"http://www.w3.org/2000/09/xmldsig#\">\
            <ds:Object><Dokument><NipSprzedawcy>1</NipSprzedawcy></Dokument></ds:Object>\
            </ds:Signature></Potwierdzenie>";
        let signed = text.replace("</Potwierdzenie>", signature);
        let docs = parse_upo(signed.as_bytes()).unwrap_or_default();
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].seller_nip, "5265877635");
    }

    #[test]
    fn wrong_root_and_empty_receipts_are_refused() {
        let fa3 = b"<Faktura xmlns=\"http://crd.gov.pl/wzor/2025/06/25/13775/\"/>";
        let err = parse_upo(fa3).err().map(|e| e.reason).unwrap_or_default();
        assert!(err.contains("<Faktura>") && err.contains("13775"), "{err}");
        let empty = format!("<Potwierdzenie xmlns=\"{UPO_NAMESPACE}\"></Potwierdzenie>");
        assert!(parse_upo(empty.as_bytes()).is_err());
    }

    #[test]
    fn timestamps_become_warsaw_local_time() {
        assert_eq!(
            parse_timestamp("2025-08-28T09:22:13.3881234+00:00"),
            Ok(at("2025-08-28 11:22:13.3881234"))
        );
        assert_eq!(
            parse_timestamp("2026-01-10T23:30:00Z"),
            Ok(at("2026-01-11 00:30:00"))
        );
        assert_eq!(
            parse_timestamp("2026-03-29T01:30:00-05:00"),
            Ok(at("2026-03-29 08:30:00"))
        );
        assert_eq!(
            parse_timestamp("2026-03-02T10:00:00.123456789"),
            Ok(at("2026-03-02 10:00:00.123456789"))
        );
        for bad in [
            "2026-03-02T10:00:00.1234567891Z",
            "2026-03-02",
            "2026-03-02 10:00:00",
            "x",
        ] {
            assert!(parse_timestamp(bad).is_err(), "{bad}");
        }
    }
}
