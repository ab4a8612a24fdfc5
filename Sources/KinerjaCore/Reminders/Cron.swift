import Foundation

/// A refused cron expression: which field and why.
public struct CronError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `minute`, `hour`, `day-of-month`, `month`, `day-of-week`, or `expression` for the whole.
    public var field: String
    public var reason: String
    public var description: String { "cron \(field): \(reason)" }
}

/// A five-field cron expression (minute hour day-of-month month day-of-week), evaluated on wall-clock time in
/// an IANA zone. Supports `*`, lists, ranges, steps (`*/15`, `1-10/2`, `5/10`), month and weekday names
/// (`JAN`, `MON`), Sunday as 0 or 7, the `@hourly @daily @midnight @weekly @monthly @yearly @annually` macros, and
/// the classic rule that when both day fields are restricted a day matching either fires.
public struct CronExpression: Sendable, Equatable, CustomStringConvertible {
    public let source: String
    let minutes: [Int]  // ascending
    let hours: [Int]
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>  // 0 = Sunday
    let domRestricted: Bool
    let dowRestricted: Bool

    public var description: String { source }

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]
    static let monthNames = ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6, "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12]
    static let dayNames = ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]

    public init(_ text: String) throws(CronError) {
        let trimmed = text.trimmingWhitespaces
        source = trimmed
        var expanded = trimmed
        if trimmed.hasPrefix("@") {
            guard let m = Self.macros[trimmed.lowercased()] else {
                throw CronError(field: "expression", reason: "unknown macro '\(trimmed)'; use @hourly, @daily, @weekly, @monthly or @yearly")
            }
            expanded = m
        }
        let fields = expanded.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(field: "expression", reason: "expected 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        minutes = try Self.field(fields[0], "minute", 0...59, names: [:]).sorted()
        hours = try Self.field(fields[1], "hour", 0...23, names: [:]).sorted()
        daysOfMonth = Set(try Self.field(fields[2], "day-of-month", 1...31, names: [:]))
        months = Set(try Self.field(fields[3], "month", 1...12, names: Self.monthNames))
        // 7 is Sunday too.
        daysOfWeek = Set(try Self.field(fields[4], "day-of-week", 0...7, names: Self.dayNames).map { $0 % 7 })
        domRestricted = !fields[2].hasPrefix("*")
        dowRestricted = !fields[4].hasPrefix("*")
        if domRestricted && !dowRestricted {
            // A day-of-month that no allowed month has (e.g. 30 FEB) can never fire.
            let longest = months.map { [1: 31, 2: 29, 3: 31, 4: 30, 5: 31, 6: 30, 7: 31, 8: 31, 9: 30, 10: 31, 11: 30, 12: 31][$0]! }.max() ?? 31
            if daysOfMonth.allSatisfy({ $0 > longest }) {
                throw CronError(field: "day-of-month", reason: "no allowed month has day \(daysOfMonth.min()!); the expression never fires")
            }
        }
    }

    static func field(_ text: String, _ name: String, _ range: ClosedRange<Int>, names: [String: Int]) throws(CronError) -> [Int] {
        func value(_ t: Substring) throws(CronError) -> Int {
            if let n = names[t.uppercased()] { return n }
            guard !t.isEmpty, t.allSatisfy(\.isASCII), let v = Int(t) else {
                throw CronError(field: name, reason: "'\(Quote.short(t))' is not a number\(names.isEmpty ? "" : " or a name")")
            }
            guard range.contains(v) else { throw CronError(field: name, reason: "\(v) is outside \(range.lowerBound)–\(range.upperBound)") }
            return v
        }
        guard !text.isEmpty else { throw CronError(field: name, reason: "empty") }
        var out = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw CronError(field: name, reason: "empty list element in '\(Quote.short(text))'") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw CronError(field: name, reason: "more than one '/' in '\(part)'") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw CronError(field: name, reason: "step '\(pieces[1])' must be a positive number") }
                guard s <= range.upperBound else { throw CronError(field: name, reason: "step \(s) is larger than the field's range") }
                step = s
            }
            let base = pieces[0]
            var lo: Int
            var hi: Int
            if base == "*" {
                lo = range.lowerBound
                hi = range.upperBound
                if name == "day-of-week" { hi = 6 }
            } else if let dash = base.firstIndex(of: "-") {
                lo = try value(base[..<dash])
                hi = try value(base[base.index(after: dash)...])
                guard lo <= hi else { throw CronError(field: name, reason: "range \(base) runs backwards") }
            } else {
                lo = try value(base)
                // `5/10` means from 5 to the end in steps of 10.
                hi = pieces.count == 2 ? (name == "day-of-week" ? 6 : range.upperBound) : lo
            }
            out.formUnion(stride(from: lo, through: hi, by: step))
        }
        return Array(out)
    }

    func matches(year: Int, month: Int, day: Int) -> Bool {
        guard months.contains(month) else { return false }
        let dom = daysOfMonth.contains(day)
        let dow = daysOfWeek.contains(WallClock.weekday(year: year, month: month, day: day))
        switch (domRestricted, dowRestricted) {
        case (true, true): return dom || dow
        case (true, false): return dom
        case (false, true): return dow
        case (false, false): return true
        }
    }

    /// The first fire time strictly after `instant`, in `zone`. A wall time skipped by a forward jump fires
    /// once, at the jump; a wall time that occurs twice fires once, the first time. Nil if none within 30 years.
    public func next(after instant: Date, in zone: TimeZone) -> Date? {
        let after = instant.timeIntervalSince1970
        let startWall = WallClock.wall(of: after, in: zone)
        var day = Int(floor(startWall / 86_400))
        let startMinuteOfDay = Int(floor(startWall.truncatingRemainder(dividingBy: 86_400).magnitude / 60))
        var first = true
        for _ in 0..<(366 * 30) {
            let (y, m, d) = WallClock.civil(day)
            if matches(year: y, month: m, day: d) {
                for h in hours {
                    if first && h < startMinuteOfDay / 60 { continue }
                    for mi in minutes {
                        if first && h * 60 + mi < startMinuteOfDay { continue }
                        let wall = Double(day) * 86_400 + Double(h * 3600 + mi * 60)
                        if let t = WallClock.instant(ofWall: wall, in: zone), t > after {
                            return Date(timeIntervalSince1970: t)
                        }
                    }
                }
            }
            first = false
            day += 1
        }
        return nil
    }

    /// Every fire time in `(from, through]`, oldest first, at most `limit`.
    public func occurrences(after from: Date, through: Date, in zone: TimeZone, limit: Int = 10_000) -> [Date] {
        var out: [Date] = []
        var cursor = from
        while out.count < limit, let n = next(after: cursor, in: zone), n <= through {
            out.append(n)
            cursor = n
        }
        return out
    }
}

