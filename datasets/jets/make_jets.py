#!/usr/bin/env python3
"""Generate W'->WZ (W->qq, Z->nunu) signal and QCD background jet images.

Follows de Oliveira, Kagan, Mackey, Nachman, Schwartzman, "Jet-images -- deep
learning edition" (JHEP 07 (2016) 069, arXiv:1511.05190):

  * 13 TeV pp with Pythia 8 (PyPI ``pythia8mc``), hadronisation and MPI on.
  * Visible final-state particles with |eta| < 5 are clustered with anti-kt
    R = 1.0 (FastJet). The leading jet must have 250 < pT < 300 GeV and
    |eta| < 2 (cut on the untrimmed anti-kt jet).
  * Trimming: the jet's constituents are reclustered into kt R = 0.2 subjets and
    subjets with pT < 5% of the jet pT are dropped.
  * Image: 25 x 25 pixels of 0.1 x 0.1 in (eta, phi); each pixel holds the summed
    pT (GeV) of the trimmed constituents falling into it. Before pixelisation the
    constituent coordinates (relative to the leading subjet, phi wrapped into
    (-pi, pi]) are rotated about the leading subjet so that the second subjet lies
    directly below it, and reflected in eta so that the half with more pT is on
    the right (see PREPROCESSING below).

Usage:
  python3 datasets/jets/make_jets.py --signal N --background M --seed S \
      --workers W --out file.h5

The output depends only on (N, M, S, W): worker w generates its share of the
signal with Pythia seed S*1000+w and its share of the background with seed
S*1000+500+w, results are concatenated in a fixed order and shuffled with a
numpy permutation seeded with S.
"""

import argparse
import math
import multiprocessing as mp
import sys
import time
from importlib import metadata

import numpy as np

NPIX = 25
PIX = 0.1
CENTRE = NPIX // 2  # pixel index 12
JET_R = 1.0
SUBJET_R = 0.2
TRIM_FRAC = 0.05
PT_MIN, PT_MAX = 250.0, 300.0
JET_ETA_MAX = 2.0
PARTICLE_ETA_MAX = 5.0
BG_SEED_OFFSET = 500  # background generator of worker w uses seed S*1000+500+w

COMMON_SETTINGS = [
    "Beams:idA = 2212",
    "Beams:idB = 2212",
    "Beams:eCM = 13000.",
    "PartonLevel:MPI = on",
    "HadronLevel:all = on",
    # speed / quietness only: no event counting or listings
    "Next:numberCount = 0",
    "Next:numberShowLHA = 0",
    "Next:numberShowInfo = 0",
    "Next:numberShowProcess = 0",
    "Next:numberShowEvent = 0",
    "Init:showProcesses = off",
    "Init:showMultipartonInteractions = off",
    "Init:showChangedSettings = off",
    "Init:showChangedParticleData = off",
    "Print:quiet = on",
]

SIGNAL_SETTINGS = [
    "NewGaugeBoson:ffbar2Wprime = on",
    "Wprime:coup2WZ = 1.",
    "34:m0 = 800.",
    "34:onMode = off",
    "34:onIfMatch = 24 23",
    "24:onMode = off",
    "24:onIfAny = 1 2 3 4 5",
    "23:onMode = off",
    "23:onIfAny = 12 14 16",
]

BACKGROUND_SETTINGS = [
    "HardQCD:all = on",
    "PhaseSpace:pTHatMin = 220.",
    "PhaseSpace:pTHatMax = 330.",
]

PREPROCESSING = (
    "Trimmed constituents (anti-kt R=1.0 jet, kt R=0.2 subjets, subjets with "
    "pT < 5% of the jet pT removed). Coordinates (x, y) = (eta - eta_1, "
    "phi - phi_1 wrapped into (-pi, pi]) relative to the leading subjet 1. "
    "Rotation about subjet 1 in the (eta, phi) plane so that the second subjet "
    "lies on the negative y axis (directly below the centre); if there is only "
    "one subjet, the leading principal axis of the pT-weighted second-moment "
    "tensor (about subjet 1) is put on the y axis, with the sign chosen so that "
    "the pixel rows below the centre row hold more pT than those above. Then "
    "reflection x -> -x (column mirror) if the pixel columns left of the centre "
    "column hold more pT than those right of it, so the heavier half is on the "
    "right. Pixelisation after the rotation (exact, no interpolation): "
    "images[n, row, col] sums pT in GeV for col = floor(x/0.1 + 12.5), "
    "row = floor(12.5 - y/0.1), so subjet 1 is at the centre of pixel "
    "(row 12, col 12), eta-like x grows with col, phi-like y grows upwards "
    "(smaller row) and subjet 2 is at row > 12, col 12. Constituents falling "
    "outside the 25x25 window are dropped. No intensity normalisation."
)


