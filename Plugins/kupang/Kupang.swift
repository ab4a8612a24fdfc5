import Foundation
import KinerjaPluginKit
import SwiftProtobuf

/// Kupang: annual appraisal by the supervisor, daily activity reports, stakeholders.
/// - ValidatePeriod: annual periods without periodic children only.
/// - ComputeIncentive: the kinerja share is paid by logged activity time: factor = min(100 %, minutes ÷ target),
///   target 6,750 minutes a month; disiplin, sanction and tax as the default. Nobody is blocked for lack of a predikat.
/// - DeriveRatings → Perilaku Kerja from atasan (80) and masyarakat/stakeholder (20) feedback, thresholds 2.5 / 1.5.
/// - ReminderCalendar: weekdays 15:30 (agency zone) to staff who have not logged today's activity.
/// Config: target_minutes, weights.atasan, weights.masyarakat, thresholds.di_atas, thresholds.sesuai,
/// reminder.cron, reminder.channels (comma-separated).
struct KupangPlugin: KinerjaPlugin {
    static let id = "kupang"
    static let version = "1.0.0"
    static let hooks: [Hook] = [.deriveRatings, .computeIncentive, .reminderCalendar, .validatePeriod]

    let targetMinutes: Int64
    let weights: [String: Int]
    let diAtas: Fraction
    let sesuai: Fraction
    let reminderCron: String
    let reminderChannels: [String]

    init(config: Kinerja_Plugin_V1_PluginConfig, log: PluginLog) throws {
        targetMinutes = Int64(try config.int("target_minutes", default: 6_750))
        guard targetMinutes > 0 else { throw PluginError("config target_minutes: must be positive") }
        weights = ["atasan": try config.int("weights.atasan", default: 80), "masyarakat": try config.int("weights.masyarakat", default: 20)]
        diAtas = try config.fraction("thresholds.di_atas", default: 2.5)
        sesuai = try config.fraction("thresholds.sesuai", default: 1.5)
        reminderCron = config.string("reminder.cron", default: "30 15 * * 1-5")
        reminderChannels = config.string("reminder.channels", default: "log").split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }
    }

    var summary: String { "annual appraisal, TPP by logged activity time, stakeholder feedback (Kupang)" }

    func validatePeriod(_ request: Kinerja_Plugin_V1_ValidatePeriodRequest) throws -> Kinerja_Plugin_V1_ValidatePeriodResponse {
        request.periodic == "none"
            ? .with { $0.ok = true }
            : .with {
                $0.ok = false
                $0.reason = "kupang appraises once a year: create the annual period with --periodic none (not \(request.periodic))"
            }
    }

    func computeIncentive(_ request: Kinerja_Plugin_V1_IncentiveRequest) throws -> Kinerja_Plugin_V1_IncentiveResponse {
        // The agency's numbers; kupang changes only the kinerja factor.
        let policy = Scoring.policy(request)
        return .with {
            $0.results = request.inputs.map { input in
                let factor = Fraction.min(Fraction.one, Fraction(Int128(max(0, input.activityMinutes)), Int128(max(1, targetMinutes))))
                return Scoring.incentive(
                    input, policy: policy, factor: factor,
                    factorLine: "activity \(input.activityMinutes) of \(targetMinutes) minutes in \(input.month) → factor \(factor.percentText())%",
                    label: "kupang: kinerja share by logged activity time")
            }
        }
    }

    func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) throws -> Kinerja_Plugin_V1_DeriveRatingsResponse {
        .with {
            $0.results = request.subjects.map { s in
                .with {
                    $0.nip = s.nip
                    let atasan = Scoring.mean(s.feedback.filter { $0.source == "atasan" }.map(\.rating))
                    let masyarakat = Scoring.mean(s.feedback.filter { $0.source == "masyarakat" }.map(\.rating))
                    let weighted: Fraction?
                    do { weighted = try Scoring.weighted([(weights["atasan"]!, atasan), (weights["masyarakat"]!, masyarakat)]) } catch {
                        $0.notDerivable = true
                        $0.reason = "not derivable: \(error)"
                        return
                    }
                    guard let score = weighted else {
                        $0.notDerivable = true
                        $0.reason = "no feedback from the supervisor or stakeholders for \(request.period.id)"
                        return
                    }
                    $0.perilakuKerja = Scoring.rating(score, diAtas: diAtas, sesuai: sesuai)
                    $0.explanation =
                        "atasan \(atasan?.decimalText() ?? "none") (weight \(weights["atasan"]!)), masyarakat \(masyarakat?.decimalText() ?? "none") (weight \(weights["masyarakat"]!)) → \(score.decimalText())"
                }
            }
        }
    }

    func reminderCalendar(_ request: Kinerja_Plugin_V1_ReminderCalendarRequest) throws -> Kinerja_Plugin_V1_ReminderCalendarResponse {
        .with {
            $0.rules = [
                .with {
                    $0.name = "kupang-kegiatan-harian"
                    $0.cron = reminderCron
                    $0.audience = "staff_missing_activity_today"
                    $0.template = "Yth. {nama}, laporan kegiatan harian tanggal {tanggal} belum diisi. Mohon diisi sebelum pulang."
                    $0.channels = reminderChannels
                }
            ]
        }
    }
}

@_cdecl("kinerja_plugin_v1")
public func kinerja_plugin_v1() -> UnsafePointer<kinerja_plugin> { PluginExport.descriptor(KupangPlugin.self) }
