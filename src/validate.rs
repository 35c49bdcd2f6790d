//! Syntax and checksum checks for KSeF numbers and NIPs.
//!
//! These are pure, exact checks on the string as given: no trimming, no case folding, no
//! lookup of whether a number or NIP really exists. Normalising input (stripping blanks,
//! `PL` prefixes, dashes in NIPs) is the caller's decision, made before calling in here.

/// CRC-8 with polynomial 0x07, init 0x00, no reflection and no final XOR (the KSeF checksum),
/// known as CRC-8/SMBUS.
pub fn crc8(data: &[u8]) -> u8 {
    // A `static`: a `const` would copy its table at every call. Sixteen
    // tables (4 KiB) take 16 bytes per step: the checks run over every
    // ledger and KSeF number, 20 million at 10M invoices.
    static KSEF: crc::Crc<u8, crc::Table<16>> =
        crc::Crc::<u8, crc::Table<16>>::new(&crc::CRC_8_SMBUS);
    KSEF.checksum(data)
}

/// Whether `s` is a well-formed KSeF number, with a matching checksum where
/// one is known.
///
/// The form is `NNNNNNNNNN-YYYYMMDD-XXXXXXXXXXXX-CC` (35 characters), where `CC` is the
/// CRC-8 of the first 32 characters. The checksum is checked for numbers dated (their
/// `YYYYMMDD`) from [`CRC_FROM`], when production KSeF 2.0 began; an earlier number may be a
/// KSeF 1.0 number, whose checksum was never published, and is checked for its form only.
/// The 36-character spelling with a hyphen inside the technical part is the same number:
/// readers turn it into this one (`crate::contract::ksef_number`) before it gets here.
/// The 10 leading digits are not checked as a NIP: the format only promises digits.
pub fn is_valid_ksef_number(s: &str) -> bool {
    let b = s.as_bytes();
    if !(fits(b, &SHAPE) && is_real_date(&b[11..19])) {
        return false;
    }
    &b[11..19] < CRC_FROM || checksum_matches(&b[..32], &b[33..])
}

/// The first day (as a number's `YYYYMMDD`) whose numbers carry the published CRC-8.
const CRC_FROM: &[u8] = b"20260201";

/// The classes a byte can be of, as bits: an ASCII digit, an upper-case
/// hex letter (`A`-`F`) or a dash.
const DIGIT: u8 = 1;
const HEX_LETTER: u8 = 2;
const DASH: u8 = 4;

/// Each byte's class ([`DIGIT`], [`HEX_LETTER`], [`DASH`] or none).
static CLASS: [u8; 256] = {
    let mut class = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        class[c] = match c as u8 {
            b'0'..=b'9' => DIGIT,
            b'A'..=b'F' => HEX_LETTER,
            b'-' => DASH,
            _ => 0,
        };
        c += 1;
    }
    class
};

/// The classes allowed at each position of a shape written with `9` for a
/// digit, `F` for an upper-case hex digit and `-` for a dash.
const fn shape<const N: usize>(pattern: &[u8; N]) -> [u8; N] {
    let mut allowed = [0u8; N];
    let mut i = 0;
    while i < N {
        allowed[i] = match pattern[i] {
            b'9' => DIGIT,
            b'F' => DIGIT | HEX_LETTER,
            _ => DASH,
        };
        i += 1;
    }
    allowed
}

const SHAPE: [u8; 35] = shape(b"9999999999-99999999-FFFFFFFFFFFF-FF");

/// Whether every byte of `b` is of a class its position allows, in one
/// pass without branches: the check runs over every ledger and KSeF
/// number (20 million at 10M invoices), and testing the groups one by one
/// took some 350 instructions a number.
fn fits(b: &[u8], shape: &[u8]) -> bool {
    b.len() == shape.len()
        && b.iter().zip(shape).fold(true, |ok, (&c, &allowed)| {
            ok & (CLASS[usize::from(c)] & allowed != 0)
        })
}

