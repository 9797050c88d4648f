// Radially averaged power spectra: how much variance each method puts at each spatial scale. Interpolation and
// smooth CNNs lose power at the smallest scales; a field with invented noise gains it. Per step the field's mean is
// removed (missing points take that mean), the 2-D DFT's power |F|^2 is averaged over rings of equal normalised
// frequency sqrt((ky/H)^2 + (kx/W)^2) (cycles per grid cell, bins 1/min(H, W) wide so that every ring holds modes of
// both axes, up to 0.5) and over the steps. The mean (ring 0) is left out.
import Foundation
import GridTensor
import GridIO
import GridPlot

/// Radially averaged power spectra (mean over up to 32 scored steps) of the truth and each method; reported in
/// `DownscaleEvaluation.spectra`.
public struct PowerSpectra: Codable {
    /// Ring centres in cycles per fine grid cell (wavelength = 1 / frequency cells).
    public var frequencies: [Double]
    /// The truth's power per ring (at `frequencies`).
    public var truth: [Double]
    /// Each method's power per ring.
    public var methods: [String: [Double]]
    /// Power of each method over the truth's, summed over the smaller-scale half of the rings (frequency > 0.25):
    /// 1 = right amount of fine detail, below 1 = too smooth.
    public var smallScalePowerRatio: [String: Double]
    /// How many of the scored steps were averaged (at most 32, evenly spaced, to bound the cost).
    public var steps: Int

    /// Spectra of `truth` and each prediction, all [T, H, W]; nil for grids under 8 cells a side.
    init?(truth: Tensor, predictions: [String: Tensor], maxSteps: Int = 32) {
        let (t, h, w) = (truth.shape[0], truth.shape[1], truth.shape[2])
        guard h >= 8, w >= 8, t > 0 else { return nil }
        let picked = t <= maxSteps ? Array(0..<t) : (0..<maxSteps).map { $0 * t / maxSteps }
        let bins = min(h, w) / 2, side = Double(min(h, w))
        frequencies = (1..<bins).map { (Double($0) + 0.5) / side }
        func spectrum(_ x: Tensor) -> [Double] {
            var total = [Double](repeating: 0, count: bins - 1), counts = [Int](repeating: 0, count: bins - 1)
            let v = x.scalars
            for s in picked {
                let field = Array(v[(s * h * w)..<((s + 1) * h * w)])
                let valid = field.filter { !$0.isNaN }
                guard !valid.isEmpty else { continue }
                let mean = valid.reduce(0.0) { $0 + Double($1) } / Double(valid.count)
                var re = field.map { $0.isNaN ? 0 : Double($0) - mean }, im = [Double](repeating: 0, count: h * w)
                SpectrumDFT.transform2D(&re, &im, height: h, width: w)
                for ky in 0..<h { for kx in 0..<w {
                    let fy = Double(min(ky, h - ky)) / Double(h), fx = Double(min(kx, w - kx)) / Double(w)
                    let b = Int(((fy * fy + fx * fx).squareRoot() * side).rounded(.down))
                    guard b >= 1, b < bins else { continue }
                    let i = ky * w + kx
                    total[b - 1] += (re[i] * re[i] + im[i] * im[i]) / Double(h * w); counts[b - 1] += 1
                } }
            }
            return zip(total, counts).map { $1 > 0 ? $0 / Double($1) : .nan }
        }
        let truthSpectrum = spectrum(truth), methodSpectra = predictions.mapValues(spectrum), rings = frequencies
        let small = rings.indices.filter { rings[$0] > 0.25 && !truthSpectrum[$0].isNaN }
        let truthSmall = small.reduce(0.0) { $0 + truthSpectrum[$1] }
        self.truth = truthSpectrum
        methods = methodSpectra
        smallScalePowerRatio = methodSpectra.mapValues { s in truthSmall > 0 ? small.reduce(0.0) { $0 + (s[$1].isNaN ? 0 : s[$1]) } / truthSmall : .nan }
        steps = picked.count
    }

