#!/usr/bin/env bash
# End-to-end benchmark: generate bundles, time `ksef-recon run` and the DuckDB
# reference (benches/reference/) on the same files, report medians.
#
#   benches/e2e.sh                 # 1M and 10M invoices, 3 runs each
#   SIZES="1000000" RUNS=5 benches/e2e.sh
#   SIZES="50000000" RUNS=1 benches/e2e.sh   # needs ~20 GiB free RAM and ~25 GB disk
#
# Environment: WORK (bundles and outputs, default /tmp/ksef-bench), BIN (the
# ksef-recon binary; default: cargo build --release), DUCKDB=0 to skip the
# reference (it needs `pip install duckdb`). Output: one line per run and a
# summary table (median wall time, rows/s, peak RSS) on stdout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
SIZES="${SIZES:-1000000 10000000}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/ksef-bench}"
DUCKDB="${DUCKDB:-1}"
mkdir -p "$WORK"

if [[ -z "${BIN:-}" ]]; then
    (cd "$here/.." && cargo build --release --quiet)
    BIN="${CARGO_TARGET_DIR:-$here/../target}/release/ksef-recon"
fi

# Runs a command under /usr/bin/time -v; prints "wall_seconds peak_rss_kib".
timed() {
    local log
    log="$(mktemp)"
    /usr/bin/time -v "$@" >/dev/null 2>"$log" || { cat "$log" >&2; rm -f "$log"; return 1; }
    python3 - "$log" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
w = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
secs = 0.0
for part in w.split(":"):
    secs = secs * 60 + float(part)
rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)
print(f"{secs:.2f} {rss}")
PY
    rm -f "$log"
}

median() { python3 -c 'import sys,statistics; print(statistics.median(float(x) for x in sys.argv[1:]))' "$@"; }

summary=()
for n in $SIZES; do
    bundle="$WORK/bundle-$n"
    if [[ ! -f "$bundle/expected_counts.json" ]]; then
        rm -rf "$bundle"
        read -r gen_s gen_rss < <(timed "$BIN" generate --invoices "$n" --out "$bundle" --seed 1)
        echo "generate n=$n: ${gen_s}s, peak RSS $((gen_rss / 1024)) MiB"
    fi
    as_of="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' "$bundle/expected_counts.json")"
    rows="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["rows"]; print(r["ledger"]+r["ksef_metadata"]+r["offline_log"])' "$bundle/expected_counts.json")"
    ours=(); ours_rss=(); ref=(); ref_rss=()
    for r in $(seq "$RUNS"); do
        # A fresh exception register each run: a register left by an
        # earlier run (of this or another bundle) is read and merged, which
        # the reference does not do and which grows from run to run.
        rm -rf "$WORK/state-$n"
        read -r s rss < <(timed "$BIN" run --input "$bundle" --out "$WORK/out-$n" --state "$WORK/state-$n" --as-of "$as_of" --quiet --no-reconciliation-sheet)
        echo "ksef-recon n=$n run $r: ${s}s, peak RSS $((rss / 1024)) MiB"
        ours+=("$s"); ours_rss+=("$rss")
        if [[ "$DUCKDB" == 1 ]]; then
            read -r s rss < <(timed python3 "$here/reference/run.py" "$bundle" "$WORK/ref-$n" --as-of "$as_of")
            echo "duckdb     n=$n run $r: ${s}s, peak RSS $((rss / 1024)) MiB"
            ref+=("$s"); ref_rss+=("$rss")
        fi
    done
    m="$(median "${ours[@]}")"
    line="n=$n rows=$rows ksef-recon median ${m}s ($(python3 -c "print(int($rows/$m))") rows/s), max RSS $(( $(printf '%s\n' "${ours_rss[@]}" | sort -n | tail -1) / 1024 )) MiB"
    if [[ "$DUCKDB" == 1 ]]; then
        d="$(median "${ref[@]}")"
        line="$line; duckdb median ${d}s, max RSS $(( $(printf '%s\n' "${ref_rss[@]}" | sort -n | tail -1) / 1024 )) MiB; ratio ours/duckdb $(python3 -c "print(round($m/$d, 2))")"
        python3 "$here/reference/run.py" "$bundle" "$WORK/ref-$n" --as-of "$as_of" > "$WORK/ref-$n/counts.json"
        python3 - "$bundle/expected_counts.json" "$WORK/out-$n/run.json" "$WORK/ref-$n/counts.json" <<'PY'
import json, sys
exp = json.load(open(sys.argv[1]))["counts_by_code"]
ours = json.load(open(sys.argv[2]))["counts_by_code"]
ref = json.load(open(sys.argv[3]))
for code in sorted(ref):
    flag = "ok" if ours.get(code) == ref[code] == exp.get(code, 0) else "DIFFERENT"
    print(f"  {code}: expected {exp.get(code, 0)}, ksef-recon {ours.get(code)}, duckdb {ref[code]} {flag}")
PY
    fi
    summary+=("$line")
done
echo
printf '%s\n' "${summary[@]}"
