#!/usr/bin/env bash
# Crash test: TRIALS (default 20) rounds of load + kill -9 + restart against the real binary and
# a real SMTP server (Tests/proof/proof_load.py crash), then the mail-outage test. Prints each
# run's figures as a JSON line starting with RESULT; exits 1 on any lost report or mail.
#   scripts/crash-test.sh [TRIALS] [--release] [extra proof_load.py options]
set -euo pipefail
cd "$(dirname "$0")/.."
trials="${1:-20}"; shift || true
config=debug
if [ "${1:-}" = "--release" ]; then config=release; shift; fi
scripts/setup.sh --with-test-tools >/dev/null
swift build -c "$config" --product intake
binary="$(swift build -c "$config" --show-bin-path)/intake"
# The release binary files tens of thousands of reports (three mails each) in these runs, more
# than the worker delivers to the Python SMTP server in the loader's default two minutes; the
# wait ends as soon as the outbox is empty, so a long limit costs nothing when all goes well.
.venv/bin/python Tests/proof/proof_load.py crash --trials "$trials" --binary "$binary" --drain-seconds 900 "$@"
.venv/bin/python Tests/proof/proof_load.py outage --binary "$binary" --drain-seconds 900
