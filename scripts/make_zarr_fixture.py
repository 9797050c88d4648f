#!/usr/bin/env python3
"""Writes the Zarr fixtures of GridIOTests (ZarrTests) from the bundled CMIP5 tas file with xarray:

  Tests/GridIOTests/Fixtures/zarr/tas_subset.nc          the NetCDF copy
  Tests/GridIOTests/Fixtures/zarr/tas_subset.zarr        the same data as a Zarr v2 store (zarr_format=2, uncompressed)
  Tests/GridIOTests/Fixtures/zarr/tas_blosc.zarr         xarray's default encoding (Blosc): libnetcdf here cannot decode it
  Tests/GridIOTests/Fixtures/zarr/expected.json          xarray's CF-decoded values, for the test to compare against

Both copies carry the same CF encoding: tas packed as int16 (scale_factor, add_offset, _FillValue, with a few
points masked), time as days since 1850-01-01 (proleptic_gregorian). Run: pip install xarray zarr netCDF4, then
python3 scripts/make_zarr_fixture.py (from the repository root).
"""
import json, os, shutil
import numpy as np
import xarray as xr

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = os.path.join(root, "Tests/GridIOTests/Fixtures/zarr")
os.makedirs(out, exist_ok=True)

src = xr.open_dataset(os.path.join(root, "datasets/climate/tas_rectilinear_grid_2D.nc"))
ds = src[["tas"]].isel(time=slice(0, 3), lat=slice(30, 46), lon=slice(0, 24)).load()
ds = ds.drop_vars([v for v in ds.variables if v.endswith("_bnds")], errors="ignore")
for v in ("time", "lat", "lon"):
    ds[v].attrs.pop("bounds", None)
# A few missing points, so masking is exercised.
tas = ds["tas"].values.copy()
tas[0, 0, 0] = np.nan
tas[1, 5, 7] = np.nan
tas[2, 15, 23] = np.nan
ds["tas"].values = tas
ds.attrs = {"title": "gridcnn Zarr fixture: CMIP5 MPI-ESM-LR tas subset", "Conventions": "CF-1.7"}

encoding = {
    "tas": {"dtype": "int16", "scale_factor": 0.01, "add_offset": 273.15, "_FillValue": -32767},
    "time": {"units": "days since 1850-01-01 00:00:00", "calendar": "proleptic_gregorian", "dtype": "float64"},
    "lat": {"dtype": "float64", "_FillValue": None},
    "lon": {"dtype": "float64", "_FillValue": None},
}
nc = os.path.join(out, "tas_subset.nc")
ds.to_netcdf(nc, format="NETCDF4_CLASSIC", encoding=encoding)

store = os.path.join(out, "tas_subset.zarr")
shutil.rmtree(store, ignore_errors=True)
zenc = {k: dict(v, compressors=None) for k, v in encoding.items()}
ds.to_zarr(store, mode="w", zarr_format=2, encoding=zenc, consolidated=True)

blosc = os.path.join(out, "tas_blosc.zarr")
shutil.rmtree(blosc, ignore_errors=True)
ds.to_zarr(blosc, mode="w", zarr_format=2, encoding=encoding, consolidated=True)

back = xr.open_zarr(store, zarr_format=2)
assert np.allclose(back["tas"].values, xr.open_dataset(nc)["tas"].values, equal_nan=True)
v = back["tas"].values.astype(np.float64)
expected = {
    "shape": list(v.shape),
    "nan_count": int(np.isnan(v).sum()),
    "nan_mean": float(np.nanmean(v)),
    "first_row": [None if np.isnan(x) else float(x) for x in v[0, 0, :6]],
    "lat": [float(x) for x in back["lat"].values[:3]],
    "lon": [float(x) for x in back["lon"].values[:3]],
    "time": [str(t)[:19] for t in back["time"].values],
    "units": back["tas"].attrs.get("units"),
}
with open(os.path.join(out, "expected.json"), "w") as f:
    json.dump(expected, f, indent=1)
print(json.dumps(expected))
