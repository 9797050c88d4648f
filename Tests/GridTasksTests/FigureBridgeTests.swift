// The jobs' side of figures: a field's grid is read as the file describes it (lat/lon, rotated pole), and training
// curves are written for a finished run and refused early for a path that cannot be written.
import Foundation
import Testing
import GridPlot
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
