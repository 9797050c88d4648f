// Canonical jet-image orientation (invariance under the square's symmetries, the conventions it ends in) and the
// data contract of classification checkpoints: energy units converted, a non-energy unit and another pixel size
// refused in one line, a mean image unlike training warned about, old checkpoints without a contract.
import Foundation
import Testing
import GridTensor
import GridIO
import GridTrain
@testable import GridTasks

/// Row-major image transforms: the symmetries of the square pixel grid.
enum Square {
    static func transpose(_ x: [Float], _ n: Int) -> [Float] { (0..<(n * n)).map { x[($0 % n) * n + $0 / n] } }
    static func mirror(_ x: [Float], _ n: Int) -> [Float] { (0..<(n * n)).map { x[($0 / n) * n + n - 1 - $0 % n] } }
    static func flip(_ x: [Float], _ n: Int) -> [Float] { (0..<(n * n)).map { x[(n - 1 - $0 / n) * n + $0 % n] } }
    static func quarterTurn(_ x: [Float], _ n: Int) -> [Float] { mirror(transpose(x, n), n) }
    static let all: [(String, ([Float], Int) -> [Float])] = [
        ("transposed", transpose), ("mirrored", mirror), ("flipped", flip), ("quarter turn", quarterTurn),
        ("half turn", { flip(mirror($0, $1), $1) }), ("three quarter turns", { quarterTurn(quarterTurn(quarterTurn($0, $1), $1), $1) }),
    ]
    static func each(_ images: Tensor, _ f: ([Float], Int) -> [Float]) -> Tensor {
        let n = images.shape[1], area = n * n, v = images.contiguous().scalars
        return Tensor(shape: images.shape, scalars: (0..<images.shape[0]).flatMap { f(Array(v[($0 * area)..<(($0 + 1) * area)]), n) })
    }
}

@Suite struct JetCanonicalTests {
    /// Jet-like images: a leading blob off centre and two softer ones in random directions.
    static func images(_ count: Int, size n: Int = 25, seed: UInt64 = 3) -> [[Float]] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in
            var x = [Float](repeating: 0, count: n * n)
            let (r0, c0) = (n / 2 + Int(rng.next() % 5) - 2, n / 2 + Int(rng.next() % 5) - 2)
            x[r0 * n + c0] = 80 + 40 * rng.nextUniform()
            for _ in 0..<2 {
                let a = Double(rng.nextUniform()) * 2 * .pi, d = 2 + 5 * Double(rng.nextUniform())
                let (r, c) = (r0 + Int((d * sin(a)).rounded()), c0 + Int((d * cos(a)).rounded()))
                if r >= 0 && r < n && c >= 0 && c < n { x[r * n + c] += 10 + 30 * rng.nextUniform() }
            }
            for _ in 0..<6 { x[(r0 + Int(rng.next() % 11) - 5) * n + c0 + Int(rng.next() % 11) - 5] += 3 * rng.nextUniform() }
            return x
        }
    }

    @Test func everySymmetryOfTheSquareGivesTheSameCanonicalImage() {
        let n = 25
        for img in Self.images(40) {
            let c = JetCanonical.canonical(img, height: n, width: n)
            for (name, f) in Square.all {
                let d = JetCanonical.canonical(f(img, n), height: n, width: n)
                let worst = zip(c, d).map { abs($0 - $1) }.max()!
                #expect(worst < 1e-3 * c.max()!, "\(name): differs by \(worst)")
            }
        }
    }

    @Test func canonicalImagesFollowTheConventions() {
        let n = 25, mid = 12
        for img in Self.images(40, seed: 9) {
            let c = JetCanonical.canonical(img, height: n, width: n)
            #expect(c.indices.max { c[$0] < c[$1] } == mid * n + mid, "leading pixel at the centre")
            var sxx = 0.0, syy = 0.0, sxy = 0.0, above = 0.0, below = 0.0, left = 0.0, right = 0.0
            for r in 0..<n { for col in 0..<n {
                let p = Double(c[r * n + col]), u = Double(col - mid), v = Double(mid - r)
                sxx += p * u * u; syy += p * v * v; sxy += p * u * v
                if r < mid { above += p } else if r > mid { below += p }
                if col < mid { left += p } else if col > mid { right += p }
            } }
            #expect(abs(sxy) < 1e-4 * (sxx + syy) && syy >= sxx, "principal axis vertical")
            #expect(below >= above && right >= left, "heavier half below and right")
            // Rotation keeps the summed pT (these images stay inside the window).
            let (before, after): (Float, Float) = (img.reduce(0, +), c.reduce(0, +))
            #expect(abs(after - before) < 1e-4 * before)
        }
    }

    @Test func anImageAlreadyCanonicalIsLeftAsItIs() {
        let n = 25
        var x = [Float](repeating: 0, count: n * n)
        x[12 * n + 12] = 100; x[16 * n + 12] = 30; x[12 * n + 14] = 1; x[11 * n + 12] = 0.5
        #expect(JetCanonical.canonical(x, height: n, width: n) == x)
    }
}

