#!/usr/bin/env bash
# libFuzzer targets for the form-body parser, the privacy check, the mail message builder and the
# received-mail reader (MIME, and .docx attachments: ZIP, zlib, WordprocessingML).
# One binary for all targets: the domain (Sources/IntakeDomain, Foundation only), the fuzzed
# files of IntakeWeb and IntakeMail and Tests/fuzz/*.swift, compiled directly into one module with
# `swiftc -sanitize=fuzzer,address` (no package build); then each target fuzzes for SECONDS
# (default 30).
#   scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: FormBody PrivacyCheck MailMessage InboundMail
#   scripts/fuzz.sh --ci [TARGET...]           what the tests run: deterministic, see below
# Corpora grow in .build/fuzz/corpus-TARGET (seeded from Tests/fuzz/seeds/TARGET); a crash, or an
# input that takes over 10 s (a hang), leaves its input in .build/fuzz/crash-* and the script exits 1.
# --ci: a fixed seed (INTAKE_TEST_SEED, default 20261125) and a fixed number of runs
# (INTAKE_FUZZ_RUNS, default 20000) over a fresh copy of Tests/fuzz/seeds/TARGET plus every saved
# crash input (.build/fuzz/crash-TARGET-*), with deterministic hashing: the same seed gives the
# same run, and the seed is printed so a failure can be replayed. Leaks are checked once, when a
# target's run ends (a leak not in Tests/fuzz/lsan.supp fails it), not after each input: see below.
set -euo pipefail
cd "$(dirname "$0")/.."
ci=false
if [ "${1:-}" = "--ci" ]; then
  ci=true; shift
  seed="${INTAKE_TEST_SEED:-20261125}"; runs="${INTAKE_FUZZ_RUNS:-20000}"
  case "$seed$runs" in *[!0-9]*) echo "fuzz: INTAKE_TEST_SEED and INTAKE_FUZZ_RUNS must be whole numbers" >&2; exit 2 ;; esac
  seconds=0
else
  seconds="${1:-30}"; shift || true
fi
all=(FormBody PrivacyCheck MailMessage InboundMail)   # the cases of Tests/fuzz/FuzzEntry.swift
targets=("$@"); [ "${#targets[@]}" -gt 0 ] || targets=("${all[@]}")
for target in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $target "* ]] || { echo "fuzz: unknown target $target" >&2; exit 2; }
done
out=.build/fuzz
mkdir -p "$out"
# The files compile as the module IntakeDomain, so their `import IntakeDomain` is ignored.
mapfile -t common < <(find Sources/IntakeDomain -name '*.swift' | sort)
sources=(Sources/IntakeWeb/Public/FormBody.swift
         Sources/IntakeMail/MailMessage.swift Sources/IntakeMail/MailError.swift
         Sources/IntakeMail/InboundMessage.swift Sources/IntakeMail/DocxText.swift Sources/IntakeMail/ZipEntry.swift Sources/IntakeMail/WordText.swift)
# zlib from the system, through the package's own module map (Sources/CZlib).
extra=(-I Sources/CZlib -lz)
binary="$out/fuzz-intake"
# INTAKE_FUZZ_TARGET picks the target at run time (Tests/fuzz/FuzzEntry.swift).
started=$SECONDS
# Warnings are the package build's business (here: the ignored self-import). ld.gold warns
# about asan symbols it cannot export; harmless.
# One whole-module compile on two threads: 24 s here, against 40 s file by file (and less CPU).
swiftc -O -wmo -num-threads 2 -swift-version 6 -suppress-warnings -sanitize=fuzzer,address -parse-as-library \
  -module-name IntakeDomain -package-name samverkan_intake \
  "${common[@]}" "${sources[@]}" Tests/fuzz/*.swift "${extra[@]}" -o "$binary" 2> >(grep -v "Cannot export local symbol" >&2)
echo "fuzz: compiled in $((SECONDS - started)) s"
# An input that leaks makes libFuzzer scan for leaks after it; the scan walks ASan's quarantine of
# freed memory (256 MB by default). 8 MB keeps use-after-free detection and makes such scans cheap.
export ASAN_OPTIONS="quarantine_size_mb=8${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
for target in "${targets[@]}"; do
  if $ci; then
    # A fresh corpus each time: libFuzzer adds to its corpus folder, which would change the next run.
    corpus="$out/ci-corpus-$target"
    rm -rf "$corpus"; mkdir -p "$corpus"
    cp Tests/fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
    cp "$out"/crash-"$target"-* "$corpus"/ 2>/dev/null || true
    echo "fuzz: $target --ci: seed $seed, $runs runs over $(ls "$corpus" | wc -l) inputs (replay: INTAKE_TEST_SEED=$seed scripts/fuzz.sh --ci $target)"
    # -detect_leaks=0: no leak scan after each input that allocated more than it freed;
    # LeakSanitizer still checks the whole run at exit and fails it on any leak not suppressed.
    # The per-input scan only names the input (run without --ci to find it), and cost CI the fuzz
    # test's time limit while the .docx reader leaked a little per document.
    options=(-seed="$seed" -runs="$runs" -reload=0 -detect_leaks=0)
    export SWIFT_DETERMINISTIC_HASHING=1
  else
    corpus="$out/corpus-$target"
    mkdir -p "$corpus"
    [ -d "Tests/fuzz/seeds/$target" ] && cp -n Tests/fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
    echo "fuzz: $target for ${seconds}s"
    options=(-max_total_time="$seconds")
  fi
  started=$SECONDS
  if ! INTAKE_FUZZ_TARGET="$target" LSAN_OPTIONS="suppressions=$PWD/Tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}" "$binary" "$corpus" "${options[@]}" -max_len=4096 -timeout=10 -print_final_stats=1 \
       -artifact_prefix="$out/crash-$target-" > "$out/$target.log" 2>&1; then
    tail -n 40 "$out/$target.log" >&2
    echo "fuzz: $target FAILED (input saved under $out/crash-$target-*; a leak found at the end of a --ci run: run scripts/fuzz.sh 60 $target to find its input)" >&2
    exit 1
  fi
  echo "fuzz: $target done in $((SECONDS - started)) s:" $(grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/$target.log")
done