# --------------------------------------------------------------------------
# jet substructure helpers (numpy)
# --------------------------------------------------------------------------

def wrap_phi(dphi):
    """Wrap angles into (-pi, pi]."""
    return np.pi - np.mod(np.pi - dphi, 2.0 * np.pi)


def nsubjettiness(fj, consts, n, beta=1.0):
    """tau_N with exclusive-kt axes (E-scheme), beta=1, normalised like
    fastjet-contrib's Nsubjettiness (d0 = sum pT * R0, R0 = 1), distances in
    (rapidity, phi) like the contrib."""
    if len(consts) <= n:
        return 0.0
    jd = fj.JetDefinition(fj.kt_algorithm, 1000.0)  # "max allowable R"
    cs = fj.ClusterSequence(consts, jd)
    axes = cs.exclusive_jets(n)
    pt = np.array([c.pt() for c in consts])
    rap = np.array([c.rap() for c in consts])
    phi = np.array([c.phi() for c in consts])
    dr = np.empty((n, len(consts)))
    for a, ax in enumerate(axes):
        dphi = wrap_phi(phi - ax.phi())
        dr[a] = np.sqrt((rap - ax.rap()) ** 2 + dphi ** 2)
    d0 = np.sum(pt) * JET_R ** beta
    return float(np.sum(pt * np.min(dr, axis=0) ** beta) / d0)


def make_image(pt, eta, phi, subjets):
    """Preprocess (translate, rotate, flip) and pixelise. subjets: list of
    (pt, eta, phi) sorted by decreasing pt (at least one)."""
    _, eta1, phi1 = subjets[0]
    x = eta - eta1
    y = wrap_phi(phi - phi1)
    if len(subjets) >= 2:
        _, eta2, phi2 = subjets[1]
        x2, y2 = eta2 - eta1, float(wrap_phi(np.array(phi2 - phi1)))
        alpha = math.atan2(y2, x2)
        theta = -0.5 * math.pi - alpha  # bring subjet 2 to angle -pi/2
    else:
        w = pt / np.sum(pt)
        cxx = np.sum(w * x * x)
        cyy = np.sum(w * y * y)
        cxy = np.sum(w * x * y)
        evals, evecs = np.linalg.eigh(np.array([[cxx, cxy], [cxy, cyy]]))
        vx, vy = evecs[:, int(np.argmax(evals))]
        theta = -0.5 * math.pi - math.atan2(vy, vx)
    c, s = math.cos(theta), math.sin(theta)
    xr = c * x - s * y
    yr = s * x + c * y
    col = np.floor(xr / PIX + NPIX / 2.0).astype(np.int64)
    row = np.floor(NPIX / 2.0 - yr / PIX).astype(np.int64)
    ok = (col >= 0) & (col < NPIX) & (row >= 0) & (row < NPIX)
    img = np.zeros((NPIX, NPIX), dtype=np.float64)
    np.add.at(img, (row[ok], col[ok]), pt[ok])
    # The pixel grid is symmetric about the centre pixel, so mirroring the
    # pixel array is the same as x -> -x (or y -> -y) before pixelisation.
    if len(subjets) < 2 and img[:CENTRE].sum() > img[CENTRE + 1:].sum():
        img = img[::-1, ::-1]  # rotate by pi: more pT below than above
    if img[:, :CENTRE].sum() > img[:, CENTRE + 1:].sum():
        img = img[:, ::-1]  # heavier half on the right
    return np.ascontiguousarray(img, dtype=np.float32)


def process_event(fj, event):
    """Return (image, mass, pt, eta, tau21) for an accepted event, else None."""
    particles = []
    for i in range(event.size()):
        p = event[i]
        if not p.isFinal() or not p.isVisible():
            continue
        if abs(p.eta()) >= PARTICLE_ETA_MAX:
            continue
        particles.append(fj.PseudoJet(p.px(), p.py(), p.pz(), p.e()))
    if not particles:
        return None
    cs = fj.ClusterSequence(particles, fj.JetDefinition(fj.antikt_algorithm, JET_R))
    jets = fj.sorted_by_pt(cs.inclusive_jets(20.0))
    if not jets:
        return None
    jet = jets[0]
    if not (PT_MIN < jet.pt() < PT_MAX and abs(jet.eta()) < JET_ETA_MAX):
        return None
    # trimming
    consts = list(jet.constituents())
    cs_sub = fj.ClusterSequence(consts, fj.JetDefinition(fj.kt_algorithm, SUBJET_R))
    subjets = [sj for sj in fj.sorted_by_pt(cs_sub.inclusive_jets())
               if sj.pt() >= TRIM_FRAC * jet.pt()]
    if not subjets:
        return None
    trimmed = []
    px = py = pz = e = 0.0
    for sj in subjets:
        for c in sj.constituents():
            trimmed.append(fj.PseudoJet(c.px(), c.py(), c.pz(), c.e()))
        px += sj.px(); py += sj.py(); pz += sj.pz(); e += sj.e()
    tj = fj.PseudoJet(px, py, pz, e)
    cpt = np.array([c.pt() for c in trimmed])
    ceta = np.array([c.eta() for c in trimmed])
    cphi = np.array([c.phi() for c in trimmed])
    sj_info = [(sj.pt(), sj.eta(), sj.phi()) for sj in subjets]
    img = make_image(cpt, ceta, cphi, sj_info)
    tau1 = nsubjettiness(fj, trimmed, 1)
    tau2 = nsubjettiness(fj, trimmed, 2)
    tau21 = tau2 / tau1 if tau1 > 0 else 0.0
    return img, tj.m(), tj.pt(), tj.eta(), tau21


