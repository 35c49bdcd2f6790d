#!/usr/bin/env bash
# FA(3) folder benchmark: 100,000 generated FA(3) files, parsed and hashed by
# ksef-recon's own code (examples/fa3_scan.rs, the work `run` does per
# archive file) against `sha256sum` over the same files (hash only).
#
#   benches/fa3_folder.sh            # FILES=100000 RUNS=3 WORK=/tmp/ksef-bench
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
FILES="${FILES:-100000}"
RUNS="${RUNS:-3}"
WORK="${WORK:-/tmp/ksef-bench}"
target="${CARGO_TARGET_DIR:-$here/../target}/release"
(cd "$here/.." && cargo build --release --quiet --bin ksef-recon --example fa3_scan)
bundle="$WORK/fa3-$FILES"
if [[ ! -d "$bundle/archive" ]]; then
    rm -rf "$bundle"
    # Every invoice offline: one FA(3) file per invoice.
    "$target/ksef-recon" generate --invoices "$FILES" --offline-rate 1 --archive --out "$bundle"
fi
sync
for r in $(seq "$RUNS"); do
    echo "run $r, ksef-recon parse+hash: $("$target/examples/fa3_scan" "$bundle/archive")"
    start=$(date +%s.%N)
    find "$bundle/archive" -type f -print0 | xargs -0 -P "$(nproc)" -n 2000 sha256sum > /dev/null
    end=$(date +%s.%N)
    python3 - "$start" "$end" "$bundle/archive" "$FILES" <<'PY'
import os, sys
secs = float(sys.argv[2]) - float(sys.argv[1])
size = sum(e.stat().st_size for d, _, fs in os.walk(sys.argv[3]) for e in os.scandir(d) if e.is_file())
n = int(sys.argv[4])
print(f"run, sha256sum (xargs -P nproc): {n} files, {size/1e6:.1f} MB, {secs:.2f} s: {n/secs:.0f} files/s, {size/1e6/secs:.1f} MB/s")
PY
done
