#!/usr/bin/env bash
# gridcnn against every CPU peer on the same machine in the same run: the four workloads of shared/bench/torch_ref.py
# (eager PyTorch: training step and inference) and shared/bench/peers_ref.py (ONNX Runtime and OpenVINO: inference;
# torch.compile: training step and inference), at 1 and 2 threads. Prints every peer's ms, gridcnn's, and the ratio
# fastest peer / gridcnn (above 1 = gridcnn faster) for inference and for the training step.
# The peers live in the script's own venv (.venv-peers, reusing what the system Python already has).
# Usage: [PASSES=2] [GRIDCNN_BASE=path/to/older/gridcnn] scripts/bench-vs-torch.sh [workload|all]
#   GRIDCNN_BASE: also time an older gridcnn binary in the same passes (an A/B of a change), shown as "base".
set -euo pipefail
cd "$(dirname "$0")/.."
W=${1:-all}
REF=${TORCH_REF:-../shared/bench/torch_ref.py}
PEERS=${PEERS_REF:-../shared/bench/peers_ref.py}
if [ ! -x .venv-peers/bin/python ]; then python3 -m venv --system-site-packages .venv-peers; fi
PY=.venv-peers/bin/python
if ! $PY -c "import torch, onnx, onnxscript, onnxruntime, openvino" 2>/dev/null; then
  $PY -m pip install -q "torch==2.13.0+cpu" onnx onnxscript onnxruntime openvino
fi
bash scripts/setup.sh
bash scripts/build.sh --product gridcnn
G=.build/release/gridcnn
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), kernels: $(grep -qw avx512f /proc/cpuinfo && echo AVX-512 || echo AVX2); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
# PASSES rounds of (peers, gridcnn[, base]) so a burst of load from another tenant hits every side's minimum alike.
for pass in $(seq "${PASSES:-2}"); do
  for t in 1 2; do
    OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t $PY "$REF" "$W" >> "$tmp/torch_$t.txt"
    OMP_NUM_THREADS=$t MKL_NUM_THREADS=$t $PY "$PEERS" "$W" --threads "$t" 2>/dev/null >> "$tmp/peers_$t.txt" || true
  done
  $G bench --workload "$W" --threads 1,2 --repeats 3 --json > "$tmp/gridcnn_$pass.json"
  if [ -n "${GRIDCNN_BASE:-}" ]; then "$GRIDCNN_BASE" bench --workload "$W" --threads 1,2 --repeats 3 --json > "$tmp/base_$pass.json"; fi
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
$PY - "$tmp" <<'PY'
import json, re, sys, glob, collections
tmp = sys.argv[1]
best = collections.defaultdict(lambda: float("inf"))   # (peer, workload, phase, threads) -> ms
for t in (1, 2):
    for line in open(f"{tmp}/torch_{t}.txt"):
        m = re.match(r"(\w+).*train_step_ms=([\d.]+) infer_ms=([\d.]+) threads=(\d+)", line)
        if m:
            best[("eager", m.group(1), "train", t)] = min(best[("eager", m.group(1), "train", t)], float(m.group(2)))
            best[("eager", m.group(1), "infer", t)] = min(best[("eager", m.group(1), "infer", t)], float(m.group(3)))
    for line in open(f"{tmp}/peers_{t}.txt"):
        m = re.match(r"(\w+) (\w+): train_step_ms=([\w.]+) infer_ms=([\w.]+) threads=(\d+)", line)
        if m:
            w, peer = m.group(1), m.group(2)
            for phase, v in (("train", m.group(3)), ("infer", m.group(4))):
                if v != "nan": best[(peer, w, phase, t)] = min(best[(peer, w, phase, t)], float(v))
for side in ("gridcnn", "base"):
    for path in glob.glob(f"{tmp}/{side}_*.json"):
        for r in json.load(open(path)):
            k = (side, r["workload"], r["phase"], r["threads"])
            best[k] = min(best[k], r["ms"])
has_base = any(k[0] == "base" for k in best)
workloads = [w for w in ("srcnn", "unet", "wavenet", "tdnn") if ("gridcnn", w, "infer", 1) in best]
def f(v): return f"{v:8.2f}" if v != float("inf") else "       -"
print("inference, ms (minimum over all passes)")
print(f"{'workload':9}{'thr':>4} {'ORT':>8} {'OpenVINO':>8} {'compile':>8} {'eager':>8} " + (f"{'base':>8} " if has_base else "") + f"{'gridcnn':>8} {'vs fastest peer':>16}")
for w in workloads:
    for t in (1, 2):
        peers = [best[(p, w, "infer", t)] for p in ("ort", "openvino", "compile", "eager")]
        g = best[("gridcnn", w, "infer", t)]
        print(f"{w:9}{t:4d} " + " ".join(f(v) for v in peers) + " " + (f(best[("base", w, "infer", t)]) + " " if has_base else "") + f"{f(g)} {min(peers) / g:15.2f}x")
print("training step (forward, backward, Adam), ms")
print(f"{'workload':9}{'thr':>4} {'eager':>8} {'compile':>8} " + (f"{'base':>8} " if has_base else "") + f"{'gridcnn':>8} {'vs faster peer':>16}")
for w in workloads:
    for t in (1, 2):
        peers = [best[(p, w, "train", t)] for p in ("eager", "compile")]
        g = best[("gridcnn", w, "train", t)]
        print(f"{w:9}{t:4d} " + " ".join(f(v) for v in peers) + " " + (f(best[("base", w, "train", t)]) + " " if has_base else "") + f"{f(g)} {min(peers) / g:15.2f}x")
print("ratio = fastest peer's ms / gridcnn's ms; > 1 means gridcnn is faster. '-': the peer failed or does not do that phase.")
PY
