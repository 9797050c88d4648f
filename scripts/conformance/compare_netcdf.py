"""Reads NetCDF files with `gridcnn info --json` and with netCDF4-python and reports where they disagree: files one
refuses and the other reads, crashes and hangs, dimension lengths and unlimited flags, variable shapes and dims,
missing counts and min/max/mean of the valid values. Every CDL under the given folders is first built with ncgen in
each format it accepts; .nc files found there are read as they are. Called by netcdf-corpus.sh (see RELIABILITY.md).
Usage: compare_netcdf.py GRIDCNN WORKDIR FOLDER...   Exit status 1 when anything disagrees."""
import collections, concurrent.futures, json, math, os, subprocess, sys, warnings
import numpy as np
import netCDF4

FORMATS = [("classic", "nc3"), ("64-bit offset", "nc6"), ("CDF-5", "nc5"), ("netCDF-4", "nc4")]
TIMEOUT = 120
MAX_VALUES = 10_000_000  # netCDF4-python reads a variable whole: a sparse netCDF-4 file can hold billions of fills
warnings.simplefilter("ignore")  # netCDF4-python warns about attributes it cannot cast; we only want its values


def build(cdl, workdir):
    """The files ncgen makes of one CDL, as (label, path): one per format it accepts."""
    made = []
    stem = os.path.relpath(cdl).replace(os.sep, "__")[:-4]
    for label, kind in FORMATS:
        out = os.path.join(workdir, f"{stem}.{kind}.nc")
        try:
            r = subprocess.run(["ncgen", "-k", kind, "-o", out, cdl], capture_output=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            continue
        if r.returncode == 0 and os.path.exists(out):
            made.append((f"{os.path.relpath(cdl)} [{label}]", out))
    return made


def run_gridcnn(gridcnn, path):
    """(summary dict or None, problem text or None). A signal, a hang or output that is not JSON is a problem."""
    try:
        r = subprocess.run([gridcnn, "info", path, "--json"], capture_output=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        return None, f"gridcnn hung (> {TIMEOUT} s)"
    err = r.stderr.decode(errors="replace").strip()
    if r.returncode != 0:
        lines = err.splitlines()
        if r.returncode != 1 or len(lines) != 1 or not lines[0].startswith("error: "):
            return None, f"gridcnn exit {r.returncode}: {err[-300:]}"
        return None, lines[0]
    try:
        return json.loads(r.stdout), None
    except json.JSONDecodeError as e:
        return None, f"gridcnn printed invalid JSON: {e}"


def walk(group):
    yield group
    for g in group.groups.values():
        yield from walk(g)


def path_of(group, name):
    return (group.path.rstrip("/") + "/" + name).lstrip("/")


def number(x):
    return float(x) if x is not None else None  # JSON carries infinities as the strings "Infinity"/"-Infinity"


def reference_stats(var):
    """netCDF4-python's view: valid and missing counts (NaN counts as missing, as gridcnn documents) and min/max/mean."""
    data = np.ma.asarray(var[...])
    values = np.ma.filled(data.astype(np.float64), np.nan).ravel()
    good = values[~np.isnan(values)]
    stats = {"valid": int(good.size), "missing": int(values.size - good.size)}
    if good.size:
        stats.update(min=float(good.min()), max=float(good.max()), mean=float(good.mean(dtype=np.float64)))
    return stats


def close(a, b, scale):
    if a is None or b is None:
        return a is None and b is None
    if math.isinf(a) or math.isinf(b):
        return a == b
    # netCDF4-python unpacks into the scale_factor's type (float32 for a float scale); gridcnn in Double.
    return abs(a - b) <= 1e-5 * scale + 1e-300


def compare(label, path, gridcnn):
    """Disagreements (strings) for one file, and counts of what was compared."""
    totals = collections.Counter()
    return compare_file(label, path, gridcnn, totals), totals


def compare_file(label, path, gridcnn, totals):
    summary, problem = run_gridcnn(gridcnn, path)
    try:
        ds = netCDF4.Dataset(path)
    except Exception as e:  # netCDF4 raises OSError, RuntimeError, ... depending on the cause
        totals["refused by netCDF4"] += 1
        totals["refused by both"] += summary is None
        if summary is not None:
            return [f"{label}: gridcnn reads it, netCDF4-python refuses it ({e})"]
        return [f"{label}: {problem}"] if problem and not problem.startswith("error: ") else []
    with ds:
        if summary is None:
            return [f"{label}: netCDF4-python reads it, gridcnn: {problem}"]
        totals["files"] += 1
        out = []
        dims, unlimited = {}, set()
        for g in walk(ds):
            for name, d in g.dimensions.items():
                dims[path_of(g, name)] = len(d)
                if d.isunlimited():
                    unlimited.add(path_of(g, name))
        if summary["dimensions"] != dims:
            out.append(f"{label}: dimensions {summary['dimensions']} vs netCDF4 {dims}")
        if set(summary["unlimitedDimensions"]) != unlimited:
            out.append(f"{label}: unlimited {sorted(summary['unlimitedDimensions'])} vs netCDF4 {sorted(unlimited)}")
        listed = set()
        for g in walk(ds):
            for name, var in g.variables.items():
                listed.add(path_of(g, name))
                out += compare_variable(label, path_of(g, name), var, summary["variables"].get(path_of(g, name)), totals)
        if set(summary["variables"]) - listed:
            out.append(f"{label}: gridcnn lists {sorted(set(summary['variables']) - listed)}, netCDF4 does not")
        return out


def compare_variable(label, vpath, var, mine, totals):
    where = f"{label}: {vpath}"
    numeric = isinstance(var.datatype, np.dtype) and var.datatype.kind in "iuf"
    if mine is None:
        return [f"{where}: missing from gridcnn's summary"]
    dim_paths = [path_of(d.group(), d.name) for d in var.get_dims()]
    out = []
    if mine["dims"] != dim_paths or mine["shape"] != list(var.shape):
        out.append(f"{where}: dims {mine['dims']} {mine['shape']} vs netCDF4 {dim_paths} {list(var.shape)}")
    if not numeric:
        return out
    if mine["type"] in ("char", "string", "userDefined"):
        return out + [f"{where}: gridcnn type {mine['type']}, netCDF4 {var.datatype}"]
    if var.size > MAX_VALUES:
        totals["too large to compare"] += 1
        return out
    try:
        ref = reference_stats(var)
    except Exception as e:
        totals["unreadable by netCDF4"] += 1
        return out + [f"{where}: netCDF4-python cannot read the values ({e})"]
    totals["variables"] += 1
    if (mine["valid"], mine["missing"]) != (ref["valid"], ref["missing"]):
        out.append(f"{where}: valid/missing {mine['valid']}/{mine['missing']} vs netCDF4 {ref['valid']}/{ref['missing']}")
    scale = max([abs(x) for x in (ref.get("min"), ref.get("max")) if x is not None and math.isfinite(x)] + [1e-30])
    for key in ("min", "max", "mean"):
        if not close(number(mine[key]), ref.get(key), scale):
            out.append(f"{where}: {key} {mine[key]} vs netCDF4 {ref.get(key)}")
    return out


def main():
    gridcnn, workdir, folders = sys.argv[1], sys.argv[2], sys.argv[3:]
    cdls, binaries = [], []
    for folder in folders:
        for root, _, names in os.walk(folder):
            for n in sorted(names):
                (cdls if n.endswith(".cdl") else binaries if n.endswith(".nc") else []).append(os.path.join(root, n))
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, min(4, os.cpu_count() or 1))) as pool:
        files = [f for made in pool.map(lambda c: build(c, workdir), sorted(cdls)) for f in made]
        files += [(os.path.relpath(b), b) for b in sorted(binaries)]
        found = list(pool.map(lambda f: compare(f[0], f[1], gridcnn), files))
    problems = [line for lines, _ in found for line in lines]
    totals = sum((counts for _, counts in found), collections.Counter())
    for line in problems:
        print(line)
    per_format = ", ".join(f"{sum(1 for l, _ in files if l.endswith('[' + label + ']'))} {label}" for label, _ in FORMATS)
    print(f"{len(cdls)} CDL files built into {len(files) - len(binaries)} files ({per_format}), {len(binaries)} binaries; "
          f"{totals['files']} files and {totals['variables']} numeric variables compared; "
          f"{totals['refused by netCDF4']} files refused by netCDF4-python ({totals['refused by both']} by gridcnn too), "
          f"{totals['unreadable by netCDF4']} variables it could not read, {totals['too large to compare']} over {MAX_VALUES} values "
          f"not compared; {len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