    /// A log-log line plot of the spectra (truth in black, one colour per method) with a legend.
    func writeFigure(_ path: String, units: String?) throws {
        func series(_ name: String, _ values: [Double], _ colour: RGB, width: Double = 1.6) -> Series {
            let kept = zip(frequencies, values).filter { $0.1 > 0 && $0.1.isFinite }
            return Series(name, x: kept.map(\.0), y: kept.map(\.1), colour: colour, lineWidth: width)
        }
        var lines = [series("truth", truth, .black, width: 2.4)]
        for (i, (key, name)) in [("bilinear", "bilinear"), ("bicubic", "bicubic"), ("bcsd", "BCSD"), ("cnn", "CNN")].enumerated() {
            if let values = methods[key] { lines.append(series(name, values, Palette.line(i))) }
        }
        var panel = LinePanel(title: "Radially averaged power spectrum (\(steps) step\(steps == 1 ? "" : "s"))",
                              xTitle: "frequency (cycles per fine grid cell)",
                              yTitle: "power per mode (" + (units.map { "\($0)²" } ?? "units²") + ")", series: lines)
        panel.xScale = .log; panel.yScale = .log
        try Figure(panels: [panel], columns: 1).write(to: path)
    }
}

/// A mixed-radix Cooley-Tukey DFT (any length; prime factors done directly), enough for spectra of grids.
enum SpectrumDFT {
    /// In-place forward DFT of rows then columns of an [H, W] complex field.
    static func transform2D(_ re: inout [Double], _ im: inout [Double], height h: Int, width w: Int) {
        for y in 0..<h {
            let (r, i) = transform(Array(re[(y * w)..<((y + 1) * w)]), Array(im[(y * w)..<((y + 1) * w)]))
            for x in 0..<w { re[y * w + x] = r[x]; im[y * w + x] = i[x] }
        }
        for x in 0..<w {
            let (r, i) = transform((0..<h).map { re[$0 * w + x] }, (0..<h).map { im[$0 * w + x] })
            for y in 0..<h { re[y * w + x] = r[y]; im[y * w + x] = i[y] }
        }
    }

    static func transform(_ re: [Double], _ im: [Double]) -> ([Double], [Double]) {
        let n = re.count
        guard n > 1 else { return (re, im) }
        guard let p = (2...max(2, Int(Double(n).squareRoot()))).first(where: { n % $0 == 0 }) else { return direct(re, im) }
        // n = p * m: p interleaved sub-transforms of length m, combined with twiddles.
        let m = n / p
        let subs = (0..<p).map { r in transform(stride(from: r, to: n, by: p).map { re[$0] }, stride(from: r, to: n, by: p).map { im[$0] }) }
        var outR = [Double](repeating: 0, count: n), outI = [Double](repeating: 0, count: n)
        for k in 0..<n {
            var sr = 0.0, si = 0.0
            for r in 0..<p {
                let angle = -2 * Double.pi * Double(r * k) / Double(n)
                let (c, s) = (cos(angle), sin(angle)), (a, b) = (subs[r].0[k % m], subs[r].1[k % m])
                sr += a * c - b * s; si += a * s + b * c
            }
            outR[k] = sr; outI[k] = si
        }
        return (outR, outI)
    }

    static func direct(_ re: [Double], _ im: [Double]) -> ([Double], [Double]) {
        let n = re.count
        var outR = [Double](repeating: 0, count: n), outI = [Double](repeating: 0, count: n)
        for k in 0..<n { for j in 0..<n {
            let angle = -2 * Double.pi * Double(j * k % n) / Double(n), (c, s) = (cos(angle), sin(angle))
            outR[k] += re[j] * c - im[j] * s; outI[k] += re[j] * s + im[j] * c
        } }
        return (outR, outI)
    }
}
