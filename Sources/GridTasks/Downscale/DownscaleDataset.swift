// The downscaling problem as tensors. Input channels on the fine grid: the coarse field interpolated (bicubic) and
// each static field (elevation, land fraction), all standardised; target: the residual of the truth over the
// interpolation, in units of the truth's standard deviation. The CNN learns only what interpolation misses.
import Foundation
import GridTensor
import GridTrain

/// What the checkpoint records about a downscaling model besides its weights.
public struct DownscaleSpec: Codable, Equatable, Sendable {
    public var variable: String
    public var units: String?
    public var longName: String?
    public var standardName: String?
    public var factor: Int
    public var interpolation: Interpolation
    public var fieldNorm: Standardization
    /// One per static channel, in order.
    public var staticNames: [String]
    public var staticNorms: [Standardization]
    public var fineHeight: Int
    public var fineWidth: Int
    /// Time indices of the truth file held out for validation.
    public var validationSteps: [Int]
    public var trainingSteps: [Int]
    public var truthPath: String?
    public var patchSize: Int
    /// When true the network corrects a climatology-aware first guess (see DownscaleInputs.firstGuess) and needs
    /// the training climatologies, so it applies only on the training grid.
    public var useClimatology: Bool
    /// Every truth file (absolute paths; nil in models trained before multi-file datasets).
    public var truthPaths: [String]? = nil
    /// First and last training time (ISO 8601), when the truth has CF times.
    public var trainingPeriod: [String]? = nil
    /// Coarse predictor variables (e.g. sea-level pressure, winds), in channel order, each standardised; nil in
    /// models trained without them.
    public var predictorNames: [String]? = nil
    public var predictorNorms: [Standardization]? = nil
    /// What the model was trained on (DownscaleContract.swift); nil in models trained before contracts.
    public var dataContract: DataContract? = nil
}

/// Training-period means: of the fine truth, and of the coarse input interpolated to the fine grid.
public struct DownscaleClimatology {
    public var fine: Tensor        // [H, W]
    public var coarseOnFine: Tensor // [H, W]
    public init(fine: Tensor, coarseOnFine: Tensor) { self.fine = fine; self.coarseOnFine = coarseOnFine }

    public var tensors: [String: Tensor] { ["fine_climatology": fine, "coarse_climatology_interpolated": coarseOnFine] }
    public init?(_ t: [String: Tensor]) {
        guard let f = t["fine_climatology"], let c = t["coarse_climatology_interpolated"] else { return nil }
        fine = f; coarseOnFine = c
    }
}

/// Builds model inputs for any time steps of a coarse field, given the statics and the spec.
public struct DownscaleInputs {
    public let spec: DownscaleSpec
    /// [S, H, W] standardised static fields (NaN replaced by 0).
    public let statics: Tensor?
    public let climatology: DownscaleClimatology?

    public init(spec: DownscaleSpec, statics rawStatics: [Tensor], climatology: DownscaleClimatology? = nil) throws {
        self.spec = spec
        if spec.useClimatology {
            guard let c = climatology else { throw TaskError("the model needs its training climatology, which the checkpoint lacks") }
            guard c.fine.shape == [spec.fineHeight, spec.fineWidth] else {
                throw TaskError("the model was trained with the climatology of a \(c.fine.shape[0])x\(c.fine.shape[1]) grid; this grid is \(spec.fineHeight)x\(spec.fineWidth)")
            }
        }
        self.climatology = spec.useClimatology ? climatology : nil
        guard rawStatics.count == spec.staticNorms.count else {
            throw TaskError("the model was trained with \(spec.staticNorms.count) static field(s) (\(spec.staticNames.joined(separator: ", "))), \(rawStatics.count) given")
        }
        if rawStatics.isEmpty { statics = nil; return }
        for (i, s) in rawStatics.enumerated() where s.shape != [spec.fineHeight, spec.fineWidth] {
            throw TaskError("static field \(spec.staticNames[i]) is \(s.shape[0])x\(s.shape[1]) but the fine grid is \(spec.fineHeight)x\(spec.fineWidth)")
        }
        statics = Tensor.stack(zip(rawStatics, spec.staticNorms).map { $1.apply($0).replacingNaN(with: 0) }, axis: 0)
    }

