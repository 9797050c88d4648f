#!/usr/bin/env python3
"""Builds a CMIP-style multi-file archive of near-surface temperature from the bundled CMIP5 field
(datasets/climate/tas_rectilinear_grid_2D.nc: 12 months of 2005 on the 96x192 MPI-ESM-LR grid), for the archive
walkthrough and the archive benchmark. Fixture tooling only (netCDF4 + numpy); gridcnn never needs Python.

Each step is the bundled month (interpolated in time for daily steps) plus weather-like noise: a smooth random
field (spectrally shaped, most power at large scales) that persists from step to step (AR(1)), and a small yearly
offset. Files use different time units and reference dates on purpose (gridcnn orders them by decoded time).

  --mode monthly   the native grid, monthly steps, YEARS_PER_FILE years per file (the walkthrough)
  --mode daily     a regional 0.25-degree grid (bilinear from the native one), 365 daily steps per file, noleap
                   calendar, enough files for --gigabytes of fine truth; --coarse-factor also writes the
                   block-averaged coarse archive beside it (the downscaling input)
Options: --out DIR --first-year Y --years N --drop YYYY-MM (leave a month out: a gap) --seed S
"""
import argparse
import os

import netCDF4
import numpy as np

p = argparse.ArgumentParser()
p.add_argument("--source", default=os.path.join(os.path.dirname(__file__), "..", "datasets", "climate", "tas_rectilinear_grid_2D.nc"))
p.add_argument("--out", required=True)
p.add_argument("--mode", choices=["monthly", "daily"], default="monthly")
p.add_argument("--first-year", type=int, default=2001)
p.add_argument("--years", type=int, default=8)
p.add_argument("--years-per-file", type=int, default=2)
p.add_argument("--gigabytes", type=float, default=None, help="daily mode: files until the fine archive holds this much")
p.add_argument("--coarse-factor", type=int, default=0)
p.add_argument("--region", default="10,70,-40,80", help="daily mode: lat0,lat1,lon0,lon1 in degrees")
p.add_argument("--drop", action="append", default=[], help="YYYY-MM to leave out (a gap)")
p.add_argument("--seed", type=int, default=0)
a = p.parse_args()
os.makedirs(a.out, exist_ok=True)
rng = np.random.default_rng(a.seed)

src = netCDF4.Dataset(a.source)
tas = np.asarray(src["tas"][:], dtype=np.float32)          # [12, 96, 192]
lat = np.asarray(src["lat"][:], dtype=np.float64)
lon = np.asarray(src["lon"][:], dtype=np.float64)
if lat[0] > lat[-1]:
    lat, tas = lat[::-1], tas[:, ::-1, :]


def regional(field, lat_out, lon_out):
    """Bilinear interpolation of [T, lat, lon] to a regional grid (longitudes wrap)."""
    lon_src = np.concatenate([lon - 360, lon, lon + 360])
    f = np.concatenate([field, field, field], axis=2)
    iy = np.clip(np.searchsorted(lat, lat_out) - 1, 0, len(lat) - 2)
    ty = ((lat_out - lat[iy]) / (lat[iy + 1] - lat[iy]))[:, None]
    ix = np.searchsorted(lon_src, lon_out) - 1
    tx = ((lon_out - lon_src[ix]) / (lon_src[ix + 1] - lon_src[ix]))[None, :]
    g = f[:, iy, :]
    g = g[:, :, ix] * (1 - tx) + g[:, :, ix + 1] * tx
    h = f[:, iy + 1, :]
    h = h[:, :, ix] * (1 - tx) + h[:, :, ix + 1] * tx
    return (g * (1 - ty) + h * ty).astype(np.float32)


