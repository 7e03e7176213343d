#!/usr/bin/env bash
# Builds a release binary and lays out the install tree that deploy/samverkan-intake.service
# expects in /opt/samverkan-intake:
#
#   bin/intake                      the server and its commands (Swift runtime linked in)
#   bin/intake-pre-start-backup     run by systemd before each start
#   Forms/  Templates/              catalogue and templates
#   deploy/                         unit, nginx site, env example, README
#
# Usage: deploy/build-release.sh [OUTPUT_DIR]   (default dist/samverkan-intake; also writes OUTPUT_DIR.tar.gz)
# The target machine needs only libsqlite3-0 and libcurl4 (apt); no Swift toolchain.
set -euo pipefail
cd "$(dirname "$0")/.."
dest="${1:-dist/samverkan-intake}"
scripts/setup.sh
swift build -c release --product intake --static-swift-stdlib
rm -rf "$dest"
mkdir -p "$dest/bin" "$dest/deploy"
install -m 0755 .build/release/intake "$dest/bin/intake"
command -v strip >/dev/null && strip "$dest/bin/intake"   # debug symbols: ~130 MB → ~half
install -m 0755 deploy/intake-pre-start-backup "$dest/bin/intake-pre-start-backup"
cp -R Forms Templates "$dest/"
cp -R deploy/README.md deploy/intake.env.example deploy/samverkan-intake.service deploy/nginx "$dest/deploy/"
git rev-parse --short HEAD > "$dest/VERSION" 2>/dev/null || echo unknown > "$dest/VERSION"
tar -C "$(dirname "$dest")" -czf "$dest.tar.gz" "$(basename "$dest")"
echo "build-release: $dest ($(du -sh "$dest" | cut -f1)) and $dest.tar.gz"
echo "build-release: runtime libraries:"; ldd "$dest/bin/intake" | grep -E "sqlite|curl|swift" || true
