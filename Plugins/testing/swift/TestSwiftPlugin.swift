import Foundation
import KinerjaPluginKit
import SwiftProtobuf

/// A plugin for the tests: implements every hook with simple, checkable behaviour.
/// Config: `mode = "error"` makes every hook fail with a message.
struct TestSwiftPlugin: KinerjaPlugin {
    static let id = "testswift"
    static let version = "1.2.3"
    static let hooks: [Hook] = Hook.allCases

    let failing: Bool
    let greeting: String

    init(config: Kinerja_Plugin_V1_PluginConfig, log: PluginLog) throws {
        failing = config.string("mode", default: "normal") == "error"
        greeting = config.string("greeting", default: "halo")
        if let bad = config.values["must_be_number"], Double(bad) == nil {
            throw PluginError("config must_be_number: '\(bad)' is not a number")
        }
        log(.info, "testswift initialised (greeting \(greeting), zone \(config.timeZone))")
    }

    var summary: String { "test plugin written in Swift" }
    var reports: [Kinerja_Plugin_V1_ReportInfo] {
        [
            .with {
                $0.name = "staff_count"
                $0.title = "Staff per unit"
            }
        ]
    }

    func check() throws { if failing { throw PluginError("testswift refuses: mode=error") } }

    func deriveRatings(_ request: Kinerja_Plugin_V1_DeriveRatingsRequest) throws -> Kinerja_Plugin_V1_DeriveRatingsResponse {
        try check()
        return .with {
            $0.results = request.subjects.map { s in
                .with {
                    $0.nip = s.nip
                    if s.feedback.isEmpty {
                        $0.notDerivable = true
                        $0.reason = "no 360° feedback"
                    } else {
                        let mean = Double(s.feedback.compactMap { Rating(text: $0.rating)?.score }.reduce(0, +)) / Double(s.feedback.count)
                        $0.perilakuKerja = mean >= 2.5 ? "di_atas" : mean >= 1.5 ? "sesuai" : "di_bawah"
                        $0.explanation = "mean of \(s.feedback.count) feedback entries: \(mean)"
                    }
                }
            }
        }
    }

    func computeIncentive(_ request: Kinerja_Plugin_V1_IncentiveRequest) throws -> Kinerja_Plugin_V1_IncentiveResponse {
        try check()
        var policy = Scoring.policy(request)
        policy.kinerjaSharePercent = 70
        policy.disiplinSharePercent = 30
        return try .with {
            $0.results = try request.inputs.map { input in
                guard let predikat = Predikat(text: input.predikat) else {
                    return .with {
                        $0.nip = input.nip
                        $0.blocked = true
                        $0.blockedReason = "no predikat"
                    }
                }
                let a = input.attendance
                let r = try TPPCalculator.compute(
                    base: input.baseRupiah, predikat: predikat,
                    attendance: Attendance(
                        tl1: Int(a.tl1), tl2: Int(a.tl2), tl3: Int(a.tl3), tl4: Int(a.tl4), psw1: Int(a.psw1), psw2: Int(a.psw2),
                        psw3: Int(a.psw3), psw4: Int(a.psw4), tk: Int(a.tk), sanctionPercent: Int(a.sanctionPercent)),
                    golongan: input.golongan, kind: EmployeeKind(text: input.kind) ?? .pns, policy: policy)
                return .with {
                    $0.nip = input.nip
                    $0.kinerja = r.kinerja
                    $0.disiplin = r.disiplin
                    $0.gross = r.gross
                    $0.tax = r.tax
                    $0.net = r.net
                    $0.taxPercent = Int32(r.taxPercent)
                    $0.deductionsPercent = r.deductionTotal.percentText()
                    $0.steps = ["testswift: kinerja 70% / disiplin 30%"]
                }
            }
        }
    }

    func reminderCalendar(_ request: Kinerja_Plugin_V1_ReminderCalendarRequest) throws -> Kinerja_Plugin_V1_ReminderCalendarResponse {
        try check()
        return .with {
            $0.rules = [
                .with {
                    $0.name = "testswift-daily"
                    $0.cron = "0 9 * * 1-5"
                    $0.audience = "all_active_staff"
                    $0.template = "Selamat pagi {nama}"
                    $0.channels = ["log"]
                }
            ]
        }
    }

    func validatePeriod(_ request: Kinerja_Plugin_V1_ValidatePeriodRequest) throws -> Kinerja_Plugin_V1_ValidatePeriodResponse {
        try check()
        return request.periodic == "monthly"
            ? .with {
                $0.ok = false
                $0.reason = "testswift runs quarterly appraisal only"
            }
            : .with { $0.ok = true }
    }

    func report(_ request: Kinerja_Plugin_V1_ReportRequest) throws -> Kinerja_Plugin_V1_ReportResponse {
        try check()
        guard request.name == "staff_count" else { throw PluginError("testswift has no report '\(request.name)'") }
        var counts: [String: Int] = [:]
        for s in request.subjects { counts[s.unitCode, default: 0] += 1 }
        return .with {
            $0.title = "Staff per unit (\(greeting))"
            $0.columns = ["unit", "staff"]
            $0.rows = counts.keys.sorted().map { unit in .with { $0.cells = [unit, String(counts[unit]!)] } }
        }
    }
}

@_cdecl("kinerja_plugin_v1")
public func kinerja_plugin_v1() -> UnsafePointer<kinerja_plugin> { PluginExport.descriptor(TestSwiftPlugin.self) }
