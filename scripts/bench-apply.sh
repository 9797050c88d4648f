#!/usr/bin/env bash
# Steps per second of the apply jobs on the bundled data (issue 18): downscale (SRCNN on the CMIP5 sample), detect
# (the shipped UNet on the weather test file) and classify (a jet CNN on the 7000 sample jets), whole commands
# including start-up and IO, 1 thread. The 12-step NetCDF files are repeated in time (240 steps) so the run is not
# all start-up. With GRIDCNN_BASE=path/to/older/gridcnn the older binary runs the same jobs on the same models in the
# same rounds (an A/B of a change); the minimum over ROUNDS rounds is reported.
# Usage: [ROUNDS=3] [GRIDCNN_BASE=...] scripts/bench-apply.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh --product gridcnn >/dev/null
G=$PWD/.build/release/gridcnn
PY=python3
if [ -x .venv-peers/bin/python ]; then PY=.venv-peers/bin/python; fi
$PY -c "import netCDF4" 2>/dev/null || $PY -m pip install -q netCDF4
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
D=datasets/climate
STATIC=(--static "$D/orog_mod1_rectilinear_grid_2D.nc:orog" --static "$D/sftlf_mod1_rectilinear_grid_2D.nc:sftlf")
REPEAT=20

echo "models (trained once with $G, short runs: speed, not skill, is measured)" >&2
$G train downscale --truth "$D/tas_rectilinear_grid_2D.nc" --var tas "${STATIC[@]}" --factor 4 --model srcnn \
  --epochs 1 --seed 0 --output "$tmp/down.h5" --quiet
$G coarsen --input "$D/tas_rectilinear_grid_2D.nc" --var tas --factor 4 --output "$tmp/coarse12.nc" --quiet
$G train classify --input datasets/jets/jets_sample.h5 --epochs 1 --steps-per-epoch 20 --output "$tmp/jets.h5" --quiet

# The same fields repeated REPEAT times along the (unlimited) time axis, times continuing past the last one.
$PY - "$tmp/coarse12.nc" "$tmp/coarse.nc" datasets/weather/weather_test.nc "$tmp/weather.nc" "$REPEAT" <<'PY'
import sys, netCDF4 as nc, numpy as np
n = int(sys.argv[5])
for src, dst in ((sys.argv[1], sys.argv[2]), (sys.argv[3], sys.argv[4])):
    with nc.Dataset(src) as a, nc.Dataset(dst, "w", format=a.data_model) as b:
        b.setncatts({k: a.getncattr(k) for k in a.ncattrs()})
        for name, d in a.dimensions.items():
            b.createDimension(name, None if d.isunlimited() else len(d))
        for name, v in a.variables.items():
            fill = v.getncattr("_FillValue") if "_FillValue" in v.ncattrs() else None
            w = b.createVariable(name, v.datatype, v.dimensions, fill_value=fill)
            w.setncatts({k: v.getncattr(k) for k in v.ncattrs() if k != "_FillValue"})
            v.set_auto_maskandscale(False); w.set_auto_maskandscale(False)
            data = v[...]
            if v.dimensions and a.dimensions[v.dimensions[0]].isunlimited():
                if name == "time":
                    step = (data[-1] - data[0]) / max(len(data) - 1, 1) if len(data) > 1 else 1
                    data = np.concatenate([data + i * step * len(data) for i in range(n)])
                else:
                    data = np.concatenate([data] * n, axis=0)
            w[...] = data
PY

labels=(now); [ -n "${GRIDCNN_BASE:-}" ] && labels=(base now)
declare -A best
job() {   # job label binary: runs one job once, keeps the fastest time
  local s e B=$3 cmd
  case $1 in
    downscale) cmd=(downscale --model "$tmp/down.h5" --input "$tmp/coarse.nc" "${STATIC[@]}" --output "$tmp/out.nc") ;;
    detect) cmd=(detect --model models/detect-unet.h5 --input "$tmp/weather.nc" --output "$tmp/out.nc") ;;
    classify) cmd=(classify --model "$tmp/jets.h5" --input datasets/jets/jets_sample.h5 --output "$tmp/out.h5") ;;
  esac
  s=$(date +%s.%N); "$B" "${cmd[@]}" --overwrite --threads 1 >/dev/null 2>&1 || { echo "failed: $B ${cmd[*]}" >&2; exit 1; }
  e=$(date +%s.%N)
  best[$1.$2]=$(echo "$s $e ${best[$1.$2]:-1e9}" | awk '{d = $2 - $1; print (d < $3 ? d : $3)}')
}
# Rounds of (every job x every binary), so a burst of load from another tenant hits both binaries alike.
for _ in $(seq "${ROUNDS:-3}"); do
  for j in downscale detect classify; do
    for label in "${labels[@]}"; do
      if [ "$label" = base ]; then job "$j" base "$GRIDCNN_BASE"; else job "$j" now "$G"; fi
    done
  done
done
echo "machine: $(nproc) cores, kernels: $(grep -qw avx512f /proc/cpuinfo && echo AVX-512 || echo AVX2); load: $(cut -d' ' -f1-3 /proc/loadavg)"
printf "%-10s %-6s %8s %10s\n" job binary seconds "per s"
for j in downscale detect classify; do
  case $j in downscale | detect) n=$((12 * REPEAT)); unit=steps ;; classify) n=7000; unit=jets ;; esac
  for label in "${labels[@]}"; do
    t=${best[$j.$label]}
    printf "%-10s %-6s %8.2f %10.1f %s\n" "$j" "$label" "$t" "$(echo "$n $t" | awk '{print $1 / $2}')" "$unit"
  done
done
