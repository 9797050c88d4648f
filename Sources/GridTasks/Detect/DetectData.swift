// Training samples for detection. The UNet sees square crops (wrapping in longitude on global grids), half of them
// centred on a labelled event so rare cyclones are seen often; the patch classifier sees patches centred on labelled
// objects and event-free patches, drawn class-balanced. Augmentation: a north-south mirror with v850 and
// sin(latitude) negated, which maps a cyclone onto a cyclone of the other hemisphere (an east-west mirror would turn
// cyclones into anticyclones), and for the UNet smooth random perturbations of the inputs.
import Foundation
import GridTensor
import GridTrain

/// Every training step's standardised input and labels, with crop helpers.
struct DetectTensors {
    let channels: Int, height: Int, width: Int
    let periodic: Bool
    /// Per step: [C * H * W].
    let inputs: [[Float]]
    /// Per step: [H * W] class (or -1 for unlabelled).
    let labels: [[Int8]]
    /// Channels that change sign under a north-south mirror (v850, sin(latitude)).
    let flipSign: Set<Int>

    init(spec: DetectSpec, steps: [DetectStep], labels: [[Int8]], grid: LatLonGrid) {
        channels = spec.inputChannels; height = grid.height; width = grid.width; periodic = grid.periodic
        inputs = steps.map { spec.input($0.fields, grid: grid).scalars }
        self.labels = labels
        var flips = Set(spec.channels.enumerated().filter { $0.element.role == .v850 }.map(\.offset))
        if spec.latitudeChannel { flips.insert(spec.channels.count) }
        flipSign = flips
    }

    /// Crop of step t: rows y0..<y0+size (clamped at the poles), columns from x0 (wrapping when periodic, clamped
    /// otherwise), optionally mirrored north-south. Returns input [C * size * size] and labels [size * size].
    func crop(_ t: Int, y0: Int, x0: Int, size: Int, mirror: Bool) -> ([Float], [Int]) {
        let (h, w, c) = (height, width, channels)
        var x = [Float](repeating: 0, count: c * size * size)
        var y = [Int](repeating: -100, count: size * size)
        let src = inputs[t], lab = labels[t]
        for r in 0..<size {
            let row = min(max(y0 + (mirror ? size - 1 - r : r), 0), h - 1)
            for s in 0..<size {
                var col = x0 + s
                col = periodic ? ((col % w) + w) % w : min(max(col, 0), w - 1)
                let k = row * w + col
                for ch in 0..<c {
                    let v = src[ch * h * w + k]
                    x[ch * size * size + r * size + s] = mirror && flipSign.contains(ch) ? -v : v
                }
                let l = lab[k]
                y[r * size + s] = l < 0 ? -100 : Int(l)
            }
        }
        return (x, y)
    }
}

/// Random crops for the UNet segmenter.
struct SegmentationCrops: BatchSource {
    let data: DetectTensors
    let steps: [Int]
    let size: Int
    /// (step, point) of every labelled event point, per class.
    let eventPoints: [[(Int, Int)]]
    /// Standard deviation of the smooth random perturbation added to each standardised field channel (0: none).
    let noise: Float
    /// Channels left unperturbed (sin(latitude)).
    let exact: Set<Int>

    init(data: DetectTensors, steps: [Int], size: Int, noise: Float = 0, exact: Set<Int> = []) {
        self.data = data; self.steps = steps; self.size = min(size, data.height, data.periodic ? size : data.width)
        self.noise = noise; self.exact = exact
        var pts: [[(Int, Int)]] = [[], []]
        for t in steps { for (k, l) in data.labels[t].enumerated() where l == 1 || l == 2 { pts[Int(l) - 1].append((t, k)) } }
        eventPoints = pts
    }

