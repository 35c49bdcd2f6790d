//! Renders planned invoices into the bytes of each input file: one
//! [`Chunk`] of CSV lines, JSON records, UPO documents and FA(3) files per
//! range of invoices, written into plain byte buffers (no CSV or JSON
//! library: the values are generated, so none needs quoting or escaping).

use std::collections::BTreeMap;
use std::io::Write;
use std::ops::Range;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Datelike, NaiveDate};

use super::dates::{hms, ymd};
use super::docs;
use super::jpk::{self, JpkTally, MonthRows};
use super::plan::{self, Anomaly, Calendar, InvoicePlan, PlanInputs, SELLER};
use crate::contract::format_amount;
use crate::documents::hash::sha256_base64;
use crate::validate::crc8;

pub const LEDGER_HEADER: &str = "invoice_number,issue_date,seller_nip,buyer_id,net_amount,vat_amount,gross_amount,currency,ksef_number,ksef_marker,invoice_type,document_type\n";
pub const KSEF_HEADER: &str = "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,acquisition_date,gross_amount,net_amount,vat_amount,currency,invoicing_mode,invoice_type,invoice_hash,hash_of_corrected_invoice\n";
pub const LOG_HEADER: &str = "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by,decision_id,owner,invoice_hash,gross_amount,currency\n";

/// A FAILURE that ended before the generated year (stretches nothing) and a
/// Sunday-night maintenance (no invoice is issued on a Sunday).
pub const ANNOUNCEMENTS_CSV: &str = "announcement_id,category,start,end\n\
FAIL-2024-12,FAILURE,2024-12-10T09:00:00+01:00,2024-12-10T15:00:00+01:00\n\
MAINT-2025-06-SUN,MAINTENANCE,2025-06-15T22:00:00,2025-06-16T01:00:00\n";

/// Planted-anomaly and row counts of a chunk.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub invoices: u64,
    pub ledger_rows: u64,
    pub log_rows: u64,
    pub ksef_rows: u64,
    pub upo_docs: u64,
    /// Planted corrections (each an invoice, ledger row, KSeF record and
    /// archived file of its own).
    pub corrections: u64,
    anomalies: BTreeMap<Anomaly, u64>,
    /// What the JPK_V7 returns give (`--jpk`).
    pub jpk: JpkTally,
}

impl Tally {
    pub fn add(&mut self, other: &Tally) {
        self.invoices += other.invoices;
        self.ledger_rows += other.ledger_rows;
        self.log_rows += other.log_rows;
        self.ksef_rows += other.ksef_rows;
        self.upo_docs += other.upo_docs;
        self.jpk.add(&other.jpk);
        self.corrections += other.corrections;
        for (k, v) in &other.anomalies {
            *self.anomalies.entry(*k).or_default() += v;
        }
    }

    pub fn anomaly(&self, a: Anomaly) -> u64 {
        self.anomalies.get(&a).copied().unwrap_or(0)
    }
}

/// What a chunk renders besides each invoice's own rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Keep every offline invoice's FA(3) file.
    pub archive: bool,
    /// Write the ledger as JPK_V7 returns.
    pub jpk: bool,
}

/// The rendered bytes of one range of invoices.
#[derive(Default)]
pub struct Chunk {
    pub ledger: Vec<u8>,
    pub ksef_csv: Vec<u8>,
    pub log: Vec<u8>,
    /// One JSON object per offline invoice's KSeF record.
    pub ksef_json: Vec<String>,
    /// UPO `Dokument` elements by submission day.
    pub upo: BTreeMap<NaiveDate, Vec<u8>>,
    /// FA(3) files of the offline invoices: bundle-relative path and bytes.
    pub archive: Vec<(String, Vec<u8>)>,
    /// The ledger as JPK_V7 return rows by month (`--jpk`), instead of
    /// `ledger`.
    pub jpk: Vec<MonthRows>,
    pub tally: Tally,
}

/// A valid KSeF number: the 12 hex digits are a bijection of the index,
/// so numbers never collide; the last two are the CRC-8 of the first 32.
pub fn ksef_number(seed: u64, index: u64, day: NaiveDate) -> String {
    const MASK: u64 = (1 << 48) - 1;
    let mixed =
        (index.wrapping_mul(0x5DEE_CE66_D1A5) ^ (seed.wrapping_mul(0x2545_F491) & MASK)) & MASK;
    let body = format!(
        "{SELLER}-{:04}{:02}{:02}-{mixed:012X}",
        day.year(),
        day.month(),
        day.day()
    );
    let crc = crc8(body.as_bytes());
    format!("{body}-{crc:02X}")
}

