// Ordering the files of a dataset in time. Each file decodes its own times (its units and reference date), so
// files written with "days since 1850-01-01" and "hours since 2000-01-01" interleave correctly. Calendars must
// agree (a noleap day count cannot be placed among Gregorian dates); standard and proleptic_gregorian agree on
// every date after 1582-10-15 and are accepted together. Gaps are steps longer than 1.5 typical steps; an overlap
// is a file starting before the previous one ends, and a time that appears twice is kept once (earlier file).
import Foundation

/// A hole in the time axis: nothing between `after` and `before`, about `missingSteps` steps.
public struct DatasetGap: Codable, Equatable, Sendable {
    /// The last date before the hole.
    public var after: CFDate
    /// The first date after the hole.
    public var before: CFDate
    /// About how many steps are missing, judged by the dataset's typical step.
    public var missingSteps: Int
}

/// Two files covering the same period; `duplicateSteps` times of `later` were already in `earlier` and are skipped.
public struct DatasetOverlap: Codable, Equatable, Sendable {
    /// The file whose steps are kept.
    public var earlier: String
    /// The file whose repeated steps are skipped.
    public var later: String
    /// The first date the two files share.
    public var from: CFDate
    /// The last date the two files share.
    public var to: CFDate
    /// How many steps of `later` repeat a date of `earlier` and are skipped.
    public var duplicateSteps: Int
}

struct DatasetTimeline {
    var members: [DatasetMember]
    var steps: [DatasetStep]
    var dates: [CFDate]
    var gaps: [DatasetGap] = []
    var overlaps: [DatasetOverlap] = []
    var warnings: [String] = []

    init(_ unordered: [DatasetMember]) throws {
        // Calendars must agree (standard/proleptic_gregorian count the same days after 1582).
        let calendars = unordered.map { $0.timeUnits!.calendar }
        let gregorian: Set<CFCalendar> = [.standard, .prolepticGregorian]
        for (m, c) in zip(unordered, calendars) where c != calendars[0] && !(gregorian.contains(c) && gregorian.contains(calendars[0])) {
            throw GridIOError.invalidArgument(detail: "\(m.path): calendar \(c.rawValue) differs from \(unordered[0].path)'s \(calendars[0].rawValue); files in different calendars cannot form one time axis")
        }
        let clock = try CFTimeUnits("seconds since 1970-01-01", calendar: calendars[0].rawValue)
        // Files by first time (stable: equal starts keep the given order); empty files go last.
        members = unordered.enumerated().sorted { a, b in
            switch (a.element.dates!.min(), b.element.dates!.min()) {
            case let (x?, y?): return x != y ? x < y : a.offset < b.offset
            case (nil, _?): return false
            case (_?, nil): return true
            default: return a.offset < b.offset
            }
        }.map(\.element)
        var entries = [(date: CFDate, step: DatasetStep)]()
        for (m, member) in members.enumerated() {
            for (k, d) in member.dates!.enumerated() { entries.append((d, DatasetStep(member: m, local: k))) }
        }
        // Stable sort by time: ties keep file order, so the earlier file wins a duplicate.
        entries = entries.enumerated().sorted { a, b in a.element.date != b.element.date ? a.element.date < b.element.date : a.offset < b.offset }.map(\.element)
        var kept = [(date: CFDate, step: DatasetStep)]()
        var duplicates = [Int: Int]()  // later member -> duplicate count
        for e in entries {
            if let last = kept.last, last.date == e.date {
                if e.step.member != last.step.member { duplicates[e.step.member, default: 0] += 1; continue }
                warnings.append("\(members[e.step.member].path): time \(e.date) appears twice in the file; both steps kept")
            }
            kept.append(e)
        }
        steps = kept.map(\.step)
        dates = kept.map(\.date)
        // Overlaps between consecutive files (by start time).
        for i in 1..<max(members.count, 1) {
            guard let prevEnd = members[i - 1].dates!.max(), let start = members[i].dates!.min(), let end = members[i].dates!.max(),
                  start <= prevEnd else { continue }
            let o = DatasetOverlap(earlier: members[i - 1].path, later: members[i].path, from: start, to: min(end, prevEnd),
                                   duplicateSteps: duplicates[i] ?? 0)
            overlaps.append(o)
            warnings.append("\(o.later) overlaps \(o.earlier) from \(o.from) to \(o.to); \(o.duplicateSteps) repeated time(s) read once, from the earlier file")
        }
        // Gaps: intervals longer than 1.5 times the median interval.
        let seconds = dates.map { clock.value(of: $0) }
        let intervals = zip(seconds.dropFirst(), seconds).map { $0 - $1 }
        if intervals.count >= 2 {
            let typical = intervals.sorted()[intervals.count / 2]
            if typical > 0 {
                for (i, d) in intervals.enumerated() where d > 1.5 * typical {
                    let g = DatasetGap(after: dates[i], before: dates[i + 1], missingSteps: max(1, Int((d / typical).rounded()) - 1))
                    gaps.append(g)
                    warnings.append("gap in time: nothing between \(g.after) and \(g.before) (about \(g.missingSteps) step(s) missing)")
                }
            }
        }
    }
}

extension CFDate {
    /// Parses the ends of a period "START:END", each YYYY, YYYY-MM or YYYY-MM-DD; END is inclusive to the end of the
    /// year, month or day it names ("1990:1999" is ten whole years).
    public static func parsePeriod(_ text: String) throws -> (start: CFDate, end: CFDate) {
        let bad = GridIOError.invalidArgument(detail: "period '\(text)': expected START:END with dates YYYY, YYYY-MM or YYYY-MM-DD")
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { throw bad }
        func fields(_ s: String) -> [Int]? {
            let f = s.split(separator: "-").map { Int($0) }
            guard (1...3).contains(f.count), f.allSatisfy({ $0 != nil }) else { return nil }
            let v = f.map { $0! }
            if v.count >= 2, !(1...12).contains(v[1]) { return nil }
            if v.count == 3, !(1...31).contains(v[2]) { return nil }
            return v
        }
        guard let a = fields(parts[0]), let b = fields(parts[1]) else { throw bad }
        let start = CFDate(year: a[0], month: a.count > 1 ? a[1] : 1, day: a.count > 2 ? a[2] : 1)
        // The end's unnamed fields run to their maximum; comparisons only need "later than any time that day".
        let end = CFDate(year: b[0], month: b.count > 1 ? b[1] : 12, day: b.count > 2 ? b[2] : 31, hour: 23, minute: 59, second: 59)
        guard start <= end else { throw GridIOError.invalidArgument(detail: "period '\(text)': the start is after the end") }
        return (start, end)
    }
}