    public var predictorCount: Int { spec.predictorNorms?.count ?? 0 }

    public var channels: Int { 1 + (statics?.shape[0] ?? 0) + (climatology == nil ? 0 : 2) + predictorCount }

    /// The first guess the network corrects: the interpolated field, or with a climatology its anomaly from the
    /// coarse climatology added to the fine climatology (BCSD's spatial disaggregation without quantile mapping).
    public func firstGuess(interpolated: Tensor) -> Tensor {
        firstGuess(interpolated: interpolated, region: (0..<spec.fineHeight, 0..<spec.fineWidth))
    }

    /// The same for a patch: `interpolated` [T, h, w] covers `region` (rows, columns) of the fine grid.
    func firstGuess(interpolated: Tensor, region: (Range<Int>, Range<Int>)) -> Tensor {
        guard let c = climatology else { return interpolated }
        return interpolated + crop(c.fine - c.coarseOnFine, region).unsqueezed(0)
    }

    /// Interpolation of coarse [T, h, w] to the fine grid, in physical units.
    public func interpolate(_ coarse: Tensor) -> Tensor {
        Regrid.interpolate(coarse, height: spec.fineHeight, width: spec.fineWidth, method: spec.interpolation)
    }

    /// Model input [T, C, H, W] from the interpolated field [T, H, W]: first guess, interpolation, statics,
    /// fine climatology (the last three as available), all standardised.
    /// `predictors`: each predictor interpolated to the fine grid [T, H, W], in the spec's order.
    public func modelInput(interpolated: Tensor, predictors: [Tensor] = []) -> Tensor {
        modelInput(interpolated: interpolated, region: (0..<spec.fineHeight, 0..<spec.fineWidth), predictors: predictors)
    }

    /// The same for a patch covering `region` of the fine grid (statics and climatology cropped to it).
    func modelInput(interpolated: Tensor, region: (Range<Int>, Range<Int>), predictors: [Tensor] = []) -> Tensor {
        precondition(predictors.count == predictorCount, "model input: \(predictors.count) predictors for \(predictorCount) channels")
        let t = interpolated.shape[0]
        let norm = { (x: Tensor) in self.spec.fieldNorm.apply(x).replacingNaN(with: 0).unsqueezed(1) }
        var parts = [norm(firstGuess(interpolated: interpolated, region: region))]
        if climatology != nil { parts.append(norm(interpolated)) }
        if let statics {
            let s = crop(statics, region)
            parts.append(s.unsqueezed(0).broadcast(to: [t] + s.shape).contiguous())
        }
        if let c = climatology {
            let f = crop(c.fine, region)
            parts.append(norm(f.unsqueezed(0)).broadcast(to: [t, 1] + f.shape).contiguous())
        }
        for (p, n) in zip(predictors, spec.predictorNorms ?? []) { parts.append(n.apply(p).replacingNaN(with: 0).unsqueezed(1)) }
        return parts.count == 1 ? parts[0] : Tensor.concatenate(parts, axis: 1)
    }

    /// Rows and columns `region` of the last two axes (the whole tensor when the region is the whole grid).
    private func crop(_ x: Tensor, _ region: (Range<Int>, Range<Int>)) -> Tensor {
        let r = x.rank
        if region.0 == 0..<x.shape[r - 2] && region.1 == 0..<x.shape[r - 1] { return x }
        return x.sliced(axis: r - 2, region.0).sliced(axis: r - 1, region.1).contiguous()
    }

    /// Physical field from the interpolation and the model's standardised residual over the first guess.
    public func reconstruct(interpolated: Tensor, residual: Tensor) -> Tensor {
        firstGuess(interpolated: interpolated) + residual.reshaped(interpolated.shape) * spec.fieldNorm.std
    }
}
