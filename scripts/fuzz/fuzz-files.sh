#!/usr/bin/env bash
# Mutation fuzzing of every kind of file gridcnn reads, through every command that reads them (see fuzz_files.py
# for what is mutated and how outcomes are counted). Exits non-zero on any crash, hang or unclean error.
#
#   scripts/fuzz/fuzz-files.sh --quick                      # CI: 300 seeded mutations, well under a minute
#   nice -n 19 scripts/fuzz/fuzz-files.sh --mutations 20000 --seed 22 --jobs 2 --markdown   # RELIABILITY.md
#
# Options after --quick are passed on (--out DIR keeps seeds and reproducers; default .build/fuzz).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [[ "${1:-}" == "--quick" ]]; then
  shift
  set -- --mutations 300 --seed 7 --jobs 2 "$@"
fi
exec python3 scripts/fuzz/fuzz_files.py "$@"
