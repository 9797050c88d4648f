#!/usr/bin/env bash
# Runs every walkthrough in order; fails on the first that misses its threshold.
set -euo pipefail
cd "$(dirname "$0")/.."
export GRIDCNN=${GRIDCNN:-$PWD/.build/release/gridcnn}
pass=0; fail=0
for nb in notebooks-cli/[0-9][0-9]-*.sh; do
  echo "=== $nb" >&2
  if bash "$nb"; then pass=$((pass + 1)); else fail=$((fail + 1)); echo "FAILED: $nb" >&2; fi
done
echo "walkthroughs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
