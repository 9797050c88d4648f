// gridcnn train/evaluate syllables, classify-syllables (TDNN on b/d/g); train/evaluate sequence and generate
// (WaveNet on audio, or on a NetCDF time series).
import ArgumentParser
import Foundation
import GridPlot
import GridTasks
import GridTrain

private func voiceList(_ s: String?) -> [String]? {
    s.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
}

struct TrainSyllablesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syllables",
        abstract: "Train Waibel's TDNN to tell /b/, /d/, /g/ apart from 16 mel bands x 15 frames around the onset.",
        discussion: """
        DATA is DIR/<voice>/<b|d|g>*.wav (e.g. datasets/speech/syllables). Whole voices are held out: every 4th voice \
        (sorted) for testing and every 6th of the rest for validation, unless named with --test-voices/--validation-voices.
        Example:
          gridcnn train syllables --data datasets/speech/syllables --epochs 150 --output tdnn.h5
        \(TrainingFlags.defaults(SyllableTrainRequest(data: "", output: "").run.options))
        """)

    @Option(help: "Corpus directory: DIR/<voice>/<b|d|g>*.wav.") var data: String
    @Option(help: "Held-out test voices, comma-separated; shell patterns such as 'festival-hts-*' hold out a whole synthesiser (default: every 4th voice).") var testVoices: String?
    @Option(help: "Validation voices, comma-separated names or shell patterns, among those not held out (default: every 6th remaining voice).") var validationVoices: String?
    @Option(help: "Onset shifts in frames used as augmentation, comma-separated.") var shifts = "-1,0,1"
    @Option(help: "Fraction of training tokens given white noise at a random SNR in [0, 30] dB.") var noiseFraction = 0.5
    @Option(help: "Hidden units of the first TDNN layer (Waibel: 8).") var hidden = 8
    @OptionGroup var flags: TrainingFlags

    func run() throws {
        try runJob {
            var r = SyllableTrainRequest(data: data, output: flags.output)
            r.testVoices = voiceList(testVoices); r.validationVoices = voiceList(validationVoices)
            r.shifts = try shifts.split(separator: ",").map { s in
                guard let v = Int(s.trimmingCharacters(in: .whitespaces)) else { throw TaskError("--shifts: '\(s)' is not an integer") }
                return v
            }
            guard (0...1).contains(noiseFraction) else { throw TaskError("--noise-fraction must be in [0, 1]") }
            r.noiseFraction = noiseFraction; r.hidden = hidden
            try flags.checkFigure()
            flags.apply(to: &r.run)
            let report = try SyllableTraining.run(r)
            try flags.drawCurves(report.training, task: "train syllables", metric: "validation cross-entropy")
            if flags.json { try printJSON(report) } else {
                print(String(format: "trained %d epochs (%d steps) in %.1f s; validation loss %.4f, accuracy %.1f%%; test voices %@; checkpoint %@",
                             report.training.epochs, report.training.steps, report.training.seconds, report.bestValidationLoss ?? .nan, 100 * (report.validationAccuracy ?? .nan),
                             (report.voices["test"] ?? []).joined(separator: ","), report.training.checkpoint))
            }
        }
    }
}

struct EvaluateSyllablesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "syllables", abstract: "Score the TDNN and a nearest-centroid baseline on held-out voices, clean and in white noise.",
        discussion: """
        Noise is added to the waveform at each SNR (over the whole clip) before the features are computed; each clip \
        gets --repeats seeded noise draws.
        Example:
          gridcnn evaluate syllables --model tdnn.h5 --data datasets/speech/syllables --snr clean,20,10,5,0 --json
        """)

    @OptionGroup var flags: EvaluateFlags
    @Option(help: "Corpus directory (as in training).") var data: String
    @Option(help: "Voices to score, comma-separated names or shell patterns, e.g. 'flite-*' (default: the model's test voices).") var voices: String?
    @Option(help: "Conditions: 'clean' and SNRs in dB, comma-separated.") var snr = "clean,20,10,5,0"
    @Option(help: "Noise draws per clip at each SNR.") var repeats = 5
    @Option(help: "Seed of the noise.") var seed: UInt64 = 0
    @Option(help: "Also draw accuracy against SNR to this .png, .svg or .pdf.") var figure: String?

    func run() throws {
        try flags.report({
            var r = SyllableEvaluateRequest(model: flags.model, data: data)
            r.voices = voiceList(voices); r.repeats = repeats; r.seed = seed; r.quiet = flags.quiet; r.figure = figure
            if let figure { try Figure.check(figure) }
            r.snrs = try snr.split(separator: ",").map { s -> Double? in
                let t = s.trimmingCharacters(in: .whitespaces).lowercased()
                if t == "clean" || t == "inf" { return nil }
                guard let v = Double(t.replacingOccurrences(of: "db", with: "")), v.isFinite else {
                    throw TaskError("--snr: '\(s)' is neither 'clean' nor a number of dB")
                }
                return v
            }
            return try SyllableEvaluating.run(r)
        }, table: SyllableEvaluating.table)
    }
}

