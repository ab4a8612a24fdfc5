/// Why exact arithmetic could not give an answer: the value left the range of 128-bit integers, or a division by zero.
/// It never traps: every operation that could overflow throws this instead, so a value from outside (a realisasi of
/// `1e33`, a base of `Int64.max`) ends one computation with a reason, not the process.
public enum FractionError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfRange
    case divisionByZero

    public var description: String {
        switch self {
        case .outOfRange: "value out of range"
        case .divisionByZero: "division by zero"
        }
    }
}

/// An exact fraction for money and score arithmetic (no floating point anywhere near Rupiah).
///
/// Arithmetic is overflow-checked: `+ - * /` and `decimal` throw `FractionError` rather than trap, comparisons are
/// exact for every pair of values (full-width products), and the text forms never trap.
public struct Fraction: Sendable, Equatable, CustomStringConvertible {
    public let numerator: Int128
    public let denominator: Int128

    /// `numerator / denominator` in lowest terms. A denominator that is not positive is normalised (its sign moves
    /// to the numerator); zero is refused with `divisionByZero` by the throwing initialiser.
    public init(_ numerator: Int128, _ denominator: Int128 = 1) {
        // Only constants and counts reach this initialiser (a positive denominator); the checked one is `exactly`.
        self = (try? Fraction.exactly(numerator, denominator)) ?? Fraction(unchecked: 0, 1)
    }

    private init(unchecked numerator: Int128, _ denominator: Int128) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// `numerator / denominator` in lowest terms, or an error for a zero denominator or a value beyond the range.
    public static func exactly(_ numerator: Int128, _ denominator: Int128) throws(FractionError) -> Fraction {
        guard denominator != 0 else { throw .divisionByZero }
        // Int128.min has no positive counterpart: refuse it rather than trap on negation.
        guard numerator != .min, denominator != .min else { throw .outOfRange }
        var n = numerator
        var d = denominator
        if d < 0 { (n, d) = (-n, -d) }
        let g = gcd(n.magnitude, d.magnitude)
        if g > 1 {
            n /= Int128(g)
            d /= Int128(g)
        }
        return Fraction(unchecked: n, d)
    }

    /// `p` percent, where p may itself be fractional: `percent(1, 2)` is 0.5 %.
    public static func percent(_ p: Int128, _ divisor: Int128 = 1) -> Fraction { Fraction(p, 100 * divisor) }

    public static let zero = Fraction(unchecked: 0, 1)
    public static let one = Fraction(unchecked: 1, 1)

    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    @inline(__always) static func mul(_ a: Int128, _ b: Int128) throws(FractionError) -> Int128 {
        let (v, o) = a.multipliedReportingOverflow(by: b)
        guard !o else { throw .outOfRange }
        return v
    }

    @inline(__always) static func add(_ a: Int128, _ b: Int128) throws(FractionError) -> Int128 {
        let (v, o) = a.addingReportingOverflow(b)
        guard !o else { throw .outOfRange }
        return v
    }

    public static func + (a: Fraction, b: Fraction) throws(FractionError) -> Fraction {
        if a.denominator == b.denominator { return try exactly(try add(a.numerator, b.numerator), a.denominator) }
        return try exactly(try add(try mul(a.numerator, b.denominator), try mul(b.numerator, a.denominator)), try mul(a.denominator, b.denominator))
    }

    public static func - (a: Fraction, b: Fraction) throws(FractionError) -> Fraction {
        try a + Fraction(unchecked: -b.numerator, b.denominator)
    }

    public static func * (a: Fraction, b: Fraction) throws(FractionError) -> Fraction {
        // Cross-reduce first so that products stay as small as they can.
        let g1 = Int128(gcd(a.numerator.magnitude, b.denominator.magnitude))
        let g2 = Int128(gcd(b.numerator.magnitude, a.denominator.magnitude))
        let (an, bd) = g1 > 1 ? (a.numerator / g1, b.denominator / g1) : (a.numerator, b.denominator)
        let (bn, ad) = g2 > 1 ? (b.numerator / g2, a.denominator / g2) : (b.numerator, a.denominator)
        return try exactly(try mul(an, bn), try mul(ad, bd))
    }

