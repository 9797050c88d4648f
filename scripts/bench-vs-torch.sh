#!/usr/bin/env bash
# gridcnn against PyTorch (CPU) on the same machine in the same run: the four workloads of
# shared/bench/torch_ref.py, 1 and 2 threads; prints ms for both and the speed ratio torch_ms / gridcnn_ms
# (above 1 = gridcnn faster). Installs the peer if missing. Usage: [PASSES=2] scripts/bench-vs-torch.sh [workload|all]
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-all}
REF=${TORCH_REF:-../shared/bench/torch_ref.py}
python3 -c "import torch" 2>/dev/null || pip install -q "torch==2.13.0+cpu"
bash scripts/setup.sh
bash scripts/build.sh --product gridcnn
G=.build/release/gridcnn
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs); load: $(cut -d' ' -f1-3 /proc/loadavg)"
# PASSES rounds of (torch x3, gridcnn) so that a burst of load from another tenant hits both sides' minimum
# alike rather than one side's only measurement.
for pass in $(seq "${PASSES:-2}"); do
  for t in 1 2; do
    for rep in 1 2 3; do
      OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t python3 "$REF" "$W" >> "$tmp/torch_$t.txt"
    done
  done
  $G bench --workload "$W" --threads 1,2 --repeats 3 --json > "$tmp/gridcnn_$pass.json"
done
python3 - "$tmp" <<'PY'
import json, re, sys, collections
tmp = sys.argv[1]
torch = collections.defaultdict(lambda: float("inf"))
for t in (1, 2):
    for line in open(f"{tmp}/torch_{t}.txt"):
        m = re.match(r"(\w+).*train_step_ms=([\d.]+) infer_ms=([\d.]+) threads=(\d+)", line)
        if m:
            name = m.group(1)
            torch[(name, "train", t)] = min(torch[(name, "train", t)], float(m.group(2)))
            torch[(name, "infer", t)] = min(torch[(name, "infer", t)], float(m.group(3)))
import glob
best = {}
for path in sorted(glob.glob(f"{tmp}/gridcnn_*.json")):
    for r in json.load(open(path)):
        k = (r["workload"], r["phase"], r["threads"])
        if k not in best or r["ms"] < best[k]["ms"]:
            best[k] = r
ours = list(best.values())
print(f"{'workload':9} {'phase':6} {'threads':>7} {'torch ms':>10} {'gridcnn ms':>11} {'ratio':>7} {'GFLOP/s':>8} {'% peak':>7}")
for r in ours:
    k = (r["workload"], r["phase"], r["threads"])
    tm = torch.get(k, float("nan"))
    print(f"{r['workload']:9} {r['phase']:6} {r['threads']:7d} {tm:10.2f} {r['ms']:11.2f} {tm / r['ms']:7.2f} {r['gflops']:8.1f} {r['percent_of_peak']:7.1f}")
print("ratio = torch ms / gridcnn ms (minimum over all runs of both passes); > 1 means gridcnn is faster")
PY
