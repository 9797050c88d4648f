#!/usr/bin/env python3
"""MPI benchmark (not a unit test): one rank against `mpirun -np 2`, one compute thread per rank, interleaved rounds,
minimum of the rounds. Training: seconds per step from two run lengths (the difference removes start-up, data
loading and validation), the all-reduce's share of a step on 2 ranks, and the gradient size. Apply: whole-command
wall time of the streamed jobs on the bundled 40-step file. Prints a Markdown table for PERFORMANCE.md/SCALING.md.

Usage: scripts/bench-mpi.sh [rounds]   (run on an otherwise idle machine: 2 ranks need both cores)
"""
import json, os, subprocess, sys, tempfile, time

G = os.environ.get("GRIDCNN", ".build/release/gridcnn")
ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 3
MPI = ["mpirun", "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np"]
W = tempfile.mkdtemp(prefix="gridcnn-bench-mpi-")

TRAIN = {
    "downscale (SRCNN)": ["train", "downscale", "--truth", "datasets/climate/tas_rectilinear_grid_2D.nc", "--var", "tas",
                          "--static", "datasets/climate/orog_mod1_rectilinear_grid_2D.nc:orog",
                          "--static", "datasets/climate/sftlf_mod1_rectilinear_grid_2D.nc:sftlf", "--factor", "4",
                          "--batch-size", "16"],
    "detect (UNet)": ["train", "detect", "--input", "datasets/weather/weather_train.nc", "--batch-size", "16"],
    "classify (jet CNN)": ["train", "classify", "--input", "datasets/jets/jets_sample.h5", "--batch-size", "64"],
}
LONG_FILE = f"{W}/tracks_400.nc"
APPLY = {
    "detect (UNet, 400 steps)": ["detect", "--model", "models/detect-unet.h5", "--input", LONG_FILE, "--output", "{out}.nc"],
    "label (400 steps)": ["label", "--input", LONG_FILE, "--output", "{out}.nc"],
    "track (400 steps)": ["track", "--input", LONG_FILE, "--preset", "tropical", "--output", "{out}.txt"],
}


def long_file(src="datasets/weather/weather_tracks.nc", copies=10):
    """The bundled 40-step file ten times over (times continued), so that start-up is a small part of an apply run."""
    import netCDF4, numpy as np
    with netCDF4.Dataset(src) as a, netCDF4.Dataset(LONG_FILE, "w") as b:
        b.setncatts(a.__dict__)
        for d in a.dimensions.values():
            b.createDimension(d.name, None if d.isunlimited() else len(d))
        n = len(a.dimensions["time"])
        for v in a.variables.values():
            fill = v.__dict__.get("_FillValue")
            w = b.createVariable(v.name, v.datatype, v.dimensions, fill_value=fill)
            w.setncatts({k: x for k, x in v.__dict__.items() if k != "_FillValue"})
            v.set_auto_maskandscale(False); w.set_auto_maskandscale(False)
            if "time" not in v.dimensions:
                w[:] = v[:]
            elif v.name == "time":
                t = v[:]
                w[:] = np.concatenate([t + k * (t[-1] - t[0] + (t[1] - t[0])) for k in range(copies)])
            else:
                for k in range(copies):
                    w[k * n:(k + 1) * n] = v[:]


long_file()
SHORT, LONG = 5, 25


def run(args, ranks):
    cmd = ([*MPI, str(ranks)] if ranks > 1 else []) + [G] + args + ["--threads", "1", "--quiet"]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-600:]}")
    return dt, p.stdout


def train_once(args, ranks, steps, tag):
    out = f"{W}/{tag}.h5"
    dt, stdout = run(args + ["--epochs", "1", "--steps-per-epoch", str(steps), "--output", out, "--overwrite", "--json"], ranks)
    return dt, json.loads(stdout)


results = {}
for r in range(ROUNDS):
    for name, args in TRAIN.items():
        for ranks in (1, 2):
            short, _ = train_once(args, ranks, SHORT, "s")
            long_, rep = train_once(args, ranks, LONG, "l")
            per_step = (long_ - short) / (LONG - SHORT)
            share = (rep["training"].get("all_reduce_seconds") or 0) / LONG
            params = rep.get("parameters") or rep.get("training", {}).get("parameters")
            key = (name, ranks)
            best = results.get(key)
            if best is None or per_step < best[0]:
                results[key] = (per_step, share, params)
    for name, args in APPLY.items():
        for ranks in (1, 2):
            dt, _ = run([a.replace("{out}", f"{W}/apply") for a in args] + ["--overwrite"], ranks)
            key = (name, ranks)
            if key not in results or dt < results[key][0]:
                results[key] = (dt, 0, None)
    print(f"round {r + 1}/{ROUNDS} done", file=sys.stderr)

print(f"machine: {os.cpu_count()} cores, {'AVX-512' if 'avx512f' in open('/proc/cpuinfo').read() else 'AVX2'}; "
      f"load average before the table {os.getloadavg()[0]:.2f}")
print("| workload | 1 rank | 2 ranks | speed-up | efficiency | all-reduce share of a 2-rank step | parameters |")
print("|---|---|---|---|---|---|---|")
for name in [*TRAIN, *APPLY]:
    one, two = results[(name, 1)], results[(name, 2)]
    unit = "ms/step" if name in TRAIN else "s"
    scale = 1000 if name in TRAIN else 1
    sp = one[0] / two[0]
    share = f"{100 * two[1] / two[0]:.1f} % ({1000 * two[1]:.2f} ms)" if name in TRAIN else "-"
    print(f"| {name} | {one[0] * scale:.1f} {unit} | {two[0] * scale:.1f} {unit} | {sp:.2f}x | {100 * sp / 2:.0f} % | {share} | {two[2] or '-'} |")
