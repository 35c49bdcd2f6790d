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
pub struct Ctx<'a> {
    pub seed: u64,
    pub n: u64,
    pub rates: Rates,
    pub cal: &'a Calendar,
}

/// One invoice.
pub struct Plan {
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

impl Plan {
    pub fn gross(&self) -> i64 {
        self.net + self.vat
    }

    pub fn is_offline(&self) -> bool {
        self.offline_seq.is_some()
    }

    /// When KSeF received it: the issue date for online invoices, the next
    /// business day for offline ones, three business days on for late ones.
    pub fn submitted_on(&self) -> Option<NaiveDate> {
        match self.anomaly {
            Anomaly::Missing => None,
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

pub fn plan(ctx: &Ctx<'_>, index: u64) -> Plan {
    let mut rng = Rng::new(ctx.seed, index);
    let days = &ctx.cal.days;
    let day = (index as u128 * days.len() as u128 / ctx.n.max(1) as u128) as usize;
    let issue_date = days[day.min(days.len() - 1)];
    let stride = offline_stride(ctx.rates.offline);
    let offline_seq =
        (index.is_multiple_of(stride) && stride != u64::MAX).then_some(index / stride);
    let anomaly = pick_anomaly(&ctx.rates, rng.unit(), offline_seq.is_some());
    let eur = offline_seq.is_none() && rng.below(20) == 0;
    let net = 1_000 + rng.below(2_000_000) as i64;
    let vat = if eur { 0 } else { (net * 23 + 50) / 100 };
    Plan {
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

fn pick_anomaly(r: &Rates, u: f64, offline: bool) -> Anomaly {
    let mut acc = 0.0;
    let options = [
        (Anomaly::Late, r.late),
        (Anomaly::Missing, r.missing),
        (Anomaly::AmountMismatch, r.amount_mismatch),
        (Anomaly::Duplicate, r.duplicate),
        (Anomaly::NotInLedger, r.not_in_ledger),
        // Hash mismatches are planted among offline invoices only, so the
        // rate is scaled to stay a share of all invoices.
        (
            Anomaly::HashMismatch,
            if r.offline > 0.0 {
                r.hash_mismatch / r.offline
            } else {
                0.0
            },
        ),
    ];
    for (anomaly, rate) in options {
        acc += rate;
        if u < acc {
            return match anomaly {
                Anomaly::NotInLedger if offline => Anomaly::None,
                Anomaly::HashMismatch if !offline => Anomaly::None,
                a => a,
            };
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
        let ctx = Ctx {
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
}
