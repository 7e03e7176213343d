#!/usr/bin/env bash
# The agreement finder's accuracy (not a test; it prints figures): over the corpus of report
# texts in Tests/finder/reports.jsonl, each with the agreement a secretariat would choose, the
# share with the right agreement first (top-1) and among the first three suggestions (top-3),
# per region and overall, ranked on the catalogue in Forms/ only (no learned words).
#   benchmarks/agreement-finder.sh            the table
#   benchmarks/agreement-finder.sh --misses   also every text whose agreement was not first
# Goal (issue #20): top-3 ≥ 90 %, top-1 ≥ 70 %. AgreementFinderTests asserts a lower bound.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product intake >/dev/null 2>&1 || swift build --product intake
echo "## Agreement finder, $(date -u '+%Y-%m-%d %H:%M UTC'), corpus Tests/finder/reports.jsonl"
echo
.build/debug/intake finder evaluate --forms Forms --corpus Tests/finder/reports.jsonl "$@"
