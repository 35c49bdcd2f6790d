//! The Polish texts, in the words a Polish finance team uses for KSeF
//! (faktura, tryb offline24, niedostępność KSeF, tryb awaryjny, awaria
//! całkowita, termin przesłania, decyzja, UPO, numer KSeF, zaległe,
//! nabywca, sprzedawca, kwota brutto).

use super::texts::Texts;

pub const PL: Texts = Texts {
    pln: "{} zł",
    pln_approx: "≈ {}",
    pln_unconverted: "nieprzeliczone na zł (brak kursu NBP): {}",
    wb_pln_col: "≈ zł",
    statuses: [
        "przesłane w terminie",
        "przesłane po terminie",
        "termin nie minął",
        "niezweryfikowane",
        "zaległe",
        "nie wymagają przesłania",
    ],
    severities: ["wysoka", "średnia", "niska"],
    buckets: ["przed terminem", "1-2", "3-5", "6-10", "11-20", ">20"],
    bucket_bars: [
        "przed terminem",
        "1-2 dni",
        "3-5 dni",
        "6-10 dni",
        "11-20 dni",
        ">20 dni",
    ],
    modes: [
        "tryb offline24",
        "niedostępność KSeF",
        "tryb awaryjny",
        "awaria całkowita",
    ],
    all_offline: "wszystkie offline",

    html_lang: "pl",
    page_title: "Faktury offline w KSeF na dzień {}",
    heading: "Faktury offline w KSeF",
    as_of: "Stan na",
    fingerprint: "odcisk danych wejściowych",
    kpi_invoices: "Uzgodnione faktury",
    kpi_offline: "Wystawione offline",
    kpi_offline_value: "Kwota brutto faktur offline",
    kpi_open: "Nierozwiązane wyjątki",
    kpi_overdue: "Zaległe faktury offline",
    kpi_penalty: "Maksymalna kara (art. 106ni, od 2027 r.)*",
    kpi_penalty_note: "Faktury: {}. *{}.",
    status_heading: "Status przesłania do KSeF",
    status_offline_chart: "Faktury offline według statusu",
    status_all_chart: "Wszystkie faktury według statusu",
    decisions_heading: "Według decyzji",
    decisions_head: [
        "decyzja",
        "tryb",
        "okres",
        "odpowiedzialny",
        "zatwierdził",
        "faktury",
        "kwota brutto",
    ],
    decisions_statuses: [
        "w terminie",
        "po terminie",
        "termin nie minął",
        "niezweryf.",
        "zaległe",
        "nie wymagają",
    ],
    decisions_tail: ["kompletność %", "otwarte wyj."],
    still_on: "trwa",
    all_decisions: "wszystkie decyzje",
    unverified_note: "Faktury niezweryfikowane: {}. Nie znaleziono ich przesłania do KSeF, a wyciąg z KSeF nie dowodzi, że go nie było; kompletność % liczy je jako nieprzesłane.",
    without_decision_note: "Faktury offline bez decyzji albo z decyzją spoza pliku decyzji: {} (zob. MODE_OUTSIDE_DECISION).",
    modes_heading: "Faktury offline według trybu",
    modes_head: ["tryb", "faktury", "kwota brutto"],
    ageing_heading: "Nierozwiązane wyjątki i ich wiekowanie",
    ageing_intro: "Dni robocze po terminie przesłania (&bdquo;przed terminem&rdquo;: termin nie minął albo go nie ma).",
    ageing_chart: "Otwarte wyjątki według przedziału wiekowania",
    ageing_head: ["odpowiedzialny", "waluta"],
    ageing_tail: ["razem", "kwota brutto"],
    oldest_heading: "Najstarsze otwarte pozycje",
    oldest_head: [
        "kod",
        "waga",
        "faktura",
        "decyzja",
        "odpowiedzialny",
        "termin przesłania",
        "dni robocze po terminie",
        "brutto",
    ],
    oldest_print_note: "Wydruk: {} najstarszych z {} otwartych pozycji; wszystkie są w exceptions.csv i ageing.xlsx.",
    jpk_heading: "Deklaracje VAT (JPK_V7) do korekty",
    jpk_head: [
        "sprzedawca",
        "okres",
        "plik deklaracji",
        "sporządzony",
        "wiersze do zmiany",
    ],
    jpk_none: "Żadna deklaracja JPK_V7 nie wymaga korekty.",
    jpk_rows_note: "Wiersze do zmiany, z tym, co każdy ma zawierać, są w jpk_corrections.csv.",
    trend_heading: "Trend",
    trend_caption: "Otwarte wyjątki według wagi i zaległe faktury w kolejnych dniach uruchomienia (ostatnie {} uruchomień z rejestru)",
    trend_overdue: "zaległe faktury",
    trend_none: "Trendu jeszcze nie ma: rejestr nie zawiera danych żadnego uruchomienia.",
    trend_one: "Trendu jeszcze nie ma: rejestr zawiera dane jednego uruchomienia ({}); trend pojawi się po drugim.",
    footer: "Nierozwiązane to otwarte lub ponownie otwarte w rejestrze wyjątków (rozwiązane, zaakceptowane i wygaszone są w exceptions.csv ze swoim statusem). Statusy i terminy przesłania wynikają z przepisów o KSeF dla faktur w trybie offline24, w okresie niedostępności KSeF (offline), w trybie awaryjnym i w razie awarii całkowitej, liczone w polskich dniach roboczych. Szczegóły: exceptions.csv, reconciliation.csv, completeness.csv i ageing.xlsx obok tej strony; run.json wymienia każdy plik wejściowy z jego SHA-256.",
    penalty_note: "maksymalna kara ustawowa z art. 106ni ustawy o VAT (od 2027 r.); naczelnik urzędu skarbowego może ustalić niższą",
    scenario: "Scenariusz, nie stan faktyczny: każdy termin przesłania policzono tak, jakby {}. Rejestru wyjątków nie zaktualizowano.",
    scenario_end: "{} zakończył się {}",
    scenario_and: " i ",
    extract_none: "Nie podano wyciągu metadanych z KSeF: brak przesłania nie jest udowodniony",
    extract_complete: "Wyciąg z KSeF kompletny do {}",
    extract_empty: "Wyciąg z KSeF nie zawiera faktur ani ksef_extract_through: brak przesłania nie jest udowodniony",
    extract_incomplete: "Wyciąg z KSeF niekompletny, brak przesłania nie jest udowodniony: {}",

    wb_title: "Faktury offline w KSeF: wiekowanie i uzgodnienie",
    wb_subject: "stan na {}",
    wb_comment: "odcisk danych wejściowych {}",
    sheet_dashboard: "Pulpit",
    sheet_exceptions: "Wyjątki",
    sheet_ageing: "Wiekowanie",
    sheet_completeness: "Kompletność",
    sheet_decisions: "Decyzje",
    sheet_jpk: "JPK",
    sheet_reconciliation: "Uzgodnienie",
    note: "uwaga",
    reconciliation_left_out: "pominięte opcją --no-reconciliation-sheet",
    reconciliation_note: "Faktury: {} ({}); pełne uzgodnienie jest w pliku reconciliation.csv obok tego skoroszytu.",
    reconciliation_action: "Tu są tylko faktury wymagające działania (nieprzesłane w terminie, z terminem, który nie minął, niezweryfikowane lub z wyjątkiem): {} z {} faktur. Pozostałe ({}) pominięto; plik reconciliation.csv obok tego skoroszytu zawiera wszystkie faktury.",
    reconciliation_action_capped: "Tu są tylko faktury wymagające działania (nieprzesłane w terminie, z terminem, który nie minął, niezweryfikowane lub z wyjątkiem): pierwsze {} z {} wymagających działania, w kolejności pliku reconciliation.csv, spośród {} faktur. Pozostałe ({}) pominięto; plik reconciliation.csv obok tego skoroszytu zawiera wszystkie faktury, a exceptions.csv i arkusz Wyjątki wszystkie wyjątki.",
    wb_heading: "Faktury offline w KSeF: pulpit",
    wb_as_of: "Stan na",
    wb_fingerprint: "Odcisk danych wejściowych",
    wb_version: "Wersja ksef-recon",
    wb_invoices: "Uzgodnione faktury",
    wb_extract: "Wyciąg z KSeF",
    wb_penalty: "Maksymalna kara (art. 106ni, od 2027 r.), zł",
    wb_penalty_note: "Faktury: {}; {}",
    wb_modes_title: "Faktury offline według trybu (kwota brutto według waluty)",
    wb_mode: "tryb",
    wb_invoices_col: "faktury",
    wb_status_title: "Status przesłania do KSeF",
    wb_status_head: ["status", "wszystkie faktury", "faktury offline"],
    wb_statuses: [
        "przesłane w terminie",
        "przesłane po terminie",
        "termin nie minął",
        "niezweryfikowane",
        "zaległe",
        "nie wymagają przesłania",
    ],
    wb_severity_title: "Otwarte wyjątki według wagi",
    wb_severity_head: ["waga", "otwarte"],
    wb_all_open: "wszystkie otwarte",
    wb_ageing_title: "Wiekowanie otwartych wyjątków",
    wb_ageing_head: ["dni robocze po terminie", "otwarte"],
    wb_oldest_title: "Najstarsze otwarte pozycje",
    wb_penalty_title: "Maksymalna kara (art. 106ni, od 2027 r.) według odpowiedzialnego, zł",
    wb_penalty_head: ["odpowiedzialny", "faktury", "maks. kara (zł)"],
    wb_no_owner: "(brak odpowiedzialnego)",
    no_mode: "(brak)",
    wb_total: "razem",
    wb_status_chart: "Faktury offline według statusu przesłania",
    wb_ageing_chart: "Otwarte wyjątki według dni roboczych po terminie",
    wb_trend_title: "Trend: otwarte wyjątki według wagi i zaległe faktury w dniach uruchomienia",
    wb_trend_head: [
        "dzień uruchomienia",
        "wysoka",
        "średnia",
        "niska",
        "zaległe faktury",
    ],
    wb_trend_chart: "Otwarte wyjątki i zaległe faktury w dniach uruchomienia",
    ageing_key: "klucz",
    ageing_currency: "waluta",
    ageing_count: "liczba {}",
    ageing_count_total: "liczba razem",
    ageing_value: "kwota {}",
    ageing_value_total: "kwota razem",
    ageing_by_owner: "Otwarte wyjątki według odpowiedzialnego",
    ageing_by_mode: "Otwarte wyjątki według trybu",
    owner: "odpowiedzialny",
    mode: "tryb",
    fmt_date: "dd.mm.yyyy",
    fmt_datetime: "dd.mm.yyyy hh:mm",
    fmt_amount: "#,##0.00",
    fmt_pln: "#,##0.00\\ \"zł\"",
    columns: COLUMNS,

    x_invoice: "Faktura",
    x_decision: "Decyzja",
    x_finding: "Wyjątek",
    x_title: "{} {} (stan na {})",
    x_invoices_under: "\nFaktury wystawione w jej ramach ({}):",
    x_invoice_line: "  {}/{}  wystawiona {}  {}  termin przesłania {}",
    x_history: "\nHistoria tych wyjątków w rejestrze (wierszy: {}):",
    x_status: "\nStatus: {}",
    x_deadline: "Termin przesłania: {}",
    x_reconciliation: "\nUzgodnienie:",
    x_findings: "\nWyjątki ({}):",
    x_none: "  brak",
    x_detail: "szczegóły",
    x_inputs: "\nWiersze danych wejściowych (każdy z plikiem i numerem wiersza):",
    x_input_file: "\n  {} {} (wiersz {})",
    x_columns: COLUMNS,

    r_scope_decision: "decyzja {}: faktury wystawione w jej ramach",
    r_scope_month: "miesiąc {}: faktury offline i faktury online przesłane po dniu wystawienia, wystawione w {}",
    r_register: "
register/           wiersze rejestru wyjątków z tego zakresu (--state):
                    register.csv (status, pierwsze wykrycie, wygaszenie,
                    ponowne otwarcie, rozstrzygnięcie), history.csv (ich
                    wiersze historii bajt w bajt, każdy ze swoim skrótem) i
                    head.txt (skrót całej historii i sposób sprawdzenia
                    skrótu każdego wiersza).
",
    readme: README,
};

