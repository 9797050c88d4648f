// ConvGeometry worked numbers from the checklist (CS231n / AlexNet / VGG / LeNet / TDNN) and its ShapeErrors.
import Testing
@testable import GridTensor

/// Output length of a 1-D convolution over `n` with kernel f, stride s, symmetric padding p.
func conv1DOut(_ n: Int, f: Int, s: Int, p: Int = 0, channels: Int = 1) throws -> Int {
    try ConvGeometry(batch: 1, inChannels: channels, outChannels: 1, input: [n], kernel: [f], stride: [s],
                     padding: .symmetric([p])).output[0]
}

func params(_ g: ConvGeometry) -> Int { g.weightShape.reduce(1, *) + g.outChannels }

@Suite struct ConvGeometryTests {
    @Test func outputSizeFormula() throws {
        #expect(try conv1DOut(7, f: 3, s: 1) == 5)
        #expect(try conv1DOut(7, f: 3, s: 2) == 3)
        #expect(try conv1DOut(7, f: 3, s: 1, p: 1) == 7)
        do {
            _ = try conv1DOut(7, f: 3, s: 3)
            Issue.record("stride 3 over 7 with F = 3 should not fit")
        } catch let e as ShapeError {
            #expect(e.description.contains("2.333"), "message: \(e.description)")
        }
        #expect(throws: ShapeError.self) { try conv1DOut(7, f: 3, s: 3) }
        // allowFloor accepts it (PyTorch's rounding down).
        #expect(try ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, input: [7], kernel: [3], stride: [3], allowFloor: true).output == [2])
    }

    @Test func cs231nExamples() throws {
        // 32x32x3 with 10 5x5 filters, S = 1, P = 2 -> 32x32x10 and 10 * (5*5*3 + 1) = 760 parameters.
        let g = try ConvGeometry(batch: 1, inChannels: 3, outChannels: 10, input: [32, 32], kernel: [5, 5], padding: .symmetric([2, 2]))
        #expect(g.outputShape == [1, 10, 32, 32])
        #expect(g.weightShape == [10, 3, 5, 5])
        #expect(params(g) == 760)
        // 5x5x3 input, K = 2 filters 3x3, S = 2, P = 1 -> 3x3x2.
        let d = try ConvGeometry(batch: 1, inChannels: 3, outChannels: 2, input: [5, 5], kernel: [3, 3], stride: [2, 2], padding: .symmetric([1, 1]))
        #expect(d.outputShape == [1, 2, 3, 3])
        #expect(elementCount([1, 64, 224, 224]) == 3_211_264)
        #expect(Tensor(zeros: [1, 64, 224, 224]).count == 3_211_264)
    }

    @Test func alexNetConv1() throws {
        let g = try ConvGeometry(batch: 1, inChannels: 3, outChannels: 96, input: [227, 227], kernel: [11, 11], stride: [4, 4])
        #expect(g.output == [55, 55])
        #expect(params(g) == 34_944)
        // im2col: 363 x 3025 patches, weights 96 x 363.
        #expect(g.weightShape.dropFirst().reduce(1, *) == 363 && g.output.reduce(1, *) == 3025)
        #expect(g.flops == 2.0 * 96 * 3025 * 363)
    }

    @Test func poolingAndFullyConnectedAsConvolution() throws {
        let p = try ConvGeometry.pooling(batch: 1, channels: 64, input: [224, 224], kernel: [2, 2])
        #expect(p.outputShape == [1, 64, 112, 112])
        // A 7x7x512 volume under 4096 filters of 7x7 is the FC layer: 1x1x4096.
        let fc = try ConvGeometry(batch: 1, inChannels: 512, outChannels: 4096, input: [7, 7], kernel: [7, 7])
        #expect(fc.outputShape == [1, 4096, 1, 1])
        // 384x384 through five 2x2 pools (/32 = 12), then the 7x7 "FC" conv slides to 6x6.
        var size = [384, 384]
        for _ in 0..<5 { size = try ConvGeometry.pooling(batch: 1, channels: 512, input: size, kernel: [2, 2]).output }
        #expect(size == [12, 12])
        #expect(try ConvGeometry(batch: 1, inChannels: 512, outChannels: 4096, input: size, kernel: [7, 7]).output == [6, 6])
    }

