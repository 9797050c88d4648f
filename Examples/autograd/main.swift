// Example (the README's): a convolution, ReLU and mean, differentiated in reverse mode with GridAutograd,
// then the gradient checked against a central difference.
import Foundation
import GridTensor
import GridAutograd

var rng = SeededGenerator(seed: 1)
let x = Variable(Tensor.normal([1, 2, 64, 64], rng: &rng))                               // [N, C, H, W]
let w = Variable(Tensor.normal([8, 2, 3, 3], std: 0.1, rng: &rng), requiresGrad: true)   // [Cout, Cin, kH, kW]
let y = Variable.conv(x, w, padding: .same).relu().mean()
y.backward()   // w.grad: dy/dw, same shape as w

// Check: along the gradient's direction d = g/|g|, the central difference (f(w + hd) - f(w - hd)) / 2h must equal |g|.
// f is the same function of the weights, evaluated without recording a graph.
func f(_ weights: [Float]) -> Float {
    Variable.conv(x, Variable(Tensor(shape: w.shape, scalars: weights)), padding: .same).relu().mean().value.item
}
let g = w.grad!.scalars, h: Float = 1e-2
let norm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
let numeric = (f(zip(w.value.scalars, g).map { $0 + h * $1 / norm }) - f(zip(w.value.scalars, g).map { $0 - h * $1 / norm })) / (2 * h)
print("autograd: y = \(y.value.item), |dy/dw| = \(norm), central difference along it \(numeric)")
if !(abs(norm - numeric) <= 1e-3 * norm) { exit(1) }   // also fails on NaN
