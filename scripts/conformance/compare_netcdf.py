"""Reads NetCDF files with `gridcnn info --json` and with netCDF4-python and reports where they disagree: files one
refuses and the other reads, crashes and hangs, dimension lengths and unlimited flags, variable shapes and dims,
missing counts and min/max/mean of the valid values. Every CDL under the given folders is first built with ncgen in
each format it accepts; .nc files found there are read as they are. Called by netcdf-corpus.sh (see RELIABILITY.md).
Usage: compare_netcdf.py GRIDCNN WORKDIR KNOWN_DIFFERENCES FOLDER...   Exit status 1 when anything disagrees.
       compare_netcdf.py --reference FILE   (netCDF4-python's view of one file as JSON; run in its own process,
                                             since libnetcdf is not thread-safe and crashes on some files)"""
import collections, concurrent.futures, fnmatch, json, math, os, resource, subprocess, sys, warnings

FORMATS = [("classic", "nc3"), ("64-bit offset", "nc6"), ("CDF-5", "nc5"), ("netCDF-4", "nc4")]
TIMEOUT = 120
MAX_FILE = 1 << 30  # ncgen stops at this size (some test CDLs describe files of many GB)
MAX_VALUES = 10_000_000  # netCDF4-python reads a variable whole: a sparse netCDF-4 file can hold billions of fills
BYTE_FILLS = {"i1": -127, "u1": 255}


def reference(path):
    """netCDF4-python's view of `path`: dimensions by path, and per variable dims, shape and statistics."""
    import numpy as np, netCDF4
    warnings.simplefilter("ignore")  # it warns about attributes it cannot cast; only its values matter here

    def walk(g):
        yield g
        for sub in g.groups.values():
            yield from walk(sub)

    def path_of(g, name):
        return (g.path.rstrip("/") + "/" + name).lstrip("/")

    out = {"dimensions": {}, "unlimited": [], "variables": {}}
    with netCDF4.Dataset(path) as ds:
        for g in walk(ds):
            for name, d in g.dimensions.items():
                out["dimensions"][path_of(g, name)] = len(d)
                if d.isunlimited():
                    out["unlimited"].append(path_of(g, name))
            for name, var in g.variables.items():
                v = out["variables"][path_of(g, name)] = {
                    "dims": [path_of(d.group(), d.name) for d in var.get_dims()], "shape": list(var.shape),
                    "numeric": isinstance(var.datatype, np.dtype) and var.datatype.kind in "iuf"}
                if not v["numeric"]:
                    continue
                if var.size > MAX_VALUES:
                    v["skipped"] = f"over {MAX_VALUES} values"
                    continue
                try:
                    data = np.ma.asarray(var[...])
                except Exception as e:  # netCDF4 raises several types, depending on the cause
                    v["skipped"] = f"netCDF4-python cannot read it ({e})"
                    continue
                values = np.ma.filled(data.astype(np.float64), np.nan).ravel()
                good = values[~np.isnan(values)]  # NaN counts as missing, as gridcnn documents
                v.update(valid=int(good.size), missing=int(values.size - good.size), noFill=var.get_fill_value() is None)
                if good.size:
                    v.update(min=float(good.min()), max=float(good.max()), mean=float(good.mean(dtype=np.float64)))
                var.set_auto_maskandscale(False)
                fill = BYTE_FILLS.get(var.dtype.str[1:])
                if fill is not None and "_FillValue" not in var.ncattrs():
                    v["byteDefaultFills"] = int(np.count_nonzero(np.asarray(var[...]) == fill))
                if v["noFill"]:
                    # Storage never written and not pre-filled reads as whatever memory held: it differs per read.
                    v["unstable"] = not np.array_equal(np.asarray(var[...]), np.asarray(var[...]))
    return out


def limit_resources():
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE, MAX_FILE))


def run(command):
    """(exit status or None when it hung, stdout, stderr)."""
    try:
        r = subprocess.run(command, capture_output=True, timeout=TIMEOUT, preexec_fn=limit_resources)
        return r.returncode, r.stdout, r.stderr.decode(errors="replace").strip()
    except subprocess.TimeoutExpired:
        return None, b"", f"hung (> {TIMEOUT} s)"


def build_and_compare(cdl, workdir, gridcnn):
    """Builds one CDL in each format ncgen accepts for it, compares each file, deletes it; the results by format."""
    results = {}
    stem = os.path.relpath(cdl).replace(os.sep, "__")[:-4]
    for label, kind in FORMATS:
        out = os.path.join(workdir, f"{stem}.{kind}.nc")
        if run(["ncgen", "-k", kind, "-o", out, cdl])[0] == 0 and os.path.exists(out):
            results[label] = compare(f"{os.path.relpath(cdl)} [{label}]", out, gridcnn)
        if os.path.exists(out):
            os.remove(out)
    return results


def close(a, b, scale):
    if a is None or b is None:
        return a is None and b is None
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return str(a) == str(b)
    # netCDF4-python unpacks into the scale_factor's type (float32 for a float scale); gridcnn in Double.
    return abs(a - b) <= 1e-5 * scale + 1e-300


def number(x):
    return float(x) if x is not None else None  # JSON carries infinities and NaN as strings


