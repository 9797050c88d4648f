#!/usr/bin/env python3
"""Synthetic tropical cyclones and atmospheric rivers embedded in real background fields.

Writes a CF NetCDF-4 file on the T63 Gaussian grid (96 x 192, about 1.875 deg) of the CMIP5 MPI-ESM-LR files that
Debian's libncarg-data ships, with

    PSL (Pa), U850 / V850 (m s-1), TMQ (kg m-2), T500 (K)      the fields a detector sees
    true_class (byte: 0 none, 1 tropical cyclone, 2 atmospheric river)   the generator's known truth

Backgrounds (--background):
  cmip5   MPI-ESM-LR historical monthly means (nug/uas, vas, tas; 12 months) + NCEP Z500 months 0-11 (cdf/hgt.nc).
          U850/V850 = 1.5 x surface wind, TMQ from tas by Clausius-Clapeyron scaling, T500 from tas.
  echam5  ECHAM5 (nug/rectilinear_grid_3D.nc): real T500 and TMQ integrated from t and relative humidity on pressure
          levels; U850/V850 from cdf/nc4uvt.nc (T42, interpolated); Z500 months 12-20 of cdf/hgt.nc.
Both get a random longitude roll per step, random large-scale balanced eddies (streamfunction blobs -> winds and
geostrophic pressure) and (echam5) a north-south mirror on odd steps, so that no two steps share a background.

Events (positions, sizes, orientations, intensities all random):
  tropical cyclone   Holland (1980) pressure profile p = pc + dp exp(-(Rmax/r)^B) (tapered beyond ~1000 km),
                     gradient-wind U/V (cyclonic: anticlockwise north, clockwise south of the equator), warm core
                     in T500, moist core in TMQ; 8-32 deg from the equator. Truth: vortex pressure deficit >= 25 % of
                     its central deficit (the storm's core).
  cold-core low      the same vortex with a cold T500 anomaly, 15-35 deg: not a tropical cyclone (truth 0).
  atmospheric river  a curved moisture plume 2600-6000 km long, 300-650 km wide (FWHM) that lifts the column water
                     towards 28-42 kg m-2 on its axis (by at least 10), with a low-level jet along it, from the
                     subtropics poleward. Truth: plume shape >= 0.3 (of 1 on its axis), poleward of 20 deg.
  moisture blob      the same plume only 600-1400 km long: not an atmospheric river (truth 0).

Usage:
  python3 make_weather.py --background cmip5  --steps 24 --seed 1 --output weather_train.nc
  python3 make_weather.py --background echam5 --steps 8  --seed 2 --output weather_test.nc
  python3 make_weather.py --background echam5 --steps 4 --seed 3 --no-events --output background_only.nc
  python3 make_weather.py --background echam5 --steps 40 --seed 7 --moving 8 --tracks-csv tracks.csv --output tracks.nc

Moving storms (--moving N): one background (one roll, one set of eddies) for every step, and N tropical cyclones
that move along known paths at 6-hourly steps (genesis 10-20 deg from the equator, westward drift recurving
poleward and then eastward at 12-28 km/h, deepening to a peak at mid-life and filling), 12-20 steps each, kept
1500 km apart; plus decoys: warm-core vortices that appear for one step only. --tracks-csv writes the known tracks
(track_id, time, step, lat, lon, dp_hpa) in the CSV layout `gridcnn evaluate track` reads.
Needs numpy and netCDF4 (pip install numpy netCDF4) and Debian libncarg-data.
"""
import argparse
import datetime
import os

import numpy as np
import netCDF4

NCARG = os.environ.get("NCARG_DATA", "/usr/share/ncarg/data")
A = 6.371e6            # Earth radius (m)
OMEGA = 7.292e-5       # rotation rate (s-1)
RHO = 1.15             # boundary-layer air density (kg m-3)
G = 9.80665


# ----------------------------------------------------------------------------------------------- grid helpers
def target_grid():
    d = netCDF4.Dataset(f"{NCARG}/nug/uas_rectilinear_grid_2D.nc")
    lat, lon = np.array(d["lat"][:], dtype=np.float64), np.array(d["lon"][:], dtype=np.float64)
    d.close()
    return lat, lon