@Suite struct ClassifyContractTests {
    /// A jet file with the attributes the generator writes.
    static func write(_ d: JetTempDir, _ name: String, images: Tensor, labels: [Int], units: String? = "GeV (summed constituent pT per pixel)",
                      pixel: [Double]? = [0.1, 0.1], mass: [Float], tau21: [Float]) throws -> String {
        let p = d.path(name)
        let w = try HDF5Writer(path: p, overwrite: true)
        try w.writeDataset("images", images)
        try w.writeDataset("labels", ints: labels.map { Int64($0) }, shape: [labels.count])
        try w.writeDataset("mass", Tensor(shape: [mass.count], scalars: mass))
        try w.writeDataset("tau21", Tensor(shape: [tau21.count], scalars: tau21))
        if let units { try w.setAttribute("image_units", .string(units)) }
        if let pixel { try w.setAttribute("pixel_size", .doubles(pixel)) }
        try w.finish()
        return p
    }

    static func scores(_ model: String, _ input: String, _ d: JetTempDir, _ name: String) throws -> ([Float], ContractCheck) {
        var a = ClassifyApplyRequest(model: model, input: input, output: d.path(name))
        a.output.quiet = true
        let rep = try ClassifyApplying.run(a)
        return (try HDF5File(path: d.path(name)).readTensor("scores").scalars, rep.contract)
    }

