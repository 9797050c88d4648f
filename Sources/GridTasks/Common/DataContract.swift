// The data contract a checkpoint carries: what the model was trained on (variables with units and standard names,
// the grid, per-channel input statistics, for images the mean image, and the job's preprocessing conventions), so
// that applying it elsewhere can adapt the input, refuse it with one line, or warn that it looks unlike training.
// It is stored inside the task's record (task_spec JSON, key `dataContract`); records written before it existed
// decode it as nil and the checks that need it are skipped and named (`ContractCheck.skipped`).
import Foundation
import GridTrain

/// What a model was trained on: the input variables with units and standard names, the grid, per-channel input
/// statistics, for images the mean image, and the job's preprocessing conventions. Applying a model elsewhere uses it to
/// adapt the input, refuse it with one line, or warn that it looks unlike training (`ContractCheck`). Found in the task
/// record of detect, classify and syllable checkpoints (`DetectSpec.dataContract`, ...); `gridcnn contract` adds one to
/// an older checkpoint. Records written before contracts existed decode it as nil.
public struct DataContract: Codable, Equatable, Sendable {
    static let currentVersion = 1
    /// Format version of the contract (1).
    public var version: Int = DataContract.currentVersion
    /// The input variables the model was trained on, in the job's roles.
    public var variables: [ContractVariable]
    /// The training grid (grid jobs); nil for images and sequences.
    public var grid: ContractGrid?
    /// Statistics of each network input channel before standardisation, on the training data.
    public var channels: [ChannelStatistics]
    /// Images: the mean training image (jets: of log(1 + pT / GeV) as oriented for the network; row-major `imageShape`).
    public var meanImage: [Float]?
    /// Images: the shape of `meanImage` ([height, width] in pixels).
    public var imageShape: [Int]?
    /// Images: the pixel size (e.g. [0.1, 0.1] in eta and phi).
    public var pixelSize: [Double]?
    /// The job's preprocessing conventions, one sentence each (what a user must match or the tool does for them).
    public var preprocessing: [String]

    init(variables: [ContractVariable], grid: ContractGrid? = nil, channels: [ChannelStatistics],
         meanImage: [Float]? = nil, imageShape: [Int]? = nil, pixelSize: [Double]? = nil, preprocessing: [String]) {
        self.variables = variables; self.grid = grid; self.channels = channels
        self.meanImage = meanImage; self.imageShape = imageShape; self.pixelSize = pixelSize; self.preprocessing = preprocessing
    }
}

/// One input variable of a data contract: its role in the job, name in the training file, units and standard name.
public struct ContractVariable: Codable, Equatable, Sendable {
    /// The job's name for it (e.g. "psl") and the variable name in the training file.
    public var role: String
    /// The variable's name in the training file (e.g. "PSL").
    public var name: String
    /// Units of the values the network saw (after the job's unit conversion), e.g. "Pa", "m s-1", "GeV".
    public var units: String
    /// The CF standard_name of the training variable, when it had one.
    public var standardName: String?
    init(role: String, name: String, units: String, standardName: String?) {
        self.role = role; self.name = name; self.units = units; self.standardName = standardName
    }
}

/// A rectilinear latitude-longitude training grid.
public struct ContractGrid: Codable, Equatable, Sendable {
    /// Whether latitude increases (south to north) or decreases along the rows.
    public enum LatitudeOrder: String, Codable, Sendable { case ascending, descending }
    /// The range longitudes are written in.
    public enum LongitudeConvention: String, Codable, Sendable {
        /// Longitudes in [0, 360).
        case east360 = "0..360"
        /// Longitudes in [-180, 180).
        case centred180 = "-180..180"
    }
    /// Mean absolute spacing between neighbouring rows (degrees).
    public var latitudeSpacing: Double
    /// Mean absolute spacing between neighbouring columns (degrees; 360 / width on a global grid).
    public var longitudeSpacing: Double
    /// [south, north]: the smallest and largest latitude (degrees north).
    public var latitudeRange: [Double]
    /// [smallest, largest] longitude (degrees east, in the grid's convention).
    public var longitudeRange: [Double]
    /// Rows (latitudes).
    public var height: Int
    /// Columns (longitudes).
    public var width: Int
    /// Row order of the training grid.
    public var latitudeOrder: LatitudeOrder
    /// Longitude convention of the training grid.
    public var longitudeConvention: LongitudeConvention
    /// True when the columns cover the whole circle evenly (the model then wraps around in longitude).
    public var global: Bool

