import Foundation

/// Predikat Kinerja Organisasi: the unit's own result, given by the next-higher leader.
public enum UnitPredikat: String, Sendable, CaseIterable, Codable {
    case istimewa, baik
    case butuhPerbaikan = "butuh_perbaikan"
    case kurang
    case sangatKurang = "sangat_kurang"

    public var officialName: String {
        switch self {
        case .istimewa: "Istimewa"
        case .baik: "Baik"
        case .butuhPerbaikan: "Butuh Perbaikan"
        case .kurang: "Kurang"
        case .sangatKurang: "Sangat Kurang"
        }
    }
}

/// The distribution curve of SE MenPANRB 3/2023: how a unit's employee predicates may be distributed given
/// the unit's own predicate. Percentages are of the unit's appraised employees; "at most p %" allows
/// exactly p % (count × 100 ≤ p × n), "at least p %" needs count × 100 ≥ p × n.
public enum DistributionCurve {
    public struct Evaluation: Sendable, Equatable {
        public var employees: Int
        public var counts: [Predikat: Int]
        public var violations: [String]
        /// The fewest employees whose predicate would have to change to satisfy the curve; nil when no
        /// distribution of this many employees can satisfy it (e.g. Kurang needs ≥ 60 % and ≥ 10 % of others).
        public var minimumChanges: Int?
        public var satisfied: Bool { violations.isEmpty }

        public init(employees: Int, counts: [Predikat: Int], violations: [String], minimumChanges: Int?) {
            self.employees = employees
            self.counts = counts
            self.violations = violations
            self.minimumChanges = minimumChanges
        }
    }

    /// count ≤ p % of n
    static func maxAllowed(_ percent: Int, of n: Int) -> Int { percent * n / 100 }
    /// count ≥ p % of n
    static func minRequired(_ percent: Int, of n: Int) -> Int { (percent * n + 99) / 100 }

    public static func evaluate(unit: UnitPredikat, predicates: [Predikat]) -> Evaluation {
        var c: [Predikat: Int] = [:]
        for p in Predikat.allCases { c[p] = 0 }
        for p in predicates { c[p, default: 0] += 1 }
        let n = predicates.count
        let sb = c[.sangatBaik]!
        let b = c[.baik]!
        let bp = c[.butuhPerbaikan]!
        let k = c[.kurang]!
        let sk = c[.sangatKurang]!
        var violations: [String] = []
        var changes: Int? = 0
        func pct(_ x: Int) -> String { n == 0 ? "0%" : Fraction(Int128(x), Int128(n)).percentText(places: 1) + "%" }

        switch unit {
        case .istimewa:
            let cap = maxAllowed(70, of: n)
            if sb > cap { violations.append("Sangat Baik at most 70%: \(sb) of \(n) (\(pct(sb)))") }
            changes = max(0, sb - cap)
        case .baik:
            let cap = maxAllowed(70, of: n)
            let excess = max(0, b - cap)
            if b > cap { violations.append("Baik at most 70%: \(b) of \(n) (\(pct(b)))") }
            let tail = bp + k >= 1 ? 0 : 1
            if tail > 0 { violations.append("at least one Butuh Perbaikan or Kurang/Misconduct: none of \(n)") }
            changes = n == 0 ? 0 : max(excess, tail)
        case .butuhPerbaikan:
            let need = minRequired(60, of: n)
            let cap = maxAllowed(10, of: n)
            if bp < need { violations.append("Butuh Perbaikan at least 60%: \(bp) of \(n) (\(pct(bp)))") }
            if sb > cap { violations.append("Sangat Baik at most 10%: \(sb) of \(n) (\(pct(sb)))") }
            changes = max(max(0, sb - cap), max(0, need - bp))
        case .kurang:
            let needK = minRequired(60, of: n)
            let needBP = minRequired(10, of: n)
            let cap = maxAllowed(10, of: n)
            if k < needK { violations.append("Kurang/Misconduct at least 60%: \(k) of \(n) (\(pct(k)))") }
            if bp < needBP { violations.append("Butuh Perbaikan at least 10%: \(bp) of \(n) (\(pct(bp)))") }
            if sb > cap { violations.append("Sangat Baik at most 10%: \(sb) of \(n) (\(pct(sb)))") }
            changes = needK + needBP > n ? nil : max(max(0, sb - cap), max(0, needK - k) + max(0, needBP - bp))
        case .sangatKurang:
            let needSK = minRequired(60, of: n)
            let needTail = minRequired(10, of: n)
            if sk < needSK { violations.append("Sangat Kurang at least 60%: \(sk) of \(n) (\(pct(sk)))") }
            if k + bp < needTail { violations.append("Kurang/Misconduct + Butuh Perbaikan at least 10%: \(k + bp) of \(n) (\(pct(k + bp)))") }
            if sb > 0 { violations.append("no Sangat Baik: \(sb) of \(n)") }
            changes = needSK + needTail > n ? nil : max(sb, max(0, needSK - sk) + max(0, needTail - (k + bp)))
        }
        if violations.isEmpty { changes = 0 }
        return Evaluation(employees: n, counts: c, violations: violations, minimumChanges: changes)
    }
}

/// Angka kredit of functional positions: coefficient × predicate factor, exact, shown to two decimals.
public enum AngkaKredit {
    /// Coefficients in hundredths.
    static let coefficientHundredths: [JabatanFungsional: Int128] = [
        .ahliPertama: 1250, .ahliMuda: 2500, .ahliMadya: 3750, .ahliUtama: 5000,
        .pemula: 375, .terampil: 500, .mahir: 1250, .penyelia: 2500,
    ]
    static let factorPercent: [Predikat: Int128] = [.sangatBaik: 150, .baik: 100, .butuhPerbaikan: 75, .kurang: 50, .sangatKurang: 25]

    public static func coefficient(_ j: JabatanFungsional) -> Fraction { Fraction(coefficientHundredths[j]!, 100) }
    public static func factor(_ p: Predikat) -> Fraction { Fraction.percent(factorPercent[p]!) }

    public static func credit(_ j: JabatanFungsional, _ p: Predikat) -> Fraction {
        // Both are small table constants: the product always fits.
        (try? coefficient(j) * factor(p)) ?? .zero
    }

    /// `x.yy`, rounded half up at the third decimal.
    public static func text(_ f: Fraction) -> String { f.decimalText(places: 2) }
}

/// The annual suggestion from periodic ratings: the most frequent value, ties going to the later period.
public enum RatingSuggestion {
    /// `ratings` in period order (earliest first).
    public static func suggest(_ ratings: [Rating]) -> Rating? {
        guard !ratings.isEmpty else { return nil }
        var counts: [Rating: Int] = [:]
        var last: [Rating: Int] = [:]
        for (i, r) in ratings.enumerated() {
            counts[r, default: 0] += 1
            last[r] = i
        }
        return counts.keys.max { a, b in (counts[a]!, last[a]!) < (counts[b]!, last[b]!) }
    }
}
