#!/usr/bin/env bash
# Runs every test: installs what is missing, then builds and runs the Swift test suites, which
# start their own real SMTP server (aiosmtpd) and HTTP server on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --with-test-tools
export INTAKE_TEST_PYTHON="$PWD/.venv/bin/python"
swift build --build-tests
swift test --skip-build "$@"
