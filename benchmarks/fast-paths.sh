#!/usr/bin/env bash
# What each hand-written fast path is worth (issue #18.4): one release build, then the durable
# submissions/s and p99 at 64 connections (benchmarks/bench.py --submissions) with the server
# started with INTAKE_BENCH_PLAIN=<variant>, which switches the named fast paths back to the
# plain library code they replaced (Sources/IntakeDomain/Support/BenchPlain.swift). Variants are
# interleaved in rounds (each round in a rotated order) so drift and noise spread over all of
# them; the table shows the median of the rounds and the difference to "none" (every fast path on).
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
python3 - "$results" "$rounds" "$BENCH_SECONDS" "${variants[@]}" <<'PY'
import json, statistics, sys
path, rounds, seconds, variants = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
runs = {}
for line in open(path):
    r = json.loads(line)
    runs.setdefault(r["plain"], []).append(r)
def median(variant, key):
    return statistics.median(r[key] for r in runs[variant])
base_rate, base_p99, base_cpu = median("none", "rate"), median("none", "p99"), median("none", "cpu_us")
print("| plain (fast path switched off) | submissions/s | p99 | server CPU per report | Δ submissions/s vs none | Δ p99 vs none | Δ CPU per report | runs (submissions/s) |")
print("|---|---|---|---|---|---|---|---|")
for v in variants:
    rate, p99 = median(v, "rate"), median(v, "p99")
    rates = " · ".join(f"{r['rate']:,.0f}" for r in runs[v])
    delta = "–" if v == "none" else f"{(rate / base_rate - 1) * 100:+.1f} %"
    delta_p99 = "–" if v == "none" else f"{(p99 / base_p99 - 1) * 100:+.1f} %"
    cpu = median(v, "cpu_us")
    delta_cpu = "–" if v == "none" else f"{(cpu / base_cpu - 1) * 100:+.1f} %"
    print(f"| {v} | {rate:,.0f}/s | {p99 / 1000:.2f} ms | {cpu:.0f} µs | {delta} | {delta_p99} | {delta_cpu} | {rates} |")
print()
print(f"Median of {rounds} rounds, {seconds} s of wrk at 64 connections each (-t2), a new database per run; "
      f"load average after: {open('/proc/loadavg').read().split()[0]}. "
      "Δ submissions/s below −5 % or Δ p99 above +5 % means the fast path is worth keeping.")
PY
