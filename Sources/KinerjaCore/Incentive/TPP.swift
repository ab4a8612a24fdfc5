import Foundation

/// Attendance events in one month (counts) and a disciplinary sanction.
public struct Attendance: Sendable, Equatable, Codable {
    public var tl1 = 0, tl2 = 0, tl3 = 0, tl4 = 0
    public var psw1 = 0, psw2 = 0, psw3 = 0, psw4 = 0
    /// Days absent without permission.
    public var tk = 0
    /// 0, or 20–100 (% of the total cut by a disciplinary sanction).
    public var sanctionPercent = 0

    public init(
        tl1: Int = 0, tl2: Int = 0, tl3: Int = 0, tl4: Int = 0, psw1: Int = 0, psw2: Int = 0, psw3: Int = 0, psw4: Int = 0, tk: Int = 0,
        sanctionPercent: Int = 0
    ) {
        self.tl1 = tl1
        self.tl2 = tl2
        self.tl3 = tl3
        self.tl4 = tl4
        self.psw1 = psw1
        self.psw2 = psw2
        self.psw3 = psw3
        self.psw4 = psw4
        self.tk = tk
        self.sanctionPercent = sanctionPercent
    }

    public static let none = Attendance()

    /// The counts in column order (tl1…tl4, psw1…psw4, tk, sanction_percent); missing trailing ones are 0.
    public init(_ values: [Int]) {
        func v(_ i: Int) -> Int { i < values.count ? values[i] : 0 }
        self.init(tl1: v(0), tl2: v(1), tl3: v(2), tl4: v(3), psw1: v(4), psw2: v(5), psw3: v(6), psw4: v(7), tk: v(8), sanctionPercent: v(9))
    }

    /// `tl1,tl2,tl3,tl4,psw1,psw2,psw3,psw4,tk,sanction` — how a computed month keeps the counts it used.
    public var compact: String {
        "\(tl1),\(tl2),\(tl3),\(tl4),\(psw1),\(psw2),\(psw3),\(psw4),\(tk),\(sanctionPercent)"
    }

    public init?(compact: String) {
        let v = compact.split(separator: ",").compactMap { Int($0) }
        guard v.count == 10 else { return nil }
        self.init(tl1: v[0], tl2: v[1], tl3: v[2], tl4: v[3], psw1: v[4], psw2: v[5], psw3: v[6], psw4: v[7], tk: v[8], sanctionPercent: v[9])
    }

    /// Sanction must be 0 or 20–100; counts must not be negative.
    public func validate() throws(ValidationError) {
        for (name, v) in [("tl1", tl1), ("tl2", tl2), ("tl3", tl3), ("tl4", tl4), ("psw1", psw1), ("psw2", psw2), ("psw3", psw3), ("psw4", psw4), ("tk", tk)]
        where v < 0 {
            throw ValidationError("\(name) must not be negative, found \(v)")
        }
        if !(sanctionPercent == 0 || (20...100).contains(sanctionPercent)) {
            throw ValidationError("sanction_percent must be 0 or 20–100, found \(sanctionPercent)")
        }
    }
}

/// The TPP rules an agency can set; the defaults are the common regional shape (see docs).
public struct TPPPolicy: Sendable, Equatable {
    /// Share of the base paid for performance (kinerja) and for discipline (disiplin), in percent.
    public var kinerjaSharePercent: Int64 = 60
    public var disiplinSharePercent: Int64 = 40
    /// Kinerja factor per predikat, percent.
    public var predikatFactorPercent: [Predikat: Int64] = [.sangatBaik: 100, .baik: 100, .butuhPerbaikan: 75, .kurang: 50, .sangatKurang: 25]
    /// Deductions per occurrence, in tenths of a percent of the full base (5 = 0.5 %).
    public var deductionPerMille: [String: Int64] = [
        "tl1": 5, "tl2": 10, "tl3": 15, "tl4": 20, "psw1": 5, "psw2": 10, "psw3": 15, "psw4": 20, "tk": 40,
    ]
    /// Final tax by golongan group, percent: PNS I–IV; PPPK I–XVII.
    public var pnsTaxPercent: [Int: Int64] = [1: 0, 2: 0, 3: 5, 4: 15]
    public var pppkTaxPercent: [Int: Int64] = {
        var m: [Int: Int64] = [:]
        for g in 1...17 { m[g] = g <= 8 ? 0 : g <= 12 ? 5 : 15 }
        return m
    }()
    /// The share of the base a CPNS receives, percent (`cpns_percent`; 100: the whole base).
    public var cpnsPercent: Int64 = 100
    /// `tax_mode = "borne"`: PPh is computed and shown but borne by the regional budget, not deducted from net.
    public var taxBorne = false
    /// An employee contribution (BPJS) deducted from gross before tax, in tenths of a percent of gross (0: none).
    public var bpjsPerMille: Int64 = 0

    public init() {}

    static let deductionCodes = ["tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4", "tk"]

