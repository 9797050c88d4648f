// CF time decoding: "<unit> since <reference date>" in the CF calendars. Dates are counted as day numbers in the
// variable's calendar, so model calendars (noleap, 360_day, ...) never pass through Foundation's Gregorian one.
import Foundation

/// A CF calendar. `standard` (alias `gregorian`) is Julian before 1582-10-15 and Gregorian from then on.
/// Years are astronomical (year 0 exists) in every calendar.
public enum CFCalendar: String, Codable, Sendable, CaseIterable {
    case standard, prolepticGregorian = "proleptic_gregorian", julian
    case noLeap = "noleap", allLeap = "all_leap", day360 = "360_day"

    /// Parses a calendar attribute; nil or empty means `standard`. Throws `unsupportedCalendar`.
    public init(name: String?) throws {
        let key = (name ?? "").trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        switch key {
        case "", "standard", "gregorian", "utc": self = .standard
        case "proleptic_gregorian": self = .prolepticGregorian
        case "julian": self = .julian
        case "noleap", "365_day", "no_leap": self = .noLeap
        case "all_leap", "366_day": self = .allLeap
        case "360_day": self = .day360
        default: throw GridIOError.unsupportedCalendar(name: name ?? "")
        }
    }

    /// Days in `month` of `year`.
    public func daysInMonth(year: Int, month: Int) -> Int {
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        switch self {
        case .day360: return 30
        case .noLeap: return lengths[month - 1]
        case .allLeap: return month == 2 ? 29 : lengths[month - 1]
        case .julian: return month == 2 && year.isMultiple(of: 4) ? 29 : lengths[month - 1]
        case .prolepticGregorian: return month == 2 && Self.gregorianLeap(year) ? 29 : lengths[month - 1]
        case .standard:
            let leap = year < 1583 ? year.isMultiple(of: 4) : Self.gregorianLeap(year)
            return month == 2 && leap ? 29 : lengths[month - 1]
        }
    }

    static func gregorianLeap(_ y: Int) -> Bool { y.isMultiple(of: 4) && (!y.isMultiple(of: 100) || y.isMultiple(of: 400)) }

    /// Day number of a date (an arbitrary but fixed epoch per calendar).
    func dayNumber(year y: Int, month m: Int, day d: Int) -> Int {
        switch self {
        case .day360: return y * 360 + (m - 1) * 30 + d - 1
        case .noLeap: return y * 365 + Self.cumulative(m, leap: false) + d - 1
        case .allLeap: return y * 366 + Self.cumulative(m, leap: true) + d - 1
        case .prolepticGregorian: return Self.gregorianDays(y, m, d)
        case .julian: return Self.julianDays(y, m, d)
        case .standard:
            return (y, m, d) >= (1582, 10, 15) ? Self.gregorianDays(y, m, d) : Self.julianDays(y, m, d)
        }
    }

    /// The date of a day number.
    func date(dayNumber n: Int) -> (year: Int, month: Int, day: Int) {
        switch self {
        case .day360:
            let y = floorDiv(n, 360), r = n - y * 360
            return (y, r / 30 + 1, r % 30 + 1)
        case .noLeap, .allLeap:
            let length = self == .noLeap ? 365 : 366
            let y = floorDiv(n, length)
            var r = n - y * length
            var m = 1
            while r >= daysInMonth(year: y, month: m) { r -= daysInMonth(year: y, month: m); m += 1 }
            return (y, m, r + 1)
        case .prolepticGregorian: return Self.gregorianDate(n)
        case .julian: return Self.julianDate(n)
        case .standard: return n >= Self.gregorianDays(1582, 10, 15) ? Self.gregorianDate(n) : Self.julianDate(n)
        }
    }

