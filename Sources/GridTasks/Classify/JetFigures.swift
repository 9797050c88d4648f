// Figures of a jet-classification evaluation, as PNG written atomically: ROC curves drawn as in de Oliveira et al.
// (signal efficiency across, background rejection 1/eps_B up on a log axis, one colour per method, a legend with
// each AUC, the random-guess line 1/eps_S dashed), and the average signal image, average background image and
// their difference.
import Foundation
import GridIO
import GridTensor

public enum JetFigures {
    static let colours: [String: (UInt8, UInt8, UInt8)] = [
        "cnn": (214, 39, 40), "maxout": (148, 103, 189), "mass_tau21": (31, 119, 180), "mass": (44, 160, 44), "tau21": (255, 127, 14),
    ]
    static let labels: [String: String] = [
        "cnn": "CNN", "maxout": "MAXOUT", "mass_tau21": "MASS + TAU21", "mass": "MASS WINDOW", "tau21": "TAU21",
    ]

    /// The ROC figure: curves in the given order.
    public static func writeROC(_ path: String, curves: [(String, [ROCPoint])], methods: [String: MethodScores], title: String) throws {
        try writeFileAtomically(renderROC(curves: curves, methods: methods, title: title).pngData(), to: path)
    }

    public static func renderROC(curves: [(String, [ROCPoint])], methods: [String: MethodScores], title: String) -> RGBImage {
        let width = 760, height = 560
        let left = 70, right = width - 30, top = 56, bottom = height - 60
        var img = RGBImage(width: width, height: height)
        // Highest decade: enough for the best curve at signal efficiency >= 0.1, between 10^2 and 10^4.
        var maxRejection = 10.0
        for (_, c) in curves { for p in c where p.signal >= 0.1 && p.background > 0 { maxRejection = max(maxRejection, 1 / p.background) } }
        let decades = min(4, max(2, Int(Foundation.log10(maxRejection).rounded(.up))))
        func px(_ eff: Double) -> Double { Double(left) + eff * Double(right - left) }
        func py(_ rejection: Double) -> Double {
            Double(bottom) - Foundation.log10(max(rejection, 1)) / Double(decades) * Double(bottom - top)
        }
        let grid: (UInt8, UInt8, UInt8) = (225, 225, 225), axis: (UInt8, UInt8, UInt8) = (0, 0, 0)
        // Grid: every 0.1 in efficiency, every decade (and 2x, 5x lightly) in rejection.
        for k in 0...10 { line(&img, px(Double(k) / 10), Double(top), px(Double(k) / 10), Double(bottom), grid) }
        for d in 0..<decades {
            for m in [2.0, 5.0] {
                let y = py(m * Foundation.pow(10, Double(d)))
                dashed(&img, Double(left), y, Double(right), y, (238, 238, 238), on: 2, off: 3)
            }
        }
        for d in 0...decades { line(&img, Double(left), py(Foundation.pow(10, Double(d))), Double(right), py(Foundation.pow(10, Double(d))), grid) }
        // Axes, ticks and labels.
        line(&img, Double(left), Double(bottom), Double(right), Double(bottom), axis)
        line(&img, Double(left), Double(top), Double(left), Double(bottom), axis)
        for k in 0...5 {
            let x = px(Double(k) / 5)
            line(&img, x, Double(bottom), x, Double(bottom + 5), axis)
            let t = String(format: "%.1f", Double(k) / 5)
            img.drawText(t, x: Int(x) - RGBImage.textWidth(t) / 2, y: bottom + 9)
        }
        for d in 0...decades {
            let y = py(Foundation.pow(10, Double(d)))
            line(&img, Double(left - 5), y, Double(left), y, axis)
            let t = String(Int(Foundation.pow(10, Double(d))))
            img.drawText(t, x: left - 8 - RGBImage.textWidth(t), y: Int(y) - 3)
        }
        let xTitle = "SIGNAL EFFICIENCY"
        img.drawText(xTitle, x: (left + right) / 2 - RGBImage.textWidth(xTitle, scale: 2) / 2, y: bottom + 26, scale: 2)
        img.drawText("BACKGROUND REJECTION 1/EPS_B (LOG)", x: left - 40, y: top - 16)
        img.drawText(title, x: left - 40, y: 10, scale: 2)
        // Random guess: eps_B = eps_S.
        var previous: (Double, Double)?
        for i in 0...300 {
            let e = 0.01 + 0.99 * Double(i) / 300, q = (px(e), py(1 / e))
            if let p = previous, (i / 4) % 2 == 0 { line(&img, p.0, p.1, q.0, q.1, (150, 150, 150), clip: (left, top, right, bottom)) }
            previous = q
        }
        // The curves, from signal efficiency 0.02 on (below that, a few hundred test jets say little).
        for (name, c) in curves {
            let colour = colours[name] ?? (0, 0, 0)
            var previous: (Double, Double)?
            for p in c where p.signal >= 0.02 {
                guard p.background > 0 else { previous = nil; continue }
                let q = (px(p.signal), py(1 / p.background))
                if let a = previous { thickLine(&img, a.0, a.1, q.0, q.1, colour, clip: (left, top, right, bottom)) }
                previous = q
            }
        }
        // Legend, top right.
        let rowH = 16, boxW = 230, boxH = 10 + rowH * curves.count
        let bx = right - boxW - 8, by = top + 8
        for y in by..<(by + boxH) { for x in bx..<(bx + boxW) { img.set(x, y, (255, 255, 255)) } }
        line(&img, Double(bx), Double(by), Double(bx + boxW), Double(by), axis)
        line(&img, Double(bx), Double(by + boxH), Double(bx + boxW), Double(by + boxH), axis)
        line(&img, Double(bx), Double(by), Double(bx), Double(by + boxH), axis)
        line(&img, Double(bx + boxW), Double(by), Double(bx + boxW), Double(by + boxH), axis)
        for (k, (name, _)) in curves.enumerated() {
            let y = by + 8 + k * rowH
            thickLine(&img, Double(bx + 8), Double(y + 3), Double(bx + 34), Double(y + 3), colours[name] ?? (0, 0, 0), clip: nil)
            let auc = methods[name].map { String(format: "AUC %.3f", $0.auc) } ?? ""
            img.drawText("\(labels[name] ?? name.uppercased())", x: bx + 42, y: y)
            img.drawText(auc, x: bx + boxW - 8 - RGBImage.textWidth(auc), y: y)
        }
        return img
    }

