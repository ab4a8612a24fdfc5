/// Quoting input in messages: at most 80 characters of anything a caller sent, so that an error never echoes a
/// megabyte back (and never exceeds a header's size limit).
public enum Quote {
    public static let limit = 80

    /// `text` as is when short, else its first characters and "… (N characters)".
    public static func short(_ text: some StringProtocol) -> String {
        // Count lazily: a 10 MB string is not walked to the end just to be cut.
        var end = text.startIndex
        var n = 0
        while end < text.endIndex && n < limit {
            end = text.index(after: end)
            n += 1
        }
        if end == text.endIndex { return String(text) }
        return String(text[..<end]) + "… (\(text.utf8.count) bytes)"
    }
}

/// The size limits of text fields, the same for every way in (imports, single-record RPCs, the portal).
public enum FieldLimit: Sendable {
    /// Names, jabatan, unit names: 200 characters.
    case name
    /// Free texts (RHK, indicator, realisasi text, notes, comments, activity descriptions): 4,000 characters.
    case text
    /// One evidence link or reference: 2,000 characters.
    case evidenceLink

    public var characters: Int {
        switch self {
        case .name: 200
        case .text: 4_000
        case .evidenceLink: 2_000
        }
    }

    /// At most this many evidence links per entry.
    public static let evidenceLinks = 20

    /// nil when `text` fits; otherwise the reason, naming the limit.
    public func check(_ text: some StringProtocol) -> String? {
        // Cheap first: UTF-8 bytes bound characters from above.
        if text.utf8.count <= characters { return nil }
        let count = text.count
        guard count > characters else { return nil }
        return "is \(count) characters long; at most \(characters) are allowed"
    }

    /// Evidence as stored: links separated by blanks, `;` or new lines (bukti dukung). nil when it is within the limits.
    /// The links of an evidence field (separated by blanks, `;` or `,`).
    public static func evidenceLinks(_ text: String) -> [Substring] {
        text.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" || $0 == ";" || $0 == "," })
    }

    public static func checkEvidence(_ text: String) -> String? {
        let links = evidenceLinks(text)
        if links.count > evidenceLinks { return "has \(links.count) links; at most \(evidenceLinks) are allowed" }
        for link in links {
            if let why = FieldLimit.evidenceLink.check(link) { return "has a link that \(why)" }
        }
        return nil
    }
}

/// Numbers from outside (targets, realisasi): finite, |x| ≤ 10^12, at most 6 decimals. Anything else is refused,
/// so that every later computation (exact fractions, plugins) stays far inside its range.
public enum Measure {
    public static let maximum: Double = 1_000_000_000_000
    public static let maxDecimals = 6

    public static let rule = "a number with |x| ≤ 10^12 and at most 6 decimals"

    /// `text` as a number (`.` as the decimal separator; with `decimalComma`, a single `,` is one too). Exponents are
    /// allowed when the value stays in range (`1.5e3`). The error names what is wrong.
    public static func parse(_ text: some StringProtocol, decimalComma: Bool = false) -> Result<Double, ValidationError> {
        // Fast path for the common shape (bulk imports): digits with at most 6 decimals, no sign, no exponent.
        if let v = text.utf8.withContiguousStorageIfAvailable({ plain($0, decimalComma: decimalComma) }) ?? nil { return .success(v) }
        return general(text, decimalComma: decimalComma)
    }

