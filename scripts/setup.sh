#!/usr/bin/env bash
# Installs what building and testing need, only when missing: Debian packages and a Python
# venv (.venv) with the test SMTP server and schemathesis. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
for pkg in libsqlite3-dev libcurl4-openssl-dev openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then need_apt+=(python3-venv); fi
if [ "${#need_apt[@]}" -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "setup: the Swift toolchain (6.2 or newer) is required: https://www.swift.org/install/linux/" >&2
  exit 1
fi

if [ "${1:-}" = "--with-test-tools" ]; then
  # Reinstall when Tests/requirements.txt changed since the last install (a copy is kept in .venv).
  if [ ! -x .venv/bin/python ] || ! cmp -s Tests/requirements.txt .venv/requirements.installed; then
    echo "setup: installing Tests/requirements.txt into .venv"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r Tests/requirements.txt
    cp Tests/requirements.txt .venv/requirements.installed
  fi
fi
