// Hostile checkpoints: reproducers 3-6 of issue 22 (byte edits of models/detect-unet.h5 that crashed libhdf5 in
// `gridcnn detect`) are refused with one line, and the shipped checkpoint, written before isolation, still loads.
import Foundation
import Testing
@testable import GridTrain

private let shippedModel = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("models/detect-unet.h5").path

@Suite struct HostileCheckpointTests {
    @Test(arguments: [
        [2077: 0x87, 15428: 0x69] as [Int: UInt8],
        [3448: 0x05, 3623: 0x1b, 10326: 0x71, 98172: 0x8f],
        [895: 0xf0, 3914: 0x28, 4888: 0x5c, 9961: 0xd2, 13556: 0xda, 13884: 0x84, 13991: 0x6c, 651143: 0x6a],
        [1590: 0xda, 2319: 0x1a, 11647: 0x63, 13659: 0x1c, 14761: 0x3e, 15339: 0xd5, 430740: 0x83, 574923: 0xc2],
    ])
    func issueReproducers(edits: [Int: UInt8]) throws {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: shippedModel)))
        for (offset, value) in edits { bytes[offset] = value }
        let path = tempPath("mutated.h5")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect { _ = try Checkpoint.load(path) } throws: { error in
            guard let e = error as? TrainError else { return false }
            return e.description.hasPrefix(path) && !e.description.contains("\n")
        }
    }

    @Test func shippedCheckpointStillLoads() throws {
        let ck = try Checkpoint.load(shippedModel)
        #expect(ck.task == "detect")
        #expect(ck.contentChecksum == "0e3f9ba462a2fafb8382b85fcd91471b22fb3b56b82ff44604bbd7adaf9dcf94")
    }
}
