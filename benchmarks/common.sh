# Sourced by the benchmark scripts (not run on its own).

# need_apt COMMAND PACKAGE: installs the Debian package when the command is missing.
need_apt() {
  if ! command -v "$1" >/dev/null 2>&1; then
    local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$2" >/dev/null
  fi
}

# build_rev REV: checks REV out under .build-before/REV (ignored by git) and builds its release
# `intake` there, unless a binary is already built; prints the checkout's path.
build_rev() {
  local dir="$PWD/.build-before/$1"
  if [ ! -x "$dir/.build/release/intake" ]; then
    rm -rf "$dir"
    mkdir -p "$(dirname "$dir")"
    git worktree add --force --detach "$dir" "$1" >/dev/null
    (cd "$dir" && swift build -c release --product intake >&2)
  fi
  echo "$dir"
}