    @Test func leNetAndTDNNShapes() throws {
        // LeNet-5: 32 -conv5-> 28 -pool2-> 14 -conv5-> 10 -pool2-> 5.
        let c1 = try ConvGeometry(batch: 1, inChannels: 1, outChannels: 6, input: [32, 32], kernel: [5, 5])
        let s2 = try ConvGeometry.pooling(batch: 1, channels: 6, input: c1.output, kernel: [2, 2])
        let c3 = try ConvGeometry(batch: 1, inChannels: 6, outChannels: 16, input: s2.output, kernel: [5, 5])
        let s4 = try ConvGeometry.pooling(batch: 1, channels: 16, input: c3.output, kernel: [2, 2])
        #expect([c1.output, s2.output, c3.output, s4.output] == [[28, 28], [14, 14], [10, 10], [5, 5]])
        // TDNN: 15 frames x 16 features -> 13 x 8 (k = 3) -> 9 x 3 (k = 5).
        let t1 = try ConvGeometry(batch: 1, inChannels: 16, outChannels: 8, input: [15], kernel: [3])
        let t2 = try ConvGeometry(batch: 1, inChannels: 8, outChannels: 3, input: t1.output, kernel: [5])
        #expect(t1.outputShape == [1, 8, 13] && t2.outputShape == [1, 3, 9])
        // Global average pooling 7x7x256 -> 256.
        #expect(Tensor(ones: [1, 256, 7, 7]).mean(axes: [2, 3]).shape == [1, 256])
    }

    @Test func paddingModes() throws {
        func geo(_ n: Int, k: Int, s: Int = 1, d: Int = 1, _ p: Padding) throws -> ConvGeometry {
            try ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, input: [n], kernel: [k], stride: [s], dilation: [d], padding: p)
        }
        let same3 = try geo(5, k: 3, .same), same4 = try geo(5, k: 4, .same)
        #expect(same3.output == [5] && same3.padLo == [1] && same3.padHi == [1])
        #expect(same4.output == [5] && same4.padLo == [1] && same4.padHi == [2])
        #expect(try geo(7, k: 3, s: 2, .same).output == [4])
        #expect(try geo(8, k: 3, s: 2, .same).output == [4])
        #expect(try geo(8, k: 1, s: 3, .same).output == [3])
        let causal = try geo(6, k: 3, d: 2, .causal)
        #expect(causal.output == [6] && causal.padLo == [4] && causal.padHi == [0])
        let asym = try geo(6, k: 3, .explicit(lo: [2], hi: [0]))
        #expect(asym.output == [6] && asym.padLo == [2] && asym.padHi == [0])
        #expect(try geo(9, k: 3, d: 3, .valid).output == [3])
        let g3 = try ConvGeometry(batch: 2, inChannels: 4, outChannels: 6, input: [5, 6, 7], kernel: [3, 1, 2], stride: [2, 1, 1],
                                  padding: .valid, groups: 2)
        #expect(g3.outputShape == [2, 6, 2, 6, 6] && g3.weightShape == [6, 2, 3, 1, 2])
    }

    @Test func transposedGeometry() throws {
        // out = (in - 1) * s - 2p + d (k - 1) + 1 + op.
        let t = try ConvGeometry.transposed(batch: 1, inChannels: 4, outChannels: 2, input: [4], kernel: [3], stride: [2],
                                            padding: [1], outputPadding: [1], dilation: [1])
        #expect(t.input == [8] && t.output == [4] && t.inChannels == 2 && t.outChannels == 4)
        let t2 = try ConvGeometry.transposed(batch: 1, inChannels: 2, outChannels: 2, input: [3, 3], kernel: [3, 3], stride: [3, 3],
                                             padding: [0, 0], outputPadding: [2, 2], dilation: [1, 1])
        #expect(t2.input == [11, 11])
        #expect(throws: ShapeError.self) {
            try ConvGeometry.transposed(batch: 1, inChannels: 1, outChannels: 1, input: [4], kernel: [3], stride: [2],
                                        padding: [0], outputPadding: [2], dilation: [1])
        }
    }

    @Test func shapeErrorsNameTheProblem() {
        do {
            _ = try ConvGeometry(batch: 1, inChannels: 3, outChannels: 4, input: [8, 8], kernel: [3, 3], groups: 2)
            Issue.record("3 channels in 2 groups should throw")
        } catch let e as ShapeError {
            #expect(e.description.contains("3") && e.description.contains("groups 2"), "\(e)")
        } catch { Issue.record("unexpected \(error)") }
        do {
            _ = try ConvGeometry(batch: 1, inChannels: 4, outChannels: 3, input: [8], kernel: [3], groups: 2)
            Issue.record("3 output channels in 2 groups should throw")
        } catch let e as ShapeError {
            #expect(e.description.contains("4 -> 3"), "\(e)")
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: ShapeError.self) { try ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, input: [4], kernel: [5]) }
        #expect(throws: ShapeError.self) { try ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, input: [4, 4], kernel: [3]) }
        #expect(throws: ShapeError.self) { try ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, input: [4, 4, 4, 4], kernel: [1, 1, 1, 1]) }
        #expect(throws: ShapeError.self) { try ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, input: [8], kernel: [3], stride: [0]) }
        #expect(throws: ShapeError.self) { try ConvGeometry.pooling(batch: 1, channels: 1, input: [8], kernel: [2], padding: [2]) }
        #expect(throws: ShapeError.self) {
            try ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, input: [8], kernel: [3], padding: .explicit(lo: [1], hi: [-1]))
        }
        #expect(ShapeError("a") == ShapeError("a"))
    }
}
