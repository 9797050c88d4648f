# The cut every syllable corpus shares (sourced by make_syllables*.sh), so clips from every synthesiser line up:
# mono 16-bit, leading silence trimmed, then 60 ms of silence, the syllable, 0.28 s in all, 16 kHz, peak -3 dB.
# cut_syllable SRC DST [sox effects applied first, e.g. gain -6 pitch CENTS tempo -s TEMPO]
cut_syllable() {
  local src=$1 dst=$2
  shift 2
  sox -D "$src" -c 1 -b 16 "$dst" "$@" silence 1 0.002 0.5% pad 0.06 trim 0 0.28 rate -v 16000 norm -3
}
