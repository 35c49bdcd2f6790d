//! Polish business days: public holidays, `next(d)` and `add(d, n)` from contract section 3.
//!
//! Everything works on plain calendar dates that the caller has already converted to
//! Europe/Warsaw; this module deliberately knows nothing about time zones, timestamps, I/O,
//! or ad-hoc non-working days (bridge days, employer days off). It holds no state: every
//! answer is computed from the date alone, which is cheap enough (a few dozen integer
//! operations) to call for every date of a run.
//!
//! Dates at the very end of chrono's range saturate at `NaiveDate::MAX` instead of panicking.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// First year in which 24 December is a public holiday (statutory change in force from 2025).
const CHRISTMAS_EVE_FROM: i32 = 2025;

/// Gregorian Easter Sunday (anonymous Gregorian / Meeus–Jones–Butcher computus).
///
/// Uses Euclidean division so proleptic negative years do not hit Rust's signed `%`.
/// Years outside chrono's range saturate to `NaiveDate::MIN`/`MAX`.
pub fn easter_sunday(year: i32) -> NaiveDate {
    let (month, day) = easter_month_day(year);
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(if year < 0 {
        NaiveDate::MIN
    } else {
        NaiveDate::MAX
    })
}

/// The computus proper, kept separate so it is pure integer arithmetic.
fn easter_month_day(year: i32) -> (u32, u32) {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let (b, c) = (y.div_euclid(100), y.rem_euclid(100));
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    // n / 31 is 3 or 4 and n % 31 + 1 is 1..=31, so the casts cannot truncate.
    ((n / 31) as u32, (n % 31 + 1) as u32)
}

/// Name of the Polish public holiday on `d`, if any.
///
/// Fixed-date holidays are looked up by month/day; Easter is only computed for March–June,
/// the only months a movable holiday can fall in (Easter Monday 23 Mar–26 Apr, Pentecost
/// 10 May–13 Jun, Corpus Christi 21 May–24 Jun).
pub fn holiday_name(d: NaiveDate) -> Option<&'static str> {
    fixed_holiday(d).or_else(|| movable_holiday(d))
}

fn fixed_holiday(d: NaiveDate) -> Option<&'static str> {
    match (d.month(), d.day()) {
        (1, 1) => Some("New Year's Day"),
        (1, 6) => Some("Epiphany"),
        (5, 1) => Some("Labour Day"),
        (5, 3) => Some("Constitution Day"),
        (8, 15) => Some("Assumption of Mary"),
        (11, 1) => Some("All Saints' Day"),
        (11, 11) => Some("Independence Day"),
        (12, 24) if d.year() >= CHRISTMAS_EVE_FROM => Some("Christmas Eve"),
        (12, 25) => Some("Christmas Day"),
        (12, 26) => Some("Second Day of Christmas"),
        _ => None,
    }
}

fn movable_holiday(d: NaiveDate) -> Option<&'static str> {
    if !(3..=6).contains(&d.month()) {
        return None;
    }
    let offset = d.signed_duration_since(easter_sunday(d.year())).num_days();
    match offset {
        0 => Some("Easter Sunday"),
        1 => Some("Easter Monday"),
        49 => Some("Pentecost Sunday"),
        60 => Some("Corpus Christi"),
        _ => None,
    }
}

/// Whether `d` is a Polish public holiday (whatever the weekday).
pub fn is_holiday(d: NaiveDate) -> bool {
    holiday_name(d).is_some()
}

