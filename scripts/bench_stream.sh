#!/usr/bin/env bash
# Streaming benchmark for GridIO (not a unit test): writes a ~2 GB NetCDF-4 file with python netCDF4, then streams
# it time step by time step (GridIO TimeStepReader, via the GridIOTests benchmark mode) and, if built, through
# `gridcnn info` (FileSummary statistics), reporting peak RSS from /usr/bin/time -v. Peak RSS should stay near one
# time step (720 x 1440 floats = 4 MB) plus the chunk cache and the runtime, not near the file size.
#
# Usage: scripts/bench_stream.sh [size_GB (default 2)] [--compress]
# Env:   BENCH_DIR (default /tmp/gridio-bench), SCRATCH (default .build-io), KEEP=1 keeps the data file.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZE_GB="${1:-2}"
COMPRESS=0; [[ "${2:-}" == "--compress" ]] && COMPRESS=1
BENCH_DIR="${BENCH_DIR:-/tmp/gridio-bench}"
SCRATCH="${SCRATCH:-.build-io}"
DATA="$BENCH_DIR/stream_${SIZE_GB}GB.nc"
mkdir -p "$BENCH_DIR"

if [[ ! -f "$DATA" ]]; then
  echo "== writing $DATA (~${SIZE_GB} GB, compress=$COMPRESS)"
  python3 - "$DATA" "$SIZE_GB" "$COMPRESS" <<'PY'
import sys, numpy as np, netCDF4
path, size_gb, compress = sys.argv[1], float(sys.argv[2]), sys.argv[3] == "1"
ny, nx = 720, 1440
steps = max(1, int(size_gb * 1e9 / (ny * nx * 4)))
with netCDF4.Dataset(path + ".part", "w", format="NETCDF4") as d:
    d.createDimension("time", None); d.createDimension("lat", ny); d.createDimension("lon", nx)
    t = d.createVariable("time", "f8", ("time",)); t.units = "hours since 2000-01-01 00:00:00"; t.calendar = "noleap"
    lat = d.createVariable("lat", "f8", ("lat",)); lat.units = "degrees_north"; lat[:] = np.linspace(-89.875, 89.875, ny)
    lon = d.createVariable("lon", "f8", ("lon",)); lon.units = "degrees_east"; lon[:] = np.linspace(0.125, 359.875, nx)
    v = d.createVariable("tas", "f4", ("time", "lat", "lon"), chunksizes=(1, ny, nx), zlib=compress, complevel=1,
                         fill_value=np.float32(1e20))
    v.units = "K"
    base = (250 + 40 * np.cos(np.deg2rad(lat[:]))[:, None] * np.ones((1, nx))).astype("f4")
    rng = np.random.default_rng(0)
    for i in range(steps):
        field = base + rng.standard_normal((ny, nx), dtype="f4")
        field[0, :10] = np.float32(1e20)  # a few missing values per step
        v[i] = field; t[i] = 6 * i
print(f"wrote {steps} steps")
PY
  mv "$DATA.part" "$DATA"
fi
ls -lh "$DATA"

echo "== building (release, scratch $SCRATCH)"
# The tests use @testable import, so release needs -enable-testing.
swift build -c release --scratch-path "$SCRATCH" --build-tests -Xswiftc -enable-testing >/dev/null
BIN_DIR="$(swift build -c release --scratch-path "$SCRATCH" -Xswiftc -enable-testing --show-bin-path)"
TESTS="$(ls -d "$BIN_DIR"/*PackageTests.xctest | head -1)"

echo "== TimeStepReader over tas"
GRIDIO_BENCH_FILE="$DATA" GRIDIO_BENCH_VAR=tas /usr/bin/time -v "$TESTS" --testing-library swift-testing \
  --filter streamBenchmark 2>&1 | grep -E "GRIDIO_BENCH|Maximum resident|Elapsed \(wall" || true

if [[ -x "$BIN_DIR/gridcnn" ]]; then
  echo "== gridcnn info --var tas --json"
  /usr/bin/time -v "$BIN_DIR/gridcnn" info "$DATA" --var tas --json 2>&1 \
    | grep -E '"(min|max|mean|missing)"|Maximum resident|Elapsed \(wall' || true
fi
[[ "${KEEP:-0}" == "1" ]] || rm -f "$DATA"
