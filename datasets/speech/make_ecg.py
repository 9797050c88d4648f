#!/usr/bin/env python3
"""Converts the ECG excerpt that Debian's python3-scipy ships (scipy/misc/ecg.dat: MIT-BIH Arrhythmia Database
record 208, lead MLII, 19:35-24:35, 360 Hz, 108000 samples) into a CF-style NetCDF time series for
`gridcnn train sequence --input ecg.nc:ecg`. The raw 11-bit ADC counts are stored as shorts with
scale_factor/add_offset so the file holds the data exactly: mV = (counts - 1024) / 200, as scipy does.

    /usr/bin/python3 datasets/speech/make_ecg.py [OUT.nc]      (needs Debian python3-scipy)
"""
import io, os, sys, zipfile

import numpy as np
from scipy.io import netcdf_file

SRC = "/usr/lib/python3/dist-packages/scipy/misc/ecg.dat"
out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "ecg.nc")
with zipfile.ZipFile(SRC) as z:          # ecg.dat is an .npz archive holding ecg.npy (uint16 ADC counts)
    counts = np.load(io.BytesIO(z.read("ecg.npy"))).astype(np.int16)
tmp = out + ".tmp"
f = netcdf_file(tmp, "w", version=1)
f.title = "ECG, MIT-BIH Arrhythmia Database record 208 (lead MLII), minutes 19:35-24:35"
f.source = "scipy.misc.electrocardiogram data file (Debian python3-scipy), from PhysioNet"
f.references = "Moody GB, Mark RG (2001) IEEE Eng Med Biol 20(3):45-50; Goldberger et al. (2000) Circulation 101(23):e215"
f.license = "MIT-BIH Arrhythmia Database: Open Data Commons Attribution License v1.0"
f.history = "made by datasets/speech/make_ecg.py"
f.createDimension("time", counts.size)
v = f.createVariable("ecg", "h", ("time",))
v[:] = counts
v.scale_factor = np.float32(1 / 200)
v.add_offset = np.float32(-1024 / 200)
v.units = "mV"
v.long_name = "electrocardiogram, lead MLII"
v.sampling_rate_hz = 360
v.comment = "sample i is at i / 360 s after the start of the excerpt"
f.close()
os.replace(tmp, out)
mv = (counts.astype(float) - 1024) / 200
print(f"wrote {out}: {counts.size} samples, mean {mv.mean():.5f} mV, std {mv.std():.5f} mV", file=sys.stderr)
