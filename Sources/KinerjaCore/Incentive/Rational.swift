/// An exact non-negative fraction for money arithmetic (no floating point anywhere near Rupiah).
public struct Fraction: Sendable, Equatable, CustomStringConvertible {
    public let numerator: Int128
    public let denominator: Int128

    public init(_ numerator: Int128, _ denominator: Int128 = 1) {
        precondition(denominator > 0, "denominator must be positive")
        let g = Fraction.gcd(numerator.magnitude, denominator.magnitude)
        self.numerator = numerator / Int128(g == 0 ? 1 : g)
        self.denominator = denominator / Int128(g == 0 ? 1 : g)
    }

    /// `p` percent, where p may itself be fractional: `percent(1, 2)` is 0.5 %.
    public static func percent(_ p: Int128, _ divisor: Int128 = 1) -> Fraction { Fraction(p, 100 * divisor) }

    public static let zero = Fraction(0)
    public static let one = Fraction(1)

    static func gcd(_ a: UInt128, _ b: UInt128) -> UInt128 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }

    public static func + (a: Fraction, b: Fraction) -> Fraction {
        Fraction(a.numerator * b.denominator + b.numerator * a.denominator, a.denominator * b.denominator)
    }

    public static func - (a: Fraction, b: Fraction) -> Fraction {
        Fraction(a.numerator * b.denominator - b.numerator * a.denominator, a.denominator * b.denominator)
    }

    public static func * (a: Fraction, b: Fraction) -> Fraction {
        Fraction(a.numerator * b.numerator, a.denominator * b.denominator)
    }

    public static func * (a: Int64, b: Fraction) -> Fraction { Fraction(Int128(a)) * b }

    /// `b` must not be zero.
    public static func / (a: Fraction, b: Fraction) -> Fraction {
        precondition(b.numerator != 0, "division by zero")
        let sign: Int128 = b.numerator < 0 ? -1 : 1
        return Fraction(a.numerator * b.denominator * sign, a.denominator * b.numerator * sign)
    }

    /// A decimal number as written (up to 6 decimals), exactly: 0.99 is 99/100, not the nearest binary double.
    public static func decimal(_ value: Double) -> Fraction {
        Fraction(Int128((value * 1_000_000).rounded()), 1_000_000)
    }

    /// With up to `places` decimals, rounded half up, e.g. "2.61".
    public func decimalText(places: Int = 2) -> String {
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        let v = Fraction(numerator * scale, denominator).roundedHalfUp
        let negative = v < 0
        let whole = abs(v) / Int64(scale), frac = abs(v) % Int64(scale)
        var text = "\(negative ? "-" : "")\(whole)"
        if places > 0 {
            var f = String(frac)
            f = String(repeating: "0", count: places - f.count) + f
            text += "." + f
        }
        return text
    }

    public static func < (a: Fraction, b: Fraction) -> Bool { a.numerator * b.denominator < b.numerator * a.denominator }

    public static func min(_ a: Fraction, _ b: Fraction) -> Fraction { a < b ? a : b }
    public static func max(_ a: Fraction, _ b: Fraction) -> Fraction { a < b ? b : a }

    /// Rounded half up (away from zero for .5) to a whole number.
    public var roundedHalfUp: Int64 {
        if numerator >= 0 {
            return Int64((2 * numerator + denominator) / (2 * denominator))
        }
        return -Int64((2 * -numerator + denominator) / (2 * denominator))
    }

    /// As a percentage with up to `places` decimals, e.g. "37.5".
    public func percentText(places: Int = 2) -> String {
        var scale: Int128 = 1
        for _ in 0..<places { scale *= 10 }
        let v = Fraction(numerator * 100 * scale, denominator).roundedHalfUp
        let whole = v / Int64(scale), frac = abs(v % Int64(scale))
        if frac == 0 { return "\(whole)" }
        var f = String(frac)
        f = String(repeating: "0", count: places - f.count) + f
        while f.hasSuffix("0") { f.removeLast() }
        return "\(whole).\(f)"
    }

    public var description: String { "\(numerator)/\(denominator)" }
}
