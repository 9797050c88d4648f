#!/usr/bin/env bash
# Walkthrough 6: following storms through time — generated storms with known tracks, and the January 1996 North
# American blizzard.
# Generated: datasets/weather/weather_tracks.nc holds 8 tropical cyclones moving along known paths for 12-20
# six-hourly steps over an ECHAM5 background, and 22 warm-core decoys that last one step. Tracked with the tropical
# preset and scored against the known tracks (weather_tracks.csv): passes with POD >= 0.9, FAR <= 0.1 and a mean
# position error under 120 km (the grid spacing is about 208 km; measured 78.7 km); the labeller's cyclone regions
# followed as objects (gridcnn track-objects) must be the 8 storms, the decoys dropped.
# Blizzard:
# NCL's sample data (Debian libncarg-data) holds 64 six-hourly analyses from 1996-01-05 00 UTC on a 1.25 x 2.5 degree
# North American grid, one variable per file: sea-level pressure (Pstorm.cdf, Pa) and surface winds (Ustorm.cdf,
# Vstorm.cdf). The time axis has no units, so they are given. Steps: track the extratropical cyclones (GFDL text, CSV
# and CF trajectory NetCDF), read them back with `evaluate track` and netCDF4-python (they must agree exactly), and check the blizzard's track against its
# documented history (Wikipedia, "North American blizzard of 1996"; NWS Mount Holly discussion of 7 January 1996;
# Baltimore Sun, 8 January 1996): it formed on the Gulf coast on 6-7 January, passed off Cape Hatteras around
# 8 January 00 UTC, deepened east of New Jersey / Delmarva, with its lowest documented pressure 980 hPa at 12 UTC on
# 8 January, then moved out north-eastward.
# Passes when one track starts over the Gulf coast / Southeast by 7 January 12 UTC, lies within 3 degrees of Cape
# Hatteras on 8 January 00 UTC and within 3 degrees of 38.5N 73W on 8 January 12 UTC, has a central pressure then
# within 10 hPa of 980 (a 2.5-degree grid smooths the minimum), and ends at least 8 degrees north and 15 degrees east
# of where it started; and when the GFDL and NetCDF files score POD 1, FAR 0 against the CSV.
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GRIDCNN:-.build/release/gridcnn}
C=/usr/share/ncarg/data/cdf
[ -f "$C/Pstorm.cdf" ] || { echo "FAIL: $C/Pstorm.cdf missing (install libncarg-data: scripts/setup.sh)"; exit 1; }
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT

# 0. Generated storms: tracks, then the scores against the generator's known tracks.
$G track --input datasets/weather/weather_tracks.nc --preset tropical --output "$W/generated.txt" --quiet > /dev/null
$G evaluate track --tracks "$W/generated.txt" --reference datasets/weather/weather_tracks.csv
$G evaluate track --tracks "$W/generated.txt" --reference datasets/weather/weather_tracks.csv --json > "$W/generated.json"
#    The same storms as objects: the labeller's cyclone regions linked by overlap (one-step decoys are dropped).
$G label --input datasets/weather/weather_tracks.nc --output "$W/labels.nc" --quiet > /dev/null
$G track-objects --input "$W/labels.nc" --class 1 --output "$W/objects.nc" --table "$W/objects.csv" --json --quiet > "$W/objects.json"
# 1. Tracks: PSL minima with a closed 2 hPa contour within 6 degrees, stitched within 6 degrees per step, kept when
#    they live 24 h and travel 6 degrees (the extratropical preset). Winds come from their own files (FILE:VAR).
$G track --input "$C/Pstorm.cdf" --psl p --u "$C/Ustorm.cdf:u" --v "$C/Vstorm.cdf:v" \
  --time-units 'hours since 1996-01-05 00:00' --output "$W/tracks.txt" --quiet
$G track --input "$C/Pstorm.cdf" --psl p --u "$C/Ustorm.cdf:u" --v "$C/Vstorm.cdf:v" \
  --time-units 'hours since 1996-01-05 00:00' --output "$W/tracks.csv" --figure "$W/tracks.png" --json --quiet > "$W/report.json"
$G track --input "$C/Pstorm.cdf" --psl p --u "$C/Ustorm.cdf:u" --v "$C/Vstorm.cdf:v" \
  --time-units 'hours since 1996-01-05 00:00' --output "$W/tracks.nc" --quiet > /dev/null
