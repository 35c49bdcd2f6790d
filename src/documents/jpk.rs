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
//! The file is a return as well as a register ([`JpkHeader`]): its period
//! (`Rok` with `Miesiac`, or with `Kwartal`), when it was made
//! (`DataWytworzeniaJPK`, the moment its markers are judged as of) and
//! whether it corrects an earlier one (`CelZlozenia` 2). Without the moment
//! or the period the markers cannot be judged, nor the file placed among
//! the period's returns, so such a file is refused whole.
//!
//! A row must carry exactly one of `NrKSeF`, `OFF`, `BFK`, `DI`. A row with
//! two is refused (which one stands is unknowable); a row with none is read,
//! with no marker: that is a finding about the return (MARKER_MISMATCH when
//! KSeF had numbered the invoice), not a reason to drop the invoice.
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

use std::borrow::Cow;

use chrono::NaiveDateTime;

use crate::documents::DocError;
use crate::documents::xml::{self, Element, Event, Flow};

/// What the `Naglowek` says of the file as a return.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct JpkHeader {
    /// `JPK_V7M` or `JPK_V7K` (from `kodSystemowy`).
    pub form: String,
    /// `YYYY-MM` from `Rok` and `Miesiac` (both forms file their register
    /// monthly); `YYYY-Qn` where a file gives `Kwartal` instead.
    pub period: String,
    /// `DataWytworzeniaJPK` in Warsaw time.
    pub made_at: NaiveDateTime,
    /// `CelZlozenia`: 1 a return, 2 a correction of it.
    pub purpose: u8,
    /// The taxpayer's NIP under `Podmiot1`: whose return it is.
    pub seller_nip: Option<String>,
}

/// One JPK_V7 file: the return it is and its sales rows in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JpkRegister<'a> {
    pub header: JpkHeader,
    pub sales: Vec<JpkSale<'a>>,
}

/// A VAT register of a large seller holds hundreds of thousands of rows, far
/// more than one invoice; it still has a ceiling, so a runaway file is
/// refused rather than read into memory.
pub const MAX_JPK_BYTES: usize = 1024 * 1024 * 1024;

/// Reads one JPK_V7M/K file: its header and its sales rows, in file order
/// (see [`open_jpk`]).
pub fn parse_jpk(bytes: &[u8]) -> Result<JpkRegister<'_>, DocError> {
    match open_jpk(bytes)? {
        Opened::Plain(header, mut rows) => {
            let sales: Vec<JpkSale<'_>> = rows.by_ref().collect();
            match rows.broken() {
                false => Ok(JpkRegister { header, sales }),
                // Covariant: the strict reader's owned rows stand in.
                true => Ok(strict(bytes)?),
            }
        }
        Opened::Strict(register) => Ok(register),
    }
}

/// A JPK_V7 file opened for its rows: its header known, its rows read one
/// by one as they are asked for, or, where the file is not plainly shaped,
/// read whole by the strict reader.
pub enum Opened<'a> {
    /// The rows are read as they are asked for; if
    /// [`PlainRows::broken`] says so once they are all read, the file was
    /// not plainly shaped after all, and what it gave is to be thrown away
    /// for [`strict`]'s reading.
    /// (Boxed: the reader holds the row it lends, some 400 bytes.)
    Plain(JpkHeader, Box<PlainRows<'a>>),
    Strict(JpkRegister<'static>),
}

/// Opens one JPK_V7M/K file for its rows.
///
/// The sales rows of a register are a long run of flat elements, and
/// walking each of their dozen elements through the general reader was
/// most of the time of loading a large register. So the run of rows (from
/// the first row's start tag to the last row's end tag) is set apart and
/// the rest of the file (with the rows' bytes replaced by their line
/// breaks, so every line keeps its number) is read first, by the strict
/// reader, for the header; the rows are then read by [`PlainRows`], which
/// accepts only the plain shape (each row's children an element of the
/// row's own prefix holding text, nothing else). Any doubt, in either, and
/// the whole file goes through the strict reader, so what is read, and
/// every refusal, is the strict reader's.
pub fn open_jpk(bytes: &[u8]) -> Result<Opened<'_>, DocError> {
    let plain = rows::locate(bytes).and_then(|run| {
        let register = walk_register(&rows::skeleton(bytes, &run)).ok()?;
        let header = register.finish_with(Vec::new()).ok()?.header;
        Some(Opened::Plain(header, Box::new(PlainRows::new(&run))))
    });
    match plain {
        Some(opened) => Ok(opened),
        None => strict(bytes).map(Opened::Strict),
    }
}

