#!/usr/bin/env bash
# Builds every fuzz target and runs each for SECONDS (default 30), one after
# another, growing fuzz/corpus/<target>/ (seeded by seed.sh when empty).
# Stops at the first crash, leaving its input in fuzz/artifacts/<target>/.
# Usage: fuzz/run.sh [SECONDS] [TARGET...]   (docs/fuzzing.md)
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-30}"; shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(fa3 upo jpk ksef_json csv_ingest xlsx_ingest announcements)
# Stable toolchain: cargo-fuzz passes -Zsanitizer=address and other nightly
# flags, which stable rustc accepts under RUSTC_BOOTSTRAP=1.
export RUSTC_BOOTSTRAP=1
export CARGO_TARGET_DIR="${KSEF_FUZZ_TARGET_DIR:-$HOME/.cache/ksef-recon-fuzz}"
[ -d corpus/fa3 ] || ./seed.sh
cargo fuzz build -O
for t in "${targets[@]}"; do
  dict=()
  case "$t" in fa3|upo|jpk) dict=(-dict=xml.dict) ;; esac
  echo "==> fuzz $t for ${seconds}s"
  log="$(mktemp)"
  if ! cargo fuzz run -O "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -max_len=262144 -print_final_stats=1 "${dict[@]}" > "$log" 2>&1; then
    tail -60 "$log"
    echo "fuzz target $t failed: see fuzz/artifacts/$t/"
    exit 1
  fi
  # libFuzzer's progress lines are noise here; keep the start, end and stats.
  grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::' "$log" || true
  rm -f "$log"
done
