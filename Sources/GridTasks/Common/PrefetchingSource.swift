// Builds the trainer's next batches on a background thread while the current step computes, so a source that
// reads from disk does not make the trainer wait. The trainer announces each coming batch with its indices and
// generator (BatchSource.willRequest); a batch is the same whichever thread builds it, so results do not depend on
// timing. At most `depth` batches are held ahead, so memory stays bounded.
import Foundation
import GridTensor
import GridTrain

/// Time the trainer spent in `batch` (waiting for a batch built ahead, or building it itself).
struct LoaderTiming: Codable, Sendable {
    var batches = 0
    /// Batches that were ready (or in progress) when asked for.
    var builtAhead = 0
    /// Seconds the training loop spent waiting for or building batches.
    var seconds = 0.0
}

final class PrefetchingSource<Source: BatchSource>: BatchSource, @unchecked Sendable {
    private let source: Source
    private let depth: Int
    private let condition = NSCondition()
    private var queue = [(indices: [Int], rng: SeededGenerator)]()
    private var building: (indices: [Int], rng: SeededGenerator)?
    private var ready = [(indices: [Int], rng: SeededGenerator, batch: Batch, after: SeededGenerator)]()
    private var stopped = false
    private var timing = LoaderTiming()
    private var worker: Thread?

    init(_ source: Source, depth: Int = 4) {
        self.source = source; self.depth = max(1, depth)
        let t = Thread { [weak self] in self?.run() }
        t.name = "gridcnn-prefetch"
        t.start()
        worker = t
    }

    deinit { stop() }

    /// Ends the background thread (pending work is dropped).
    func stop() {
        condition.lock(); stopped = true; condition.broadcast(); condition.unlock()
    }

    var sampleCount: Int { source.sampleCount }

    var loaderTiming: LoaderTiming { condition.lock(); defer { condition.unlock() }; return timing }

    func willRequest(_ upcoming: [(indices: [Int], rng: SeededGenerator)]) {
        condition.lock(); defer { condition.unlock() }
        for u in upcoming.prefix(depth) {
            let known = queue.contains { $0.indices == u.indices && $0.rng == u.rng }
                || ready.contains { $0.indices == u.indices && $0.rng == u.rng }
                || (building.map { $0.indices == u.indices && $0.rng == u.rng } ?? false)
            if !known { queue.append(u) }
        }
        condition.broadcast()
    }

    func batch(_ indices: [Int], rng: inout SeededGenerator) -> Batch {
        let started = Date()
        condition.lock()
        defer { timing.batches += 1; timing.seconds += Date().timeIntervalSince(started); condition.unlock() }
        let key = rng
        queue.removeAll { $0.indices == indices && $0.rng == key }
        while let b = building, b.indices == indices, b.rng == key { condition.wait() }
        if let i = ready.firstIndex(where: { $0.indices == indices && $0.rng == key }) {
            let r = ready.remove(at: i)
            // Batches built before it were announced and never asked for: drop them, and let the worker go on.
            ready.removeFirst(i)
            condition.broadcast()
            timing.builtAhead += 1
            rng = r.after
            return r.batch
        }
        // Not announced (first step of an epoch, or a resumed run): build it here.
        condition.unlock()
        let b = source.batch(indices, rng: &rng)
        condition.lock()
        return b
    }

    private func run() {
        while true {
            condition.lock()
            while !stopped && (queue.isEmpty || ready.count >= depth) { condition.wait() }
            if stopped { condition.unlock(); return }
            let job = queue.removeFirst()
            building = job
            condition.unlock()
            var rng = job.rng
            let b = source.batch(job.indices, rng: &rng)
            condition.lock()
            building = nil
            ready.append((job.indices, job.rng, b, rng))
            // Batches announced but never asked for (an epoch ended early) must not pile up.
            if ready.count > 2 * depth { ready.removeFirst(ready.count - 2 * depth) }
            condition.broadcast()
            condition.unlock()
        }
    }
}
