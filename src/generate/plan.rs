//! What each synthetic invoice is: its dates, amounts, mode and planted
//! anomaly, derived from `(seed, index)` alone so that any chunk can be
//! planned on any thread and the bundle is the same for the same seed.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};

use crate::calendar::{add_business_days, is_business_day, next_business_day};

/// The one seller of a generated bundle (a valid NIP).
pub const SELLER: &str = "5265877635";

/// Planted anomalies; at most one per invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Anomaly {
    None,
    /// Sent three business days after its issue date: LATE_SUBMISSION.
    Late,
    /// Never sent: OVERDUE_SUBMISSION.
    Missing,
    /// KSeF's amounts are 1.00 higher: AMOUNT_MISMATCH.
    AmountMismatch,
    /// Two identical ledger rows: DUPLICATE_NUMBER.
    Duplicate,
    /// In KSeF but not booked (online invoices only): NOT_IN_LEDGER.
    NotInLedger,
    /// KSeF holds another file's hash (offline invoices only): HASH_MISMATCH.
    HashMismatch,
    /// Online, no offline-log row, yet KSeF records it as sent in offline
    /// mode on its issue date: OFFLINE_NOT_IN_LOG (still on time: offline24
    /// allows until the next business day).
    OfflineNotInLog,
    /// Its KSeF record (and ledger row) carries the KSeF number of the
    /// invoice before it, which has no anomaly: DUPLICATE_KSEF_NUMBER on
    /// both invoices.
    DuplicateKsefNumber,
    /// An offline-log invoice whose ledger row is marked `BFK` (offline
    /// invoices only): MARKER_MISMATCH, and BFK_IN_KSEF as KSeF has it.
    BfkMarker,
    /// Ledger marker `DI` and no KSeF number in the ledger on an online
    /// invoice sent on time (online invoices only): no finding, `DI` lifts
    /// nothing.
    DiMarker,
    /// A ledger document of type `RO`, never sent (online invoices only):
    /// `not_required`, no finding.
    Receipt,
    /// With `--archive`, an FA(3) file beside the invoice's own rows for an
    /// invoice no other source has (online invoices only): ARCHIVE_ORPHAN.
    /// The invoice itself is sent normally.
    ArchiveOrphan,
    /// With `--archive`, an offline-log invoice corrected by an FA(3) KOR
    /// (`FK/...`, booked and sent online on the original's P_1) that KSeF
    /// numbered before the original (offline invoices only):
    /// CORRECTION_BEFORE_ORIGINAL. The original is sent normally.
    CorrectionBeforeOriginal,
}

/// Which invoices an anomaly can be planted on.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Scope {
    Any,
    Online,
    Offline,
}

/// Rates of each anomaly, as fractions of all invoices (0.01 = 1 %).
#[derive(Debug, Clone)]
pub struct Rates {
    /// Share of invoices issued offline (in the offline log).
    pub offline: f64,
    pub late: f64,
    pub missing: f64,
    pub amount_mismatch: f64,
    pub duplicate: f64,
    pub not_in_ledger: f64,
    pub hash_mismatch: f64,
    pub offline_not_in_log: f64,
    pub duplicate_ksef_number: f64,
    pub bfk_marker: f64,
    pub di_marker: f64,
    pub receipt: f64,
    pub archive_orphan: f64,
    pub correction_before_original: f64,
    /// Share of the UPO files (one per submission day) issued by KSeF's
    /// test environment: UPO_NOT_PRODUCTION, one per file.
    pub test_upo: f64,
}

impl Default for Rates {
    fn default() -> Rates {
        Rates {
            offline: 0.02,
            late: 0.01,
            missing: 0.005,
            amount_mismatch: 0.002,
            duplicate: 0.001,
            not_in_ledger: 0.001,
            hash_mismatch: 0.0002,
            offline_not_in_log: 0.0002,
            duplicate_ksef_number: 0.0001,
            bfk_marker: 0.0001,
            di_marker: 0.001,
            receipt: 0.0002,
            archive_orphan: 0.0002,
            correction_before_original: 0.0002,
            test_upo: 0.02,
        }
    }
}

/// The generated year: business days of 2025 up to late November, one
/// offline decision per month (on its tenth business day), and the as-of
/// date a month after the last issue date, so that every deadline has passed.
pub struct Calendar {
    pub days: Vec<NaiveDate>,
    /// Month (1-12) to its decision day.
    pub decision_days: BTreeMap<u32, NaiveDate>,
    pub as_of: NaiveDate,
}