def regrid(field, lat_src, lon_src, lat, lon):
    """Bilinear interpolation of field[lat_src, lon_src] to (lat, lon); periodic in longitude."""
    lat_src, lon_src, field = np.asarray(lat_src, float), np.mod(np.asarray(lon_src, float), 360), np.asarray(field, float)
    if lat_src[0] > lat_src[-1]:
        lat_src, field = lat_src[::-1], field[::-1]
    order = np.argsort(lon_src)
    lon_src, field = lon_src[order], field[:, order]
    lon_ext = np.concatenate([lon_src[-1:] - 360, lon_src, lon_src[:1] + 360])
    f_ext = np.concatenate([field[:, -1:], field, field[:, :1]], axis=1)
    la = np.clip(lat, lat_src[0], lat_src[-1])
    i = np.clip(np.searchsorted(lat_src, la) - 1, 0, len(lat_src) - 2)
    wy = ((la - lat_src[i]) / (lat_src[i + 1] - lat_src[i]))[:, None]
    lo = np.mod(lon, 360)
    j = np.clip(np.searchsorted(lon_ext, lo) - 1, 0, len(lon_ext) - 2)
    wx = ((lo - lon_ext[j]) / (lon_ext[j + 1] - lon_ext[j]))[None, :]
    f00, f01 = f_ext[i][:, j], f_ext[i][:, j + 1]
    f10, f11 = f_ext[i + 1][:, j], f_ext[i + 1][:, j + 1]
    return (1 - wy) * ((1 - wx) * f00 + wx * f01) + wy * ((1 - wx) * f10 + wx * f11)


def distance_bearing(lat0, lon0, LAT, LON):
    """Great-circle distance (m) and initial bearing (rad, clockwise from north) from (lat0, lon0) to each point."""
    p0, l0, p, l = np.radians(lat0), np.radians(lon0), np.radians(LAT), np.radians(LON)
    dl = l - l0
    a = np.sin((p - p0) / 2) ** 2 + np.cos(p0) * np.cos(p) * np.sin(dl / 2) ** 2
    dist = 2 * A * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    bearing = np.arctan2(np.sin(dl) * np.cos(p), np.cos(p0) * np.sin(p) - np.sin(p0) * np.cos(p) * np.cos(dl))
    return dist, bearing


def destination(lat0, lon0, bearing, dist):
    p0, l0 = np.radians(lat0), np.radians(lon0)
    d = dist / A
    p = np.arcsin(np.sin(p0) * np.cos(d) + np.cos(p0) * np.sin(d) * np.cos(bearing))
    l = l0 + np.arctan2(np.sin(bearing) * np.sin(d) * np.cos(p0), np.cos(d) - np.sin(p0) * np.sin(p))
    return np.degrees(p), np.mod(np.degrees(l), 360)


def smooth_noise(rng, shape, passes=6):
    """Unit-variance smooth random field: white noise through repeated 1-2-1 filters (periodic in longitude)."""
    x = rng.standard_normal(shape)
    for _ in range(passes):
        x = 0.25 * np.roll(x, 1, 1) + 0.5 * x + 0.25 * np.roll(x, -1, 1)
        x[1:-1] = 0.25 * x[:-2] + 0.5 * x[1:-1] + 0.25 * x[2:]
    return (x - x.mean()) / (x.std() + 1e-12)


# ----------------------------------------------------------------------------------------------- backgrounds
def psl_climatology(lat):
    """Zonal-mean sea-level pressure (Pa): subtropical highs, subpolar troughs (deeper in the south)."""
    a = np.abs(lat)
    hpa = 1011 + 7 * np.exp(-((a - 32) / 12) ** 2) - np.where(lat < 0, 16, 11) * np.exp(-((a - 62) / 9) ** 2)
    return 100 * hpa


def iwv_from_tas(tas):
    """Column water vapour (kg m-2) from near-surface temperature: ~7 %/K Clausius-Clapeyron scaling."""
    return np.clip(15.0 * np.exp(0.07 * (tas - 288.0)), 0.5, 60.0)


def iwv_from_levels(t, rh, plev):
    """Column water vapour (kg m-2) = (1/g) int q dp, q from relative humidity and Bolton's saturation pressure."""
    tc = t - 273.15
    es = 611.2 * np.exp(17.67 * tc / (tc + 243.5))              # Pa
    e = np.clip(rh, 0, 1.05) * es
    p = plev[:, None, None]
    q = 0.622 * e / np.maximum(p - 0.378 * e, 1.0)
    keep = plev >= 25000
    qk, pk = q[keep], plev[keep]
    return np.abs(np.trapezoid(qk, pk, axis=0)) / G if hasattr(np, "trapezoid") else np.abs(np.trapz(qk, pk, axis=0)) / G


