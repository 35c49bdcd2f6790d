//! `deadline_basis` in reconciliation.csv: how each deadline was reached,
//! word for word, on the demo bundle and on a small bundle for the kinds
//! the demo has none of (an offline24 invoice a FAILURE stretches, an
//! offline invoice whose period an announcement ends, a TOTAL_FAILURE
//! lapse, open deadlines, the ledger's reasons for no duty).

use std::collections::BTreeMap;

use crate::support::{Bundle, Run, fixtures, run};

const AS_OF: &str = "2026-04-10";

/// invoice_number → deadline_basis, every invoice's basis non-empty.
fn bases(r: &Run) -> BTreeMap<String, String> {
    assert_eq!(r.status, 0, "{}", r.stderr);
    let rows = r.rows("reconciliation.csv");
    assert!(!rows.is_empty());
    rows.into_iter()
        .map(|row| {
            let basis = row["deadline_basis"].clone();
            assert!(!basis.is_empty(), "{} has no basis", row["invoice_number"]);
            (row["invoice_number"].clone(), basis)
        })
        .collect()
}

#[test]
fn demo_bases_name_each_rule_and_id() {
    let r = run(&fixtures().join("demo"), AS_OF, &[]);
    let bases = bases(&r);
    // The contract's columns first, in its order, then its v1.2 additions.
    let header = r.text("reconciliation.csv");
    assert!(
        header.starts_with(
            "seller_nip,invoice_number,issue_date,mode,decision_id,in_ledger,in_offline_log,\
             in_ksef,ksef_number,submitted_on,deadline,status,gross_amount,currency,owner,\
             deadline_basis,max_penalty_pln,archive_file,"
        ),
        "{}",
        header.lines().next().unwrap_or_default()
    );
    let expected = [
        // Emergency, from its decision and the announcement it links.
        (
            "FO/2026/03/023",
            "emergency: period end 2026-03-27 from decision DEC-2026-03-06 \
             (announcement EV-2026-0017); 7 business days after 2026-03-27 = 2026-04-08",
        ),
        // Emergency with no usable decision: the covering announcement.
        (
            "FO/2026/03/025",
            "emergency: period end 2026-03-27 from announcement EV-2026-0017; \
             7 business days after 2026-03-27 = 2026-04-08",
        ),
        // Offline, from its decision and the announcement it links.
        (
            "FO/2026/03/004",
            "offline: period end 2026-03-05 from decision DEC-2026-03-02 \
             (announcement EV-2026-0011); next business day after 2026-03-05 = 2026-03-06",
        ),
        // An online invoice a FAILURE stretches.
        (
            "FV/2026/03/0242",
            "online: next business day after P_1 2026-03-24 = 2026-03-25; \
             FAILURE EV-2026-0017 (2026-03-25 to 2026-03-27) stretches it to \
             7 business days after 2026-03-27 = 2026-04-08",
        ),
        ("FO/2026/03/001", "no duty: total_failure mode"),
        ("RO/2026/04/0001", "no duty: document type RO"),
    ];
    for (invoice, basis) in expected {
        assert_eq!(bases[invoice], basis, "{invoice}");
    }
}

const SELLER: &str = "5265877635";

/// Tue 2026-03-10 offline24, next() = 03-11, which FAILURE F/AWR/1
/// (03-11 to Sat 03-14) moves to add(03-14, 7) = 03-24. OFF1 offline at
/// 03-18 09:00 without a decision: MAINTENANCE M/1 covers it and ends
/// 03-18, so next(03-18) = 03-19. EM1 emergency at 04-08 10:00 without a
/// decision: FAILURE F/OPEN covers it and is still on. L1 online on Wed
/// 03-25, next() = 03-26, when TOTAL_FAILURE T/1 starts: the duty lapses.
/// OP1 online on Tue 04-07 (after Easter Monday), next() = 04-08, when
/// F/OPEN starts: open. B1 marked BFK; A4 issued before the seller's
/// KSeF duty began (2026-02-01 by default).
const LEDGER: &str = "invoice_number,issue_date,seller_nip,gross_amount,currency,ksef_marker,document_type\n\
L1,2026-03-25,5265877635,10.00,PLN,,\n\
OP1,2026-04-07,5265877635,10.00,PLN,,\n\
B1,2026-03-25,5265877635,10.00,PLN,BFK,\n\
A4,2026-01-15,5265877635,10.00,PLN,,\n";

const LOG: &str = "invoice_number,seller_nip,issue_date,issued_at,mode,issued_by\n\
O24,5265877635,2026-03-10,2026-03-10T09:00:00+01:00,offline24,a.nowak\n\
OFF1,5265877635,2026-03-18,2026-03-18T09:00:00+01:00,offline,a.nowak\n\
EM1,5265877635,2026-04-08,2026-04-08T10:00:00+02:00,emergency,a.nowak\n";

const ANNOUNCEMENTS: &str = "announcement_id,category,start,end\n\
F/AWR/1,FAILURE,2026-03-11T08:00:00+01:00,2026-03-14T12:00:00+01:00\n\
M/1,MAINTENANCE,2026-03-18T08:00:00+01:00,2026-03-18T12:00:00+01:00\n\
T/1,TOTAL_FAILURE,2026-03-26T10:00:00+01:00,2026-03-26T14:00:00+01:00\n\
F/OPEN,FAILURE,2026-04-08T09:00:00+02:00,\n";

#[test]
fn bases_of_stretches_announcements_lapses_and_open_deadlines() {
    let bundle = Bundle::new()
        .file("recon.toml", format!("sellers = [\"{SELLER}\"]\n"))
        .file("ledger/sales.csv", LEDGER)
        .file("offline/log.csv", LOG)
        .file("announcements/manual.csv", ANNOUNCEMENTS);
    let bases = bases(&run(bundle.path(), AS_OF, &[]));
    let expected = [
        (
            "O24",
            "offline24: next business day after P_1 2026-03-10 = 2026-03-11; \
             FAILURE F/AWR/1 (2026-03-11 to 2026-03-14) stretches it to \
             7 business days after 2026-03-14 = 2026-03-24",
        ),
        (
            "OFF1",
            "offline: period end 2026-03-18 from announcement M/1; \
             next business day after 2026-03-18 = 2026-03-19",
        ),
        (
            "L1",
            "online: next business day after P_1 2026-03-25 = 2026-03-26; \
             TOTAL_FAILURE T/1 from 2026-03-26 lifts the duty: none",
        ),
        (
            "OP1",
            "online: next business day after P_1 2026-04-07 = 2026-04-08; \
             open: FAILURE F/OPEN (since 2026-04-08) still on",
        ),
        (
            "EM1",
            "open: emergency period of announcement F/OPEN still on",
        ),
        ("B1", "no duty: marker BFK"),
        (
            "A4",
            "no duty: P_1 2026-01-15 before the seller's KSeF duty began (ksef_from)",
        ),
    ];
    for (invoice, basis) in expected {
        assert_eq!(bases[invoice], basis, "{invoice}");
    }
}
