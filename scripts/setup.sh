#!/usr/bin/env bash
# Installs the system libraries gridcnn links against (Debian/Ubuntu, as root or with sudo).
# Idempotent: skips apt entirely when everything is present.
set -euo pipefail
# Open MPI (openmpi-bin, libopenmpi3) only for `mpirun` runs and their tests: gridcnn loads it at run time when
# mpirun starts it, and builds and runs alone without it.
# sox, Festival and its voices, flite: the syllable corpora of walkthrough 9 (datasets/speech/make_syllables_*.sh).
need=(libnetcdf-dev libhdf5-dev libopenblas-dev netcdf-bin hdf5-tools libncarg-data pkg-config libcairo2-dev fonts-dejavu-core gmt-gshhg-low
      openmpi-bin libopenmpi3
      sox festival festlex-cmu festvox-kallpc16k festvox-kdlpc16k festvox-italp16k festvox-itapc16k festvox-czech-dita
      festvox-czech-machac festvox-us-slt-hts festvox-ca-ona-hts festvox-ru flite)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "gridcnn setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
