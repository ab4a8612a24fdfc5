import Foundation

/// The kind of civil servant: permanent (PNS) or contract (PPPK). Each has its own 18-digit number layout.
public enum EmployeeKind: String, Sendable, CaseIterable, Codable {
    case pns = "PNS"
    case pppk = "PPPK"

    public init?(text: String) {
        switch text.trimmedBlanks.uppercased() {
        case "PNS": self = .pns
        case "PPPK": self = .pppk
        default: return nil
        }
    }
}

/// An employee number, validated by its kind's layout:
/// - PNS NIP: `YYYYMMDD` birth date, `YYYYMM` appointment (TMT CPNS), gender digit (1 male, 2 female), 3-digit sequence.
/// - NI PPPK: `YYYYMMDD` birth date, `YYYY` appointment year, `2`, frequency digit 1–9, gender digit, 3-digit sequence.
public struct NIP: Sendable, Hashable, CustomStringConvertible {
    public let value: String
    public let kind: EmployeeKind
    public let birthDate: CivilDate
    public let appointmentYear: Int
    /// The appointment month (PNS only).
    public let appointmentMonth: Int?
    public let gender: Gender

    public enum Gender: Int, Sendable {
        case male = 1
        case female = 2
    }

    public var description: String { value }

    public struct Invalid: Error, Sendable, Equatable, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    public init(_ text: String, kind: EmployeeKind) throws(Invalid) {
        let s = text.trimmedBlanks
        guard !s.isEmpty else { throw Invalid(message: "NIP is empty") }
        guard s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw Invalid(message: "NIP '\(Quote.short(s))' must contain digits only")
        }
        guard s.utf8.count == 18 else { throw Invalid(message: "NIP '\(Quote.short(s))' has \(s.utf8.count) digits; it must have 18") }
        let d = Array(s.utf8).map { Int($0 - UInt8(ascii: "0")) }
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + d[$1] } }

        let by = number(0..<4)
        let bm = number(4..<6)
        let bd = number(6..<8)
        guard let birth = CivilDate(year: by, month: bm, day: bd) else {
            throw Invalid(message: "NIP '\(Quote.short(s))': birth date \(s.prefix(8)) (digits 1–8, YYYYMMDD) is not a real date")
        }
        guard by >= 1900 else {
            throw Invalid(message: "NIP '\(Quote.short(s))': birth year \(by) (digits 1–4) is not plausible")
        }
        let ay = number(8..<12)
        var month: Int?
        switch kind {
        case .pns:
            let am = number(12..<14)
            guard (1...12).contains(am) else {
                let hint = d[12] == 2 && (1...9).contains(d[13]) ? "; it looks like an NI PPPK: set kind PPPK" : ""
                throw Invalid(
                    message:
                        "NIP '\(Quote.short(s))': appointment month \(s.dropFirst(8).prefix(6)) (digits 9–14, YYYYMM) has month \(String(format2(am))), not 01–12\(hint)"
                )
            }
            guard ay * 12 + am > by * 12 + bm else {
                throw Invalid(
                    message: "NIP '\(Quote.short(s))': appointment \(s.dropFirst(8).prefix(6)) (digits 9–14) is not after the birth date \(s.prefix(8))")
            }
            month = am
        case .pppk:
            guard d[12] == 2 else {
                throw Invalid(
                    message:
                        "NI PPPK '\(Quote.short(s))': digit 13 must be 2 (PPPK), found \(d[12])\(d[12] <= 1 ? "; it looks like a PNS NIP: set kind PNS" : "")")
            }
            guard (1...9).contains(d[13]) else {
                throw Invalid(message: "NI PPPK '\(Quote.short(s))': frequency digit 14 must be 1–9, found \(d[13])")
            }
            guard ay > by else {
                throw Invalid(message: "NI PPPK '\(Quote.short(s))': appointment year \(ay) (digits 9–12) is not after the birth year \(by)")
            }
        }
        guard let gender = Gender(rawValue: d[14]) else {
            throw Invalid(message: "NIP '\(Quote.short(s))': gender digit 15 must be 1 (male) or 2 (female), found \(d[14])")
        }
        guard number(15..<18) > 0 else {
            throw Invalid(message: "NIP '\(Quote.short(s))': sequence (digits 16–18) must be 001–999, found 000")
        }
        self.value = s
        self.kind = kind
        self.birthDate = birth
        self.appointmentYear = ay
        self.appointmentMonth = month
        self.gender = gender
    }
}

private func format2(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

/// A calendar date without a time or zone (proleptic Gregorian).
public struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible, Codable {
    public let year: Int
    public let month: Int
    public let day: Int

    public init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month), day >= 1, day <= CivilDate.daysIn(year: year, month: month) else {
            return nil
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    public init?(iso text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public static func isLeap(_ year: Int) -> Bool { (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 }

    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    public static func < (a: CivilDate, b: CivilDate) -> Bool { (a.year, a.month, a.day) < (b.year, b.month, b.day) }

    public var description: String {
        let y = String(year)
        let m = month < 10 ? "0\(month)" : "\(month)"
        let d = day < 10 ? "0\(day)" : "\(day)"
        return String(repeating: "0", count: max(0, 4 - y.count)) + y + "-" + m + "-" + d
    }

    /// Days since 1970-01-01 (negative before).
    public var daysSinceEpoch: Int {
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public init(daysSinceEpoch z0: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        self.year = yoe + era * 400 + (m <= 2 ? 1 : 0)
        self.month = m
        self.day = d
    }

    public func adding(days: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + days) }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int {
        let w = (daysSinceEpoch + 4) % 7  // 1970-01-01 was a Thursday
        return w < 0 ? w + 7 : w
    }
}