def smooth_noise(shape, scale_cells):
    """Gaussian noise filtered to spatial scales around `scale_cells` and larger, unit variance."""
    h, w = shape
    ky = np.fft.fftfreq(h)[:, None]
    kx = np.fft.rfftfreq(w)[None, :]
    k = np.sqrt(ky ** 2 + kx ** 2)
    filt = 1.0 / (1.0 + (k * scale_cells) ** 3)
    z = rng.standard_normal((h, w // 2 + 1)) + 1j * rng.standard_normal((h, w // 2 + 1))
    f = np.fft.irfft2(z * filt, s=(h, w))
    return (f / f.std()).astype(np.float32)


def write(path, data, times, units, calendar, lat_v, lon_v):
    d = netCDF4.Dataset(path + ".tmp", "w", format="NETCDF4")
    d.Conventions = "CF-1.8"
    d.source = "gridcnn scripts/make_archive.py: bundled MPI-ESM-LR tas 2005 months + AR(1) smooth noise"
    d.createDimension("time", None)
    d.createDimension("lat", len(lat_v))
    d.createDimension("lon", len(lon_v))
    t = d.createVariable("time", "f8", ("time",))
    t.units, t.calendar, t.standard_name = units, calendar, "time"
    y = d.createVariable("lat", "f8", ("lat",)); y.units, y.standard_name = "degrees_north", "latitude"
    x = d.createVariable("lon", "f8", ("lon",)); x.units, x.standard_name = "degrees_east", "longitude"
    v = d.createVariable("tas", "f4", ("time", "lat", "lon"), fill_value=np.float32(1e20),
                         chunksizes=(1, len(lat_v), len(lon_v)))
    v.units, v.standard_name, v.long_name = "K", "air_temperature", "Near-Surface Air Temperature"
    y[:], x[:], t[:] = lat_v, lon_v, times
    for k in range(0, len(data), 64):
        chunk = data[k:k + 64]
        v[k:k + len(chunk)] = chunk
    d.close()
    os.replace(path + ".tmp", path)


def coarsen(data, f):
    t, h, w = data.shape
    return data.reshape(t, h // f, f, w // f, f).mean(axis=(2, 4))


if a.mode == "monthly":
    units_cycle = [("days since 1850-01-01", "standard"), ("hours since {y}-01-01 00:00:00", "proleptic_gregorian"),
                   ("days since {y}-01-01", "gregorian")]
    noise = np.zeros(tas.shape[1:], np.float32)
    for f0 in range(a.first_year, a.first_year + a.years, a.years_per_file):
        years = range(f0, min(f0 + a.years_per_file, a.first_year + a.years))
        units, cal = units_cycle[(f0 - a.first_year) // a.years_per_file % len(units_cycle)]
        units = units.format(y=f0)
        ref = netCDF4.num2date(0, units, cal)
        steps, times = [], []
        for y in years:
            offset = rng.normal(0, 0.5)
            for m in range(12):
                noise = 0.6 * noise + 0.8 * 2.0 * smooth_noise(tas.shape[1:], 12)
                if f"{y}-{m + 1:02d}" in a.drop:
                    continue
                steps.append(tas[m] + offset + noise)
                mid = netCDF4.date2num(ref.__class__(y, m + 1, 15, 12), units, cal)
                times.append(mid)
        name = f"tas_Amon_MPI-ESM-LR_synthetic_r1i1p1_{years[0]}01-{years[-1]}12.nc"
        write(os.path.join(a.out, name), np.stack(steps), np.array(times), units, cal, lat, lon)
        print(name, len(steps), "steps")
else:
    lat0, lat1, lon0, lon1 = (float(v) for v in a.region.split(","))
    lat_out = np.arange(lat0 + 0.125, lat1, 0.25)
    lon_out = np.arange(lon0 + 0.125, lon1, 0.25)
    f = max(a.coarse_factor, 1)
    lat_out, lon_out = lat_out[: len(lat_out) // f * f], lon_out[: len(lon_out) // f * f]
    fine_months = regional(tas, lat_out, lon_out)             # [12, H, W]
    h, w = fine_months.shape[1:]
    mid_day = np.array([15, 45, 74, 105, 135, 166, 196, 227, 258, 288, 319, 349], float)
    days = np.arange(365)
    # Daily climatology: the monthly fields interpolated linearly in time (cyclic).
    ext_days = np.concatenate([mid_day - 365, mid_day, mid_day + 365])
    ext = np.concatenate([fine_months, fine_months, fine_months])
    j = np.searchsorted(ext_days, days) - 1
    wgt = ((days - ext_days[j]) / (ext_days[j + 1] - ext_days[j])).astype(np.float32)[:, None, None]
    daily_clim = ext[j] * (1 - wgt) + ext[j + 1] * wgt         # [365, H, W]
    # One year of persistent weather noise, reused with a different roll and sign per file (cheap, still varied).
    noise = np.empty((365, h, w), np.float32)
    state = np.zeros((h, w), np.float32)
    for d in range(365):
        state = 0.8 * state + 0.6 * smooth_noise((h, w), 24)
        noise[d] = 3.0 * state
    per_file = 365 * h * w * 4
    files = int(np.ceil(a.gigabytes * 1e9 / per_file)) if a.gigabytes else a.years
    os.makedirs(os.path.join(a.out, "fine"), exist_ok=True)
    if a.coarse_factor:
        os.makedirs(os.path.join(a.out, "coarse"), exist_ok=True)
    for i in range(files):
        y = a.first_year + i
        units = f"days since {y}-01-01" if i % 2 == 0 else "hours since 1950-01-01 00:00:00"
        ref0 = 0 if i % 2 == 0 else (y - 1950) * 365 * 24
        scale = 24 if i % 2 else 1
        times = ref0 + (days + 0.5) * scale
        data = daily_clim + np.roll(noise, 37 * i, axis=0) * (1 if i % 2 == 0 else -1) + rng.normal(0, 0.5)
        name = f"tas_day_synthetic_r1i1p1_{y}0101-{y}1231.nc"
        write(os.path.join(a.out, "fine", name), data, times, units, "noleap", lat_out, lon_out)
        if a.coarse_factor:
            write(os.path.join(a.out, "coarse", name), coarsen(data, f), times, units, "noleap",
                  lat_out.reshape(-1, f).mean(1), lon_out.reshape(-1, f).mean(1))
        print(name, f"{h}x{w}", flush=True)
