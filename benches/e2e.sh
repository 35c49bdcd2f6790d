#!/usr/bin/env bash
# End-to-end benchmark: generate bundles, time `ksef-recon run` and the DuckDB
# references (benches/reference/: the full script reference.sql and the lean
# two-CSV script lean.sql) on the same files, report medians and ratios.
#
#   benches/e2e.sh                 # 1M and 10M invoices, 3 runs each
#   SIZES="1000000" RUNS=5 benches/e2e.sh
#   SHAPE=lean SIZES="1000000" benches/e2e.sh   # `generate --shape lean` bundles
#   SHEET=1 FLOOR=1 SHAPE=lean benches/e2e.sh   # also the default run and the floor
#   SIZES="50000000" RUNS=1 benches/e2e.sh   # needs ~20 GiB free RAM and ~25 GB disk
#
# Environment: WORK (bundles and outputs, default /tmp/ksef-bench), BIN (the
# ksef-recon binary; default: cargo build --release), SHAPE (full, the
# default, or lean: the bundle `ksef-recon generate --shape` writes),
# DUCKDB=0 to skip the references (they need `pip install duckdb`), SHEET=1
# to time the default run too (with the workbook's Reconciliation sheet),
# FLOOR=1 to time DuckDB reading and parsing the ledger and KSeF CSVs alone
# and writing N rows (benches/reference/floor.py). Each round runs every
# command once, in turn. Output: one line per run, the exception counts of
# ksef-recon (its exceptions.csv), the generator and the scripts (the lean
# script's are compared on lean bundles only: it reads no offline source nor
# the API pages), and a summary (median wall time, rows/s, peak RSS, ratios
# ksef-recon / script) on stdout.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
SIZES="${SIZES:-1000000 10000000}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/ksef-bench}"
SHAPE="${SHAPE:-full}"
DUCKDB="${DUCKDB:-1}"
SHEET="${SHEET:-0}"
FLOOR="${FLOOR:-0}"
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

median() { python3 -c 'import sys,statistics; print(round(statistics.median(float(x) for x in sys.argv[1:]), 2))' "$@"; }

summary=()
for n in $SIZES; do
    if [[ "$SHAPE" == lean ]]; then
        bundle="$WORK/lean-$n"; gen=(--shape lean)
    else
        bundle="$WORK/bundle-$n"; gen=()
    fi
    if [[ ! -f "$bundle/expected_counts.json" ]]; then
        rm -rf "$bundle"
        read -r gen_s gen_rss < <(timed "$BIN" generate "${gen[@]}" --invoices "$n" --out "$bundle" --seed 1)
        echo "generate $SHAPE n=$n: ${gen_s}s, peak RSS $((gen_rss / 1024)) MiB"
    fi
    as_of="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' "$bundle/expected_counts.json")"
    rows="$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["rows"]; print(r["ledger"]+r["ksef_metadata"]+r["offline_log"])' "$bundle/expected_counts.json")"
    # name|command; the first is ksef-recon, the one the ratios divide.
    # A fresh exception register each run: a register left by an earlier
    # run (of this or another bundle) is read and merged, which the
    # references do not do and which grows from run to run.
    jobs=("ksef-recon|$BIN run --input $bundle --out $WORK/out-$n --state $WORK/state-$n --as-of $as_of --quiet --no-reconciliation-sheet")
    if [[ "$SHEET" == 1 ]]; then
        jobs+=("ksef-recon+sheet|$BIN run --input $bundle --out $WORK/out-sheet-$n --state $WORK/state-sheet-$n --as-of $as_of --quiet")
    fi
    if [[ "$DUCKDB" == 1 ]]; then
        jobs+=("duckdb-full|python3 $here/reference/run.py $bundle $WORK/ref-$n --as-of $as_of")
        jobs+=("duckdb-lean|python3 $here/reference/run.py $bundle $WORK/lean-ref-$n --as-of $as_of --lean")
    fi
    if [[ "$FLOOR" == 1 ]]; then
        jobs+=("floor-read|python3 $here/reference/floor.py read $bundle")
        jobs+=("floor-write|python3 $here/reference/floor.py write $WORK/floor-$n $n")
    fi
    declare -A secs=() peak=()
    for r in $(seq "$RUNS"); do
        for job in "${jobs[@]}"; do
            name="${job%%|*}"
            rm -rf "$WORK/state-$n" "$WORK/state-sheet-$n"
            # shellcheck disable=SC2086
            read -r s rss < <(timed ${job#*|})
            printf '%-16s n=%s run %s: %ss, peak RSS %s MiB\n' "$name" "$n" "$r" "$s" "$((rss / 1024))"
            secs[$name]="${secs[$name]:-} $s"
            peak[$name]="$(( rss > ${peak[$name]:-0} ? rss : ${peak[$name]:-0} ))"
        done
    done
    # shellcheck disable=SC2086
    m="$(median ${secs[ksef-recon]})"
    line="$SHAPE n=$n rows=$rows"
    for job in "${jobs[@]}"; do
        name="${job%%|*}"
        # shellcheck disable=SC2086
        d="$(median ${secs[$name]})"
        line="$line
  $(printf '%-16s' "$name") median ${d}s ($(python3 -c "print(int($rows/$d))") rows/s), max RSS $(( peak[$name] / 1024 )) MiB"
        if [[ "$name" != ksef-recon* ]]; then
            line="$line; ksef-recon/$name $(python3 -c "print(round($m/$d, 2))")"
        fi
    done
    unset secs peak
    if [[ "$DUCKDB" == 1 ]]; then
        python3 "$here/reference/run.py" "$bundle" "$WORK/ref-$n" --as-of "$as_of" > "$WORK/ref-$n/counts.json"
        python3 "$here/reference/run.py" "$bundle" "$WORK/lean-ref-$n" --as-of "$as_of" --lean > "$WORK/lean-ref-$n/counts.json"
        python3 - "$bundle/expected_counts.json" "$WORK/out-$n" "$WORK/ref-$n" "$WORK/lean-ref-$n" "$SHAPE" <<'PY'
import collections, csv, json, sys
exp = json.load(open(sys.argv[1]))["counts_by_code"]
def rows(path):
    with open(path, newline="") as f:
        return [(r["code"], r["seller_nip"], r["invoice_number"]) for r in csv.DictReader(f)]
ours_rows = rows(sys.argv[2] + "/exceptions.csv")
ours = collections.Counter(code for code, _, _ in ours_rows)
full = json.load(open(sys.argv[3] + "/counts.json"))
lean = json.load(open(sys.argv[4] + "/counts.json"))
compare_lean = sys.argv[5] == "lean"
for code in sorted(set(full) | set(lean)):
    seen = [exp.get(code, 0), ours.get(code, 0)]
    if code in full:
        seen.append(full[code])
    if compare_lean:
        seen.append(lean[code])
    flag = "ok" if len(set(seen)) == 1 else "DIFFERENT"
    print(f"  {code}: expected {exp.get(code, 0)}, ksef-recon {ours.get(code, 0)}, "
          f"full script {full.get(code, '-')}, lean script {lean.get(code, '-')}"
          f"{'' if compare_lean else ' (not compared: the lean script reads no offline source)'} {flag}")
if compare_lean:
    theirs = set(rows(sys.argv[4] + "/exceptions.csv"))
    mine = set(r for r in ours_rows if r[0] in lean)
    print(f"  exceptions by (code, seller, number): {len(mine & theirs)} in both, "
          f"{len(mine - theirs)} only ksef-recon, {len(theirs - mine)} only the lean script")
PY
    fi
    summary+=("$line")
done
echo
printf '%s\n' "${summary[@]}"
