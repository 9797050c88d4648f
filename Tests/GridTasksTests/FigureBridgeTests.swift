// The jobs' side of figures: a field's grid is read as the file describes it (lat/lon, rotated pole), and training
// curves are written for a finished run and refused early for a path that cannot be written.
import Foundation
import Testing
import GridPlot
import GridTensor
@testable import GridTrain
@testable import GridTasks

@Suite struct FigureBridgeTests {
    @Test func gridsAreReadAsTheFileDescribesThem() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let climate = try FieldLoader.load(root.appendingPathComponent("datasets/climate/tas_rectilinear_grid_2D.nc").path, variable: "tas", readData: false)
        let g = PlotGrid.of(climate)
        #expect(g.axes == .geographic && g.columns == 192 && g.rows == 96)
        #expect(FigureText.label(climate.variable) == "Near-Surface Air Temperature (K)")
        let eur = "/usr/share/ncarg/data/nug/tas_rotated_grid_EUR11.nc"
        guard FileManager.default.fileExists(atPath: eur) else { print("skipped: \(eur) absent"); return }
        let r = PlotGrid.of(try FieldLoader.load(eur, variable: "tas", readData: false))
        #expect(r.axes == .rotatedPole(latitude: 39.25, longitude: -162) && r.columns == 424 && r.rows == 412)
    }

    /// The downscaling figure on a rotated-pole field (NCL's EUR-11 sample): seven panels, a decodable PNG.
    @Test func downscalingMapsOnARotatedPoleGrid() throws {
        let eur = "/usr/share/ncarg/data/nug/tas_rotated_grid_EUR11.nc"
        guard FileManager.default.fileExists(atPath: eur) else { print("skipped: \(eur) absent"); return }
        let field = try FieldLoader.load(eur, variable: "tas")
        let truth = field.data
        var rng = SeededGenerator(seed: 3)
        let noisy = { (s: Float) in truth + Tensor.normal(truth.shape, std: s, rng: &rng) }
        let predictions = ["bicubic": noisy(2), "bcsd": noisy(1), "cnn": noisy(0.5)]
        let dir = ProcessInfo.processInfo.environment["GRIDPLOT_FIGURES"] ?? FileManager.default.temporaryDirectory.path
        let path = dir + "/eur11-downscale-\(UUID().uuidString.prefix(8)).png"
        defer { if ProcessInfo.processInfo.environment["GRIDPLOT_FIGURES"] == nil { try? FileManager.default.removeItem(atPath: path) } }
        try DownscaleEvaluating.writeFigure(path, truth: truth, predictions: predictions, step: 0, field: field, factor: 4)
        let png = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(png.prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }
        #expect(width > 4 * 400, "four panels across")
    }

    @Test func trainingCurvesAreWrittenAndBadPathsRefusedFirst() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curves-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let history = (1...5).map { EpochRecord(epoch: $0, trainLoss: 1 / Double($0), validationScore: 0.5 + abs(Double($0) - 3) * 0.1, seconds: 1) }
        let summary = TrainingSummary(epochs: 5, steps: 100, bestEpoch: 3, bestValidationScore: 0.5, stoppedEarly: false, history: history,
                                      seconds: 5, seed: 0, checkpoint: "m.h5", resumedFrom: nil)
        let path = dir.appendingPathComponent("curves.png").path
        try TrainingFigure.write(path, summary: summary, task: "test", metric: "RMSE (K)", baselines: [("bicubic", 0.9)])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8) == Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]))
        #expect(throws: TaskError.self) { try Figure.check(dir.appendingPathComponent("curves.jpg").path) }
        #expect(throws: TaskError.self) { try Figure.check("/nonexistent-dir/curves.png") }
    }
}
