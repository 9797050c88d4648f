#!/usr/bin/env bash
# Peak resident memory of a steady-state training step, gridcnn and PyTorch (1 thread), one process per workload
# and framework, measured the same way (VmHWM reset after a warm-up step). Prints MB and the ratio gridcnn / torch
# (below 1 = gridcnn uses less). Usage: scripts/bench-memory.sh [workload ...]
set -euo pipefail
cd "$(dirname "$0")/.."
REF=${TORCH_REF:-../shared/bench/torch_ref.py}
python3 -c "import torch" 2>/dev/null || pip install -q "torch==2.13.0+cpu"
bash scripts/setup.sh
bash scripts/build.sh --product gridcnn
ws=${*:-srcnn unet wavenet tdnn}
printf "%-9s %12s %12s %12s %12s %7s\n" workload "torch base" "torch peak" "ours base" "ours peak" "ratio"
for w in $ws; do
  t=$(OMP_NUM_THREADS=1 python3 scripts/bench_memory_torch.py "$REF" "$w")
  g=$(.build/release/gridcnn bench --memory --workload "$w" --json)
  python3 - "$t" "$g" <<'PY'
import json, sys
t = json.loads(sys.argv[1]); g = json.loads(sys.argv[2])[0]
print(f"{t['workload']:9} {t['baselineMB']:12.1f} {t['peakMB']:12.1f} {g['baseline_mb']:12.1f} {g['peak_mb']:12.1f} {g['peak_mb'] / t['peakMB']:7.2f}")
PY
done
echo "MB resident; peak = highest resident set during 3 training steps after a warm-up step; ratio = ours peak / torch peak"
