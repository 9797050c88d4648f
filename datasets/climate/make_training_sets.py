#!/usr/bin/env python3
"""Builds further downscaling training sets from Debian's libncarg-data (installed by scripts/setup.sh).

  hgt500_72x144.nc   21 months of 500 hPa geopotential height (NCEP reanalysis sample, cdf/hgt.nc), cropped from
                     73 to 72 latitudes so factors 2, 3, 4, 6, 8 divide the grid.
  t_levels_96x192.nc ECHAM5 air temperature on 17 pressure levels (nug/rectilinear_grid_3D.nc), levels laid out
                     along a record axis so each level is one training sample.

Usage: python3 datasets/climate/make_training_sets.py [OUTDIR]   (needs numpy and netCDF4: pip install netCDF4)
Train on them e.g.: gridcnn train downscale --truth OUTDIR/hgt500_72x144.nc --var HGT --factor 4 --out hgt.h5
"""
import os, sys
import numpy as np
from netCDF4 import Dataset

SRC = "/usr/share/ncarg/data"
out = sys.argv[1] if len(sys.argv) > 1 else "."
os.makedirs(out, exist_ok=True)


def copy_attrs(src, dst, skip=("_FillValue",)):
    for k in src.ncattrs():
        if k not in skip:
            dst.setncattr(k, src.getncattr(k))


with Dataset(f"{SRC}/cdf/hgt.nc") as s, Dataset(os.path.join(out, "hgt500_72x144.nc"), "w") as d:
    d.Conventions = "CF-1.8"
    d.source = "libncarg-data cdf/hgt.nc, cropped to 72 latitudes"
    d.createDimension("time", None); d.createDimension("lat", 72); d.createDimension("lon", 144)
    t = d.createVariable("time", "f8", ("time",)); t.units = s["time"].units; t.calendar = "standard"
    t[:] = s["time"][:]
    la = d.createVariable("lat", "f8", ("lat",)); copy_attrs(s["lat"], la); la.units = "degrees_north"; la.standard_name = "latitude"
    la[:] = s["lat"][:72]
    lo = d.createVariable("lon", "f8", ("lon",)); copy_attrs(s["lon"], lo); lo.units = "degrees_east"; lo.standard_name = "longitude"
    lo[:] = s["lon"][:]
    v = d.createVariable("HGT", "f4", ("time", "lat", "lon"), fill_value=np.float32(-999.0), zlib=True)
    copy_attrs(s["HGT"], v); v.standard_name = "geopotential_height"
    v[:] = s["HGT"][:, :72, :]

with Dataset(f"{SRC}/nug/rectilinear_grid_3D.nc") as s, Dataset(os.path.join(out, "t_levels_96x192.nc"), "w") as d:
    d.Conventions = "CF-1.8"
    d.source = "libncarg-data nug/rectilinear_grid_3D.nc (ECHAM5), one record per pressure level"
    nlev = len(s.dimensions["lev"])
    d.createDimension("record", nlev); d.createDimension("lat", 96); d.createDimension("lon", 192)
    r = d.createVariable("record", "f8", ("record",)); r.long_name = "pressure level of the record"; r.units = s["lev"].units
    r[:] = s["lev"][:]
    for name in ("lat", "lon"):
        c = d.createVariable(name, "f8", (name,)); copy_attrs(s[name], c); c[:] = s[name][:]
    v = d.createVariable("t", "f4", ("record", "lat", "lon"), zlib=True)
    copy_attrs(s["t"], v)
    v[:] = s["t"][0, :, :, :]
print(f"wrote {out}/hgt500_72x144.nc and {out}/t_levels_96x192.nc")
