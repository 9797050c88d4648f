#!/usr/bin/env bash
# Jet images (W' -> WZ vs QCD, datasets/jets/README.md): train the jet-image CNN on the bundled 7000-jet sample,
# score it on the held-out test jets against the physics discriminants (mass window, tau21, and mass+tau21 combined
# by a 2-D likelihood ratio fitted on the training split), and score every jet with `gridcnn classify`.
# Passes (exit 0) only if the CNN's test AUC beats mass+tau21 and reaches THRESHOLD.
#
#   GRIDCNN=.build/release/gridcnn notebooks-cli/03-classify-jets.sh
#   OUT=figures notebooks-cli/03-classify-jets.sh     # also keep roc.png, average-images.png, eval.json, scores.h5
#
# Builds nothing: GRIDCNN points at the binary (default .build/release/gridcnn, from `swift build -c release`).
set -euo pipefail

GRIDCNN="${GRIDCNN:-.build/release/gridcnn}"
JETS="${JETS:-datasets/jets/jets_sample.h5}"
OUT="${OUT:-}"
# Images are put in the canonical orientation (leading pixel centred, principal axis vertical, heavier half below and
# right) before training and scoring; transposed, mirrored and rotated copies of the file must score the same.
# Test AUC measured with the defaults below (seed 0, one thread): CNN 0.9075 (1/eB 100.0 at eS=0.3, 38.9 at 0.5),
# mass+tau21 0.9000. In the file's own orientation (--no-canonical) it was 0.9084 (100.0, 38.9), and 0.8889 (63.6,
# 18.9) on the transposed copy, with a warning that its mean image correlates 0.886 with training's.
# Seeds 1 and 2 gave 0.9077 and 0.9139 (mass+tau21 0.9064, 0.9020). The margin (0.0084) allows for other CPUs'
# floating-point rounding changing the training path; the CNN must still beat mass+tau21 on the same jets.
THRESHOLD="${THRESHOLD:-0.900}"

[[ -x "$GRIDCNN" ]] || { echo "error: $GRIDCNN is not an executable (build: swift build -c release; or set GRIDCNN)" >&2; exit 1; }
[[ -f "$JETS" ]] || { echo "error: $JETS: no such file (run from the repository root, or set JETS)" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/gridcnn-jets.XXXXXX")"
trap 'rm -rf "$work"' EXIT
start=$SECONDS

echo "== train the jet-image CNN (defaults: sqrt pixels, width 16, 12 epochs, seed 0)" >&2
"$GRIDCNN" train classify --input "$JETS" --output "$work/cnn.h5" --seed 0 --threads 1 --figure "$work/training.png" --quiet --json > "$work/train.json"

echo "== evaluate on the checkpoint's held-out test jets" >&2
"$GRIDCNN" evaluate classify --model "$work/cnn.h5" --input "$JETS" \
    --figure "$work/roc.png" --images "$work/average-images.png" --json > "$work/eval.json"
[ -z "${FIGURES:-}" ] || for f in roc average-images training; do cp "$work/$f.png" "$FIGURES/03-classify-jets-$f.png"; done
"$GRIDCNN" evaluate classify --model "$work/cnn.h5" --input "$JETS" >&2

echo "== the same file transposed ((eta, phi) index order), mirrored and rotated a quarter turn" >&2
# The canonical orientation (leading pixel centred, principal axis vertical, heavier half below and right) is applied
# at training and apply time, so each copy must give the same test AUC within 0.01.
python3 -c "import h5py, numpy" 2>/dev/null || pip install -q h5py numpy
python3 - "$JETS" "$work" <<'PY'
import sys
import h5py, numpy as np
src, work = sys.argv[1:3]
ops = {"transposed": lambda x: x.transpose(0, 2, 1), "mirrored": lambda x: x[:, :, ::-1],
       "rotated": lambda x: np.rot90(x, 1, axes=(1, 2))}
with h5py.File(src, "r") as f:
    for name, op in ops.items():
        with h5py.File(f"{work}/{name}.h5", "w") as g:
            for k in f:
                g.create_dataset(k, data=np.ascontiguousarray(op(f[k][:])) if k == "images" else f[k][:])
            for k, v in f.attrs.items():
                g.attrs[k] = v
PY
for copy in transposed mirrored rotated; do
    "$GRIDCNN" evaluate classify --model "$work/cnn.h5" --input "$work/$copy.h5" --json --quiet > "$work/eval-$copy.json"
done
python3 - "$work" <<'PY' >&2 || { echo "FAIL 03-classify-jets: the copies do not score the same" ; exit 1; }
import json, sys
work = sys.argv[1]
ref = json.load(open(f"{work}/eval.json"))["methods"]["cnn"]
ok = True
for copy in ("transposed", "mirrored", "rotated"):
    e = json.load(open(f"{work}/eval-{copy}.json"))
    m = e["methods"]["cnn"]
    print(f"{copy:10s}: AUC {m['auc']:.4f} (file as made {ref['auc']:.4f}), 1/eB at eS=0.3 {m['rejection_at_0.3']:.1f}, at eS=0.5 {m['rejection_at_0.5']:.1f}; mean-image correlation {e['contract']['mean_image_correlation']:.4f}")
    ok = ok and abs(m["auc"] - ref["auc"]) <= 0.01 and e["selection"] == "test split"
sys.exit(0 if ok else 1)
PY

echo "== score every jet" >&2
"$GRIDCNN" classify --model "$work/cnn.h5" --input "$JETS" --output "$work/scores.h5" >&2

# AUC of a method from the pretty-printed JSON (keys sorted: methods.<name>.auc).
auc() { awk -v m="\"$1\"" '$1 == m { inside = 1 } inside && $1 == "\"auc\"" { gsub(/,/, "", $3); print $3; exit }' "$work/eval.json"; }
jets="$(awk '$1 == "\"test_jets\"" { gsub(/,/, "", $3); print $3 }' "$work/eval.json")"
cnn="$(auc cnn)"; combined="$(auc mass_tau21)"; mass="$(auc mass)"; tau21="$(auc tau21)"
[[ -n "$cnn" && -n "$combined" ]] || { echo "error: no AUCs in the evaluation JSON" >&2; cat "$work/eval.json" >&2; exit 1; }

if [[ -n "$OUT" ]]; then
    mkdir -p "$OUT"
    cp "$work/roc.png" "$work/average-images.png" "$work/eval.json" "$work/train.json" "$work/scores.h5" "$OUT/"
fi

elapsed=$((SECONDS - start))
rej() { python3 -c "import json,sys; print('%.1f' % json.load(open(sys.argv[1]))['methods']['cnn']['rejection_at_' + sys.argv[2]])" "$work/eval.json" "$1"; }
summary="$(printf 'CNN AUC %.4f (1/eB %s at eS=0.3, %s at eS=0.5) vs mass+tau21 %.4f (mass %.4f, tau21 %.4f) on %s test jets; transposed, mirrored and rotated copies within 0.01; threshold %s; %d s' \
    "$cnn" "$(rej 0.3)" "$(rej 0.5)" "$combined" "$mass" "$tau21" "$jets" "$THRESHOLD" "$elapsed")"
if awk -v a="$cnn" -v b="$combined" -v t="$THRESHOLD" 'BEGIN { exit !(a > b && a >= t) }'; then
    echo "PASS 03-classify-jets: $summary"
else
    echo "FAIL 03-classify-jets: $summary"
    exit 1
fi