    @Test func unitsAreConvertedOrientationsScoreTheSameAndForeignFilesAreRefused() throws {
        let d = try JetTempDir()
        let j = syntheticJets(300)
        let input = try Self.write(d, "jets.h5", images: j.images, labels: j.labels, mass: j.mass, tau21: j.tau21)
        var r = ClassifyTrainRequest(input: input, output: d.path("cnn.h5"))
        r.width = 2; r.run.options.epochs = 1; r.run.options.batchSize = 32; r.run.quiet = true
        _ = try ClassifyTraining.run(r)
        let spec = try Checkpoint.load(d.path("cnn.h5")).spec(ClassifySpec.self)
        let c = try #require(spec.dataContract)
        #expect(spec.canonical && c.pixelSize == [0.1, 0.1] && c.imageShape == [25, 25] && c.meanImage?.count == 625)
        #expect(c.channels.map(\.name) == ["pixel_pt", "image_pt"] && c.variables.first?.units == "GeV")

        let (reference, check) = try Self.scores(d.path("cnn.h5"), input, d, "s0.h5")
        #expect(check.adaptations.isEmpty && check.warnings.isEmpty && check.meanImageCorrelation! > 0.999)

        // MeV: converted, same scores.
        let mev = try Self.write(d, "mev.h5", images: j.images * 1000, labels: j.labels, units: "MeV", mass: j.mass, tau21: j.tau21)
        let (s1, c1) = try Self.scores(d.path("cnn.h5"), mev, d, "s1.h5")
        #expect(c1.adaptations == ["images converted from MeV to GeV (x0.001)"])
        #expect(zip(s1, reference).allSatisfy { abs($0 - $1) < 1e-4 })
        // Transposed and rotated images: canonical orientation gives the same scores.
        for (name, f) in Square.all {
            let path = try Self.write(d, "t.h5", images: Square.each(j.images, f), labels: j.labels, mass: j.mass, tau21: j.tau21)
            let (s, cc) = try Self.scores(d.path("cnn.h5"), path, d, "st.h5")
            #expect(zip(s, reference).allSatisfy { abs($0 - $1) < 1e-3 }, "\(name)")
            #expect(cc.warnings.isEmpty, "\(name)")
            try FileManager.default.removeItem(atPath: d.path("st.h5"))
        }
        // Not an energy; another pixel size: refused in one line.
        let metres = try Self.write(d, "m.h5", images: j.images, labels: j.labels, units: "m", mass: j.mass, tau21: j.tau21)
        #expect { _ = try Self.scores(d.path("cnn.h5"), metres, d, "s2.h5") } throws: { e in
            "\(e)".contains("images are in 'm', not an energy per pixel") && !"\(e)".contains("\n")
        }
        let fine = try Self.write(d, "f.h5", images: j.images, labels: j.labels, pixel: [0.05, 0.05], mass: j.mass, tau21: j.tau21)
        #expect { _ = try Self.scores(d.path("cnn.h5"), fine, d, "s3.h5") } throws: { e in
            "\(e)".contains("pixels are 0.05 x 0.05 but the model was trained on 0.1 x 0.1")
        }
        #expect(!FileManager.default.fileExists(atPath: d.path("s2.h5")) && !FileManager.default.fileExists(atPath: d.path("s3.h5")))
        // Without attributes: assumed, and said so.
        let bare = try Self.write(d, "b.h5", images: j.images, labels: j.labels, units: nil, pixel: nil, mass: j.mass, tau21: j.tau21)
        #expect(try Self.scores(d.path("cnn.h5"), bare, d, "s4.h5").1.skipped.count == 2)
    }

    @Test func aModelInTheFilesOrientationWarnsAboutTransposedImages() throws {
        let d = try JetTempDir()
        let j = syntheticJets(300)
        let input = try Self.write(d, "jets.h5", images: j.images, labels: j.labels, mass: j.mass, tau21: j.tau21)
        var r = ClassifyTrainRequest(input: input, output: d.path("plain.h5"))
        r.canonical = false; r.width = 2; r.run.options.epochs = 1; r.run.options.batchSize = 32; r.run.quiet = true
        _ = try ClassifyTraining.run(r)
        let t = try Self.write(d, "t.h5", images: Square.each(j.images, Square.transpose), labels: j.labels, mass: j.mass, tau21: j.tau21)
        let (_, check) = try Self.scores(d.path("plain.h5"), t, d, "s.h5")
        #expect(check.meanImageCorrelation! < ContractCheck.meanImageCorrelationLimit)
        #expect(check.warnings.contains { $0.contains("mean image correlates") })
        var e = ClassifyEvaluateRequest(model: d.path("plain.h5"), input: t)
        e.quiet = true
        let ev = try ClassifyEvaluating.run(e)
        // Its 60 test jets are too few for a mean image: said so.
        #expect(ev.selection == "test split" && ClassifyEvaluating.table(ev).contains("too few to compare their mean image"))

        // An old checkpoint (no contract, no orientation flag) still applies and says what it skips.
        var ck = try Checkpoint.load(d.path("plain.h5"))
        var spec = try ck.spec(ClassifySpec.self)
        spec.dataContract = nil; spec.canonicalOrientation = nil
        ck.taskSpec = try jsonString(spec)
        try ck.save(to: d.path("old.h5"))
        let (old, oc) = try Self.scores(d.path("old.h5"), input, d, "o.h5")
        #expect(old.count == 300 && oc.skipped.first?.contains("no data contract") == true)
        // Energy units are converted for it too (every classifier was trained on GeV).
        let mev = try Self.write(d, "mev.h5", images: j.images * 1000, labels: j.labels, units: "MeV", mass: j.mass, tau21: j.tau21)
        let (oldMeV, om) = try Self.scores(d.path("old.h5"), mev, d, "om.h5")
        #expect(om.adaptations.count == 1 && zip(oldMeV, old).allSatisfy { abs($0 - $1) < 1e-4 })
    }
}
