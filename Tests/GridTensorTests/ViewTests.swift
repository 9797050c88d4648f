// Views (reshape, permute, transpose, slice, broadcast), copy-on-write, concatenate/stack/split, padding, rank 6.
import Testing
@testable import GridTensor

/// Elementwise closeness relative to max(1, |expected|).
func approxEqual(_ a: [Float], _ b: [Float], tol: Float = 1e-5) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { Swift.abs($0 - $1) <= tol * Swift.max(1, Swift.abs($1)) }
}

/// True when the two shapes cannot be broadcast together (checked without triggering any precondition).
func broadcastFails(_ a: [Int], _ b: [Int]) -> Bool { broadcastShapes(a, b) == nil }

@Suite struct ViewTests {
    @Test func reshapeInfersMinusOneAndSharesStorage() {
        let t = Tensor.arange([2, 3, 4])
        let r = t.reshaped([4, -1])
        #expect(r.shape == [4, 6])
        #expect(r.storage === t.storage)
        #expect(r.scalars == t.scalars)
        #expect(t.reshaped([-1]).shape == [24])
        #expect(t.reshaped([2, -1, 2]).shape == [2, 6, 2])
        #expect(r[1, 2] == 8)
        // A non-contiguous source is copied in row-major order of the view.
        let p = t.permuted([2, 0, 1]).reshaped([4, 6])
        #expect(p.storage !== t.storage)
        #expect(p.scalars.prefix(6) == [0, 4, 8, 12, 16, 20])
    }