pub fn invoice_number(p: &InvoicePlan) -> String {
    match p.offline_seq {
        Some(seq) => format!("FO/2025/{:07}", seq + 1),
        None if p.anomaly == Anomaly::Receipt => {
            format!("RO/2025/{:02}/{:08}", p.issue_date.month(), p.index + 1)
        }
        None => format!("FV/2025/{:02}/{:08}", p.issue_date.month(), p.index + 1),
    }
}

pub fn chunk(ctx: &PlanInputs<'_>, range: Range<u64>, options: Options) -> Chunk {
    let mut c = Chunk::default();
    let n = (range.end - range.start) as usize;
    c.ledger.reserve(n * 140);
    c.ksef_csv.reserve(n * 260);
    for index in range {
        let p = plan::plan(ctx, index);
        one(ctx, &p, &mut c, options);
    }
    c
}

fn one(ctx: &PlanInputs<'_>, p: &InvoicePlan, c: &mut Chunk, options: Options) {
    let keep_archive = options.archive;
    let t = &mut c.tally;
    t.invoices += 1;
    *t.anomalies.entry(p.anomaly).or_default() += 1;
    let number = invoice_number(p);
    let issue = ymd(p.issue_date);
    let submitted = p.submitted_on();
    let ksef_no = submitted.map(|d| ksef_number_of(ctx, p, d));
    let gross = format_amount(p.gross());
    if p.in_ledger() && options.jpk {
        let copies = ledger_copies(p);
        jpk::rows(
            p,
            &number,
            ksef_no.as_deref(),
            copies,
            &mut c.jpk,
            &mut c.tally.jpk,
        );
        c.tally.ledger_rows += copies;
    } else if p.in_ledger() {
        ledger_rows(p, &number, &issue, &gross, ksef_no.as_deref(), c);
    }
    let file_hash = p.offline_seq.map(|seq| {
        let xml = docs::fa3(p, &number);
        let hash = sha256_base64(&xml);
        if keep_archive {
            let path = format!(
                "archive/2025/{:02}/FO_2025_{:07}.xml",
                p.issue_date.month(),
                seq + 1
            );
            c.archive.push((path, xml));
        }
        hash
    });
    if keep_archive && p.anomaly == Anomaly::ArchiveOrphan {
        // The orphan is another invoice of the same day and amounts, under
        // a number of its own that no register books.
        let orphan = format!("FA/ARCH/2025/{:08}", p.index + 1);
        let path = format!(
            "archive/2025/{:02}/ARCH_2025_{:08}.xml",
            p.issue_date.month(),
            p.index + 1
        );
        c.archive.push((path, docs::fa3(p, &orphan)));
    }
    if let Some(hash) = &file_hash {
        offline_log_row(ctx.cal, p, &number, &issue, hash, &gross, c);
    }
    if keep_archive
        && p.anomaly == Anomaly::CorrectionBeforeOriginal
        && let Some(original_ksef) = &ksef_no
    {
        correction(ctx, p, &number, original_ksef, c);
    }
    if let (Some(day), Some(ksef_no)) = (submitted, ksef_no) {
        ksef_record(p, day, &ksef_no, &number, &issue, file_hash.as_deref(), c);
    }
}

/// The KSeF numbers of planted corrections: index `CORRECTION_INDEX + i`
/// for invoice `i`, which no invoice index reaches.
const CORRECTION_INDEX: u64 = 1 << 40;

/// A planted CORRECTION_BEFORE_ORIGINAL: an FA(3) KOR of offline invoice
/// `original`, reversing it on its P_1, booked, and sent online that day
/// at 00:00 UTC, so that KSeF numbered it before the original (sent the
/// next business day). It cites the original's KSeF number rightly.
fn correction(
    ctx: &PlanInputs<'_>,
    p: &InvoicePlan,
    original: &str,
    original_ksef: &str,
    c: &mut Chunk,
) {
    let seq = p.offline_seq.unwrap_or(p.index);
    let number = format!("FK/2025/{:07}", seq + 1);
    let issue = ymd(p.issue_date);
    let reversed = InvoicePlan {
        net: -p.net,
        vat: -p.vat,
        ..*p
    };
    let xml = docs::fa3_correction(&reversed, &number, original, &issue, original_ksef);
    let hash = sha256_base64(&xml);
    c.archive.push((
        format!(
            "archive/2025/{:02}/FK_2025_{:07}.xml",
            p.issue_date.month(),
            seq + 1
        ),
        xml,
    ));
    let ksef_no = ksef_number(ctx.seed, CORRECTION_INDEX + p.index, p.issue_date);
    let (net, vat) = (format_amount(reversed.net), format_amount(reversed.vat));
    let gross = format_amount(reversed.gross());
    let _ = writeln!(
        c.ledger,
        "{number},{issue},{SELLER},{},{net},{vat},{gross},{},{ksef_no},,KOR,",
        p.buyer, p.currency,
    );
    let at = format!("{issue}T00:00:00.0000000+00:00");
    Record {
        ksef_number: &ksef_no,
        number: &number,
        issue: &issue,
        invoicing: at.clone(),
        acquisition: at,
        gross,
        net,
        vat,
        currency: p.currency,
        mode: "Online",
        hash: &hash,
    }
    .csv(&mut c.ksef_csv);
    let t = &mut c.tally;
    t.invoices += 1;
    t.ledger_rows += 1;
    t.ksef_rows += 1;
    t.corrections += 1;
}

