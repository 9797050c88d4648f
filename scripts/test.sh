#!/usr/bin/env bash
# README command 2, and what CI runs: installs what it needs, builds in release (numeric tests are 10-100x slower in
# debug), runs every test target, then the command-line walkthroughs (each ends on a pass/fail threshold).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Every public declaration of these products has a /// doc comment (issue 24): a new one without fails CI
# before anything is built.
bash scripts/check-doc-comments.sh --strict --counts GridTensor GridAutograd GridNN GridModels GridIO GridTrain GridPlot \
  GridExchange GridMPI GridTasks
bash scripts/build.sh --build-tests
log=$(mktemp)
status=0
swift test -c release -Xswiftc -enable-testing --skip-build >"$log" 2>&1 || status=$?
grep -vE "^(◇|􀟈|\[90m◇|.*\] .* started\.?$)" "$log" | grep -vE " started\.$" | tail -n 300
# Failure details can scroll out of the tail above: repeat them.
grep -E "recorded an issue|Caught error|Fatal error" "$log" | head -n 40 || true
rm -f "$log"
[ "$status" -eq 0 ] || exit "$status"
# The library examples (Examples/, issue 24) on the bundled data: they must compile and work as README shows them.
bash scripts/run-examples.sh
# Not here: scripts/build-docs.sh (DocC for every product, failing on warnings) needs a debug build of every library
# for its symbol graphs, minutes on a fresh clone; run it when changing documentation.
# A quick seeded fuzz of every file kind and reading command (issue 22): no crash, hang or unclean error.
fuzz=$(mktemp -d)
if ! bash scripts/fuzz/fuzz-files.sh --quick --out "$fuzz"; then
  echo "fuzz: reproducers kept in $fuzz/reproducers" >&2; exit 1
fi
rm -rf "$fuzz"
bash notebooks-cli/run-all.sh
