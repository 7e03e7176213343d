#!/usr/bin/env bash
# Runs every test: installs what is missing, then builds and runs the Swift test suites, which
# start their own real SMTP server (aiosmtpd) and HTTP server on loopback, and checks deploy/
# (systemd-analyze verify, nginx -t; scripts/check-deploy.sh).
# Randomised tests (and `scripts/fuzz.sh --ci`, run by ProofTests) use INTAKE_TEST_SEED, fixed
# unless set, printed below: INTAKE_TEST_SEED=N scripts/test.sh replays a run.
# The last line counts the tests: `N passed, N failed, N skipped`. With CI=true a skipped test
# fails the run: a missing tool must fail, never skip.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
export INTAKE_TEST_PYTHON="$PWD/.venv/bin/python"
export INTAKE_TEST_SEED="${INTAKE_TEST_SEED:-20261125}"
echo "test: seed $INTAKE_TEST_SEED (INTAKE_TEST_SEED=$INTAKE_TEST_SEED scripts/test.sh replays it)"
swift build --build-tests
# deploy/ checks need the built binary; they run first so the test counts close the output.
PATH="$PATH:/usr/sbin" scripts/check-deploy.sh
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
set +e
swift test --skip-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
# Swift Testing: "✔ Test x passed after", "✘ Test x failed after", "➜ Test x skipped"; XCTest:
# "Test Case 'x' passed|failed|skipped (".
count() { grep -cE "$1" "$log" || true; }
passed=$(( $(count '^✔ Test .* passed after ') - $(count '^✔ Test run with ') + $(count "^Test Case '.*' passed \(") ))
failed=$(( $(count '^✘ Test .* failed after ') - $(count '^✘ Test run with ') + $(count "^Test Case '.*' failed \(") ))
skipped=$(( $(count '^➜ Test .* skipped') + $(count "^Test Case '.*' skipped \(") ))
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  echo "test: swift test exited with status $status without a failed test (did it crash?)"
fi
if [ "${CI:-}" = "true" ] && [ "$skipped" -gt 0 ]; then
  echo "test: $skipped test(s) skipped; with CI=true nothing may skip (run scripts/setup.sh --with-test-tools):"
  grep -E '^➜ Test .* skipped' "$log" || true
  [ "$status" -ne 0 ] || status=1
fi
echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
