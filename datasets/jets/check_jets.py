#!/usr/bin/env python3
"""Sanity checks for a jet-image HDF5 file written by make_jets.py.

  python3 datasets/jets/check_jets.py datasets/jets/jets_sample.h5

Prints class counts, trimmed-mass histograms (signal should peak near the W
mass, QCD should fall), tau21 summaries (lower for signal), image checks and
the ROC AUC of single-variable discriminants (numpy only):
  * mass:  score = -|m - 80.4 GeV| (closeness to the W mass)
  * mass (binned likelihood ratio): optimal 1-D use of the mass, estimated
    from 5 GeV histograms of the same file (slightly optimistic)
  * tau21: score = -tau21 (signal is more two-pronged)
"""

import sys

import h5py
import numpy as np

M_W = 80.4


def auc(score, labels):
    """ROC AUC = P(score_sig > score_bkg) + 0.5 P(tie) (Mann-Whitney)."""
    score = np.asarray(score, dtype=np.float64)
    labels = np.asarray(labels).astype(bool)
    n1, n0 = labels.sum(), (~labels).sum()
    if n1 == 0 or n0 == 0:
        return float("nan")
    order = np.argsort(score, kind="mergesort")
    s = score[order]
    ranks = np.empty(len(s))
    # average ranks over ties
    _, start, counts = np.unique(s, return_index=True, return_counts=True)
    ranks[order] = np.repeat((2 * start + counts + 1) / 2.0, counts)
    return float((ranks[labels].sum() - n1 * (n1 + 1) / 2.0) / (n1 * n0))


def binned_lr_auc(x, labels, edges):
    idx = np.clip(np.digitize(x, edges) - 1, 0, len(edges) - 2)
    s = np.bincount(idx[labels == 1], minlength=len(edges) - 1) / max(1, (labels == 1).sum())
    b = np.bincount(idx[labels == 0], minlength=len(edges) - 1) / max(1, (labels == 0).sum())
    lr = s / (s + b + 1e-12)
    return auc(lr[idx], labels)


def text_hist(x_sig, x_bkg, edges, width=40):
    hs, _ = np.histogram(x_sig, edges)
    hb, _ = np.histogram(x_bkg, edges)
    fs = hs / max(1, len(x_sig))
    fb = hb / max(1, len(x_bkg))
    top = max(fs.max(), fb.max(), 1e-12)
    lines = [f"{'bin':>13s} {'sig':>6s} {'bkg':>6s}  (S = signal, B = background, fraction per bin)"]
    for i in range(len(edges) - 1):
        lines.append(f"{edges[i]:6.1f}-{edges[i + 1]:6.1f} {fs[i]:6.3f} {fb[i]:6.3f}  "
                     f"{'S' * int(round(width * fs[i] / top)):<{width}s}|"
                     f"{'B' * int(round(width * fb[i] / top))}")
    return "\n".join(lines)


def main(path):
    with h5py.File(path, "r") as f:
        images = f["images"][...]
        labels = f["labels"][...]
        mass = f["mass"][...]
        pt = f["pt"][...]
        eta = f["eta"][...]
        tau21 = f["tau21"][...]
        attrs = dict(f.attrs)
    sig, bkg = labels == 1, labels == 0
    print(f"file: {path}")
    print(f"jets: {len(labels)} (signal {sig.sum()}, background {bkg.sum()}), "
          f"images {images.shape} {images.dtype}")
    for k in ("pythia_version", "pythia8mc_version", "fastjet_version", "seed", "command"):
        if k in attrs:
            print(f"  {k}: {attrs[k]}")

    print("\ntrimmed jet pT [GeV]: signal mean %.1f, background mean %.1f; range %.1f-%.1f"
          % (pt[sig].mean(), pt[bkg].mean(), pt.min(), pt.max()))
    print("trimmed jet |eta| max: %.2f" % np.abs(eta).max())

    edges = np.arange(0.0, 205.0, 10.0)
    print("\ntrimmed jet mass [GeV]:")
    print(text_hist(mass[sig], mass[bkg], edges))
    fine = np.arange(0.0, 200.1, 5.0)
    hs, _ = np.histogram(mass[sig], fine)
    peak = fine[np.argmax(hs)] + 2.5
    print(f"signal mass: mode (5 GeV bins) {peak:.1f} GeV, median {np.median(mass[sig]):.1f} GeV; "
          f"background median {np.median(mass[bkg]):.1f} GeV")
    win = (mass > 65) & (mass < 95)
    print(f"fraction in 65 < m < 95 GeV: signal {win[sig].mean():.3f}, background {win[bkg].mean():.3f}")

    print("\ntau21:")
    print(text_hist(tau21[sig], tau21[bkg], np.arange(0.0, 1.01, 0.1)))
    print(f"tau21 mean: signal {tau21[sig].mean():.3f}, background {tau21[bkg].mean():.3f}; "
          f"median: signal {np.median(tau21[sig]):.3f}, background {np.median(tau21[bkg]):.3f}")

    tot = images.sum(axis=(1, 2))
    print("\nimages: summed pixel pT (scalar sum) / trimmed jet pT: mean %.4f, min %.4f"
          % (np.mean(tot / pt), np.min(tot / pt)))
    argmax = images.reshape(len(images), -1).argmax(axis=1)
    print("brightest pixel at centre (12,12): %.3f of jets" % np.mean(argmax == 12 * 25 + 12))
    left = images[:, :, :12].sum(axis=(1, 2))
    right = images[:, :, 13:].sum(axis=(1, 2))
    print("right half >= left half: %.3f of jets" % np.mean(right >= left))
    lower = images[:, 13:, :].sum(axis=(1, 2))
    upper = images[:, :12, :].sum(axis=(1, 2))
    print("lower half (rows 13-24) >= upper half (rows 0-11): %.3f of jets" % np.mean(lower >= upper))
    print("mean non-zero pixels per image: signal %.1f, background %.1f"
          % ((images[sig] > 0).sum(axis=(1, 2)).mean(), (images[bkg] > 0).sum(axis=(1, 2)).mean()))

    a_mass = auc(-np.abs(mass - M_W), labels)
    a_mass_lr = binned_lr_auc(mass, labels, fine)
    a_mass_raw = auc(mass, labels)
    a_tau = auc(-tau21, labels)
    print("\nROC AUC (signal vs background):")
    print(f"  mass, score -|m - {M_W}|      : {a_mass:.3f}")
    print(f"  mass, binned likelihood ratio: {a_mass_lr:.3f}")
    print(f"  mass, raw (larger = signal)  : {a_mass_raw:.3f}")
    print(f"  tau21, score -tau21          : {a_tau:.3f}")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(sys.argv[1])
