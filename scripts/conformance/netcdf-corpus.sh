#!/usr/bin/env bash
# Compares `gridcnn info --json` with netCDF4-python over a corpus of NetCDF files (not part of the test suite):
# every CDL under the given folders is built with ncgen as classic, 64-bit offset, CDF-5 and netCDF-4 (the formats
# it accepts), .nc files there are read as they are. Prints each disagreement and a summary; exit 1 if any.
# Disagreements explained elsewhere (netCDF4-python's own limits) are listed in known-differences.txt.
# Usage: scripts/conformance/netcdf-corpus.sh FOLDER...   (needs ncgen, python3 with netCDF4 and numpy)
# Example, over netCDF-C's own test files: git clone https://github.com/Unidata/netcdf-c /tmp/netcdf-c &&
#   scripts/conformance/netcdf-corpus.sh /tmp/netcdf-c/ncdump /tmp/netcdf-c/nc_test4 /tmp/netcdf-c/nctest
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 FOLDER..." >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
gridcnn="$here/../../.build/release/gridcnn"
[ -x "$gridcnn" ] || bash "$here/../build.sh"
command -v ncgen >/dev/null || { echo "ncgen not found (Debian: netcdf-bin)" >&2; exit 2; }
python3 -c "import netCDF4, numpy" 2>/dev/null || { echo "python3 needs netCDF4 and numpy (pip install netCDF4)" >&2; exit 2; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
python3 "$here/compare_netcdf.py" "$gridcnn" "$work" "$here/known-differences.txt" "$@"
