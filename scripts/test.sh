#!/usr/bin/env bash
# README command 2, and what CI runs: installs what it needs, builds in release (numeric tests are 10-100x slower in
# debug), runs every test target, then the command-line walkthroughs (each ends on a pass/fail threshold).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build 2>&1 | grep -vE "^(◇|􀟈|\[90m◇|.*\] .* started\.?$)" | grep -vE " started\.$" | tail -n 300
bash notebooks-cli/run-all.sh
