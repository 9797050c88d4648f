#!/usr/bin/env bash
# Leave-one-synthesiser-out table for the b/d/g TDNN (issue 17): four synthesisers (espeak-ng, Festival diphone,
# Festival HTS, Festival unit selection); for each, train on the other three and score the held-out one clean and at
# 20 and 10 dB SNR (white noise), and score flite, which no model ever trains on, as an independent column.
#   scripts/syllables-loso.sh OUTDIR        # table in OUTDIR/loso.md, one JSON per run, corpora under OUTDIR/data
# Settings (environment): EPOCHS (150), FESTIVAL_VARIANTS (12 sox pitch/tempo variants per Festival voice),
# FLITE_VARIANTS (4), ESPEAK (corpus dir of espeak-ng voices; default the bundled datasets/speech/syllables),
# REPEATS (3 noise draws per clip), HIDDEN (8, TDNN units), GRIDCNN (the binary).
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:?usage: syllables-loso.sh OUTDIR}
G=${GRIDCNN:-.build/release/gridcnn}
EPOCHS=${EPOCHS:-150}; REPEATS=${REPEATS:-3}; HIDDEN=${HIDDEN:-8}
ESPEAK=${ESPEAK:-datasets/speech/syllables}
mkdir -p "$OUT/data/train" "$OUT/runs"
# The training corpus: espeak-ng voices (directories en-*) beside the Festival ones (festival-<method>-*); flite apart.
[ -d "$OUT/data/festival" ] || datasets/speech/make_syllables_festival.sh "$OUT/data/festival" "${FESTIVAL_VARIANTS:-12}"
[ -d "$OUT/data/flite" ] || datasets/speech/make_syllables_flite.sh "$OUT/data/flite" "${FLITE_VARIANTS:-4}" 2>/dev/null
for d in "$ESPEAK"/en-*/ "$OUT"/data/festival/*/; do
  [ -e "$OUT/data/train/$(basename "$d")" ] || cp -r "$d" "$OUT/data/train/"
done
groups=("espeak-ng:en-*" "Festival diphone:festival-diphone-*" "Festival HTS:festival-hts-*" "Festival unit selection:festival-clunits-*")
for g in "${groups[@]}" "none:"; do
  name=${g%%:*}; pat=${g#*:}; tag=$(echo "$name" | tr ' A-Z' '-a-z')
  ck="$OUT/runs/$tag.h5"
  if [ "$name" = none ]; then
    # All four synthesisers in training (every 6th voice validates); only flite is scored.
    "$G" train syllables --data "$OUT/data/train" --test-voices '' --epochs "$EPOCHS" --hidden "$HIDDEN" --seed 0 \
      --output "$ck" --quiet --json > "$OUT/runs/$tag-train.json"
  else
    echo "holding out $name ($pat)" >&2
    "$G" train syllables --data "$OUT/data/train" --test-voices "$pat" --epochs "$EPOCHS" --hidden "$HIDDEN" --seed 0 \
      --output "$ck" --quiet --json > "$OUT/runs/$tag-train.json"
    "$G" evaluate syllables --model "$ck" --data "$OUT/data/train" --snr clean,20,10 --repeats "$REPEATS" --quiet --json \
      > "$OUT/runs/$tag-heldout.json"
  fi
  "$G" evaluate syllables --model "$ck" --data "$OUT/data/flite" --voices 'flite-*' --snr clean,20,10 --repeats "$REPEATS" \
    --quiet --json > "$OUT/runs/$tag-flite.json"
done
python3 - "$OUT" "${groups[@]}" <<'PY'
import json, sys, os
out, groups = sys.argv[1], [g.split(":")[0] for g in sys.argv[2:]]
def acc(path):
    e = json.load(open(path)); s = {x["condition"]: x for x in e["scores"]}
    return e["clips"], [100 * s[c]["tdnn_accuracy"] for c in ("clean", "20 dB", "10 dB")], e.get("contract") or {}
rows = ["| held out | clips | clean | 20 dB | 10 dB | flite clean | mean-token correlation |", "|---|---|---|---|---|---|---|"]
table = {}
for g in groups + ["none"]:
    tag = g.lower().replace(" ", "-")
    _, f, _ = acc(f"{out}/runs/{tag}-flite.json")
    if g == "none":
        rows.append(f"| none (all four train) | | | | | {f[0]:.1f} % | |"); table["none"] = {"flite_clean": f[0]}; continue
    n, a, c = acc(f"{out}/runs/{tag}-heldout.json")
    r = c.get("mean_image_correlation")
    rows.append(f"| {g} | {n} | {a[0]:.1f} % | {a[1]:.1f} % | {a[2]:.1f} % | {f[0]:.1f} % | {r:.3f} |" if r is not None else
                f"| {g} | {n} | {a[0]:.1f} % | {a[1]:.1f} % | {a[2]:.1f} % | {f[0]:.1f} % | |")
    table[g] = {"clips": n, "clean": a[0], "snr20": a[1], "snr10": a[2], "flite_clean": f[0]}
open(f"{out}/loso.md", "w").write("\n".join(rows) + "\n")
json.dump(table, open(f"{out}/loso.json", "w"), indent=1)
print("\n".join(rows))
PY