/// Wall-clock arithmetic: seconds since 1970-01-01T00:00 *as read on a clock in the zone*.
enum WallClock {
    static func wall(of instant: Double, in zone: TimeZone) -> Double {
        instant + Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: instant)))
    }

    /// The instant a wall time first shows in `zone`; for a wall time inside a forward gap, the end of the gap.
    static func instant(ofWall wall: Double, in zone: TimeZone) -> Double? {
        let before = Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: wall - 86_400 * 2)))
        let after = Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: wall + 86_400 * 2)))
        var candidates: [Double] = []
        for offset in Set([before, after, Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: wall)))]) {
            let t = wall - offset
            if Double(zone.secondsFromGMT(for: Date(timeIntervalSince1970: t))) == offset { candidates.append(t) }
        }
        if let earliest = candidates.min() { return earliest }
        // Skipped: the clock jumped over this wall time; fire at the jump.
        let probe = Date(timeIntervalSince1970: wall - max(before, after) - 86_400)
        return zone.nextDaylightSavingTimeTransition(after: probe)?.timeIntervalSince1970
    }

    /// Days since 1970-01-01 → (year, month, day) (proleptic Gregorian; H. Hinnant's algorithm).
    static func civil(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }

    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = month > 2 ? month - 3 : month + 9
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// 0 = Sunday.
    static func weekday(year: Int, month: Int, day: Int) -> Int {
        let d = days(year: year, month: month, day: day)
        return ((d % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
    }
}
