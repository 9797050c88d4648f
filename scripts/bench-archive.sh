#!/usr/bin/env bash
# Downscaling on archives bigger than memory: builds synthetic multi-file archives (scripts/make_archive.py: the
# bundled CMIP5 temperature on a regional 0.25-degree grid, 365 daily steps per file, persistent weather-like
# noise) of about 2 GB and 20 GB of fine truth, plus their 4x coarser versions, then measures
#   - `train downscale` on each: peak RSS (flat in archive size?), seconds per step and the data loader's share,
#   - `downscale` of DOWNSCALE_FILES coarse files into a folder (one output per file) and of the same steps from one
#     file: steps/s, MB/s (fine output), peak RSS.
# The big archive needs ~22 GB free; with less, it is shrunk to what fits (said in the output).
# Usage: scripts/bench-archive.sh [WORKDIR]   (env: SIZES="2 20", EPOCHS=2, STEPS=40, DOWNSCALE_FILES=2, KEEP=1, TRAIN_ONLY=1)
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${1:-/work/bench-archive}
SIZES=${SIZES:-"2 20"}
EPOCHS=${EPOCHS:-2}; STEPS=${STEPS:-40}; DOWNSCALE_FILES=${DOWNSCALE_FILES:-2}
G=$PWD/.build/release/gridcnn
[ -x "$G" ] || bash scripts/build.sh --product gridcnn
python3 -c "import netCDF4, numpy" 2>/dev/null || pip install -q netCDF4 numpy
command -v /usr/bin/time >/dev/null || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
mkdir -p "$WORK"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GiB; load $(cut -d' ' -f1-3 /proc/loadavg); $(df -h "$WORK" | awk 'NR==2 {print $4}') free on $WORK"

rss_mb() { awk '/Maximum resident set size/ {printf "%.0f", $6 / 1024}' "$1"; }
for size in $SIZES; do
  dir=$WORK/archive-${size}gb
  if [ ! -f "$dir/.complete" ]; then
    rm -rf "$dir"
    free_gb=$(df -BG --output=avail "$WORK" | tail -1 | tr -dc 0-9)
    want=$(python3 -c "print($size * 1.07 + 3)")
    if python3 -c "import sys; sys.exit(0 if $free_gb < $want else 1)"; then
      shrunk=$(python3 -c "print(max(0, round(($free_gb - 3) / 1.07, 1)))")
      echo "only ${free_gb} GB free: the ${size} GB archive is shrunk to ${shrunk} GB"; size=$shrunk
      python3 -c "import sys; sys.exit(0 if $size >= 0.5 else 1)" || { echo "skipped: too little disk"; continue; }
    fi
    start=$(date +%s)
    python3 scripts/make_archive.py --mode daily --gigabytes "$size" --coarse-factor 4 --first-year 1950 --out "$dir" > "$dir.log"
    touch "$dir/.complete"
    echo "archive ${size} GB: $(ls "$dir/fine" | wc -l) files, $(du -sh "$dir/fine" | cut -f1) fine + $(du -sh "$dir/coarse" | cut -f1) coarse, made in $(( $(date +%s) - start )) s"
  fi
  files=$(ls "$dir/fine" | wc -l)
  # Train: patches read as windows, batches built ahead; the statistics pass reads every training step once.
  /usr/bin/time -v "$G" train downscale --truth "$dir/fine/*.nc" --var tas --factor 4 --width 32 --validate-every 10 \
    --epochs "$EPOCHS" --steps-per-epoch "$STEPS" --batch-size 16 --seed 0 --output "$dir/model.h5" --overwrite --json --quiet \
    > "$dir/train.json" 2> "$dir/train.time"
  python3 - "$dir/train.json" "$(rss_mb "$dir/train.time")" "$size" "$files" "$(awk -F': ' '/Elapsed/ {print $2}' "$dir/train.time")" <<'PY'
