#!/usr/bin/env bash
# Regenerates Sources/GridExchange/ONNX/onnx.pb.swift from scripts/onnx/onnx.proto (the schema as the onnx pip
# package ships it, proto2 syntax; same wire format as onnx.proto3). Not part of the build or CI: the generated file
# is committed. Needs protoc (apt-get install protobuf-compiler) and builds protoc-gen-swift of swift-protobuf
# 1.39.0, the version Package.swift pins (its generated code checks the runtime's API version).
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
command -v protoc >/dev/null || { apt-get update -qq && apt-get install -y -qq protobuf-compiler >/dev/null; }
git clone -q --branch 1.39.0 https://github.com/apple/swift-protobuf.git "$work/swift-protobuf"
(cd "$work/swift-protobuf" && swift build -c release --product protoc-gen-swift)
protoc --plugin=protoc-gen-swift="$work/swift-protobuf/.build/release/protoc-gen-swift" \
       --swift_out="$work" -I scripts/onnx scripts/onnx/onnx.proto
mv "$work/onnx.pb.swift" Sources/GridExchange/ONNX/onnx.pb.swift
echo "regenerated Sources/GridExchange/ONNX/onnx.pb.swift"