/// [`parse_jpk`] through the strict reader alone.
pub fn strict(bytes: &[u8]) -> Result<JpkRegister<'static>, DocError> {
    walk_register(bytes)?.finish()
}

fn walk_register(bytes: &[u8]) -> Result<Register, DocError> {
    let mut register = Register::default();
    xml::walk(bytes, MAX_JPK_BYTES, |path, event| {
        register.visit(path, event)?;
        Ok(Flow::Continue)
    })?;
    Ok(register)
}

mod rows;
mod sale;
pub use rows::PlainRows;
use sale::Row;
pub use sale::{JpkSale, NET_FIELDS, VAT_FIELDS};

#[derive(Debug, Default)]
struct Register {
    form: Option<String>,
    seller_nip: Option<String>,
    rows: Vec<JpkSale<'static>>,
    current: Option<Row<'static>>,
    root_line: u64,
    header: Header,
    /// Why the file is of an earlier version of the form, if it is; the
    /// file is still read through so that its rows can be counted.
    earlier: Option<DocError>,
}

impl Register {
    fn visit(&mut self, path: &[Element], event: Event<'_>) -> Result<(), DocError> {
        // The path's first four names, matched without collecting them (a
        // register of a million rows has some 25 million events).
        let name = |i: usize| path.get(i).map_or("", |e| e.name.as_str());
        let names: [&str; 4] = [name(0), name(1), name(2), name(3)];
        let names = &names[..path.len().min(4)];
        if path.len() > 4 {
            // Deeper than any element read, but for the taxpayer's NIP.
            let last = path.last().map(|e| e.name.as_str());
            return match event {
                Event::End(_, text) if names[1] == "Podmiot1" && last == Some("NIP") => {
                    self.seller_nip = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                    Ok(())
                }
                _ => Ok(()),
            };
        }
        match (event, names) {
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
            (Event::End(field, text), ["JPK", "Naglowek", name]) => {
                self.header.field(name, field.line, text.trim());
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
                let text = text.trim();
                if let Some(row) = self.current.as_mut()
                    && let Some(slot) = row.field(&field.name, text)
                {
                    row.keep(slot, Cow::Owned(text.to_string()));
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

    /// The register with `first` before the rows it read (the run of rows
    /// read apart comes before any the strict reader read after it).
    /// The file as a register, with `first` (the run of rows read apart)
    /// before any rows the strict reader read after it.
    fn finish_with(self, mut first: Vec<JpkSale<'_>>) -> Result<JpkRegister<'_>, DocError> {
        let rest: Vec<JpkSale<'_>> = self.rows;
        first.extend(rest);
        Register {
            rows: Vec::new(),
            ..self
        }
        .finish_rows(first)
    }

    fn finish(mut self) -> Result<JpkRegister<'static>, DocError> {
        let rows = std::mem::take(&mut self.rows);
        self.finish_rows(rows)
    }

    fn finish_rows(self, sales: Vec<JpkSale<'_>>) -> Result<JpkRegister<'_>, DocError> {
        let rows = sales.len() as u64;
        let refused = |mut e: DocError| {
            e.rows = rows;
            e
        };
        if let Some(earlier) = self.earlier {
            return Err(refused(earlier));
        }
        let Some(form) = self.form else {
            return Err(refused(DocError::at(
                self.root_line,
                "not a JPK_V7M/K file: no Naglowek/KodFormularza",
            )));
        };
        let mut header = self.header.finish(&form, self.root_line).map_err(refused)?;
        header.seller_nip = self.seller_nip;
        Ok(JpkRegister { header, sales })
    }
}

/// The `Naglowek` fields that make the file a return, as read.
#[derive(Debug, Default)]
struct Header {
    made_at: Option<Result<NaiveDateTime, (u64, String)>>,
    purpose: Option<(u64, String)>,
    year: Option<(u64, String)>,
    month: Option<(u64, String)>,
    quarter: Option<(u64, String)>,
}

impl Header {
    fn field(&mut self, name: &str, line: u64, text: &str) {
        let value = Some((line, text.to_string()));
        match name {
            "DataWytworzeniaJPK" => {
                self.made_at = Some(
                    crate::contract::parse_timestamp(text, None)
                        .map_err(|e| (line, format!("DataWytworzeniaJPK: {e}"))),
                )
            }
            "CelZlozenia" => self.purpose = value,
            "Rok" => self.year = value,
            "Miesiac" => self.month = value,
            "Kwartal" => self.quarter = value,
            _ => {}
        }
    }

    /// The header as a return, or why the file cannot be judged as one.
    fn finish(self, form: &str, root_line: u64) -> Result<JpkHeader, DocError> {
        let made_at = match self.made_at {
            Some(Ok(t)) => t,
            Some(Err((line, reason))) => return Err(DocError::at(line, reason)),
            None => {
                return Err(DocError::at(
                    root_line,
                    "Naglowek/DataWytworzeniaJPK is missing: a JPK_V7 file's markers are judged \
                     as of the moment it was made",
                ));
            }
        };
        let purpose = match &self.purpose {
            Some((_, t)) if t == "1" => 1,
            Some((_, t)) if t == "2" => 2,
            Some((line, t)) => {
                return Err(DocError::at(
                    *line,
                    format!("CelZlozenia: \"{t}\" should be 1 (a return) or 2 (its correction)"),
                ));
            }
            None => 1,
        };
        Ok(JpkHeader {
            form: form.split_whitespace().next().unwrap_or(form).to_string(),
            period: self.period(root_line)?,
            made_at,
            purpose,
            seller_nip: None,
        })
    }

    /// `YYYY-MM`, or `YYYY-Qn` for a file that gives only the quarter.
    fn period(&self, root_line: u64) -> Result<String, DocError> {
        let number =
            |field: &Option<(u64, String)>, name: &str, range: std::ops::RangeInclusive<u32>| {
                match field {
                    Some((line, t)) => match t.parse::<u32>() {
                        Ok(n) if range.contains(&n) => Ok(Some(n)),
                        _ => Err(DocError::at(
                            *line,
                            format!("{name}: \"{t}\" is not a valid {name}"),
                        )),
                    },
                    None => Ok(None),
                }
            };
        let year = number(&self.year, "Rok", 2000..=2999)?;
        let month = number(&self.month, "Miesiac", 1..=12)?;
        let quarter = number(&self.quarter, "Kwartal", 1..=4)?;
        match (year, month, quarter) {
            (Some(y), Some(m), _) => Ok(format!("{y}-{m:02}")),
            (Some(y), None, Some(q)) => Ok(format!("{y}-Q{q}")),
            _ => Err(DocError::at(
                root_line,
                "Naglowek gives no period (Rok with Miesiac): a JPK_V7 file is placed among \
                 the returns of its period",
            )),
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn fixture() -> String {
        let path = format!(
            "{}/fixtures/samples/jpk/jpk_v7m_2026_03.xml",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    fn rows(xml: &str) -> Vec<JpkSale<'static>> {
        parse_jpk(xml.as_bytes())
            .unwrap_or_else(|e| panic!("{e}"))
            .sales
            .into_iter()
            .map(JpkSale::into_owned)
            .collect()
    }

    /// The fixture with its `Naglowek` lines replaced by `header`.
    fn with_header(header: &str) -> String {
        let xml = fixture();
        let start = xml.find("<Naglowek>").unwrap_or(0);
        let end = xml.find("</Naglowek>").unwrap_or(0) + "</Naglowek>".len();
        format!(
            "{}<Naglowek>{header}</Naglowek>{}",
            &xml[..start],
            &xml[end..]
        )
    }

    const FORM: &str = "<KodFormularza kodSystemowy=\"JPK_V7M (3)\" wersjaSchemy=\"1-0E\">JPK_VAT</KodFormularza><WariantFormularza>3</WariantFormularza>";

    #[test]
    fn the_header_makes_the_file_a_return_of_its_period() {
        let got = parse_jpk(fixture().as_bytes()).map(|r| r.header);
        let made_at = NaiveDate::from_ymd_opt(2026, 4, 20).and_then(|d| d.and_hms_opt(11, 15, 0));
        assert_eq!(
            got,
            Ok(JpkHeader {
                form: "JPK_V7M".into(),
                period: "2026-03".into(),
                // 09:15Z is 11:15 in Warsaw summer time.
                made_at: made_at.unwrap_or_default(),
                purpose: 1,
                seller_nip: Some("5265877635".into()),
            })
        );
        let quarter = with_header(&format!(
            "{FORM}<DataWytworzeniaJPK>2026-07-01T08:00:00</DataWytworzeniaJPK>\
             <CelZlozenia>2</CelZlozenia><Rok>2026</Rok><Kwartal>2</Kwartal>"
        ));
        let header = parse_jpk(quarter.as_bytes()).map(|r| (r.header.period, r.header.purpose));
        assert_eq!(header, Ok(("2026-Q2".to_string(), 2)));
    }

    #[test]
    fn a_file_without_its_moment_or_period_is_refused_whole() {
        for (header, says) in [
            (
                format!("{FORM}<Rok>2026</Rok><Miesiac>3</Miesiac>"),
                "DataWytworzeniaJPK is missing",
            ),
            (
                format!(
                    "{FORM}<DataWytworzeniaJPK>2026-04-20T09:15:00Z</DataWytworzeniaJPK><Rok>2026</Rok>"
                ),
                "no period",
            ),
            (
                format!(
                    "{FORM}<DataWytworzeniaJPK>2026-04-20T09:15:00Z</DataWytworzeniaJPK><Rok>2026</Rok><Miesiac>13</Miesiac>"
                ),
                "Miesiac: \"13\"",
            ),
            (
                format!(
                    "{FORM}<DataWytworzeniaJPK>wczoraj</DataWytworzeniaJPK><Rok>2026</Rok><Miesiac>3</Miesiac>"
                ),
                "DataWytworzeniaJPK:",
            ),
            (
                format!(
                    "{FORM}<DataWytworzeniaJPK>2026-04-20T09:15:00Z</DataWytworzeniaJPK><CelZlozenia>3</CelZlozenia><Rok>2026</Rok><Miesiac>3</Miesiac>"
                ),
                "CelZlozenia: \"3\"",
            ),
        ] {
            match parse_jpk(with_header(&header).as_bytes()) {
                Ok(_) => panic!("read a file with header {header}"),
                Err(e) => {
                    assert!(e.reason.contains(says), "{e} should say {says}");
                    assert_eq!(e.rows, 5, "its rows count as read");
                }
            }
        }
    }

    /// Every JPK_V7 file of the project, and each mangled in ways the row
    /// scan must leave to the strict reader, reads as the strict reader
    /// alone reads it.
    #[test]
    fn the_rows_read_apart_are_the_strict_readers_rows() {
        let root = env!("CARGO_MANIFEST_DIR");
        let files = [
            "fixtures/samples/jpk/jpk_v7m_2026_03.xml",
            "fixtures/real/jpk/jpk_vat-v7m-example.xml",
            "fixtures/demo/ledger/jpk_v7m_2026_02.xml",
            "fixtures/demo/ledger/jpk_v7m_2026_02_kor.xml",
            "fixtures/jpk/ledger/jpk_2026_03_kor.xml",
        ];
        let same = |bytes: &[u8], what: &str| {
            let fast = format!("{:?}", parse_jpk(bytes));
            let slow = format!("{:?}", strict(bytes));
            assert_eq!(fast, slow, "{what}");
        };
        for file in files {
            let text = std::fs::read_to_string(format!("{root}/{file}")).unwrap_or_default();
            assert!(text.contains("SprzedazWiersz"), "{file}");
            let plain = match open_jpk(text.as_bytes()) {
                Ok(Opened::Plain(_, mut rows)) => rows.by_ref().count() > 0 && !rows.broken(),
                _ => false,
            };
            assert!(plain, "{file} takes the scan");
            same(text.as_bytes(), file);
            for (from, to) in [
                ("</DowodSprzedazy>", "</DowodSprzedazy><!-- c -->"),
                ("<K_19>", "<K_19 a=\"1\">"),
                ("<K_20>", "<K_20/><K_20>"),
                ("</DataWystawienia>", "</DataWystawienia>x"),
                (">1</DI>", ">&#49;</DI>"),
                (">1</DI>", ">&amp;</DI>"),
                ("<SprzedazWiersz>", "<SprzedazWiersz>\r\n"),
                ("\n", "\r\n"),
                ("<K_19>", "<K_19>\r\n"),
                ("</SprzedazWiersz>", "</SprzedazWiersz >"),
                ("</K_19>", "</K_91>"),
                ("<SprzedazWiersz>", "<SprzedazWiersz><x>"),
            ] {
                let prefixed = |t: &str| t.replace('<', "<tns:").replace("<tns:/", "</tns:");
                for (a, b) in [
                    (from.to_string(), to.to_string()),
                    (prefixed(from), prefixed(to)),
                ] {
                    same(
                        text.replacen(&a, &b, 1).as_bytes(),
                        &format!("{file}: {a} -> {b}"),
                    );
                    same(
                        text.replace(&a, &b).as_bytes(),
                        &format!("{file}: all {a} -> {b}"),
                    );
                }
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn a_mangled_register_reads_as_the_strict_reader_reads_it(
            cut in 0usize..6000,
            junk in "[<>&;/=\"a-zA-Z_:!\\[\\] \n\r#0-9-]{0,10}",
        ) {
            let text = std::fs::read_to_string(format!(
                "{}/fixtures/demo/ledger/jpk_v7m_2026_02_kor.xml",
                env!("CARGO_MANIFEST_DIR")
            )).unwrap_or_default();
            let mut at = cut.min(text.len());
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let mangled = format!("{}{junk}{}", &text[..at], &text[at..]);
            proptest::prop_assert_eq!(
                format!("{:?}", parse_jpk(mangled.as_bytes())),
                format!("{:?}", strict(mangled.as_bytes()))
            );
        }
    }

    #[test]
    fn a_row_without_any_marker_is_read_with_none() {
        let xml = fixture().replacen("<OFF>1</OFF>", "", 1);
        let got = rows(&xml);
        assert_eq!(got[1].marker, None);
        assert_eq!(got[1].ksef_number, None);
        assert!(got[1].problems.is_empty(), "{:?}", got[1].problems);
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
    ) -> JpkSale<'static> {
        JpkSale {
            line,
            invoice_number: Some(Cow::Owned(number.to_string())),
            issue_date: day(date),
            buyer_id: buyer.map(|b| Cow::Owned(b.to_string())),
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
            marker: Some("OFF"),
            ..sale(60, "FV/2026/03/002", 10, None, 80_000, 5_400)
        };
        assert_eq!(got[1], off);
        let bfk = JpkSale {
            marker: Some("BFK"),
            ..sale(75, "FV/2026/03/003", 16, Some("2222222222"), 5_000, 250)
        };
        assert_eq!(got[2], bfk);
        let di = JpkSale {
            marker: Some("DI"),
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
    fn markers_must_be_at_most_one_and_valued_1() {
        let text = fixture()
            .replace("<BFK>1</BFK>", "")
            .replace("<DI>1</DI>\n\t\t\t<K_10>", "<DI>2</DI>\n\t\t\t<K_10>");
        let got = rows(&text);
        // No marker at all is read (MARKER_MISMATCH judges it), not refused.
        assert!(got[2].problems.is_empty(), "{:?}", got[2].problems);
        assert_eq!(got[2].marker, None);
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