import json, sys
r = json.load(open(sys.argv[1])); rss, size, files, wall = sys.argv[2:6]
step, loader = r["step_seconds"], r["loader_seconds_per_step"]
print(f"train {size} GB ({files} files): peak RSS {rss} MB; wall {wall} (statistics pass {r['statistics_seconds']:.0f} s, "
      f"validation {r['validation_seconds']:.0f} s); {step * 1000:.0f} ms/step, loader waits "
      f"{loader * 1000:.1f} ms/step ({100 * loader / step:.1f}%); {r['batches_built_ahead']}/{r['training']['steps']} batches built ahead; "
      f"bicubic val RMSE {r['bicubic_validation_rmse']:.3f}, cnn {r['best_validation_rmse']:.3f} K")
PY
  [ -z "${TRAIN_ONLY:-}" ] || continue
  # Downscale: DOWNSCALE_FILES coarse files into a folder, then the same steps from one file.
  ls "$dir"/coarse/*.nc | head -n "$DOWNSCALE_FILES" > "$dir/subset.txt"
  python3 - "$dir/subset.txt" "$dir/one-file.nc" <<'PY'
import sys, netCDF4, numpy as np
paths = [l.strip() for l in open(sys.argv[1])]
first = netCDF4.Dataset(paths[0]); units, cal = first["time"].units, first["time"].calendar
out = netCDF4.Dataset(sys.argv[2], "w", format="NETCDF4")
for d in ("lat", "lon"):
    out.createDimension(d, len(first[d])); v = out.createVariable(d, "f8", (d,)); v.setncatts(first[d].__dict__); v[:] = first[d][:]
out.createDimension("time", None)
t = out.createVariable("time", "f8", ("time",)); t.units, t.calendar = units, cal
v = out.createVariable("tas", "f4", ("time", "lat", "lon"), fill_value=np.float32(1e20), chunksizes=(1, len(first["lat"]), len(first["lon"])))
v.setncatts({k: a for k, a in first["tas"].__dict__.items() if k != "_FillValue"})
n = 0
for p in paths:
    d = netCDF4.Dataset(p)
    k = len(d["time"])
    t[n:n + k] = netCDF4.date2num(netCDF4.num2date(d["time"][:], d["time"].units, d["time"].calendar), units, cal)
    v[n:n + k] = d["tas"][:]
    n += k
out.close()
PY
  rm -rf "$dir/out" "$dir/out-one.nc"
  /usr/bin/time -v "$G" downscale --model "$dir/model.h5" --input "@$dir/subset.txt" --output "$dir/out/" --json --quiet > "$dir/apply.json" 2> "$dir/apply.time"
  /usr/bin/time -v "$G" downscale --model "$dir/model.h5" --input "$dir/one-file.nc" --output "$dir/out-one.nc" --json --quiet > "$dir/apply-one.json" 2> "$dir/apply-one.time"
  python3 - "$dir/apply.json" "$dir/apply-one.json" "$(rss_mb "$dir/apply.time")" "$(rss_mb "$dir/apply-one.time")" "$size" "$files" <<'PY'
import json, sys
a, o = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])); rss_a, rss_o, size, files = sys.argv[3:7]
def line(r, what, rss):
    mb = r["steps"] * r["fine_height"] * r["fine_width"] * 4 / 1e6
    return (f"downscale {what}: {r['steps']} steps of {r['fine_height']}x{r['fine_width']} in {r['seconds']:.1f} s = "
            f"{r['steps'] / r['seconds']:.1f} steps/s, {mb / r['seconds']:.1f} MB/s fine output; peak RSS {rss} MB")
print(line(a, f"({size} GB archive, {len(a['outputs'])} files -> folder)", rss_a))
print(line(o, "(same steps, one file)", rss_o))
whole = int(files) * 365
print(f"  whole {size} GB archive ({whole} steps) at this rate: {whole / (a['steps'] / a['seconds']) / 60:.0f} min (extrapolated)")
PY
  [ -n "${KEEP:-}" ] || rm -rf "$dir/out" "$dir/out-one.nc" "$dir/one-file.nc"
done