class Backgrounds:
    def __init__(self, kind, lat, lon):
        self.kind, self.lat, self.lon = kind, lat, lon
        h = netCDF4.Dataset(f"{NCARG}/cdf/hgt.nc")
        z = np.array(h["HGT"][:], dtype=float)
        zlat, zlon = np.array(h["lat"][:]), np.array(h["lon"][:])
        months = range(0, 12) if kind == "cmip5" else range(12, 21)
        self.z500 = [regrid(z[m], zlat, zlon, lat, lon) for m in months]
        if kind == "cmip5":
            def read(name, var):
                d = netCDF4.Dataset(f"{NCARG}/nug/{name}_rectilinear_grid_2D.nc")
                x = np.array(d[var][:], dtype=float)
                out = [regrid(x[m].reshape(len(d["lat"]), len(d["lon"])), d["lat"][:], d["lon"][:], lat, lon) for m in range(x.shape[0])]
                d.close()
                return out
            self.uas, self.vas, self.tas = read("uas", "uas"), read("vas", "vas"), read("tas", "tas")
            self.count = 12
        else:
            d = netCDF4.Dataset(f"{NCARG}/nug/rectilinear_grid_3D.nc")
            plev = np.array(d["lev"][:], dtype=float)
            t, rh = np.array(d["t"][0], dtype=float), np.array(d["rhumidity"][0], dtype=float)
            elat, elon = d["lat"][:], d["lon"][:]
            self.t500 = [regrid(t[list(plev).index(50000)], elat, elon, lat, lon)]
            self.tmq = [regrid(iwv_from_levels(t, rh, plev), elat, elon, lat, lon)]
            d.close()
            d = netCDF4.Dataset(f"{NCARG}/cdf/nc4uvt.nc")
            k = list(d["lev"][:]).index(850)
            self.u850 = [regrid(d["U"][0, k], d["lat"][:], d["lon"][:], lat, lon)]
            self.v850 = [regrid(d["V"][0, k], d["lat"][:], d["lon"][:], lat, lon)]
            d.close()
            self.count = 1

    def step(self, k, rng):
        """PSL, U850, V850, TMQ, T500 of background step k (before eddies and events)."""
        lat = self.lat[:, None] * np.ones((1, len(self.lon)))
        z = self.z500[k % len(self.z500)]
        zanom = z - z.mean(axis=1, keepdims=True)
        psl = psl_climatology(lat) + 100 * 0.09 * zanom                  # ~0.09 hPa per metre of Z500 anomaly
        if self.kind == "cmip5":
            m = k % 12
            tas = self.tas[m]
            u, v = 1.5 * self.uas[m], 1.5 * self.vas[m]
            zm = tas.mean(axis=1, keepdims=True)
            t500 = 266.0 + 0.5 * (zm - 300.0) + 0.2 * (tas - zm)
            tmq = iwv_from_tas(tas) * (1 + 0.08 * smooth_noise(rng, tas.shape))
        else:
            u, v, tmq, t500 = self.u850[0].copy(), self.v850[0].copy(), self.tmq[0].copy(), self.t500[0].copy()
            # The real column water holds real (unlabelled) atmospheric rivers; damp its zonal anomalies so that only
            # the embedded events are atmospheric rivers and the truth stays complete.
            zm = tmq.mean(axis=1, keepdims=True)
            tmq = (zm + 0.2 * (tmq - zm)) * (1 + 0.1 * smooth_noise(rng, tmq.shape))
        t500 = t500 + 0.4 * smooth_noise(rng, t500.shape)
        fields = [psl, u, v, np.clip(tmq, 0.3, 70), t500]
        shift = int(rng.integers(0, len(self.lon)))
        fields = [np.roll(f, shift, axis=1) for f in fields]
        if self.kind == "echam5" and k % 2 == 1:                          # north-south mirror: v changes sign
            fields = [f[::-1].copy() for f in fields]
            fields[2] = -fields[2]
        return fields


