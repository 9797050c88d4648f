#!/usr/bin/env bash
# Installs the system libraries gridcnn links against (Debian/Ubuntu, as root or with sudo).
# Idempotent: skips apt entirely when everything is present.
set -euo pipefail
need=(libnetcdf-dev libhdf5-dev libopenblas-dev netcdf-bin hdf5-tools libncarg-data pkg-config libcairo2-dev fonts-dejavu-core gmt-gshhg-low)
missing=()
for p in "${need[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "gridcnn setup: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
