#!/usr/bin/env bash
# Walkthrough 4: Waibel's time-delay neural network tells /b/, /d/ and /g/ apart (ba da ga bi di gi bu du gu).
# Features computed by gridcnn: pre-emphasis, 25 ms Hamming frames every 10 ms, FFT, 16 mel bands, log; 15 frames
# around the onset -> a [16, 15] token. TDNN 16 -> 8 (window 3) -> 3 (window 5), summed over time: 515 weights.
# Six of the 24 espeak-ng voices are never heard in training; their clips are scored clean and in white noise at
# 20, 10, 5 and 0 dB against a nearest-centroid classifier on the same tokens.
# Passes when the TDNN gets at least 85 % of the clean held-out clips right and beats nearest-centroid both clean
# and at 5 dB SNR. About a minute on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GRIDCNN:-.build/release/gridcnn}
D=datasets/speech/syllables
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
[ -d "$D" ] || datasets/speech/make_syllables.sh "$D"

# 1. The network (Waibel 1987/1989): shapes 16x15 -> 8x13 -> 3x9 -> 3.
$G summary tdnn
# 2. Train on 15 voices (3 more pick the epoch); tokens shifted by +-1 frame, half of them with noise.
$G train syllables --data "$D" --epochs 150 --seed 0 --output "$W/tdnn.h5" --figure "$W/training.png" --quiet --json > "$W/train.json"
# 3. Held-out voices, clean and noisy, TDNN vs nearest centroid.
$G evaluate syllables --model "$W/tdnn.h5" --data "$D" --snr clean,20,10,5,0 --repeats 5 --quiet
$G evaluate syllables --model "$W/tdnn.h5" --data "$D" --snr clean,20,10,5,0 --repeats 5 --quiet --figure "$W/accuracy.png" --json > "$W/eval.json"
# 4. Classify single clips of a held-out voice (any WAV; other rates are resampled to 16 kHz).
V=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["voices"]["test"][0])' "$W/train.json")
$G classify-syllables --model "$W/tdnn.h5" "$D/$V"/ba-*.wav "$D/$V"/di-*.wav "$D/$V"/gu-*.wav
# Figures: every one must be a PNG; FIGURES=DIR keeps them to look at.
python3 -c 'import sys; bad = [f for f in sys.argv[1:] if open(f, "rb").read(8) != b"\x89PNG\r\n\x1a\n"]; sys.exit("FAIL: not a PNG: " + " ".join(bad) if bad else 0)' "$W"/*.png
[ -z "${FIGURES:-}" ] || for f in "$W"/*.png; do cp "$f" "$FIGURES/$(basename "$0" .sh)-$(basename "$f")"; done
python3 - "$W/eval.json" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))
s = {x["condition"]: x for x in e["scores"]}
for c, x in s.items():
    print(f"{c:>6}: TDNN {100 * x['tdnn_accuracy']:5.1f} %   nearest centroid {100 * x['nearest_centroid_accuracy']:5.1f} %")
clean, five = s["clean"], s["5 dB"]
ok = (clean["tdnn_accuracy"] >= 0.85 and clean["tdnn_accuracy"] > clean["nearest_centroid_accuracy"]
      and five["tdnn_accuracy"] > five["nearest_centroid_accuracy"])
print("PASS" if ok else "FAIL", f"clean {100 * clean['tdnn_accuracy']:.1f} % (>= 85 %, centroid {100 * clean['nearest_centroid_accuracy']:.1f} %),",
      f"5 dB {100 * five['tdnn_accuracy']:.1f} % vs centroid {100 * five['nearest_centroid_accuracy']:.1f} %")
sys.exit(0 if ok else 1)
PY
