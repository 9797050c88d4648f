#!/usr/bin/env bash
# ONNX export and PyTorch import checked against onnxruntime and PyTorch for every model kind the jobs train (and
# the committed trained UNet), see scripts/exchange/check_exchange.py for cases and tolerance. Outside CI: it
# installs onnx, onnxruntime, torch (CPU) and safetensors with pip. Needs .build/release/gridcnn (swift build -c release).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q onnx onnxruntime safetensors numpy h5py "torch==2.13.0+cpu" 2>&1 | grep -v "^WARNING: Running pip" || true
python3 scripts/exchange/check_exchange.py --gridcnn "${GRIDCNN:-.build/release/gridcnn}" --checkpoint models/detect-unet.h5 "$@"