def add_eddies(rng, fields, LAT, LON, count=14):
    """Balanced large-scale eddies: streamfunction blobs psi -> u = -dpsi/dy, v = dpsi/dx, p' = rho f psi."""
    psl, u, v = fields[0], fields[1], fields[2]
    f = 2 * OMEGA * np.sin(np.radians(LAT))
    for _ in range(count):
        lat0, lon0 = rng.uniform(-70, 70), rng.uniform(0, 360)
        L = rng.uniform(900e3, 2000e3)
        speed = rng.uniform(2, 7) * rng.choice([-1, 1])
        amp = speed * L / 0.86                                           # peak wind ~ |amp| 0.86 / L
        d, b = distance_bearing(lat0, lon0, LAT, LON)
        psi = amp * np.exp(-(d / L) ** 2)
        dpsi_dr = -2 * d / L ** 2 * psi
        # gradient along r: x (east) = sin(b), y (north) = cos(b)
        u += -dpsi_dr * np.cos(b)
        v += dpsi_dr * np.sin(b)
        psl += RHO * f * psi
    return fields


# ----------------------------------------------------------------------------------------------- events
def vortex(fields, LAT, LON, lat0, lon0, dp_hpa, rmax, b, t_anom, q_anom):
    """Adds a Holland vortex; returns its pressure deficit field (Pa)."""
    psl, u, v, tmq, t500 = fields
    d, brg = distance_bearing(lat0, lon0, LAT, LON)
    r = np.maximum(d, 1.0)
    taper = np.exp(-(r / 1100e3) ** 4)
    x = (rmax / r) ** b
    deficit = 100 * dp_hpa * (1 - np.exp(-x)) * taper                   # Pa below the environment
    # dP/dr = -d(deficit)/dr, numerically along r.
    h = 1000.0
    def deficit_at(rr):
        return 100 * dp_hpa * (1 - np.exp(-(rmax / rr) ** b)) * np.exp(-(rr / 1100e3) ** 4)
    dpdr = -(deficit_at(r + h) - deficit_at(np.maximum(r - h, 0.5))) / (2 * h)
    fc = abs(2 * OMEGA * np.sin(np.radians(lat0)))
    vt = np.sqrt(np.maximum(r * dpdr / RHO + (r * fc / 2) ** 2, 0)) - r * fc / 2
    vt *= 0.9                                                            # 850 hPa vs gradient level
    sign = 1.0 if lat0 >= 0 else -1.0                                    # cyclonic: anticlockwise in the north
    # Tangential unit vector for anticlockwise rotation at bearing b (east = sin b, north = cos b): (-cos b, sin b).
    u += sign * vt * (-np.cos(brg))
    v += sign * vt * np.sin(brg)
    psl -= deficit
    t500 += t_anom * np.exp(-(r / 400e3) ** 2)
    tmq += q_anom * np.exp(-(r / 500e3) ** 2)
    return deficit


def plume(fields, LAT, LON, lat0, lon0, bearing0, length, fwhm, core, jet, curvature):
    """Adds a curved moisture plume with a jet along it; returns its shape (0-1 across and along the axis)."""
    psl, u, v, tmq, t500 = fields
    n = max(int(length / 50e3), 2)
    pts, bearings = [], []
    la, lo, br = lat0, lon0, np.radians(bearing0)
    for i in range(n + 1):
        pts.append((la, lo)); bearings.append(br)
        la2, lo2 = destination(la, lo, br, length / n)
        # keep the heading: bearing from the new point "forward", plus a steady turn
        _, back = distance_bearing(la2, lo2, np.array([la]), np.array([lo]))
        br = float(back[0]) + np.pi + np.radians(curvature) * (length / n) / 100e3
        la, lo = la2, lo2
    best = np.full(LAT.shape, np.inf)
    s_at = np.zeros(LAT.shape)
    dir_at = np.zeros(LAT.shape)
    for i, (pla, plo) in enumerate(pts):
        d, _ = distance_bearing(pla, plo, LAT, LON)
        closer = d < best
        best = np.where(closer, d, best)
        s_at = np.where(closer, i / n, s_at)
        dir_at = np.where(closer, bearings[i], dir_at)
    sigma = fwhm / 2.3548
    ends = 0.12
    along = np.clip(np.minimum(s_at, 1 - s_at) / ends, 0, 1)
    along = along * along * (3 - 2 * along)
    shape = np.exp(-0.5 * (best / sigma) ** 2) * along
    # The plume lifts the column water towards `core` (kg m-2) on its axis, by at least 10 kg m-2.
    contribution = shape * np.maximum(core - tmq, 10.0)
    tmq += contribution
    u += jet * shape * np.sin(dir_at)
    v += jet * shape * np.cos(dir_at)
    return shape


