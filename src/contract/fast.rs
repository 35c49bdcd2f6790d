//! Fast paths for the cells a large export is made of: ISO dates, ISO
//! timestamps and plain amounts, read without allocating.
//!
//! Each function accepts only one strict, common shape and returns `None`
//! for anything else, including every input the general parser would
//! reject: the callers in `dates.rs` and `money.rs` then run the general
//! parser, so accepted values and error messages are always the general
//! parser's. The property tests below check that both agree wherever a
//! fast path answers.

const MS_PER_DAY: i64 = 86_400_000;

/// Warsaw's winter and summer offsets from UTC.
const CET_MS: i64 = 3_600_000;
const CEST_MS: i64 = 7_200_000;

/// Years in which Warsaw follows the EU rule (summer time from the last
/// Sunday of March to the last Sunday of October, switching at 01:00 UTC)
/// in the time zone data; outside them the general parser decides.
const EU_RULE_YEARS: std::ops::RangeInclusive<i64> = 2000..=2050;

/// `str::trim`, answered at once for a cell that starts and ends with a
/// visible ASCII character (nearly every cell of an export), where
/// `str::trim` first decodes both ends to test them for Unicode spaces.
/// Every whitespace character is either ASCII at or below the space or
/// starts with a byte above 0x7F, so the answer is the same.
pub fn trim_cell(s: &str) -> &str {
    let visible = |b: &u8| (0x21..0x7f).contains(b);
    match (s.as_bytes().first(), s.as_bytes().last()) {
        (Some(first), Some(last)) if visible(first) && visible(last) => s,
        _ => s.trim(),
    }
}

/// Days since 1970-01-01 of a strict `YYYY-MM-DD` date.
pub fn date_days(s: &str) -> Option<i32> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = number(&b[0..4])?;
    let month = number(&b[5..7])?;
    let day = number(&b[8..10])?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    i32::try_from(days_from_civil(year, month, day)).ok()
}

/// A timestamp in `dates::local_to_ms` form (Warsaw wall-clock
/// milliseconds), for the ISO shapes KSeF and ERP exports write:
/// `YYYY-MM-DD`, or `YYYY-MM-DD[T ]HH:MM[:SS[.fraction]]` followed by
/// nothing (already Warsaw time), `Z` or `±HH:MM` (converted to Warsaw).
pub fn timestamp_ms(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    let days = i64::from(date_days(s.get(..10)?)?);
    if b.len() == 10 {
        return Some(days * MS_PER_DAY);
    }
    if !matches!(b[10], b'T' | b' ') || b.get(13) != Some(&b':') {
        return None;
    }
    let hour = number(b.get(11..13)?)?;
    let minute = number(b.get(14..16)?)?;
    if hour > 23 || minute > 59 {
        return None;
    }
    let clock = days * MS_PER_DAY + hour * 3_600_000 + minute * 60_000;
    if b.len() == 16 {
        return Some(clock);
    }
    if b[16] != b':' {
        return None;
    }
    let second = number(b.get(17..19)?)?;
    if second > 59 {
        return None;
    }
    let (fraction_ms, rest) = fraction(&b[19..])?;
    let local = clock + second * 1000 + fraction_ms;
    match rest {
        [] => Some(local),
        [b'Z'] => warsaw(local, s),
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = number(&[*h1, *h2])?;
            let minutes = number(&[*m1, *m2])?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let offset = hours * 3_600_000 + minutes * 60_000;
            let utc = if *sign == b'+' {
                local - offset
            } else {
                local + offset
            };
            warsaw(utc, s)
        }
        _ => None,
    }
}

/// Grosze of a plain amount: an optional sign, 1 to 15 digits, and at most
/// two decimals after the dialect's separator (`.` or, with a decimal
/// comma, `,`). Thousands separators, a bare separator or extra decimals
/// are the general parser's.
pub fn amount(s: &str, decimal_comma: bool) -> Option<i64> {
    let b = s.as_bytes();
    let (negative, body) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let separator = if decimal_comma { b',' } else { b'.' };
    let (whole, decimals) = match body.iter().position(|&c| c == separator) {
        Some(i) => (&body[..i], &body[i + 1..]),
        None => (body, &[][..]),
    };
    if whole.is_empty() || whole.len() > 15 || decimals.len() > 2 {
        return None;
    }
    let mut cents = number(whole)? * 100;
    match decimals {
        [] => {}
        [d] => cents += number(&[*d])? * 10,
        _ => cents += number(decimals)?,
    }
    Some(if negative { -cents } else { cents })
}

