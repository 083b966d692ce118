#!/usr/bin/env bash
# The README's two commands, for a fresh Debian/Ubuntu machine that has Node.js:
#   scripts/run.sh demo   run the main job (the demo on embedded defaults)
#   scripts/run.sh test   run every check and the whole test suite (what CI runs)
# Each installs what it needs first: npm packages when node_modules is missing or stale, and
# Debian packages (ffmpeg; for the demo without a desktop xvfb and chromium; for tests also xrandr,
# xdpyinfo, prometheus for promtool, unzip) when missing and root;
# otherwise it names the package to install and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '%s\n' "$*" >&2; }

ensure_node_modules() {
  local want have=""
  want=$(sha256sum package-lock.json | cut -d' ' -f1)
  [ -f node_modules/.install-stamp ] && have=$(cat node_modules/.install-stamp)
  if [ ! -x node_modules/.bin/deno ] || [ "$want" != "$have" ]; then
    command -v npm >/dev/null || { say "npm is missing: install Node.js (Debian: apt-get install nodejs npm)"; exit 1; }
    say "== installing npm packages (npm ci)"
    npm ci --no-audit --no-fund --loglevel=error >&2
    echo "$want" > node_modules/.install-stamp
  fi
}

# ensure_debian PACKAGE:COMMAND ... installs each package whose command is missing.
ensure_debian() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair#*:}" >/dev/null 2>&1 || missing+=("${pair%%:*}")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
    say "missing Debian package(s): ${missing[*]}"
    say "install them with: sudo apt-get install -y ${missing[*]}"
    exit 1
  fi
  say "== installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

deno() { node_modules/.bin/deno "$@"; }

run_tests() {
  local log status=0
  say "== format, lint, type-check, generated files"
  deno fmt --check
  deno lint
  deno task check
  deno task gen:check
  say "== tests"
  log=$(mktemp)
  NO_COLOR=1 deno task test 2>&1 | tee "$log" || status=$?
  # deno's summary is "ok | 12 passed (3 steps) | 0 failed | 1 ignored (5s)"; CI reads the plain form.
  local summary passed failed ignored
  summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -1 || true)
  passed=$(sed -nE 's/.* ([0-9]+) passed.*/\1/p' <<<"$summary")
  failed=$(sed -nE 's/.* ([0-9]+) failed.*/\1/p' <<<"$summary")
  ignored=$(sed -nE 's/.* ([0-9]+) ignored.*/\1/p' <<<"$summary")
  rm -f "$log"
  if [ -z "$passed" ]; then say "no test summary found"; return 1; fi
  echo "tests: ${passed} passed, ${failed:-0} failed, ${ignored:-0} skipped"
  return "$status"
}

case "${1:-}" in
  demo)
    shift
    ensure_node_modules
    # Without a desktop the demo brings its own display (Xvfb) showing a scene in Chromium.
    if [ -z "${DISPLAY:-}" ]; then
      ensure_debian ffmpeg:ffmpeg xvfb:Xvfb chromium:chromium
    else
      ensure_debian ffmpeg:ffmpeg
    fi
    exec node_modules/.bin/deno run --allow-all main.ts demo "$@"
    ;;
  test)
    ensure_node_modules
    ensure_debian ffmpeg:ffmpeg xvfb:Xvfb x11-xserver-utils:xrandr x11-utils:xdpyinfo prometheus:promtool chromium:chromium unzip:unzip
    run_tests
    ;;
  *)
    say "usage: scripts/run.sh demo|test"
    exit 2
    ;;
esac
