#!/usr/bin/env python3
"""Mutation fuzzing of every kind of file gridcnn reads, through the commands that read them.

Each mutation takes a seed file, replaces 1-8 bytes anywhere in it (random value, bit flip or a boundary value such
as 0x00/0xff/0x7f/0x80; sometimes a run of bytes, sometimes a cut), runs one command on it with a time limit and
classifies the outcome:
  clean    exit 1 with one line on stderr (the promise for bad input); "contained" counts those among them that
           report a libhdf5 crash or time limit caught in gridcnn's probe or reader child process
  correct  exit 0
  unclean  any other non-zero exit below 128, or exit 1 with more than one line
  crash    a signal, or an exit status above 128 other than 130/143
  hang     past the CPU-time limit (--timeout), or still running at 20 times that in wall time
Crashes, hangs and unclean exits are saved under OUT/reproducers/ as the mutated file plus a JSON record (base
file, byte edits, command). Everything is seeded: the same --seed and --mutations give the same runs.
"""
import argparse, collections, concurrent.futures, itertools, json, os, random, resource, shutil, signal, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
D = os.path.join(ROOT, "datasets")
WEATHER = f"{D}/weather/weather_test.nc"
JETS = f"{D}/jets/jets_sample.h5"
TAS = f"{D}/climate/tas_rectilinear_grid_2D.nc"
WAV = f"{D}/speech/sentences/00-en-us+m3.wav"
SYLLABLE = f"{D}/speech/syllables/en-029+iven/ba-p65-s190.wav"


def seed_checkpoints(gridcnn, cache):
    """Small checkpoints of each job (one short training each), made once and kept in `cache`."""
    jobs = {
        "downscale": ["train", "downscale", "--truth", TAS, "--var", "tas", "--factor", "4", "--epochs", "1",
                      "--steps-per-epoch", "1"],
        "classify": ["train", "classify", "--input", JETS, "--epochs", "1"],
        "syllables": ["train", "syllables", "--data", f"{D}/speech/syllables", "--epochs", "1"],
        "sequence": ["train", "sequence", "--input", f"{D}/speech/sentences", "--epochs", "1", "--steps-per-epoch",
                     "1", "--batch-size", "1"],
    }
    os.makedirs(cache, exist_ok=True)
    paths = {"detect": os.path.join(ROOT, "models", "detect-unet.h5")}
    for job, args in jobs.items():
        path = os.path.join(cache, f"{job}.h5")
        if not os.path.exists(path):
            subprocess.run([gridcnn, *args, "--seed", "0", "--threads", "1", "--quiet", "--out", path], check=True,
                           stdout=subprocess.DEVNULL)
        paths[job] = path
    coarse = os.path.join(cache, "coarse.nc")
    if not os.path.exists(coarse):
        subprocess.run([gridcnn, "coarsen", "--input", TAS, "--var", "tas", "--factor", "4", "--output", coarse,
                        "--quiet"], check=True)
    paths["coarse"] = coarse
    return paths


