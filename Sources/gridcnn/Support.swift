// What every subcommand shares: thread count, quiet mode, and turning any error into one line on stderr and exit 1.
import ArgumentParser
import Foundation
import GridTensor
import GridTrain

struct RunOptions: ParsableArguments {
    @Option(help: "Compute threads (1 gives bit-reproducible results).") var threads: Int = 1
    @Flag(help: "No progress output on stderr.") var quiet = false

    func apply() { GridRuntime.threads = threads }
}

/// Runs a job; errors become `error: <message>` on stderr and exit code 1 (never a crash or a stack trace).
func runJob(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch {
        writeStderr("error: \(describe(error))\n")
        throw ExitCode(1)
    }
}

func describe(_ error: Error) -> String {
    if let e = error as? LocalizedError, let d = e.errorDescription { return d }
    return String(describing: error)
}

/// The command line as typed, for `history` attributes.
var commandLine: String { CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ") }

func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    print(String(decoding: try e.encode(value), as: UTF8.self))
}
