#!/usr/bin/env bash
# Benchmark (not a test): mails per second from the outbox to a local SMTP server (aiosmtpd).
# Files N reports (each queues 3 mails: acknowledgement + 2 owner notifications), then measures
# how long the outbox worker takes until every mail is accepted by the SMTP server.
# Usage: benchmarks/mail-throughput.sh [N=200]
set -euo pipefail
cd "$(dirname "$0")/.."
N="${1:-200}"
scripts/setup.sh --with-test-tools
swift build -c release --product intake >/dev/null
BIN=.build/release/intake
WORK="$(mktemp -d)"
trap 'kill $SMTP_PID $APP_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT

.venv/bin/python Tests/smtp/smtp_server.py --port 0 --maildir "$WORK/mail" > "$WORK/smtp.out" &
SMTP_PID=$!
for _ in $(seq 50); do grep -q READY "$WORK/smtp.out" 2>/dev/null && break; sleep 0.1; done
SMTP_PORT="$(awk '/READY/ {print $2}' "$WORK/smtp.out")"

PORT=18089
# One loopback client files all reports: no rate limit, no minimum fill time (the signed render
# time is taken from the form page, as a browser does).
INTAKE_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" INTAKE_SMTP_STARTTLS=off INTAKE_DATABASE="$WORK/db.sqlite" \
  INTAKE_RATE_LIMIT_PER_HOUR=0 INTAKE_MIN_FILL_SECONDS=0 INTAKE_SUMMARIES=false \
  "$BIN" serve --port "$PORT" > "$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

start=$(date +%s.%N)
python3 - "$PORT" "$N" <<'PY'
import http.client, sys
sys.path.insert(0, "benchmarks")
import bench
port, n = int(sys.argv[1]), int(sys.argv[2])
body = bench.form_body(port)
conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for _ in range(n):
    conn.request("POST", "/rapportera/stockholm", body, {"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    if response.status != 303:
        raise SystemExit(f"report refused: {response.status}")
PY
filed=$(date +%s.%N)
EXPECTED=$((N * 3))
while [ "$(find "$WORK/mail" -name '*.eml' | wc -l)" -lt "$EXPECTED" ]; do sleep 0.05; done
done_at=$(date +%s.%N)
python3 - "$start" "$filed" "$done_at" "$EXPECTED" <<'PY'
import sys
start, filed, done, mails = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"mails delivered: {mails}")
print(f"filing took:     {filed - start:.2f} s (one keep-alive connection, sequential)")
print(f"all delivered:   {done - start:.2f} s after the first report")
print(f"throughput:      {mails / (done - start):.0f} mails/s (outbox -> local SMTP, one connection per batch of 20)")
PY
