import Testing
import Foundation
@testable import GridIO

/// A WAV file's bytes from its parts (little-endian), for the decoder's cases.
private func wavBytes(tag: Int, channels: Int, rate: Int = 8000, bits: Int, payload: [UInt8], declaredData: Int? = nil,
                      extensible: Bool = false) -> Data {
    var d = Data()
    func p32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { d.append(contentsOf: $0) } }
    func p16(_ v: Int) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { d.append(contentsOf: $0) } }
    let fmtSize = extensible ? 40 : 16
    d.append(contentsOf: Array("RIFF".utf8)); p32(4 + 8 + fmtSize + 8 + payload.count); d.append(contentsOf: Array("WAVE".utf8))
    d.append(contentsOf: Array("fmt ".utf8)); p32(fmtSize); p16(extensible ? 0xFFFE : tag); p16(channels); p32(rate)
    p32(rate * channels * bits / 8); p16(channels * bits / 8); p16(bits)
    if extensible {
        p16(22); p16(bits); p32(0)
        p16(tag); d.append(contentsOf: [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71])
    }
    d.append(contentsOf: Array("data".utf8)); p32(declaredData ?? payload.count)
    d.append(contentsOf: payload)
    return d
}

private func tempDir() -> String {
    let p = NSTemporaryDirectory() + "wavtests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    try? FileManager.default.createDirectory(atPath: p, withIntermediateDirectories: true)
    return p
}

