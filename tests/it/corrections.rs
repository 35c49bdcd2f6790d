//! Corrections of offline invoices (CORRECTION_BEFORE_ORIGINAL,
//! CORRECTION_REFERENCE_WRONG) and reconciliation.csv's `corrects` and
//! `corrected_by`, on a small bundle worked out by hand. The archived
//! corrections are the official FA(3) sample 2 (a KOR) with its number,
//! P_1, seller and `DaneFaKorygowanej` replaced.
//!
//! One seller, 5265877635; as-of 2026-04-30. When KSeF numbered each
//! invoice is its KSeF record's `acquisition_date`, in Warsaw time:
//!
//! | correction | P_1 | numbered | corrects (cites) | original numbered |
//! |---|---|---|---|---|
//! | FK/1 | 03-04 | 03-05 09:30 (08:30Z) | FV/1 (its number) | 03-05 10:00 |
//! | FK/2 | 03-10 | 03-10 10:00 | FV/2 (another number) | 03-03 10:00 |
//! | FK/3 | 03-10 | 03-10 10:00 | FV/3 (`NrKSeFN`) | 03-03 12:00 |
//! | FK/4 | 03-10 | 03-10 11:00 (10:00Z) | FV/4 (its number) | 03-10 10:30 |
//! | FK/5 | 03-10 | 03-10 12:00 | FV/5 (its number) | never: no moment |
//! | FK/6 | 03-12 | 03-12 10:00 | FV/4 (its number), FV/6 (FV/4's number) | 03-10 10:30, 03-03 08:00 |
//! | FK/7 | 03-10 | 03-10 13:00 | FV/7 (`NrKSeFN`) | 03-10 08:00 |
//!
//! FV/1-5 and FV/7 are offline-log invoices, FV/6 an online one. So:
//! - FK/1 was numbered half an hour before FV/1: CORRECTION_BEFORE_ORIGINAL.
//! - FK/2 cites a number that is not FV/2's: CORRECTION_REFERENCE_WRONG.
//! - FK/3 says FV/3 is outside KSeF, but KSeF numbered it on 03-03, before
//!   FK/3's P_1 03-10: CORRECTION_REFERENCE_WRONG.
//! - FK/4 is right: 10:00Z is 11:00 in Warsaw, after FV/4's 10:30 (the
//!   text of the two times would say otherwise).
//! - FK/5: FV/5 has no numbering moment, so it is not judged for
//!   CORRECTION_BEFORE_ORIGINAL; run.json counts it (1). Its citation is
//!   right.
//! - FK/6 corrects two invoices: FV/4 rightly, FV/6 with FV/4's number:
//!   one CORRECTION_REFERENCE_WRONG, for FV/6.
//! - FK/7 says `NrKSeFN`, and KSeF numbered FV/7 on FK/7's P_1 itself, not
//!   before: no finding.

use std::collections::BTreeMap;

use crate::support::{Bundle, Run, fixtures};

const SELLER: &str = "5265877635";
pub(crate) const AS_OF: &str = "2026-04-30";

/// A valid KSeF number of the seller's, dated `day` (`YYYYMMDD`).
fn number(day: &str, n: u32) -> String {
    let base = format!("{SELLER}-{day}-{n:012X}");
    let crc = ksef_recon::validate::crc8(base.as_bytes());
    format!("{base}-{crc:02X}")
}

/// One `DaneFaKorygowanej`: the corrected number, its P_1, and the KSeF
/// number cited (`None`: `NrKSeFN`).
fn reference(corrected: &str, cited: Option<&str>) -> String {
    let cited = match cited {
        Some(n) => {
            format!("<NrKSeF>1</NrKSeF>\n\t\t\t<NrKSeFFaKorygowanej>{n}</NrKSeFFaKorygowanej>")
        }
        None => "<NrKSeFN>1</NrKSeFN>".to_string(),
    };
    format!(
        "<DaneFaKorygowanej>\n\t\t\t<DataWystFaKorygowanej>2026-03-02</DataWystFaKorygowanej>\n\t\t\t<NrFaKorygowanej>{corrected}</NrFaKorygowanej>\n\t\t\t{cited}\n\t\t</DaneFaKorygowanej>"
    )
}