    init(_ g: LatLonGrid) {
        latitudeSpacing = g.meanLatitudeSpacing
        longitudeSpacing = g.meanLongitudeSpacing
        latitudeRange = [g.lat.min()!, g.lat.max()!]
        longitudeRange = [g.lon.min()!, g.lon.max()!]
        height = g.height; width = g.width
        latitudeOrder = g.lat.last! >= g.lat.first! ? .ascending : .descending
        longitudeConvention = g.lon.contains { $0 < 0 } ? .centred180 : .east360
        global = g.periodic
    }
}

/// Mean, standard deviation and quantiles (at `ChannelStatistics.levels`) of one input channel.
public struct ChannelStatistics: Codable, Equatable, Sendable {
    /// The probability levels of `quantiles`: 1 %, 10 %, 50 %, 90 % and 99 %.
    public static let levels: [Double] = [0.01, 0.1, 0.5, 0.9, 0.99]
    /// The channel's name (a variable's role, or a derived channel such as "vorticity").
    public var name: String
    /// Mean over the finite training values, in the channel's units.
    public var mean: Double
    /// Standard deviation over the finite training values, in the channel's units.
    public var std: Double
    /// Values at `levels`, from an even subsample of at most 200 000 training values (NaN when none was finite).
    public var quantiles: [Double]

    init(name: String, mean: Double, std: Double, quantiles: [Double]) {
        self.name = name; self.mean = mean; self.std = std; self.quantiles = quantiles
    }

    /// Statistics of the finite values of `chunks` (quantiles from an even subsample of at most `sample` values).
    static func measure(_ name: String, _ chunks: [[Float]], sample: Int = 200_000) -> ChannelStatistics {
        var m = ChannelMoments()
        for c in chunks { m.add(c) }
        let total = chunks.reduce(0) { $0 + $1.count }
        let stride = max(1, total / sample)
        var picked = [Float]()
        picked.reserveCapacity(min(total, sample + chunks.count))
        var k = 0
        for c in chunks { for v in c { if k % stride == 0 && v.isFinite { picked.append(v) }; k += 1 } }
        picked.sort()
        let q = levels.map { l -> Double in picked.isEmpty ? .nan : Double(picked[min(picked.count - 1, Int(l * Double(picked.count)))]) }
        return ChannelStatistics(name: name, mean: m.mean, std: m.std, quantiles: q)
    }
}

/// Running mean and standard deviation of finite values (streamed inputs).
struct ChannelMoments: Sendable {
    private(set) var count = 0.0
    private var sum = 0.0, sumSquares = 0.0
    init() {}
    mutating func add(_ values: [Float]) {
        for v in values where v.isFinite { let d = Double(v); sum += d; sumSquares += d * d; count += 1 }
    }
    var mean: Double { sum / max(count, 1) }
    var std: Double { max(sumSquares / max(count, 1) - mean * mean, 0).squareRoot() }
}

/// What applying a model did about its data contract; goes into every apply / evaluate report (`--json`).
/// Reported by every apply and evaluate job of a task with a contract (`DetectReport.contract`,
/// `ClassifyApplyReport.contract`, ...); the CLI also prints the adaptations and warnings on stderr.
public struct ContractCheck: Codable, Equatable, Sendable {
    /// Mismatches that were adapted, e.g. "latitude reversed to the model's ascending order".
    public var adaptations: [String] = []
    /// Checks that could not run (an old checkpoint without a contract, a channel absent, `--native`).
    public var skipped: [String] = []
    /// Statistics far outside training.
    public var warnings: [String] = []
    /// Standardised mean shift |mean_input - mean_train| / std_train per channel.
    public var meanShift: [String: Double] = [:]
    /// Images: Pearson correlation of the input's mean image with the training mean image.
    public var meanImageCorrelation: Double?
    init() {}