    /// A compact text form kept with each computed month, so that an explanation shown later uses the
    /// numbers that were in force then: `60;40;100,100,75,50,25;5,10,…;0,0,5,15;0,…,15`.
    public var snapshot: String {
        func list(_ v: [Int64]) -> String { v.map(String.init).joined(separator: ",") }
        return [
            String(kinerjaSharePercent), String(disiplinSharePercent),
            list(Predikat.allCases.map { predikatFactorPercent[$0] ?? 0 }),
            list(Self.deductionCodes.map { deductionPerMille[$0] ?? 0 }),
            list((1...4).map { pnsTaxPercent[$0] ?? 0 }),
            list((1...17).map { pppkTaxPercent[$0] ?? 0 }),
            String(cpnsPercent), taxBorne ? "borne" : "withheld", String(bpjsPerMille),
        ].joined(separator: ";")
    }

    /// Reads `snapshot`; nil when the text is not one.
    public init?(snapshot: String) {
        let parts = snapshot.split(separator: ";", omittingEmptySubsequences: false)
        func list(_ i: Int, _ n: Int) -> [Int64]? {
            let v = parts[i].split(separator: ",").compactMap { Int64($0) }
            return v.count == n ? v : nil
        }
        // Months computed before the CPNS share, tax mode and BPJS were kept have six parts (and used the defaults).
        guard parts.count == 6 || parts.count == 9, let k = Int64(parts[0]), let d = Int64(parts[1]),
            let f = list(2, Predikat.allCases.count), let x = list(3, Self.deductionCodes.count), let p = list(4, 4), let q = list(5, 17)
        else { return nil }
        kinerjaSharePercent = k
        disiplinSharePercent = d
        for (c, v) in zip(Predikat.allCases, f) { predikatFactorPercent[c] = v }
        for (c, v) in zip(Self.deductionCodes, x) { deductionPerMille[c] = v }
        for (i, v) in p.enumerated() { pnsTaxPercent[i + 1] = v }
        for (i, v) in q.enumerated() { pppkTaxPercent[i + 1] = v }
        if parts.count == 9 {
            guard let c = Int64(parts[6]), ["borne", "withheld"].contains(parts[7]), let b = Int64(parts[8]) else { return nil }
            cpnsPercent = c
            taxBorne = parts[7] == "borne"
            bpjsPerMille = b
        }
    }

    public func taxPercent(golongan: String, kind: EmployeeKind) -> Int64? {
        guard let group = Golongan.group(golongan, kind: kind) else { return nil }
        return kind == .pns ? pnsTaxPercent[group] : pppkTaxPercent[group]
    }
}

/// One deduction line: what happened, how often, and how much of the base it takes.
public struct DeductionLine: Sendable, Equatable {
    public var code: String
    public var count: Int
    public var perMille: Int64
    public var totalPerMille: Int64 { Int64(count).multipliedReportingOverflow(by: perMille).partialValue }
}

/// A month's TPP for one employee, every step kept for the explanation.
public struct TPPBreakdown: Sendable, Equatable {
    /// The base the computation starts from (a CPNS's share of `fullBase`).
    public var base: Int64
    public var fullBase: Int64
    /// 100, or the CPNS share applied.
    public var cpnsPercent: Int64
    public var kinerjaShare: Fraction
    public var kinerjaFactor: Fraction
    public var kinerja: Int64
    public var disiplinShare: Fraction
    public var deductions: [DeductionLine]
    public var deductionTotal: Fraction
    public var disiplin: Int64
    public var sanctionPercent: Int
    public var gross: Int64
    /// The employee's BPJS contribution, deducted from gross before tax.
    public var bpjsPerMille: Int64
    public var bpjs: Int64
    public var taxPercent: Int64
    public var tax: Int64
    /// The tax is borne by the regional budget: shown, not deducted.
    public var taxBorne: Bool
    public var net: Int64
}

