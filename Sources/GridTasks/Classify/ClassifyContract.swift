// Jet classification's data contract: made at training (images in GeV per pixel, pixel size, image shape, pixel
// and jet pT statistics, the mean training image as the network's preprocessing leaves it, the orientation and
// scaling conventions) and checked at apply and evaluate time: energy units are converted, a non-energy unit or
// another pixel size is refused, and an input whose mean image correlates poorly with training is warned about.
import Foundation
import GridTensor
import GridTrain

enum ClassifyContract {
    /// Fewer jets give a mean image too noisy to compare.
    static let minimumJetsForMeanImage = 200

    /// The contract of a classifier trained on `seen` [N, H, W] (the images as oriented for the network, GeV).
    static func make(data: JetData, seen: Tensor, rows: [Int], canonical: Bool, scaling: JetScaling) -> DataContract {
        let (mean, stats) = measure(seen, rows: rows)
        var prep = [canonical ? JetCanonical.description : "images used in the file's orientation (no canonical orientation)",
                    "pixel intensities: \(scaling.rawValue) of pT in GeV\(scaling.standardizes ? ", then standardised per pixel" : "")"]
        if let p = data.pixelSize { prep.append("pixels of \(p.map { String(format: "%g", $0) }.joined(separator: " x ")) (eta x phi)") }
        return DataContract(variables: [ContractVariable(role: "images", name: "images", units: "GeV", standardName: nil)],
                            channels: stats, meanImage: mean, imageShape: data.imageSize, pixelSize: data.pixelSize, preprocessing: prep)
    }

    /// The mean image and the statistics of pixel pT and of summed image pT over `rows` of images [N, H, W].
    static func measure(_ images: Tensor, rows: [Int]) -> (mean: [Float], stats: [ChannelStatistics]) {
        let area = images.shape[1] * images.shape[2]
        let v = images.contiguous().scalars
        var mean = [Double](repeating: 0, count: area)
        var pixels = [[Float]](), sums = [Float]()
        for r in rows {
            let img = Array(v[(r * area)..<((r + 1) * area)])
            // log(1 + pT): the mean image without the leading pixel drowning the rest (see ContractCheck).
            for k in 0..<area { mean[k] += Double(Foundation.log1p(max(img[k], 0))) }
            pixels.append(img)
            sums.append(img.reduce(0, +))
        }
        let n = Double(max(rows.count, 1))
        return (mean.map { Float($0 / n) }, [ChannelStatistics.measure("pixel_pt", pixels), ChannelStatistics.measure("image_pt", [sums])])
    }

    /// GeV per unit of an energy unit named at the start of `units` ("MeV", "GeV (summed ...)"); nil if none.
    static func gevPer(_ units: String) -> Double? {
        let word = units.split(whereSeparator: { !$0.isLetter }).first.map { $0.lowercased() } ?? ""
        return ["ev": 1e-9, "kev": 1e-6, "mev": 1e-3, "gev": 1, "tev": 1e3][word]
    }

    /// Checks `data` against the checkpoint's contract: converts energy units to GeV, refuses another unit or pixel
    /// size in one line, and says what could not be checked.
    static func adapt(_ data: inout JetData, spec: ClassifySpec) throws -> ContractCheck {
        var check = ContractCheck()
        // Every classifier was trained on GeV per pixel, with or without a contract.
        if let u = data.imageUnits {
            guard let scale = gevPer(u) else {
                throw TaskError("\(data.path): images are in '\(u)', not an energy per pixel; the model was trained on GeV per pixel")
            }
            if scale != 1 {
                data.images = data.images.contiguous().scalars.withUnsafeBufferPointer { p in
                    Tensor(shape: data.images.shape, scalars: p.map { $0 * Float(scale) })
                }
                check.adaptations.append("images converted from \(u.split(separator: " ").first!) to GeV (x\(String(format: "%g", scale)))")
                data.imageUnits = "GeV"
            }
        } else if spec.dataContract != nil {
            check.skipped.append("the file does not give its image units (image_units or images:units): GeV per pixel assumed")
        }
        guard let contract = spec.dataContract else {
            check.skipped.append("the checkpoint has no data contract (made before contracts): pixel size and image statistics are not checked")
            return check
        }
        if let want = contract.pixelSize {
            if let have = data.pixelSize {
                guard have.count == want.count, zip(have, want).allSatisfy({ abs($0 - $1) <= 0.01 * abs($1) }) else {
                    throw TaskError("\(data.path): pixels are \(have.map { String(format: "%g", $0) }.joined(separator: " x ")) but the model was trained on \(want.map { String(format: "%g", $0) }.joined(separator: " x ")) pixels; remake the images at the model's pixel size")
                }
            } else {
                check.skipped.append("the file does not give its pixel size (pixel_size): \(want.map { String(format: "%g", $0) }.joined(separator: " x ")) assumed")
            }
        }
        return check
    }

    /// Compares the input (images as oriented for the network, `rows`) with training: pixel and image pT means and
    /// the mean image.
    static func compare(_ check: inout ContractCheck, seen: Tensor, rows: [Int], spec: ClassifySpec) {
        guard let contract = spec.dataContract else { return }
        let mean = measure(seen, rows: rows).mean
        let area = seen.shape[1] * seen.shape[2]
        let v = seen.contiguous().scalars
        var pixel = ChannelMoments(), image = ChannelMoments()
        for r in rows { let img = Array(v[(r * area)..<((r + 1) * area)]); pixel.add(img); image.add([img.reduce(0, +)]) }
        check.compare([("pixel_pt", pixel), ("image_pt", image)], trained: contract.channels.map { ($0.name, $0.mean, $0.std) })
        guard let trained = contract.meanImage else { return }
        if rows.count >= minimumJetsForMeanImage {
            check.compare(meanImage: mean, trained: trained)
        } else {
            check.skipped.append("\(rows.count) jets are too few to compare their mean image with training's (at least \(minimumJetsForMeanImage))")
        }
    }
}

/// Images [N, H, W] as a classifier's network sees them before pixel scaling: canonically oriented when it was
/// trained so.
func orientedImages(_ images: Tensor, spec: ClassifySpec) -> Tensor {
    spec.canonical ? JetCanonical.apply(images) : images
}

extension ClassifyContract {
    /// The contract of an existing classifier, measured on the training split of the file it was trained on.
    static func record(_ spec: ClassifySpec, checkpoint ck: Checkpoint, trainingFile: String) throws -> DataContract {
        let data = try JetFile.load(trainingFile, fields: [.labels], imageSize: spec.imageSize)
        guard data.count == spec.jets, data.labelsChecksum == spec.labelsSHA256, let codes = ck.extras["split"] else {
            throw TaskError("\(trainingFile): not the file this classifier was trained on (jet count or labels differ, or no stored split)")
        }
        let rows = JetSplit(codes: codes).train
        return make(data: data, seen: orientedImages(data.images, spec: spec), rows: rows, canonical: spec.canonical, scaling: spec.scaling)
    }
}
