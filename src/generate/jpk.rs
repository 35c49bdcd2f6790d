//! `generate --jpk`: the ledger as JPK_V7M(3) returns, one per issue month,
//! with the markers the JPK_V7(3) rules call for, judged as of the moment
//! each return is made, and marker errors planted on purpose.
//!
//! A month's return is made on the 20th of the next month at 23:00 (Warsaw
//! time), when every invoice of the month that KSeF numbers at all is
//! numbered already (submissions come at most three business days after
//! P_1, between 08:00 and 18:00): such a row carries `NrKSeF`. Two kinds of
//! months differ:
//!
//! - **made early** ([`EARLY`]): the return is made on the month's last day
//!   at 23:00, so invoices KSeF numbers in the next month (offline invoices
//!   of the last business day, late ones) are filed `DI`, as the rules say,
//!   and each is a JPK_CORRECTION_DUE once KSeF numbers it;
//! - **corrected** ([`CORRECTED`]): an original made on the 15th of the next
//!   month files every numbered invoice `DI` (wrongly), and a correction
//!   (`CelZlozenia` 2) made on the 20th replaces it whole: the original's
//!   rows are read but are no ledger rows of a run.
//!
//! Planted marker errors: an offline invoice marked `BFK` (the anomaly
//! `BfkMarker`, MARKER_MISMATCH), and an invoice marked `DI` though KSeF had
//! numbered it before the return was made (`DiMarker`, MARKER_MISMATCH).
//! A cash-register report (`Receipt`) is filed `DI` with `TypDokumentu` RO,
//! and an invoice never sent `DI`: neither is a finding. Rows are in PLN as
//! the form states them; an invoice in EUR keeps its figures, and a planted
//! amount difference on it is not compared (the rules compare a JPK_V7 row
//! with KSeF only in PLN). `LpSprzedazy` and the control totals are not
//! written: the engine reads neither.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use chrono::{Datelike, NaiveDate};

use super::dates::ymd;
use super::plan::{Anomaly, InvoicePlan, SELLER};
use crate::contract::format_amount;

/// Months whose return is made on their last day.
pub const EARLY: [u32; 2] = [4, 8];
/// Months whose first return is replaced by a correction.
pub const CORRECTED: [u32; 3] = [3, 6, 9];

/// What a month's returns are: when the one that stands was made, and
/// whether an original it replaces was made before it.
struct Return {
    made: NaiveDate,
    original_made: Option<NaiveDate>,
}

fn month_return(year: i32, month: u32) -> Return {
    let next = |day: u32| {
        let (y, m) = if month == 12 {
            (year + 1, 1)
        } else {
            (year, month + 1)
        };
        NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
    };
    if EARLY.contains(&month) {
        return Return {
            made: next(1).pred_opt().unwrap_or_default(),
            original_made: None,
        };
    }
    Return {
        made: next(20),
        original_made: CORRECTED.contains(&month).then(|| next(15)),
    }
}

/// The findings a row of the return that stands gives.
#[derive(Debug, Default, Clone, Copy)]
pub struct JpkTally {
    pub marker_mismatch: u64,
    pub correction_due: u64,
    /// Rows of the replaced originals.
    pub original_rows: u64,
    /// Planted amount differences on invoices not in PLN, which a JPK_V7
    /// row is not compared for.
    pub amounts_not_compared: u64,
}

impl JpkTally {
    pub fn add(&mut self, other: &JpkTally) {
        self.marker_mismatch += other.marker_mismatch;
        self.correction_due += other.correction_due;
        self.original_rows += other.original_rows;
        self.amounts_not_compared += other.amounts_not_compared;
    }
}

/// One month's rows of a chunk: the return that stands, and the original
/// it replaces (empty but in corrected months).
#[derive(Default)]
pub struct MonthRows {
    pub month: u32,
    pub standing: Vec<u8>,
    pub original: Vec<u8>,
}

