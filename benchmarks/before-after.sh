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
python3 - "$results" "$rounds" "$BENCH_SECONDS" "${builds[@]}" <<'PY'
import json, statistics, sys
path, rounds, seconds, builds = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
runs = {}
for line in open(path):
    r = json.loads(line)
    runs.setdefault(r["label"], []).append(r)
def median(build, key):
    return statistics.median(r[key] for r in runs[build])
base_rate, base_p99, base_cpu = median(builds[0], "rate"), median(builds[0], "p99"), median(builds[0], "cpu_us")
print("| build | durable submissions/s (64 connections) | p99 | server CPU per report | Δ submissions/s | Δ p99 | Δ CPU per report | runs (submissions/s) |")
print("|---|---|---|---|---|---|---|---|")
for b in builds:
    rate, p99 = median(b, "rate"), median(b, "p99")
    rates = " · ".join("{:,.0f}".format(r["rate"]) for r in runs[b])
    d_rate = "–" if b == builds[0] else "{:+.1f} %".format((rate / base_rate - 1) * 100)
    d_p99 = "–" if b == builds[0] else "{:+.1f} %".format((p99 / base_p99 - 1) * 100)
    cpu = median(b, "cpu_us")
    d_cpu = "–" if b == builds[0] else "{:+.1f} %".format((cpu / base_cpu - 1) * 100)
    print("| {} | {:,.0f}/s | {:.2f} ms | {:.0f} µs | {} | {} | {} | {} |".format(b, rate, p99 / 1000, cpu, d_rate, d_p99, d_cpu, rates))
print()
print("Median of {} rounds of {} s each; Δ against {}. Goal: within 10 % of before, ≥ 5,000/s, p99 < 15 ms.".format(rounds, seconds, builds[0]))
PY
