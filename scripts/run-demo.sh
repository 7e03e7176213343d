#!/usr/bin/env bash
# Sets up, builds and runs the server with the demo catalogue and a local SQLite file.
# Mails are written as .eml files under data/mail-outbox/ unless INTAKE_SMTP_URL is set.
# Links in mails use INTAKE_PUBLIC_URL; unless it is set, it is the address served here:
# http://localhost:PORT, or with --hostname 0.0.0.0 this machine's first address (so links in
# mails opened on a phone on the same network work). Extra arguments go to `intake serve`.
# INTAKE_DEMO_DRY_RUN=1 prints the address and the command instead of running them.
set -euo pipefail
cd "$(dirname "$0")/.."
host="${INTAKE_HOSTNAME:-127.0.0.1}"
port="${INTAKE_PORT:-8080}"
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --port) port="${args[i + 1]:-$port}" ;;
    --port=*) port="${args[i]#--port=}" ;;
    --hostname) host="${args[i + 1]:-$host}" ;;
    --hostname=*) host="${args[i]#--hostname=}" ;;
  esac
done
case "$host" in
  127.0.0.1 | localhost | ::1) public_host=localhost ;;
  0.0.0.0 | ::) public_host="$(hostname -I 2>/dev/null | awk '{print $1}')"; public_host="${public_host:-localhost}" ;;
  *:*) public_host="[$host]" ;;
  *) public_host="$host" ;;
esac
export INTAKE_PUBLIC_URL="${INTAKE_PUBLIC_URL:-http://$public_host:$port}"
export INTAKE_DATABASE="${INTAKE_DATABASE:-data/intake.sqlite}"
if [ "${INTAKE_DEMO_DRY_RUN:-}" = 1 ]; then
  echo "INTAKE_PUBLIC_URL=$INTAKE_PUBLIC_URL"
  echo ".build/debug/intake serve --demo ${args[*]}"
  exit 0
fi
echo "run-demo: serving on $host:$port; links in mails use INTAKE_PUBLIC_URL=$INTAKE_PUBLIC_URL"
scripts/setup.sh
swift build --product intake
exec .build/debug/intake serve --demo "$@"