def place(rng, taken, lat_range, min_sep, hemisphere=None):
    for _ in range(200):
        hemi = hemisphere if hemisphere is not None else rng.choice([-1, 1])
        lat0, lon0 = hemi * rng.uniform(*lat_range), rng.uniform(0, 360)
        if all(distance_bearing(lat0, lon0, np.array([a]), np.array([b]))[0][0] > max(min_sep, s) for a, b, s in taken):
            return lat0, lon0
    return None


def make_step(rng, background, k, LAT, LON, events=True):
    fields = background.step(k, rng)
    fields = add_eddies(rng, fields, LAT, LON)
    truth = np.zeros(LAT.shape, dtype=np.int8)
    table = []
    if not events:
        return fields, truth, table
    taken = []
    tc_masks, ar_masks = [], []
    for kind, count in (("tc", rng.integers(2, 5)), ("cold_low", rng.integers(0, 3)),
                        ("ar", rng.integers(2, 5)), ("blob", rng.integers(1, 3))):
        for _ in range(count):
            if kind in ("tc", "cold_low"):
                spot = place(rng, taken, (8, 32) if kind == "tc" else (15, 35), 2200e3)
                if spot is None:
                    continue
                lat0, lon0 = spot
                dp = rng.uniform(15, 60) if kind == "tc" else rng.uniform(8, 25)
                rmax, b = rng.uniform(120e3, 260e3), rng.uniform(1.0, 1.5)
                t_anom = (rng.uniform(0.08, 0.12) * dp) if kind == "tc" else -rng.uniform(2, 5)
                q_anom = rng.uniform(8, 15) if kind == "tc" else 0.0
                deficit = vortex(fields, LAT, LON, lat0, lon0, dp, rmax, b, t_anom, q_anom)
                if kind == "tc":
                    tc_masks.append(deficit >= 0.25 * deficit.max())
                taken.append((lat0, lon0, 1500e3))
                table.append(dict(kind=kind, lat=lat0, lon=lon0, dp_hpa=dp, rmax_km=rmax / 1e3, holland_b=b, t500_anomaly_k=t_anom))
            else:
                spot = place(rng, taken, (18, 30), 1200e3)
                if spot is None:
                    continue
                lat0, lon0 = spot
                bearing = rng.uniform(30, 75) if lat0 > 0 else rng.uniform(105, 150)
                length = rng.uniform(2600e3, 6000e3) if kind == "ar" else rng.uniform(600e3, 1400e3)
                fwhm, core = rng.uniform(300e3, 650e3), rng.uniform(28, 42)
                jet, curv = rng.uniform(8, 15), rng.uniform(-0.6, 0.6)
                shape = plume(fields, LAT, LON, lat0, lon0, bearing, length, fwhm, core, jet, curv)
                if kind == "ar":
                    ar_masks.append((shape >= 0.3) & (np.abs(LAT) >= 20))
                mid = destination(lat0, lon0, np.radians(bearing), length / 2)
                taken.append((mid[0], mid[1], length / 2 + 600e3))
                table.append(dict(kind=kind, lat=lat0, lon=lon0, length_km=length / 1e3, fwhm_km=fwhm / 1e3, core_iwv=core, bearing=bearing))
    for m in ar_masks:
        truth[m] = 2
    for m in tc_masks:
        truth[m] = 1
    return fields, truth, table


def moving_tracks(rng, count, steps):
    """Known paths: per storm a list of (step, lat, lon, dp_hpa) and its rmax, B and moisture anomaly."""
    storms = []
    for _ in range(200 * count):
        if len(storms) == count:
            break
        life = int(rng.integers(12, 21))
        if life > steps:
            break
        start = int(rng.integers(0, steps - life + 1))
        hemi = rng.choice([-1, 1])
        lat, lon = hemi * rng.uniform(10, 20), rng.uniform(0, 360)
        speed, peak = rng.uniform(12, 28) * 6e3, rng.uniform(35, 60)                # km/h -> metres per 6 h; hPa
        path = []
        for n in range(life):
            frac = n / (life - 1)
            dp = 15 + (peak - 15) * np.sin(np.pi * frac)
            path.append((start + n, lat, lon, dp))
            # bearing from west-north-west (300 deg) through north to north-east (40 deg); mirrored in the south
            bearing = np.radians(300 + 100 * frac)
            if hemi < 0:
                bearing = np.pi - bearing
            lat, lon = destination(lat, lon, bearing, speed)
            lat, lon = float(lat), float(np.mod(lon, 360))
        if max(abs(p[1]) for p in path) > 38:
            continue
        ok = all(distance_bearing(p[1], p[2], np.array([q[1]]), np.array([q[2]]))[0][0] > 1500e3
                 for other in storms for p in path for q in other["path"] if p[0] == q[0])
        if ok:
            storms.append(dict(path=path, rmax=rng.uniform(120e3, 260e3), b=rng.uniform(1.0, 1.5), q=rng.uniform(8, 15)))
    return storms


