#!/usr/bin/env bash
# Instructions per filed report (valgrind's callgrind) for earlier commits and the working tree:
# a repeatable figure on a shared machine where submissions/s moves ±10–15 % between runs. The
# count says where the CPU goes (per part: the intake binary, SQLite, the Swift runtime,
# Foundation, ICU, libc) and which functions changed; it leaves out the kernel (fsync, sockets),
# and one connection means one report per commit, so SQLite's share is larger than under
# load (at 64 connections group commit shares a commit's pages among its reports).
#   benchmarks/instructions.sh [REV…] (default 022d687)   BENCH_REPORTS (200), BENCH_WARMUP (30),
#                                                          BENCH_FUNCTIONS (25), BENCH_CONNECTIONS (1)
# Each REV is built (release) under .build-before/REV like benchmarks/before-after.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -eq 0 ] && set -- 022d687
scripts/setup.sh
. benchmarks/common.sh
need_apt valgrind valgrind
need_apt gcc gcc
builds=()
for rev in "$@"; do
  dir="$(build_rev "$rev")"
  builds+=("$rev=$dir/.build/release/intake:$dir")
done
swift build -c release --product intake >&2
echo "## instructions — $(date -u '+%Y-%m-%d %H:%M UTC'): $* and now ($(git rev-parse --short HEAD)$(git diff --quiet || echo '+changes'))"
echo
python3 benchmarks/instructions.py "${builds[@]}" "now=$PWD/.build/release/intake:$PWD"