/// The invoice's KSeF number: its own, or for a planted
/// DUPLICATE_KSEF_NUMBER the number of the invoice before it (which the
/// plan made sure is in KSeF under its own number).
fn ksef_number_of(ctx: &PlanInputs<'_>, p: &InvoicePlan, submitted: NaiveDate) -> String {
    if p.anomaly == Anomaly::DuplicateKsefNumber {
        let lender = plan::plan(ctx, p.index.saturating_sub(1));
        if let Some(day) = lender.submitted_on() {
            return ksef_number(ctx.seed, lender.index, day);
        }
    }
    ksef_number(ctx.seed, p.index, submitted)
}

/// How many ledger rows the invoice has: two for a planted DUPLICATE_NUMBER.
fn ledger_copies(p: &InvoicePlan) -> u64 {
    if p.anomaly == Anomaly::Duplicate {
        2
    } else {
        1
    }
}

/// The invoice's ledger row (two for a planted DUPLICATE_NUMBER), with its
/// KSeF marker and document type.
fn ledger_rows(
    p: &InvoicePlan,
    number: &str,
    issue: &str,
    gross: &str,
    ksef_no: Option<&str>,
    c: &mut Chunk,
) {
    let copies = ledger_copies(p);
    let marker = match p.anomaly {
        Anomaly::BfkMarker => "BFK",
        Anomaly::DiMarker => "DI",
        _ if p.is_offline() => "OFF",
        _ => "",
    };
    // A DI row is booked before the KSeF number is known.
    let ksef_no = if p.anomaly == Anomaly::DiMarker {
        ""
    } else {
        ksef_no.unwrap_or("")
    };
    let document_type = if p.anomaly == Anomaly::Receipt {
        "RO"
    } else {
        ""
    };
    let (net, vat) = (format_amount(p.net), format_amount(p.vat));
    for _ in 0..copies {
        let _ = writeln!(
            c.ledger,
            "{number},{issue},{SELLER},{},{net},{vat},{gross},{},{ksef_no},{marker},VAT,{document_type}",
            p.buyer, p.currency,
        );
        c.tally.ledger_rows += 1;
    }
}

/// The invoice's KSeF record: a CSV row for online invoices, an API JSON
/// record and a UPO document for offline ones.
fn ksef_record(
    p: &InvoicePlan,
    day: NaiveDate,
    ksef_no: &str,
    number: &str,
    issue: &str,
    file_hash: Option<&str>,
    c: &mut Chunk,
) {
    let ksef_hash = match (file_hash, p.anomaly) {
        (Some(h), Anomaly::HashMismatch) => sha256_base64(format!("{h}\n").as_bytes()),
        (Some(h), _) => h.to_string(),
        (None, _) => {
            let mut r = plan::Rng::new(p.bits, 1);
            let bytes: Vec<u8> = (0..4).flat_map(|_| r.next_u64().to_le_bytes()).collect();
            STANDARD.encode(bytes)
        }
    };
    let bump = if p.anomaly == Anomaly::AmountMismatch {
        100
    } else {
        0
    };
    let offline_mode =
        p.is_offline() || day != p.issue_date || p.anomaly == Anomaly::OfflineNotInLog;
    let record = Record {
        ksef_number: ksef_no,
        number,
        issue,
        invoicing: format!(
            "{}T{}.{:07}+00:00",
            ymd(day),
            hms(p.submit_second),
            p.fraction
        ),
        acquisition: format!(
            "{}T{}.{:07}+00:00",
            ymd(day),
            hms(p.submit_second + 20),
            p.fraction
        ),
        gross: format_amount(p.gross() + bump),
        net: format_amount(p.net + bump),
        vat: format_amount(p.vat),
        currency: p.currency,
        mode: if offline_mode { "Offline" } else { "Online" },
        hash: &ksef_hash,
    };
    c.tally.ksef_rows += 1;
    if p.is_offline() {
        c.ksef_json.push(record.json(p.buyer));
        let doc = docs::upo_document(&record.upo_fields());
        c.upo
            .entry(day)
            .or_default()
            .extend_from_slice(doc.as_bytes());
        c.tally.upo_docs += 1;
    } else {
        record.csv(&mut c.ksef_csv);
    }
}

