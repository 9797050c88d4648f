#!/usr/bin/env bash
# Walkthrough 5: WaveNet next-sample prediction. Trained on 43 s of espeak-ng sentences (one more voice picks the
# epoch), scored on real recorded speech it never heard (the ALSA test clips, 48 kHz resampled to 16 kHz) as
# negative log-likelihood in bits/sample of each mu-law code (256 levels), against the training audio's mu-law
# histogram and order-16 linear prediction; then 1 s of audio is sampled with the cached O(layers) generator.
# A WaveNet with one linear output also forecasts an ECG one step ahead (360 Hz) against persistence.
# Passes when the WaveNet's held-out bits/sample are below the histogram's, the shipped WaveNet's (trained longer on
# more voices by scripts/train-wavenet.sh) below adaptive LPC-16's, the ECG forecast beats persistence on the final
# held-out minute, and the generated file has the asked length. About three minutes on one core.
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GRIDCNN:-.build/release/gridcnn}
S=datasets/speech
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
if ! dpkg -s alsa-utils >/dev/null 2>&1; then ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq alsa-utils >/dev/null; fi
[ -d "$S/sentences" ] || "$S/make_sentences.sh" "$S/sentences"

# 1. Receptive field: kernel 2, dilations 1, 2, ..., 256 -> 1 + (1 + 2 + ... + 256) = 512 samples (32 ms at 16 kHz).
$G summary wavenet --layers 9 --input-shape 256,4000 | tail -6
# 2. Train (residual 32, skip 64, 9 layers; random 4000-sample windows, 4 per step); bits/sample against steps.
$G train sequence --input "$S/sentences" --epochs 3 --steps-per-epoch 40 --batch-size 4 --seed 0 --output "$W/wavenet.h5" --figure "$W/wavenet-training.png" --quiet --json > "$W/train.json"
# 3. Held-out real speech: WaveNet vs baselines (bits/sample).
$G evaluate sequence --model "$W/wavenet.h5" --input /usr/share/sounds/alsa --quiet
$G evaluate sequence --model "$W/wavenet.h5" --input /usr/share/sounds/alsa --quiet --json > "$W/eval.json"
# 3b. The shipped WaveNet (models/wavenet-speech.h5, made by scripts/train-wavenet.sh: ten minutes of espeak-ng and
#     Festival speech, 1800 steps, receptive field 1024) on the same real recordings, against adaptive LPC-16.
$G evaluate sequence --model models/wavenet-speech.h5 --input /usr/share/sounds/alsa --quiet --json > "$W/shipped.json"
# 4. Sample one second.
$G generate --model "$W/wavenet.h5" --seconds 1 --seed 1 --output "$W/sample.wav" --quiet --json > "$W/gen.json"
# 5. A non-audio series: ECG at 360 Hz from NetCDF, next-step regression; the final 20 % is held out.
$G train sequence --input "$S/ecg.nc:ecg" --layers 7 --residual 16 --skip 32 --window 1000 --batch-size 8 \
  --epochs 4 --steps-per-epoch 25 --seed 0 --output "$W/ecg.h5" --figure "$W/ecg-training.png" --quiet --json > "$W/ecg-train.json"
$G evaluate sequence --model "$W/ecg.h5" --quiet
$G evaluate sequence --model "$W/ecg.h5" --quiet --figure "$W/ecg-forecast.png" --json > "$W/ecg-eval.json"
# Figures: every one must be a PNG; FIGURES=DIR keeps them to look at.
python3 -c 'import sys; bad = [f for f in sys.argv[1:] if open(f, "rb").read(8) != b"\x89PNG\r\n\x1a\n"]; sys.exit("FAIL: not a PNG: " + " ".join(bad) if bad else 0)' "$W"/*.png
[ -z "${FIGURES:-}" ] || for f in "$W"/*.png; do cp "$f" "$FIGURES/$(basename "$0" .sh)-$(basename "$f")"; done
python3 - "$W" <<'PY'
import json, sys
w = sys.argv[1]
t, e, g, ecg, sh = (json.load(open(f"{w}/{n}.json")) for n in ("train", "eval", "gen", "ecg-eval", "shipped"))
s, r, h = e["scores"], ecg["scores"], sh["scores"]
print(f"receptive field {t['receptive_field']} samples; trained {t['training']['steps']} steps in {t['training']['seconds']:.0f} s")
print("held-out bits/sample: " + ", ".join(f"{k} {v:.3f}" for k, v in sorted(s.items())))
print(f"shipped WaveNet (receptive field {sh['receptive_field']}) on the held-out recordings: {h['wavenet']:.3f} bits/sample vs adaptive LPC-16 {h['lpc16_adaptive']:.3f}")
print(f"ECG RMSE (mV) on the final minute: wavenet {r['wavenet']:.4f}, persistence {r['persistence']:.4f}, AR(16) {r['ar16']:.4f}")
print(f"generated {g['samples']} samples at {g['samples_per_second']:.0f} samples/s")
ok = (t["receptive_field"] == 512 and s["wavenet"] < s["histogram"] and r["wavenet"] < r["persistence"]
      and g["samples"] == g["sample_rate"] and h["wavenet"] < h["lpc16_adaptive"])
print("PASS" if ok else "FAIL", f"wavenet {s['wavenet']:.3f} vs histogram {s['histogram']:.3f} bits/sample;",
      f"shipped {h['wavenet']:.3f} vs adaptive LPC-16 {h['lpc16_adaptive']:.3f};",
      f"ECG wavenet {r['wavenet']:.4f} vs persistence {r['persistence']:.4f} mV")
sys.exit(0 if ok else 1)
PY
