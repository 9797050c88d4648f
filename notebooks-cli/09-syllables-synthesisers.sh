#!/usr/bin/env bash
# Walkthrough 9: does a b/d/g TDNN learn consonants or one synthesiser's artefacts? Leave one synthesiser out.
# Four synthesisers make the corpus: espeak-ng (formant rules; the 24 bundled voices), Festival diphone (6 human
# speakers' recorded diphones: kal, ked, lp, pc, dita, machac), Festival HTS (statistical parametric: slt, ona) and
# Festival unit selection (nsh); sox pitch/tempo variants stretch each Festival voice. For each synthesiser the TDNN
# trains on the other three and is scored on it, clean and at 20/10 dB SNR; flite, which no model trains on, is an
# independent column. scripts/syllables-loso.sh does the work; this is the short version (4 variants, 60 epochs).
# The issue's target is >= 90 % clean on every held-out synthesiser; it is NOT met (datasets/speech/README.md has the
# full table, what was tried and what it would take). This walkthrough passes when every held-out synthesiser is
# scored and the mean clean accuracy over them stays at or above 40 % (chance 33 %): a floor against regressions.
# A few minutes on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
export GRIDCNN=${GRIDCNN:-.build/release/gridcnn}
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
# 1. Hold out each synthesiser in turn (--test-voices takes shell patterns: 'festival-hts-*').
EPOCHS=${EPOCHS:-60} FESTIVAL_VARIANTS=${FESTIVAL_VARIANTS:-4} scripts/syllables-loso.sh "$W" >/dev/null
cat "$W/loso.md"
# 2. The threshold.
python3 - "$W/loso.json" <<'PY'
import json, sys
t = json.load(open(sys.argv[1]))
held = {k: v for k, v in t.items() if k != "none"}
mean = sum(v["clean"] for v in held.values()) / len(held)
worst = min(held, key=lambda k: held[k]["clean"])
print(f"target >= 90 % clean on every held-out synthesiser: {'met' if held[worst]['clean'] >= 90 else 'NOT MET'}"
      f" (worst {worst}, {held[worst]['clean']:.1f} %)")
ok = len(held) == 4 and mean >= 40
print("PASS" if ok else "FAIL", f"mean clean accuracy over the {len(held)} held-out synthesisers {mean:.1f} % (>= 40 %)")
sys.exit(0 if ok else 1)
PY
