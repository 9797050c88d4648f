#!/usr/bin/env bash
# Synthesises the b/d/g syllables with Festival, independent of espeak-ng (datasets/speech/make_syllables.sh): the
# kal diphone voice (concatenated recordings of a human speaker) and the CMU US SLT HTS voice (statistical
# parametric), each in VARIANTS pitch/tempo variants made with sox; the clips are cut like the espeak-ng corpus
# (60 ms of silence, then the syllable, 0.28 s, 16 kHz mono 16-bit):
#   OUT/festival-<voice>+<variant>/<syllable>-x.wav
#   datasets/speech/make_syllables_festival.sh /tmp/syl-festival [VARIANTS, default 12]
# Deterministic for the same packages.
set -euo pipefail
OUT=${1:?usage: make_syllables_festival.sh OUT [VARIANTS]}
NVARIANTS=${2:-12}
need=()
for p in festival festvox-kallpc16k festvox-us-slt-hts sox; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq "${need[@]}" >/dev/null
fi
# Words whose lexicon entries are the syllables (b|d|g + aa|iy|uw).
syllables=(ba:bah da:dah ga:gah bi:bee di:dee gi:ghee bu:boo du:doo gu:goo)
voices=(kal:voice_kal_diphone slt:voice_cmu_us_slt_arctic_hts)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"
count=0
for v in "${voices[@]}"; do
  name=${v%%:*}; fn=${v#*:}
  {
    echo "(Parameter.set 'Audio_Method 'none)"
    echo "($fn)"
    for s in "${syllables[@]}"; do
      echo "(utt.save.wave (utt.synth (Utterance Text \"${s#*:}\")) \"$tmp/$name-${s%%:*}.wav\" 'riff)"
    done
  } > "$tmp/$name.scm"
  festival -b "$tmp/$name.scm" 2>/dev/null
  for ((k = 0; k < NVARIANTS; k++)); do
    cents=$(( (k * 137) % 900 - 350 ))                            # -350..+549 cents
    tempo=$(awk -v t=$(( 80 + (k * 23) % 40 )) 'BEGIN { printf "%.2f", t / 100 }')   # 0.80..1.19
    dir="$OUT/festival-$name+p${cents}t${tempo}"
    mkdir -p "$dir"
    for s in "${syllables[@]}"; do
      syl=${s%%:*}
      sox -D "$tmp/$name-$syl.wav" -c 1 -b 16 "$dir/$syl-x.wav" gain -6 pitch "$cents" tempo -s "$tempo" \
        silence 1 0.002 0.5% pad 0.06 trim 0 0.28 rate -v 16000 norm -3
      count=$((count + 1))
    done
  done
done
echo "wrote $count clips to $OUT" >&2