    /// `123`, `123.45`, `0,5` (with `decimalComma`): at most 13 integer digits and 6 decimals; nil for anything else.
    @inline(__always) static func plain(_ b: UnsafeBufferPointer<UInt8>, decimalComma: Bool) -> Double? {
        var whole: Int64 = 0
        var fraction: Int64 = 0
        var intDigits = 0
        var fracDigits = 0
        var i = 0
        let n = b.count
        while i < n, b[i] &- 0x30 < 10 {
            whole = whole &* 10 &+ Int64(b[i] &- 0x30)
            intDigits += 1
            i += 1
        }
        guard intDigits > 0, intDigits <= 13 else { return nil }
        if i < n {
            guard b[i] == 0x2E || (decimalComma && b[i] == 0x2C) else { return nil }
            i += 1
            while i < n, b[i] &- 0x30 < 10 {
                fraction = fraction &* 10 &+ Int64(b[i] &- 0x30)
                fracDigits += 1
                i += 1
            }
            guard fracDigits > 0, fracDigits <= maxDecimals, i == n else { return nil }
        }
        guard whole <= 1_000_000_000_000, !(whole == 1_000_000_000_000 && fraction > 0) else { return nil }
        if fracDigits == 0 { return Double(whole) }
        var scale: Int64 = 1
        for _ in 0..<fracDigits { scale *= 10 }
        // Both are exact doubles (the numerator only up to 2^53): their quotient is the correctly rounded decimal.
        let numerator = whole * scale + fraction
        guard numerator <= 1 << 53 else { return nil }
        return Double(numerator) / Double(scale)
    }

    static func general(_ text: some StringProtocol, decimalComma: Bool) -> Result<Double, ValidationError> {
        func fail(_ why: String) -> Result<Double, ValidationError> { .failure(ValidationError("'\(Quote.short(text))' \(why)")) }
        var bytes = Array(text.utf8)
        if decimalComma, !bytes.contains(0x2E), bytes.filter({ $0 == 0x2C }).count == 1 {
            bytes = bytes.map { $0 == 0x2C ? 0x2E : $0 }
        }
        // sign? digits (. digits)? ([eE] sign? digits)?
        var i = 0
        let n = bytes.count
        if i < n && (bytes[i] == 0x2D || bytes[i] == 0x2B) { i += 1 }
        let intStart = i
        while i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
        let intDigits = i - intStart
        var fracDigits: ArraySlice<UInt8> = []
        if i < n && bytes[i] == 0x2E {
            i += 1
            let s = i
            while i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39 { i += 1 }
            fracDigits = bytes[s..<i]
        }
        guard intDigits + fracDigits.count > 0 else { return fail("is not a number") }
        var exponent = 0
        if i < n && (bytes[i] == 0x65 || bytes[i] == 0x45) {
            i += 1
            var negative = false
            if i < n && (bytes[i] == 0x2D || bytes[i] == 0x2B) {
                negative = bytes[i] == 0x2D
                i += 1
            }
            let s = i
            while i < n && bytes[i] >= 0x30 && bytes[i] <= 0x39 {
                // Bounded: an exponent beyond ±1000 is out of range whatever the digits.
                if exponent < 10_000 { exponent = exponent * 10 + Int(bytes[i] - 0x30) }
                i += 1
            }
            guard i > s else { return fail("is not a number") }
            if negative { exponent = -exponent }
        }
        guard i == n else { return fail("is not a number (NaN, infinity, spaces and thousands separators are not accepted)") }
        // Decimals that count: the fraction's digits without trailing zeros, shifted by the exponent.
        var significantFraction = fracDigits.count
        while significantFraction > 0 && fracDigits[fracDigits.startIndex + significantFraction - 1] == 0x30 { significantFraction -= 1 }
        let decimals = significantFraction - exponent
        if decimals > maxDecimals && !allZero(bytes[intStart..<(intStart + intDigits)], fracDigits) {
            return fail("has more than \(maxDecimals) decimals")
        }
        guard exponent < 1000, let v = Double(String(decoding: bytes, as: UTF8.self)), v.isFinite, abs(v) <= maximum else {
            return fail("is out of range: \(rule)")
        }
        return .success(v == 0 ? 0 : v)
    }

    private static func allZero(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Bool {
        a.allSatisfy { $0 == 0x30 } && b.allSatisfy { $0 == 0x30 }
    }

    /// A number that arrived already decoded (a JSON number, a protobuf double): the same rule, checked on the value
    /// (its shortest round-trip text gives the decimals).
    public static func check(_ value: Double) -> ValidationError? {
        guard value.isFinite else { return ValidationError("\(value) is not a finite number: \(rule)") }
        guard abs(value) <= maximum else { return ValidationError("\(value) is out of range: \(rule)") }
        if case .failure(let e) = parse(value.description) { return e }
        return nil
    }
}
