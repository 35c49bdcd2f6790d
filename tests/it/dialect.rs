//! Real ERP exports: semicolons, decimal commas, thousands spaces,
//! Windows-1250 and Polish column names, mapped by `recon.toml`, reconcile
//! exactly like their UTF-8 twin.

use crate::support::{Bundle, run};

const KSEF: &str = "ksef_number,invoice_number,seller_nip,issue_date,invoicing_date,gross_amount,currency\n\
5265877635-20250826-0100001AF629-AF,FV/ŁÓDŹ/1,5265877635,2026-03-02,2026-03-02T10:00:00+01:00,1234.56,PLN\n";

fn twin(ledger: &[u8], toml: &str) -> Bundle {
    Bundle::new()
        .file("ledger/sales.csv", ledger)
        .file("ksef/metadata/k.csv", KSEF)
        .file("recon.toml", toml)
}

#[test]
fn windows_1250_semicolon_decimal_comma_reconciles_like_utf8() {
    let utf8 = twin(
        "invoice_number,issue_date,seller_nip,gross_amount,currency,buyer_id\n\
FV/ŁÓDŹ/1,2026-03-02,5265877635,1234.56,PLN,Zażółć gęślą jaźń\n\
FV/ŁÓDŹ/2,2026-03-03,5265877635,1000000.00,PLN,Spółka z o.o.\n"
            .as_bytes(),
        "sellers = [\"5265877635\"]\n",
    );
    let polish_text = "Numer faktury;Data wystawienia;NIP sprzedawcy;Brutto;Waluta;Nabywca\r\n\
FV/ŁÓDŹ/1;02.03.2026;5265877635;1 234,56;PLN;Zażółć gęślą jaźń\r\n\
FV/ŁÓDŹ/2;03.03.2026;5265877635;1\u{a0}000\u{a0}000,00;PLN;Spółka z o.o.\r\n";
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1250.encode(polish_text);
    assert!(!unmappable);
    assert_ne!(
        bytes.as_ref(),
        polish_text.as_bytes(),
        "the file really is Windows-1250"
    );
    let cp1250 = twin(
        &bytes,
        r#"sellers = ["5265877635"]
[sources.ledger]
delimiter = ";"
decimal = ","
encoding = "windows-1250"
date_format = "%d.%m.%Y"
[sources.ledger.columns]
invoice_number = "Numer faktury"
issue_date = "Data wystawienia"
seller_nip = "NIP sprzedawcy"
gross_amount = "Brutto"
currency = "Waluta"
buyer_id = "Nabywca"
"#,
    );
    let a = run(utf8.path(), "2026-04-10", &[]);
    let b = run(cp1250.path(), "2026-04-10", &[]);
    assert_eq!(a.status, 0, "{}", a.stderr);
    assert_eq!(b.status, 0, "{}", b.stderr);
    assert_eq!(b.text("rejected.csv"), "source,file,line,reason\n");
    assert_eq!(a.text("reconciliation.csv"), b.text("reconciliation.csv"));
    assert_eq!(a.text("exceptions.csv"), b.text("exceptions.csv"));
    let rows = b.rows("reconciliation.csv");
    assert_eq!(rows[0]["invoice_number"], "FV/ŁÓDŹ/1");
    assert_eq!(rows[1]["gross_amount"], "1000000.00");
}

#[test]
fn bytes_invalid_in_the_encoding_reject_the_file_with_its_line() {
    let b = Bundle::new().file(
        "ledger/sales.csv",
        b"invoice_number,issue_date,seller_nip,gross_amount,currency\nFV/1,2026-03-02,5265877635,1.00,PLN\nFV/\xB3,2026-03-02,5265877635,1.00,PLN\n".as_slice(),
    );
    let r = run(b.path(), "2026-04-10", &[]);
    assert_eq!(r.status, 1);
    assert!(
        r.stderr.contains("line 3") && r.stderr.contains("UTF-8"),
        "{}",
        r.stderr
    );
}
