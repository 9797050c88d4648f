import Foundation
import Testing
import GridTensor
import GridAutograd
import GridNN
@testable import GridModels

/// One case of Fixtures/model_counts.json (made with PyTorch by make_model_counts.py).
struct CountCase { let params: Int; let inputShape: [Int]; let outputShape: [Int] }

let modelCounts: [String: CountCase] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/model_counts.json")
    guard let data = try? Data(contentsOf: url), let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return [:] }
    var out = [String: CountCase]()
    for (k, v) in obj {
        guard let d = v as? [String: Any], let p = d["params"] as? Int, let i = d["input_shape"] as? [Int], let o = d["output_shape"] as? [Int] else { continue }
        out[k] = CountCase(params: p, inputShape: i, outputShape: o)
    }
    return out
}()

/// Zeroes the gradients, builds the loss and back-propagates, retrying when the graph was not recorded.
/// Why: GridAutograd's GradMode is one process-wide flag, so a test running concurrently inside GradMode.withNoGrad
/// (GradCheck does) can switch graph recording off under this one.
@discardableResult
func recordedBackward(_ params: [Parameter], _ loss: () -> Variable) -> Variable {
    for _ in 0..<200 {
        for p in params { p.grad = nil }
        let l = loss()
        if l.isLeaf { continue }
        l.backward()
        return l
    }
    Issue.record("the autograd graph was never recorded")
    return loss()
}

/// Trains on one fixed batch with Adam; returns the first and last loss.
func overfit(_ model: any Layer, steps: Int, learningRate: Float = 1e-2, _ loss: () -> Variable) -> (first: Float, last: Float) {
    let opt = Adam(model.parameters, learningRate: learningRate)
    var first: Float = 0, last: Float = 0
    for s in 0..<steps {
        let l = recordedBackward(opt.parameters, loss)
        opt.step()
        if s == 0 { first = l.value.item }
        last = l.value.item
    }
    return (first, last)
}

func oneHot(_ classes: [Int], count c: Int) -> Tensor {
    // [1, c, T]
    var v = [Float](repeating: 0, count: c * classes.count)
    for (t, k) in classes.enumerated() { v[k * classes.count + t] = 1 }
    return Tensor(shape: [1, c, classes.count], scalars: v)
}
