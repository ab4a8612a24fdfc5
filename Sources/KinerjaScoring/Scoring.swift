import Foundation
import KinerjaCore
import KinerjaPluginAPI
import SwiftProtobuf

/// Helpers the agency plugins and the host's national rules share: numeric rating values (di_atas 3, sesuai 2, di_bawah 1), exact weighted means,
/// thresholds, and the default TPP computation with a plugin's own factor or shares.
public enum Scoring {
    public static func value(_ rating: String) -> Int? {
        switch rating {
        case "di_atas": 3
        case "sesuai": 2
        case "di_bawah": 1
        default: nil
        }
    }

    /// ≥ diAtas → di_atas, ≥ sesuai → sesuai, else di_bawah.
    public static func rating(_ score: Fraction, diAtas: Fraction, sesuai: Fraction) -> String {
        !(score < diAtas) ? "di_atas" : !(score < sesuai) ? "sesuai" : "di_bawah"
    }

    /// The mean of rating values, nil when there are none.
    public static func mean(_ ratings: [String]) -> Fraction? {
        let values = ratings.compactMap(value)
        guard !values.isEmpty else { return nil }
        return Fraction(Int128(values.reduce(0, +)), Int128(values.count))
    }

    /// Σ wᵢ·xᵢ / Σ wᵢ over the sources that have a value (sources without one are dropped and the rest rescaled).
    /// Throws `FractionError` when a value is out of range (never traps).
    public static func weighted(_ parts: [(weight: Int, value: Fraction?)]) throws(FractionError) -> Fraction? {
        var sum = Fraction.zero
        var weights: Int128 = 0
        for p in parts {
            guard let v = p.value, p.weight > 0 else { continue }
            sum = try sum + (try Fraction(Int128(p.weight)) * v)
            weights += Int128(p.weight)
        }
        return weights == 0 ? nil : try sum / Fraction(weights)
    }

    /// The mean of `values`, nil when there are none; throws `FractionError` when out of range.
    public static func mean(_ values: [Fraction]) throws(FractionError) -> Fraction? {
        guard !values.isEmpty else { return nil }
        var sum = Fraction.zero
        for v in values { sum = try sum + v }
        return try sum / Fraction(Int128(values.count))
    }

    /// Counts below zero (a plugin or a caller may send them) count as zero.
    public static func attendance(_ a: Kinerja_Plugin_V1_Attendance) -> Attendance {
        func c(_ v: Int32) -> Int { Int(max(0, v)) }
        return Attendance(
            tl1: c(a.tl1), tl2: c(a.tl2), tl3: c(a.tl3), tl4: c(a.tl4), psw1: c(a.psw1), psw2: c(a.psw2),
            psw3: c(a.psw3), psw4: c(a.psw4), tk: c(a.tk), sanctionPercent: c(a.sanctionPercent))
    }

    /// The default TPP shape for one input with `policy` and a kinerja `factor` (nil: from the predikat; an employee
    /// without one is blocked): the plugin-message adapter of `TPPEligibility.decide`. `label` prefixes the explanation;
    /// `explain: false` leaves the steps out.
    public static func incentive(
        _ input: Kinerja_Plugin_V1_IncentiveInput, policy: TPPPolicy, factor: Fraction? = nil, factorLine: String? = nil, label: String?,
        explain: Bool = true
    ) -> Kinerja_Plugin_V1_IncentiveResult {
        var result = Kinerja_Plugin_V1_IncentiveResult()
        result.nip = input.nip
        let decision = TPPEligibility.decide(
            base: input.baseRupiah, golongan: input.golongan, kind: EmployeeKind(text: input.kind) ?? .pns, predikat: Predikat(text: input.predikat),
            predikatPeriod: input.predikatPeriod, month: input.month, factor: factor, factorLine: factorLine, attendance: attendance(input.attendance),
            policy: policy, cpns: input.cpns)
        let r: TPPBreakdown
        let line: String
        switch decision {
        case .blocked(let reason):
            result.blocked = true
            result.blockedReason = reason
            return result
        case .paid(let breakdown, let factorLine):
            r = breakdown
            line = factorLine
        }
        result.kinerja = r.kinerja
        result.disiplin = r.disiplin
        result.gross = r.gross
        result.tax = r.tax
        result.net = r.net
        result.bpjs = r.bpjs
        result.taxBorne = r.taxBorne
        result.taxPercent = Int32(r.taxPercent)
        result.deductionsPercent = r.deductionTotal.percentText()
        if explain { result.steps = (label.map { [$0] } ?? []) + r.explanation(factorLine: line, golongan: input.golongan) }
        return result
    }
}

extension Scoring {
    /// The agency's numbers a request carries (`IncentiveRequest.policy`), or the national defaults when the host sent
    /// none. Values out of their range are clamped, never trusted to trap.
    public static func policy(_ request: Kinerja_Plugin_V1_IncentiveRequest) -> TPPPolicy {
        guard request.hasPolicy else { return TPPPolicy() }
        let m = request.policy
        func percent(_ v: Int64) -> Int64 { max(0, min(100, v)) }
        var p = TPPPolicy()
        p.kinerjaSharePercent = percent(m.kinerjaSharePercent)
        p.disiplinSharePercent = percent(m.disiplinSharePercent)
        for c in Predikat.allCases { if let v = m.predikatFactorPercent[c.rawValue] { p.predikatFactorPercent[c] = percent(v) } }
        for (code, v) in m.deductionPerMille where p.deductionPerMille[code] != nil { p.deductionPerMille[code] = max(0, min(1000, v)) }
        for (i, v) in m.pnsTaxPercent.prefix(4).enumerated() { p.pnsTaxPercent[i + 1] = percent(v) }
        for (i, v) in m.pppkTaxPercent.prefix(17).enumerated() { p.pppkTaxPercent[i + 1] = percent(v) }
        p.cpnsPercent = percent(m.cpnsPercent)
        p.taxBorne = m.taxMode == "borne"
        p.bpjsPerMille = max(0, min(1000, m.bpjsPerMille))
        return p
    }

    /// `policy` as the host sends it to a plugin.
    public static func message(_ p: TPPPolicy) -> Kinerja_Plugin_V1_TPPPolicy {
        .with {
            $0.kinerjaSharePercent = p.kinerjaSharePercent
            $0.disiplinSharePercent = p.disiplinSharePercent
            $0.predikatFactorPercent = Dictionary(uniqueKeysWithValues: p.predikatFactorPercent.map { ($0.key.rawValue, $0.value) })
            $0.deductionPerMille = p.deductionPerMille
            $0.pnsTaxPercent = (1...4).map { p.pnsTaxPercent[$0] ?? 0 }
            $0.pppkTaxPercent = (1...17).map { p.pppkTaxPercent[$0] ?? 0 }
            $0.cpnsPercent = p.cpnsPercent
            $0.taxMode = p.taxBorne ? "borne" : "withheld"
            $0.bpjsPerMille = p.bpjsPerMille
        }
    }
}