# --------------------------------------------------------------------------
# generation
# --------------------------------------------------------------------------

def generate(kind, n_target, seed, worker):
    """Generate n_target accepted jets of one kind in this process."""
    import fastjet as fj
    import pythia8mc

    t0 = time.time()
    out = {"images": [], "mass": [], "pt": [], "eta": [], "tau21": []}
    n_tried = 0
    n_failed = 0
    if n_target > 0:
        pythia = pythia8mc.Pythia("", False)
        settings = COMMON_SETTINGS + (SIGNAL_SETTINGS if kind == "signal" else BACKGROUND_SETTINGS)
        settings = settings + ["Random:setSeed = on", f"Random:seed = {seed}"]
        for s in settings:
            if not pythia.readString(s):
                raise RuntimeError(f"Pythia rejected setting {s!r}")
        if not pythia.init():
            raise RuntimeError(f"Pythia init failed for {kind}")
        last = time.time()
        while len(out["mass"]) < n_target:
            n_tried += 1
            if not pythia.next():
                n_failed += 1
                if n_failed > 1000 + n_tried // 10:
                    raise RuntimeError("too many failed Pythia events")
                continue
            res = process_event(fj, pythia.event)
            if res is None:
                continue
            img, m, pt, eta, tau21 = res
            out["images"].append(img)
            out["mass"].append(m)
            out["pt"].append(pt)
            out["eta"].append(eta)
            out["tau21"].append(tau21)
            n = len(out["mass"])
            now = time.time()
            if now - last > 20.0 or n == n_target:
                last = now
                el = now - t0
                print(f"[worker {worker} {kind:10s}] {n}/{n_target} jets, "
                      f"{n_tried} events, {el:.0f} s, {n / el:.2f} jets/s",
                      file=sys.stderr, flush=True)
    dt = time.time() - t0
    arrays = {
        "images": (np.stack(out["images"]) if out["images"]
                   else np.zeros((0, NPIX, NPIX), np.float32)),
    }
    for k in ("mass", "pt", "eta", "tau21"):
        arrays[k] = np.asarray(out[k], dtype=np.float32)
    return kind, worker, arrays, n_tried, n_failed, dt


def worker_main(args):
    w, n_sig, n_bkg, seed = args
    sig = generate("signal", n_sig, seed * 1000 + w, w)
    bkg = generate("background", n_bkg, seed * 1000 + BG_SEED_OFFSET + w, w)
    return sig, bkg


