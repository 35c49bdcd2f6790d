#!/usr/bin/env bash
# Ledger load benchmark: the same generated invoices as one CSV ledger and as
# JPK_V7M(3) registers (`generate --jpk`: one return per month, some months
# with a correction), each bundle's ledger/ folder alone, loaded by `run`.
# The figure is the stage "loading the bundle" (reading, hashing, parsing
# and checking every row into the ledger table), from `KSEF_RECON_LOG=debug`;
# the two bundles are run in turn, RUNS times, and the medians compared as
# rows per second and bytes per second.
#
#   benches/ledger_load.sh          # INVOICES=1000000 RUNS=7 WORK=/tmp/ksef-bench
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
INVOICES="${INVOICES:-1000000}"
RUNS="${RUNS:-7}"
WORK="${WORK:-/tmp/ksef-bench}"
if [[ -z "${BIN:-}" ]]; then
    (cd "$here/.." && cargo build --release --quiet)
    BIN="${CARGO_TARGET_DIR:-$here/../target}/release/ksef-recon"
fi

# A bundle of the generator's ledger folder alone.
ledger_only() {
    local name="$1"; shift
    local full="$WORK/load-$name-full" only="$WORK/load-$name"
    if [[ ! -d "$only/ledger" ]]; then
        rm -rf "$full" "$only"
        "$BIN" generate --invoices "$INVOICES" --seed 7 "$@" --out "$full" >/dev/null 2>&1
        mkdir -p "$only"
        mv "$full/ledger" "$only/ledger"
        rm -rf "$full"
    fi
    echo "$only"
}

csv="$(ledger_only csv)"
jpk="$(ledger_only jpk --jpk)"

# Seconds of the load stage and the ledger rows read, of one run.
load() {
    local log
    log="$(KSEF_RECON_LOG=debug "$BIN" run --input "$1" --out "$WORK/load-out" \
        --as-of 2025-12-31 --no-reconciliation-sheet 2>&1)"
    local secs rows
    secs="$(sed -n 's/.*stage="loading the bundle" seconds="\([0-9.]*\)".*/\1/p' <<<"$log")"
    rows="$(python3 -c 'import json,sys; print(sum(f["rows_read"] for f in json.load(open(sys.argv[1]))["files"] if f["source"] == "ledger"))' "$WORK/load-out/run.json")"
    echo "$secs $rows"
}

declare -a csv_s jpk_s
for r in $(seq "$RUNS"); do
    read -r s csv_rows < <(load "$csv"); csv_s+=("$s")
    read -r s jpk_rows < <(load "$jpk"); jpk_s+=("$s")
    echo "run $r: csv ${csv_s[-1]} s, jpk ${jpk_s[-1]} s"
done
python3 - "$csv_rows" "$jpk_rows" "$(du -sb "$csv/ledger" | cut -f1)" "$(du -sb "$jpk/ledger" | cut -f1)" \
    "${csv_s[*]}" "${jpk_s[*]}" <<'PY'
import statistics, sys
csv_rows, jpk_rows, csv_bytes, jpk_bytes = map(int, sys.argv[1:5])
csv = [float(x) for x in sys.argv[5].split()]
jpk = [float(x) for x in sys.argv[6].split()]
for name, rows, size, secs in (("csv", csv_rows, csv_bytes, csv), ("jpk", jpk_rows, jpk_bytes, jpk)):
    m = statistics.median(secs)
    print(f"{name}: {rows:,} rows, {size / 1e6:.0f} MB: median {m:.2f} s ({min(secs):.2f}-{max(secs):.2f}), "
          f"{rows / m / 1e6:.2f}M rows/s, {size / m / 1e6:.0f} MB/s")
ratio = (jpk_rows / statistics.median(jpk)) / (csv_rows / statistics.median(csv))
print(f"JPK rows/s over CSV rows/s: {ratio:.2f}")
PY
