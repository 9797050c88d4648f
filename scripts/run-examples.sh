#!/usr/bin/env bash
# Runs every library example (Examples/, built by the release build as example-* executables) on the bundled data in
# a temporary folder, so the code README points library users to keeps compiling and working. Each example checks
# its own result and exits non-zero on failure; this stops at the first one that fails. Under a minute in all.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${GRIDCNN_BIN:-.build/release}
for e in read-field train-downscale apply-checkpoint label autograd; do
  [ -x "$B/example-$e" ] || { echo "run-examples: $B/example-$e missing; build first (bash scripts/build.sh)" >&2; exit 1; }
done
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
run() {   # NAME ARGS...: one example, timed; its one-line result on stdout
  local started=$SECONDS
  if ! "$B/example-$1" "${@:2}"; then echo "run-examples: example-$1 FAILED" >&2; exit 1; fi
  echo "  ($((SECONDS - started)) s)"
}
run read-field datasets/climate/tas_rectilinear_grid_2D.nc "$W"
run train-downscale datasets/climate "$W/model.h5"
run apply-checkpoint "$W/model.h5" datasets/climate "$W"
run label datasets/weather/weather_test.nc "$W"
run autograd
echo "run-examples: all 5 examples passed"