    public static func * (a: Int64, b: Fraction) throws(FractionError) -> Fraction { try Fraction(unchecked: Int128(a), 1) * b }

    /// Throws `divisionByZero` when `b` is zero.
    public static func / (a: Fraction, b: Fraction) throws(FractionError) -> Fraction {
        guard b.numerator != 0 else { throw .divisionByZero }
        return try a * Fraction(unchecked: b.denominator, b.numerator).normalised()
    }

    private func normalised() -> Fraction { denominator < 0 ? Fraction(unchecked: -numerator, -denominator) : self }

    /// The largest magnitude `decimal` accepts: inputs are bounded long before this (|x| ≤ 10^12, see `Measure`).
    public static let decimalLimit = 1e30

    /// A decimal number as written (up to 6 decimals), exactly: 0.99 is 99/100, not the nearest binary double.
    /// Not finite, or beyond `decimalLimit`: `outOfRange`.
    public static func decimal(_ value: Double) throws(FractionError) -> Fraction {
        guard value.isFinite, abs(value) <= decimalLimit else { throw .outOfRange }
        return try exactly(Int128((value * 1_000_000).rounded()), 1_000_000)
    }

    /// `a < b`, exactly, for every pair (the cross products are compared at full width, so nothing can overflow).
    public static func < (a: Fraction, b: Fraction) -> Bool {
        let l = a.numerator.multipliedFullWidth(by: b.denominator)
        let r = b.numerator.multipliedFullWidth(by: a.denominator)
        return l.high != r.high ? l.high < r.high : l.low < r.low
    }

    public static func min(_ a: Fraction, _ b: Fraction) -> Fraction { a < b ? a : b }
    public static func max(_ a: Fraction, _ b: Fraction) -> Fraction { a < b ? b : a }

    /// Rounded half up (away from zero for .5) to a whole number; `outOfRange` when that does not fit in Int64.
    public func rounded() throws(FractionError) -> Int64 {
        let n = numerator.magnitude
        let d = denominator.magnitude
        var q = n / d
        let r = n % d
        // r ≥ d − r  ⇔  r ≥ d/2 (half up), without computing 2r.
        if r >= d - r { q += 1 }
        guard let v = Int64(exactly: q) else { throw .outOfRange }
        return numerator < 0 ? -v : v
    }

    /// The digits of |self| with `places` decimals, rounded half up, as (whole, fraction) texts. Never traps.
    func digits(scale places: Int) -> (whole: String, fraction: String, negative: Bool) {
        let n = numerator.magnitude
        let d = denominator.magnitude
        var whole = n / d
        var remainder = n % d
        var fraction: [UInt8] = []
        for _ in 0..<places {
            // remainder < d, so remainder × 10 / d < 10: one digit by full-width division.
            let wide = remainder.multipliedFullWidth(by: 10)
            let (digit, rest) = d.dividingFullWidth(wide)
            fraction.append(UInt8(digit))
            remainder = rest
        }
        if remainder >= d - remainder {
            // Round up: carry through the fraction digits into the whole part.
            var i = fraction.count - 1
            var carry = true
            while carry && i >= 0 {
                if fraction[i] == 9 {
                    fraction[i] = 0
                    i -= 1
                } else {
                    fraction[i] += 1
                    carry = false
                }
            }
            if carry { whole = whole &+ 1 }
        }
        let negative = numerator < 0 && (whole != 0 || fraction.contains { $0 != 0 })
        return (String(whole), String(decoding: fraction.map { $0 + 0x30 }, as: UTF8.self), negative)
    }

    /// With up to `places` decimals, rounded half up, e.g. "2.61".
    public func decimalText(places: Int = 2) -> String {
        let (whole, fraction, negative) = digits(scale: places)
        return (negative ? "-" : "") + whole + (places > 0 ? "." + fraction : "")
    }

    /// As a percentage with up to `places` decimals, trailing zeros dropped, e.g. "37.5".
    public func percentText(places: Int = 2) -> String {
        guard let scaled = try? self * Fraction(unchecked: 100, 1) else { return "(out of range)" }
        var (whole, fraction, negative) = scaled.digits(scale: places)
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return (negative ? "-" : "") + whole + (fraction.isEmpty ? "" : "." + fraction)
    }

    public var description: String { "\(numerator)/\(denominator)" }
}