fn is_real_date(digits: &[u8]) -> bool {
    if !all_digits(digits) {
        return false;
    }
    let year = decimal(&digits[..4]);
    let (month, day) = (decimal(&digits[4..6]), decimal(&digits[6..8]));
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Two upper-case hex digits equal to the CRC-8 of `body`.
fn checksum_matches(body: &[u8], cc: &[u8]) -> bool {
    let want = crc8(body);
    match cc {
        [hi, lo] => {
            is_upper_hex(*hi)
                && is_upper_hex(*lo)
                && ((hex_value(*hi) << 4) | hex_value(*lo)) == want
        }
        _ => false,
    }
}

fn is_upper_hex(c: u8) -> bool {
    c.is_ascii_digit() || (b'A'..=b'F').contains(&c)
}

/// Value of an upper-case hex digit; only called after [`is_upper_hex`].
fn hex_value(c: u8) -> u8 {
    if c.is_ascii_digit() {
        c - b'0'
    } else {
        c - b'A' + 10
    }
}

fn all_digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Decimal value of ASCII digits already checked by [`all_digits`] (at most 4 here).
fn decimal(b: &[u8]) -> u32 {
    b.iter().fold(0, |acc, c| acc * 10 + u32::from(c - b'0'))
}

/// Whether `s` is exactly 10 digits whose weighted checksum matches (Polish tax ID).
///
/// Weights 6 5 7 2 3 4 5 6 7 over the first nine digits; the sum mod 11 must equal the last
/// digit, so a remainder of 10 can never be valid (such numbers are never issued).
pub fn is_valid_nip(s: &str) -> bool {
    const WEIGHTS: [u32; 9] = [6, 5, 7, 2, 3, 4, 5, 6, 7];
    let b = s.as_bytes();
    if b.len() != 10 || !all_digits(b) {
        return false;
    }
    let sum: u32 = WEIGHTS
        .iter()
        .zip(b)
        .map(|(w, c)| w * u32::from(c - b'0'))
        .sum();
    sum % 11 == u32::from(b[9] - b'0')
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers dated after the CRC began, so every character counts.
    const VALID_1: &str = "5265877635-20260826-0100001AF629-D1";
    const VALID_2: &str = "5265877635-20260626-010080DD2B5E-58";

    #[test]
    fn crc8_check_value() {
        assert_eq!(crc8(b"123456789"), 0xF4);
        assert_eq!(crc8(b""), 0x00);
    }

    /// The definition, one bit at a time.
    fn crc8_bitwise(data: &[u8]) -> u8 {
        data.iter().fold(0u8, |crc, &byte| {
            (0..8).fold(crc ^ byte, |c, _| {
                if c & 0x80 != 0 {
                    (c << 1) ^ 0x07
                } else {
                    c << 1
                }
            })
        })
    }

    proptest::proptest! {
        #[test]
        fn crc8_is_the_bitwise_definition(data in proptest::collection::vec(proptest::num::u8::ANY, 0..64)) {
            proptest::prop_assert_eq!(crc8(&data), crc8_bitwise(&data));
        }
    }

    /// The number check as first written, group by group: the oracle for
    /// the one-pass [`fits`].
    fn by_groups(s: &str) -> bool {
        let b = s.as_bytes();
        b.len() == 35
            && all_digits(&b[..10])
            && b[10] == b'-'
            && b[19] == b'-'
            && is_real_date(&b[11..19])
            && b[20..32].iter().all(|c| is_upper_hex(*c))
            && b[32] == b'-'
            && b[33..].iter().all(|c| is_upper_hex(*c))
            && (b[11..19] < b"20260201"[..] || checksum_matches(&b[..32], &b[33..]))
    }

    proptest::proptest! {
        /// Numbers with their right checksum, one byte replaced or not,
        /// are judged as the group-by-group check judges them.
        #[test]
        fn one_pass_check_is_the_group_check(
            body in "[0-9]{10}-20[0-9]{2}[01][0-9][0-3][0-9]-([0-9A-F]{12}|[0-9A-F]{6}-[0-9A-F]{6})",
            at in 0usize..40,
            with in "[0-9A-Fa-g/x -]",
        ) {
            let mut number = format!("{body}-{:02X}", crc8(body.as_bytes())).into_bytes();
            if at < number.len() {
                number[at] = with.as_bytes()[0];
            }
            let number = String::from_utf8(number).unwrap();
            proptest::prop_assert_eq!(is_valid_ksef_number(&number), by_groups(&number), "{}", number);
        }
    }

    /// The date check agrees with chrono's calendar on every month and day
    /// (0-13, 0-32) of a span of years with every kind of leap rule.
    #[test]
    fn real_dates_are_chronos_dates() {
        let years = (1890..2110).chain([0, 1, 400, 9999]);
        for year in years {
            for month in 0..=13 {
                for day in 0..=32 {
                    let digits = format!("{year:04}{month:02}{day:02}");
                    let chrono = chrono::NaiveDate::from_ymd_opt(year, month, day).is_some();
                    assert_eq!(is_real_date(digits.as_bytes()), chrono, "{digits}");
                }
            }
        }
    }

    #[test]
    fn ksef_numbers() {
        let cases = [
            (VALID_1, true),
            (VALID_2, true),
            // MF's 2023 sample: a KSeF 1.0 number, form only.
            ("9999999999-20230908-8BEF280C8D35-4D", true),
            ("9999999999-20230908-8BEF280C8D35-21", true),
            ("9999999999-20260131-8BEF280C8D35-4D", true), // the day before the CRC
            ("9999999999-20260201-8BEF280C8D35-4D", false), // from 2026-02-01 it is checked
            ("9999999999-20260201-8BEF280C8D35-6D", true),
            ("9999999999-20230908-8BEF280C8D35-4", false), // form still checked
            ("9999999999-20230908-8BEF280C8D3G-4D", false),
            ("5265877635-20250826-0100001AF629-A", false),
            ("5265877635-20250826-0100001AF629-AFF", false),
            ("", false),
            ("5265877635-20250826-0100001af629-AF", false), // lower-case hex
            ("5265877635-20250826-0100001AF629-af", false),
            (" 5265877635-20250826-0100001AF629-AF", false), // no trimming
            ("5265877635-20260230-0100001AF629-AF", false),  // 30 Feb
            ("5265877635-20251301-0100001AF629-AF", false),  // month 13
            ("5265877635-20250826-0100001AF629_AF", false),
            ("5265877635-2025082-60100001AF629-AF", false),
            ("5265877635-20250826-0100001AG629-AF", false),
            // The 36-character spelling is turned into this one by the readers.
            ("5265877635-20230908-ABCDEF-123456-58", false),
            ("5265877635-20230908-ABCDEF123456-58", true),
            ("5265877635-20230908-ABCDEF0123456-58", false),
            ("5265877635-20230908-ABCDEf123456-58", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_valid_ksef_number(s), want, "{s}");
        }
    }

    #[test]
    fn any_single_character_change_is_rejected() {
        for valid in [VALID_1, VALID_2] {
            for i in 0..valid.len() {
                for c in ['0', '7', 'A', 'F', '-', 'x'] {
                    let mut bytes = valid.as_bytes().to_vec();
                    if bytes[i] == c as u8 {
                        continue;
                    }
                    bytes[i] = c as u8;
                    let changed = String::from_utf8(bytes).expect("ascii");
                    // A change of date to before 2026-02-01 leaves a KSeF
                    // 1.0 number, checked for its form only.
                    let earlier = changed.get(11..19).is_some_and(|d| d < "20260201");
                    if !(earlier && is_real_date(&changed.as_bytes()[11..19])) {
                        assert!(!is_valid_ksef_number(&changed), "{changed}");
                    }
                }
            }
        }
    }

    #[test]
    fn non_ascii_does_not_panic() {
        assert!(!is_valid_ksef_number("5265877635-20250826-0100001AF62é-A"));
        assert!(!is_valid_nip("526587763é"));
    }

    #[test]
    fn nips() {
        let cases = [
            ("5265877635", true),
            ("1234563218", true),
            ("1234567890", false),
            ("526587763", false),
            ("52658776350", false),
            ("526-587-76-35", false),
            ("526587763A", false),
            ("PL5265877635", false),
            (" 5265877635", false),
        ];
        for (s, want) in cases {
            assert_eq!(is_valid_nip(s), want, "{s}");
        }
    }
}
