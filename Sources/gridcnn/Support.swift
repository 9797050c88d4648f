// What every subcommand shares: thread count, quiet mode, the training and output flags, Ctrl-C, and turning any
// error into one line on stderr with exit 1 (130 / 143 after an interrupt that saved resumable state).
import ArgumentParser
import Foundation
import GridPlot
import GridTasks
import GridTensor
import GridTrain

struct RunOptions: ParsableArguments {
    @Option(help: "Compute threads (1 gives bit-reproducible results).") var threads: Int = 1
    @Flag(help: "No progress output on stderr.") var quiet = false
    @Flag(help: "Under mpirun: progress and messages from every rank, not only the first.") var verbose = false

    func apply() { GridRuntime.threads = threads }

    /// Progress off when asked, and on ranks after the first unless --verbose.
    var silent: Bool { quiet || (!Cluster.group.isRoot && !verbose) }
}

/// The processes this run is one of: the MPI ranks when started by mpirun, else this process alone.
enum Cluster {
    nonisolated(unsafe) static var group: ProcessGroup = SingleProcess()
}

/// The flags of every `train` command. Options left out keep the job's own defaults (listed in each command's help),
/// which live once, in the job's request type.
struct TrainingFlags: ParsableArguments {
    @Option(name: [.customLong("output"), .customLong("out")], help: "Checkpoint to write (HDF5).") var output: String
    @Option(help: "Epochs.") var epochs: Int?
    @Option(help: "Optimiser steps per epoch (0: one pass over the training samples).") var stepsPerEpoch: Int?
    @Option(help: "Batch size.") var batchSize: Int?
    @Option(help: "Learning rate (AdamW, cosine schedule).") var lr: Float?
    @Option(help: "Weight decay (AdamW).") var weightDecay: Float?
    @Option(help: "Clip the gradient norm at this value (0: off).") var clipNorm: Float?
    @Option(help: "Stop after this many epochs without a better validation score (0: never).") var patience: Int?
    @Option(help: "Random seed (split, initialisation, batches).") var seed: UInt64?
    @Flag(help: "Replace an existing checkpoint (only once the new one is complete).") var overwrite = false
    @Option(help: "Continue an interrupted run from the OUT.interrupted.h5 it left (same command and options).") var resume: String?
    @Option(help: ArgumentHelp("Stop after this many steps as Ctrl-C would (scripted time limits).", visibility: .hidden)) var stopAtStep: Int?
    @Flag(help: "Print the training report as JSON on stdout.") var json = false
    @Option(help: "Also draw the training curves (loss and validation score against steps) to this .png, .svg or .pdf.") var figure: String?
    @OptionGroup var runOptions: RunOptions

    /// Refuses an unwritable --figure before training starts.
    func checkFigure() throws { if let figure { try Figure.check(figure) } }

    /// Draws the training curves when --figure was given.
    func drawCurves(_ summary: TrainingSummary, task: String, metric: String, shown: (Double) -> Double = { $0 },
                    baselines: [(String, Double)] = []) throws {
        guard let figure else { return }
        try TrainingFigure.write(figure, summary: summary, task: task, metric: metric, shown: shown, baselines: baselines)
    }

    /// Applies the given flags over the job's defaults and connects Ctrl-C / SIGTERM.
    func apply(to run: inout TrainingRun) {
        runOptions.apply()
        var o = run.options
        if let epochs { o.epochs = epochs }
        if let stepsPerEpoch { o.stepsPerEpoch = stepsPerEpoch == 0 ? nil : stepsPerEpoch }
        if let batchSize { o.batchSize = batchSize }
        if let lr { o.learningRate = lr }
        if let weightDecay { o.weightDecay = weightDecay }
        if let clipNorm { o.clipNorm = clipNorm == 0 ? nil : clipNorm }
        if let patience { o.patience = patience == 0 ? nil : patience }
        if let seed { o.seed = seed }
        run.options = o
        run.output = output; run.overwrite = overwrite; run.resume = resume; run.stopAtStep = stopAtStep
        run.quiet = runOptions.silent; run.version = gridcnnVersion
        run.interrupt = SignalInterrupt.install()
        run.group = Cluster.group
    }

    /// "Defaults: 20 epochs of 20 steps, batch 16, lr 0.002." for a command's help.
    static func defaults(_ o: TrainingOptions) -> String {
        var parts = ["\(o.epochs) epochs" + (o.stepsPerEpoch.map { " of \($0) steps" } ?? ""), "batch \(o.batchSize)",
                     "lr \(o.learningRate)", "seed \(o.seed)"]
        if o.weightDecay != 0 { parts.append("weight decay \(o.weightDecay)") }
        if let c = o.clipNorm { parts.append("gradient norm clipped at \(c)") }
        if let p = o.patience { parts.append("patience \(p)") }
        return "Defaults: " + parts.joined(separator: ", ") + "."
    }
}