struct ClassifySyllablesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classify-syllables", abstract: "Say which consonant (b, d or g) starts each WAV clip, with probabilities.",
        discussion: "Clips at other sample rates are resampled to the model's 16 kHz.\nExample:\n  gridcnn classify-syllables --model tdnn.h5 --input ba.wav --input gu.wav")

    @Option(help: "Checkpoint from `gridcnn train syllables`.") var model: String
    @Option(help: "WAV clip (repeatable).") var input: [String] = []
    @Argument(help: "More WAV clips.") var more: [String] = []
    @Flag(help: "Mix multi-channel files down to mono instead of refusing them.") var mix = false
    @Flag(help: "JSON on stdout.") var json = false
    @OptionGroup var runOptions: RunOptions

    func run() throws {
        try runJob {
            runOptions.apply()
            guard !(input + more).isEmpty else { throw TaskError("name at least one WAV clip (--input FILE or FILE ...)") }
            let preds = try SyllableClassifying.run(model: model, inputs: input + more, mixDown: mix, quiet: runOptions.quiet)
            if json { try printJSON(preds) } else {
                for p in preds {
                    let probs = p.probabilities.keys.sorted().map { String(format: "%@ %.3f", $0, p.probabilities[$0]!) }.joined(separator: "  ")
                    print("\(p.file): \(p.consonant)   (\(probs); onset \(String(format: "%.2f", p.onsetSeconds)) s)")
                }
            }
        }
    }
}

struct TrainSequenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sequence",
        abstract: "Train a WaveNet for next-sample prediction: mu-law audio (WAV) or a 1-D NetCDF time series.",
        discussion: """
        Audio: --input WAV files or directories (resampled to --rate); the last --validation-files file(s) pick the epoch.
        Series: --input FILE.nc:VAR; the final --test-fraction is held out for `evaluate`, the --validation-fraction
        before it picks the epoch; the network predicts the next increment (0 = persistence).
        Examples:
          gridcnn train sequence --input datasets/speech/sentences --epochs 6 --output wavenet.h5
          gridcnn train sequence --input datasets/speech/ecg.nc:ecg --layers 8 --window 2000 --output ecg.h5
        \(TrainingFlags.defaults(SequenceTrainRequest(inputs: [], output: "").run.options))
        """)

    @Option(help: "WAV files/directories, or one FILE.nc:VAR (repeatable).") var input: [String]
    @Option(name: .customLong("var"), help: "Series variable (instead of FILE.nc:VAR).") var variable: String?
    @Option(help: "Audio sample rate in Hz (other rates are resampled).") var rate = 16000
    @Flag(help: "Mix multi-channel WAV files down to mono instead of refusing them.") var mix = false
    @Option(help: "Training window in samples.") var window = 4000
    @Option(help: "Residual channels.") var residual = 32
    @Option(help: "Skip channels.") var skip = 64
    @Option(help: "Layers per stack (dilations 1, 2, ..., 2^(layers-1)).") var layers = 9
    @Option(help: "Stacks.") var stacks = 1
    @Option(help: "Audio: files held out for validation (the last ones).") var validationFiles = 1
    @Option(help: "Series: final fraction held out for testing.") var testFraction = 0.2
    @Option(help: "Series: fraction before the test segment used for validation.") var validationFraction = 0.1
    @Option(help: "Order of the LPC / AR baseline.") var lpcOrder = 16
    @Option(help: "Audio: scale each training window by a random gain in [-DB, 0] dB (0: off).") var augmentGain: Float = 0
    @Option(help: "Audio: add white noise at a random RMS in [-90, DB] dBFS to half the training windows.") var augmentNoise: Float?
    @Option(help: "Audio: also score these WAV files/directories after every epoch (reported, never used to pick the epoch).") var monitor: [String] = []
    @Option(help: "Draw the --monitor scores against steps, with the baselines on those files (.png, .svg or .pdf).") var monitorFigure: String?
    @OptionGroup var flags: TrainingFlags

    func run() throws {
        try runJob {
            var r = SequenceTrainRequest(inputs: input, output: flags.output)
            r.variable = variable; r.sampleRate = rate; r.mixDown = mix; r.window = window
            r.residualChannels = residual; r.skipChannels = skip; r.layers = layers; r.stacks = stacks
            r.validationFiles = validationFiles; r.testFraction = testFraction; r.validationFraction = validationFraction; r.lpcOrder = lpcOrder
            guard rate > 0 else { throw TaskError("--rate must be positive") }
            guard augmentGain >= 0, augmentGain <= 60, (augmentNoise ?? -60) > -90, (augmentNoise ?? -60) <= 0 else {
                throw TaskError("--augment-gain must be in [0, 60] dB and --augment-noise in (-90, 0] dBFS")
            }
            r.monitor = monitor
            if augmentGain > 0 || augmentNoise != nil { r.augmentation = AudioAugmentation(gainDB: augmentGain, noiseDB: augmentNoise) }
            try flags.checkFigure()
            flags.apply(to: &r.run)
            if let monitorFigure {
                guard !monitor.isEmpty else { throw TaskError("--monitor-figure draws the --monitor scores: give --monitor too") }
                try Figure.check(monitorFigure)
            }
            let report = try SequenceTraining.run(r)
            if let monitorFigure, let curve = report.monitorCurve {
                try SequenceFigure.writeMonitor(monitorFigure, curve: curve, baselines: report.monitorBaselines ?? [:],
                                                title: "WaveNet on \(monitor.joined(separator: ", ")) during training")
            }
            try flags.drawCurves(report.training, task: "train sequence", metric: report.metric == "bits_per_sample" ? "validation bits/sample" : "validation \(report.metric.uppercased())",
                                 baselines: report.validationBaselines.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            if flags.json { try printJSON(report) } else {
                let base = report.validationBaselines.keys.sorted().map { String(format: "%@ %.4f", $0, report.validationBaselines[$0]!) }.joined(separator: ", ")
                print(String(format: "trained %d epochs (%d steps) in %.1f s; validation %@ %.4f (%@); checkpoint %@",
                             report.training.epochs, report.training.steps, report.training.seconds, report.metric, report.bestValidation ?? .nan, base, report.training.checkpoint))
            }
        }
    }
}

