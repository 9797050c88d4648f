#!/usr/bin/env bash
# Walkthrough 8: the formats around gridcnn. A Zarr store (written by xarray, zarr_format=2) is read wherever a
# NetCDF file is; a trained checkpoint goes out as ONNX with its preprocessing as metadata; PyTorch weights
# (safetensors) come in as a checkpoint. Passes when the Zarr store gives the same coarsened field as its NetCDF
# copy, the ONNX export describes the trained UNet with its task record, and the imported PyTorch SRCNN exports too.
# (onnxruntime and PyTorch comparisons: scripts/check-onnx.sh, outside CI.)
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GRIDCNN:-.build/release/gridcnn}
Z=Tests/GridIOTests/Fixtures/zarr
F=Tests/GridExchangeTests/Fixtures
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

# 1. Zarr in: the same command on the store and on its NetCDF copy (scripts/make_zarr_fixture.py made both).
$G info "$Z/tas_subset.zarr" --var tas
$G coarsen --input "$Z/tas_subset.zarr" --var tas --factor 2 --output "$W/from-zarr.nc" --quiet
$G coarsen --input "$Z/tas_subset.nc" --var tas --factor 2 --output "$W/from-nc.nc" --quiet
$G info "$W/from-zarr.nc" --json > "$W/zarr.json"
$G info "$W/from-nc.nc" --json > "$W/nc.json"
# 2. ONNX out: the committed trained UNet, with a test data set (input and gridcnn's output) for any runtime.
$G export --model models/detect-unet.h5 --output "$W/detect-unet.onnx" --test-data "$W/onnx-test" --json > "$W/export.json"
# 3. PyTorch weights in: a PyTorch SRCNN's state_dict (scripts/exchange/check_exchange.py made it) as a checkpoint.
$G import --from "$F/srcnn/weights.safetensors" --model-spec "$F/srcnn/spec.json" --output "$W/srcnn.h5" --json > "$W/import.json"
$G summary "$W/srcnn.h5"
$G export --model "$W/srcnn.h5" --output "$W/srcnn.onnx" --json > "$W/export-srcnn.json"
python3 - "$W" <<'PY'
import json, os, sys
w = sys.argv[1]
z, n = json.load(open(f"{w}/zarr.json")), json.load(open(f"{w}/nc.json"))
zs, ns = z["variables"]["tas"], n["variables"]["tas"]
same = all(zs.get(k) == ns.get(k) for k in ("shape", "min", "max", "mean", "missing"))
e = json.load(open(f"{w}/export.json")); i = json.load(open(f"{w}/import.json")); s = json.load(open(f"{w}/export-srcnn.json"))
test = os.path.join(e["test_data"], "output_0.pb")
onnx_ok = (e["model_kind"] == "unet" and e["task"] == "detect" and e["nodes"] > 20 and os.path.getsize(test) > 0
           and any(k.startswith("task.") for k in e["metadata_keys"]))
import_ok = i["model_kind"] == "srcnn" and i["tensors"] == 6 and s["parameters"] == i["parameters"]
print(f"zarr: coarsened tas {zs.get('shape')} mean {zs.get('mean')} K (NetCDF copy: {ns.get('mean')} K); "
      f"onnx: {e['nodes']} nodes, input {e['input_shape']}, {len(e['metadata_keys'])} metadata keys; "
      f"safetensors: {i['tensors']} tensors, {i['parameters']} parameters")
ok = same and onnx_ok and import_ok
print("PASS" if ok else "FAIL", f"zarr == netcdf: {same}, onnx export: {onnx_ok}, pytorch import: {import_ok}")
sys.exit(0 if ok else 1)
PY