/// The Polish headers of the output columns (the data sheets, the
/// Dashboard's lists, `explain`'s page).
const COLUMNS: &[(&str, &str)] = &[
    ("exception_id", "identyfikator wyjątku"),
    ("entry", "pozycja"),
    ("corrects", "koryguje fakturę"),
    ("corrected_by", "korygowana fakturami"),
    ("period", "okres"),
    ("jpk_file", "plik JPK"),
    ("jpk_made_at", "data wytworzenia JPK"),
    ("rows_to_change", "wiersze do korekty"),
    ("marker_filed", "oznaczenie w JPK"),
    ("must_become", "powinno być"),
    ("ksef_numbered_at", "nadanie numeru KSeF"),
    ("code", "kod"),
    ("severity", "waga"),
    ("seller_nip", "NIP sprzedawcy"),
    ("buyer_nip", "NIP nabywcy"),
    ("invoice_number", "numer faktury"),
    ("ksef_number", "numer KSeF"),
    ("mode", "tryb"),
    ("decision_id", "decyzja"),
    ("user", "użytkownik"),
    ("owner", "odpowiedzialny"),
    ("deadline", "termin przesłania"),
    ("submitted_on", "data przesłania"),
    ("age_business_days", "dni robocze po terminie"),
    ("ageing_bucket", "przedział wiekowania"),
    ("gross_amount", "kwota brutto"),
    ("currency", "waluta"),
    ("detail", "szczegóły"),
    ("status", "status"),
    ("first_seen", "pierwsze wykrycie"),
    ("days_open", "dni otwarcia"),
    ("scope", "zakres"),
    ("scope_id", "identyfikator zakresu"),
    ("invoices", "faktury"),
    ("submitted_on_time", "przesłane w terminie"),
    ("submitted_late", "przesłane po terminie"),
    ("pending", "termin nie minął"),
    ("unverified", "niezweryfikowane"),
    ("overdue", "zaległe"),
    ("not_required", "nie wymagają przesłania"),
    ("completeness_pct", "kompletność %"),
    ("gross_by_currency", "kwota brutto według waluty"),
    ("issue_date", "data wystawienia"),
    ("in_ledger", "w rejestrze sprzedaży"),
    ("in_offline_log", "w ewidencji offline"),
    ("in_ksef", "w KSeF"),
    ("deadline_basis", "podstawa terminu"),
    ("max_penalty_pln", "maks. kara (zł)"),
    ("archive_file", "plik faktury (archiwum)"),
    ("archive_hash", "skrót faktury (archiwum)"),
    ("kod1_url", "link KOD I"),
    ("upo_file", "plik UPO"),
    ("started_at", "początek"),
    ("ended_at", "koniec"),
    ("declared_by", "ogłosił"),
    ("approved_by", "zatwierdził"),
    ("approved_at", "zatwierdzono"),
    ("closed_by", "zamknął"),
    ("closed_at", "zamknięto"),
    ("reason", "przyczyna"),
    ("announcement_id", "komunikat"),
    ("linked_event", "powiązane zdarzenie"),
    ("announcement_category", "kategoria komunikatu"),
    ("announcement_start", "początek wg komunikatu"),
    ("announcement_end", "koniec wg komunikatu"),
    ("period_end", "koniec okresu"),
];