    /// Average signal image, average background image (log10 of the mean pT per pixel, shared scale) and the
    /// difference of the means (GeV, diverging scale clipped at the 98th percentile of |difference|).
    public static func writeAverageImages(_ path: String, images: Tensor, labels: [Int], rows: [Int]) throws {
        let h = images.shape[1], w = images.shape[2], area = h * w
        var sums = [[Double]](repeating: [Double](repeating: 0, count: area), count: 2), counts = [0, 0]
        images.contiguous().withUnsafeBufferPointer { p in
            for r in rows {
                let c = labels[r] == 1 ? 1 : 0
                counts[c] += 1
                for k in 0..<area { sums[c][k] += Double(p[r * area + k]) }
            }
        }
        let means = (0..<2).map { c in sums[c].map { $0 / Double(max(counts[c], 1)) } }
        let floor = 1e-3
        let logs = means.map { m in Tensor(shape: [h, w], scalars: m.map { Float(Foundation.log10(max($0, floor))) }) }
        let lo = min(logs[0].scalars.min() ?? 0, logs[1].scalars.min() ?? 0), hi = max(logs[0].scalars.max() ?? 1, logs[1].scalars.max() ?? 1)
        let diff = zip(means[1], means[0]).map { Float($0 - $1) }
        let sortedAbs = diff.map { abs($0) }.sorted()
        let clip = max(sortedAbs[min(sortedAbs.count - 1, Int(0.98 * Double(sortedAbs.count)))], 1e-6)
        let panels = [
            FieldPanel(title: "SIGNAL (\(counts[1])): LOG10 MEAN PT", field: logs[1], range: (lo, hi)),
            FieldPanel(title: "BACKGROUND (\(counts[0])): LOG10 MEAN PT", field: logs[0], range: (lo, hi)),
            FieldPanel(title: "SIGNAL - BACKGROUND, GEV", field: Tensor(shape: [h, w], scalars: diff), range: (-clip, clip), diverging: true),
        ]
        let zoom = max(1, min(10, 250 / max(h, w)))
        try writeFileAtomically(FieldFigure.render(panels, columns: 3, zoom: zoom, latitudeAscending: false).pngData(), to: path)
    }

    // MARK: - drawing

    static func plot(_ img: inout RGBImage, _ x: Int, _ y: Int, _ c: (UInt8, UInt8, UInt8), clip: (Int, Int, Int, Int)?) {
        if let (l, t, r, b) = clip, x < l || x > r || y < t || y > b { return }
        img.set(x, y, c)
    }

    static func line(_ img: inout RGBImage, _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: (UInt8, UInt8, UInt8),
                     clip: (Int, Int, Int, Int)? = nil, thick: Bool = false) {
        let n = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        for i in 0...n {
            let t = Double(i) / Double(n)
            let x = Int((x0 + (x1 - x0) * t).rounded()), y = Int((y0 + (y1 - y0) * t).rounded())
            plot(&img, x, y, c, clip: clip)
            if thick { plot(&img, x + 1, y, c, clip: clip); plot(&img, x, y + 1, c, clip: clip); plot(&img, x + 1, y + 1, c, clip: clip) }
        }
    }

    static func thickLine(_ img: inout RGBImage, _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: (UInt8, UInt8, UInt8),
                          clip: (Int, Int, Int, Int)?) {
        line(&img, x0, y0, x1, y1, c, clip: clip, thick: true)
    }

    /// A dashed straight line.
    static func dashed(_ img: inout RGBImage, _ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, _ c: (UInt8, UInt8, UInt8),
                       on: Int, off: Int, clip: (Int, Int, Int, Int)? = nil) {
        let n = max(1, Int(max(abs(x1 - x0), abs(y1 - y0)).rounded(.up)))
        for i in 0...n where i % (on + off) < on {
            let t = Double(i) / Double(n)
            plot(&img, Int((x0 + (x1 - x0) * t).rounded()), Int((y0 + (y1 - y0) * t).rounded()), c, clip: clip)
        }
    }
}