/// The value of a run of ASCII digits, `None` if any byte is not a digit.
/// Callers pass at most 15 digits, so it cannot overflow.
fn number(digits: &[u8]) -> Option<i64> {
    let mut value = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(d - b'0');
    }
    Some(value)
}

/// The milliseconds of an optional `.` and 1 to 9 fractional digits
/// (truncated, as `timestamp_millis` does), and what follows them.
fn fraction(b: &[u8]) -> Option<(i64, &[u8])> {
    let Some((b'.', tail)) = b.split_first() else {
        return Some((0, b));
    };
    let digits = tail.iter().take_while(|d| d.is_ascii_digit()).count();
    if digits == 0 || digits > 9 {
        return None;
    }
    let kept = digits.min(3);
    let ms = number(&tail[..kept])? * [100, 10, 1][kept - 1];
    Some((ms, &tail[digits..]))
}

/// Warsaw wall-clock milliseconds of a UTC instant, by the EU rule; `None`
/// outside [`EU_RULE_YEARS`]. The year of the text decides: an instant a
/// day away from it around New Year is winter time either way.
fn warsaw(utc: i64, text: &str) -> Option<i64> {
    let year = number(text.as_bytes().get(..4)?)?;
    if !EU_RULE_YEARS.contains(&year) {
        return None;
    }
    let switch = |month| {
        let last = days_from_civil(year, month, 31);
        // 1970-01-01 was a Thursday: day 0 is weekday 4 counting from Sunday.
        let sunday = last - (last + 4).rem_euclid(7);
        sunday * MS_PER_DAY + 3_600_000
    };
    let summer = (switch(3)..switch(10)).contains(&utc);
    Some(utc + if summer { CEST_MS } else { CET_MS })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
/// `days_from_civil`).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let march_based = (month + 9) % 12;
    let day_of_year = (153 * march_based + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::contract::dates::{date_to_days, local_to_ms, parse_date, parse_timestamp};
    use crate::contract::money::{format_amount, parse_amount_general};

    fn slow_date(s: &str) -> Option<i32> {
        parse_date(s, None).ok().map(date_to_days)
    }

    fn slow_timestamp(s: &str) -> Option<i64> {
        parse_timestamp(s, None).ok().map(local_to_ms)
    }

    #[test]
    fn known_values() {
        assert_eq!(date_days("1970-01-01"), Some(0));
        assert_eq!(date_days("2024-02-29"), slow_date("2024-02-29"));
        assert_eq!(date_days("2023-02-29"), None);
        assert_eq!(date_days("2026-3-01"), None);
        for s in [
            "2025-08-28T09:22:13.3881234+00:00",
            "2026-03-10T23:30:00Z",
            "2026-03-29T00:59:59.999Z",
            "2026-03-29T01:00:00Z",
            "2026-10-25T00:59:59Z",
            "2026-10-25T01:00:00Z",
            "2026-03-10 08:00",
            "2026-03-10",
            "2025-12-31T23:30:00-05:00",
        ] {
            assert_eq!(timestamp_ms(s), slow_timestamp(s), "{s}");
            assert!(timestamp_ms(s).is_some(), "{s}");
        }
        assert_eq!(timestamp_ms("2026-03-10T24:00:00"), None);
        assert_eq!(amount("1234.56", false), Some(123_456));
        assert_eq!(amount("-0.5", false), Some(-50));
        assert_eq!(amount("1,5", true), Some(150));
        assert_eq!(amount("12.300", false), None);
        assert_eq!(amount(".5", false), None);
    }

    /// Text shaped like an ISO timestamp, with every part free to be out
    /// of range, and the separators and offsets drawn from a mix of valid
    /// and invalid choices.
    fn timestamp_text() -> impl Strategy<Value = String> {
        let date = (0u32..10_000, 0u32..14, 0u32..33)
            .prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"));
        let separator = prop::sample::select(vec!["T", " ", "t", "", "TT"]);
        let clock = (0u32..26, 0u32..62, 0u32..62);
        let fraction = prop::option::of("\\.[0-9]{0,11}");
        let offset = prop_oneof![
            Just(String::new()),
            Just("Z".to_string()),
            Just("z".to_string()),
            (any::<bool>(), 0u32..26, 0u32..62)
                .prop_map(|(plus, h, m)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' })),
            "[+-][0-9]{1,4}",
        ];
        let seconds = any::<bool>();
        (date, separator, clock, seconds, fraction, offset).prop_map(
            |(date, sep, (h, m, s), with_seconds, fraction, offset)| {
                let seconds = if with_seconds {
                    format!(":{s:02}{}", fraction.unwrap_or_default())
                } else {
                    String::new()
                };
                format!("{date}{sep}{h:02}:{m:02}{seconds}{offset}")
            },
        )
    }

    /// Summer-time switches of 1990..2060 and the instants around them.
    fn near_switch() -> impl Strategy<Value = String> {
        (1990i64..2061, any::<bool>(), -7_200i64..7_200).prop_map(|(year, march, delta)| {
            let month = if march { 3 } else { 10 };
            let last = days_from_civil(year, month, 31);
            let sunday = last - (last + 4).rem_euclid(7);
            let at = sunday * 86_400 + 3_600 + delta;
            let t = chrono::DateTime::from_timestamp(at, 0).expect("in range");
            t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn trim_agrees_with_str_trim(s in "[ \t\r\n\u{a0}\u{3000}\u{85}a-zA-Z0-9.,;é]{0,8}") {
            prop_assert_eq!(trim_cell(&s), s.trim());
        }

        #[test]
        fn dates_agree(y in 0u32..10_000, m in 0u32..14, d in 0u32..33) {
            let s = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(date_days(&s), slow_date(&s));
        }

        #[test]
        fn any_date_text_agrees_where_fast(s in "[0-9-]{8,11}") {
            if let Some(days) = date_days(&s) {
                prop_assert_eq!(Some(days), slow_date(&s));
            }
        }

        #[test]
        fn timestamps_agree_where_fast(s in timestamp_text()) {
            if let Some(ms) = timestamp_ms(&s) {
                prop_assert_eq!(Some(ms), slow_timestamp(&s), "{}", s);
            }
        }

        #[test]
        fn valid_timestamps_are_fast(
            days in 10_957i32..18_628, ms in 0i64..86_400_000, offset in -23i32..24,
        ) {
            let t = chrono::DateTime::from_timestamp_millis(
                i64::from(days) * 86_400_000 + ms,
            ).expect("in range");
            for s in [
                t.format("%Y-%m-%dT%H:%M:%S%.3f").to_string(),
                t.format("%Y-%m-%d %H:%M:%S").to_string(),
                t.format("%Y-%m-%dT%H:%M:%S%.9fZ").to_string(),
                format!(
                    "{}.{:07}{offset:+03}:30",
                    t.format("%Y-%m-%dT%H:%M:%S"),
                    t.timestamp_subsec_nanos() / 100,
                ),
            ] {
                let fast = timestamp_ms(&s);
                prop_assert!(fast.is_some(), "{}", s);
                prop_assert_eq!(fast, slow_timestamp(&s), "{}", s);
            }
        }

        #[test]
        fn summer_time_switches_agree(s in near_switch()) {
            if let Some(ms) = timestamp_ms(&s) {
                prop_assert_eq!(Some(ms), slow_timestamp(&s), "{}", s);
            }
        }

        #[test]
        fn amounts_agree_where_fast(
            s in "[+-]?[0-9]{0,17}([.,][0-9]{0,4})?",
            decimal_comma in any::<bool>(),
        ) {
            if let Some(cents) = amount(&s, decimal_comma) {
                prop_assert_eq!(Ok(cents), parse_amount_general(&s, decimal_comma), "{}", s);
            }
        }

        #[test]
        fn plain_amounts_are_fast(cents in -999_999_999_999_999i64..=999_999_999_999_999) {
            let s = format_amount(cents);
            prop_assert_eq!(amount(&s, false), Some(cents));
            prop_assert_eq!(amount(&s.replace('.', ","), true), Some(cents));
        }
    }
}
