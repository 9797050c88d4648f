// Regridding, BCSD, verification scores and the PNG writer: small cases with answers worked out by hand.
import Foundation
import Testing
import GridTensor
@testable import GridTasks

@Suite struct RegridTests {
    @Test func coarsenAveragesBlocksAndSkipsNaN() throws {
        let x = Tensor.arange([1, 4, 4])
        let c = try Regrid.coarsen(x, factor: 2)
        #expect(c.shape == [1, 2, 2])
        #expect(c.scalars == [2.5, 4.5, 10.5, 12.5])
        var v = x.scalars; v[0] = .nan; v[1] = .nan; v[4] = .nan; v[5] = .nan
        let withGap = try Regrid.coarsen(Tensor(shape: [1, 4, 4], scalars: v), factor: 2)
        #expect(withGap.scalars[0].isNaN && withGap.scalars[1] == 4.5)
        #expect(throws: ShapeError.self) { try Regrid.coarsen(x, factor: 3) }
    }

    @Test(arguments: Interpolation.allCases)
    func interpolationKeepsConstants(_ m: Interpolation) {
        let f = Regrid.interpolate(Tensor(repeating: 273.15, shape: [2, 3, 5]), height: 12, width: 20, method: m)
        #expect(f.shape == [2, 12, 20])
        #expect(f.scalars.allSatisfy { abs($0 - 273.15) < 1e-3 })
    }

    @Test func bilinearReproducesARampInTheInterior() {
        // x[j] = j on a 1x8 grid -> factor 2: centres at (o + 0.5)/2 - 0.5.
        let ramp = Tensor(shape: [1, 1, 8], scalars: (0..<8).map(Float.init))
        let f = Regrid.interpolate(ramp, height: 1, width: 16, method: .bilinear).scalars
        for o in 1..<15 { #expect(abs(f[o] - (Float(o) + 0.5) / 2 + 0.5) < 1e-5, "o=\(o)") }
    }

    @Test func fillNaNUsesNeighbours() {
        let t = Tensor(shape: [1, 1, 3], scalars: [1, .nan, 3])
        #expect(Regrid.fillNaN(t).scalars == [1, 2, 3])
        #expect(Regrid.fillNaN(Tensor(repeating: .nan, shape: [1, 2, 2])).scalars == [0, 0, 0, 0])
    }

    @Test func fineGridRefinesCellCentres() {
        #expect(FineGrid.refine([0, 10, 20], factor: 2) == [-2.5, 2.5, 7.5, 12.5, 17.5, 22.5])
    }
}

@Suite struct BCSDTests {
    @Test func quantileMapIsIdentityOnSameDistributionAndShiftsOffsets() {
        let s: [Float] = [1, 2, 3, 4, 5]
        #expect(BCSD.quantileMap(3.5, from: s, to: s) == 3.5)
        #expect(BCSD.quantileMap(3.5, from: s, to: s.map { $0 + 10 }) == 13.5)
        // Beyond the training range the end offset is kept.
        #expect(BCSD.quantileMap(8, from: s, to: s.map { $0 * 2 }) == 13)
    }

    @Test func perfectModelReproducesClimatologyPlusAnomaly() throws {
        // Fine truth = a fixed pattern + a uniform seasonal offset: BCSD recovers it exactly.
        var rng = SeededGenerator(seed: 4)
        let pattern = Tensor.normal([8, 8], rng: &rng)
        let offsets: [Float] = [-2, -1, 0, 1, 2, 3]
        let fine = Tensor.stack(offsets.map { pattern + $0 }, axis: 0)
        let coarse = try Regrid.coarsen(fine, factor: 2)
        let b = BCSD(coarseModel: coarse, coarseObs: coarse, fineObs: fine)
        let p = b.predict(coarse)
        #expect(Metrics.scores(prediction: p, truth: fine).rmse < 1e-4)
    }
}

@Suite struct MetricsTests {
    @Test func scoresOfAKnownError() {
        let truth = Tensor(shape: [1, 2, 2], scalars: [0, 1, 2, .nan])
        let pred = Tensor(shape: [1, 2, 2], scalars: [1, 2, 3, 100])
        let s = Metrics.scores(prediction: pred, truth: truth)
        #expect(s.points == 3)
        #expect(abs(s.rmse - 1) < 1e-12 && abs(s.bias - 1) < 1e-12 && abs(s.mae - 1) < 1e-12)
        #expect(abs(s.corr - 1) < 1e-9)
        #expect(abs(s.psnr - 20 * log10(2.0)) < 1e-9)
    }

    @Test func ssimIsOneForIdenticalFieldsAndLowerOtherwise() {
        var rng = SeededGenerator(seed: 1)
        let a = Tensor.normal([1, 16, 16], rng: &rng), b = Tensor.normal([1, 16, 16], rng: &rng)
        #expect(abs(Metrics.ssim(a, a, range: 6) - 1) < 1e-9)
        #expect(Metrics.ssim(a, b, range: 6) < 0.5)
    }
}
