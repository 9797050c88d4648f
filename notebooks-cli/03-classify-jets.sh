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
# Test AUC measured with the defaults below (seed 0, one thread, x86-64 AVX-512): CNN 0.9084, mass+tau21 0.9000.
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
summary="$(printf 'CNN AUC %.4f vs mass+tau21 %.4f (mass %.4f, tau21 %.4f) on %s test jets; threshold %s; %d s' \
    "$cnn" "$combined" "$mass" "$tau21" "$jets" "$THRESHOLD" "$elapsed")"
if awk -v a="$cnn" -v b="$combined" -v t="$THRESHOLD" 'BEGIN { exit !(a > b && a >= t) }'; then
    echo "PASS 03-classify-jets: $summary"
else
    echo "FAIL 03-classify-jets: $summary"
    exit 1
fi
