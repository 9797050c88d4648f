// Canonical jet-image orientation (de Oliveira, Kagan, Mackey, Nachman, Schwartzman 2016, "Jet-images — deep
// learning edition", section 3), applied to pixel images at training and at apply time so that upstream conventions
// (which axis is eta, the sign of phi, a rotation already made or not) do not matter:
//  1. translate: the leading (highest-pT) pixel to the centre pixel (a whole-pixel shift, exact);
//  2. rotate: the principal axis of the pT-weighted second-moment tensor about the centre to the vertical
//     (each pixel's pT spread bilinearly onto the pixels around its rotated position: pT is conserved);
//  3. flip: the heavier half (summed pT) below the centre, then the heavier half right of the centre.
// Transposed, mirrored and 90-degree-rotated copies of an image give the same canonical image: every step is
// equivariant under the symmetries of the square pixel grid.
import Foundation
import GridTensor

enum JetCanonical {
    /// One sentence for the data contract.
    static let description = "canonical orientation (de Oliveira et al. 2016): leading pixel to the centre, principal axis of the pT-weighted second moments rotated vertical (pT spread bilinearly), heavier half below and right"

    /// images [N, H, W] -> their canonical images [N, H, W].
    static func apply(_ images: Tensor) -> Tensor {
        let n = images.shape[0], h = images.shape[1], w = images.shape[2], area = h * w
        let src = images.contiguous().scalars
        var out = [Float](repeating: 0, count: n * area)
        for i in 0..<n {
            let c = canonical(Array(src[(i * area)..<((i + 1) * area)]), height: h, width: w)
            out.replaceSubrange((i * area)..<((i + 1) * area), with: c)
        }
        return Tensor(shape: [n, h, w], scalars: out)
    }

    /// The canonical form of one row-major image.
    static func canonical(_ image: [Float], height h: Int, width w: Int) -> [Float] {
        guard let peak = image.indices.max(by: { image[$0] < image[$1] }), image[peak] > 0 else { return image }
        let (cr, cc) = (Double(h - 1) / 2, Double(w - 1) / 2)
        // 1. Whole-pixel shift of the leading pixel to the centre (the centre pixel for odd sizes).
        let (dr, dc) = (peak / w - (h - 1) / 2, peak % w - (w - 1) / 2)
        var x = [Float](repeating: 0, count: h * w)
        for r in 0..<h { for c in 0..<w {
            let (sr, sc) = (r + dr, c + dc)
            if sr >= 0 && sr < h && sc >= 0 && sc < w { x[r * w + c] = image[sr * w + sc] }
        } }
        // 2. Principal axis (x to the right, y up) about the centre, rotated to the vertical.
        var sxx = 0.0, syy = 0.0, sxy = 0.0
        for r in 0..<h { for c in 0..<w {
            let p = Double(x[r * w + c]), u = Double(c) - cc, v = cr - Double(r)
            sxx += p * u * u; syy += p * v * v; sxy += p * u * v
        } }
        if abs(sxy) > 1e-12 * (sxx + syy) || sxx > syy {
            let theta = 0.5 * atan2(2 * sxy, sxx - syy)      // the axis' angle from +x
            x = rotate(x, height: h, width: w, by: Double.pi / 2 - theta)
        }
        // 3. Heavier half below the centre, then right of it.
        var above = 0.0, below = 0.0, left = 0.0, right = 0.0
        for r in 0..<h { for c in 0..<w {
            let p = Double(x[r * w + c])
            if Double(r) < cr { above += p } else if Double(r) > cr { below += p }
            if Double(c) < cc { left += p } else if Double(c) > cc { right += p }
        } }
        if above > below { x = (0..<h).flatMap { r in x[((h - 1 - r) * w)..<((h - r) * w)] } }
        if left > right { x = (0..<h).flatMap { r in (0..<w).map { c in x[r * w + w - 1 - c] } } }
        return x
    }

    /// The image rotated anticlockwise by `angle` radians about its centre. Each pixel's pT goes to the four pixels
    /// around its rotated position with bilinear weights (splatting): summed pT is kept (but what leaves the
    /// window) and so is the pT-weighted mean of x*y, so the principal axis lands where it was sent.
    static func rotate(_ x: [Float], height h: Int, width w: Int, by angle: Double) -> [Float] {
        let (cr, cc) = (Double(h - 1) / 2, Double(w - 1) / 2)
        var (cs, sn) = (cos(angle), sin(angle))
        // Exact quarter turns stay exact permutations.
        if abs(cs) < 1e-12 { cs = 0 }
        if abs(sn) < 1e-12 { sn = 0 }
        var out = [Float](repeating: 0, count: h * w)
        for r in 0..<h { for c in 0..<w where x[r * w + c] != 0 {
            let (u, v) = (Double(c) - cc, cr - Double(r))
            let (ru, rv) = (cs * u - sn * v, sn * u + cs * v)
            let (fr, fc) = (cr - rv, ru + cc)
            let (r0, c0) = (Int(fr.rounded(.down)), Int(fc.rounded(.down)))
            let (tr, tc) = (Float(fr - Double(r0)), Float(fc - Double(c0)))
            let p = x[r * w + c]
            for (rr, col, wgt) in [(r0, c0, (1 - tr) * (1 - tc)), (r0, c0 + 1, (1 - tr) * tc), (r0 + 1, c0, tr * (1 - tc)), (r0 + 1, c0 + 1, tr * tc)]
            where wgt > 0 && rr >= 0 && rr < h && col >= 0 && col < w {
                out[rr * w + col] += wgt * p
            }
        } }
        return out
    }
}
