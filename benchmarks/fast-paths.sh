#!/usr/bin/env bash
# What each hand-written fast path is worth (issue #18.4): one release build, then the durable
# submissions/s and p99 at 64 connections (benchmarks/bench.py --submissions) with the server
# started with INTAKE_BENCH_PLAIN=<variant>, which switches the named fast paths back to the
# plain library code they replaced (Sources/IntakeDomain/Support/BenchPlain.swift). Variants are
# interleaved in rounds (each round in a rotated order) so drift and noise spread over all of
# them; the table shows the median of the rounds and the difference to the first variant ("none": every fast path on).
#   benchmarks/fast-paths.sh   BENCH_ROUNDS (3), BENCH_SECONDS (10),
#                              BENCH_VARIANTS (none,digittext,json,mailjson,all)
# A fast path is worth keeping when switching it off costs ≥ 5 % of submissions/s or p99.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. benchmarks/common.sh
need_apt wrk wrk
swift build -c release --product intake
rounds="${BENCH_ROUNDS:-3}"
export BENCH_SECONDS="${BENCH_SECONDS:-10}"
IFS=, read -r -a variants <<< "${BENCH_VARIANTS:-none,digittext,json,mailjson,all}"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "## fast paths — $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for ((round = 0; round < rounds; round++)); do
  count=${#variants[@]}
  for ((i = 0; i < count; i++)); do
    variant="${variants[$(((i + round) % count))]}"
    python3 benchmarks/bench.py --submissions --plain "$variant" --connections 64 >> "$results"
  done
done
python3 benchmarks/median_table.py "$results" plain "plain (fast path switched off)" "${variants[@]}"
echo "Median of $rounds rounds, $BENCH_SECONDS s of wrk at 64 connections each (-t2), a new database per run; load average after: $(cut -d' ' -f1 /proc/loadavg). Δ against ${variants[0]}; Δ submissions/s below −5 % or Δ p99 above +5 % means the fast path is worth keeping."
