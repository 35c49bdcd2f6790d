//! The XML documents of a generated bundle: FA(3) invoices as issued
//! offline (their SHA-256 is the invoice hash everywhere else) and UPO v4-3
//! receipts, one file per submission day.

use chrono::{Datelike, NaiveDate};

use super::dates::ymd;
use super::plan::{InvoicePlan, SELLER};
use crate::contract::format_amount;

/// A minimal but complete FA(3) invoice with one line.
pub fn fa3(p: &InvoicePlan, number: &str) -> Vec<u8> {
    let issue = ymd(p.issue_date);
    let net = format_amount(p.net);
    let vat = format_amount(p.vat);
    let gross = format_amount(p.gross());
    let buyer = p.buyer;
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Faktura xmlns:etd="http://crd.gov.pl/xml/schematy/dziedzinowe/mf/2022/01/05/eD/DefinicjeTypy/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://crd.gov.pl/wzor/2025/06/25/13775/">
	<Naglowek>
		<KodFormularza kodSystemowy="FA (3)" wersjaSchemy="1-0E">FA</KodFormularza>
		<WariantFormularza>3</WariantFormularza>
		<DataWytworzeniaFa>{issue}T08:00:00Z</DataWytworzeniaFa>
		<SystemInfo>ksef-recon generate</SystemInfo>
	</Naglowek>
	<Podmiot1>
		<DaneIdentyfikacyjne>
			<NIP>{SELLER}</NIP>
			<Nazwa>Synthetic Seller Sp. z o.o.</Nazwa>
		</DaneIdentyfikacyjne>
		<Adres>
			<KodKraju>PL</KodKraju>
			<AdresL1>ul. Testowa 1</AdresL1>
			<AdresL2>00-001 Warszawa</AdresL2>
		</Adres>
	</Podmiot1>
	<Podmiot2>
		<DaneIdentyfikacyjne>
			<NIP>{buyer}</NIP>
			<Nazwa>Buyer {buyer}</Nazwa>
		</DaneIdentyfikacyjne>
		<JST>2</JST>
		<GV>2</GV>
	</Podmiot2>
	<Fa>
		<KodWaluty>{currency}</KodWaluty>
		<P_1>{issue}</P_1>
		<P_2>{number}</P_2>
		<P_13_1>{net}</P_13_1>
		<P_14_1>{vat}</P_14_1>
		<P_15>{gross}</P_15>
		<Adnotacje>
			<P_16>2</P_16>
			<P_17>2</P_17>
			<P_18>2</P_18>
			<P_18A>2</P_18A>
			<Zwolnienie>
				<P_19N>1</P_19N>
			</Zwolnienie>
			<NoweSrodkiTransportu>
				<P_22N>1</P_22N>
			</NoweSrodkiTransportu>
			<P_23>2</P_23>
			<PMarzy>
				<P_PMarzyN>1</P_PMarzyN>
			</PMarzy>
		</Adnotacje>
		<RodzajFaktury>VAT</RodzajFaktury>
		<FaWiersz>
			<NrWierszaFa>1</NrWierszaFa>
			<P_7>towar {index}</P_7>
			<P_8A>szt.</P_8A>
			<P_8B>1</P_8B>
			<P_9A>{net}</P_9A>
			<P_11>{net}</P_11>
			<P_12>23</P_12>
		</FaWiersz>
	</Fa>
</Faktura>
"#,
        currency = p.currency,
        index = p.index,
    )
    .into_bytes()
}

