#!/usr/bin/env bash
# Synthesises the b/d/g syllables with Festival, independent of espeak-ng (datasets/speech/make_syllables.sh), in
# three synthesis methods, each a "synthesiser" of its own for leave-one-synthesiser-out evaluation:
#   diphone  residual-LPC diphone voices, concatenated recordings of human speakers: kal and ked (US English),
#            lp and pc (Italian), dita and machac (Czech)
#   hts      statistical parametric (HTS) voices: CMU US SLT (English), UPC ona (Catalan)
#   clunits  unit selection from a recorded corpus: MSU nsh (Russian)
# Each voice says its language's words for ba da ga bi di gi bu du gu (stop + a/i/u, checked against Festival's
# segments), then VARIANTS sox pitch/tempo variants (default 12) are cut like the espeak-ng clips (60 ms of silence,
# then the syllable, 0.28 s, 16 kHz mono 16-bit):
#   OUT/festival-<method>-<voice>+p<cents>t<tempo>/<syllable>-x.wav
#   datasets/speech/make_syllables_festival.sh /tmp/syl-festival [VARIANTS]
#   METHODS="diphone hts" datasets/speech/make_syllables_festival.sh /tmp/syl-festival   # a subset
# Deterministic for the same packages.
set -euo pipefail
. "$(dirname "$0")/syllable_cut.sh"
OUT=${1:?usage: make_syllables_festival.sh OUT [VARIANTS]}
NVARIANTS=${2:-12}
METHODS=${METHODS:-diphone hts clunits}
need=()
for p in festival festlex-cmu festvox-kallpc16k festvox-kdlpc16k festvox-italp16k festvox-itapc16k festvox-czech-dita \
         festvox-czech-machac festvox-us-slt-hts festvox-ca-ona-hts festvox-ru sox; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if ((${#need[@]})); then
  echo "installing ${need[*]}" >&2
  ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq "${need[@]}" >/dev/null
fi
syllables=(ba da ga bi di gi bu du gu)
# method:name:festival voice function:the nine words in the order of $syllables
voices=(
  "diphone:kal:voice_kal_diphone:bah dah gah bee dee ghee boo doo goo"
  "diphone:ked:voice_ked_diphone:bah dah gah bee dee ghee boo doo goo"
  "diphone:lp:voice_lp_diphone:ba da ga bi di ghi bu du gu"
  "diphone:pc:voice_pc_diphone:ba da ga bi di ghi bu du gu"
  "diphone:dita:voice_czech_dita:ba da ga by dy gy bu du gu"
  "diphone:machac:voice_czech_machac:ba da ga by dy gy bu du gu"
  "hts:slt:voice_cmu_us_slt_arctic_hts:bah dah gah bee dee ghee boo doo goo"
  "hts:ona:voice_upc_ca_ona_hts:ba da ga bi di gui bu du gu"
  "clunits:nsh:voice_msu_ru_nsh_clunits:ба да га би ди ги бу ду гу"
)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT"
count=0
for entry in "${voices[@]}"; do
  IFS=: read -r method name fn words <<< "$entry"
  [[ " $METHODS " == *" $method "* ]] || continue
  read -r -a w <<< "$words"
  {
    echo "(Parameter.set 'Audio_Method 'none)"
    echo "($fn)"
    for i in "${!syllables[@]}"; do
      echo "(utt.save.wave (utt.synth (Utterance Text \"${w[i]}\")) \"$tmp/$name-${syllables[i]}.wav\" 'riff)"
    done
  } > "$tmp/$name.scm"
  festival -b "$tmp/$name.scm" 2>/dev/null
  for ((k = 0; k < NVARIANTS; k++)); do
    cents=$(( (k * 137) % 900 - 350 ))                            # -350..+549 cents
    tempo=$(awk -v t=$(( 80 + (k * 23) % 40 )) 'BEGIN { printf "%.2f", t / 100 }')   # 0.80..1.19
    dir="$OUT/festival-$method-$name+p${cents}t${tempo}"
    mkdir -p "$dir"
    for syl in "${syllables[@]}"; do
      cut_syllable "$tmp/$name-$syl.wav" "$dir/$syl-x.wav" gain -6 pitch "$cents" tempo -s "$tempo"
      count=$((count + 1))
    done
  done
done
echo "wrote $count clips to $OUT" >&2
