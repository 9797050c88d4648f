// WAV (RIFF/WAVE) audio: read PCM 8/16/24/32-bit and IEEE float 32/64 (plain or WAVE_FORMAT_EXTENSIBLE) into
// Float samples in [-1, 1]; write 16-bit PCM mono atomically (temporary file beside the target, then rename).
// Multi-channel files are refused unless the caller asks to mix them down (mean of the channels). Compressed codecs
// (mu-law, A-law, ADPCM, ...) are refused with their name. Every failure is one typed, one-line WAVError.
import Foundation

/// Decoded audio: mono samples at full scale +-1.
public struct WAVAudio: Equatable, Sendable {
    /// Mono samples at full scale -1...1 (16-bit PCM divided by 32768, 8-bit offset by 128 first, floats as stored).
    public var samples: [Float]
    /// Samples per second (Hz).
    public var sampleRate: Int
    /// Channels in the file (the samples are mono: mixed down when this is above 1).
    public var channels: Int
    /// "pcm8", "pcm16", "pcm24", "pcm32", "float32" or "float64".
    public var encoding: String
    /// Length in seconds.
    public var duration: Double { Double(samples.count) / Double(max(sampleRate, 1)) }
    /// Audio from mono samples in -1...1 at `sampleRate` Hz (what ``WAV/write(_:sampleRate:to:overwrite:)`` stores as 16-bit PCM).
    public init(samples: [Float], sampleRate: Int, channels: Int = 1, encoding: String = "pcm16") {
        self.samples = samples; self.sampleRate = sampleRate; self.channels = channels; self.encoding = encoding
    }
}

/// What can go wrong with a WAV file; `description` is one line naming the file.
public enum WAVError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    case fileNotFound(path: String)
    case notRIFF(path: String)
    case notWAVE(path: String)
    case missingChunk(path: String, chunk: String)
    case unsupportedCodec(path: String, formatTag: Int, name: String)
    case unsupportedSampleSize(path: String, bits: Int, codec: String)
    case multichannel(path: String, channels: Int)
    case truncated(path: String, detail: String)
    case empty(path: String)
    case invalid(path: String, detail: String)
    case writeFailed(path: String, detail: String)
    case outputExists(path: String)

    /// One line naming the file and, for formats it cannot read, how to convert them (sox).
    public var description: String {
        switch self {
        case .fileNotFound(let p): return "\(p): no such file"
        case .notRIFF(let p): return "\(p): not a WAV file (no RIFF header)"
        case .notWAVE(let p): return "\(p): RIFF file but not WAVE audio"
        case .missingChunk(let p, let c): return "\(p): WAV file has no '\(c)' chunk"
        case .unsupportedCodec(let p, let tag, let name):
            return "\(p): unsupported WAV codec \(name) (format tag \(tag)); convert to PCM first (e.g. sox in.wav -e signed -b 16 out.wav)"
        case .unsupportedSampleSize(let p, let bits, let codec): return "\(p): unsupported \(bits)-bit \(codec) samples"
        case .multichannel(let p, let n): return "\(p): \(n) channels: mix down to mono first (sox in.wav -c 1 out.wav) or pass --mix"
        case .truncated(let p, let d): return "\(p): WAV file is truncated (\(d))"
        case .empty(let p): return "\(p): WAV file has no samples"
        case .invalid(let p, let d): return "\(p): invalid WAV file (\(d))"
        case .writeFailed(let p, let d): return "\(p): write failed (\(d))"
        case .outputExists(let p): return "\(p): output exists (pass --overwrite to replace it)"
        }
    }
    /// The same line as ``description``.
    public var errorDescription: String? { description }
}

