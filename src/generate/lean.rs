//! `ksef-recon generate --shape lean`: the bundle a new user would try
//! first, for benchmarks against a lean SQL script (benches/reference/).
//!
//! Two CSV files of N invoices each, one seller, issued on the business
//! days of 2026-02-02..2026-10-30 (after KSeF's default start, so every
//! invoice requires it): `ledger/ledger.csv` and the KSeF metadata export
//! `ksef/metadata/ksef_metadata.csv` (timestamps with 7 fractional digits
//! and `+00:00`, valid KSeF numbers with their CRC-8), an offline log with
//! its header only, no decisions, announcements, UPO, API pages or
//! `recon.toml`. Every invoice is sent online on its issue date but a
//! planted share: sent the next business day (ONLINE_SENT_LATE, still on
//! time), sent three business days late (LATE_SUBMISSION), never sent
//! (OVERDUE_SUBMISSION), other amounts in KSeF (AMOUNT_MISMATCH) or in KSeF
//! only (NOT_IN_LEDGER). Its counts go to `expected_counts.json` as for the
//! full shape. The full generator's output is untouched by this module.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use anyhow::Result;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{Datelike, NaiveDate};
use rayon::prelude::*;

use super::dates::{hms, ymd};
use super::plan::{Rng, SELLER};
use super::render::ksef_number;
use super::{CHUNK, Expected, PART_BYTES, PartedCsv, csv_file, write_new};
use crate::calendar::{add_business_days, is_business_day, next_business_day};
use crate::contract::format_amount;

pub const LEDGER_HEADER: &str =
    "invoice_number,issue_date,seller_nip,buyer_id,net_amount,vat_amount,gross_amount,currency\n";
/// The KSeF metadata export's columns, as in the full shape.
use super::render::KSEF_HEADER;
/// An offline log with no rows: nobody issued offline.
const LOG_HEADER: &str = super::render::LOG_HEADER;

/// The date run with (`--as-of`): a month after the last issue date, so
/// every deadline has passed and the extract's span holds them all.
const AS_OF: (i32, u32, u32) = (2026, 11, 30);

/// Planted shares, of all invoices; the rest are sent online on time.
const RATES: [(Kind, f64); 5] = [
    (Kind::OnlineSentLate, 0.02),
    (Kind::Late, 0.01),
    (Kind::Missing, 0.005),
    (Kind::AmountMismatch, 0.002),
    (Kind::NotInLedger, 0.001),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    OnTime,
    OnlineSentLate,
    Late,
    Missing,
    AmountMismatch,
    NotInLedger,
}

/// The business days invoices are issued on.
fn issue_days() -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(2026, 2, 2).unwrap_or_default();
    let last = NaiveDate::from_ymd_opt(2026, 10, 30).unwrap_or_default();
    first
        .iter_days()
        .take_while(|d| *d <= last)
        .filter(|d| is_business_day(*d))
        .collect()
}

#[derive(Default)]
struct Part {
    ledger: Vec<u8>,
    ksef: Vec<u8>,
    kinds: BTreeMap<Kind, u64>,
    ledger_rows: u64,
    ksef_rows: u64,
}

fn kind_of(u: f64) -> Kind {
    let mut acc = 0.0;
    for (kind, rate) in RATES {
        acc += rate;
        if u < acc {
            return kind;
        }
    }
    Kind::OnTime
}

