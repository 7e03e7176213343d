#!/usr/bin/env bash
# The name check's figures (#20.5): recall on names in running text, lone first names asked
# about, false positives on places, organisations and ordinary capitalised words, and the time
# per text. Corpus: Tests/names/person-names.jsonl; lists: Forms/privacy/. Release build.
#   benchmarks/name-check.sh [CORPUS]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product intake >/dev/null
.build/release/intake catalog names "${1:-Tests/names/person-names.jsonl}"
