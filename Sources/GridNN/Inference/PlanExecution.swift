// Runs one compiled plan step on its buffers. Batched kernel calls where every buffer is contiguous; one call per
// image where a value lives inside a concatenation (its images are then further apart than its own size).
import GridTensor
import GridAutograd

enum PlanExecution {
    typealias Layout = CompiledPlan.Layout

    static func run(_ s: PlanStep, inputs: [Layout], output y: Layout) {
        let x = inputs[0]
        switch s.kind {
        case .conv, .convTranspose, .maxPool:
            var g = PlanKernels.cGeometry(s.geometry!, batch: x.images)
            let batched = x.images == 1 || (x.contiguous && y.contiguous)
            if !batched { g.batch = 1 }
            for n in 0..<(batched ? 1 : x.images) {
                let xp = UnsafePointer(x.image(n)), yp = y.image(n)
                switch s.kind {
                case .conv:
                    withOptional(s.bias) { b in
                        s.weight!.withUnsafeBufferPointer { w in
                            PlanKernels.conv(&g, x: xp, weight: w.baseAddress!, bias: b, addend: nil, activation: s.activation, y: yp)
                        }
                    }
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
            let b = inputs[1]
            for n in 0..<x.images { PlanKernels.add(x.channels * x.plane, x.image(n), b.image(n), into: y.image(n)) }
        case .addChannel:
            let b = inputs[1]
            for n in 0..<x.images {
                if x.image(n) != y.image(n) { y.image(n).update(from: x.image(n), count: x.channels * x.plane) }
                let src = UnsafePointer(b.image(n) + s.channel * b.plane)
                for o in 0..<y.channels { PlanKernels.axpy(y.plane, alpha: 1, x: src, y: y.image(n) + o * y.plane) }
            }
        case .concat:
            var c0 = 0
            for part in inputs {
                let target = y.image(0) + c0 * y.plane
                if part.base != target {   // not written in place by its producer
                    for n in 0..<part.images { (y.image(n) + c0 * y.plane).update(from: part.image(n), count: part.channels * part.plane) }
                }
                c0 += part.channels
            }
        case .graph:
            var t = Tensor(uninitializedShape: [x.images, x.channels] + shapeTail(s, x))
            t.withUnsafeMutableBufferPointer { p in
                for n in 0..<x.images { (p.baseAddress! + n * x.channels * x.plane).update(from: x.image(n), count: x.channels * x.plane) }
            }
            let layer = s.layer!, was = layer.isTraining
            layer.isTraining = false
            defer { layer.isTraining = was }
            let out = GradMode.withNoGrad { layer(Variable(t)).value }
            out.withUnsafeBufferPointer { p in
                for n in 0..<y.images { y.image(n).update(from: p.baseAddress! + n * y.channels * y.plane, count: y.channels * y.plane) }
            }
        }
    }

    /// The spatial dims of a graph step's input (kept on the step's geometry-free path).
    private static func shapeTail(_ s: PlanStep, _ x: Layout) -> [Int] { s.inputSpatial }

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