def compare(label, path, gridcnn):
    """(disagreements, notes on what could not be compared, counts) for one file."""
    totals = collections.Counter()
    code, out, err = run([gridcnn, "info", path, "--json"])
    lines = err.splitlines()
    if code != 0 and (code != 1 or len(lines) != 1 or not lines[0].startswith("error: ")):
        return [f"{label}: gridcnn {'exit ' + str(code) if code is not None else ''} {err[-300:]}"], [], totals
    mine = json.loads(out) if code == 0 else None
    code, out, err = run([sys.executable, __file__, "--reference", path])
    if code != 0:
        totals["refused by netCDF4"] += 1
        why = "crashes" if code is None or code < 0 else "refuses it"
        if mine is not None:
            return [], [f"{label}: netCDF4-python {why} ({err.splitlines()[-1] if err else code}); gridcnn reads it"], totals
        return [], [], totals
    ref = json.loads(out)
    if mine is None:
        return [f"{label}: netCDF4-python reads it, gridcnn: {lines[0]}"], [], totals
    totals["files"] += 1
    found, notes = [], []
    if mine["dimensions"] != ref["dimensions"]:
        found.append(f"{label}: dimensions {mine['dimensions']} vs netCDF4 {ref['dimensions']}")
    if sorted(mine["unlimited_dimensions"]) != sorted(ref["unlimited"]):
        found.append(f"{label}: unlimited {sorted(mine['unlimited_dimensions'])} vs netCDF4 {sorted(ref['unlimited'])}")
    for vpath, r in ref["variables"].items():
        m = mine["variables"].get(vpath)
        where = f"{label}: {vpath}"
        if m is None:
            found.append(f"{where}: missing from gridcnn's summary")
            continue
        if (m["dims"], m["shape"]) != (r["dims"], r["shape"]):
            found.append(f"{where}: dims {m['dims']} {m['shape']} vs netCDF4 {r['dims']} {r['shape']}")
        if not r["numeric"]:
            continue
        if "skipped" in r:
            notes.append(f"{where}: not compared, {r['skipped']}")
            continue
        totals["variables"] += 1
        found += compare_values(where, m, r, totals)
    extra = [k for k, v in mine["variables"].items() if k not in ref["variables"] and v["type"] not in ("userDefined", "string", "char")]
    if extra:
        found.append(f"{label}: gridcnn lists {extra}, netCDF4 does not")
    return found, notes, totals


def compare_values(where, m, r, totals):
    counts = (m["valid"], m["missing"]), (r["valid"], r["missing"])
    n = r.get("byteDefaultFills", 0)
    if counts[0] != counts[1] and n and counts[0] == (r["valid"] + n, r["missing"] - n):
        # netCDF4-python masks the default fill of byte variables; NUG, ncdump and gridcnn do not.
        totals["known: byte default fill (netCDF4-python masks it; NUG, ncdump and gridcnn do not)"] += 1
        return []
    if r.get("unstable") or (counts[0] != counts[1] and r["noFill"] and m["valid"] == 0):
        # Never written and not pre-filled, so undefined: two reads differ, or (libnetcdf 4.9) all read as fills.
        totals["known: no-fill variable never written (values undefined)"] += 1
        return []
    found = []
    if counts[0] != counts[1]:
        found.append(f"{where}: valid/missing {m['valid']}/{m['missing']} vs netCDF4 {r['valid']}/{r['missing']}")
    scale = max([abs(x) for x in (r.get("min"), r.get("max")) if x is not None and math.isfinite(x)] + [1e-30])
    for key in ("min", "max", "mean"):
        if not close(number(m[key]), r.get(key), scale):
            found.append(f"{where}: {key} {m[key]} vs netCDF4 {r.get(key)}")
    return found


def main():
    gridcnn, workdir, known_file, folders = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
    known = [line.split("\t", 1) for line in open(known_file).read().splitlines() if line and not line.startswith("#")]
    cdls, binaries = [], []
    for folder in folders:
        for root, _, names in os.walk(folder):
            cdls += [os.path.join(root, n) for n in sorted(names) if n.endswith(".cdl")]
            binaries += [os.path.join(root, n) for n in sorted(names) if n.endswith(".nc")]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        built = list(pool.map(lambda c: build_and_compare(c, workdir, gridcnn), sorted(cdls)))
        results = [r for by_format in built for r in by_format.values()]
        results += list(pool.map(lambda b: compare(os.path.relpath(b), b, gridcnn), sorted(binaries)))
    totals = sum((t for _, _, t in results), collections.Counter())
    problems, explained = [], collections.Counter()
    for line in (line for found, _, _ in results for line in found):
        reason = next((why for pattern, why in known if fnmatch.fnmatch(line, pattern)), None)
        if reason:
            explained[reason] += 1
        else:
            problems.append(line)
    for cdl, by_format in zip(sorted(cdls), built):
        if not by_format:
            print(f"note: {os.path.relpath(cdl)}: ncgen builds it in no format")
    for line in (line for _, notes, _ in results for line in notes):
        print("note:", line)
    for line in problems:
        print(line)
    explained.update({k[len("known: "):]: v for k, v in totals.items() if k.startswith("known: ")})
    for reason, n in sorted(explained.items()):
        print(f"known difference, {n}x: {reason}")
    per_format = ", ".join(f"{sum(label in by_format for by_format in built)} {label}" for label, _ in FORMATS)
    print(f"{len(cdls)} CDL files built into {len(results) - len(binaries)} files ({per_format}; "
          f"{sum(not by_format for by_format in built)} CDL files in no format), {len(binaries)} binaries; "
          f"{totals['files']} files and {totals['variables']} numeric variables compared "
          f"({totals['refused by netCDF4']} files refused by netCDF4-python); {len(problems)} disagreements")
    return 1 if problems else 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--reference"]:
        print(json.dumps(reference(sys.argv[2])))
    else:
        sys.exit(main())
