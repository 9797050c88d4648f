#!/usr/bin/env bash
# Trains the shipped speech WaveNet, models/wavenet-speech.h5 (recipe in models/README.md): the corpus of
# datasets/speech/make_wavenet_corpus.sh (12 espeak-ng voices and two Festival voices, about ten minutes, no real
# speech), 30 epochs of 60 steps (batch 4, 4000-sample windows, lr 3e-3 cosine), residual 32, skip 64, 10 layers
# (receptive field 1024 samples); the epoch is picked on one more synthetic voice. The held-out real recordings
# (the ALSA test clips) are only scored after every epoch (--monitor), never used to choose anything.
#   scripts/train-wavenet.sh [OUT.h5]      # about 15 minutes on one core
# Writes OUT.h5, OUT-training.json (with the monitored curve), OUT-heldout.png (bits/sample against steps) and
# OUT-training.png (loss and validation curves).
set -euo pipefail
cd "$(dirname "$0")/.."
G=${GRIDCNN:-.build/release/gridcnn}
OUT=${1:-models/wavenet-speech.h5}
STEM=${OUT%.h5}
C=$(mktemp -d); trap 'rm -rf "$C"' EXIT
if ! dpkg -s alsa-utils >/dev/null 2>&1; then ${SUDO:-} apt-get update -qq && ${SUDO:-} apt-get install -y -qq alsa-utils >/dev/null; fi
datasets/speech/make_wavenet_corpus.sh "$C/corpus"
$G train sequence --input "$C/corpus/train" --input "$C/corpus/validation.wav" --monitor /usr/share/sounds/alsa \
  --layers 10 --residual 32 --skip 64 --window 4000 --epochs 30 --steps-per-epoch 60 --batch-size 4 --lr 3e-3 --seed 0 --threads 1 \
  --output "$OUT" --overwrite --figure "$STEM-training.png" --monitor-figure "$STEM-heldout.png" --json > "$STEM-training.json"
$G evaluate sequence --model "$OUT" --input /usr/share/sounds/alsa --quiet
