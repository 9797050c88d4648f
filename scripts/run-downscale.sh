#!/usr/bin/env bash
# README command 1: the main job end to end on the bundled CMIP5 sample. Installs what it needs, builds gridcnn
# (release), trains a downscaling CNN (factor 4, temperature + orography + land fraction), downscales a coarse file
# to CF NetCDF, and scores the CNN against bilinear, bicubic and BCSD on held-out months, with a PNG of the maps.
# Output in ${OUT:-out/downscale}. A few minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
G=.build/release/gridcnn
D=datasets/climate
OUT=${OUT:-out/downscale}
mkdir -p "$OUT"
TAS=$D/tas_rectilinear_grid_2D.nc
STATIC=(--static "$D/orog_mod1_rectilinear_grid_2D.nc:orog" --static "$D/sftlf_mod1_rectilinear_grid_2D.nc:sftlf")

echo "== 1. train: coarse (4x4 block means) + elevation + land fraction -> fine temperature" >&2
$G train downscale --truth "$TAS" --var tas "${STATIC[@]}" --factor 4 --model srcnn --epochs 20 --seed 0 \
   --output "$OUT/model.h5" --overwrite
echo "== 2. make a coarse input file and downscale it to the fine grid (CF NetCDF)" >&2
$G coarsen --input "$TAS" --var tas --factor 4 --output "$OUT/tas_coarse.nc" --overwrite
$G downscale --model "$OUT/model.h5" --input "$OUT/tas_coarse.nc" "${STATIC[@]}" --output "$OUT/tas_downscaled.nc" --overwrite
$G info "$OUT/tas_downscaled.nc" --var tas
echo "== 3. evaluate on held-out months against bilinear, bicubic and BCSD" >&2
$G evaluate downscale --model "$OUT/model.h5" --truth "$TAS" --var tas "${STATIC[@]}" --figure "$OUT/maps.png"
$G evaluate downscale --model "$OUT/model.h5" --truth "$TAS" --var tas "${STATIC[@]}" --json > "$OUT/evaluation.json"
echo "outputs: $OUT/model.h5 $OUT/tas_downscaled.nc $OUT/maps.png $OUT/evaluation.json" >&2
