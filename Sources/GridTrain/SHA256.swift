// SHA-256 for checkpoint checksums and provenance attributes, from swift-crypto (BoringSSL on Linux; Foundation
// there has no CryptoKit). This thin front keeps the lower-case hex form every stored digest uses.
import Crypto
import Foundation
import GridTensor

/// SHA-256 digests (swift-crypto) in the lower-case hexadecimal form that checkpoints (`content_sha256`) and the
/// provenance attributes of outputs (`gridcnn_model_sha256`) store. Stateless: safe from any thread.
public enum SHA256 {
    /// Lower-case hex digest.
    public static func hex(_ data: Data) -> String { hexString(Crypto.SHA256.hash(data: data)) }

    /// A file's digest, read in 1 MiB pieces so a large checkpoint is never held whole in memory.
    public static func hex(file path: String) throws -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw GridError("cannot read \(path) to checksum it")
        }
        defer { try? handle.close() }
        var hasher = Crypto.SHA256()
        while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
        return hexString(hasher.finalize())
    }

    /// The 32 raw bytes of the digest of `data`.
    public static func digest(_ data: Data) -> [UInt8] { Array(Crypto.SHA256.hash(data: data)) }

    private static func hexString<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}