/// The flags of every command that writes a file (result, figure or table outputs besides it are the job's own).
struct OutputFlags: ParsableArguments {
    @Option(help: "Output file (written to a temporary name beside it and renamed when complete).") var output: String
    @Flag(help: "Replace an existing output file (only once the new one is complete).") var overwrite = false
    @Flag(help: "Print the report as JSON on stdout.") var json = false
    @OptionGroup var runOptions: RunOptions

    /// Applies the flags and the provenance (command line, version) to a job's output settings.
    func apply(to o: inout OutputSettings) {
        runOptions.apply()
        o.path = output; o.overwrite = overwrite; o.quiet = runOptions.silent; o.history = commandLine; o.version = gridcnnVersion
        o.group = Cluster.group
    }
}

/// The flags of every `evaluate` command: the checkpoint, JSON or a table, threads and quiet.
struct EvaluateFlags: ParsableArguments {
    @Option(help: "Checkpoint written by the task's `gridcnn train`.") var model: String
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var runOptions: RunOptions
    var quiet: Bool { runOptions.silent }

    /// Runs an evaluation and prints its result as JSON or as the job's table.
    func report<T: Encodable>(_ evaluate: () throws -> T, table: (T) -> String) throws {
        try runJob {
            runOptions.apply()
            let e = try evaluate()
            if json { try printJSON(e) } else { print(table(e)) }
        }
    }
}

/// SIGINT and SIGTERM while training: the first asks the job to stop after its step and save; a second one ends
/// the process at once.
nonisolated(unsafe) private var caughtSignal: sig_atomic_t = 0

final class SignalInterrupt: InterruptSource {
    static func install() -> SignalInterrupt {
        // A launcher may hand the signals over blocked (threads of some runtimes block them and their children
        // inherit the mask); a stop request must still arrive.
        var set = sigset_t()
        sigemptyset(&set)
        for s in [SIGINT, SIGTERM] { sigaddset(&set, s) }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
        for s in [SIGINT, SIGTERM] {
            signal(s) { sig in
                if caughtSignal != 0 { signal(sig, SIG_DFL); raise(sig); return }
                caughtSignal = sig
            }
        }
        return SignalInterrupt()
    }
    var pendingSignal: Int32? { caughtSignal == 0 ? nil : Int32(caughtSignal) }
}

/// Runs a job; errors become `error: <message>` on stderr and exit code 1 (never a crash or a stack trace); an
/// interrupted training run exits 130 (SIGINT) or 143 (SIGTERM) after saying how to resume.
func runJob(_ body: () throws -> Void) throws {
    do { try body() } catch let e as ExitCode { throw e } catch let e as CleanExit { throw e } catch let e as TrainingInterrupted {
        if Cluster.group.isRoot { writeStderr("interrupted: \(e.description)\n") }   // one line, not one per rank
        throw ExitCode(e.exitCode)
    } catch {
        let group = Cluster.group
        // The first rank speaks for all; another rank waits a moment, so that a failure every rank meets (a bad
        // input) is reported once, and speaks only when it alone failed.
        if group.size > 1 && !group.isRoot {
            // mpirun ends the others with SIGTERM, which a training run catches: leave quietly when it comes.
            for _ in 0..<40 where caughtSignal == 0 { usleep(50_000) }
            if caughtSignal != 0 { exit(1) }
        }
        writeStderr("error: " + (group.size > 1 ? "rank \(group.rank): " : "") + "\(describe(error))\n")
        // The other ranks may wait in a collective for this one: end them all.
        if group.size > 1 { group.abort(code: 1) }
        throw ExitCode(1)
    }
}

func describe(_ error: Error) -> String {
    let text: String
    if let e = error as? ValidationError { text = e.message }
    else if let e = error as? LocalizedError, let d = e.errorDescription { text = d }
    else { text = String(describing: error) }
    // One line whatever the message quotes: names read from a damaged file may hold newlines or other controls.
    return text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7f ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
}

/// The command line as typed, for `history` attributes.
var commandLine: String { CommandLine.arguments.map { $0.contains(" ") ? "'\($0)'" : $0 }.joined(separator: " ") }

/// Every command's `--json`: one document, snake_case keys.
func printJSON<T: Encodable>(_ value: T) throws {
    let e = JSONEncoder()
    e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    e.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try e.encode(value), as: UTF8.self))
}