def make_moving_steps(rng, background, LAT, LON, steps, count):
    base = add_eddies(rng, background.step(0, rng), LAT, LON)
    storms = moving_tracks(rng, count, steps)
    out, tables = [], []
    for k in range(steps):
        fields = [f.copy() for f in base]
        truth = np.zeros(LAT.shape, dtype=np.int8)
        table, now = [], []
        for sid, st in enumerate(storms, 1):
            for step, lat0, lon0, dp in st["path"]:
                if step == k:
                    deficit = vortex(fields, LAT, LON, lat0, lon0, dp, st["rmax"], st["b"], 0.1 * dp, st["q"])
                    truth[deficit >= 0.25 * deficit.max()] = 1
                    table.append(dict(kind="tc", track=sid, lat=lat0, lon=lon0, dp_hpa=dp))
                    now.append((lat0, lon0, 2500e3))
        if rng.uniform() < 0.5:                                           # a decoy for this step only
            spot = place(rng, now, (8, 30), 2500e3)
            if spot is not None:
                dp = rng.uniform(20, 45)
                deficit = vortex(fields, LAT, LON, spot[0], spot[1], dp, rng.uniform(120e3, 260e3), rng.uniform(1.0, 1.5), 0.1 * dp, 10.0)
                truth[deficit >= 0.25 * deficit.max()] = 1
                table.append(dict(kind="decoy", track=0, lat=spot[0], lon=spot[1], dp_hpa=dp))
        out.append((fields, truth))
        tables.append(table)
    return out, tables