/// Sample 2 as correction `number` of `issued`, with `references`.
fn correction(number: &str, issued: &str, references: &[String]) -> String {
    let sample = std::fs::read_to_string(fixtures().join("samples/fa3/FA_3_Przyklad_2.xml"))
        .expect("sample 2");
    let start = sample.find("<DaneFaKorygowanej>").expect("a reference");
    let end = sample.find("</DaneFaKorygowanej>").expect("its end") + "</DaneFaKorygowanej>".len();
    let text = format!(
        "{}{}{}",
        &sample[..start],
        references.join("\n\t\t"),
        &sample[end..]
    );
    text.replacen("<NIP>9999999999</NIP>", &format!("<NIP>{SELLER}</NIP>"), 1)
        .replace("<P_1>2026-03-15</P_1>", &format!("<P_1>{issued}</P_1>"))
        .replace("<P_2>FK2026/03/200</P_2>", &format!("<P_2>{number}</P_2>"))
}

/// `run` on `b`, with a state folder of its own, in `ranges` ranges (0:
/// one run).
fn run(b: &Bundle, ranges: usize) -> Run {
    let out = tempfile::tempdir().expect("temp dir");
    let output = crate::support::binary()
        .env(ksef_recon::partition::PARTITIONS_ENV, ranges.to_string())
        .arg("run")
        .arg("--input")
        .arg(b.path())
        .arg("--out")
        .arg(out.path().join("out"))
        .arg("--state")
        .arg(out.path().join("state"))
        .arg("--as-of")
        .arg(AS_OF)
        .output()
        .expect("binary runs");
    let run = Run {
        out,
        status: output.status.code().unwrap_or(-1),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        matches!(run.status, 0 | 3),
        "exit {}: {}",
        run.status,
        run.stderr
    );
    run
}

/// The bundle of the table above (also the matching SQL's case for
/// `corrects` and `corrected_by`: `matching_sql.rs`).
pub(crate) fn bundle() -> Bundle {
    let originals = [
        ("FV/1", number("20260305", 1), "2026-03-05T10:00:00"),
        ("FV/2", number("20260303", 2), "2026-03-03T10:00:00+01:00"),
        ("FV/3", number("20260303", 3), "2026-03-03T12:00:00+01:00"),
        ("FV/4", number("20260310", 4), "2026-03-10T10:30:00"),
        ("FV/5", number("20260304", 5), ""),
        ("FV/6", number("20260303", 6), "2026-03-03T08:00:00+01:00"),
        ("FV/7", number("20260310", 7), "2026-03-10T08:00:00+01:00"),
    ];
    let ksef_of = |name: &str| {
        originals
            .iter()
            .find(|o| o.0 == name)
            .map(|o| o.1.clone())
            .unwrap_or_default()
    };
    let corrections = [
        (
            "FK/1",
            "2026-03-04",
            "2026-03-05T08:30:00Z",
            vec![reference("FV/1", Some(&ksef_of("FV/1")))],
        ),
        (
            "FK/2",
            "2026-03-10",
            "2026-03-10T10:00:00+01:00",
            vec![reference("FV/2", Some(&number("20260303", 99)))],
        ),
        (
            "FK/3",
            "2026-03-10",
            "2026-03-10T10:00:00+01:00",
            vec![reference("FV/3", None)],
        ),
        (
            "FK/4",
            "2026-03-10",
            "2026-03-10T10:00:00Z",
            vec![reference("FV/4", Some(&ksef_of("FV/4")))],
        ),
        (
            "FK/5",
            "2026-03-10",
            "2026-03-10T12:00:00+01:00",
            vec![reference("FV/5", Some(&ksef_of("FV/5")))],
        ),
        (
            "FK/6",
            "2026-03-12",
            "2026-03-12T10:00:00+01:00",
            vec![
                reference("FV/4", Some(&ksef_of("FV/4"))),
                reference("FV/6", Some(&ksef_of("FV/4"))),
            ],
        ),
        (
            "FK/7",
            "2026-03-10",
            "2026-03-10T13:00:00+01:00",
            vec![reference("FV/7", None)],
        ),
    ];
    let mut ledger = String::from("invoice_number,issue_date,seller_nip,gross_amount,currency\n");
    let mut log = String::from("invoice_number,seller_nip,issue_date,issued_at,mode,issued_by\n");
    let mut ksef = String::from(
        "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,acquisition_date\n",
    );
    for (name, ksef_number, numbered) in &originals {
        ledger.push_str(&format!("{name},2026-03-02,{SELLER},123.00,PLN\n"));
        if *name != "FV/6" {
            log.push_str(&format!(
                "{name},{SELLER},2026-03-02,2026-03-02T09:00:00+01:00,offline24,a.nowak\n"
            ));
        }
        ksef.push_str(&format!(
            "{ksef_number},{name},{SELLER},2026-03-02,2026-03-03T07:00:00+01:00,{numbered}\n"
        ));
    }
    let mut b = Bundle::new().file(
        "recon.toml",
        format!("sellers = [\"{SELLER}\"]\nksef_extract_through = \"2026-04-30T06:00:00\"\n"),
    );
    for (i, (name, issued, numbered, refs)) in corrections.iter().enumerate() {
        ledger.push_str(&format!("{name},{issued},{SELLER},-200.00,PLN\n"));
        let day = issued.replace('-', "");
        ksef.push_str(&format!(
            "{},{name},{SELLER},{issued},{numbered},{numbered}\n",
            number(&day, 100 + i as u32)
        ));
        b = b.file(
            &format!("archive/fk{}.xml", i + 1),
            correction(name, issued, refs),
        );
    }
    b.file("ledger/sales.csv", ledger)
        .file("offline/log.csv", log)
        .file("ksef/metadata/extract.csv", ksef)
}

