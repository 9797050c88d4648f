#!/usr/bin/env bash
# MPI benchmark: one rank against mpirun -np 2 (see scripts/bench-mpi.py). Needs openmpi-bin (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
python3 scripts/bench-mpi.py "$@"