# ----------------------------------------------------------------------------------------------- output
def write(path, lat, lon, steps, background, seed, tables):
    ds = netCDF4.Dataset(path + ".tmp", "w", format="NETCDF4")
    ds.Conventions = "CF-1.8"
    ds.title = "Synthetic tropical cyclones and atmospheric rivers in real background fields"
    ds.source = f"datasets/weather/make_weather.py --background {background} --seed {seed}"
    ds.references = ("Holland (1980) Mon. Wea. Rev. 108, 1212; Ralph et al. (2004) Mon. Wea. Rev. 132, 1721; "
                     "Liu et al. (2016) arXiv:1605.01156")
    ds.background = {"cmip5": "CMIP5 MPI-ESM-LR historical monthly uas/vas/tas + NCEP Z500 months 0-11 (NCL libncarg-data)",
                     "echam5": "ECHAM5 t/relative humidity on pressure levels + T42 U/V 850 hPa + NCEP Z500 months 12-20 (NCL libncarg-data)"}[background]
    ds.license = "Background data: NCAR Command Language data files (libncarg-data), BSD-style licence; generated fields: same"
    ds.createDimension("time", None)
    ds.createDimension("lat", len(lat))
    ds.createDimension("lon", len(lon))
    t = ds.createVariable("time", "f8", ("time",))
    t.units, t.calendar, t.standard_name, t.axis = "hours since 2001-01-01 00:00:00", "standard", "time", "T"
    la = ds.createVariable("lat", "f8", ("lat",))
    la.units, la.standard_name, la.axis, la.long_name = "degrees_north", "latitude", "Y", "latitude"
    lo = ds.createVariable("lon", "f8", ("lon",))
    lo.units, lo.standard_name, lo.axis, lo.long_name = "degrees_east", "longitude", "X", "longitude"
    la[:], lo[:] = lat, lon
    # Stored as CF-packed 16-bit integers (value = scale_factor * stored + add_offset), like ERA5 and CMIP files:
    # 10 Pa, 0.1 m s-1, 0.1 kg m-2 and 0.05 K steps, far below what the thresholds resolve.
    specs = [("PSL", "Pa", "air_pressure_at_mean_sea_level", "sea level pressure", 10.0, 100000.0),
             ("U850", "m s-1", "eastward_wind", "eastward wind at 850 hPa", 0.1, 0.0),
             ("V850", "m s-1", "northward_wind", "northward wind at 850 hPa", 0.1, 0.0),
             ("TMQ", "kg m-2", "atmosphere_mass_content_of_water_vapor", "total precipitable water", 0.1, 0.0),
             ("T500", "K", "air_temperature", "temperature at 500 hPa", 0.05, 250.0)]
    out = {}
    for name, units, std, long, scale, offset in specs:
        var = ds.createVariable(name, "i2", ("time", "lat", "lon"), zlib=True, complevel=9, shuffle=True,
                                chunksizes=(1, len(lat), len(lon)), fill_value=np.int16(-32768))
        var.scale_factor, var.add_offset = np.float32(scale), np.float32(offset)
        var.units, var.standard_name, var.long_name = units, std, long
        out[name] = var
    tv = ds.createVariable("true_class", "i1", ("time", "lat", "lon"), zlib=True, complevel=9, chunksizes=(1, len(lat), len(lon)))
    tv.long_name = "generator truth: embedded event class"
    tv.flag_values = np.array([0, 1, 2], dtype=np.int8)
    tv.flag_meanings = "none tropical_cyclone atmospheric_river"
    tv.comment = ("1: Holland vortex core (pressure deficit >= 25% of central deficit); "
                  "2: plume shape >= 0.3 poleward of 20 deg; cold-core lows and short moisture blobs are 0")
    for k, (fields, truth) in enumerate(steps):
        t[k] = 6.0 * k
        for (name, *_), f in zip(specs, fields):
            out[name][k] = f.astype(np.float32)
        tv[k] = truth
    ds.events = "; ".join(f"step {k}: " + ", ".join(f"{e['kind']}@({e['lat']:.1f},{e['lon']:.1f})" for e in tab)
                          for k, tab in enumerate(tables))
    ds.close()
    os.replace(path + ".tmp", path)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--background", choices=["cmip5", "echam5"], required=True)
    ap.add_argument("--steps", type=int, default=24)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-events", action="store_true", help="background only (to measure false detections)")
    ap.add_argument("--events-csv", help="also write the event table as CSV")
    ap.add_argument("--moving", type=int, default=0, help="N storms moving along known paths (see above)")
    ap.add_argument("--tracks-csv", help="with --moving: the known tracks as CSV")
    ap.add_argument("--output", required=True)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    lat, lon = target_grid()
    order = np.argsort(lat)
    lat = lat[order]
    LON, LAT = np.meshgrid(lon, lat)
    bg = Backgrounds(a.background, lat, lon)
    steps, tables = [], []
    if a.moving:
        steps, tables = make_moving_steps(rng, bg, LAT, LON, a.steps, a.moving)
    for k in range(0 if a.moving else a.steps):
        fields, truth, table = make_step(rng, bg, k, LAT, LON, events=not a.no_events)
        steps.append((fields, truth))
        tables.append(table)
    write(a.output, lat, lon, steps, a.background, a.seed, tables)
    if a.tracks_csv:
        with open(a.tracks_csv, "w") as f:
            f.write("track_id,time,step,lat,lon,dp_hpa\n")
            rows = sorted((e["track"], k, e) for k, tab in enumerate(tables) for e in tab if e.get("track"))
            for sid, k, e in rows:
                t = datetime.datetime(2001, 1, 1) + datetime.timedelta(hours=6 * k)      # the file's time axis
                f.write(f"{sid},{t:%Y-%m-%dT%H:%M:%S},{k},{e['lat']:.3f},{e['lon']:.3f},{e['dp_hpa']:.2f}\n")
    if a.events_csv:
        keys = sorted({k for tab in tables for e in tab for k in e})
        with open(a.events_csv, "w") as f:
            f.write("step," + ",".join(keys) + "\n")
            for k, tab in enumerate(tables):
                for e in tab:
                    f.write(f"{k}," + ",".join(f"{e[c]:.3f}" if isinstance(e.get(c), float) else str(e.get(c, "")) for c in keys) + "\n")
    counts = {}
    for tab in tables:
        for e in tab:
            counts[e["kind"]] = counts.get(e["kind"], 0) + 1
    print(f"{a.output}: {a.steps} steps, {len(lat)}x{len(lon)}, events {counts}, {os.path.getsize(a.output)} bytes")


if __name__ == "__main__":
    main()
