#!/usr/bin/env bash
# PyTorch weights in: builds the PyTorch module of each model kind (scripts/exchange/torch_models.py), saves its
# state_dict as safetensors, imports it with `gridcnn import` and compares outputs on the same input (the same
# script as check-onnx.sh, without the trained checkpoint). --write-fixtures Tests/GridExchangeTests/Fixtures
# regenerates the committed test fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q onnx onnxruntime safetensors numpy h5py "torch==2.13.0+cpu" 2>&1 | grep -v "^WARNING: Running pip" || true
python3 scripts/exchange/check_exchange.py --gridcnn "${GRIDCNN:-.build/release/gridcnn}" --detect-roundtrip "$@"
