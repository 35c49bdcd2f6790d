#!/usr/bin/env bash
# Do two builds of ksef-recon write the same bytes? Runs each binary on the
# same bundles and compares every output file with `cmp` (run.json without
# its run_started_at line, the one field that may differ):
#   - the demo (fixtures/demo, as of 2026-04-10), with a register;
#   - a generated bundle of N invoices (default 1,000,000), as one run;
#   - the same bundle matched in 3 parts (KSEF_RECON_PARTITIONS=3), CSV and
#     Parquet;
#   - the demo's evidence pack for March 2026, byte for byte.
# Usage: benches/same_outputs.sh OLD_BINARY NEW_BINARY [INVOICES] [WORK_DIR]
# Exit 0 when every file is the same, 1 with the differing files named.
set -euo pipefail
old=$(realpath "$1"); new=$(realpath "$2"); n=${3:-1000000}
work=${4:-$(mktemp -d)}
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
bundle="$work/bundle-$n"
if [ ! -d "$bundle" ]; then
  "$new" generate --invoices "$n" --out "$bundle" --seed 7 >/dev/null 2>&1
fi
as_of=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["as_of"])' "$bundle/expected_counts.json")

run_all() { # BINARY SIDE
  local bin=$1 side=$2 d="$work/$2"
  rm -rf "$d"; mkdir -p "$d"
  "$bin" run --input "$root/fixtures/demo" --out "$d/demo" --as-of 2026-04-10 --quiet
  "$bin" run --input "$bundle" --out "$d/one" --as-of "$as_of" --quiet
  KSEF_RECON_PARTITIONS=3 "$bin" run --input "$bundle" --out "$d/parts" --as-of "$as_of" \
    --format csv,parquet --quiet
  "$bin" evidence --input "$root/fixtures/demo" --out "$d/pack.zip" --month 2026-03 \
    --as-of 2026-04-10 >/dev/null 2>&1
  find "$d" -name run.json -exec sed -i '/"run_started_at"/d' {} +
}
run_all "$old" old
run_all "$new" new
status=0
while IFS= read -r -d '' f; do
  rel=${f#"$work/old/"}
  if ! cmp -s "$f" "$work/new/$rel"; then
    echo "differs: $rel"; status=1
  fi
done < <(find "$work/old" -type f -print0 | sort -z)
if [ "$(cd "$work/old" && find . -type f | sort)" != "$(cd "$work/new" && find . -type f | sort)" ]; then
  echo "the two builds wrote different sets of files"; status=1
fi
[ $status = 0 ] && echo "same: $(find "$work/old" -type f | wc -l) files byte-identical ($work)"
exit $status
