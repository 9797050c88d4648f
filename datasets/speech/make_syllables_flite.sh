#!/usr/bin/env bash
# The b/d/g syllables from flite (CMU Festival-lite), kept out of every training set: an independent check of a
# syllable model trained on espeak-ng and Festival. flite's five built-in voices (kal, kal16, awb, rms, slt) say
# bah dah gah bee dee ghee boo doo goo, each in VARIANTS sox pitch/tempo variants (default 4) cut like the other
# corpora (60 ms of silence, then the syllable, 0.28 s, 16 kHz mono 16-bit):
#   OUT/flite-<voice>+p<cents>t<tempo>/<syllable>-x.wav
#   datasets/speech/make_syllables_flite.sh /tmp/syl-flite [VARIANTS]
# Deterministic for the same packages.
set -euo pipefail
. "$(dirname "$0")/syllable_cut.sh"
OUT=${1:?usage: make_syllables_flite.sh OUT [VARIANTS]}
NVARIANTS=${2:-4}
need=()
for p in flite sox; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq "${need[@]}" >/dev/null
fi
syllables=(ba:bah da:dah ga:gah bi:bee di:dee gi:ghee bu:boo du:doo gu:goo)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"
count=0
for voice in kal kal16 awb rms slt; do
  for s in "${syllables[@]}"; do flite -voice "$voice" -t "${s#*:}" -o "$tmp/$voice-${s%%:*}.wav"; done
  for ((k = 0; k < NVARIANTS; k++)); do
    cents=$(( (k * 311 + 100 * ${#voice}) % 900 - 350 ))           # -350..+549 cents
    tempo=$(awk -v t=$(( 80 + (k * 17 + 7 * ${#voice}) % 40 )) 'BEGIN { printf "%.2f", t / 100 }')   # 0.80..1.19
    dir="$OUT/flite-$voice+p${cents}t${tempo}"
    mkdir -p "$dir"
    for s in "${syllables[@]}"; do
      syl=${s%%:*}
      cut_syllable "$tmp/$voice-$syl.wav" "$dir/$syl-x.wav" gain -6 pitch "$cents" tempo -s "$tempo"
      count=$((count + 1))
    done
  done
done
echo "wrote $count clips to $OUT" >&2