impl Calendar {
    pub fn new() -> Calendar {
        let first = NaiveDate::from_ymd_opt(2025, 1, 2).unwrap_or_default();
        let last = NaiveDate::from_ymd_opt(2025, 11, 28).unwrap_or_default();
        let days: Vec<NaiveDate> = first
            .iter_days()
            .take_while(|d| *d <= last)
            .filter(|d| is_business_day(*d))
            .collect();
        let mut decision_days = BTreeMap::new();
        for month in 1..=11 {
            if let Some(d) = days.iter().filter(|d| d.month() == month).nth(9) {
                decision_days.insert(month, *d);
            }
        }
        Calendar {
            days,
            decision_days,
            as_of: NaiveDate::from_ymd_opt(2025, 12, 31).unwrap_or_default(),
        }
    }

    pub fn is_decision_day(&self, d: NaiveDate) -> bool {
        self.decision_days.get(&d.month()) == Some(&d)
    }
}

impl Default for Calendar {
    fn default() -> Calendar {
        Calendar::new()
    }
}

/// The inputs every invoice's plan is derived from.
pub struct PlanInputs<'a> {
    pub seed: u64,
    pub n: u64,
    pub rates: Rates,
    pub cal: &'a Calendar,
}

/// One invoice.
#[derive(Clone, Copy)]
pub struct InvoicePlan {
    pub index: u64,
    pub issue_date: NaiveDate,
    /// Position in the offline series, for offline invoices.
    pub offline_seq: Option<u64>,
    pub anomaly: Anomaly,
    pub currency: &'static str,
    pub net: i64,
    pub vat: i64,
    pub buyer: u64,
    /// Seconds after midnight (UTC) of the KSeF submission.
    pub submit_second: u32,
    pub fraction: u32,
    /// Bits for the KSeF number's random part and the online hash.
    pub bits: u64,
}

impl InvoicePlan {
    pub fn gross(&self) -> i64 {
        self.net + self.vat
    }

    pub fn is_offline(&self) -> bool {
        self.offline_seq.is_some()
    }

    /// When KSeF received it: the issue date for online invoices, the next
    /// business day for offline ones, three business days on for late ones;
    /// never for missing invoices and receipts (RO).
    pub fn submitted_on(&self) -> Option<NaiveDate> {
        match self.anomaly {
            Anomaly::Missing | Anomaly::Receipt => None,
            Anomaly::Late => Some(add_business_days(self.issue_date, 3)),
            _ if self.is_offline() => Some(next_business_day(self.issue_date)),
            _ => Some(self.issue_date),
        }
    }

    pub fn in_ledger(&self) -> bool {
        self.anomaly != Anomaly::NotInLedger
    }
}

/// SplitMix64: a tiny, well-mixed generator; enough for synthetic data.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// Every `stride`-th invoice is offline, so the offline series has no gaps.
pub fn offline_stride(rate: f64) -> u64 {
    if rate <= 0.0 {
        u64::MAX
    } else {
        (1.0 / rate).round().max(1.0) as u64
    }
}

pub fn plan(ctx: &PlanInputs<'_>, index: u64) -> InvoicePlan {
    let mut rng = Rng::new(ctx.seed, index);
    let days = &ctx.cal.days;
    let day = (index as u128 * days.len() as u128 / ctx.n.max(1) as u128) as usize;
    let issue_date = days[day.min(days.len() - 1)];
    let offline_seq = offline_seq(&ctx.rates, index);
    let mut anomaly = pick_anomaly(&ctx.rates, rng.unit(), offline_seq.is_some());
    if anomaly == Anomaly::DuplicateKsefNumber && !can_lend_its_number(ctx, index) {
        anomaly = Anomaly::None;
    }
    let eur = offline_seq.is_none() && rng.below(20) == 0;
    let net = 1_000 + rng.below(2_000_000) as i64;
    let vat = if eur { 0 } else { (net * 23 + 50) / 100 };
    InvoicePlan {
        index,
        issue_date,
        offline_seq,
        anomaly,
        currency: if eur { "EUR" } else { "PLN" },
        net,
        vat,
        buyer: 1_000_000_000 + rng.below(8_999_999_999),
        submit_second: 7 * 3600 + rng.below(9 * 3600) as u32,
        fraction: rng.below(10_000_000) as u32,
        bits: rng.next_u64(),
    }
}

/// Position in the offline series of an offline invoice.
fn offline_seq(rates: &Rates, index: u64) -> Option<u64> {
    let stride = offline_stride(rates.offline);
    (index.is_multiple_of(stride) && stride != u64::MAX).then_some(index / stride)
}

/// Whether the invoice before `index` may lend its KSeF number to it: it
/// exists and has no planted anomaly, so it is in KSeF under its own number
/// and is neither a borrower itself nor lent to twice (only the invoice
/// right after it borrows). Its anomaly is the first draw of its own
/// generator, so this costs one draw, and only for the rare borrowers.
fn can_lend_its_number(ctx: &PlanInputs<'_>, index: u64) -> bool {
    let Some(before) = index.checked_sub(1) else {
        return false;
    };
    let offline = offline_seq(&ctx.rates, before).is_some();
    pick_anomaly(&ctx.rates, Rng::new(ctx.seed, before).unit(), offline) == Anomaly::None
}

