#!/usr/bin/env bash
# Builds the DocC documentation of every library product (apple/swift-docc-plugin) and fails on any DocC warning:
# a broken ``symbol`` link in a catalog page or a /// comment, a topic naming a symbol that no longer exists.
#   bash scripts/build-docs.sh [TARGET...]      (default: every library product)
# Archives land in .build-docs/plugins/Swift-DocC/outputs/<Target>.doccarchive, transformed for static hosting:
#   python3 -m http.server -d .build-docs/plugins/Swift-DocC/outputs/GridIO.doccarchive 8000
#   then open http://localhost:8000/documentation/gridio
# It builds in its own scratch folder (.build-docs, a debug build for the symbol graphs), so it never touches or
# waits for the release build in .build.
set -euo pipefail
cd "$(dirname "$0")/.."
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(GridTensor GridAutograd GridNN GridModels GridIO GridTrain GridPlot GridTasks GridExchange GridMPI)
args=()
for t in "${targets[@]}"; do
  [ -f "Sources/$t/$t.docc/$t.md" ] || { echo "build-docs: Sources/$t/$t.docc/$t.md is missing" >&2; exit 2; }
  args+=(--target "$t")
done
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
# --disable-sandbox: the plugin writes into the scratch folder, which the sandbox (where there is one) forbids.
swift package --scratch-path .build-docs --disable-sandbox generate-documentation "${args[@]}" \
  --warnings-as-errors >"$log" 2>&1 || status=$?
# DocC's diagnostics (with --warnings-as-errors, warnings print as "error:") with their source lines, then what was built.
grep -vE "^\[[0-9]+/[0-9]+\]" "$log" | grep -E -A3 "(warning|error):" | head -n 80 || true
grep -E "^Finished building documentation for" "$log" || true
# --warnings-as-errors makes DocC exit non-zero on any warning; a DocC warning line starts with "warning:".
if [ "$status" -ne 0 ] || grep -qE "^warning: " "$log"; then
  echo "build-docs: DocC reported problems (above)" >&2
  exit 1
fi
echo "build-docs: ${#targets[@]} archives in .build-docs/plugins/Swift-DocC/outputs/"
