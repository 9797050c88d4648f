import Foundation
import Testing
import GridTensor
import GridAutograd
import GridNN
@testable import GridModels

@Suite(.serialized) struct SummaryRegistryTests {
    @Test func unetSummaryRowsAndJSON() throws {
        let s = ModelSummary(UNet(), inputShape: [1, 2, 64, 64])
        #expect(s.totalParams == 7_765_697 && s.trainableParams == s.totalParams)
        #expect(s.layers.first?.name == "down.0.conv1" && s.layers.first?.type == "Conv" && s.layers.first?.outputShape == [1, 32, 64, 64])
        #expect(s.layers.first?.params == 2 * 32 * 9 + 32)
        #expect(s.layers.last?.name == "out" && s.layers.last?.outputShape == [1, 1, 64, 64])
        #expect(s.layers.contains { $0.name == "pool" && $0.outputShape == [1, 256, 4, 4] })
        #expect(s.layers.reduce(0) { $0 + $1.params } == s.totalParams)
        let obj = try JSONSerialization.jsonObject(with: Data(s.json().utf8)) as! [String: Any]
        #expect(obj["total_params"] as? Int == 7_765_697)
        let first = (obj["layers"] as! [[String: Any]])[0]
        #expect(Set(first.keys) == ["name", "type", "output_shape", "params"])
        #expect(try JSONDecoder().decode(ModelSummary.self, from: Data(s.json().utf8)).layers.map(\.name) == s.layers.map(\.name))
        #expect(s.table.contains("Total params: 7,765,697"))
        #expect(s.table.contains("down.0.conv1 (Conv)"))
    }

    @Test func summaryListsContainersWhenAsked() {
        let m = ConvNet(.lenet5())
        let s = ModelSummary(m, inputShape: [1, 1, 32, 32], leavesOnly: false)
        #expect(s.layers.first?.name == "features" && s.layers.first?.params == 156 + 2416)
        #expect(s.layers.contains { $0.name == "features.1" && $0.type == "Tanh" })
        #expect(m.isTraining)   // the summary restores the mode
    }

    @Test func registryBuildsEveryKindWithDefaults() throws {
        for kind in ModelKind.allCases where ![.alexnet, .vgg16, .resnet34].contains(kind) {
            let cfg = ModelConfig(kind: kind)
            try cfg.validate()
            let s = try cfg.summary()
            #expect(s.totalParams > 0, "\(kind)")
        }
        #expect(ModelConfig(kind: .lenet5).build().parameterCount == 61_706)
        #expect(ModelConfig(kind: .tdnn).build().parameterCount == 515)
        #expect(ModelConfig(kind: .wavenet).build().parameterCount == 102_304)
        #expect(ModelConfig(kind: .srcnn, inChannels: 2).build().parameterCount == 13_313)
        #expect(ModelConfig(kind: .unet, inChannels: 1, outChannels: 3, depth: 2, base: 4, inputShape: [1, 8, 8, 8]).build().parameterCount == 21_527)
    }

    @Test func configJSONRoundTripAndDefaults() throws {
        let cfg = try JSONDecoder().decode(ModelConfig.self, from: Data(#"{"kind": "unet", "base": 8, "depth": 2}"#.utf8))
        #expect(cfg.resolvedInputShape == [2, 16, 16])
        let again = try JSONDecoder().decode(ModelConfig.self, from: JSONEncoder().encode(cfg))
        #expect(again == cfg)
        // Same config and seed rebuild the same weights (a checkpoint's state dict then fits).
        let a = cfg.build(), b = again.build()
        #expect(a.stateDict().keys.sorted() == b.stateDict().keys.sorted())
        #expect(a.parameters[0].param.value.scalars == b.parameters[0].param.value.scalars)
        try b.load(stateDict: a.stateDict())
        let unet = try JSONDecoder().decode(UNetConfig.self, from: JSONEncoder().encode(UNetConfig(base: 8)))
        #expect(unet.base == 8 && unet.depth == 4)
    }

    @Test func invalidShapesAreErrors() {
        #expect(throws: ShapeError.self) { try ModelConfig(kind: .unet, inputShape: [2, 30, 30]).validate() }
        #expect(throws: ShapeError.self) { try ModelConfig(kind: .unet, inChannels: 3, inputShape: [2, 32, 32]).validate() }
        #expect(throws: ShapeError.self) { try ModelConfig(kind: .wavenet, inputShape: [3, 10]).validate() }
        #expect(throws: ShapeError.self) { try ModelConfig(kind: .tdnn, inputShape: [16, 6]).validate() }
        #expect(throws: ShapeError.self) { try ModelConfig(kind: .lenet5, inputShape: [1, 8, 8]).validate() }
        #expect(throws: Never.self) { try ModelConfig(kind: .jetcnn, inputShape: [1, 33, 33]).validate() }
    }
}
