// Matrix products through the BLAS (OpenBLAS dispatches AVX-512/AVX2 itself at run time).
import CGridKernels

extension Tensor {
    /// [M, K] x [K, N] -> [M, N]; with rank 3, a batch of products [B, M, K] x [B, K, N] (B may broadcast from 1).
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        precondition((a.rank == 2 && b.rank == 2) || (a.rank == 3 && b.rank == 3),
                     "matmul needs two rank-2 or two rank-3 tensors, got \(shapeDescription(a.shape)) and \(shapeDescription(b.shape))")
        let batched = a.rank == 3
        let ba = batched ? a.shape[0] : 1, bb = batched ? b.shape[0] : 1
        precondition(ba == bb || ba == 1 || bb == 1, "matmul batch sizes \(ba) and \(bb) differ")
        let ar = a.shape.suffix(2), br = b.shape.suffix(2)
        let m = transposeA ? ar.last! : ar.first!, k = transposeA ? ar.first! : ar.last!
        let k2 = transposeB ? br.last! : br.first!, n = transposeB ? br.first! : br.last!
        precondition(k == k2, "matmul inner dimensions differ: \(shapeDescription(a.shape)) x \(shapeDescription(b.shape))")
        let batch = Swift.max(ba, bb)
        var out = Tensor(uninitializedShape: batched ? [batch, m, n] : [m, n])
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                out.withUnsafeMutableBufferPointer { po in
                    for i in 0..<batch {
                        gk_sgemm(transposeA ? 1 : 0, transposeB ? 1 : 0, Int64(m), Int64(n), Int64(k), 1,
                                 pa.baseAddress! + (ba == 1 ? 0 : i * m * k), Int64(ar.last!),
                                 pb.baseAddress! + (bb == 1 ? 0 : i * k * n), Int64(br.last!),
                                 0, po.baseAddress! + i * m * n, Int64(n))
                    }
                }
            }
        }
        return out
    }
}
