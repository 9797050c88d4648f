#!/usr/bin/env bash
# One release build for everything (CLI, tests, walkthroughs): -enable-testing lets the test targets use the same
# optimised build, so nothing is compiled twice.
set -euo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
if ! swift build -c release -Xswiftc -enable-testing "$@" >"$log" 2>&1; then
  grep -E "error|warning: unre" "$log" | head -n 40 >&2 || cat "$log" >&2
  rm -f "$log"; exit 1
fi
tail -n 1 "$log" >&2; rm -f "$log"