struct EvaluateSequenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sequence", abstract: "Score a WaveNet against its baselines: bits/sample on held-out audio, or forecast RMSE.",
        discussion: """
        Examples:
          gridcnn evaluate sequence --model wavenet.h5 --input /usr/share/sounds/alsa --json
          gridcnn evaluate sequence --model ecg.h5 --json      (the final held-out segment of the training series)
        """)

    @OptionGroup var flags: EvaluateFlags
    @Option(help: "Audio: held-out WAV files/directories (repeatable). Series: FILE.nc:VAR (default: the training series).") var input: [String] = []
    @Option(name: .customLong("var"), help: "Series variable.") var variable: String?
    @Flag(help: "Mix multi-channel WAV files down to mono instead of refusing them.") var mix = false
    @Option(help: "Series models: draw the held-out series with the one-step forecasts to this .png, .svg or .pdf.") var figure: String?

    func run() throws {
        try flags.report({
            var r = SequenceEvaluateRequest(model: flags.model)
            r.inputs = input; r.variable = variable; r.mixDown = mix; r.quiet = flags.quiet; r.figure = figure
            if let figure { try Figure.check(figure) }
            return try SequenceEvaluating.run(r)
        }, table: SequenceEvaluating.table)
    }
}

struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Sample audio from a WaveNet, one sample at a time with cached layer queues; writes 16-bit WAV.",
        discussion: "Example:\n  gridcnn generate --model wavenet.h5 --seconds 2 --output out.wav --seed 1 --temperature 0.9")

    @Option(help: "Checkpoint from `gridcnn train sequence` on audio.") var model: String
    @Option(help: "Length in seconds.") var seconds = 2.0
    @Option(help: "Random seed.") var seed: UInt64 = 0
    @Option(help: "Softmax temperature (below 1: more conservative).") var temperature: Float = 1
    @OptionGroup var out: OutputFlags

    func run() throws {
        try runJob {
            var o = OutputSettings(path: out.output, history: commandLine)
            out.apply(to: &o)
            let g = try SequenceGenerating.run(model: model, seconds: seconds, output: o, seed: seed, temperature: temperature)
            if out.json { try printJSON(g) } else {
                print(String(format: "wrote %d samples (%.2f s at %d Hz) to %@ in %.1f s (%.0f samples/s)", g.samples,
                             Double(g.samples) / Double(g.sampleRate), g.sampleRate, g.output, g.seconds, g.samplesPerSecond))
            }
        }
    }
}
