#!/usr/bin/env bash
# Walkthrough 7: downscaling on a multi-file archive, as with a CMIP archive of many files.
# A small archive is made from the bundled CMIP5 temperature (8 years of monthly fields, 2 years per file, each file
# with its own time units, one month missing): train on 2001-2006 (a list of files), downscale the held-out
# 2007-2008 coarse files into a folder (one output per input file; --resume skips what is done), and score the
# held-out period by date with the baselines stored at training time.
# Passes when the CNN beats bicubic interpolation and BCSD in RMSE on 2007-2008, the baselines came from the
# checkpoint, and the per-file outputs are complete.
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GRIDCNN:-.build/release/gridcnn}
D=datasets/climate
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
A=$W/archive
STATIC=(--static "$D/orog_mod1_rectilinear_grid_2D.nc:orog" --static "$D/sftlf_mod1_rectilinear_grid_2D.nc:sftlf")

# 0. The archive (netCDF4-python, fixtures only): 4 files, 2004-07 left out.
python3 scripts/make_archive.py --out "$A" --years 8 --years-per-file 2 --drop 2004-07 > /dev/null
ls "$A"
# 1. Train on the first three files, named in a list file; the gap in 2004 is reported.
ls "$A"/*_2001* "$A"/*_2003* "$A"/*_2005* > "$W/train.txt"
$G train downscale --truth "@$W/train.txt" --var tas "${STATIC[@]}" --factor 4 --validate-every 6 --epochs 12 --seed 0 \
  --output "$W/model.h5" --json --quiet > "$W/train.json"
# 2. The held-out years as coarse files (a GCM's output would come this way), downscaled into a folder.
mkdir -p "$W/coarse"
for f in "$A"/*_2007*; do $G coarsen --input "$f:tas" --factor 4 --output "$W/coarse/$(basename "$f")" --quiet; done
$G coarsen --input "$A/$(basename "$A"/*_2005*):tas" --factor 4 --output "$W/coarse/$(basename "$A"/*_2005*)" --quiet
$G downscale --model "$W/model.h5" --input "$W/coarse/*.nc" "${STATIC[@]}" --output "$W/fine/" --json --quiet > "$W/apply.json"
# Run again with --resume: both outputs are complete, nothing is rewritten.
$G downscale --model "$W/model.h5" --input "$W/coarse/*.nc" "${STATIC[@]}" --output "$W/fine/" --resume --json --quiet > "$W/resume.json"
$G info "$W/fine/$(basename "$A"/*_2007*)" --json > "$W/info.json"
# 3. Score the held-out period by date over the whole archive, with the baselines fitted at training time.
$G evaluate downscale --model "$W/model.h5" --truth "$A/*.nc" --var tas "${STATIC[@]}" --period 2007:2008 \
  --spectrum-figure "$W/spectrum.png" --json > "$W/eval.json"
$G evaluate downscale --model "$W/model.h5" --truth "$A/*.nc" --var tas "${STATIC[@]}" --period 2007:2008
python3 - "$W/train.json" "$W/apply.json" "$W/resume.json" "$W/info.json" "$W/eval.json" "$W/spectrum.png" <<'PY'
import json, sys
train, apply, resume, info, ev = (json.load(open(f)) for f in sys.argv[1:6])
png = open(sys.argv[6], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
m = ev["methods"]
print(f"training: {train['truth_files']} files, warnings: {train['warnings']}")
print(f"downscale: {len(apply['outputs'])} outputs written; with --resume {len(resume['skipped_outputs'])} skipped, {len(resume['outputs'])} written")
print("RMSE 2007-2008 (K): " + ", ".join(f"{k} {m[k]['rmse']:.3f}" for k in ("climatology", "bilinear", "bicubic", "bcsd", "cnn")))
print("small-scale power ratio: " + ", ".join(f"{k} {v:.2f}" for k, v in sorted(ev["spectra"]["small_scale_power_ratio"].items())))
ok = (train["truth_files"] == 3 and any("gap" in w for w in train["warnings"])
      and len(apply["outputs"]) == 2 and len(resume["skipped_outputs"]) == 2 and not resume["outputs"]
      and info["variables"]["tas"]["shape"] == [24, 96, 192]
      and ev["baselines_fitted_on"] == "training" and len(ev["steps"]) == 24 and png
      and m["cnn"]["rmse"] < m["bicubic"]["rmse"] and m["cnn"]["rmse"] < m["bcsd"]["rmse"])
print("PASS" if ok else "FAIL", f"cnn {m['cnn']['rmse']:.3f} K vs bicubic {m['bicubic']['rmse']:.3f} K, bcsd {m['bcsd']['rmse']:.3f} K on {ev['period'][0][:7]}..{ev['period'][1][:7]}")
sys.exit(0 if ok else 1)
PY
