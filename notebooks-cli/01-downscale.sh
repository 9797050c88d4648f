#!/usr/bin/env bash
# Walkthrough 1: statistical downscaling of CMIP5 near-surface temperature by a factor of 4.
# Perfect-model set-up: the 96x192 MPI-ESM-LR field is the truth, its 4x4 block means the coarse input;
# orography and land fraction are fine static inputs. Every 4th month is held out.
# Passes when the CNN beats both bicubic interpolation and BCSD in RMSE on the held-out months.
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GRIDCNN:-.build/release/gridcnn}
D=datasets/climate
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
STATIC=(--static "$D/orog_mod1_rectilinear_grid_2D.nc:orog" --static "$D/sftlf_mod1_rectilinear_grid_2D.nc:sftlf")

# 1. What is in the file (CF-decoded header and statistics).
$G info "$D/tas_rectilinear_grid_2D.nc" --var tas
# 2. Train (about a minute on one core).
$G train downscale --truth "$D/tas_rectilinear_grid_2D.nc" --var tas "${STATIC[@]}" --factor 4 --epochs 20 --seed 0 --output "$W/model.h5" --figure "$W/training.png" --quiet
# 3. Apply to a coarse file; check the output grid.
$G coarsen --input "$D/tas_rectilinear_grid_2D.nc" --var tas --factor 4 --output "$W/coarse.nc"
$G downscale --model "$W/model.h5" --input "$W/coarse.nc" "${STATIC[@]}" --output "$W/fine.nc" --quiet
$G info "$W/fine.nc" --json > "$W/info.json"
# 4. Score against the baselines; maps of truth, baselines, CNN and their errors with coastlines.
$G evaluate downscale --model "$W/model.h5" --truth "$D/tas_rectilinear_grid_2D.nc" --var tas "${STATIC[@]}" --figure "$W/maps.png" --json > "$W/eval.json"
# Figures: every one must be a PNG; FIGURES=DIR keeps them to look at.
python3 -c 'import sys; bad = [f for f in sys.argv[1:] if open(f, "rb").read(8) != b"\x89PNG\r\n\x1a\n"]; sys.exit("FAIL: not a PNG: " + " ".join(bad) if bad else 0)' "$W"/*.png
[ -z "${FIGURES:-}" ] || for f in "$W"/*.png; do cp "$f" "$FIGURES/$(basename "$0" .sh)-$(basename "$f")"; done
python3 - "$W/eval.json" "$W/info.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1])); info = json.load(open(sys.argv[2]))
m = e["methods"]
shape = info["variables"]["tas"]["shape"]
print("RMSE (K): " + ", ".join(f"{k} {m[k]['rmse']:.3f}" for k in ("bilinear", "bicubic", "bcsd", "cnn")))
ok = shape[-2:] == [96, 192] and m["cnn"]["rmse"] < m["bicubic"]["rmse"] and m["cnn"]["rmse"] < m["bcsd"]["rmse"]
print("PASS" if ok else "FAIL", f"cnn {m['cnn']['rmse']:.3f} K vs bicubic {m['bicubic']['rmse']:.3f} K, bcsd {m['bcsd']['rmse']:.3f} K; output grid {shape}")
sys.exit(0 if ok else 1)
PY
