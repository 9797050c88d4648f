#!/usr/bin/env bash
# The larger WaveNet training corpus (scripts/train-wavenet.sh): read sentences from two independent synthesisers,
# 16 kHz mono 16-bit WAV, deterministic (sox dithering off):
#   OUT/train/espeak-*.wav     espeak-ng: VOICES voices x PER_VOICE sentences (make_sentences.sh), default 12 x 8
#   OUT/train/festival-*.wav   Festival: the kal diphone voice (recordings of a human speaker) and the CMU US SLT
#                              HTS voice, each reading every sentence once per pitch/tempo variant (VARIANTS, 3)
#   OUT/validation.wav         one more espeak-ng voice (not in train/) that picks the epoch
# Nothing here is real recorded speech; the held-out test audio (the ALSA recordings) is never touched.
#   datasets/speech/make_wavenet_corpus.sh /tmp/wavenet-corpus
set -euo pipefail
OUT=${1:?usage: make_wavenet_corpus.sh OUT}
HERE=$(cd "$(dirname "$0")" && pwd)
NVARIANTS=${VARIANTS:-3}
need=()
for p in espeak-ng festival festvox-kallpc16k festvox-us-slt-hts sox; do dpkg -s "$p" >/dev/null 2>&1 || need+=("$p"); done
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq "${need[@]}" >/dev/null
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT/train"
VOICES=${VOICES:-12} PER_VOICE=${PER_VOICE:-8} "$HERE/make_sentences.sh" "$tmp/espeak" 2>/dev/null
for f in "$tmp"/espeak/*.wav; do cp "$f" "$OUT/train/espeak-$(basename "$f")"; done
# The validation voice: a base voice and variant the training voices do not use, reading two sentences of its own.
espeak-ng -v en-gb-x-rp+m2 -p 45 -s 160 -w "$tmp/val.wav" \
  "The harbour lights came on one by one as the fog rolled in. Nobody expected the frost to arrive so early in autumn."
sox -D "$tmp/val.wav" -c 1 -b 16 "$OUT/validation.wav" rate -v 16000 norm -3
# Festival reads the same sentence list as make_sentences.sh.
mapfile -t sentences < <(sed -n '/^sentences=(/,/^)/p' "$HERE/make_sentences.sh" | grep -o '"[^"]*"' | tr -d '"')
for v in kal:voice_kal_diphone slt:voice_cmu_us_slt_arctic_hts; do
  name=${v%%:*}; fn=${v#*:}
  {
    echo "(Parameter.set 'Audio_Method 'none)"
    echo "($fn)"
    for i in "${!sentences[@]}"; do
      echo "(utt.save.wave (utt.synth (Utterance Text \"${sentences[i]}\")) \"$tmp/$name-$i.wav\" 'riff)"
    done
  } > "$tmp/$name.scm"
  festival -b "$tmp/$name.scm" 2>/dev/null
  for ((k = 0; k < NVARIANTS; k++)); do
    cents=$(( (k * 337) % 900 - 300 )); tempo=$(awk -v t=$(( 85 + (k * 13) % 30 )) 'BEGIN { printf "%.2f", t / 100 }')
    parts=()
    for ((i = k; i < ${#sentences[@]}; i += NVARIANTS)); do parts+=("$tmp/$name-$i.wav"); done
    sox -D "${parts[@]}" "$tmp/joined.wav"
    sox -D "$tmp/joined.wav" -c 1 -b 16 "$OUT/train/festival-$name+p${cents}t${tempo}.wav" gain -6 pitch "$cents" tempo "$tempo" rate -v 16000 norm -3
  done
done
(cd "$OUT" && find . -name '*.wav' | LC_ALL=C sort | xargs sha256sum > SHA256SUMS)
secs=$(for f in "$OUT"/train/*.wav; do soxi -D "$f"; done | awk '{s += $1} END {printf "%.1f", s}')
echo "wrote $(ls "$OUT"/train/*.wav | wc -l) training file(s), $secs s, and validation.wav to $OUT" >&2
