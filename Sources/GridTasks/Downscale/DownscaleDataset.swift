// The downscaling problem as tensors. Input channels on the fine grid: the coarse field interpolated (bicubic) and
// each static field (elevation, land fraction), all standardised; target: the residual of the truth over the
// interpolation, in units of the truth's standard deviation. The CNN learns only what interpolation misses.
import Foundation
import GridTensor
import GridTrain

/// What the checkpoint records about a downscaling model besides its weights.
/// The task record (task_spec JSON) of a downscaling checkpoint; `gridcnn info` and `gridcnn downscale` read it.
public struct DownscaleSpec: Codable, Equatable, Sendable {
    /// The truth variable the model was trained on (e.g. "tas").
    public var variable: String
    /// Its units attribute; inputs in other units are refused (or converted where the contract allows).
    public var units: String?
    /// Its long_name, copied to outputs.
    public var longName: String?
    /// Its CF standard_name, copied to outputs.
    public var standardName: String?
    /// Refinement factor: the fine grid has `factor` times the coarse rows and columns.
    public var factor: Int
    /// The interpolation of the coarse field to the fine grid that the network corrects (the first input channel).
    public var interpolation: Interpolation
    /// Standardisation of the interpolated field (the variable's units); the target residual is in units of its std.
    public var fieldNorm: Standardization
    /// One per static channel, in order.
    public var staticNames: [String]
    /// Standardisation of each static channel, in `staticNames` order.
    public var staticNorms: [Standardization]
    /// Fine grid rows of the training truth.
    public var fineHeight: Int
    /// Fine grid columns of the training truth.
    public var fineWidth: Int
    /// Time indices of the truth file held out for validation.
    public var validationSteps: [Int]
    /// Time indices of the truth dataset trained on.
    public var trainingSteps: [Int]
    /// The first truth file (absolute path).
    public var truthPath: String?
    /// Training patch size on the fine grid (cells a side).
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
    /// Standardisation of each predictor channel, in `predictorNames` order.
    public var predictorNorms: [Standardization]? = nil
    /// What the model was trained on (DownscaleContract.swift); nil in models trained before contracts.
    public var dataContract: DataContract? = nil
}

/// Training-period means: of the fine truth, and of the coarse input interpolated to the fine grid.
struct DownscaleClimatology {
    var fine: Tensor        // [H, W]
    var coarseOnFine: Tensor // [H, W]
    init(fine: Tensor, coarseOnFine: Tensor) { self.fine = fine; self.coarseOnFine = coarseOnFine }

    var tensors: [String: Tensor] { ["fine_climatology": fine, "coarse_climatology_interpolated": coarseOnFine] }
    init?(_ t: [String: Tensor]) {
        guard let f = t["fine_climatology"], let c = t["coarse_climatology_interpolated"] else { return nil }
        fine = f; coarseOnFine = c
    }
}

/// Builds model inputs for any time steps of a coarse field, given the statics and the spec.
struct DownscaleInputs {
    let spec: DownscaleSpec
    /// [S, H, W] standardised static fields (NaN replaced by 0).
    let statics: Tensor?
    let climatology: DownscaleClimatology?

    init(spec: DownscaleSpec, statics rawStatics: [Tensor], climatology: DownscaleClimatology? = nil) throws {
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

    var predictorCount: Int { spec.predictorNorms?.count ?? 0 }

    var channels: Int { 1 + (statics?.shape[0] ?? 0) + (climatology == nil ? 0 : 2) + predictorCount }

    /// The first guess the network corrects: the interpolated field, or with a climatology its anomaly from the
    /// coarse climatology added to the fine climatology (BCSD's spatial disaggregation without quantile mapping).
    func firstGuess(interpolated: Tensor) -> Tensor {
        firstGuess(interpolated: interpolated, region: (0..<spec.fineHeight, 0..<spec.fineWidth))
    }

    /// The same for a patch: `interpolated` [T, h, w] covers `region` (rows, columns) of the fine grid.
    func firstGuess(interpolated: Tensor, region: (Range<Int>, Range<Int>)) -> Tensor {
        guard let c = climatology else { return interpolated }
        return interpolated + crop(c.fine - c.coarseOnFine, region).unsqueezed(0)
    }

    /// Interpolation of coarse [T, h, w] to the fine grid, in physical units.
    func interpolate(_ coarse: Tensor) -> Tensor {
        Regrid.interpolate(coarse, height: spec.fineHeight, width: spec.fineWidth, method: spec.interpolation)
    }

    /// Model input [T, C, H, W] from the interpolated field [T, H, W]: first guess, interpolation, statics,
    /// fine climatology (the last three as available), all standardised.
    /// `predictors`: each predictor interpolated to the fine grid [T, H, W], in the spec's order.
    func modelInput(interpolated: Tensor, predictors: [Tensor] = []) -> Tensor {
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
    func reconstruct(interpolated: Tensor, residual: Tensor) -> Tensor {
        firstGuess(interpolated: interpolated) + residual.reshaped(interpolated.shape) * spec.fieldNorm.std
    }
}
