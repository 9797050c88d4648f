import Testing
import GridAutograd
import GridNN

/// Zeroes the gradients of `must`, builds the loss and back-propagates, retrying when the graph was not recorded.
/// Why: GridAutograd's GradMode is one process-wide flag, so a test running concurrently inside GradMode.withNoGrad
/// (GradCheck does) can switch graph recording off under this one. Returns the loss.
@discardableResult
func recordedBackward(must params: [Parameter], _ loss: () -> Variable) -> Variable {
    for _ in 0..<200 {
        for p in params { p.grad = nil }
        let l = loss()
        if l.isLeaf { continue }
        l.backward()
        if params.allSatisfy({ $0.grad != nil || !$0.requiresGrad }) { return l }
    }
    Issue.record("the autograd graph was never recorded")
    return loss()
}