    /// A channel whose standardised mean shift exceeds this is reported as far outside training. One training
    /// standard deviation: the bundled held-out weather file (another model's background) shifts by at most 0.23.
    static let meanShiftLimit = 1.0
    /// A channel whose spread differs from training by more than this factor (either way) is reported too.
    static let stdRatioLimit = 2.0
    /// An input mean image correlating less than this with the training one is reported as far outside training.
    /// Jet images (mean of log(1 + pT)): held-out jets 0.9998, transposed 0.88, rotated a quarter turn 0.87.
    static let meanImageCorrelationLimit = 0.95

    /// Compares streamed statistics of the input with the contract's (or, without one, the given means and stds).
    mutating func compare(_ observed: [(name: String, moments: ChannelMoments)],
                          trained: [(name: String, mean: Double, std: Double)]) {
        for (name, m) in observed where m.count > 0 {
            guard let t = trained.first(where: { $0.name == name }), t.std > 0 else { continue }
            let shift = abs(m.mean - t.mean) / t.std
            meanShift[name] = shift
            let ratio = m.std / t.std
            if shift > ContractCheck.meanShiftLimit {
                warnings.append(String(format: "channel %@: mean %.4g is %.1f training standard deviations from the training mean %.4g (limit %.1f)",
                                       name, m.mean, shift, t.mean, ContractCheck.meanShiftLimit))
            } else if ratio > ContractCheck.stdRatioLimit || ratio < 1 / ContractCheck.stdRatioLimit {
                warnings.append(String(format: "channel %@: standard deviation %.4g is %.2fx the training one (%.4g)", name, m.std, ratio, t.std))
            }
        }
    }

    /// Compares an input mean image with the training one.
    mutating func compare(meanImage: [Float], trained: [Float]) {
        guard meanImage.count == trained.count, !trained.isEmpty else { return }
        let r = pearson(meanImage, trained)
        meanImageCorrelation = r
        if !(r >= ContractCheck.meanImageCorrelationLimit) {
            warnings.append(String(format: "the input's mean image correlates %.3f with the training mean image (limit %.2f): the inputs are made differently from the training data",
                                   r, ContractCheck.meanImageCorrelationLimit))
        }
    }
}

/// Pearson correlation of two equally long series (0 when either is constant).
func pearson(_ a: [Float], _ b: [Float]) -> Double {
    let n = Double(a.count)
    let ma = a.reduce(0.0) { $0 + Double($1) } / n, mb = b.reduce(0.0) { $0 + Double($1) } / n
    var sab = 0.0, saa = 0.0, sbb = 0.0
    for k in a.indices { let x = Double(a[k]) - ma, y = Double(b[k]) - mb; sab += x * y; saa += x * x; sbb += y * y }
    return saa > 0 && sbb > 0 ? sab / (saa * sbb).squareRoot() : 0
}

extension LatLonGrid {
    /// Mean absolute spacing between neighbouring rows and columns (degrees).
    var meanLatitudeSpacing: Double { height > 1 ? abs(lat[height - 1] - lat[0]) / Double(height - 1) : 0 }
    var meanLongitudeSpacing: Double {
        guard width > 1 else { return 0 }
        if periodic { return 360 / Double(width) }
        var total = 0.0
        for j in 1..<width { total += abs(LatLonGrid.lonDifference(lon[j], lon[j - 1])) }
        return total / Double(width - 1)
    }
}

extension ContractCheck {
    /// "job: adapted: ..." and "job: not checked: ..." lines on stderr.
    func printAdaptations(_ job: String) {
        for a in adaptations { writeStderr("\(job): adapted: \(a)\n") }
        for s in skipped { writeStderr("\(job): not checked: \(s)\n") }
    }

    /// "job: warning: ..." lines on stderr.
    func printWarnings(_ job: String) {
        for w in warnings { writeStderr("\(job): warning: \(w)\n") }
    }
}