/// The invoice's row(s) in its month's returns (two for a planted
/// DUPLICATE_NUMBER), and what they give.
pub fn rows(
    p: &InvoicePlan,
    number: &str,
    ksef_no: Option<&str>,
    copies: u64,
    out: &mut Vec<MonthRows>,
    tally: &mut JpkTally,
) {
    let month = p.issue_date.month();
    let ret = month_return(p.issue_date.year(), month);
    // KSeF numbers an invoice on the day it is submitted, by 18:00; the
    // return is made at 23:00.
    let submitted = ksef_no.and(p.submitted_on());
    let numbered_before = submitted.is_some_and(|d| d <= ret.made);
    let marker = match p.anomaly {
        Anomaly::Receipt => "<TypDokumentu>RO</TypDokumentu><DI>1</DI>".to_string(),
        Anomaly::BfkMarker => {
            tally.marker_mismatch += 1;
            "<BFK>1</BFK>".to_string()
        }
        Anomaly::DiMarker if numbered_before => {
            tally.marker_mismatch += 1;
            "<DI>1</DI>".to_string()
        }
        _ => match ksef_no {
            Some(no) if numbered_before => format!("<NrKSeF>{no}</NrKSeF>"),
            _ => {
                // Numbered after the return was made: filed DI, as the
                // rules say, so the return must be corrected.
                tally.correction_due += u64::from(submitted.is_some());
                "<DI>1</DI>".to_string()
            }
        },
    };
    if p.anomaly == Anomaly::AmountMismatch && p.currency != "PLN" {
        tally.amounts_not_compared += 1;
    }
    if out.last().is_none_or(|m| m.month != month) {
        out.push(MonthRows {
            month,
            ..MonthRows::default()
        });
    }
    let Some(rows) = out.last_mut() else { return };
    let (net, vat) = (format_amount(p.net), format_amount(p.vat));
    let row = |marker: &str| {
        format!(
            "<SprzedazWiersz><NrKontrahenta>{}</NrKontrahenta><DowodSprzedazy>{number}</DowodSprzedazy>\
             <DataWystawienia>{}</DataWystawienia>{marker}<K_19>{net}</K_19><K_20>{vat}</K_20></SprzedazWiersz>\n",
            p.buyer,
            ymd(p.issue_date)
        )
    };
    for _ in 0..copies {
        rows.standing.extend_from_slice(row(&marker).as_bytes());
        if ret.original_made.is_some() {
            let filed = if marker.starts_with("<NrKSeF>") {
                "<DI>1</DI>"
            } else {
                &marker
            };
            rows.original.extend_from_slice(row(filed).as_bytes());
            tally.original_rows += 1;
        }
    }
}

/// The returns being written, one month at a time (invoices come in issue
/// order).
pub struct Returns {
    ledger: PathBuf,
    year: i32,
    open: Option<(u32, BufWriter<File>, Option<BufWriter<File>>)>,
}

impl Returns {
    pub fn new(out: &Path, year: i32) -> Returns {
        Returns {
            ledger: out.join("ledger"),
            year,
            open: None,
        }
    }

    /// Appends a chunk's rows, opening each month's files as it begins.
    pub fn write(&mut self, months: &[MonthRows]) -> Result<()> {
        for rows in months {
            if self.open.as_ref().map(|(m, _, _)| *m) != Some(rows.month) {
                self.close()?;
                self.open = Some(self.begin(rows.month)?);
            }
            if let Some((_, standing, original)) = self.open.as_mut() {
                standing.write_all(&rows.standing)?;
                if let Some(original) = original {
                    original.write_all(&rows.original)?;
                }
            }
        }
        Ok(())
    }

    fn begin(&self, month: u32) -> Result<(u32, BufWriter<File>, Option<BufWriter<File>>)> {
        let ret = month_return(self.year, month);
        let stem = format!("jpk_v7m_{}_{month:02}", self.year);
        let purpose = if ret.original_made.is_some() { 2 } else { 1 };
        let standing = self.file(&format!("{stem}.xml"), month, ret.made, purpose)?;
        let original = match ret.original_made {
            Some(made) => Some(self.file(&format!("{stem}_original.xml"), month, made, 1)?),
            None => None,
        };
        Ok((month, standing, original))
    }

    fn file(
        &self,
        name: &str,
        month: u32,
        made: NaiveDate,
        purpose: u8,
    ) -> Result<BufWriter<File>> {
        let path = self.ledger.join(name);
        let file =
            File::create_new(&path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut w = BufWriter::new(file);
        write!(
            w,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <JPK xmlns=\"http://crd.gov.pl/wzor/2025/12/19/14090/\">\n\
             <Naglowek><KodFormularza kodSystemowy=\"JPK_V7M (3)\" wersjaSchemy=\"1-0E\">JPK_VAT</KodFormularza>\
             <WariantFormularza>3</WariantFormularza><DataWytworzeniaJPK>{}T23:00:00</DataWytworzeniaJPK>\
             <NazwaSystemu>ksef-recon generate</NazwaSystemu><CelZlozenia poz=\"P_7\">{purpose}</CelZlozenia>\
             <KodUrzedu>1471</KodUrzedu><Rok>{}</Rok><Miesiac>{month}</Miesiac></Naglowek>\n\
             <Podmiot1 rola=\"Podatnik\"><OsobaNiefizyczna><NIP>{SELLER}</NIP>\
             <PelnaNazwa>Generated seller</PelnaNazwa></OsobaNiefizyczna></Podmiot1>\n<Ewidencja>\n",
            ymd(made),
            self.year
        )?;
        Ok(w)
    }

    /// Ends the files of the month being written.
    pub fn close(&mut self) -> Result<()> {
        if let Some((_, standing, original)) = self.open.take() {
            for mut w in std::iter::once(standing).chain(original) {
                w.write_all(b"</Ewidencja>\n</JPK>\n")?;
                w.flush()?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_month_is_made_when_documented() {
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap_or_default();
        let april = month_return(2025, 4);
        assert_eq!((april.made, april.original_made), (d(4, 30), None));
        let june = month_return(2025, 6);
        assert_eq!((june.made, june.original_made), (d(7, 20), Some(d(7, 15))));
        let may = month_return(2025, 5);
        assert_eq!((may.made, may.original_made), (d(6, 20), None));
        let december = month_return(2025, 12);
        assert_eq!(
            december.made,
            NaiveDate::from_ymd_opt(2026, 1, 20).unwrap_or_default()
        );
    }
}
