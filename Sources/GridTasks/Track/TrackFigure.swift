// The tracks drawn over the time-mean sea-level pressure (each track a coloured line from a square at its first
// point), beside the track density: the number of track points per grid cell.
import Foundation
import GridTensor
import GridIO

public enum TrackFigure {
    static let colours: [(UInt8, UInt8, UInt8)] = [(255, 0, 255), (0, 0, 0), (255, 255, 255), (0, 160, 0), (255, 140, 0), (0, 200, 255)]

    /// Track points per grid cell, row-major [H*W] (points without grid indices are left out).
    public static func density(_ tracks: [Track], grid g: LatLonGrid) -> [Float] {
        var d = [Float](repeating: 0, count: g.height * g.width)
        for p in tracks.flatMap(\.points) where p.row >= 0 && p.column >= 0 { d[p.row * g.width + p.column] += 1 }
        return d
    }

    /// `meanPSL` in Pa, [H*W].
    public static func write(_ path: String, tracks: [Track], meanPSL: [Float], grid g: LatLonGrid, steps: Int) throws {
        let (h, w) = (g.height, g.width)
        let zoom = h < 64 ? 8 : h < 128 ? 3 : 1
        let ascending = h > 1 && g.lat[1] > g.lat[0]
        let panels = [FieldPanel(title: "MEAN PSL HPA, \(tracks.count) TRACKS", field: Tensor(shape: [h, w], scalars: meanPSL.map { $0 / 100 })),
                      FieldPanel(title: "TRACK POINTS PER CELL, \(steps) STEPS", field: Tensor(shape: [h, w], scalars: density(tracks, grid: g)))]
        var img = FieldFigure.render(panels, columns: 2, zoom: zoom, latitudeAscending: ascending)
        // The first panel's map starts at (10, 22) (FieldFigure's margin and title line).
        func pixel(_ p: TrackPoint) -> (Int, Int) {
            (10 + p.column * zoom + zoom / 2, 22 + (ascending ? h - 1 - p.row : p.row) * zoom + zoom / 2)
        }
        for (k, t) in tracks.enumerated() {
            let c = colours[k % colours.count]
            let points = t.points.filter { $0.row >= 0 && $0.column >= 0 }
            for (a, b) in zip(points, points.dropFirst()) where abs(a.column - b.column) < w / 2 {   // not across the wrap
                line(&img, pixel(a), pixel(b), c)
            }
            if let first = points.first {
                let (x, y) = pixel(first)
                for dx in -2...2 { for dy in -2...2 { img.set(x + dx, y + dy, c) } }
            }
        }
        try writeFileAtomically(img.pngData(), to: path)
    }

    /// A two-pixel-wide straight line.
    static func line(_ img: inout RGBImage, _ a: (Int, Int), _ b: (Int, Int), _ c: (UInt8, UInt8, UInt8)) {
        let n = max(abs(b.0 - a.0), abs(b.1 - a.1), 1)
        for s in 0...n {
            let x = a.0 + (b.0 - a.0) * s / n, y = a.1 + (b.1 - a.1) * s / n
            img.set(x, y, c); img.set(x + 1, y, c); img.set(x, y + 1, c)
        }
    }
}