#[test]
fn corrections_are_checked_against_when_ksef_numbered_the_original() {
    let b = bundle();
    let r = run(&b, 0);
    let found: Vec<(String, String, String)> = r
        .rows("exceptions.csv")
        .into_iter()
        .filter(|row| row["code"].starts_with("CORRECTION_"))
        .map(|row| {
            (
                row["code"].clone(),
                row["invoice_number"].clone(),
                row["detail"].clone(),
            )
        })
        .collect();
    let wrong = |n| number("20260303", n);
    let expected = [
        (
            "CORRECTION_BEFORE_ORIGINAL".to_string(),
            "FK/1".to_string(),
            format!(
                "correction FK/1 was numbered by KSeF at 2026-03-05 09:30:00, before offline \
                 invoice FV/1 it corrects had its KSeF number {} (at 2026-03-05 10:00:00)",
                number("20260305", 1)
            ),
        ),
        (
            "CORRECTION_REFERENCE_WRONG".to_string(),
            "FK/2".to_string(),
            format!(
                "correction FK/2 cites NrKSeFFaKorygowanej {}, but KSeF numbered FV/2 as {}",
                wrong(99),
                wrong(2)
            ),
        ),
        (
            "CORRECTION_REFERENCE_WRONG".to_string(),
            "FK/3".to_string(),
            format!(
                "correction FK/3 of 2026-03-10 says NrKSeFN (corrected invoice outside KSeF), \
                 but KSeF numbered FV/3 as {} at 2026-03-03 12:00:00",
                wrong(3)
            ),
        ),
        (
            "CORRECTION_REFERENCE_WRONG".to_string(),
            "FK/6".to_string(),
            format!(
                "correction FK/6 cites NrKSeFFaKorygowanej {}, but KSeF numbered FV/6 as {}",
                number("20260310", 4),
                wrong(6)
            ),
        ),
    ];
    assert_eq!(found, expected);
    assert_eq!(r.json()["invoices_without_numbering_moment"], 1);
    assert_eq!(r.json()["counts_by_code"]["CORRECTION_REFERENCE_WRONG"], 3);
}

#[test]
fn the_reconciliation_says_what_corrects_what() {
    let b = bundle();
    let r = run(&b, 0);
    let text = r.text("reconciliation.csv");
    let header = text.lines().next().unwrap_or_default();
    assert!(
        header.ends_with(",upo_file,corrects,corrected_by"),
        "{header}"
    );
    let rows: BTreeMap<String, (String, String)> = r
        .rows("reconciliation.csv")
        .into_iter()
        .map(|row| {
            (
                row["invoice_number"].clone(),
                (row["corrects"].clone(), row["corrected_by"].clone()),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(rows["FV/4"], pair("", "FK/4 FK/6"));
    assert_eq!(rows["FV/6"], pair("", "FK/6"));
    assert_eq!(rows["FV/1"], pair("", "FK/1"));
    assert_eq!(rows["FK/6"], pair("FV/4 FV/6", ""));
    assert_eq!(rows["FK/3"], pair("FV/3", ""));
}

/// A run in parts sees the same: the corrected invoices are home invoices.
#[test]
fn a_run_in_parts_finds_the_same() {
    let b = bundle();
    let one = run(&b, 0);
    for ranges in [2, 3] {
        let parts = run(&b, ranges);
        for file in ["exceptions.csv", "reconciliation.csv"] {
            assert_eq!(
                one.text(file),
                parts.text(file),
                "{file} in {ranges} ranges"
            );
        }
        assert_eq!(
            one.json()["invoices_without_numbering_moment"],
            parts.json()["invoices_without_numbering_moment"]
        );
    }
}
