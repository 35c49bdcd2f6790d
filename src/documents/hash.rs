//! The invoice hash and the KOD I verification link, as KSeF computes them,
//! and the lower-case hex SHA-256 the run records for every input file and
//! the evidence pack for every entry.
//!
//! KSeF identifies an invoice file by the SHA-256 of its exact bytes in
//! standard Base64 (`invoiceHash`, UPO `SkrotDokumentu`); KOD I, printed on
//! invoices delivered outside KSeF, carries the same hash in Base64URL.
//!
//! Deliberately no reading of files and no canonicalisation: any byte change
//! is a new invoice for KSeF, so the caller must hash the bytes as they are on
//! disk, never decoded or re-serialised text.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// Production host of KOD I links (the test environment uses `qr-test.`).
const KOD1_BASE: &str = "https://qr.ksef.mf.gov.pl/invoice";

/// SHA-256 of `bytes`, standard Base64 with padding (44 characters), the
/// form of KSeF's `invoiceHash`.
pub fn sha256_base64(bytes: &[u8]) -> String {
    STANDARD.encode(Sha256::digest(bytes))
}

/// Lower-case hex SHA-256, as `sha256sum` prints it: `run.json`'s input
/// files and fingerprint, the evidence pack's manifest.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// Lower-case hex without a `format!` per byte: the register's history of a
/// million rows is hashed at every run (`crate::register::chain`).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

/// The KOD I link of an invoice:
/// `https://qr.ksef.mf.gov.pl/invoice/{NIP}/{DD-MM-YYYY}/{hash}`.
///
/// `sha256_base64` is the standard Base64 hash (as from [`sha256_base64`] or
/// KSeF metadata); it is rewritten to Base64URL without padding by swapping
/// the two alphabet characters, which needs no decoding and so cannot fail.
pub fn kod1_url(seller_nip: &str, issue_date: NaiveDate, sha256_base64: &str) -> String {
    format!(
        "{KOD1_BASE}/{}/{}/{}",
        seller_nip.trim(),
        issue_date.format("%d-%m-%Y"),
        base64url_no_pad(sha256_base64.trim())
    )
}

/// Standard Base64 to URL-safe Base64 without padding (RFC 4648 §5).
fn base64url_no_pad(standard: &str) -> String {
    standard
        .trim_end_matches('=')
        .chars()
        .map(|c| match c {
            '+' => '-',
            '/' => '_',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use proptest::prelude::*;

    #[test]
    fn sha256_of_abc_is_the_known_answer() {
        let hash = sha256_base64(b"abc");
        assert_eq!(hash, "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
        assert_eq!(hash.len(), 44);
    }

    #[test]
    fn sha256_hex_is_what_sha256sum_prints() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn kod1_url_uses_day_first_date_and_base64url() {
        let date = NaiveDate::from_ymd_opt(2026, 2, 1).unwrap_or_default();
        let url = kod1_url(
            "5265877635",
            date,
            "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=",
        );
        assert_eq!(
            url,
            "https://qr.ksef.mf.gov.pl/invoice/5265877635/01-02-2026/\
             ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0"
        );
    }

    #[test]
    fn any_byte_change_is_a_new_hash() {
        assert_ne!(sha256_base64(b"<Faktura/>"), sha256_base64(b"<Faktura/>\n"));
    }

    proptest! {
        #[test]
        fn url_hash_equals_direct_base64url_encoding(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
            let digest = Sha256::digest(&bytes);
            let date = NaiveDate::from_ymd_opt(2026, 3, 9).unwrap_or_default();
            let url = kod1_url("1111111111", date, &sha256_base64(&bytes));
            let expected = format!("{KOD1_BASE}/1111111111/09-03-2026/{}", URL_SAFE_NO_PAD.encode(digest));
            prop_assert_eq!(url, expected);
        }
    }
}