/// The anomaly a uniform draw `u` selects. Each rate takes its own slice of
/// [0, 1) in a fixed order (new anomalies come last, so adding one leaves
/// the earlier ones on the same invoices). An anomaly drawn for an invoice
/// outside its scope leaves that invoice clean. Offline-only rates are
/// scaled by the offline share so that they stay shares of all invoices.
fn pick_anomaly(r: &Rates, u: f64, offline: bool) -> Anomaly {
    use Scope::{Any, Offline, Online};
    let options = [
        (Anomaly::Late, r.late, Any),
        (Anomaly::Missing, r.missing, Any),
        (Anomaly::AmountMismatch, r.amount_mismatch, Any),
        (Anomaly::Duplicate, r.duplicate, Any),
        (Anomaly::NotInLedger, r.not_in_ledger, Online),
        (Anomaly::HashMismatch, r.hash_mismatch, Offline),
        (Anomaly::OfflineNotInLog, r.offline_not_in_log, Online),
        (Anomaly::DuplicateKsefNumber, r.duplicate_ksef_number, Any),
        (Anomaly::BfkMarker, r.bfk_marker, Offline),
        (Anomaly::DiMarker, r.di_marker, Online),
        (Anomaly::Receipt, r.receipt, Online),
        (Anomaly::ArchiveOrphan, r.archive_orphan, Online),
        (
            Anomaly::CorrectionBeforeOriginal,
            r.correction_before_original,
            Offline,
        ),
    ];
    let mut acc = 0.0;
    for (anomaly, rate, scope) in options {
        acc += match scope {
            Offline if r.offline > 0.0 => rate / r.offline,
            Offline => 0.0,
            Any | Online => rate,
        };
        if u < acc {
            let fits = match scope {
                Any => true,
                Online => !offline,
                Offline => offline,
            };
            return if fits { anomaly } else { Anomaly::None };
        }
    }
    Anomaly::None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_depend_on_seed_and_index_only() {
        let cal = Calendar::new();
        let ctx = PlanInputs {
            seed: 7,
            n: 1000,
            rates: Rates::default(),
            cal: &cal,
        };
        let a = plan(&ctx, 123);
        let b = plan(&ctx, 123);
        assert_eq!((a.net, a.bits, a.issue_date), (b.net, b.bits, b.issue_date));
        assert!(plan(&ctx, 0).is_offline());
        assert!(!plan(&ctx, 1).is_offline());
        assert!(cal.days.iter().all(|d| is_business_day(*d)));
        assert_eq!(cal.decision_days.len(), 11);
    }

    /// Offline-only anomalies land on offline invoices, online-only ones on
    /// online invoices, and a borrowed KSeF number always comes from a clean
    /// invoice right before the borrower; the earlier anomalies keep their
    /// invoices whatever the new rates are.
    #[test]
    fn anomalies_land_on_their_kind_of_invoice() {
        let cal = Calendar::new();
        let high = Rates {
            offline_not_in_log: 0.01,
            duplicate_ksef_number: 0.01,
            bfk_marker: 0.001,
            di_marker: 0.01,
            receipt: 0.01,
            archive_orphan: 0.01,
            correction_before_original: 0.001,
            ..Rates::default()
        };
        let zero = Rates {
            offline_not_in_log: 0.0,
            duplicate_ksef_number: 0.0,
            bfk_marker: 0.0,
            di_marker: 0.0,
            receipt: 0.0,
            archive_orphan: 0.0,
            correction_before_original: 0.0,
            ..Rates::default()
        };
        let ctx = |rates: Rates| PlanInputs {
            seed: 11,
            n: 100_000,
            rates,
            cal: &cal,
        };
        let (high, zero) = (ctx(high), ctx(zero));
        let mut seen = BTreeMap::new();
        for index in 0..100_000 {
            let p = plan(&high, index);
            *seen.entry(p.anomaly).or_insert(0u64) += 1;
            match p.anomaly {
                Anomaly::HashMismatch | Anomaly::BfkMarker | Anomaly::CorrectionBeforeOriginal => {
                    assert!(p.is_offline())
                }
                Anomaly::NotInLedger
                | Anomaly::OfflineNotInLog
                | Anomaly::DiMarker
                | Anomaly::Receipt
                | Anomaly::ArchiveOrphan => assert!(!p.is_offline()),
                Anomaly::DuplicateKsefNumber => {
                    let lender = plan(&high, index - 1);
                    assert_eq!(lender.anomaly, Anomaly::None, "lender of {index}");
                }
                _ => {}
            }
            let before = plan(&zero, index).anomaly;
            if before != Anomaly::None {
                assert_eq!(p.anomaly, before, "invoice {index} changed its anomaly");
            }
        }
        assert!(seen.len() == 14, "every anomaly planted: {seen:?}");
    }
}
