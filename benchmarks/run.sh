#!/usr/bin/env bash
# Benchmarks (not tests; they print figures): the SQLite fsync baseline, durable form
# submissions per second and latency at 1, 16 and 64 connections (wrk, loopback, release
# build), RSS idle and under load, start-up on a 1,000,000-report database. One Markdown table.
#   benchmarks/run.sh            BENCH_SECONDS (15), BENCH_CONNECTIONS (1,16,64), BENCH_SEED_REPORTS (1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
. benchmarks/common.sh
need_apt wrk wrk
swift build -c release --product intake
echo "## $(date -u '+%Y-%m-%d %H:%M UTC') — $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(free -g | awk '/Mem:/ {print $2}') GB RAM, $(df -h --output=source . | tail -1) ($(findmnt -no FSTYPE -T .))"
echo
echo "uptime before: $(uptime)"
echo
python3 benchmarks/bench.py
echo
echo "uptime after: $(uptime)"
