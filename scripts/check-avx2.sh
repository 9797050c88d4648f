#!/usr/bin/env bash
# The whole test suite with the C kernels built for AVX2 only: no target clones (GK_NO_CLONES) and
# -march=haswell, in its own scratch path. On an AVX-512 machine the normal build runs the x86-64-v4 clones, so
# this is how the AVX2 code (what a machine without AVX-512 runs) gets tested here; it also checks with objdump
# that no AVX-512 instruction slipped into the kernels. About 4 minutes of build on 2 cores.
# Usage: scripts/check-avx2.sh [swift test arguments, e.g. --filter GridKernelTests]
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH=${SCRATCH:-.build-avx2}
swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path "$SCRATCH" \
  -Xcc -DGK_NO_CLONES -Xcc -march=haswell
wide=0
for f in "$SCRATCH"/release/CGridKernels.build/*.o; do
  n=$(objdump -d "$f" | grep -c 'zmm\|%k[1-7]' || true)
  if [ "$n" -gt 0 ]; then echo "AVX-512 instructions in $f: $n" >&2; wide=1; fi
done
[ "$wide" -eq 0 ] || exit 1
echo "kernels: no AVX-512 instruction in the AVX2 build"
swift test -c release -Xswiftc -enable-testing --scratch-path "$SCRATCH" --skip-build "$@"
