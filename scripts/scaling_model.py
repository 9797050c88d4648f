#!/usr/bin/env python3
"""The throughput model of SCALING.md: data-parallel training steps at 8, 64 and 512 ranks, from step times and
gradient sizes measured here (scripts/bench-mpi.sh) and assumed interconnects. Weak scaling: every rank keeps its own
batch, so the global batch grows with the ranks. Our all-reduce is a ring (reduce-scatter + all-gather, fixed order):
    T_ring(p, S) = 2 (p - 1) alpha + 2 (p - 1) / p * S / beta
A recursive-halving/doubling all-reduce (Rabenseifner; also deterministic with a fixed pairing) has
    T_tree(p, S) = 2 log2(p) alpha + 2 (p - 1) / p * S / beta.
Overlap: if the all-reduce runs during the backward pass, only the part longer than the backward is exposed (the
backward is taken as 2/3 of a step).

Usage: scripts/scaling_model.py  (edit MEASURED after a new bench run)
"""
import math

# Per-rank step time (s) at the per-rank batch, one thread, and parameters (float32 gradients), from
# scripts/bench-mpi.sh on this machine (see SCALING.md for the date and machine).
MEASURED = {
    "downscale SRCNN (batch 16 per rank)": (0.0525, 28865),
    "detect UNet (batch 16 per rank)": (0.1006, 272895),
    "classify jet CNN (batch 64 per rank)": (0.0164, 160961),
}
NETWORKS = {
    "InfiniBand HDR (20 GB/s, 2 us)": (2e-6, 20e9),
    "25 Gb Ethernet (2.8 GB/s, 15 us)": (15e-6, 2.8e9),
}


def ring(p, s, alpha, beta):
    return 2 * (p - 1) * alpha + 2 * (p - 1) / p * s / beta


def tree(p, s, alpha, beta):
    return 2 * math.log2(p) * alpha + 2 * (p - 1) / p * s / beta


def table(measured=MEASURED):
    lines = ["| model | network | ranks | all-reduce (ring) | efficiency (ring) | with overlap | efficiency (tree, overlap) |",
             "|---|---|---|---|---|---|---|"]
    for name, (step, params) in measured.items():
        size = 4 * params
        for net, (alpha, beta) in NETWORKS.items():
            for p in (8, 64, 512):
                r, t = ring(p, size, alpha, beta), tree(p, size, alpha, beta)
                back = step * 2 / 3
                eff = step / (step + r)
                eff_overlap = step / (step + max(0.0, r - back))
                eff_tree = step / (step + max(0.0, t - back))
                lines.append(f"| {name} | {net} | {p} | {1e3 * r:.2f} ms | {100 * eff:.1f} % | {100 * eff_overlap:.1f} % | {100 * eff_tree:.1f} % |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys
    if any(v[0] is None for v in MEASURED.values()):
        sys.exit("fill MEASURED with step times from scripts/bench-mpi.sh first")
    print(table())
