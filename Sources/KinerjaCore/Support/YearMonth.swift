/// A calendar month (`YYYY-MM`): what attendance, TPP and activity totals are kept per.
public struct YearMonth: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let year: Int
    public let month: Int

    /// Years a month may name.
    public static let years = 2000...2100

    /// nil unless `year` is in `years` and `month` in 1–12.
    public init?(year: Int, month: Int) {
        guard Self.years.contains(year), (1...12).contains(month) else { return nil }
        self.year = year
        self.month = month
    }

    /// Parses exactly `YYYY-MM` (e.g. `2026-03`); nil for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
            parts[0].allSatisfy(\.isASCIIDigit), parts[1].allSatisfy(\.isASCIIDigit),
            let y = Int(parts[0]), let m = Int(parts[1])
        else { return nil }
        self.init(year: y, month: m)
    }

    /// `YYYY-MM`.
    public var description: String { "\(year)-\(month < 10 ? "0" : "")\(month)" }

    /// The first day of the month.
    public var firstDay: CivilDate { CivilDate(year: year, month: month, day: 1)! }

    /// The last day of the month.
    public var lastDay: CivilDate { CivilDate(year: year, month: month, day: CivilDate.daysIn(year: year, month: month))! }

    /// The month `n` months later (earlier when negative); nil outside `years`.
    public func adding(months n: Int) -> YearMonth? {
        let (total, overflow) = (year * 12 + month - 1).addingReportingOverflow(n)
        guard !overflow, total >= 0 else { return nil }
        return YearMonth(year: total / 12, month: total % 12 + 1)
    }

    public static func < (a: YearMonth, b: YearMonth) -> Bool { (a.year, a.month) < (b.year, b.month) }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