@Suite struct WAVTests {
    @Test func roundTripSixteenBit() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let x = (0..<1000).map { Float(0.8 * sin(Double($0) * 0.05)) } + [1.5, -1.5, 0]   // the last three clip
        let path = dir + "/a.wav"
        try WAV.write(x, sampleRate: 16000, to: path)
        let back = try WAV.read(path)
        #expect(back.sampleRate == 16000 && back.channels == 1 && back.encoding == "pcm16" && back.samples.count == x.count)
        // Written as round(32767 x), read as n / 32768: within half a step plus the scale difference.
        for (a, b) in zip(x, back.samples) { #expect(abs(max(min(a, 1), -1) - b) <= 2.0 / 32768) }
        #expect(FileManager.default.contents(atPath: path)?.count == 44 + 2 * x.count)
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir) == ["a.wav"])
    }

    @Test func refusesToOverwriteAndKeepsTheOldFile() throws {
        let dir = tempDir(); defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/a.wav"
        try WAV.write([0.5, 0.25], sampleRate: 8000, to: path)
        #expect(throws: WAVError.outputExists(path: path)) { try WAV.write([0.1], sampleRate: 8000, to: path) }
        #expect(try WAV.read(path).samples.count == 2)
        try WAV.write([0.1], sampleRate: 8000, to: path, overwrite: true)
        #expect(try WAV.read(path).samples.count == 1)
        #expect(throws: WAVError.self) { try WAV.write([0.1], sampleRate: 8000, to: dir + "/missing/dir/x.wav") }
    }

    @Test func decodesOtherSampleFormats() throws {
        // 8-bit unsigned: 128 is zero, 0 is -1, 192 is +0.5.
        let u8 = try WAV.decode(wavBytes(tag: 1, channels: 1, bits: 8, payload: [128, 0, 192]))
        #expect(u8.samples == [0, -1, 0.5] && u8.encoding == "pcm8")
        // 24-bit: 0x400000 = +0.5, 0xC00000 = -0.5.
        let p24 = try WAV.decode(wavBytes(tag: 1, channels: 1, bits: 24, payload: [0, 0, 0x40, 0, 0, 0xC0]))
        #expect(p24.samples == [0.5, -0.5])
        // 32-bit integer.
        let p32 = try WAV.decode(wavBytes(tag: 1, channels: 1, bits: 32, payload: [0, 0, 0, 0xC0]))
        #expect(p32.samples == [-0.5])
        // IEEE float 32, plain and WAVE_FORMAT_EXTENSIBLE.
        var f: [UInt8] = []
        for v: Float in [0.25, -0.75] { withUnsafeBytes(of: v.bitPattern.littleEndian) { f += $0 } }
        #expect(try WAV.decode(wavBytes(tag: 3, channels: 1, bits: 32, payload: f)).samples == [0.25, -0.75])
        #expect(try WAV.decode(wavBytes(tag: 3, channels: 1, bits: 32, payload: f, extensible: true)).samples == [0.25, -0.75])
        var g: [UInt8] = []
        withUnsafeBytes(of: (0.125 as Double).bitPattern.littleEndian) { g += $0 }
        #expect(try WAV.decode(wavBytes(tag: 3, channels: 1, bits: 64, payload: g)).samples == [0.125])
    }

    @Test func stereoIsRefusedUnlessMixedDown() throws {
        // Frames (L, R): (0.5, 0), (-0.5, -0.5) as 16-bit.
        let payload: [UInt8] = [0x00, 0x40, 0x00, 0x00, 0x00, 0xC0, 0x00, 0xC0]
        let data = wavBytes(tag: 1, channels: 2, bits: 16, payload: payload)
        #expect(throws: WAVError.multichannel(path: "s.wav", channels: 2)) { try WAV.decode(data, path: "s.wav") }
        let mixed = try WAV.decode(data, mixDown: true)
        #expect(mixed.samples == [0.25, -0.5] && mixed.channels == 2)
        #expect(WAVError.multichannel(path: "s.wav", channels: 2).description.contains("mix down"))
    }

    @Test func errorsAreTypedOneLiners() throws {
        let good = wavBytes(tag: 1, channels: 1, bits: 16, payload: [0, 0, 1, 0])
        var notRiff = good; notRiff.replaceSubrange(0..<4, with: Array("RIFX".utf8))
        #expect(throws: WAVError.notRIFF(path: "x")) { try WAV.decode(notRiff, path: "x") }
        #expect(throws: WAVError.notRIFF(path: "x")) { try WAV.decode(Data([1, 2, 3]), path: "x") }
        var notWave = good; notWave.replaceSubrange(8..<12, with: Array("AVI ".utf8))
        #expect(throws: WAVError.notWAVE(path: "x")) { try WAV.decode(notWave, path: "x") }
        #expect(throws: WAVError.unsupportedCodec(path: "x", formatTag: 7, name: "mu-law")) {
            try WAV.decode(wavBytes(tag: 7, channels: 1, bits: 8, payload: [1, 2]), path: "x")
        }
        #expect(throws: WAVError.unsupportedSampleSize(path: "x", bits: 12, codec: "PCM")) {
            try WAV.decode(wavBytes(tag: 1, channels: 1, bits: 12, payload: [1, 2]), path: "x")
        }
        // The data chunk claims 100 bytes, 4 are there.
        #expect(throws: WAVError.truncated(path: "x", detail: "data chunk declares 100 bytes, 4 present")) {
            try WAV.decode(wavBytes(tag: 1, channels: 1, bits: 16, payload: [0, 0, 1, 0], declaredData: 100), path: "x")
        }
        // Half a sample.
        #expect(throws: WAVError.self) { try WAV.decode(wavBytes(tag: 1, channels: 1, bits: 16, payload: [0, 0, 1]), path: "x") }
        #expect(throws: WAVError.empty(path: "x")) { try WAV.decode(wavBytes(tag: 1, channels: 1, bits: 16, payload: []), path: "x") }
        #expect(throws: WAVError.missingChunk(path: "x", chunk: "data")) { try WAV.decode(good.prefix(36), path: "x") }
        #expect(throws: WAVError.fileNotFound(path: "/no/such.wav")) { try WAV.read("/no/such.wav") }
        for e: WAVError in [.notRIFF(path: "a"), .truncated(path: "a", detail: "d"), .empty(path: "a")] {
            #expect(!e.description.contains("\n") && e.description.hasPrefix("a: "))
        }
    }

    @Test func streamedPlaceholderSizeReadsToTheEnd() throws {
        // espeak-ng --stdout writes 0x7ffff000 as the data size; the samples are whatever follows.
        let d = wavBytes(tag: 1, channels: 1, bits: 16, payload: [0, 0x40, 0, 0xC0], declaredData: 0x7FFF_F000)
        #expect(try WAV.decode(d).samples == [0.5, -0.5])
    }
}
