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
INTAKE_SMTP_URL="smtp://127.0.0.1:$SMTP_PORT" INTAKE_SMTP_STARTTLS=off INTAKE_DATABASE="$WORK/db.sqlite" \
  "$BIN" serve --port "$PORT" > "$WORK/app.log" 2>&1 &
APP_PID=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.1; done

start=$(date +%s.%N)
for i in $(seq "$N"); do
  curl -s -o /dev/null -X POST "http://127.0.0.1:$PORT/rapportera/stockholm" \
    --data "avtal=sthlm-lus&organisation=region-stockholm&other_parties=solna-stad&occurred_on=2026-11-20&what_happened=Benchmark+$i&expected=Enligt+avtalet&reporter_email=bench$i@example.se"
done
filed=$(date +%s.%N)
EXPECTED=$((N * 3))
while [ "$(find "$WORK/mail" -name '*.eml' | wc -l)" -lt "$EXPECTED" ]; do sleep 0.05; done
done_at=$(date +%s.%N)
python3 - "$start" "$filed" "$done_at" "$EXPECTED" <<'PY'
import sys
start, filed, done, mails = float(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
print(f"mails delivered: {mails}")
print(f"filing took:     {filed - start:.2f} s (sequential curl)")
print(f"all delivered:   {done - start:.2f} s after the first report")
print(f"throughput:      {mails / (done - start):.0f} mails/s (outbox -> local SMTP, one connection per batch of 20)")
PY
