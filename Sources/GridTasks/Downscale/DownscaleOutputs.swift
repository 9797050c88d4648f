// Where `gridcnn downscale` writes: one file for the whole input, or, when the output is a folder, one file per
// input file under the same name (the archive's layout carried over). Each is written atomically, so a file under
// its final name is always complete, and `--resume` can skip those already made by the same model.
import Foundation
import GridIO

struct DownscaleOutputPlan {
    struct Unit {
        var path: String
        /// The input file whose time axis and grid description the output copies.
        var member: Int
        /// Dataset steps written, in order.
        var steps: [Int]
        var sourceLabel: String
    }
    let units: [Unit]
    private let dataset: GridDataset
    private var unitOfMember: [Int: Int] = [:]

    init(_ ds: GridDataset, output: String) throws {
        dataset = ds
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory)
        let inputs = Set(ds.paths.map { URL(fileURLWithPath: $0).standardizedFileURL.path })
        if output.hasSuffix("/") || (exists && isDirectory.boolValue) {
            if !exists {
                do { try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true) } catch {
                    throw TaskError("\(output): cannot create the output folder (\(error.localizedDescription))")
                }
            }
            var names = Set<String>(), units = [Unit]()
            for (m, member) in ds.members.enumerated() {
                let steps = ds.steps(ofMember: m)
                guard !steps.isEmpty else { continue }
                let name = (member.path as NSString).lastPathComponent
                guard names.insert(name).inserted else {
                    throw TaskError("two input files are named \(name); give a single output file instead of a folder")
                }
                let path = (output as NSString).appendingPathComponent(name)
                guard !inputs.contains(URL(fileURLWithPath: path).standardizedFileURL.path) else {
                    throw TaskError("\(path): the output would replace an input file; choose another output folder")
                }
                unitOfMember[m] = units.count
                units.append(Unit(path: path, member: m, steps: steps, sourceLabel: member.path))
            }
            self.units = units
        } else {
            guard !inputs.contains(URL(fileURLWithPath: output).standardizedFileURL.path) else {
                throw TaskError("\(output): the output would replace an input file")
            }
            units = [Unit(path: output, member: 0, steps: Array(0..<ds.count), sourceLabel: ds.label)]
        }
    }

    /// The time coordinate value of dataset step `step` in the units of its output's time axis.
    func time(of step: Int) -> Double? {
        let s = dataset.steps[step]
        let unit = units[unitOfMember[s.member] ?? 0]
        let target = dataset.members[unit.member]
        if s.member == unit.member { return target.timeValues.flatMap { s.local < $0.count ? $0[s.local] : nil } }
        guard let units = target.timeUnits, let date = dataset.dates?[step] else { return nil }
        return units.value(of: date)
    }

    /// True when `path` holds a finished output of this model with all its steps; false when there is no file;
    /// an error when a file is there that this run did not make (it is never replaced by --resume).
    static func isComplete(_ path: String, variable: String, steps: Int, modelChecksum: String) throws -> Bool {
        guard FileManager.default.fileExists(atPath: path) else { return false }
        guard let f = try? NetCDFFile(path: path), f.attribute("gridcnn_model_sha256")?.string == modelChecksum,
              let v = try? f.variable(variable) else {
            throw TaskError("\(path): exists but was not written by this model; --resume leaves it alone (move it, or pass --overwrite without --resume)")
        }
        guard v.shape.first == steps else {
            throw TaskError("\(path): exists with \(v.shape.first ?? 0) of \(steps) steps; --resume leaves it alone (move it, or pass --overwrite without --resume)")
        }
        return true
    }
}
