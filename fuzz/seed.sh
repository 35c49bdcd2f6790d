#!/usr/bin/env bash
# Builds fuzz/corpus/<target>/ from the repository's fixtures: the official
# samples and the demo bundle, in each target's input format (see the
# target's doc comment). libFuzzer then grows the corpus in place.
set -euo pipefail
cd "$(dirname "$0")"
F=../fixtures
seed() { mkdir -p "corpus/$1"; }
for t in fa3 upo jpk ksef_json csv_ingest xlsx_ingest announcements; do seed "$t"; done
cp $F/samples/fa3/*.xml corpus/fa3/
cp $F/demo/archive/2026/*/*.xml corpus/fa3/
cp $F/samples/upo/*.xml $F/demo/ksef/upo/*.xml corpus/upo/ 2>/dev/null || cp $F/demo/ksef/upo/*.xml corpus/upo/
cp $F/samples/jpk/*.xml $F/demo/ledger/*.xml $F/real/jpk/*.xml corpus/jpk/
cp $F/demo/ksef/metadata/*.json corpus/ksef_json/

# Tabular inputs: [selector] recon.toml \0\0 file. Selector = index of the
# source in split_tabular (0 ledger, 1 offline_log, 2 decisions,
# 3 announcements, 4 ksef_metadata, 5 activity, 6 grants).
tabular() { # target selector toml file name
  { printf "\\x$(printf %02x "$2")"; cat "$3"; printf '\0\0'; cat "$4"; } > "corpus/$1/$5"
}
empty=$(mktemp); trap 'rm -f "$empty" "$polish" "$pl_csv"' EXIT
polish=$(mktemp); pl_csv=$(mktemp)
cat > "$polish" <<'TOML'
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
TOML
printf 'Numer faktury;Data wystawienia;NIP sprzedawcy;Brutto;Waluta\r\nFV/1;02.03.2026;5265877635;1 234,56;PLN\r\n"FV\n2";30.02.2026;5265877635;-0,5;pln\r\n' \
  | iconv -f utf-8 -t windows-1250 > "$pl_csv"
tabular csv_ingest 0 "$polish" "$pl_csv" ledger_polish
i=0
for pair in 0:ledger/sales_2026-04.csv 1:offline/log.csv 2:offline/decisions.csv \
            3:announcements/manual.csv 4:ksef/metadata/export_extra.csv \
            5:access/activity.csv 6:access/grants.csv; do
  tabular csv_ingest "${pair%%:*}" "$empty" "$F/demo/${pair#*:}" "demo_$i"; i=$((i+1))
done
tabular csv_ingest 0 $F/demo/recon.toml $F/demo/ledger/sales_2026-03.csv demo_toml
tabular xlsx_ingest 0 "$empty" $F/demo/ledger/manual_corrections.xlsx demo_ledger
tabular xlsx_ingest 0 "$polish" $F/demo/ledger/manual_corrections.xlsx polish_ledger
{ printf '\0'; cat $F/demo/announcements/status.json; } > corpus/announcements/status_json
{ printf '\1'; cat $F/demo/announcements/manual.csv; } > corpus/announcements/manual_csv
for t in corpus/*; do echo "$t: $(ls "$t" | wc -l) seeds"; done
