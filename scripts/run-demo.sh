#!/usr/bin/env bash
# Sets up, builds and runs the server with the demo catalogue and a local SQLite file.
# Mails are written as .eml files under data/mail-outbox/ unless INTAKE_SMTP_URL is set.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
swift build --product intake
export INTAKE_DATABASE="${INTAKE_DATABASE:-data/intake.sqlite}"
exec .build/debug/intake serve --demo "$@"
