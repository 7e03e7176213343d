#!/usr/bin/env bash
# Installs what building and testing need, only when missing: Debian packages and a Python
# venv (.venv) with the test SMTP server. With --with-test-tools also the browser suite's
# tools: Debian chromium + chromium-driver, selenium (Tests/requirements.txt) and axe-core
# (shipped in the axe-playwright-python wheel, installed without its dependencies).
# schemathesis for the API suite. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
packages=(libsqlite3-dev libcurl4-openssl-dev zlib1g-dev openssl)
# dovecot-imapd: the real IMAP server the mail-intake tests start on loopback (its own config,
# as the current user; the system's dovecot service is not used).
if [ "${1:-}" = "--with-test-tools" ]; then packages+=(chromium chromium-driver dovecot-imapd); fi
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
done
if ! python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then need_apt+=(python3-venv); fi
if [ "${1:-}" = "--with-test-tools" ]; then
  # scripts/check-deploy.sh: `nginx -t` on the site, `systemd-analyze verify` on the unit.
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
  command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
fi
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
  # The venv is (re)filled whenever Tests/requirements.txt changed since it was last filled.
  wanted="$(sha256sum Tests/requirements.txt | cut -d' ' -f1)"
  if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.requirements.sha256 2>/dev/null)" != "$wanted" ]; then
    echo "setup: filling .venv with the test tools (Tests/requirements.txt)"
    [ -x .venv/bin/python ] || python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r Tests/requirements.txt
    echo "$wanted" > .venv/.requirements.sha256
  fi
  # axe-core ships inside this wheel; its Playwright dependency is not needed (selenium injects
  # axe.min.js), hence --no-deps.
  if ! .venv/bin/python -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("axe_playwright_python") is None)' >/dev/null 2>&1; then
    echo "setup: installing axe-core (axe-playwright-python, without dependencies)"
    .venv/bin/pip install -q --disable-pip-version-check --no-deps axe-playwright-python==0.1.8
  fi
fi
