import Testing
import GridTensor
import GridMPI

@Suite struct ProcessGroupTests {
    @Test func aMissingMPILibraryIsOneClearError() {
        do {
            _ = try MPIProcessGroup(library: "/nonexistent/libmpi.so.40")
            Issue.record("loading a missing library succeeded")
        } catch {
            let text = "\(error)"
            #expect(text.contains("cannot load /nonexistent/libmpi.so.40"))
            #expect(!text.contains("\n"))
        }
    }

    @Test func aLibraryThatIsNotOpenMPIIsRefused() {
        do {
            _ = try MPIProcessGroup(library: "libm.so.6")
            Issue.record("libm was taken for MPI")
        } catch {
            #expect("\(error)".contains("not Open MPI's ABI"))
        }
    }

    /// Shares cover the batch exactly once, in order, for any number of ranks.
    @Test func sharesPartitionTheBatch() {
        final class Fake: ProcessGroup {
            let rank: Int, size: Int
            init(_ r: Int, _ s: Int) { rank = r; size = s }
            func allReduceSum(_ values: inout [Float]) throws {}
            func allReduceSum(_ values: inout [Double]) throws {}
            func broadcast(_ bytes: inout [UInt8], root: Int) throws {}
            func send(_ bytes: [UInt8], to rank: Int, tag: Int) throws {}
            func receive(count: Int, from rank: Int, tag: Int) throws -> [UInt8] { [] }
            func abort(code: Int32) -> Never { fatalError() }
        }
        for size in 1...7 {
            for count in [size, 16, 17, 33] {
                let parts = (0..<size).map { Fake($0, size).share(of: count) }
                #expect(parts.flatMap { Array($0) } == Array(0..<count))
                #expect(parts.allSatisfy { !$0.isEmpty })
            }
        }
        #expect(!SingleProcess().share(of: 5).isEmpty && SingleProcess().isRoot)
    }
}
