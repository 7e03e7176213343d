#!/usr/bin/env bash
# Benchmark (not a test): the follow-up dashboard and the CSV export on a large database.
# Seeds N synthetic reports (`intake demo seed`, timed), starts the release server, logs in as an
# analyst, then measures
#   - dashboard page latency (first request loads the facts; then 200 requests over 8 filters):
#     p50/p95/p99 and the first (cold) request,
#   - CSV export of every report: rows per second streamed, and the server's RSS sampled during it.
# Usage: benchmarks/follow-up.sh [N=1000000]     (keeps nothing; uses a temp folder)
#        BENCH_DATABASE=path/db.sqlite benchmarks/follow-up.sh N   reuses a database already seeded
#        with N reports (`intake demo seed`), skipping the seed step
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-1000000}"
scripts/setup.sh
swift build -c release --product intake >/dev/null
BIN=.build/release/intake
WORK="$(mktemp -d)"
trap 'kill $APP_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
export INTAKE_DATABASE="${BENCH_DATABASE:-$WORK/db.sqlite}"

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo), $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$BIN" migrate >/dev/null
if [ -z "${BENCH_DATABASE:-}" ]; then
  start=$(date +%s.%N)
  "$BIN" demo seed --reports "$N" 2>&1 | tail -1
  seeded=$(date +%s.%N)
  python3 -c "import sys; s,e,n=float(sys.argv[1]),float(sys.argv[2]),int(sys.argv[3]); print(f'seed: {n} reports in {e-s:.1f} s ({n/(e-s):.0f} reports/s)')" "$start" "$seeded" "$N"
fi
ls -la "$INTAKE_DATABASE"* | awk '{s+=$5} END {printf "database: %.0f MB\n", s/1048576}'
printf 'ett långt benchmarklösenord\n' | "$BIN" user add --email bench@example.se --name Bench --role analytiker --password-stdin >/dev/null 2>&1 || true

PORT=18090
INTAKE_DEMO=true "$BIN" serve --port "$PORT" > "$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done
python3 benchmarks/follow_up_client.py "http://127.0.0.1:$PORT" "$APP_PID" "$N"
