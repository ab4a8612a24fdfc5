import Foundation
import KinerjaCore
import KinerjaPluginAPI
import KinerjaScoring
import SwiftProtobuf

/// The national rules (PermenPANRB 6/2022 and the default TPP shape), as the same hooks a plugin
/// implements. Whatever the agency's plugin does not implement is answered here.
package enum NationalPolicy {
    package static let id = "national"

    package static var describe: Kinerja_Plugin_V1_DescribeResponse {
        .with {
            $0.id = id
            $0.version = Kinerja.version
            $0.description_p = "built-in national rules (PermenPANRB 6/2022, default TPP)"
            $0.hooks = ["DeriveRatings", "ComputeIncentive", "ReminderCalendar", "ValidatePeriod", "Report"]
        }
    }

    /// The national rules do not turn data into ratings: supervisors rate.
    package static func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) -> Kinerja_Plugin_V1_DeriveRatingsResponse {
        .with {
            $0.results = request.subjects.map { s in
                .with {
                    $0.nip = s.nip
                    $0.notDerivable = true
                    $0.reason = "the national rules do not derive ratings: the direct supervisor rates Hasil Kerja and Perilaku Kerja"
                }
            }
        }
    }

    /// The default TPP computation (see `TPPCalculator`); employees without a predikat are blocked.
    /// `explain: false` leaves `steps` empty: the host keeps the inputs and rebuilds them for `tpp show`.
    package static func computeIncentive(
        _ request: Kinerja_Plugin_V1_IncentiveRequest, policy: TPPPolicy = TPPPolicy(), explain: Bool = true
    ) -> Kinerja_Plugin_V1_IncentiveResponse {
        .with { $0.results = request.inputs.map { defaultIncentive($0, policy: policy, explain: explain) } }
    }

    /// The default computation for one input (shared with the plugins through `Scoring.incentive`).
    package static func defaultIncentive(
        _ input: Kinerja_Plugin_V1_IncentiveInput, policy: TPPPolicy = TPPPolicy(), factor: Fraction? = nil, factorText: String? = nil,
        explain: Bool = true
    ) -> Kinerja_Plugin_V1_IncentiveResult {
        Scoring.incentive(input, policy: policy, factor: factor, factorLine: factorText, label: nil, explain: explain)
    }

    /// One line per step, in Rupiah, for `tpp show`.
    package static func explain(_ r: TPPBreakdown, factorLine: String, golongan: String) -> [String] {
        r.explanation(factorLine: factorLine, golongan: golongan)
    }

    /// The national reminder defaults (times in the agency's zone).
    package static var reminderCalendar: Kinerja_Plugin_V1_ReminderCalendarResponse {
        .with {
            $0.rules = [
                rule(
                    "realisasi-bulanan", "0 8 1 * *", "staff_missing_realisasi",
                    "Yth. {nama}, mohon isi realisasi kinerja periode {periode}. Batas pengisian: {batas}.", ["running", "assessment"]),
                rule(
                    "realisasi-pengingat", "0 8 8 * *", "staff_missing_realisasi",
                    "Yth. {nama}, realisasi kinerja periode {periode} belum diisi. Batas pengisian: {batas}.", ["running", "assessment"]),
                rule(
                    "skp-januari", "0 8 * 1 1", "staff_without_approved_skp",
                    "Yth. {nama}, SKP tahun {periode} Anda belum disetujui. Batas: {batas}.", ["planning", "running"]),
                rule(
                    "penilaian-atasan", "0 9 11 * *", "supervisors_with_unrated_subordinates",
                    "Yth. {nama}, masih ada pegawai bawahan yang belum dinilai untuk periode {periode}.", ["running", "assessment"]),
            ]
        }
    }

    static func rule(_ name: String, _ cron: String, _ audience: String, _ template: String, _ states: [String]) -> Kinerja_Plugin_V1_ReminderRule {
        .with {
            $0.name = name
            $0.cron = cron
            $0.audience = audience
            $0.template = template
            $0.channels = ["log"]
            $0.periodStates = states
        }
    }

    /// Any layout is allowed nationally.
    package static func validatePeriod(_ request: Kinerja_Plugin_V1_ValidatePeriodRequest) -> Kinerja_Plugin_V1_ValidatePeriodResponse {
        .with { $0.ok = true }
    }

    package struct NoSuchReport: Error, CustomStringConvertible {
        package var name: String
        package var description: String { "the national rules have no report '\(name)'" }
    }
}
