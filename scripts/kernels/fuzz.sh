#!/usr/bin/env bash
# Builds the C kernels with AddressSanitizer and runs random geometries against the reference kernels.
# Usage: scripts/kernels/fuzz.sh [iterations=400] [seed=1]
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
# (gold warns about every ASAN helper symbol; the log is shown only if the build fails)
clang -g -O1 -fsanitize=address -ISources/CGridKernels/include -ISources/CGridKernels Sources/CGridKernels/*.c \
  scripts/kernels/fuzz_conv.c -o "$out/fuzz" -lopenblas -lm -lpthread >"$out/build.log" 2>&1 || { cat "$out/build.log" >&2; exit 1; }
ASAN_OPTIONS=detect_leaks=0 "$out/fuzz" "${1:-400}" "${2:-1}"
