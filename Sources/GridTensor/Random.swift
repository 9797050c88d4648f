// Seeded random numbers: the same seed gives the same numbers on every machine (xoshiro256**, Box-Muller),
// so initialisation, shuffling and dropout are reproducible.
import Foundation

/// A seeded random number generator (xoshiro256**, seeded through SplitMix64): the same seed gives the same numbers on
/// every machine, so initialisation, shuffling, augmentation and dropout repeat exactly. A value type: copy it to fork
/// a stream; Codable, so checkpoints store the streams a resumed run continues.
public struct SeededGenerator: RandomNumberGenerator, Codable, Equatable, Sendable {
    /// The four state words (what a checkpoint stores).
    public var state: [UInt64]

    /// A generator whose whole stream is fixed by `seed`.
    public init(seed: UInt64) {
        // SplitMix64 expands the seed into the four state words.
        var z = seed
        var s = [UInt64]()
        for _ in 0..<4 {
            z &+= 0x9E37_79B9_7F4A_7C15
            var x = z
            x = (x ^ (x >> 30)) &* 0xBF58_476D_1CE4_E5B9
            x = (x ^ (x >> 27)) &* 0x94D0_49BB_1331_11EB
            s.append(x ^ (x >> 31))
        }
        state = s
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        let result = ((state[1] &* 5) << 7 | (state[1] &* 5) >> 57) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]; state[3] ^= state[1]; state[1] ^= state[2]; state[0] ^= state[3]
        state[2] ^= t
        state[3] = (state[3] << 45) | (state[3] >> 19)
        return result
    }

    /// Uniform in [0, 1).
    public mutating func nextUniform() -> Float { Float(next() >> 40) * (1.0 / Float(1 << 24)) }

    /// Standard normal.
    public mutating func nextNormal() -> Float {
        let u1 = max(Double(next() >> 11) * (1.0 / Double(1 << 53)), 1e-300)
        let u2 = Double(next() >> 11) * (1.0 / Double(1 << 53))
        return Float((-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * Double.pi * u2))
    }
}

extension Tensor {
    /// A tensor of `shape` filled with uniform values in `low..<high`, drawn from `rng` in row-major order.
    public static func uniform(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout SeededGenerator) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = low + (high - low) * rng.nextUniform() } }
        return t
    }

    /// A tensor of `shape` filled with normal values (`mean`, standard deviation `std`; Box-Muller), drawn from `rng`.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout SeededGenerator) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = mean + std * rng.nextNormal() } }
        return t
    }

    /// 0, 1, 2, ... reshaped; exact-integer inputs make expected gradients exact.
    public static func arange(_ shape: [Int], start: Float = 0, step: Float = 1) -> Tensor {
        var t = Tensor(uninitializedShape: shape)
        t.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = start + Float(i) * step } }
        return t
    }
}
