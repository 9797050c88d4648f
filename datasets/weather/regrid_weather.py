#!/usr/bin/env python3
"""Puts a weather file (make_weather.py's layout) on a regular global lat/lon grid of another spacing, to try the
detectors on data made at another resolution: fields bilinear in latitude and longitude (wrapping in longitude),
the generator's truth (true_class) by nearest neighbour. Optionally latitude north to south and longitudes
-180..180, as many reanalyses are. numpy and netCDF4 only.

    python3 datasets/weather/regrid_weather.py datasets/weather/weather_test.nc /tmp/test_2p5.nc --spacing 2.5
    python3 datasets/weather/regrid_weather.py datasets/weather/weather_test.nc /tmp/test_1.nc --spacing 1 --north-south --centred
"""
import argparse

import netCDF4
import numpy as np


def axis_taps(src, dst, periodic):
    """For each dst coordinate: lower index, upper index and the upper weight, on a sorted ascending src axis."""
    src = np.asarray(src, dtype=np.float64)
    if periodic:
        ext = np.concatenate([src, src[:1] + 360.0])
        x = np.mod(dst - src[0], 360.0) + src[0]
        i = np.clip(np.searchsorted(ext, x, side="right") - 1, 0, len(src) - 1)
        w = (x - ext[i]) / (ext[i + 1] - ext[i])
        return i, (i + 1) % len(src), w
    x = np.clip(dst, src[0], src[-1])
    i = np.clip(np.searchsorted(src, x, side="right") - 1, 0, len(src) - 2)
    w = (x - src[i]) / (src[i + 1] - src[i])
    return i, i + 1, w


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--spacing", type=float, required=True, help="degrees, in latitude and longitude")
    p.add_argument("--north-south", action="store_true", help="latitude descending")
    p.add_argument("--centred", action="store_true", help="longitudes -180..180 (default 0..360)")
    a = p.parse_args()

    src = netCDF4.Dataset(a.input)
    lat, lon = src["lat"][:].astype(np.float64), src["lon"][:].astype(np.float64)
    assert np.all(np.diff(lat) > 0) and np.all(np.diff(lon) > 0), "expects ascending lat and lon"
    d = a.spacing
    new_lat = np.arange(-90 + d / 2, 90, d)
    new_lon = np.arange(-180, 180, d) if a.centred else np.arange(0, 360, d)
    if a.north_south:
        new_lat = new_lat[::-1]
    i0, i1, wi = axis_taps(lat, new_lat, False)
    j0, j1, wj = axis_taps(lon, new_lon, True)
    ni = np.abs(lat[None, :] - new_lat[:, None]).argmin(axis=1)
    dl = np.abs((lon[None, :] - new_lon[:, None] + 180) % 360 - 180)
    nj = dl.argmin(axis=1)

    dst = netCDF4.Dataset(a.output, "w")
    dst.setncatts({k: src.getncattr(k) for k in src.ncattrs()})
    dst.history = f"regrid_weather.py {a.input} --spacing {d}" + (" --north-south" if a.north_south else "") + (" --centred" if a.centred else "")
    dst.createDimension("time", None)
    dst.createDimension("lat", len(new_lat))
    dst.createDimension("lon", len(new_lon))
    for name in ("time", "lat", "lon"):
        v = dst.createVariable(name, "f8", (name,))
        v.setncatts({k: src[name].getncattr(k) for k in src[name].ncattrs()})
    dst["time"][:] = src["time"][:]
    dst["lat"][:] = new_lat
    dst["lon"][:] = new_lon
    for name, v in src.variables.items():
        if v.dimensions != ("time", "lat", "lon"):
            continue
        atts = {k: v.getncattr(k) for k in v.ncattrs() if k not in ("_FillValue", "scale_factor", "add_offset", "valid_range")}
        if name == "true_class":
            out = dst.createVariable(name, "i1", v.dimensions, zlib=True, fill_value=-1)
            out.setncatts(atts)
            out[:] = np.asarray(v[:])[:, ni][:, :, nj]
            continue
        x = np.asarray(v[:].filled(np.nan), dtype=np.float64)
        rows = x[:, i0] * (1 - wi)[None, :, None] + x[:, i1] * wi[None, :, None]
        y = rows[:, :, j0] * (1 - wj)[None, None, :] + rows[:, :, j1] * wj[None, None, :]
        out = dst.createVariable(name, "f4", v.dimensions, zlib=True, fill_value=np.float32(1e20))
        out.setncatts(atts)
        out[:] = y.astype(np.float32)
    dst.close()
    src.close()


if __name__ == "__main__":
    main()
