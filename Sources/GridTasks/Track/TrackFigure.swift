// The tracks drawn over the time-mean sea-level pressure (each track a line in its own colour from a dot at its
// first point, through the date line where it crosses it), beside the track density: track points per grid cell.
import Foundation
import GridIO
import GridPlot

enum TrackFigure {
    /// Track points per grid cell, row-major [H*W] (points without grid indices are left out).
    static func density(_ tracks: [Track], grid g: LatLonGrid) -> [Float] {
        var d = [Float](repeating: 0, count: g.height * g.width)
        for p in tracks.flatMap(\.points) where p.row >= 0 && p.column >= 0 { d[p.row * g.width + p.column] += 1 }
        return d
    }

    /// `meanPSL` in Pa, [H*W].
    static func write(_ path: String, tracks: [Track], meanPSL: [Float], grid g: LatLonGrid, steps: Int) throws {
        let grid = PlotGrid(g)
        var pressure = FieldPanel(title: "\(tracks.count) track\(tracks.count == 1 ? "" : "s") over the mean pressure", values: meanPSL.map { $0 / 100 },
                                  grid: grid, label: "time-mean sea-level pressure (hPa)")
        // Track colours that stand out on viridis: magenta, white, orange, red, cyan, black.
        let colours = [RGB(1, 0, 1), RGB(1, 1, 1), RGB(1, 0.55, 0), RGB(0.9, 0.1, 0.1), RGB(0, 0.85, 1), RGB(0, 0, 0)]
        pressure.paths = tracks.enumerated().map { k, t in MapPath(points: t.points.map { (lat: $0.lat, lon: $0.lon) }, colour: colours[k % colours.count]) }
        pressure.legend = [LegendItem("track (dot: first point)", colour: colours[0], kind: .line)]
        let density = FieldPanel(title: "Track density", values: density(tracks, grid: g), grid: grid, colourMap: .counts,
                                 label: "track points per grid cell (\(steps) steps)")
        try Figure(panels: [pressure, density], columns: 2).write(to: path)
    }
}
