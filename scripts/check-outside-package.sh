#!/usr/bin/env bash
# Issue 24's outside check: a new package, outside this repository, that depends on gridcnn BY VERSION builds every
# Examples/*/main.swift unchanged and runs it on the bundled data. The dependency is a clone of the current commit
# tagged 0.1.0 (the version the code declares), reached by a file:// URL, so nothing is fetched from the network.
# A full release build of gridcnn in a fresh folder (a few minutes); not part of scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT
git clone -q "$repo" "$W/gridcnn"
git -C "$W/gridcnn" checkout -q "$(git rev-parse HEAD)"
git -C "$W/gridcnn" tag 0.1.0
names=(read-field train-downscale apply-checkpoint label autograd)
targets=""
for e in "${names[@]}"; do
  mkdir -p "$W/user/Sources/$e"; cp "Examples/$e/main.swift" "$W/user/Sources/$e/"
  # The example's products, from the same list Package.swift gives it.
  products=$(grep -E "^\s*\(\"$e\"," Package.swift | grep -oE '\[[^]]*\]' | tr -d '[]" ' | tr ',' ' ')
  deps=$(for p in $products; do printf '.product(name: "%s", package: "gridcnn"), ' "$p"; done)
  targets+="        .executableTarget(name: \"$e\", dependencies: [$deps]),"$'\n'
done
cat > "$W/user/Package.swift" <<SWIFT
// swift-tools-version:6.0
import PackageDescription
let package = Package(
    name: "user",
    dependencies: [.package(url: "file://$W/gridcnn", from: "0.1.0")],
    targets: [
$targets    ],
    swiftLanguageModes: [.v5]
)
SWIFT
(cd "$W/user" && swift build -c release 2>&1 | tail -n 3)
B=$W/user/.build/release
"$B/read-field" datasets/climate/tas_rectilinear_grid_2D.nc "$W"
"$B/train-downscale" datasets/climate "$W/model.h5"
"$B/apply-checkpoint" "$W/model.h5" datasets/climate "$W"
"$B/label" datasets/weather/weather_test.nc "$W"
"$B/autograd"
echo "check-outside-package: every example built and ran from a package depending on gridcnn from: \"0.1.0\""