def targets(ck):
    """(kind, seed file, commands): F is the mutated file, O an output path in the run's scratch directory."""
    return [
        ("netcdf3", f"{D}/speech/ecg.nc", [["info", "F", "--json"]]),
        ("netcdf3", TAS, [["info", "F", "--json"], ["coarsen", "--input", "F", "--var", "tas", "--factor", "4", "--output", "O.nc"]]),
        ("netcdf3", ck["coarse"], [["downscale", "--model", ck["downscale"], "--input", "F", "--output", "O.nc", "--quiet"]]),
        ("netcdf4", WEATHER, [["info", "F", "--json"],
                              ["detect", "--model", ck["detect"], "--input", "F", "--output", "O.nc", "--quiet"],
                              ["label", "--input", "F", "--output", "O.nc", "--quiet"],
                              ["track", "--input", "F", "--output", "O.csv", "--quiet"]]),
        ("netcdf4", f"{D}/weather/weather_tracks.nc", [["track", "--input", "F", "--preset", "tropical", "--output", "O.nc", "--quiet"]]),
        ("hdf5", JETS, [["info", "F", "--json"], ["classify", "--model", ck["classify"], "--input", "F", "--output", "O.h5", "--quiet"]]),
        ("checkpoint-detect", ck["detect"], [["detect", "--model", "F", "--input", WEATHER, "--output", "O.nc", "--quiet"]]),
        ("checkpoint-downscale", ck["downscale"], [["downscale", "--model", "F", "--input", ck["coarse"], "--output", "O.nc", "--quiet"]]),
        ("checkpoint-classify", ck["classify"], [["classify", "--model", "F", "--input", JETS, "--output", "O.h5", "--quiet"]]),
        ("checkpoint-syllables", ck["syllables"], [["classify-syllables", "--model", "F", SYLLABLE]]),
        ("checkpoint-sequence", ck["sequence"], [["generate", "--model", "F", "--seconds", "0.05", "--output", "O.wav", "--quiet"]]),
        ("wav", WAV, [["classify-syllables", "--model", ck["syllables"], "F"]]),
        ("wav", SYLLABLE, [["classify-syllables", "--model", ck["syllables"], "F"]]),
    ]


def mutate(data, rng):
    """Returns (mutated bytes, edits as {offset: value}, cut length or None)."""
    b = bytearray(data)
    edits = {}
    for _ in range(rng.randint(1, 8)):
        # Half the edits anywhere, half in the first 16 KiB, where most structure (headers, B-trees, heaps) sits.
        i = rng.randrange(len(b)) if rng.random() < 0.5 else rng.randrange(min(len(b), 16384))
        how = rng.random()
        if how < 0.4:
            b[i] = rng.randrange(256)
        elif how < 0.7:
            b[i] ^= 1 << rng.randrange(8)
        elif how < 0.9:
            b[i] = rng.choice([0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE])
        else:
            for k in range(i, min(i + rng.randint(2, 16), len(b))):
                b[k] = 0xFF if how < 0.95 else 0x00
                edits[k] = b[k]
        edits[i] = b[i]
    cut = None
    if rng.random() < 0.03:
        cut = rng.randrange(1, len(b))
        b = b[:cut]
    return bytes(b), {k: v for k, v in sorted(edits.items()) if cut is None or k < cut}, cut


# A clean error that reports a libhdf5 crash or time limit caught in a probe or reader child (also counted as clean).
CONTAINED = ("crashed", "did not finish")


def classify(returncode, stderr, timed_out):
    if timed_out:
        return "hang"
    if returncode == 0:
        return "correct"
    if returncode < 0 or (returncode > 128 and returncode not in (130, 143)):
        return "crash"
    lines = [l for l in stderr.decode(errors="replace").splitlines() if l.strip()]
    return "clean" if returncode == 1 and len(lines) == 1 else "unclean"


