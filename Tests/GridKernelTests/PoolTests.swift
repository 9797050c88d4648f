import CGridKernels
import Testing

/// Pooling geometry: channels planes per image, groups = channels.
func poolGeom(batch: Int, channels: Int, input: [Int], kernel: [Int], stride: [Int]? = nil, dilation: [Int]? = nil,
              pad: [Int]? = nil) -> gk_conv_geom {
    ConvCase(name: "", cin: channels, cout: channels, groups: channels, input: input, kernel: kernel,
             stride: stride ?? kernel, dilation: dilation, padLo: pad, padHi: pad).geom(batch: batch)
}

/// Naive pooling over one plane: per output, the list of valid flat input offsets in (kd, kh, kw) order.
func windows(_ g: gk_conv_geom) -> [[Int]] {
    let i = [Int(g.in.0), Int(g.in.1), Int(g.in.2)], o = [Int(g.out.0), Int(g.out.1), Int(g.out.2)]
    let k = [Int(g.kernel.0), Int(g.kernel.1), Int(g.kernel.2)], s = [Int(g.stride.0), Int(g.stride.1), Int(g.stride.2)]
    let d = [Int(g.dilation.0), Int(g.dilation.1), Int(g.dilation.2)], p = [Int(g.pad_lo.0), Int(g.pad_lo.1), Int(g.pad_lo.2)]
    var out: [[Int]] = []
    for od in 0..<o[0] { for oh in 0..<o[1] { for ow in 0..<o[2] {
        var taps: [Int] = []
        for kd in 0..<k[0] { for kh in 0..<k[1] { for kw in 0..<k[2] {
            let z = od * s[0] - p[0] + kd * d[0], y = oh * s[1] - p[1] + kh * d[1], x = ow * s[2] - p[2] + kw * d[2]
            if z >= 0, z < i[0], y >= 0, y < i[1], x >= 0, x < i[2] { taps.append((z * i[1] + y) * i[2] + x) }
        } } }
        out.append(taps)
    } } }
    return out
}

let poolCases: [(String, gk_conv_geom)] = [
    ("1d k3 s2 pad1", poolGeom(batch: 2, channels: 3, input: [11], kernel: [3], stride: [2], pad: [1])),
    ("2d 2x2", poolGeom(batch: 3, channels: 2, input: [8, 6], kernel: [2, 2])),
    ("2d 2x2 odd sizes (last row and column unused)", poolGeom(batch: 2, channels: 3, input: [9, 7], kernel: [2, 2])),
    ("2d 3x3 s2 pad1 odd", poolGeom(batch: 1, channels: 4, input: [9, 7], kernel: [3, 3], stride: [2, 2], pad: [1, 1])),
    ("2d 3x3 s1 pad1 overlapping", poolGeom(batch: 1, channels: 2, input: [7, 9], kernel: [3, 3], stride: [1, 1],
                                            pad: [1, 1])),
    ("2d dilated", poolGeom(batch: 2, channels: 2, input: [10, 9], kernel: [2, 3], stride: [1, 2], dilation: [2, 2])),
    ("3d 2x3x3 pad", poolGeom(batch: 2, channels: 2, input: [5, 7, 6], kernel: [2, 3, 3], stride: [2, 2, 2],
                              pad: [1, 1, 1])),
]

extension GridKernelTests {
    @Test("1-D pooling example: [1,2,3,2], window 4")
    func poolExample() {
        var g = poolGeom(batch: 1, channels: 1, input: [4], kernel: [4])
        var y: [Float] = [.nan], idx: [Int64] = [-7], dx = [Float](repeating: .nan, count: 4)
        gk_maxpool_forward(&g, [1, 2, 3, 2], &y, &idx)
        #expect(y == [3] && idx == [2])
        gk_maxpool_backward(&g, [3], idx, &dx)
        #expect(dx == [0, 0, 3, 0])
        gk_avgpool_forward(&g, [1, 2, 3, 2], &y, 1)
        #expect(y == [2])
        gk_avgpool_backward(&g, [2], &dx, 1)
        #expect(dx == [0.5, 0.5, 0.5, 0.5])
    }

    @Test("avg pool with and without count_include_pad")
    func avgPad() {
        var g = poolGeom(batch: 1, channels: 1, input: [4], kernel: [3], stride: [1], pad: [1])
        var y = [Float](repeating: .nan, count: 4), dx = [Float](repeating: .nan, count: 4)
        gk_avgpool_forward(&g, [1, 2, 3, 4], &y, 1)
        #expect(y == [1, 2, 3, 7 / Float(3)])
        gk_avgpool_forward(&g, [1, 2, 3, 4], &y, 0)
        #expect(y == [1.5, 2, 3, 3.5])
        gk_avgpool_backward(&g, [6, 6, 6, 6], &dx, 1)
        #expect(dx == [4, 6, 6, 4])
        gk_avgpool_backward(&g, [6, 6, 6, 6], &dx, 0)
        #expect(dx == [5, 7, 7, 5])
    }