const README: &str = "Pakiet dowodowy KSeF
====================

Zakres:  {}
Stan na: {} (przesłania do KSeF po tym dniu nie są liczone)
Program: ksef-recon {}
Dane:    odcisk {} (SHA-256 skrótów i ścieżek wszystkich plików wejściowych)

Czego dowodzi każdy plik
------------------------
decisions.csv       kto ogłosił, zatwierdził i zamknął każdy okres offline z
                    zakresu oraz komunikat MF (zdarzenie, kategoria, początek,
                    koniec), z którym jest powiązany; period_end wyznacza
                    terminy przesłania faktur.
reconciliation.csv  każda faktura z zakresu: gdzie ją znaleziono (rejestr
                    sprzedaży, ewidencja offline, KSeF), numer KSeF, data
                    przesłania, ustawowy termin przesłania, jak go wyznaczono
                    (deadline_basis) i status.
exceptions.csv      każdy wyjątek dotyczący tych faktur i decyzji, z wagą,
                    odpowiedzialnym i liczbą dni roboczych po terminie.
completeness.csv    liczby faktur według statusu i kwoty według waluty dla
                    zakresu oraz procent kompletności.
responsibility.csv  dla każdej decyzji: kto ją ogłosił, zatwierdził i
                    zamknął, kto wystawił faktury, zatwierdził wyjątki lub
                    zmienił dane podstawowe, użyte uprawnienia awaryjne i
                    ocena.