head -3 "$W/tracks.txt"
# 2. Every format reads back: the GFDL text and the CF trajectory NetCDF scored against the CSV, and the NetCDF
#    file read by netCDF4-python (scripts/check_trajectory.py) must hold the CSV's tracks.
$G evaluate track --tracks "$W/tracks.txt" --reference "$W/tracks.csv" --json > "$W/eval.json"
$G evaluate track --tracks "$W/tracks.nc" --reference "$W/tracks.csv" --json > "$W/eval-nc.json"
python3 scripts/check_trajectory.py "$W/tracks.nc" "$W/tracks.csv"
# Figures: every one must be a PNG; FIGURES=DIR keeps them to look at.
python3 -c 'import sys; bad = [f for f in sys.argv[1:] if open(f, "rb").read(8) != b"\x89PNG\r\n\x1a\n"]; sys.exit("FAIL: not a PNG: " + " ".join(bad) if bad else 0)' "$W"/*.png
[ -z "${FIGURES:-}" ] || for f in "$W"/*.png; do cp "$f" "$FIGURES/$(basename "$0" .sh)-$(basename "$f")"; done
python3 - "$W/tracks.csv" "$W/report.json" "$W/eval.json" "$W/eval-nc.json" "$W/generated.json" "$W/objects.json" "$W/tracks.png" <<'PY'
import csv, json, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
report, ev, ev_nc, gen, objects = (json.load(open(f)) for f in sys.argv[2:7])
png = open(sys.argv[7], "rb").read(8) == b"\x89PNG\r\n\x1a\n"
tracks = {}
for r in rows: tracks.setdefault(r["track_id"], []).append(r)
def arc(a, b, c, d):
    r = math.pi / 180
    x = math.sin((c - a) * r / 2) ** 2 + math.cos(a * r) * math.cos(c * r) * math.sin((d - b) * r / 2) ** 2
    return 2 * math.asin(min(1, math.sqrt(x))) / r
def at(t, time): return next((p for p in t if p["time"] == time), None)
def blizzard(t):
    first, last = t[0], t[-1]
    h, d = at(t, "1996-01-08T00:00:00"), at(t, "1996-01-08T12:00:00")
    return (first["time"] <= "1996-01-07T12:00:00" and float(first["lat"]) <= 33 and -95 <= float(first["lon"]) <= -80
            and h is not None and arc(float(h["lat"]), float(h["lon"]), 35.2, -75.5) <= 3
            and d is not None and arc(float(d["lat"]), float(d["lon"]), 38.5, -73.0) <= 3
            and float(last["lat"]) - float(first["lat"]) >= 8 and float(last["lon"]) - float(first["lon"]) >= 15)
found = [k for k, t in tracks.items() if blizzard(t)]
ok = len(found) == 1
if ok:
    t = tracks[found[0]]
    print(f"blizzard: track {found[0]}, {len(t)} points, {t[0]['time']} to {t[-1]['time']}")
    for p in t: print(f"  {p['time']}  {float(p['lat']):6.2f}N {-float(p['lon']):6.2f}W  {float(p['pressure_hpa']):7.1f} hPa  wind {p['wind_ms'] or '-':>5} m/s")
    p12 = float(at(t, "1996-01-08T12:00:00")["pressure_hpa"])
    print(f"8 Jan 12 UTC central pressure {p12:.1f} hPa (documented 980 hPa); lowest on the track {min(float(p['pressure_hpa']) for p in t):.1f} hPa")
    ok = abs(p12 - 980) <= 10
else:
    print(f"no single track follows the documented path ({len(found)} candidates among {len(tracks)} tracks)")
for name, e in (("GFDL", ev), ("NetCDF", ev_nc)):
    print(f"{name} vs CSV: POD {e['probability_of_detection']:.2f}, FAR {e['false_alarm_ratio']:.2f}, position error {e['mean_position_error_km']:.3f} km")
    ok = ok and e["probability_of_detection"] == 1 and e["false_alarm_ratio"] == 0 and e["mean_position_error_km"] < 0.01
print(f"{report['candidates']} candidates, {len(report['tracks'])} tracks")
print(f"generated storms: POD {gen['probability_of_detection']:.3f} (>= 0.9), FAR {gen['false_alarm_ratio']:.3f} (<= 0.1), "
      f"position error {gen['mean_position_error_km']:.1f} km (< 120), lifetime error {gen['mean_lifetime_error_hours']:+.1f} h")
ok = ok and gen["probability_of_detection"] >= 0.9 and gen["false_alarm_ratio"] <= 0.1 and gen["mean_position_error_km"] < 120
print(f"generated storms as objects: {len(objects['objects'])} (8 storms), {objects['splits']} splits, {objects['merges']} merges; blizzard figure {'ok' if png else 'missing'}")
ok = ok and len(objects["objects"]) == 8 and png
print("PASS" if ok else "FAIL")
sys.exit(0 if ok else 1)
PY