def split(n, k):
    return [n // k + (1 if i < n % k else 0) for i in range(k)]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--signal", type=int, required=True, help="number of W' signal jets")
    ap.add_argument("--background", type=int, required=True, help="number of QCD jets")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.workers < 1 or a.workers > BG_SEED_OFFSET:
        ap.error(f"--workers must be in 1..{BG_SEED_OFFSET}")
    if a.seed < 0 or a.seed * 1000 + 999 > 900_000_000:
        ap.error("--seed must be in 0..899999 (Pythia seeds are limited to 900000000)")
    if a.signal < 0 or a.background < 0:
        ap.error("counts must be >= 0")

    import fastjet as fj
    import h5py
    import pythia8mc

    tasks = list(zip(range(a.workers), split(a.signal, a.workers),
                     split(a.background, a.workers), [a.seed] * a.workers))
    t0 = time.time()
    if a.workers == 1:
        results = [worker_main(tasks[0])]
    else:
        with mp.get_context("spawn").Pool(a.workers) as pool:
            results = pool.map(worker_main, tasks, chunksize=1)
    wall = time.time() - t0

    parts = []
    stats = {"signal": [0, 0, 0.0, 0], "background": [0, 0, 0.0, 0]}
    for sig, bkg in results:  # fixed order: worker 0 signal, worker 0 bkg, ...
        for kind, _w, arrays, n_tried, n_failed, dt in (sig, bkg):
            label = 1 if kind == "signal" else 0
            parts.append((arrays, np.full(len(arrays["mass"]), label, np.int8)))
            st = stats[kind]
            st[0] += n_tried; st[1] += n_failed; st[2] += dt; st[3] += len(arrays["mass"])
    data = {k: np.concatenate([p[0][k] for p in parts]) for k in ("images", "mass", "pt", "eta", "tau21")}
    labels = np.concatenate([p[1] for p in parts])
    perm = np.random.default_rng(a.seed).permutation(len(labels))
    data = {k: v[perm] for k, v in data.items()}
    labels = labels[perm]

    n = len(labels)
    with h5py.File(a.out, "w", libver="earliest", track_order=False) as f:
        kw = dict(compression="gzip", compression_opts=9, shuffle=True, track_times=False)
        # byte shuffling does not pay off for the sparse images
        f.create_dataset("images", data=data["images"], dtype=np.float32,
                         chunks=(max(1, min(n, 256)), NPIX, NPIX) if n else None,
                         **dict(kw, shuffle=False))
        f.create_dataset("labels", data=labels, dtype=np.int8, **kw)
        for k in ("mass", "pt", "eta", "tau21"):
            f.create_dataset(k, data=data[k], dtype=np.float32, **kw)
        f.attrs["description"] = (
            "Jet images after de Oliveira et al. 2016 (arXiv:1511.05190): label 1 = "
            "W'(800 GeV)->WZ, W->qq, Z->nunu signal; label 0 = QCD dijets. 13 TeV pp.")
        f.attrs["pythia_version"] = f"{pythia8mc.Pythia('', False).settings.parm('Pythia:versionNumber'):.3f}"
        f.attrs["pythia8mc_version"] = metadata.version("pythia8mc")
        f.attrs["fastjet_python_version"] = metadata.version("fastjet")
        f.attrs["fastjet_version"] = fj.fastjet_version_string().strip() if hasattr(fj, "fastjet_version_string") else ""
        f.attrs["numpy_version"] = np.__version__
        f.attrs["h5py_version"] = h5py.__version__
        f.attrs["pythia_common_settings"] = "\n".join(COMMON_SETTINGS)
        f.attrs["pythia_signal_settings"] = "\n".join(SIGNAL_SETTINGS)
        f.attrs["pythia_background_settings"] = "\n".join(BACKGROUND_SETTINGS)
        f.attrs["seed"] = a.seed
        f.attrs["workers"] = a.workers
        f.attrs["seeding"] = (f"worker w: signal Random:seed = seed*1000+w, background "
                              f"Random:seed = seed*1000+{BG_SEED_OFFSET}+w; shuffle: "
                              f"numpy.random.default_rng(seed).permutation")
        f.attrs["n_signal"] = int(np.sum(labels == 1))
        f.attrs["n_background"] = int(np.sum(labels == 0))
        f.attrs["n_events_tried_signal"] = stats["signal"][0]
        f.attrs["n_events_tried_background"] = stats["background"][0]
        f.attrs["selection"] = (
            "visible final-state particles (Particle::isFinal && isVisible, i.e. no "
            "neutrinos) with |eta| < 5; anti-kt R = 1.0 (FastJet, E-scheme); leading "
            "jet (untrimmed) with 250 < pT < 300 GeV and |eta| < 2; trimming: kt "
            "R = 0.2 subjets, drop subjets with pT < 0.05 * jet pT")
        f.attrs["pixel_size"] = np.array([PIX, PIX])
        f.attrs["image_shape"] = np.array([NPIX, NPIX])
        f.attrs["image_units"] = "GeV (summed constituent pT per pixel)"
        f.attrs["preprocessing"] = PREPROCESSING
        f.attrs["variables"] = (
            "mass, pt, eta: trimmed jet (sum of kept subjets) mass [GeV], pT [GeV], "
            "pseudorapidity; tau21 = tau2/tau1, N-subjettiness with beta = 1, "
            "exclusive-kt axes (kt, E-scheme) from the trimmed constituents, "
            "distances in (rapidity, phi), tau21 = 0 if the trimmed jet has <= 2 constituents")
        f.attrs["generator_script"] = "datasets/jets/make_jets.py"
        f.attrs["command"] = (f"python3 datasets/jets/make_jets.py --signal {a.signal} "
                              f"--background {a.background} --seed {a.seed} "
                              f"--workers {a.workers} --out {a.out.split('/')[-1]}")

    for kind in ("signal", "background"):
        tried, failed, dt, got = stats[kind]
        rate = got / dt if dt > 0 else float("nan")
        eff = got / tried if tried else float("nan")
        print(f"{kind}: {got} jets from {tried} events (acceptance {eff:.3f}, "
              f"{failed} failed), {dt:.1f} s process time, {rate:.2f} jets/s per process",
              file=sys.stderr)
    print(f"wrote {n} jets to {a.out} in {wall:.1f} s wall", file=sys.stderr)


if __name__ == "__main__":
    main()
