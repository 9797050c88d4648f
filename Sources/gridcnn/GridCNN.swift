// The gridcnn command line: one root command, one file per subcommand. Results go to stdout, progress and
// messages to stderr; bad input exits 1 with one line (see shared conventions in README).
import ArgumentParser
import GridTensor
import GridMPI
import Foundation

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
        startMPIIfLaunched()
        Self.main(nil)
        (Cluster.group as? MPIProcessGroup)?.finish()
    }
}

/// Under mpirun every rank joins the MPI job; reports go to stdout from the first rank only.
private func startMPIIfLaunched() {
    do {
        guard let group = try MPIProcessGroup.startIfLaunched() else { return }
        Cluster.group = group
        if group.rank > 0 { freopen("/dev/null", "w", stdout) }
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        exit(1)
    }
}
