// A small radix-2 FFT (iterative Cooley-Tukey, in place, Double) and the one-sided power spectrum that the speech
// features use. Sizes must be powers of two; frames shorter than the size are zero-padded.
import Foundation

enum FFT {
    /// In-place complex DFT X_k = sum_n x_n e^{-2 pi i k n / N} (inverse: e^{+...} and divided by N).
    static func transform(_ re: inout [Double], _ im: inout [Double], inverse: Bool = false) {
        let n = re.count
        precondition(n == im.count && n > 0 && n & (n - 1) == 0, "FFT size \(n) must be a power of two (re and im alike)")
        // Bit-reversal permutation.
        var j = 0
        for i in 1..<max(n, 1) {
            var bit = n >> 1
            while j & bit != 0 { j ^= bit; bit >>= 1 }
            j |= bit
            if i < j { re.swapAt(i, j); im.swapAt(i, j) }
        }
        var len = 2
        while len <= n {
            let angle = (inverse ? 2.0 : -2.0) * Double.pi / Double(len)
            let (wr, wi) = (cos(angle), sin(angle))
            var start = 0
            while start < n {
                var (cr, ci) = (1.0, 0.0)
                for k in 0..<(len / 2) {
                    let a = start + k, b = a + len / 2
                    let tr = re[b] * cr - im[b] * ci, ti = re[b] * ci + im[b] * cr
                    re[b] = re[a] - tr; im[b] = im[a] - ti
                    re[a] += tr; im[a] += ti
                    (cr, ci) = (cr * wr - ci * wi, cr * wi + ci * wr)
                }
                start += len
            }
            len <<= 1
        }
        if inverse { for i in 0..<n { re[i] /= Double(n); im[i] /= Double(n) } }
    }

    /// |X_k|^2 for k = 0 ... size/2 of a real frame (zero-padded or cut to `size`).
    static func powerSpectrum(_ frame: [Float], size: Int) -> [Double] {
        var re = [Double](repeating: 0, count: size), im = [Double](repeating: 0, count: size)
        for i in 0..<min(frame.count, size) { re[i] = Double(frame[i]) }
        transform(&re, &im)
        return (0...(size / 2)).map { re[$0] * re[$0] + im[$0] * im[$0] }
    }
}
