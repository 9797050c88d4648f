#!/usr/bin/env python3
"""Reads a `gridcnn track` CF trajectory file with netCDF4-python, as a user's own tools would, and checks it
against the CSV of the same run: CF discrete-sampling-geometry structure (featureType, cf_role, a contiguous
ragged array whose rowSize adds up to the obs dimension, CF time units) and the same tracks, times, positions and
pressures. Usage: check_trajectory.py TRACKS.nc TRACKS.csv; prints one line and exits 1 on a mismatch."""
import csv
import sys

import netCDF4
import numpy as np

nc_path, csv_path = sys.argv[1:3]
d = netCDF4.Dataset(nc_path)
problems = []
if d.getncattr("featureType") != "trajectory":
    problems.append("featureType is not trajectory")
if d["trajectory"].getncattr("cf_role") != "trajectory_id":
    problems.append("trajectory has no cf_role = trajectory_id")
if d["rowSize"].getncattr("sample_dimension") != "obs":
    problems.append("rowSize has no sample_dimension = obs")
sizes = np.asarray(d["rowSize"][:])
if sizes.sum() != len(d.dimensions["obs"]):
    problems.append(f"rowSize adds up to {sizes.sum()}, obs has {len(d.dimensions['obs'])}")
times = netCDF4.num2date(d["time"][:], d["time"].units, only_use_cftime_datetimes=False)
rows = list(csv.DictReader(open(csv_path)))
ids = np.repeat(np.asarray(d["trajectory"][:]), sizes)
if len(rows) != len(ids):
    problems.append(f"{len(ids)} points in the NetCDF file, {len(rows)} in the CSV")
else:
    for k, r in enumerate(rows):
        same = (int(r["track_id"]) == ids[k] and times[k].strftime("%Y-%m-%dT%H:%M:%S") == r["time"]
                and abs(float(d["lat"][k]) - float(r["lat"])) < 1e-3 and abs(float(d["lon"][k]) - float(r["lon"])) < 1e-3
                and abs(float(d["psl"][k]) - float(r["pressure_hpa"])) < 0.01)
        if not same:
            problems.append(f"point {k} differs: {r}")
            break
print(f"netCDF4-python: {len(sizes)} trajectories, {len(ids)} points, featureType {d.getncattr('featureType')}: "
      + ("matches the CSV" if not problems else "; ".join(problems)))
sys.exit(1 if problems else 0)
