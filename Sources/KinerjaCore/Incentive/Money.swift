/// Integer Rupiah arithmetic that never traps: every sum, difference and product is checked and an overflow is an
/// error (`FractionError.outOfRange`) that ends the computation with a reason.
public enum Money {
    public static func add(_ a: Int64, _ b: Int64) throws(FractionError) -> Int64 {
        let (v, o) = a.addingReportingOverflow(b)
        guard !o else { throw .outOfRange }
        return v
    }

    public static func subtract(_ a: Int64, _ b: Int64) throws(FractionError) -> Int64 {
        let (v, o) = a.subtractingReportingOverflow(b)
        guard !o else { throw .outOfRange }
        return v
    }

    public static func multiply(_ a: Int64, _ b: Int64) throws(FractionError) -> Int64 {
        let (v, o) = a.multipliedReportingOverflow(by: b)
        guard !o else { throw .outOfRange }
        return v
    }

    /// An amount as Indonesians read it: `Rp 4.465.000` (a minus before `Rp` when negative).
    public static func text(_ amount: Int64) -> String {
        let digits = String(amount.magnitude)
        var out = ""
        for (i, c) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(".") }
            out.append(c)
        }
        return (amount < 0 ? "-Rp " : "Rp ") + out
    }

    /// A running total of Rupiah amounts that reports an overflow instead of trapping.
    public struct Total: Sendable, Equatable {
        public private(set) var value: Int64 = 0
        public init() {}
        public mutating func add(_ amount: Int64) throws(FractionError) { value = try Money.add(value, amount) }
    }

    /// The gross, tax and net of a month's TPP, summed with overflow checks (compute and export add the same way).
    public struct PayTotals: Sendable, Equatable {
        public private(set) var gross = Total(), tax = Total(), net = Total()
        public init() {}
        public mutating func add(gross g: Int64, tax t: Int64, net n: Int64) throws(FractionError) {
            try gross.add(g)
            try tax.add(t)
            try net.add(n)
        }
    }
}

/// Rupiah amounts written by people: plain digits (`4500000`) or Indonesian grouping with dots in groups of exactly
/// three (`4.500.000`), optionally after `Rp` (`Rp 4.500.000`, `Rp4500000`, `Rp. 4.500.000`). Nothing else: no
/// decimals (`4500000.00`), no comma, no odd groups (`1.5`, `1.2.3`), no sign.
public enum Rupiah {
    /// A monthly TPP base or override: 0 < x ≤ 1,000,000,000.
    public static let monthlyBaseRange: ClosedRange<Int64> = 1...1_000_000_000

    public static let acceptedForms = "whole Rupiah as digits (4500000) or grouped by dots in threes (4.500.000), optionally after Rp"

    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// The amount `text` names; the error says what was wrong and shows the accepted forms.
    public static func parse(_ text: String) -> Result<Int64, ParseError> {
        func fail(_ why: String) -> Result<Int64, ParseError> {
            .failure(ParseError(message: "'\(Quote.short(text))' \(why): write \(acceptedForms)"))
        }
        var s = Substring(text.trimmedBlanks)
        if s.hasPrefix("Rp") || s.hasPrefix("rp") || s.hasPrefix("RP") {
            s = s.dropFirst(2)
            if s.hasPrefix(".") { s = s.dropFirst() }
            while s.first == " " { s = s.dropFirst() }
        }
        guard !s.isEmpty else { return fail("is not an amount") }
        let bytes = Array(s.utf8)
        guard bytes.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }) else {
            if bytes.contains(0x2C) { return fail("has a comma (Rupiah have no decimals)") }
            return fail("is not a whole number of Rupiah")
        }
        let groups = bytes.split(separator: 0x2E, omittingEmptySubsequences: false)
        if groups.count > 1 {
            guard let first = groups.first, (1...3).contains(first.count), groups.dropFirst().allSatisfy({ $0.count == 3 }) else {
                return fail("has dots that are not thousands separators (groups of three digits)")
            }
        }
        var value: Int64 = 0
        for b in bytes where b != 0x2E {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (a, o2) = m.addingReportingOverflow(Int64(b - 0x30))
            guard !o1, !o2 else { return fail("is too large") }
            value = a
        }
        return .success(value)
    }

    /// A monthly base or override: parsed, then within `monthlyBaseRange`.
    public static func parseMonthlyBase(_ text: String) -> Result<Int64, ParseError> {
        switch parse(text) {
        case .failure(let e): return .failure(e)
        case .success(let v): return checkMonthlyBase(v)
        }
    }

    public static func checkMonthlyBase(_ value: Int64) -> Result<Int64, ParseError> {
        guard monthlyBaseRange.contains(value) else {
            return .failure(ParseError(message: "a monthly TPP base must be more than 0 and at most 1.000.000.000 Rupiah (found \(value))"))
        }
        return .success(value)
    }
}