jpk_corrections.csv deklaracje VAT (JPK_V7) do korekty: dla miesiąca jego
                    deklaracja i wiersze do zmiany; dla decyzji wiersze jej
                    faktur (sam nagłówek, gdy nic nie trzeba korygować).
ageing.xlsx         to samo jako skoroszyt (arkusze Pulpit, Wyjątki,
                    Wiekowanie, Kompletność, Decyzje, JPK, Uzgodnienie).
input/              surowe pliki wejściowe dowodzące zakresu, bajt w bajt
                    jak w pakiecie danych: offline/decisions.*, każdy plik
                    announcements/, a dla każdej faktury z zakresu jej
                    zarchiwizowany plik FA(3) (archive/, dopasowany po NIP
                    sprzedawcy i P_2; jego SHA-256 to archive_hash z
                    reconciliation.csv i invoiceHash w KSeF) oraz UPO
                    (ksef/upo/), w którym KSeF potwierdził jej przyjęcie.
input/rows/         wiersze zakresu z każdego pliku rejestru sprzedaży,
                    ewidencji offline, metadanych KSeF, aktywności i
                    uprawnień, każdy z plikiem (_file) i numerem wiersza
                    (_line): rekordy CSV i obiekty JSON bajt w bajt, wiersze
                    JPK tak jak zapisane, skoroszyty i Parquet jako CSV pod
                    własnymi nazwami kolumn.
