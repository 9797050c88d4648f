// The gridcnn command line: one root command, one file per subcommand. Results go to stdout, progress and
// messages to stderr; bad input exits 1 with one line (see shared conventions in README).
import ArgumentParser
import GridTensor

@main
struct GridCNN: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gridcnn",
        abstract: "Convolutional neural networks for scientific grid data (NetCDF/HDF5 in, CF NetCDF out).",
        version: gridcnnVersion,
        subcommands: GridCNN.registered)

    /// Training steps free and reallocate the same large tensors every step: keep them in the heap.
    static func main() {
        GridRuntime.keepFreedMemory()
        Self.main(nil)
    }
}
