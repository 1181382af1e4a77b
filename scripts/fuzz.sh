#!/usr/bin/env bash
# Runs every cargo-fuzz target (fuzz/fuzz_targets: one per decoder of outside bytes) for SECONDS each, two at a
# time, and fails if any finds a crash, a hang or a leak (the input is kept under fuzz/artifacts/TARGET).
# The machine's stable toolchain builds the sanitizer flags with RUSTC_BOOTSTRAP=1; cargo-fuzz is installed from
# crates.io when missing. Usage: scripts/fuzz.sh [SECONDS] (default 60).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
cargo fuzz build -O
logs=$(mktemp -d)
targets=$(cargo fuzz list)
# Each target grows its own corpus under fuzz/corpus (not committed), starting from fuzz/seeds/TARGET if any.
for t in $targets; do mkdir -p "fuzz/corpus/$t" "fuzz/seeds/$t"; done
# record_read also reads on worker threads it spawns per input: LeakSanitizer counts the standard library's
# per-thread bookkeeping of those (joined) threads as leaks, so leak detection is off for that target alone.
echo "$targets" | xargs -P 2 -I{} sh -c \
  "case {} in record_read) leaks=ASAN_OPTIONS=detect_leaks=0 ;; *) leaks= ;; esac; env \$leaks cargo fuzz run -O {} fuzz/corpus/{} fuzz/seeds/{} -- -max_total_time=$seconds -rss_limit_mb=2048 >$logs/{}.log 2>&1 && echo ok >$logs/{}.rc || echo failed >$logs/{}.rc"
failed=0
for t in $targets; do
  runs=$(grep -o 'Done [0-9]* runs' "$logs/$t.log" | tail -1 || true)
  printf '%-16s %s (%s)\n' "$t" "$(cat "$logs/$t.rc")" "${runs:-no summary}"
  if [ "$(cat "$logs/$t.rc")" != ok ]; then
    failed=1
    tail -30 "$logs/$t.log"
  fi
done
exit $failed