def run_one(task):
    gridcnn, timeout, index, kind, base, command, data, edits, cut, out_dir, env = task
    scratch = tempfile.mkdtemp(prefix=f"fz{index}-")
    try:
        ext = os.path.splitext(base)[1]
        path = os.path.join(scratch, "F" + ext)
        with open(path, "wb") as f:
            f.write(data)
        argv = [gridcnn] + [path if a == "F" else os.path.join(scratch, a) if a.startswith("O.") else a for a in command]
        try:
            # CPU time, not wall time, decides a hang, so runs starved under nice on a busy machine are not miscounted.
            limit = lambda: resource.setrlimit(resource.RLIMIT_CPU, (int(timeout), int(timeout) + 1))
            p = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=timeout * 20, env=env,
                               cwd=scratch, preexec_fn=limit)
            hung = p.returncode == -signal.SIGXCPU
            outcome, rc, err = classify(p.returncode, p.stderr, hung), p.returncode, p.stderr
        except subprocess.TimeoutExpired as e:
            outcome, rc, err = "hang", None, e.stderr or b""
        if outcome in ("crash", "hang", "unclean"):
            name = f"{index:06d}-{kind}-{command[0]}-{outcome}"
            shutil.copy(path, os.path.join(out_dir, name + ext))
            with open(os.path.join(out_dir, name + ".json"), "w") as f:
                json.dump({"base": os.path.relpath(base, ROOT) if base.startswith(ROOT) else base,
                           "edits": {str(k): v for k, v in edits.items()}, "cut": cut, "command": command,
                           "outcome": outcome, "exit": rc, "stderr": err.decode(errors="replace")[-2000:]}, f, indent=1)
        contained = outcome == "clean" and any(c in err.decode(errors="replace") for c in CONTAINED)
        return kind, command[0], outcome, contained
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gridcnn", default=os.path.join(ROOT, ".build", "release", "gridcnn"))
    ap.add_argument("--mutations", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=30, help="CPU seconds per run before it counts as a hang")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--out", default=os.path.join(ROOT, ".build", "fuzz"))
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    a = ap.parse_args()
    out_dir = os.path.join(a.out, "reproducers")
    os.makedirs(out_dir, exist_ok=True)
    ck = seed_checkpoints(a.gridcnn, os.path.join(a.out, "seeds"))
    plan = [(kind, base, command) for kind, base, commands in targets(ck) for command in commands]
    bases = {base: open(base, "rb").read() for _, base, _ in plan}
    rng = random.Random(a.seed)
    env = dict(os.environ)

    def tasks():
        for i in range(a.mutations):
            kind, base, command = plan[i % len(plan)]
            data, edits, cut = mutate(bases[base], rng)
            yield (a.gridcnn, a.timeout, i, kind, base, command, data, edits, cut, out_dir, env)

    counts = collections.defaultdict(collections.Counter)
    done = 0
    with concurrent.futures.ThreadPoolExecutor(a.jobs) as pool:
        # A few runs in flight at a time: pool.map would make every mutated file (GBs) before running any.
        pending = set()
        for task in itertools.chain(tasks(), [None]):
            if task is not None:
                pending.add(pool.submit(run_one, task))
                if len(pending) < 2 * a.jobs:
                    continue
            finished, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED if task else concurrent.futures.ALL_COMPLETED)
            for f in finished:
                kind, command, outcome, contained = f.result()
                counts[(kind, command)][outcome] += 1
                counts[(kind, command)]["contained"] += contained
                done += 1
                if done % 500 == 0:
                    # A long campaign can be stopped at any time and still report what it ran.
                    with open(os.path.join(a.out, "progress.json"), "w") as out:
                        json.dump({"done": done, "counts": {f"{k} {c}": dict(v) for (k, c), v in sorted(counts.items())}}, out, indent=1)
    report(counts, a.markdown)
    bad = sum(c["crash"] + c["hang"] + c["unclean"] for c in counts.values())
    if bad:
        print(f"{bad} reproducer(s) saved in {out_dir}", file=sys.stderr)
    sys.exit(1 if bad else 0)


def runs(counter):
    return sum(n for outcome, n in counter.items() if outcome != "contained")


def report(counts, markdown):
    columns = ["clean", "contained", "correct", "unclean", "crash", "hang"]
    total = collections.Counter()
    rows = []
    for (kind, command), c in sorted(counts.items()):
        total.update(c)
        rows.append([kind, command, str(runs(c))] + [str(c[k]) for k in columns])
    rows.append(["all", "", str(runs(total))] + [str(total[k]) for k in columns])
    header = ["file kind", "command", "mutations"] + columns
    if markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "---|" * len(header))
        for r in rows:
            print("| " + " | ".join(r) + " |")
    else:
        widths = [max(len(x) for x in col) for col in zip(header, *rows)]
        for r in [header] + rows:
            print("  ".join(x.ljust(w) for x, w in zip(r, widths)))


if __name__ == "__main__":
    main()