fn offline_log_row(
    cal: &Calendar,
    p: &InvoicePlan,
    number: &str,
    issue: &str,
    hash: &str,
    gross: &str,
    c: &mut Chunk,
) {
    let (mode, decision, minute) = if cal.is_decision_day(p.issue_date) {
        let id = format!("DEC-2025-{:02}", p.issue_date.month());
        ("offline", id, 8 * 60 + 30 + (p.index % 180) as u32)
    } else {
        ("offline24", String::new(), 9 * 60 + (p.index % 480) as u32)
    };
    let _ = writeln!(
        c.log,
        "{number},{SELLER},{issue},{issue}T{}:00,{mode},op{:02},{decision},owner{},{hash},{gross},{}",
        &hms(minute * 60)[..5],
        p.index % 20 + 1,
        p.index % 5 + 1,
        p.currency
    );
    c.tally.log_rows += 1;
}

/// One KSeF metadata record, rendered as CSV, API JSON or UPO.
pub struct Record<'a> {
    pub ksef_number: &'a str,
    pub number: &'a str,
    pub issue: &'a str,
    pub invoicing: String,
    pub acquisition: String,
    pub gross: String,
    pub net: String,
    pub vat: String,
    pub currency: &'a str,
    pub mode: &'a str,
    pub hash: &'a str,
}

impl Record<'_> {
    fn csv(&self, out: &mut Vec<u8>) {
        let _ = writeln!(
            out,
            "{},{},{SELLER},{},{},{},{},{},{},{},{},Vat,{},",
            self.ksef_number,
            self.number,
            self.issue,
            self.invoicing,
            self.acquisition,
            self.gross,
            self.net,
            self.vat,
            self.currency,
            self.mode,
            self.hash
        );
    }

    fn json(&self, buyer: u64) -> String {
        format!(
            r#"    {{
      "ksefNumber": "{}",
      "invoiceNumber": "{}",
      "issueDate": "{}",
      "invoicingDate": "{}",
      "acquisitionDate": "{}",
      "seller": {{ "nip": "{SELLER}", "name": "Synthetic Seller Sp. z o.o." }},
      "buyer": {{ "identifier": {{ "type": "Nip", "value": "{buyer}" }}, "name": "Buyer {buyer}" }},
      "netAmount": {},
      "grossAmount": {},
      "vatAmount": {},
      "currency": "{}",
      "invoicingMode": "{}",
      "invoiceType": "Vat",
      "formCode": {{ "systemCode": "FA (3)", "schemaVersion": "1-0E", "value": "FA" }},
      "isSelfInvoicing": false,
      "hasAttachment": false,
      "invoiceHash": "{}"
    }}"#,
            self.ksef_number,
            self.number,
            self.issue,
            self.invoicing,
            self.acquisition,
            self.net,
            self.gross,
            self.vat,
            self.currency,
            self.mode,
            self.hash
        )
    }

    fn upo_fields(&self) -> docs::UpoFields<'_> {
        docs::UpoFields {
            ksef_number: self.ksef_number,
            number: self.number,
            issue: self.issue,
            submitted: &self.invoicing,
            assigned: &self.acquisition,
            hash: self.hash,
        }
    }
}

/// One `offline` decision per month, linked to its maintenance announcement,
/// approved by someone other than its declarer and never closed early.
pub fn decisions(cal: &Calendar) -> String {
    let mut s = String::from(
        "decision_id,mode,started_at,ended_at,announcement_id,reason,declared_by,approved_by,approved_at,closed_by,closed_at\n",
    );
    for (month, day) in &cal.decision_days {
        let d = ymd(*day);
        s.push_str(&format!(
            "DEC-2025-{month:02},offline,{d}T08:00:00,{d}T12:00:00,MAINT-2025-{month:02},Planned KSeF maintenance,it.duty,cfo.office,{d}T08:10:00,,\n"
        ));
    }
    s
}

/// The status service's messages for the monthly maintenance windows.
pub fn status_json(cal: &Calendar) -> String {
    let items: Vec<String> = cal
        .decision_days
        .iter()
        .map(|(month, day)| {
            let d = ymd(*day);
            format!(
                "  {{\n    \"id\": \"MAINT-2025-{month:02}\",\n    \"eventId\": \"EV-2025-{month:02}\",\n    \"category\": \"MAINTENANCE\",\n    \"type\": \"MAINTENANCE_ANNOUNCEMENT\",\n    \"start\": \"{d}T07:00:00\",\n    \"end\": \"{d}T13:00:00\"\n  }}"
            )
        })
        .collect();
    format!("[\n{}\n]\n", items.join(",\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::is_valid_ksef_number;

    #[test]
    fn ksef_numbers_pass_the_crc_check_and_do_not_collide() {
        let day = NaiveDate::from_ymd_opt(2025, 3, 4).unwrap();
        let a = ksef_number(1, 10, day);
        assert!(is_valid_ksef_number(&a), "{a}");
        assert_ne!(a, ksef_number(1, 11, day));
    }
}