/// An FA(3) correction (`RodzajFaktury` KOR) numbered `number` of the
/// invoice `original` issued on `original_issue`, citing its KSeF number;
/// `p` holds the correction's own date and amounts.
pub fn fa3_correction(
    p: &InvoicePlan,
    number: &str,
    original: &str,
    original_issue: &str,
    original_ksef: &str,
) -> Vec<u8> {
    let text = String::from_utf8(fa3(p, number)).unwrap_or_default();
    text.replacen(
        "<RodzajFaktury>VAT</RodzajFaktury>",
        &format!(
            "<RodzajFaktury>KOR</RodzajFaktury>
		<PrzyczynaKorekty>zwrot towaru</PrzyczynaKorekty>
		<TypKorekty>1</TypKorekty>
		<DaneFaKorygowanej>
			<DataWystFaKorygowanej>{original_issue}</DataWystFaKorygowanej>
			<NrFaKorygowanej>{original}</NrFaKorygowanej>
			<NrKSeF>1</NrKSeF>
			<NrKSeFFaKorygowanej>{original_ksef}</NrKSeFFaKorygowanej>
		</DaneFaKorygowanej>"
        ),
        1,
    )
    .into_bytes()
}

/// The values of one UPO `Dokument`.
pub struct UpoFields<'a> {
    pub ksef_number: &'a str,
    pub number: &'a str,
    pub issue: &'a str,
    pub submitted: &'a str,
    pub assigned: &'a str,
    pub hash: &'a str,
}

pub fn upo_document(f: &UpoFields<'_>) -> String {
    format!(
        "\t<Dokument>\n\t\t<NipSprzedawcy>{SELLER}</NipSprzedawcy>\n\t\t<NumerKSeFDokumentu>{}</NumerKSeFDokumentu>\n\t\t<NumerFaktury>{}</NumerFaktury>\n\t\t<DataWystawieniaFaktury>{}</DataWystawieniaFaktury>\n\t\t<DataPrzeslaniaDokumentu>{}</DataPrzeslaniaDokumentu>\n\t\t<DataNadaniaNumeruKSeF>{}</DataNadaniaNumeruKSeF>\n\t\t<SkrotDokumentu>{}</SkrotDokumentu>\n\t\t<TrybWysylki>Offline</TrybWysylki>\n\t</Dokument>\n",
        f.ksef_number, f.number, f.issue, f.submitted, f.assigned, f.hash
    )
}

/// The receiving party production KSeF names on its receipts, and the one
/// its test environment names (whose receipts prove no submission).
const PRODUCTION: &str = "Ministerstwo Finansów";
const TEST_ENVIRONMENT: &str = "Ministerstwo Finansów - środowisko testowe (TE)";

/// A UPO v4-3 receipt holding the day's documents, issued by production
/// KSeF or, when `from_test`, by its test environment.
pub fn upo_file(day: NaiveDate, documents: &[u8], from_test: bool) -> Vec<u8> {
    let receiver = if from_test {
        TEST_ENVIRONMENT
    } else {
        PRODUCTION
    };
    let count = documents
        .windows(11)
        .filter(|w| w == b"<Dokument>\n")
        .count();
    let mut out = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Potwierdzenie xmlns="http://upo.schematy.mf.gov.pl/KSeF/v4-3">
	<NazwaPodmiotuPrzyjmujacego>{receiver}</NazwaPodmiotuPrzyjmujacego>
	<NumerReferencyjnySesji>{:04}{:02}{:02}-SO-0000000000-0000000000-00</NumerReferencyjnySesji>
	<Uwierzytelnienie>
		<IdKontekstu>
			<Nip>{SELLER}</Nip>
		</IdKontekstu>
		<SkrotDokumentuUwierzytelniajacego>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</SkrotDokumentuUwierzytelniajacego>
	</Uwierzytelnienie>
	<OpisPotwierdzenia>
		<Strona>1</Strona>
		<LiczbaStron>1</LiczbaStron>
		<ZakresDokumentowOd>1</ZakresDokumentowOd>
		<ZakresDokumentowDo>{count}</ZakresDokumentowDo>
		<CalkowitaLiczbaDokumentow>{count}</CalkowitaLiczbaDokumentow>
	</OpisPotwierdzenia>
	<NazwaStrukturyLogicznej>Schemat_FA(3)_v1-0E.xsd</NazwaStrukturyLogicznej>
	<KodFormularza>FA (3)</KodFormularza>
"#,
        day.year(),
        day.month(),
        day.day()
    )
    .into_bytes();
    out.extend_from_slice(documents);
    out.extend_from_slice(b"</Potwierdzenie>\n");
    out
}