public enum TPPCalculator {
    /// The default computation (integer Rupiah, exact fractions, each component rounded half up):
    /// ```
    /// base     = round(full base × cpns%)                    (a CPNS; otherwise the full base)
    /// kinerja  = round(base × kinerjaShare × factor)
    /// disiplin = max(0, round(base × (disiplinShare − Σ deductions)))
    /// gross    = round((kinerja + disiplin) × (100% − sanction))
    /// bpjs     = round(gross × bpjs%)
    /// tax      = round((gross − bpjs) × rate(golongan))
    /// net      = gross − bpjs − tax                           (tax borne by the region: gross − bpjs)
    /// ```
    /// `factor` is the kinerja factor (from the predikat by default; a plugin may pass another, e.g. activity time).
    public static func compute(
        base fullBase: Int64, factor: Fraction, attendance: Attendance, taxPercent: Int64, policy: TPPPolicy = TPPPolicy(), cpns: Bool = false
    ) throws(FractionError) -> TPPBreakdown {
        let cpnsPercent = cpns ? max(0, min(100, policy.cpnsPercent)) : 100
        let base = cpnsPercent == 100 ? fullBase : try (try Fraction(Int128(fullBase)) * Fraction.percent(Int128(cpnsPercent))).rounded()
        let kinerjaShare = Fraction.percent(Int128(policy.kinerjaSharePercent))
        let disiplinShare = Fraction.percent(Int128(policy.disiplinSharePercent))
        let kinerja = try (try base * (try kinerjaShare * factor)).rounded()
        let counts: [(String, Int)] = [
            ("tl1", attendance.tl1), ("tl2", attendance.tl2), ("tl3", attendance.tl3), ("tl4", attendance.tl4),
            ("psw1", attendance.psw1), ("psw2", attendance.psw2), ("psw3", attendance.psw3), ("psw4", attendance.psw4),
            ("tk", attendance.tk),
        ]
        var lines: [DeductionLine] = []
        var perMille: Int64 = 0
        for (code, count) in counts where count > 0 {
            let line = DeductionLine(code: code, count: count, perMille: policy.deductionPerMille[code] ?? 0)
            lines.append(line)
            perMille = try Money.add(perMille, try Money.multiply(Int64(count), line.perMille))
        }
        let deductionTotal = try Fraction.exactly(Int128(perMille), 1000)
        let disiplin = max(0, try (try base * (try disiplinShare - deductionTotal)).rounded())
        let sanction = Int128(max(0, min(100, attendance.sanctionPercent)))
        let gross = try (try Fraction(Int128(try Money.add(kinerja, disiplin))) * Fraction.percent(100 - sanction)).rounded()
        let bpjsPerMille = max(0, min(1000, policy.bpjsPerMille))
        let bpjs = bpjsPerMille == 0 ? 0 : try (try Fraction(Int128(gross)) * (try Fraction.exactly(Int128(bpjsPerMille), 1000))).rounded()
        let taxable = try Money.subtract(gross, bpjs)
        let tax = try (try Fraction(Int128(taxable)) * Fraction.percent(Int128(taxPercent))).rounded()
        return TPPBreakdown(
            base: base, fullBase: fullBase, cpnsPercent: cpnsPercent, kinerjaShare: kinerjaShare, kinerjaFactor: factor, kinerja: kinerja,
            disiplinShare: disiplinShare, deductions: lines, deductionTotal: deductionTotal, disiplin: disiplin,
            sanctionPercent: attendance.sanctionPercent, gross: gross, bpjsPerMille: bpjsPerMille, bpjs: bpjs, taxPercent: taxPercent, tax: tax,
            taxBorne: policy.taxBorne, net: policy.taxBorne ? taxable : try Money.subtract(taxable, tax))
    }

    /// The default policy end to end: factor from the predikat, tax from the golongan.
    public static func compute(
        base: Int64, predikat: Predikat, attendance: Attendance, golongan: String, kind: EmployeeKind, policy: TPPPolicy = TPPPolicy(),
        cpns: Bool = false
    ) throws -> TPPBreakdown {
        guard let tax = policy.taxPercent(golongan: golongan, kind: kind) else {
            throw ValidationError("no tax band for golongan \(golongan) (\(kind.rawValue))")
        }
        let factor = Fraction.percent(Int128(policy.predikatFactorPercent[predikat] ?? 0))
        return try compute(base: base, factor: factor, attendance: attendance, taxPercent: tax, policy: policy, cpns: cpns)
    }
}

extension TPPBreakdown {
    /// One line per step, in Rupiah, for `tpp show` (shared by the national rules and plugins).
    public func explanation(factorLine: String, golongan: String) -> [String] {
        var steps = [
            cpnsPercent == 100 ? "base: \(base)" : "base: CPNS \(cpnsPercent)% of \(fullBase) = \(base)",
            factorLine,
            "kinerja = round(\(base) × \(kinerjaShare.percentText())% × \(kinerjaFactor.percentText())%) = \(kinerja)",
        ]
        for d in deductions {
            steps.append(
                "deduction \(d.code.uppercased()) × \(d.count) at \(Fraction(Int128(d.perMille), 1000).percentText())% = \(Fraction(Int128(d.totalPerMille), 1000).percentText())% of base"
            )
        }
        steps.append("disiplin = max(0, round(\(base) × (\(disiplinShare.percentText())% − \(deductionTotal.percentText())%))) = \(disiplin)")
        steps.append("gross = round((\(kinerja) + \(disiplin)) × (100% − sanction \(sanctionPercent)%)) = \(gross)")
        if bpjs > 0 || bpjsPerMille > 0 {
            steps.append("bpjs = round(\(gross) × \(Fraction(Int128(bpjsPerMille), 1000).percentText())%) = \(bpjs)")
            steps.append("tax = round((\(gross) − \(bpjs)) × \(taxPercent)% for golongan \(golongan)) = \(tax)" + (taxBorne ? " (borne by the region)" : ""))
            steps.append(taxBorne ? "net = \(gross) − \(bpjs) = \(net)" : "net = \(gross) − \(bpjs) − \(tax) = \(net)")
        } else {
            steps.append("tax = round(\(gross) × \(taxPercent)% for golongan \(golongan)) = \(tax)" + (taxBorne ? " (borne by the region)" : ""))
            steps.append(taxBorne ? "net = \(gross) (tax borne by the region)" : "net = \(gross) − \(tax) = \(net)")
        }
        return steps
    }
}