fn is_weekend(d: NaiveDate) -> bool {
    matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday to Friday and not a public holiday.
pub fn is_business_day(d: NaiveDate) -> bool {
    !is_weekend(d) && !is_holiday(d)
}

/// Contract `next(d)`: the first business day strictly after `d`.
pub fn next_business_day(d: NaiveDate) -> NaiveDate {
    let mut cur = d;
    loop {
        match cur.succ_opt() {
            Some(s) if is_business_day(s) => return s,
            Some(s) => cur = s,
            None => return NaiveDate::MAX,
        }
    }
}

/// Contract `add(d, n)`: the n-th business day after `d`; `add(d, 0) = d` even on a holiday.
pub fn add_business_days(d: NaiveDate, n: u32) -> NaiveDate {
    (0..n).fold(d, |cur, _| next_business_day(cur))
}

/// Every date from `first` to `last` with `next(d)` and `add(d, 7)`: the
/// business-day table that an engine without this module joins against
/// (`generate`'s calendar.csv, `export-tables`' calendar.parquet), so both
/// are written from the one rule.
pub fn days_with_deadlines(
    first: NaiveDate,
    last: NaiveDate,
) -> impl Iterator<Item = (NaiveDate, NaiveDate, NaiveDate)> {
    first
        .iter_days()
        .take_while(move |d| *d <= last)
        .map(|d| (d, next_business_day(d), add_business_days(d, 7)))
}

/// Number of business days `x` with `from < x <= to`; 0 when `to <= from`.
///
/// Used for ageing (business days past a deadline), so it must not walk day by day over long
/// ranges: weekdays are counted arithmetically, then weekday holidays are subtracted year by
/// year. It is the inverse of [`add_business_days`]: `business_days_after(d, add(d, n)) == n`.
pub fn business_days_after(from: NaiveDate, to: NaiveDate) -> u32 {
    if to <= from {
        return 0;
    }
    let holidays: u64 = (from.year()..=to.year())
        .flat_map(weekday_holidays)
        .filter(|h| from < *h && *h <= to)
        .count() as u64;
    u32::try_from(weekdays_after(from, to).saturating_sub(holidays)).unwrap_or(u32::MAX)
}

/// Weekdays `x` with `from < x <= to` (requires `from < to`).
fn weekdays_after(from: NaiveDate, to: NaiveDate) -> u64 {
    let days = to.signed_duration_since(from).num_days().unsigned_abs();
    let (weeks, rest) = (days / 7, days % 7);
    // Any 7 consecutive days hold exactly 5 weekdays; walk the remaining < 7 days.
    let tail = (1..=rest)
        .filter_map(|k| from.checked_add_days(Days::new(weeks * 7 + k)))
        .filter(|x| !is_weekend(*x))
        .count() as u64;
    weeks * 5 + tail
}

/// All public holidays of `year` that fall Monday to Friday.
fn weekday_holidays(year: i32) -> impl Iterator<Item = NaiveDate> {
    const FIXED: [(u32, u32); 10] = [
        (1, 1),
        (1, 6),
        (5, 1),
        (5, 3),
        (8, 15),
        (11, 1),
        (11, 11),
        (12, 24),
        (12, 25),
        (12, 26),
    ];
    let easter = easter_sunday(year);
    let movable = [1u64, 60].map(|k| easter.checked_add_days(Days::new(k)));
    FIXED
        .iter()
        .map(move |&(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .chain(movable)
        .flatten()
        .filter(|h| is_holiday(*h) && !is_weekend(*h))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ymd(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("test date")
    }

    #[test]
    fn easter_dates() {
        for (year, date) in [
            (2019, "2019-04-21"),
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2030, "2030-04-21"),
            (2035, "2035-03-25"),
            (2038, "2038-04-25"),
            (2008, "2008-03-23"),
            (2000, "2000-04-23"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter_sunday(year), ymd(date), "{year}");
        }
    }

    #[test]
    fn holidays_and_business_days() {
        let cases = [
            ("2025-04-21", true, false), // Easter Monday
            ("2025-04-22", false, true),
            ("2025-06-19", true, false), // Corpus Christi
            ("2026-06-04", true, false),
            ("2026-05-24", true, false), // Pentecost (Sunday)
            ("2025-05-01", true, false),
            ("2025-05-02", false, true),
            ("2026-05-01", true, false),
            ("2025-05-03", true, false), // Saturday anyway
            ("2024-12-24", false, true), // before the 2025 change
            ("2025-12-24", true, false),
            ("2025-12-25", true, false),
            ("2025-12-26", true, false),
            ("2025-11-11", true, false),
            ("2025-07-12", false, false), // Saturday
            ("2025-07-13", false, false), // Sunday
            ("2025-07-14", false, true),
        ];
        for (d, holiday, business) in cases {
            assert_eq!(is_holiday(ymd(d)), holiday, "holiday {d}");
            assert_eq!(is_business_day(ymd(d)), business, "business {d}");
        }
        assert_eq!(holiday_name(ymd("2025-04-21")), Some("Easter Monday"));
        assert_eq!(holiday_name(ymd("2025-04-22")), None);
    }

    #[test]
    fn next_and_add() {
        let next = [
            ("2025-07-11", "2025-07-14"), // Fri -> Mon
            ("2025-07-12", "2025-07-14"), // Sat -> Mon
            ("2025-07-08", "2025-07-09"),
            ("2026-04-30", "2026-05-04"), // 1 May Fri
            ("2025-12-23", "2025-12-29"), // 24-26 Dec, weekend
            ("2024-12-23", "2024-12-24"),
            ("2025-04-18", "2025-04-22"), // Easter
        ];
        for (d, want) in next {
            assert_eq!(next_business_day(ymd(d)), ymd(want), "next {d}");
        }
        let add = [
            ("2025-07-12", 7, "2025-07-22"), // official worked example
            ("2025-07-08", 0, "2025-07-08"),
            ("2025-07-12", 0, "2025-07-12"),
            ("2025-07-08", 1, "2025-07-09"),
            ("2025-12-23", 7, "2026-01-08"), // 24-26 Dec, 1 Jan, 6 Jan
            ("2026-04-30", 7, "2026-05-12"),
        ];
        for (d, n, want) in add {
            assert_eq!(add_business_days(ymd(d), n), ymd(want), "add {d} {n}");
        }
    }

    #[test]
    fn business_days_after_edges() {
        let cases = [
            ("2025-07-09", "2025-07-09", 0),
            ("2025-07-10", "2025-07-09", 0),
            ("2025-07-09", "2025-07-10", 1),
            ("2025-07-11", "2025-07-13", 0), // Fri -> Sun
            ("2025-07-11", "2025-07-14", 1),
            ("2025-12-23", "2025-12-28", 0),
            ("2025-12-23", "2026-01-07", 6),
            ("2024-12-31", "2025-12-31", 251), // 261 weekdays - 10
            ("2025-12-31", "2026-12-31", 253),
        ];
        for (from, to, want) in cases {
            assert_eq!(
                business_days_after(ymd(from), ymd(to)),
                want,
                "{from}..{to}"
            );
        }
    }

    /// Independent list, from published Easter dates and a separate weekday computation:
    /// every public holiday falling Monday-Friday, as MMDD, per year.
    const WEEKDAY_HOLIDAYS: [(i32, &str); 11] = [
        (2025, "0101 0106 0421 0501 0619 0815 1111 1224 1225 1226"),
        (2026, "0101 0106 0406 0501 0604 1111 1224 1225"),
        (2027, "0101 0106 0329 0503 0527 1101 1111 1224"),
        (2028, "0106 0417 0501 0503 0615 0815 1101 1225 1226"),
        (2029, "0101 0402 0501 0503 0531 0815 1101 1224 1225 1226"),
        (
            2030,
            "0101 0422 0501 0503 0620 0815 1101 1111 1224 1225 1226",
        ),
        (2031, "0101 0106 0414 0501 0612 0815 1111 1224 1225 1226"),
        (2032, "0101 0106 0329 0503 0527 1101 1111 1224"),
        (2033, "0106 0418 0503 0616 0815 1101 1111 1226"),
        (2034, "0106 0410 0501 0503 0608 0815 1101 1225 1226"),
        (2035, "0101 0326 0501 0503 0524 0815 1101 1224 1225 1226"),
    ];

    #[test]
    fn weekday_holiday_table_2025_2035() {
        let mut want: Vec<NaiveDate> = WEEKDAY_HOLIDAYS
            .iter()
            .flat_map(|(y, s)| {
                s.split(" ")
                    .map(move |md| ymd(&format!("{y}-{}-{}", &md[..2], &md[2..])))
            })
            .collect();
        want.sort();
        let got: Vec<NaiveDate> = ymd("2025-01-01")
            .iter_days()
            .take_while(|d| d.year() <= 2035)
            .filter(|d| is_holiday(*d) && d.weekday().num_days_from_monday() < 5)
            .collect();
        assert_eq!(got, want);
        let via_year: Vec<NaiveDate> = (2025..=2035).flat_map(weekday_holidays).collect();
        assert_eq!(via_year.len(), want.len());
    }

    fn any_date() -> impl Strategy<Value = NaiveDate> {
        (0u64..36_500).prop_map(|k| ymd("1990-01-01") + Days::new(k))
    }

    proptest! {
        #[test]
        fn next_is_first_business_day_after(d in any_date()) {
            let n = next_business_day(d);
            prop_assert!(n > d && is_business_day(n));
            prop_assert!(d.iter_days().skip(1).take_while(|x| *x < n).all(|x| !is_business_day(x)));
        }

        #[test]
        fn add_is_increasing_and_inverted(d in any_date(), n in 0u32..400) {
            prop_assert!(add_business_days(d, n + 1) > add_business_days(d, n));
            prop_assert_eq!(business_days_after(d, add_business_days(d, n)), n);
        }

        #[test]
        fn after_matches_day_walk(d in any_date(), k in 0u64..800) {
            let to = d + Days::new(k);
            let days = d.iter_days().skip(1).take_while(|x| *x <= to);
            let walk = days.filter(|x| is_business_day(*x)).count();
            prop_assert_eq!(business_days_after(d, to) as usize, walk);
        }
    }
}
