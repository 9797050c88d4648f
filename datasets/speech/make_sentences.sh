#!/usr/bin/env bash
# Synthesises read sentences with espeak-ng for the WaveNet task: each voice reads its own sentences (no sentence
# is read by two voices), written as 16 kHz mono 16-bit WAV, one file per voice: OUT/<nn>-<voice>.wav.
#   datasets/speech/make_sentences.sh [OUT]                      # the bundled set: 6 voices x 2 sentences, ~40 s
#   VOICES=12 PER_VOICE=8 datasets/speech/make_sentences.sh /tmp/sent   # a few minutes
# The sentences are our own text. Deterministic (sox dithering off).
set -euo pipefail
OUT=${1:-$(cd "$(dirname "$0")" && pwd)/sentences}
NVOICES=${VOICES:-6}
PER=${PER_VOICE:-2}

need=()
for p in espeak-ng sox; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq "${need[@]}" >/dev/null
fi

voices=(en-us+m3 en-gb+f2 en-gb-scotland+m1 en-us-nyc+f4 en-gb-x-rp+m5 en-029+f1 en-us+klatt2 en-gb+m7 en-gb-x-gbclan+f3 en-us+m2 en-gb-x-rp+f5 en-gb-x-gbcwmd+m4)
sentences=(
  "The storm moved east during the night, and by morning the rivers had begun to rise."
  "A cold front brings strong winds, heavy rain and a sudden drop in temperature."
  "Measurements from the weather balloon were sent back to the station every two seconds."
  "She checked the gauge twice before writing the reading into the notebook."
  "The satellite passes over the pole fourteen times a day."
  "Warm water near the surface gives the cyclone the energy it needs to grow."
  "Please close the window before the dust from the road blows in."
  "Every spring the valley fills with fog that lifts slowly after sunrise."
  "The model was trained on ten years of data and tested on the eleventh."
  "Two hundred stations report the temperature and the pressure each hour."
  "Light snow fell on the hills while the city stayed dry and grey."
  "The old radio crackled as the announcer read the shipping forecast."
  "Sound travels faster in water than it does in air."
  "He counted the seconds between the lightning and the thunder."
  "The tide was low, so the children walked far out across the sand."
  "Clouds that form in the afternoon often bring short but heavy showers."
  "The instrument must be calibrated before every flight."
  "Her voice was calm as she described the path of the hurricane."
  "Wind turbines on the ridge turned slowly in the evening breeze."
  "A rainbow appears when sunlight is scattered by drops of rain."
  "The ship changed course to avoid the ice to the north."
  "Each grid cell holds one value for every hour of the day."
  "The drought ended with three weeks of steady rain."
  "They measured the depth of the snow at noon and again at midnight."
)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"
for ((v = 0; v < NVOICES; v++)); do
  voice=${voices[v % ${#voices[@]}]}
  text=""
  for ((k = 0; k < PER; k++)); do text+="${sentences[(v * PER + k) % ${#sentences[@]}]} "; done
  pitch=$(( (30 + 17 * v) % 50 + 30 )); speed=$(( (150 + 13 * v) % 40 + 145 ))
  espeak-ng -v "$voice" -p "$pitch" -s "$speed" -w "$tmp/raw.wav" "$text"
  printf -v name '%02d-%s.wav' "$v" "$voice"
  sox -D "$tmp/raw.wav" -c 1 -b 16 "$OUT/$name" rate -v 16000 norm -3
done
(cd "$OUT" && find . -name '*.wav' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
secs=$(for f in "$OUT"/*.wav; do soxi -D "$f"; done | awk '{s += $1} END {printf "%.1f", s}')
echo "wrote $NVOICES file(s), $secs s, to $OUT; sha256 of SHA256SUMS: $(sha256sum "$OUT/SHA256SUMS" | cut -d' ' -f1)" >&2