    @Test("2x2 max pool (its own fast path): taps in row order, ties to the first, NaN propagates")
    func maxPool2x2Ties() {
        var g = poolGeom(batch: 1, channels: 1, input: [2, 6], kernel: [2, 2])
        var y: [Float] = [0, 0, 0], idx: [Int64] = [0, 0, 0]
        // windows: [1 3 | 3 1], [4 4 | 4 0], [2 nan | 9 1]  (row 0 = first 6 values, row 1 = next 6)
        gk_maxpool_forward(&g, [1, 3, 4, 4, 2, .nan, 3, 1, 4, 0, 9, 1], &y, &idx)
        #expect(y[0] == 3 && idx[0] == 1)
        #expect(y[1] == 4 && idx[1] == 2)
        #expect(y[2].isNaN && idx[2] == 5)
    }

    @Test("max pool: NaN propagates, first maximum wins")
    func maxPoolTies() {
        var g = poolGeom(batch: 1, channels: 1, input: [6], kernel: [3])
        var y: [Float] = [0, 0], idx: [Int64] = [0, 0]
        gk_maxpool_forward(&g, [5, 5, 1, 0, .nan, 2], &y, &idx)
        #expect(y[0] == 5 && idx[0] == 0)
        #expect(y[1].isNaN && idx[1] == 4)
    }

    @Test("pooling kernels against a naive reference, 1 and 2 threads", arguments: 0..<poolCases.count)
    func poolMatchesReference(_ ci: Int) {
        var g = poolCases[ci].1
        let planes = Int(g.batch * g.cin), isz = g.inSize, osz = g.outSize
        var r = Rand(UInt64(ci + 11))
        let x = r.array(planes * isz), dy = r.array(planes * osz)
        let win = windows(g)
        var refY = [Float](), refIdx = [Int64](), refDx = [Float](repeating: 0, count: planes * isz)
        var refAvg: [[Float]] = [[], []], refAvgDx = [[Float]](repeating: [Float](repeating: 0, count: planes * isz), count: 2)
        for pl in 0..<planes {
            for (o, taps) in win.enumerated() {
                var best = -Float.infinity, bi = -1
                for t in taps where bi < 0 || x[pl * isz + t] > best { best = x[pl * isz + t]; bi = t }
                refY.append(best); refIdx.append(Int64(bi))
                refDx[pl * isz + bi] += dy[pl * osz + o]
                for inc in 0..<2 {
                    let cnt = inc == 1 ? g.kernelSize : taps.count
                    var s: Float = 0
                    for t in taps { s += x[pl * isz + t] }
                    refAvg[inc].append(s / Float(cnt))
                    for t in taps { refAvgDx[inc][pl * isz + t] += dy[pl * osz + o] / Float(cnt) }
                }
            }
        }
        var results: [[[Float]]] = []
        for threads in [Int32(1), 2] {
            withThreads(threads) {
                var y = [Float](repeating: .nan, count: planes * osz), idx = [Int64](repeating: -9, count: planes * osz)
                var dx = [Float](repeating: .nan, count: planes * isz)
                gk_maxpool_forward(&g, x, &y, &idx)
                expectSame(y, refY, "\(poolCases[ci].0) max forward, \(threads) threads")
                expectSame(idx, refIdx, "\(poolCases[ci].0) max indices, \(threads) threads")
                gk_maxpool_backward(&g, dy, idx, &dx)
                expectClose(dx, refDx, rel: 1e-6, "\(poolCases[ci].0) max backward")
                var outs = [y, dx]
                for inc in 0..<2 {
                    gk_avgpool_forward(&g, x, &y, Int32(inc))
                    expectClose(y, refAvg[inc], rel: 1e-6, "\(poolCases[ci].0) avg forward include_pad=\(inc)")
                    gk_avgpool_backward(&g, dy, &dx, Int32(inc))
                    expectClose(dx, refAvgDx[inc], rel: 1e-6, "\(poolCases[ci].0) avg backward include_pad=\(inc)")
                    outs += [y, dx]
                }
                results.append(outs)
            }
        }
        for k in results[0].indices { expectSame(results[0][k], results[1][k], "pooling output \(k), 1 vs 2 threads") }
    }
}