manifest.json       SHA-256 i rozmiar każdego z powyższych plików, wersja
                    programu, dzień stanu, zakres oraz SHA-256 każdego pliku
                    wejściowego zapisany przez uruchomienie (input_files).

Jak sprawdzić
-------------
1. ksef-recon verify-pack PACK.zip
   przelicza każdy SHA-256 z manifest.json; wskazuje każdy zmieniony,
   brakujący lub dodatkowy plik i kończy się kodem 1 albo wypisuje
   \"ok: N files verified\".
   Bez programu: policz sha256sum każdego pliku i porównaj z manifest.json.
2. Dla każdego pliku w input/ poza input/rows/ jego SHA-256 musi też być
   równy wpisowi input_files o tej samej ścieżce: pakiet zawiera dokładnie
   te bajty, które odczytało uruchomienie. Dla wiersza w input/rows/ plik,
   który wskazuje, ma swój SHA-256 w input_files; jego wiersz _line to ten
   wiersz.
3. Ponowne `ksef-recon evidence` z tym samym pakietem danych, zakresem i
   --as-of daje identyczny bajt w bajt plik zip.

Komórki tekstowe zaczynające się od =, +, -, @, tabulatora lub CR mają
przedrostek ', aby żaden arkusz kalkulacyjny ich nie wykonał.
";
