// Runs one compiled plan step on its buffers. Batched kernel calls where every buffer is contiguous; one call per
// image where a value lives inside a concatenation (its images are then further apart than its own size).
import GridTensor
import GridAutograd

enum PlanExecution {
    typealias Layout = CompiledPlan.Layout

    /// x and second: the step's first two inputs (second = x for one-input steps). Concatenations are run by
    /// `CompiledPlan.run` part by part through `copyChannels`.
    static func run(_ s: PlanStep, _ x: Layout, _ second: Layout, output y: Layout) {
        switch s.kind {
        case .conv, .convTranspose, .maxPool:
            let batched = x.images == 1 || (x.contiguous && y.contiguous)
            var g = batched ? s.batchedGeometry : s.imageGeometry
            for n in 0..<(batched ? 1 : x.images) {
                let xp = UnsafePointer(x.image(n)), yp = y.image(n)
                switch s.kind {
                case .conv:
                    withOptional(s.bias) { b in withOptional(s.prepared) { u in
                        s.weight!.withUnsafeBufferPointer { w in
                            PlanKernels.conv(&g, x: xp, weight: w.baseAddress!, prepared: u, bias: b, addend: nil,
                                             activation: s.activation, y: yp)
                        }
                    } }
                case .convTranspose:
                    withOptional(s.bias) { b in
                        s.weight!.withUnsafeBufferPointer { w in
                            PlanKernels.convTranspose(&g, x: xp, weight: w.baseAddress!, bias: b, activation: s.activation, y: yp)
                        }
                    }
                default:
                    PlanKernels.maxPool(&g, x: xp, y: yp)
                }
            }
        case .batchNorm:
            s.scale!.withUnsafeBufferPointer { sc in s.shift!.withUnsafeBufferPointer { sh in
                perImage(x, y) { xp, yp, images in
                    PlanKernels.affine(images: images, channels: x.channels, plane: x.plane, x: xp, scale: sc.baseAddress!,
                                       shift: sh.baseAddress!, y: yp)
                }
            } }
        case .activation:
            perImage(x, y) { xp, yp, images in
                yp.update(from: xp, count: images * x.channels * x.plane)
                PlanKernels.biasActivate(images: images, channels: x.channels, plane: x.plane, bias: nil, activation: s.activation, y: yp)
            }
        case .add:
            let b = second
            for n in 0..<x.images { PlanKernels.add(x.channels * x.plane, x.image(n), b.image(n), into: y.image(n)) }
        case .addChannel:
            let b = second
            for n in 0..<x.images {
                if x.image(n) != y.image(n) { y.image(n).update(from: x.image(n), count: x.channels * x.plane) }
                let src = UnsafePointer(b.image(n) + s.channel * b.plane)
                for o in 0..<y.channels { PlanKernels.axpy(y.plane, alpha: 1, x: src, y: y.image(n) + o * y.plane) }
            }
        case .concat:
            preconditionFailure("plan: concatenations are copied part by part (copyChannels)")
        case .pad:
            // Spatial dims as (D, H, W); zeros first, then each input row at its padded place.
            func three(_ a: [Int], _ fill: Int) -> [Int] { [Int](repeating: fill, count: 3 - a.count) + a }
            let i = three(s.inputSpatial, 1), lo = three(s.padLo, 0), hi = three(s.padHi, 0)
            let o = (0..<3).map { i[$0] + lo[$0] + hi[$0] }
            for n in 0..<x.images {
                for c in 0..<x.channels {
                    let src = x.image(n) + c * x.plane, dst = y.image(n) + c * y.plane
                    dst.update(repeating: 0, count: y.plane)
                    for z in 0..<i[0] {
                        for r in 0..<i[1] {
                            (dst + ((z + lo[0]) * o[1] + r + lo[1]) * o[2] + lo[2]).update(from: src + (z * i[1] + r) * i[2], count: i[2])
                        }
                    }
                }
            }
        case .graph:
            var t = Tensor(uninitializedShape: [x.images, x.channels] + s.inputSpatial)
            t.withUnsafeMutableBufferPointer { p in
                for n in 0..<x.images { (p.baseAddress! + n * x.channels * x.plane).update(from: x.image(n), count: x.channels * x.plane) }
            }
            let out = evalForward(s.layer!, t)
            out.withUnsafeBufferPointer { p in
                for n in 0..<y.images { y.image(n).update(from: p.baseAddress! + n * y.channels * y.plane, count: y.channels * y.plane) }
            }
        }
    }

    /// Channels [c0, c0 + part.channels) of y = part, unless the part's producer already wrote them there.
    static func copyChannels(_ part: Layout, into y: Layout, at c0: Int) {
        guard part.base != y.image(0) + c0 * y.plane else { return }
        for n in 0..<part.images { (y.image(n) + c0 * y.plane).update(from: part.image(n), count: part.channels * part.plane) }
    }

    /// body(x, y, images) once over all images when both are contiguous, else once per image.
    private static func perImage(_ x: Layout, _ y: Layout, _ body: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void) {
        if x.contiguous && y.contiguous { body(x.base, y.base, x.images); return }
        for n in 0..<x.images { body(x.image(n), y.image(n), 1) }
    }

    private static func withOptional(_ t: Tensor?, _ body: (UnsafePointer<Float>?) -> Void) {
        guard let t else { body(nil); return }
        t.withUnsafeBufferPointer { body($0.baseAddress) }
    }
}