/// Reading and writing WAV (RIFF/WAVE) audio: PCM 8/16/24/32-bit and IEEE float 32/64, plain or
/// WAVE_FORMAT_EXTENSIBLE, in; 16-bit PCM mono out, written atomically. Errors are ``WAVError`` values.
public enum WAV {
    /// Reads a WAV file. `mixDown` averages the channels of a multi-channel file; without it such a file is refused.
    public static func read(_ path: String, mixDown: Bool = false) throws -> WAVAudio {
        guard FileManager.default.fileExists(atPath: path) else { throw WAVError.fileNotFound(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else { throw WAVError.invalid(path: path, detail: "cannot be read") }
        return try decode(data, path: path, mixDown: mixDown)
    }

    /// Decodes the bytes of a WAV file (`path` only names it in errors).
    public static func decode(_ data: Data, path: String = "<memory>", mixDown: Bool = false) throws -> WAVAudio {
        let b = [UInt8](data)
        func u32(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 | Int(b[i + 2]) << 16 | Int(b[i + 3]) << 24 }
        func u16(_ i: Int) -> Int { Int(b[i]) | Int(b[i + 1]) << 8 }
        guard b.count >= 12, b[0..<4].elementsEqual("RIFF".utf8) else { throw WAVError.notRIFF(path: path) }
        guard b[8..<12].elementsEqual("WAVE".utf8) else { throw WAVError.notWAVE(path: path) }
        var fmt: Range<Int>?, dataRange: Range<Int>?
        var i = 12
        while i + 8 <= b.count {
            let id = String(decoding: b[i..<(i + 4)], as: UTF8.self), size = u32(i + 4)
            let start = i + 8
            if id == "data" {
                var end = start + size
                // Streamed files (espeak-ng --stdout, sox to a pipe) carry a huge placeholder size: take the rest of the file.
                if size >= 0x7FFF_0000 && end > b.count { end = b.count }
                guard end <= b.count else {
                    throw WAVError.truncated(path: path, detail: "data chunk declares \(size) bytes, \(b.count - start) present")
                }
                dataRange = start..<end
                if fmt != nil { break }
            } else if id == "fmt " {
                guard start + size <= b.count, size >= 16 else { throw WAVError.truncated(path: path, detail: "fmt chunk of \(size) bytes") }
                fmt = start..<(start + size)
                if dataRange != nil { break }
            }
            i = start + size + (size & 1)
        }
        guard let f = fmt else { throw WAVError.missingChunk(path: path, chunk: "fmt ") }
        guard let d = dataRange else { throw WAVError.missingChunk(path: path, chunk: "data") }
        var tag = u16(f.lowerBound)
        let channels = u16(f.lowerBound + 2), rate = u32(f.lowerBound + 4), bits = u16(f.lowerBound + 14)
        if tag == 0xFFFE {   // WAVE_FORMAT_EXTENSIBLE: the codec is the first two bytes of the sub-format GUID
            guard f.count >= 40 else { throw WAVError.invalid(path: path, detail: "extensible fmt chunk of \(f.count) bytes") }
            tag = u16(f.lowerBound + 24)
        }
        guard tag == 1 || tag == 3 else { throw WAVError.unsupportedCodec(path: path, formatTag: tag, name: codecName(tag)) }
        guard channels >= 1 else { throw WAVError.invalid(path: path, detail: "0 channels") }
        guard rate > 0 else { throw WAVError.invalid(path: path, detail: "sample rate 0") }
        let codec = tag == 1 ? "PCM" : "float"
        let encoding: String
        switch (tag, bits) {
        case (1, 8), (1, 16), (1, 24), (1, 32): encoding = "pcm\(bits)"
        case (3, 32), (3, 64): encoding = "float\(bits)"
        default: throw WAVError.unsupportedSampleSize(path: path, bits: bits, codec: codec)
        }
        if channels > 1 && !mixDown { throw WAVError.multichannel(path: path, channels: channels) }
        let width = bits / 8, frameBytes = width * channels
        guard d.count > 0 else { throw WAVError.empty(path: path) }
        guard d.count % frameBytes == 0 else {
            throw WAVError.truncated(path: path, detail: "\(d.count) data bytes is not a whole number of \(frameBytes)-byte frames")
        }
        let frames = d.count / frameBytes
        var out = [Float](repeating: 0, count: frames)
        b.withUnsafeBytes { raw in
            let base = raw.baseAddress! + d.lowerBound
            func sample(_ k: Int) -> Float {
                let p = base + k * width
                switch encoding {
                case "pcm8": return (Float(p.load(as: UInt8.self)) - 128) / 128
                case "pcm16": return Float(Int16(littleEndian: p.loadUnaligned(as: Int16.self))) / 32768
                case "pcm24":
                    let v = Int32(p.load(fromByteOffset: 0, as: UInt8.self)) | Int32(p.load(fromByteOffset: 1, as: UInt8.self)) << 8
                        | Int32(Int8(bitPattern: p.load(fromByteOffset: 2, as: UInt8.self))) << 16
                    return Float(v) / 8_388_608
                case "pcm32": return Float(Double(Int32(littleEndian: p.loadUnaligned(as: Int32.self))) / 2_147_483_648)
                case "float32": return Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self)))
                default: return Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self))))
                }
            }
            for t in 0..<frames {
                var s: Float = 0
                for c in 0..<channels { s += sample(t * channels + c) }
                out[t] = channels == 1 ? s : s / Float(channels)
            }
        }
        return WAVAudio(samples: out, sampleRate: rate, channels: channels, encoding: encoding)
    }

    /// The bytes of a 16-bit PCM mono WAV file; samples are clipped to [-1, 1] and rounded.
    public static func encode16(_ samples: [Float], sampleRate: Int) -> Data {
        var d = Data(capacity: 44 + 2 * samples.count)
        func put32(_ v: Int) { withUnsafeBytes(of: UInt32(truncatingIfNeeded: v).littleEndian) { d.append(contentsOf: $0) } }
        func put16(_ v: Int) { withUnsafeBytes(of: UInt16(truncatingIfNeeded: v).littleEndian) { d.append(contentsOf: $0) } }
        d.append(contentsOf: Array("RIFF".utf8)); put32(36 + 2 * samples.count); d.append(contentsOf: Array("WAVE".utf8))
        d.append(contentsOf: Array("fmt ".utf8)); put32(16); put16(1); put16(1); put32(sampleRate); put32(2 * sampleRate)
        put16(2); put16(16)
        d.append(contentsOf: Array("data".utf8)); put32(2 * samples.count)
        var pcm = [Int16](repeating: 0, count: samples.count)
        for (k, s) in samples.enumerated() {
            let v = s.isNaN ? 0 : Swift.min(Swift.max(s, -1), 1)
            pcm[k] = Int16((v * 32767).rounded()).littleEndian
        }
        pcm.withUnsafeBytes { d.append(contentsOf: $0) }
        return d
    }

    /// Writes 16-bit PCM mono, atomically: an existing file is replaced only when `overwrite` and only once complete.
    public static func write(_ samples: [Float], sampleRate: Int, to path: String, overwrite: Bool = false) throws {
        guard sampleRate > 0 else { throw WAVError.writeFailed(path: path, detail: "sample rate \(sampleRate)") }
        let out: AtomicOutput
        do { out = try AtomicOutput(path: path, overwrite: overwrite) } catch GridIOError.outputExists {
            throw WAVError.outputExists(path: path)
        } catch let e as GridIOError { throw WAVError.writeFailed(path: path, detail: e.description) }
        do { try encode16(samples, sampleRate: sampleRate).write(to: URL(fileURLWithPath: out.temporaryPath)) } catch {
            out.discard()
            throw WAVError.writeFailed(path: path, detail: error.localizedDescription)
        }
        do { try out.commit() } catch GridIOError.outputExists { throw WAVError.outputExists(path: path) } catch let e as GridIOError {
            throw WAVError.writeFailed(path: path, detail: e.description)
        }
    }

    static func codecName(_ tag: Int) -> String {
        switch tag {
        case 2: return "MS ADPCM"
        case 6: return "A-law"
        case 7: return "mu-law"
        case 0x11: return "IMA ADPCM"
        case 0x31: return "GSM 6.10"
        case 0x50: return "MPEG"
        case 0x55: return "MP3"
        default: return String(format: "0x%04x", tag)
        }
    }
}