    /// About one pass over each step's area per epoch.
    var sampleCount: Int { steps.count * max(1, (data.height * data.width) / (size * size)) }

    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        var xs = [Float](), ys = [Int]()
        for i in indices {
            var t = steps[i % steps.count], cy = Int(rng.next() % UInt64(data.height)), cx = Int(rng.next() % UInt64(data.width))
            // Half the crops are centred (with jitter) on an event point, cyclones and rivers equally often.
            if rng.next() % 2 == 0 {
                let cls = Int(rng.next() % 2)
                let pool = eventPoints[cls].isEmpty ? eventPoints[1 - cls] : eventPoints[cls]
                if !pool.isEmpty {
                    let (tt, k) = pool[Int(rng.next() % UInt64(pool.count))]
                    t = tt
                    cy = k / data.width + Int(rng.next() % UInt64(size / 2 + 1)) - size / 4
                    cx = k % data.width + Int(rng.next() % UInt64(size / 2 + 1)) - size / 4
                }
            }
            let y0 = min(max(cy - size / 2, 0), max(data.height - size, 0))
            let x0 = data.periodic ? cx - size / 2 : min(max(cx - size / 2, 0), max(data.width - size, 0))
            var (x, y) = data.crop(t, y0: y0, x0: x0, size: size, mirror: rng.next() % 2 == 1)
            if noise > 0 {
                for ch in 0..<data.channels where !exact.contains(ch) {
                    let field = SegmentationCrops.smoothNoise(size, rng: &rng)
                    for k in 0..<(size * size) { x[ch * size * size + k] += noise * field[k] }
                }
            }
            xs += x; ys += y
        }
        let n = indices.count
        return Batch(input: Tensor(shape: [n, data.channels, size, size], scalars: xs), target: Tensor(zeros: [n]), labels: ys)
    }

    /// A unit-variance random field smooth over a few grid points (white noise through two 5-point box blurs each
    /// way): perturbations at the scale of real background features (convective warm spots, easterly waves), so the
    /// network learns to need the whole combination that makes an event rather than one blob.
    static func smoothNoise(_ n: Int, rng: inout SeededGenerator, radius: Int = 2) -> [Float] {
        var f = (0..<(n * n)).map { _ in rng.nextNormal() }
        var tmp = f
        for _ in 0..<2 {
            for i in 0..<n { for j in 0..<n {
                var s: Float = 0
                for d in -radius...radius { s += f[i * n + min(max(j + d, 0), n - 1)] }
                tmp[i * n + j] = s
            } }
            for i in 0..<n { for j in 0..<n {
                var s: Float = 0
                for d in -radius...radius { s += tmp[min(max(i + d, 0), n - 1) * n + j] }
                f[i * n + j] = s
            } }
        }
        var m: Float = 0, v: Float = 0
        for x in f { m += x }
        m /= Float(f.count)
        for x in f { v += (x - m) * (x - m) }
        let inv = 1 / max((v / Float(f.count)).squareRoot(), 1e-6)
        return f.map { ($0 - m) * inv }
    }
}

/// Labelled patches for the patch classifier: centred on labelled objects, or free of events.
struct PatchSamples: BatchSource {
    struct Sample: Equatable { public var step: Int, row: Int, col: Int, label: Int }
    let data: DetectTensors
    let size: Int
    let samples: [Sample]
    let byClass: [[Int]]
    /// Jitter of the centre in grid points (training only).
    let jitter: Int

    /// One patch per labelled object (centred on its point nearest the centroid), and as many event-free patches
    /// as objects of the commonest class, at seeded random places.
    init(data: DetectTensors, grid: LatLonGrid, steps: [Int], size: Int, seed: UInt64, jitter: Int) {
        self.data = data; self.size = size; self.jitter = jitter
        var out = [Sample]()
        for t in steps {
            for cls in [1, 2] {
                for r in grid.regions(data.labels[t].map { Int($0) == cls }) {
                    let c = r.points.min { a, b in
                        grid.distanceTo(r.centroid, a) < grid.distanceTo(r.centroid, b)
                    }!
                    out.append(Sample(step: t, row: c / data.width, col: c % data.width, label: cls))
                }
            }
        }
        let wanted = max(out.filter { $0.label == 1 }.count, out.filter { $0.label == 2 }.count, steps.count)
        var rng = SeededGenerator(seed: seed &+ 77)
        var none = [Sample](), tries = 0
        while none.count < wanted && tries < wanted * 50 && !steps.isEmpty {
            tries += 1
            let t = steps[Int(rng.next() % UInt64(steps.count))]
            let row = Int(rng.next() % UInt64(data.height)), col = Int(rng.next() % UInt64(data.width))
            let (_, y) = data.crop(t, y0: row - size / 2, x0: col - size / 2, size: size, mirror: false)
            if !y.contains(where: { $0 == 1 || $0 == 2 }) { none.append(Sample(step: t, row: row, col: col, label: 0)) }
        }
        let all = out + none
        samples = all
        byClass = (0..<3).map { c in all.indices.filter { all[$0].label == c } }
    }

    var sampleCount: Int { samples.count }

    /// Input [1, C, size, size] of a patch centred at (row, col) of step t.
    func patch(_ s: Sample, dy: Int = 0, dx: Int = 0, mirror: Bool = false) -> [Float] {
        data.crop(s.step, y0: s.row + dy - size / 2, x0: s.col + dx - size / 2, size: size, mirror: mirror).0
    }

    /// Class-balanced: each sample's class is drawn uniformly, then a sample of that class.
    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        var xs = [Float](), ys = [Int]()
        let present = byClass.enumerated().filter { !$0.element.isEmpty }.map(\.offset)
        for _ in indices {
            let c = present[Int(rng.next() % UInt64(present.count))]
            let s = samples[byClass[c][Int(rng.next() % UInt64(byClass[c].count))]]
            let j = jitter > 0 ? 2 * jitter + 1 : 1
            xs += patch(s, dy: Int(rng.next() % UInt64(j)) - jitter, dx: Int(rng.next() % UInt64(j)) - jitter, mirror: rng.next() % 2 == 1)
            ys.append(s.label)
        }
        return Batch(input: Tensor(shape: [indices.count, data.channels, size, size], scalars: xs), target: Tensor(zeros: [indices.count]), labels: ys)
    }
}

extension LatLonGrid {
    /// Distance (degrees of arc) from a position to grid point k.
    func distanceTo(_ p: (lat: Double, lon: Double), _ k: Int) -> Double {
        LatLonGrid.arc(p.lat, p.lon, lat[k / width], lon[k % width])
    }
}
