import Foundation

/// The national decision for one employee's TPP in one month: paid (with the breakdown) or blocked, and why.
public enum TPPDecision: Sendable, Equatable {
    /// Paid: the computation and the line that says where the kinerja factor came from.
    case paid(TPPBreakdown, factorLine: String)
    /// Blocked: the reason shown beside the employee in `tpp show` and the payroll report.
    case blocked(String)
}

extension TPPEligibility {
    /// What the national rules (and the plugins that keep them) decide for one employee whom `blockedBeforePolicy`
    /// let through. The kinerja factor is `factor` when a plugin gives one (activity time, say), else the predikat's;
    /// an employee is blocked when their golongan has no tax band, when no predikat is known for the month (and no
    /// factor was given), or when the amounts cannot be computed within bounds.
    ///
    /// - Parameters:
    ///   - predikatPeriod: the periodic period whose predikat pays `month` ("" when no period contains it).
    public static func decide(
        base: Int64, golongan: String, kind: EmployeeKind, predikat: Predikat?, predikatPeriod: String, month: String,
        factor: Fraction? = nil, factorLine: String? = nil, attendance: Attendance, policy: TPPPolicy, cpns: Bool = false
    ) -> TPPDecision {
        guard let taxPercent = policy.taxPercent(golongan: golongan, kind: kind) else {
            return .blocked("no tax band for golongan '\(golongan)' (\(kind.rawValue))")
        }
        let kinerjaFactor: Fraction
        let line: String
        if let factor {
            kinerjaFactor = factor
            line = factorLine ?? "factor \(factor.percentText())%"
        } else {
            guard let predikat else {
                return .blocked(predikatPeriod.isEmpty ? "no periodic period contains \(month)" : "no predikat yet for period \(predikatPeriod)")
            }
            let percent = policy.predikatFactorPercent[predikat] ?? 0
            kinerjaFactor = Fraction.percent(Int128(percent))
            line = "predikat \(predikat.officialName) (period \(predikatPeriod)) → factor \(percent)%"
        }
        do {
            let breakdown = try TPPCalculator.compute(
                base: base, factor: kinerjaFactor, attendance: attendance, taxPercent: taxPercent, policy: policy, cpns: cpns && kind == .pns)
            return .paid(breakdown, factorLine: line)
        } catch {
            return .blocked("not computable: \(error) (base \(base))")
        }
    }
}
