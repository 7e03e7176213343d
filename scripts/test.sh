#!/usr/bin/env bash
# Runs every test: installs what is missing, then builds and runs the Swift test suites, which
# start their own real SMTP server (aiosmtpd) and HTTP server on loopback, and checks deploy/
# (systemd-analyze verify, nginx -t; scripts/check-deploy.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
export INTAKE_TEST_PYTHON="$PWD/.venv/bin/python"
swift build --build-tests
# deploy/ checks need the built binary; they run first so swift test's summary closes the output.
PATH="$PATH:/usr/sbin" scripts/check-deploy.sh
swift test --skip-build "$@"