fn render(seed: u64, n: u64, days: &[NaiveDate], range: std::ops::Range<u64>) -> Part {
    let mut p = Part::default();
    p.ledger.reserve((range.end - range.start) as usize * 90);
    p.ksef.reserve((range.end - range.start) as usize * 220);
    for index in range {
        let mut r = Rng::new(seed, index);
        let kind = kind_of(r.unit());
        // Issue dates rise with the index over the whole period.
        let day = days[((index as u128 * days.len() as u128) / n.max(1) as u128) as usize];
        let number = format!("FV/2026/{:02}/{:08}", day.month(), index + 1);
        let issue = ymd(day);
        let net = 1_000 + r.below(2_000_000) as i64;
        let vat = net * 23 / 100;
        let gross = net + vat;
        let buyer = 1_000_000_000 + r.below(9_000_000_000);
        *p.kinds.entry(kind).or_default() += 1;
        if kind != Kind::NotInLedger {
            let _ = writeln!(
                p.ledger,
                "{number},{issue},{SELLER},{buyer},{},{},{},PLN",
                format_amount(net),
                format_amount(vat),
                format_amount(gross)
            );
            p.ledger_rows += 1;
        }
        let sent = match kind {
            Kind::Missing => continue,
            Kind::OnlineSentLate => next_business_day(day),
            Kind::Late => add_business_days(day, 3),
            _ => day,
        };
        // 06:00-20:59 UTC: the same Warsaw date.
        let second = 6 * 3600 + r.below(15 * 3600) as u32;
        let fraction = r.below(10_000_000);
        let bump = if kind == Kind::AmountMismatch { 100 } else { 0 };
        let hash: Vec<u8> = (0..4).flat_map(|_| r.next_u64().to_le_bytes()).collect();
        let mode = if sent == day { "Online" } else { "Offline" };
        let _ = writeln!(
            p.ksef,
            "{},{number},{SELLER},{issue},{}T{}.{fraction:07}+00:00,{}T{}.{fraction:07}+00:00,{},{},{},PLN,{mode},Vat,{},",
            ksef_number(seed, index, sent),
            ymd(sent),
            hms(second),
            ymd(sent),
            hms(second + 20),
            format_amount(gross + bump),
            format_amount(net + bump),
            format_amount(vat),
            STANDARD.encode(hash)
        );
        p.ksef_rows += 1;
    }
    p
}

/// Writes the lean bundle into `out` (absent or empty).
pub fn generate(invoices: u64, out: &Path, seed: u64) -> Result<Expected> {
    super::create_empty(out)?;
    for dir in ["ledger", "offline", "ksef/metadata"] {
        std::fs::create_dir_all(out.join(dir))?;
    }
    let days = issue_days();
    let mut ledger = PartedCsv::create(out, "ledger/ledger", LEDGER_HEADER, PART_BYTES)?;
    let mut ksef = PartedCsv::create(out, "ksef/metadata/ksef_metadata", KSEF_HEADER, PART_BYTES)?;
    let mut log = csv_file(out, "offline/log.csv", LOG_HEADER)?;
    log.flush()?;
    let mut kinds: BTreeMap<Kind, u64> = BTreeMap::new();
    let (mut ledger_rows, mut ksef_rows) = (0, 0);
    let starts: Vec<u64> = (0..invoices).step_by(CHUNK as usize).collect();
    let batch = rayon::current_num_threads().max(1) * 2;
    for group in starts.chunks(batch) {
        let parts: Vec<Part> = group
            .par_iter()
            .map(|&start| render(seed, invoices, &days, start..(start + CHUNK).min(invoices)))
            .collect();
        for part in parts {
            ledger.write_all(&part.ledger)?;
            ksef.write_all(&part.ksef)?;
            ledger_rows += part.ledger_rows;
            ksef_rows += part.ksef_rows;
            for (k, v) in part.kinds {
                *kinds.entry(k).or_default() += v;
            }
        }
    }
    ledger.finish()?;
    ksef.finish()?;
    let count = |k: Kind| kinds.get(&k).copied().unwrap_or(0);
    let map = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    };
    let (late, missing, nil) = (
        count(Kind::Late),
        count(Kind::Missing),
        count(Kind::NotInLedger),
    );
    let as_of = NaiveDate::from_ymd_opt(AS_OF.0, AS_OF.1, AS_OF.2).unwrap_or_default();
    let expected = Expected {
        as_of: as_of.to_string(),
        invoices,
        rows: map(&[
            ("ledger", ledger_rows),
            ("offline_log", 0),
            ("ksef_metadata", ksef_rows),
        ]),
        counts_by_status: map(&[
            ("submitted_on_time", invoices - late - missing - nil),
            ("submitted_late", late),
            ("pending", 0),
            ("unverified", 0),
            ("overdue", missing),
            ("not_required", nil),
        ]),
        counts_by_code: map(&[
            ("OVERDUE_SUBMISSION", missing),
            ("LATE_SUBMISSION", late),
            ("NOT_IN_LEDGER", nil),
            ("AMOUNT_MISMATCH", count(Kind::AmountMismatch)),
            ("ONLINE_SENT_LATE", count(Kind::OnlineSentLate)),
        ]),
    };
    let mut json = serde_json::to_vec_pretty(&expected)?;
    json.push(b'\n');
    write_new(&out.join("expected_counts.json"), &json)?;
    Ok(expected)
}
