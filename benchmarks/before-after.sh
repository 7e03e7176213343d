#!/usr/bin/env bash
# The same durable-submission measurement (64 connections, benchmarks/bench.py --submissions) for
# two builds in one run: an earlier commit REV ("before", e.g. the commit before the target split
# of issue #18, 022d687) and the working tree ("after"), each with its own Forms/ and Templates/.
# Rounds alternate the order so drift and noise spread over both; the table shows the median.
#   benchmarks/before-after.sh [REV=022d687]   BENCH_ROUNDS (4), BENCH_SECONDS (10)
# REV is checked out and built (release) under .build-before/ (ignored by git); a binary already
# built there is reused.
set -euo pipefail
cd "$(dirname "$0")/.."
rev="${1:-022d687}"
scripts/setup.sh
if ! command -v wrk >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi
before="$PWD/.build-before/$rev"
if [ ! -x "$before/.build/release/intake" ]; then
  rm -rf "$before"
  mkdir -p "$(dirname "$before")"
  git worktree add --force --detach "$before" "$rev" >/dev/null
  (cd "$before" && swift build -c release --product intake)
fi
swift build -c release --product intake
rounds="${BENCH_ROUNDS:-4}"
export BENCH_SECONDS="${BENCH_SECONDS:-10}"
results="$(mktemp)"
trap 'rm -f "$results"' EXIT
echo "## before/after — $(date -u '+%Y-%m-%d %H:%M UTC'): before $rev, after $(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'), $(nproc) cores, load before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
for ((round = 0; round < rounds; round++)); do
  for which in $([ $((round % 2)) -eq 0 ] && echo "before after" || echo "after before"); do
    if [ "$which" = before ]; then
      BENCH_BINARY="$before/.build/release/intake" BENCH_SOURCES="$before" python3 benchmarks/bench.py --submissions --connections 64 --label before >> "$results"
    else
      python3 benchmarks/bench.py --submissions --connections 64 --label after >> "$results"
    fi
  done
done
python3 - "$results" "$rounds" "$BENCH_SECONDS" <<'PY'
import json, statistics, sys
path, rounds, seconds = sys.argv[1:4]
runs = {}
for line in open(path):
    r = json.loads(line)
    runs.setdefault(r["label"], []).append(r)
med = {k: (statistics.median(r["rate"] for r in v), statistics.median(r["p99"] for r in v)) for k, v in runs.items()}
print("| build | durable submissions/s (64 connections) | p99 | runs (submissions/s) |")
print("|---|---|---|---|")
for k in ("before", "after"):
    rate, p99 = med[k]
    print(f"| {k} | {rate:,.0f}/s | {p99 / 1000:.2f} ms | {' · '.join(f'{r['rate']:,.0f}' for r in runs[k])} |")
rate_b, p99_b = med["before"]; rate_a, p99_a = med["after"]
print()
print(f"after vs before: submissions/s {(rate_a / rate_b - 1) * 100:+.1f} %, p99 {(p99_a / p99_b - 1) * 100:+.1f} % "
      f"(median of {rounds} rounds of {seconds} s; goal: within 10 %, ≥ 5,000/s, p99 < 15 ms)")
PY