    private static func cumulative(_ month: Int, leap: Bool) -> Int {
        let before = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        return before[month - 1] + (leap && month > 2 ? 1 : 0)
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
    static func gregorianDays(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = floorDiv(y, 400)
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func gregorianDate(_ n: Int) -> (year: Int, month: Int, day: Int) {
        let z = n + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Days since 1970-01-01 (Gregorian) of a Julian-calendar date, via the Julian day number.
    static func julianDays(_ y: Int, _ m: Int, _ d: Int) -> Int {
        let a = (14 - m) / 12
        let yy = y + 4800 - a, mm = m + 12 * a - 3
        return d + (153 * mm + 2) / 5 + 365 * yy + floorDiv(yy, 4) - 32083 - 2_440_588
    }

    static func julianDate(_ n: Int) -> (year: Int, month: Int, day: Int) {
        let c = n + 2_440_588 + 32082
        let d = floorDiv(4 * c + 3, 1461)
        let e = c - floorDiv(1461 * d, 4)
        let m = (5 * e + 2) / 153
        return (d - 4800 + m / 10, m + 3 - 12 * (m / 10), e - (153 * m + 2) / 5 + 1)
    }
}

func floorDiv(_ a: Int, _ b: Int) -> Int { a >= 0 ? a / b : -((-a + b - 1) / b) }

/// A calendar date and time of day, to the second.
public struct CFDate: Equatable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    /// The date's fields as the calendar counts them: month 1-12, day 1-31 (30 February exists in a 360_day calendar),
    /// hour 0-23, minute and second 0-59. Years may be 0 or negative (astronomical numbering).
    public var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int

    /// A date from its fields, midnight by default. Not checked against a calendar: ``CFTimeUnits`` does that when encoding.
    public init(year: Int, month: Int, day: Int, hour: Int = 0, minute: Int = 0, second: Int = 0) {
        (self.year, self.month, self.day, self.hour, self.minute, self.second) = (year, month, day, hour, minute, second)
    }

    /// "YYYY-MM-DDTHH:MM:SS" (years outside 0...9999 keep their sign and digits).
    public var iso8601: String {
        let y = year < 0 ? String(format: "-%04d", -year) : String(format: "%04d", year)
        return y + String(format: "-%02d-%02dT%02d:%02d:%02d", month, day, hour, minute, second)
    }

    /// The ISO 8601 form, as ``iso8601``.
    public var description: String { iso8601 }

    /// Chronological order by the fields (year, month, day, hour, minute, second), valid within any one calendar.
    public static func < (a: CFDate, b: CFDate) -> Bool {
        [a.year, a.month, a.day, a.hour, a.minute, a.second].lexicographicallyPrecedes([b.year, b.month, b.day, b.hour, b.minute, b.second])
    }
}

/// Parsed time units: `unitSeconds` per unit after the reference date, in `calendar`.
public struct CFTimeUnits: Equatable, Sendable {
    /// Seconds in one unit: 86400 for days, 3600 hours, 60 minutes, 1 seconds, 0.001 milliseconds, 1e-6 microseconds.
    public var unitSeconds: Double
    /// The reference date after `since`, to the whole second (fractions and UTC offsets are kept apart).
    public var reference: CFDate
    /// Fractional seconds of the reference time and any UTC offset, folded into one number.
    var referenceSecondOffset: Double
    /// The calendar the values count in (the variable's `calendar` attribute; `standard` when absent).
    public var calendar: CFCalendar

    /// Parses "days since 1850-01-01 00:00:00" style units; throws `invalidTimeUnits` or `unsupportedCalendar`.
    public init(_ units: String, calendar: String? = nil) throws {
        self.calendar = try CFCalendar(name: calendar)
        let bad = GridIOError.invalidTimeUnits(units: units)
        let parts = units.trimmingCharacters(in: .whitespaces).components(separatedBy: .whitespaces).filter { !$0.isEmpty }
        guard parts.count >= 3, parts[1].lowercased() == "since" else { throw bad }
        switch parts[0].lowercased() {
        case "days", "day", "d": unitSeconds = 86400
        case "hours", "hour", "hrs", "hr", "h": unitSeconds = 3600
        case "minutes", "minute", "mins", "min": unitSeconds = 60
        case "seconds", "second", "secs", "sec", "s": unitSeconds = 1
        case "milliseconds", "millisecond", "msecs", "msec", "ms": unitSeconds = 0.001
        case "microseconds", "microsecond", "us": unitSeconds = 1e-6
        case "weeks", "week": unitSeconds = 604_800
        // Months and years have no fixed length except in the 360-day calendar (as in cftime).
        case "months" where self.calendar == .day360, "month" where self.calendar == .day360: unitSeconds = 30 * 86400
        case "years" where self.calendar == .day360, "year" where self.calendar == .day360: unitSeconds = 360 * 86400
        default: throw bad
        }
        guard let (date, extra) = Self.parseDate(parts[2...].joined(separator: " ")) else { throw bad }
        guard (1...12).contains(date.month), date.day >= 1, date.day <= self.calendar.daysInMonth(year: date.year, month: date.month),
              (0...23).contains(date.hour), (0...59).contains(date.minute), (0...60).contains(date.second) else { throw bad }
        reference = date
        referenceSecondOffset = extra
    }

    /// (date, fractional seconds minus the UTC offset in seconds) of "YYYY-MM-DD[( |T)HH:MM[:SS[.f]]][ ][Z|UTC|±HH[:MM]]".
    static func parseDate(_ text: String) -> (CFDate, Double)? {
        var s = Substring(text)
        func integer() -> Int? {
            var digits = ""
            if s.first == "-" || s.first == "+" { digits.append(s.removeFirst()) }
            while let c = s.first, c.isASCII, c.isNumber { digits.append(s.removeFirst()) }
            return digits.count > 7 ? nil : Int(digits)
        }
        guard let year = integer(), s.popFirst() == "-", let month = integer(), s.popFirst() == "-",
              let day = integer() else { return nil }
        var date = CFDate(year: year, month: month, day: day)
        var fraction = 0.0
        s = s.drop { $0 == " " || $0 == "T" }
        if let h = integer() {
            date.hour = h
            if s.first == ":" { s.removeFirst(); guard let m = integer() else { return nil }; date.minute = m }
            if s.first == ":" {
                s.removeFirst()
                var number = ""
                while let c = s.first, c.isNumber || c == "." { number.append(s.removeFirst()) }
                guard let seconds = Double(number), seconds >= 0, seconds < 61 else { return nil }
                date.second = Int(seconds)
                fraction = seconds - Double(date.second)
            }
        }
        let zone = s.trimmingCharacters(in: .whitespaces)
        if zone.isEmpty || ["z", "utc", "gmt"].contains(zone.lowercased()) { return (date, fraction) }
        // A numeric UTC offset: local = UTC + offset, so UTC = local - offset.
        guard let sign = zone.first, sign == "+" || sign == "-" else { return nil }
        let fields = zone.dropFirst().split(separator: ":").map(String.init)
        var hours = 0, minutes = 0
        if fields.count == 1, let v = Int(fields[0]) { if fields[0].count > 2 { hours = v / 100; minutes = v % 100 } else { hours = v } }
        else if fields.count == 2, let h = Int(fields[0]), let m = Int(fields[1]) { hours = h; minutes = m }
        else { return nil }
        let offset = Double(hours * 3600 + minutes * 60) * (sign == "-" ? -1 : 1)
        return (date, fraction - offset)
    }

    /// The date `value` units after the reference, rounded to the second; nil for NaN or absurdly large values.
    public func date(_ value: Double) -> CFDate? {
        let offset = value * unitSeconds + referenceSecondOffset
        guard offset.isFinite, abs(offset) < 1e16 else { return nil }
        let r = reference
        let total = Int(offset.rounded()) + r.hour * 3600 + r.minute * 60 + r.second
        let days = floorDiv(total, 86400), secondOfDay = total - days * 86400
        let (y, m, d) = calendar.date(dayNumber: calendar.dayNumber(year: r.year, month: r.month, day: r.day) + days)
        return CFDate(year: y, month: m, day: d, hour: secondOfDay / 3600, minute: secondOfDay % 3600 / 60, second: secondOfDay % 60)
    }

    /// The value (in these units) of `date`: the inverse of `date(_:)`.
    public func value(of date: CFDate) -> Double {
        let r = reference
        let days = calendar.dayNumber(year: date.year, month: date.month, day: date.day) - calendar.dayNumber(year: r.year, month: r.month, day: r.day)
        let seconds = Double(days * 86400 + (date.hour - r.hour) * 3600 + (date.minute - r.minute) * 60 + date.second - r.second)
        return (seconds - referenceSecondOffset) / unitSeconds
    }
}

extension NetCDFFile {
    /// Decodes a time variable through its `units` and `calendar` attributes. Throws when a value is missing.
    public func times(_ name: String) throws -> [CFDate] {
        let v = try variable(name)
        guard let units = v.text("units") else { throw GridIOError.attributeNotFound(name: "units", owner: v.path, path: path) }
        let decoder = try CFTimeUnits(units, calendar: v.text("calendar"))
        return try readDoubles(name).enumerated().map { i, value in
            guard let date = decoder.date(value) else {
                throw GridIOError.invalidArgument(detail: "\(path): '\(v.path)' has no valid time at index \(i)")
            }
            return date
        }
    }
}