    @Test func permuteIsAStridedView() {
        let t = Tensor.arange([2, 3, 4])
        let p = t.permuted([2, 0, 1])
        #expect(p.shape == [4, 2, 3])
        #expect(p.strides == [1, 12, 4])
        #expect(p.storage === t.storage)
        #expect(!p.isContiguous)
        for i in 0..<4 { for j in 0..<2 { for k in 0..<3 { #expect(p[i, j, k] == t[j, k, i]) } } }
        let c = p.contiguous()
        #expect(c.isContiguous && c.strides == [6, 3, 1])
        var expected = [Float]()
        for i in 0..<4 { for j in 0..<2 { for k in 0..<3 { expected.append(Float(12 * j + 4 * k + i)) } } }
        #expect(c.scalars == expected)
        #expect(p.scalars == expected)
    }

    @Test func transposeSwapsAxes() {
        let t = Tensor.arange([2, 3])
        let tt = t.transposed()
        #expect(tt.shape == [3, 2])
        #expect(tt.scalars == [0, 3, 1, 4, 2, 5])
        let t3 = Tensor.arange([2, 3, 4]).transposed(0, 2)
        #expect(t3.shape == [4, 3, 2])
        #expect(t3[3, 1, 1] == 12 + 4 + 3)
        #expect(Tensor.arange([2, 3, 4]).transposed(-1, 0).scalars == t3.scalars)
    }

    @Test func sliceWithStep() {
        let t = Tensor.arange([10])
        #expect(t.sliced(axis: 0, 1..<8, step: 3).scalars == [1, 4, 7])
        #expect(t.sliced(axis: 0, 1..<10, step: 3).scalars == [1, 4, 7])
        #expect(t.sliced(axis: 0, 0..<10, step: 4).scalars == [0, 4, 8])
        let m = Tensor.arange([4, 5])
        let s = m.sliced(axis: -1, 0..<5, step: 2)
        #expect(s.shape == [4, 3] && s.strides == [5, 2] && s.storage === m.storage)
        #expect(s.scalars == [0, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17, 19])
        let rows = m.sliced(axis: 0, 2..<4)
        #expect(rows.offset == 10 && rows.scalars == Array(10...19).map(Float.init))
        // Slicing a slice composes offsets and strides.
        #expect(s.sliced(axis: 0, 1..<4, step: 2).sliced(axis: 1, 1..<3).scalars == [7, 9, 17, 19])
    }

    @Test func broadcastUsesZeroStrides() {
        let col = Tensor(shape: [3, 1], scalars: [1, 2, 3])
        let b = col.broadcast(to: [2, 3, 4])
        #expect(b.strides == [0, 1, 0])
        #expect(b.storage === col.storage)
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { #expect(b[i, j, k] == Float(j + 1)) } } }
        let sum = Tensor.arange([2, 3, 4]) + col
        var expected = [Float]()
        for i in 0..<2 { for j in 0..<3 { for k in 0..<4 { expected.append(Float(12 * i + 4 * j + k + j + 1)) } } }
        #expect(sum.scalars == expected)
        // Both operands broadcast: [2,1] * [3] -> [2,3].
        let outer = Tensor(shape: [2, 1], scalars: [1, 10]) * Tensor(shape: [3], scalars: [1, 2, 3])
        #expect(outer.shape == [2, 3] && outer.scalars == [1, 2, 3, 10, 20, 30])
    }

    @Test func broadcastShapeRules() {
        #expect(broadcastShapes([2, 3, 4], [3, 1]) == [2, 3, 4])
        #expect(broadcastShapes([5, 1, 4], [3, 1]) == [5, 3, 4])
        #expect(broadcastShapes([], [2, 2]) == [2, 2])
        #expect(broadcastShapes([1], [7]) == [7])
        #expect(broadcastFails([2, 3], [4, 3]))
        #expect(broadcastFails([3], [4]))
        #expect(broadcastFails([2, 1, 3], [2, 4]))
        #expect(!broadcastFails([2, 1, 3], [4, 1]))
    }

    @Test func copyOnWrite() {
        let a = Tensor.arange([2, 3])
        var b = a
        #expect(b.storage === a.storage)
        b.withUnsafeMutableBufferPointer { $0[0] = 100 }
        #expect(a[0, 0] == 0 && b[0, 0] == 100)
        #expect(b.storage !== a.storage)
        // Writing through a copy of a view leaves the viewed tensor (and the view) alone.
        let v = a.sliced(axis: 1, 1..<3)
        var w = v
        w.withUnsafeMutableBufferPointer { for i in 0..<$0.count { $0[i] = -1 } }
        #expect(a.scalars == [0, 1, 2, 3, 4, 5])
        #expect(v.scalars == [1, 2, 4, 5])
        #expect(w.scalars == [-1, -1, -1, -1] && w.isContiguous)
        // A uniquely owned contiguous tensor is written in place.
        var u = Tensor.arange([4])
        let before = ObjectIdentifier(u.storage)
        u.withUnsafeMutableBufferPointer { $0[1] = 9 }
        #expect(ObjectIdentifier(u.storage) == before && u.scalars == [0, 9, 2, 3])
    }

    @Test func squeezeUnsqueezeFlatten() {
        let t = Tensor.arange([2, 3])
        #expect(t.unsqueezed(0).shape == [1, 2, 3])
        #expect(t.unsqueezed(1).shape == [2, 1, 3])
        #expect(t.unsqueezed(-1).shape == [2, 3, 1])
        #expect(t.unsqueezed(1).squeezed(1).shape == [2, 3])
        #expect(t.unsqueezed(2).scalars == t.scalars)
        #expect(Tensor.arange([2, 3, 4, 5]).flattened().shape == [2, 60])
        #expect(Tensor.arange([2, 3, 4, 5]).flattened(from: 2).shape == [2, 3, 20])
    }

    @Test func concatenateStackSplitRoundTrip() {
        let a = Tensor.arange([2, 3]), b = Tensor.arange([2, 1], start: 100), c = Tensor.arange([2, 2], start: 200)
        let cat = Tensor.concatenate([a, b, c], axis: 1)
        #expect(cat.shape == [2, 6])
        #expect(cat.scalars == [0, 1, 2, 100, 200, 201, 3, 4, 5, 101, 202, 203])
        let parts = cat.split(sizes: [3, 1, 2], axis: 1)
        #expect(parts.map(\.shape) == [[2, 3], [2, 1], [2, 2]])
        #expect(parts[0].scalars == a.scalars && parts[1].scalars == b.scalars && parts[2].scalars == c.scalars)
        let rows = Tensor.concatenate([a, a.transposed().contiguous().reshaped([2, 3])], axis: 0)
        #expect(rows.shape == [4, 3] && rows.scalars == [0, 1, 2, 3, 4, 5, 0, 3, 1, 4, 2, 5])
        // Non-contiguous parts are read in their logical order.
        #expect(Tensor.concatenate([a.transposed(), a.transposed()], axis: -1).scalars == [0, 3, 0, 3, 1, 4, 1, 4, 2, 5, 2, 5])
        let p = [a, a + 10, a + 20]
        for axis in 0...2 {
            let s = Tensor.stack(p, axis: axis)
            var shape = [2, 3]; shape.insert(3, at: axis)
            #expect(s.shape == shape)
            let back = s.split(sizes: [1, 1, 1], axis: axis).map { $0.squeezed(axis) }
            #expect(back.map(\.scalars) == p.map(\.scalars))
        }
        #expect(Tensor.stack(p, axis: 2)[1, 2, 1] == 15)
    }

    @Test func padModes() {
        let x = Tensor.arange([1, 4])
        #expect(x.padded(lo: [2], hi: [2], mode: .reflect).scalars == [2, 1, 0, 1, 2, 3, 2, 1])
        #expect(x.padded(lo: [2], hi: [1], mode: .replicate).scalars == [0, 0, 0, 1, 2, 3, 3])
        #expect(x.padded(lo: [1], hi: [2]).scalars == [0, 0, 1, 2, 3, 0, 0])
        #expect(x.padded(lo: [1], hi: [1], value: 9).scalars == [9, 0, 1, 2, 3, 9])
        let m = Tensor.arange([3, 3])
        let r = m.padded(lo: [1, 1], hi: [1, 1], mode: .reflect)
        #expect(r.shape == [5, 5])
        #expect(r.scalars == [4, 3, 4, 5, 4, 1, 0, 1, 2, 1, 4, 3, 4, 5, 4, 7, 6, 7, 8, 7, 4, 3, 4, 5, 4])
        let e = m.padded(lo: [0, 2], hi: [1, 0], mode: .replicate)
        #expect(e.shape == [4, 5])
        #expect(e.scalars == [0, 0, 0, 1, 2, 3, 3, 3, 4, 5, 6, 6, 6, 7, 8, 6, 6, 6, 7, 8])
        // Padding only the last axis of a rank-3 tensor.
        #expect(Tensor.arange([2, 1, 2]).padded(lo: [1], hi: [0], mode: .replicate).scalars == [0, 0, 1, 2, 2, 3])
    }

    @Test func rankSixWorks() {
        #expect(Tensor.maxRank == 6)
        let t = Tensor.arange([1, 2, 1, 3, 1, 2])
        #expect(t.rank == 6 && t.count == 12)
        #expect(t[0, 1, 0, 2, 0, 1] == 11)
        let rev = t.permuted([5, 4, 3, 2, 1, 0])
        #expect(rev.shape == [2, 1, 3, 1, 2, 1])
        #expect(rev.contiguous()[1, 0, 2, 0, 1, 0] == 11)
        #expect(rev.contiguous().scalars == [0, 6, 2, 8, 4, 10, 1, 7, 3, 9, 5, 11])
        let s = t.sum(axes: [1, 3])
        #expect(s.shape == [1, 1, 1, 2] && s.scalars == [30, 36])
        let b = t + Tensor(shape: [2], scalars: [100, 200])
        #expect(b.shape == t.shape && b[0, 1, 0, 2, 0, 1] == 211)
        #expect(t.reshaped([2, -1, 1, 1, 1, 2]).shape == [2, 3, 1, 1, 1, 2])
    }
}
