#!/usr/bin/env bash
# The whole test suite: installs what it needs, builds in release (numeric tests are 10-100x slower in debug),
# runs every test target, then the command-line walkthroughs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build 2>&1 | tail -n 400
