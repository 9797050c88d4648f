// CF time decoding in every calendar; expected dates are what cftime 1.6 prints for the same input.
import Testing
@testable import GridIO

@Suite struct CFTimeTests {
    static let cases: [(units: String, calendar: String?, value: Double, iso: String)] = [
        ("days since 1850-01-01 00:00:00", "proleptic_gregorian", 56628.5, "2005-01-16T12:00:00"),
        ("days since 1850-01-01 00:00:00", "proleptic_gregorian", -1, "1849-12-31T00:00:00"),
        ("days since 2000-01-01", "noleap", 59, "2000-03-01T00:00:00"),
        ("days since 2000-01-01", "365_day", 730.25, "2002-01-01T06:00:00"),
        ("days since 2000-01-01", "noleap", 100_000, "2273-12-22T00:00:00"),
        ("days since 2000-01-01", "360_day", 29, "2000-01-30T00:00:00"),
        ("days since 2000-01-01", "360_day", 359.5, "2000-12-30T12:00:00"),
        ("days since 2000-01-01", "360_day", 3600, "2010-01-01T00:00:00"),
        ("days since 2000-01-01", "all_leap", 59, "2000-02-29T00:00:00"),
        ("days since 2000-01-01", "366_day", 366, "2001-01-01T00:00:00"),
        ("hours since 1582-10-04 00:00:00", "standard", 24, "1582-10-15T00:00:00"),
        ("hours since 1582-10-04 00:00:00", "gregorian", 48, "1582-10-16T00:00:00"),
        ("days since 1500-02-28", "julian", 1, "1500-02-29T00:00:00"),
        ("days since 1500-02-28", "standard", 2, "1500-03-01T00:00:00"),
        ("days since 1500-02-28", "proleptic_gregorian", 1, "1500-03-01T00:00:00"),
        ("seconds since 1970-01-01T00:00:00Z", nil, 1_700_000_000, "2023-11-14T22:13:20"),
        ("minutes since 1900-01-01 06:30", "gregorian", 90, "1900-01-01T08:00:00"),
        ("minutes since 1900-01-01 06:30", "gregorian", -400, "1899-12-31T23:50:00"),
        ("days since 0001-01-01", "standard", 730_000, "1999-09-02T00:00:00"),
        ("days since 1-1-1", "proleptic_gregorian", 738_000, "2021-07-30T00:00:00"),
        ("days since 2000-02-30", "360_day", 1, "2000-03-01T00:00:00"),
        ("hours since 2000-01-01 00:00:00 +06:00", "standard", 0, "1999-12-31T18:00:00"),
        ("months since 2000-01-01", "360_day", 13, "2001-02-01T00:00:00"),
    ]

    @Test func decodesEveryCalendar() throws {
        for c in Self.cases {
            let units = try CFTimeUnits(c.units, calendar: c.calendar)
            let date = try #require(units.date(c.value))
            #expect(date.iso8601 == c.iso, "\(c.units) \(c.calendar ?? "-") \(c.value)")
            #expect(abs(units.value(of: date) - c.value) < 1e-6, "inverse of \(c.iso)")
        }
    }

    @Test func rejectsBadUnitsAndCalendars() {
        for bad in ["days after 2000-01-01", "fortnights since 2000-01-01", "days since 2000-13-01", "days since 2001-02-29",
                    "days since", "since 2000-01-01", "days since 2000-01-01 25:00", "months since 2000-01-01"] {
            #expect(throws: GridIOError.invalidTimeUnits(units: bad)) { try CFTimeUnits(bad, calendar: "standard") }
        }
        #expect(throws: GridIOError.unsupportedCalendar(name: "martian")) { try CFTimeUnits("days since 2000-01-01", calendar: "martian") }
        #expect(throws: GridIOError.unsupportedCalendar(name: "none")) { try CFTimeUnits("days since 2000-01-01", calendar: "none") }
    }

    @Test func edgeValues() throws {
        let units = try CFTimeUnits("days since 2000-01-01", calendar: "noleap")
        #expect(units.date(.nan) == nil)
        #expect(units.date(.infinity) == nil)
        #expect(units.date(1e300) == nil)
        #expect(CFDate(year: -1, month: 1, day: 1).iso8601 == "-0001-01-01T00:00:00")
        #expect(CFDate(year: 2000, month: 1, day: 1) < CFDate(year: 2000, month: 1, day: 1, second: 1))
        // Round trip over four years day by day in each calendar.
        for name in ["standard", "proleptic_gregorian", "julian", "noleap", "all_leap", "360_day"] {
            let u = try CFTimeUnits("days since 1999-01-01", calendar: name)
            var previous: CFDate?
            for day in 0..<1500 {
                let d = try #require(u.date(Double(day)))
                #expect(u.value(of: d) == Double(day))
                if let p = previous { #expect(p < d) }
                previous = d
            }
        }
    }
}
