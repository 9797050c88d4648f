#!/usr/bin/env bash
# Synthesises the b/d/g corpus for the TDNN task: ba da ga bi di gi bu du gu spoken by espeak-ng in many
# voice/variant combinations, each at its own pitch and speed, cut to 0.28 s (60 ms of silence, then the syllable)
# and written as 16 kHz mono 16-bit WAV: OUT/<voice>/<syllable>-p<pitch>-s<speed>.wav.
#   datasets/speech/make_syllables.sh [OUT]          # the bundled set: 24 voices x 9 syllables = 216 clips
#   VOICES=40 VARIANTS=3 datasets/speech/make_syllables.sh /tmp/syl   # more voices, 3 pitch/speed variants each
# Deterministic: the same packages give byte-identical files (sox dithering is off).
set -euo pipefail
. "$(dirname "$0")/syllable_cut.sh"
OUT=${1:-$(cd "$(dirname "$0")" && pwd)/syllables}
NVOICES=${VOICES:-24}
NVARIANTS=${VARIANTS:-1}

need=()
for p in espeak-ng sox; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq "${need[@]}" >/dev/null
fi

bases=(en-us en-gb en-gb-scotland en-gb-x-rp en-029 en-gb-x-gbclan en-gb-x-gbcwmd en-us-nyc)
variants=(m1 f1 m3 f2 m2 f3 m4 f4 m5 f5 m6 klatt m7 klatt2 croak klatt3 m8 klatt4 Alex Annie iven linda max steph)
syllables=(ba:bA: da:dA: ga:gA: bi:bi: di:di: gi:gi: bu:bu: du:du: gu:gu:)

tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"
count=0
for ((v = 0; v < NVOICES; v++)); do
  voice="${bases[v % ${#bases[@]}]}+${variants[v % ${#variants[@]}]}"
  (( v >= ${#variants[@]} )) && voice="${bases[(v + v / ${#variants[@]}) % ${#bases[@]}]}+${variants[v % ${#variants[@]}]}"
  mkdir -p "$OUT/$voice"
  for ((k = 0; k < NVARIANTS; k++)); do
    pitch=$(( (25 + 37 * v + 23 * k) % 60 + 20 ))     # 20..79
    speed=$(( (130 + 29 * v + 41 * k) % 80 + 120 ))   # 120..199 words/min
    for s in "${syllables[@]}"; do
      name=${s%%:*}; phon=${s#*:}
      espeak-ng -v "$voice" -p "$pitch" -s "$speed" -w "$tmp/raw.wav" "[[$phon]]"
      cut_syllable "$tmp/raw.wav" "$OUT/$voice/$name-p$pitch-s$speed.wav"
      count=$((count + 1))
    done
  done
done
(cd "$OUT" && find . -name '*.wav' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
echo "wrote $count clips to $OUT ($(du -sh "$OUT" | cut -f1)); sha256 of SHA256SUMS: $(sha256sum "$OUT/SHA256SUMS" | cut -d' ' -f1)" >&2
