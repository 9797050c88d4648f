// Side-by-side maps of 2-D fields with a shared or own colour scale, titles and colour bars: how a scientist
// checks a downscaling or a detection at a glance.
import Foundation
import GridTensor

public struct FieldPanel {
    public var title: String
    public var field: Tensor          // [H, W], row 0 drawn at the bottom when southUp (latitude ascending)
    public var range: (Float, Float)?
    public var diverging: Bool
    public var overlay: Tensor?       // optional [H, W] class mask drawn as coloured outlines

    public init(title: String, field: Tensor, range: (Float, Float)? = nil, diverging: Bool = false, overlay: Tensor? = nil) {
        self.title = title; self.field = field; self.range = range; self.diverging = diverging; self.overlay = overlay
    }
}

public enum FieldFigure {
    /// Renders panels in a row (wrapping after `columns`), each scaled by `zoom`; NaN is grey.
    /// `latitudeAscending` flips rows so north is up.
    public static func render(_ panels: [FieldPanel], columns: Int = 4, zoom: Int = 2, latitudeAscending: Bool = true) -> RGBImage {
        let h = panels.map { $0.field.shape[0] }.max() ?? 1, w = panels.map { $0.field.shape[1] }.max() ?? 1
        let cols = min(columns, panels.count), rows = (panels.count + cols - 1) / cols
        let cellW = w * zoom + 20, cellH = h * zoom + 50
        var img = RGBImage(width: cols * cellW + 10, height: rows * cellH + 10)
        for (k, p) in panels.enumerated() {
            let ox = 10 + (k % cols) * cellW, oy = 10 + (k / cols) * cellH
            img.drawText(p.title, x: ox, y: oy)
            let v = p.field.scalars, ph = p.field.shape[0], pw = p.field.shape[1]
            let valid = v.filter { !$0.isNaN }
            var (lo, hi) = p.range ?? (valid.min() ?? 0, valid.max() ?? 1)
            if p.diverging && p.range == nil { let m = max(abs(lo), abs(hi)); lo = -m; hi = m }
            if hi <= lo { hi = lo + 1 }
            let mask = p.overlay?.scalars
            for i in 0..<ph { for j in 0..<pw {
                let row = latitudeAscending ? ph - 1 - i : i
                let x = v[i * pw + j]
                var c = x.isNaN ? (160, 160, 160) as (UInt8, UInt8, UInt8) : colour((x - lo) / (hi - lo), diverging: p.diverging)
                if let mask, mask[i * pw + j] > 0 {
                    // Outline: a class pixel with a neighbour of another class.
                    let cls = mask[i * pw + j]
                    let edge = [(0, 1), (0, -1), (1, 0), (-1, 0)].contains { di, dj in
                        let ii = i + di, jj = j + dj
                        return ii < 0 || ii >= ph || jj < 0 || jj >= pw || mask[ii * pw + jj] != cls
                    }
                    if edge { c = cls == 1 ? (255, 0, 255) : (0, 0, 0) }
                }
                for dy in 0..<zoom { for dx in 0..<zoom { img.set(ox + j * zoom + dx, oy + 12 + row * zoom + dy, c) } }
            } }
            // Colour bar with its end values.
            let barY = oy + 14 + ph * zoom
            for x in 0..<(pw * zoom) {
                let c = colour(Float(x) / Float(max(pw * zoom - 1, 1)), diverging: p.diverging)
                for dy in 0..<6 { img.set(ox + x, barY + dy, c) }
            }
            img.drawText(format(lo), x: ox, y: barY + 9)
            let hiText = format(hi)
            img.drawText(hiText, x: ox + pw * zoom - RGBImage.textWidth(hiText), y: barY + 9)
        }
        return img
    }

    static func format(_ v: Float) -> String {
        abs(v) >= 1000 || (abs(v) < 0.01 && v != 0) ? String(format: "%.2e", Double(v)) : String(format: "%.2f", Double(v))
    }

    /// Perceptually ordered sequential map (viridis-like) or blue-white-red for signed errors; t in [0, 1].
    public static func colour(_ t: Float, diverging: Bool) -> (UInt8, UInt8, UInt8) {
        let u = min(max(t.isNaN ? 0 : t, 0), 1)
        let stops: [(Float, Float, Float)] = diverging
            ? [(0.02, 0.19, 0.38), (0.26, 0.58, 0.76), (0.97, 0.97, 0.97), (0.84, 0.38, 0.30), (0.40, 0.0, 0.12)]
            : [(0.27, 0.0, 0.33), (0.23, 0.32, 0.55), (0.13, 0.57, 0.55), (0.37, 0.79, 0.38), (0.99, 0.91, 0.14)]
        let pos = u * Float(stops.count - 1)
        let i = min(Int(pos), stops.count - 2), f = pos - Float(i)
        let a = stops[i], b = stops[i + 1]
        func mix(_ x: Float, _ y: Float) -> UInt8 { UInt8(max(0, min(255, (x + (y - x) * f) * 255))) }
        return (mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
    }
}
