#!/usr/bin/env bash
# libFuzzer targets for the form-body parser, the privacy check and the mail message builder.
# Each target compiles its source files from Sources/Intake directly with
# `swiftc -sanitize=fuzzer,address` (no package build), then fuzzes for SECONDS (default 30).
#   scripts/fuzz.sh [SECONDS] [TARGET...]      TARGET: FormBody PrivacyCheck MailMessage
# Corpora grow in .build/fuzz/corpus-TARGET (seeded from fuzz/seeds/TARGET); a crash leaves
# its input in .build/fuzz/crash-* and the script exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-30}"; shift || true
targets=("$@"); [ "${#targets[@]}" -gt 0 ] || targets=(FormBody PrivacyCheck MailMessage)
out=.build/fuzz
mkdir -p "$out"
common=(Sources/Intake/Domain/Language.swift fuzz/Support.swift)
for target in "${targets[@]}"; do
  case "$target" in
    FormBody) sources=(Sources/Intake/Controllers/FormBody.swift) ;;
    PrivacyCheck) sources=(Sources/Intake/Domain/PrivacyCheck.swift) ;;
    MailMessage) sources=(Sources/Intake/Mail/MailMessage.swift Sources/Intake/Mail/MailAddress.swift Sources/Intake/Domain/DigitText.swift) ;;
    *) echo "fuzz: unknown target $target" >&2; exit 2 ;;
  esac
  binary="$out/fuzz-$target"
  # ld.gold warns about asan symbols it cannot export; harmless.
  swiftc -O -sanitize=fuzzer,address -parse-as-library -module-name FuzzTarget \
    "${common[@]}" "${sources[@]}" "fuzz/${target}Target.swift" -o "$binary" 2> >(grep -v "Cannot export local symbol" >&2)
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  [ -d "fuzz/seeds/$target" ] && cp -n fuzz/seeds/"$target"/* "$corpus"/ 2>/dev/null || true
  echo "fuzz: $target for ${seconds}s"
  if ! "$binary" "$corpus" -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
       -artifact_prefix="$out/crash-$target-" > "$out/$target.log" 2>&1; then
    tail -n 40 "$out/$target.log" >&2
    echo "fuzz: $target FAILED (input saved under $out/crash-$target-*)" >&2
    exit 1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/$target.log" | tr '\n' ' '; echo
done
