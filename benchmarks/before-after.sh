#!/usr/bin/env bash
# The same durable-submission measurement (64 connections, benchmarks/bench.py --submissions) for
# earlier commits and the working tree in one run, each build with its own Forms/ and Templates/:
# e.g. the commit before the target split of issue #18 (022d687), the split itself (bf6b10c), the
# code before a refactor, and now. Rounds rotate the order so drift and noise spread over all
# builds; the table shows the median of the rounds and the difference to the first REV.
#   benchmarks/before-after.sh [REV…] (default 022d687)   BENCH_ROUNDS (4), BENCH_SECONDS (10)
# Each REV is checked out and built (release) under .build-before/REV (ignored by git); a binary
# already built there is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 0 ] && set -- 022d687
scripts/setup.sh
. benchmarks/common.sh
need_apt wrk wrk
for rev in "$@"; do build_rev "$rev" >/dev/null; done
swift build -c release --product intake
builds=("$@" now)
rounds="${BENCH_ROUNDS:-4}"
export BENCH_SECONDS="${BENCH_SECONDS:-10}"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "## before/after — $(date -u '+%Y-%m-%d %H:%M UTC'): $* and now ($(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes')), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
count=${#builds[@]}
for ((round = 0; round < rounds; round++)); do
  for ((i = 0; i < count; i++)); do
    build="${builds[$(((i + round) % count))]}"
    if [ "$build" = now ]; then
      python3 benchmarks/bench.py --submissions --connections 64 --label now >> "$results"
    else
      dir="$PWD/.build-before/$build"
      BENCH_BINARY="$dir/.build/release/intake" BENCH_SOURCES="$dir" python3 benchmarks/bench.py --submissions --connections 64 --label "$build" >> "$results"
    fi
  done
done
python3 benchmarks/median_table.py "$results" label build "${builds[@]}"
echo "Median of $rounds rounds of $BENCH_SECONDS s each; Δ against $1. Goal: within 10 % of before, ≥ 5,000/s, p99 < 15 ms."
