import Foundation
import KinerjaPluginKit
import SwiftProtobuf

/// Bukittinggi: achievement-based appraisal (*berbasis capaian*).
/// - DeriveRatings → Hasil Kerja: per numeric indicator of each RHK utama, capaian = realisasi ÷ target × 100
///   (lower_is_better: target ÷ realisasi × 100, realisasi 0 counts as the cap), capped at 120; an RHK's capaian is
///   the mean of its indicators, the employee's the mean over RHK utama; ≥ 110 → di_atas, ≥ 90 → sesuai, else
///   di_bawah. An RHK utama without realisasi makes the employee not derivable. A target of 0 (higher is better)
///   counts as met (100). The host passes the period's realisasi (for an annual period: recorded on it, else each
///   indicator's latest periodic value).
/// - ComputeIncentive: kinerja 70 % / disiplin 30 %, otherwise the default policy.
/// Config: cap (120), thresholds.di_atas (110), thresholds.sesuai (90), kinerja_share_percent (70), disiplin_share_percent (30).
struct BukittinggiPlugin: KinerjaPlugin {
    static let id = "bukittinggi"
    static let version = "1.0.0"
    static let hooks: [Hook] = [.deriveRatings, .computeIncentive]

    let cap: Fraction
    let diAtas: Fraction
    let sesuai: Fraction
    /// The shares of Bukittinggi's rule (config, default 70/30); everything else comes from the agency's `[tpp]`.
    let kinerjaShare: Int64
    let disiplinShare: Int64

    init(config: Kinerja_Plugin_V1_PluginConfig, log: PluginLog) throws {
        cap = try config.fraction("cap", default: 120)
        diAtas = try config.fraction("thresholds.di_atas", default: 110)
        sesuai = try config.fraction("thresholds.sesuai", default: 90)
        kinerjaShare = Int64(try config.int("kinerja_share_percent", default: 70))
        disiplinShare = Int64(try config.int("disiplin_share_percent", default: 30))
        guard (0...100).contains(kinerjaShare), (0...100).contains(disiplinShare), kinerjaShare + disiplinShare <= 100
        else { throw PluginError("config kinerja_share_percent + disiplin_share_percent must be within 0–100") }
    }

    var summary: String { "achievement-based Hasil Kerja and a 70/30 TPP (Bukittinggi)" }

    /// capaian of one indicator, in percent.
    /// Throws `FractionError` for a value out of range (the employee is then not derivable).
    func capaian(_ i: Kinerja_Plugin_V1_Indicator) throws -> Fraction {
        let target = try Fraction.decimal(i.target)
        let real = try Fraction.decimal(i.realisasi)
        let raw: Fraction
        if i.direction == "lower_is_better" {
            raw = real.numerator == 0 ? cap : try (try target / real) * Fraction(100)
        } else {
            raw = target.numerator == 0 ? Fraction(100) : try (try real / target) * Fraction(100)
        }
        return Fraction.min(raw, cap)
    }

    func derive(_ s: Kinerja_Plugin_V1_Subject, period: String) -> Kinerja_Plugin_V1_DerivedRating {
        do {
            return try deriveChecked(s, period: period)
        } catch {
            var out = Kinerja_Plugin_V1_DerivedRating()
            out.nip = s.nip
            out.notDerivable = true
            out.reason = "not derivable: \(error) (targets and realisasi must be \(Measure.rule))"
            return out
        }
    }

    func deriveChecked(_ s: Kinerja_Plugin_V1_Subject, period: String) throws -> Kinerja_Plugin_V1_DerivedRating {
        var out = Kinerja_Plugin_V1_DerivedRating()
        out.nip = s.nip
        var order: [String] = []
        var byRHK: [String: [Kinerja_Plugin_V1_Indicator]] = [:]
        for i in s.indicators where i.rhkKind == "utama" && i.hasTarget_p {
            if byRHK[i.rhkID] == nil { order.append(i.rhkID) }
            byRHK[i.rhkID, default: []].append(i)
        }
        guard !order.isEmpty else {
            out.notDerivable = true
            out.reason = "no RHK utama with a numeric target in the SKP"
            return out
        }
        var means: [Fraction] = []
        var parts: [String] = []
        for rhk in order {
            let indicators = byRHK[rhk]!
            let missing = indicators.filter { !$0.hasRealisasi_p }
            guard missing.isEmpty else {
                out.notDerivable = true
                out.reason = "RHK utama \(rhk) has no realisasi for \(period) (indicator \(missing.map(\.indicatorID).joined(separator: ", ")))"
                return out
            }
            let values = try indicators.map(capaian)
            let mean = try Scoring.mean(values) ?? .zero
            means.append(mean)
            parts.append("\(rhk) \(mean.decimalText())% (\(zip(indicators, values).map { "\($0.indicatorID) \($1.decimalText())" }.joined(separator: ", ")))")
        }
        let total = try Scoring.mean(means) ?? .zero
        out.hasilKerja = Scoring.rating(total, diAtas: diAtas, sesuai: sesuai)
        out.explanation = "capaian \(total.decimalText())% = mean of " + parts.joined(separator: "; ")
        return out
    }

    func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) throws -> Kinerja_Plugin_V1_DeriveRatingsResponse {
        .with { $0.results = request.subjects.map { derive($0, period: request.period.id) } }
    }

    func computeIncentive(_ request: Kinerja_Plugin_V1_IncentiveRequest) throws -> Kinerja_Plugin_V1_IncentiveResponse {
        var policy = Scoring.policy(request)
        policy.kinerjaSharePercent = kinerjaShare
        policy.disiplinSharePercent = disiplinShare
        return .with {
            $0.results = request.inputs.map {
                Scoring.incentive($0, policy: policy, label: "bukittinggi: kinerja \(policy.kinerjaSharePercent)% / disiplin \(policy.disiplinSharePercent)%")
            }
        }
    }
}

@_cdecl("kinerja_plugin_v1")
public func kinerja_plugin_v1() -> UnsafePointer<kinerja_plugin> { PluginExport.descriptor(BukittinggiPlugin.self) }
