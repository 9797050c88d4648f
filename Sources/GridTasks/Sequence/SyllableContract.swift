// The syllable models' data contract: mono audio at the feature sample rate (other rates are resampled and stereo
// mixed down on loading), the feature pipeline's settings, each mel band's statistics over the training tokens and
// the mean training token. Evaluation compares the held-out clips' clean tokens with it (standardised mean shift per
// band, correlation of the mean token) and names what was resampled.
import Foundation
import GridTensor

enum SyllableContract {
    /// The contract of a model trained on `tokens` ([bands, frames] each, before normalisation).
    static func make(tokens: [Tensor], config c: SpeechFeatureConfig) -> DataContract {
        let (mean, stats) = measure(tokens)
        return DataContract(
            variables: [ContractVariable(role: "audio", name: "waveform", units: "1 (full scale = 1), mono, \(c.sampleRate) Hz", standardName: nil)],
            channels: stats, meanImage: mean, imageShape: [c.bands, c.frames],
            preprocessing: ["mono at \(c.sampleRate) Hz: other rates are resampled, stereo is mixed down",
                            String(format: "pre-emphasis %.2f, %.0f ms Hamming windows every %.0f ms, FFT %d, %d mel bands, log(power + %g)",
                                   c.preEmphasis, c.windowMs, c.hopMs, c.fftSize, c.bands, c.powerFloor),
                            String(format: "onset: first frame within %.0f dB of the peak %.0f-%.0f Hz energy; tokens of %d frames starting %d before it",
                                   c.onsetBelowPeakDB, c.onsetBandHz[0], c.onsetBandHz[1], c.frames, c.framesBeforeOnset),
                            c.tokenScaling ? "each token scaled to [-1, 1] about its mean" : "no per-token scaling",
                            "bands standardised with the training tokens' mean and std"])
    }

    /// Mean token and per-band statistics of tokens [bands, frames].
    static func measure(_ tokens: [Tensor]) -> (mean: [Float], stats: [ChannelStatistics]) {
        guard let first = tokens.first else { return ([], []) }
        let (bands, frames) = (first.shape[0], first.shape[1])
        var mean = [Double](repeating: 0, count: bands * frames)
        var perBand = [[Float]](repeating: [], count: bands)
        for t in tokens {
            let v = t.contiguous().scalars
            for k in 0..<(bands * frames) { mean[k] += Double(v[k]) }
            for b in 0..<bands { perBand[b] += v[(b * frames)..<((b + 1) * frames)] }
        }
        let n = Double(tokens.count)
        return (mean.map { Float($0 / n) }, perBand.enumerated().map { ChannelStatistics.measure("band_\($0.offset)", [$0.element]) })
    }

    /// Compares clean tokens of the input clips with training.
    static func compare(_ check: inout ContractCheck, tokens: [Tensor], spec: SyllableSpec) {
        guard let contract = spec.dataContract else {
            check.skipped.append("the checkpoint has no data contract (made before contracts): the clips' features are not compared with training")
            return
        }
        guard let first = tokens.first else { return }
        let (bands, frames) = (first.shape[0], first.shape[1])
        var moments = [ChannelMoments](repeating: ChannelMoments(), count: bands)
        for t in tokens {
            let v = t.contiguous().scalars
            for b in 0..<bands { moments[b].add(Array(v[(b * frames)..<((b + 1) * frames)])) }
        }
        check.compare(moments.enumerated().map { ("band_\($0.offset)", $0.element) }, trained: contract.channels.map { ($0.name, $0.mean, $0.std) })
        if let trained = contract.meanImage { check.compare(meanImage: measure(tokens).mean, trained: trained) }
    }
}
