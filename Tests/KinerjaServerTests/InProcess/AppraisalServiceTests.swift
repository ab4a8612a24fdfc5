import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// `kinerja.v1.AppraisalService` in process: ratings and their predikat, the distribution curve that gates closing,
/// the annual suggestion, angka kredit, 360° feedback, each error code and each right.
@Suite struct AppraisalServiceTests {
    static let kepala = ThreePersonAgency.kepala, budi = ThreePersonAgency.budi, rina = ThreePersonAgency.rina

    func rate(
        _ c: Clients, _ nip: String, _ period: String, _ hasil: String, _ perilaku: String, aspects: [String: String] = [:],
        as who: Metadata = Clients.asAdmin
    ) async throws -> Kinerja_V1_AppraisalRow {
        try await c.appraisal.setRating(
            .with {
                $0.nip = nip
                $0.periodID = period
                $0.hasilKerja = hasil
                $0.perilakuKerja = perilaku
                $0.aspects = aspects
            }, metadata: who)
    }

    func importRatings(_ c: Clients, _ csv: String, period: String) async throws -> Kinerja_V1_ImportReport {
        try await c.appraisal.importRatings(
            .with {
                $0.content = Data(csv.utf8)
                $0.periodID = period
            }, metadata: Clients.asOperator)
    }

    func rateUnit(_ c: Clients, _ unit: String, _ period: String, _ predikat: String) async throws {
        _ = try await c.appraisal.rateUnit(
            .with {
                $0.unitCode = unit
                $0.periodID = period
                $0.predikat = predikat
            }, metadata: Clients.asAdmin)
    }

    func list(_ c: Clients, _ period: String) async throws -> [String: Kinerja_V1_AppraisalRow] {
        let rows = try await c.appraisal.listAppraisal(.with { $0.periodID = period }, metadata: Clients.asOperator).rows
        return Dictionary(rows.map { ($0.nip, $0) }, uniquingKeysWith: { a, _ in a })
    }

    func curve(_ c: Clients, _ period: String) async throws -> [String: Kinerja_V1_UnitCurve] {
        let units = try await c.appraisal.curve(.with { $0.periodID = period }, metadata: Clients.asOperator).units
        return Dictionary(units.map { ($0.unitCode, $0) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func ratingsPredikatCurveCreditsAndClosing() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let (kepala, budi, rina) = (Self.kepala, Self.budi, Self.rina)
            try await c.createPeriod("2025", periodic: "quarterly")
            // Ratings are accepted while a period runs (or is in assessment): the year and 2025-Q1 run.
            try await c.advance("2025")  // planning
            try await c.advance("2025", force: true, reason: "SKP di luar sistem")  // running
            try await c.advance("2025-Q1", times: 2)
            // di_atas / sesuai → Baik; changing a rating re-derives the predikat.
            let set = try await rate(c, budi, "2025-Q1", "di_atas", "sesuai", aspects: ["akuntabel": "di_atas"])
            #expect(set.predikat == "baik" && set.aspects["akuntabel"] == "di_atas")
            #expect(try await rate(c, budi, "2025-Q1", "di_atas", "di_atas").predikat == "sangat_baik")
            #expect(await status { try await rate(c, budi, "2025-Q1", "luar biasa", "sesuai") } == .invalidArgument)
            // Import with the other spellings; all or nothing.
            let bad = try await importRatings(
                c, "nip,hasil_kerja,perilaku_kerja\n\(kepala),Di Atas Ekspektasi,sesuai\n\(rina),bagus,sesuai\n", period: "2025-Q1")
            #expect(!bad.applied && bad.errorText.contains("line 3, column hasil_kerja: 'bagus'"), "\(bad.errorText)")
            let unrated = try await list(c, "2025-Q1")[kepala]
            #expect(unrated?.unitCode == "DINAS" && unrated?.hasilKerja == "" && unrated?.predikat == "")
            let good = "nip,hasil_kerja,perilaku_kerja,kompeten\n\(kepala),Di Atas Ekspektasi,diatas,\n\(rina),di bawah,SESUAI,di_bawah\n"
            #expect(try await importRatings(c, good, period: "2025-Q1").applied)
            let rows = try await list(c, "2025-Q1")
            #expect(rows[rina].map { [$0.unitCode, $0.hasilKerja, $0.perilakuKerja, $0.predikat] } == ["BID1", "di_bawah", "sesuai", "butuh_perbaikan"])
            #expect(
                rows[kepala].map { [$0.name, $0.hasilKerja, $0.perilakuKerja, $0.predikat] } == ["Siti Aminah, S.Kom", "di_atas", "di_atas", "sangat_baik"])

            // The curve: units without a predikat are reported as such; Baik needs a tail.
            let before = try await curve(c, "2025-Q1")
            #expect(before.count == 3)
            #expect(before.values.allSatisfy { $0.violations.first?.contains("no predikat") == true })
            try await rateUnit(c, "SEKR", "2025-Q1", "baik")
            try await rateUnit(c, "DINAS", "2025-Q1", "istimewa")
            try await rateUnit(c, "BID1", "2025-Q1", "butuh_perbaikan")
            #expect(await status { try await rateUnit(c, "BID1", "2025-Q1", "hebat") } == .invalidArgument)
            let after = try await curve(c, "2025-Q1")
            let sekr = try #require(after["SEKR"])
            #expect(!sekr.satisfied)
            #expect(sekr.violations == ["at least one Butuh Perbaikan or Kurang/Misconduct: none of 1"])
            #expect(sekr.minimumChanges == 1)
            #expect(after["DINAS"]?.violations.first == "Sangat Baik at most 70%: 1 of 1 (100%)")
            #expect(after["BID1"]?.satisfied == true && after["BID1"]?.percentages["butuh_perbaikan"] == "100")

            // Closing is refused with the reason until the curve holds (or forced with a reason).
            try await c.advance("2025-Q1")  // assessment
            let refused = await failure { try await c.advance("2025-Q1") }
            #expect(refused?.code == .failedPrecondition)
            #expect(refused?.message.contains("2 units violate the distribution curve for 2025-Q1: DINAS, SEKR") == true, "\(String(describing: refused))")
            try await rateUnit(c, "SEKR", "2025-Q1", "butuh_perbaikan")
            _ = try await rate(c, kepala, "2025-Q1", "sesuai", "sesuai")
            _ = try await rate(c, budi, "2025-Q1", "di_bawah", "sesuai")
            try await rateUnit(c, "DINAS", "2025-Q1", "istimewa")
            #expect(try await c.advance("2025-Q1").state == "closed")
            // A closed period refuses ratings.
            let late = await failure { try await rate(c, budi, "2025-Q1", "di_atas", "di_atas") }
            #expect(late?.code == .failedPrecondition && late?.message.contains("period 2025-Q1 is closed") == true)

            // Suggestion from periodic ratings (ties go to the later period), never applied.
            try await c.advance("2025-Q2", times: 2)
            _ = try await rate(c, budi, "2025-Q2", "sesuai", "di_atas")
            let suggestion = try await c.appraisal.suggestRating(
                .with {
                    $0.nip = budi
                    $0.periodID = "2025"
                }, metadata: Clients.asOperator)
            #expect([suggestion.hasilKerja, suggestion.perilakuKerja, suggestion.predikat] == ["sesuai", "di_atas", "baik"])
            let annual = try await list(c, "2025")[budi]
            #expect(annual?.unitCode == "SEKR" && annual?.hasilKerja == "" && annual?.predikat == "")

            // Angka kredit: Rina, ahli pertama, Butuh Perbaikan in Q1 → 12.5 × 75% × 3/12 = 2.34375 → 2.344 → 2.34.
            let credits = try await c.appraisal.credits(.with { $0.periodID = "2025-Q1" }, metadata: Clients.asOperator).rows
            #expect(credits.count == 1)
            #expect(credits.first?.nip == rina && credits.first?.credit == "2.34" && credits.first?.coefficient == "12.50" && credits.first?.months == 3)
        }
    }

    @Test func feedbackIsStoredWithoutExposingRaters() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let budi = Self.budi
            try await c.createPeriod("2025")
            func importFeedback(_ csv: String) async throws -> Kinerja_V1_ImportReport {
                try await c.appraisal.importFeedback(
                    .with {
                        $0.content = Data(csv.utf8)
                        $0.periodID = "2025"
                    }, metadata: Clients.asOperator)
            }
            let file =
                "nip,source,rating,rater,comment,akuntabel\n\(budi),atasan,di_atas,\(Self.kepala),Bagus,di_atas\n\(budi),rekan,sesuai,199001012015031001,,\n\(budi),masyarakat,di_atas,survei-17,Ramah,\n"
            #expect(try await importFeedback(file).applied)
            let dup = try await importFeedback("nip,source,rating,rater\n\(budi),rekan,di_bawah,199001012015031001\n\(budi),tetangga,sesuai,x\n")
            #expect(!dup.applied)
            #expect(dup.errorText.contains("line 2, column rater: this rater already gave rekan feedback"), "\(dup.errorText)")
            #expect(dup.errorText.contains("line 3, column source"))
            // Reported with means per source, never with the raters.
            let report = try await c.appraisal.listFeedback(.with { $0.periodID = "2025" }, metadata: Clients.asOperator)
            #expect(report.entries.count == 3)
            #expect(report.summaries.first?.meanBySource == ["atasan": "3.00", "rekan": "2.00", "masyarakat": "3.00"])
            let text = try report.jsonString()
            #expect(!text.contains("199001012015031001") && !text.contains("survei-17"))
            #expect(try await c.audit().allSatisfy { !$0.summary.contains("199001012015031001") && !$0.target.contains("199001012015031001") })
        }
    }

    @Test func eachErrorHasItsCode() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            try await c.createPeriod("2026", periodic: "monthly")
            // Draft period: ratings wait for it to run.
            let draft = await failure { try await rate(c, Self.budi, "2026-03", "sesuai", "sesuai") }
            #expect(draft?.code == .failedPrecondition && draft?.message.contains("is draft") == true, "\(String(describing: draft))")
            try await c.advance("2026", times: 2, force: true, reason: "uji")
            try await c.advance("2026-03", times: 2)
            #expect(await status { try await rate(c, "199901012020011001", "2026-03", "sesuai", "sesuai") } == .notFound)
            #expect(await status { try await rate(c, "12", "2026-03", "sesuai", "sesuai") } == .invalidArgument)
            #expect(await status { try await rate(c, Self.budi, "2031-03", "sesuai", "sesuai") } == .notFound)
            #expect(await status { try await rate(c, Self.budi, "2026-13", "sesuai", "sesuai") } == .invalidArgument)
            #expect(
                await status {
                    try await c.appraisal.curve(
                        .with {
                            $0.periodID = "2026-03"
                            $0.unitCode = "NOPE"
                        }, metadata: Clients.asAdmin)
                } == .notFound)
            #expect(await status { try await c.appraisal.credits(.with { $0.periodID = "" }, metadata: Clients.asAdmin) } == .invalidArgument)
            #expect(await status { try await rateUnit(c, "NOPE", "2026-03", "baik") } == .notFound)
        }
    }

    @Test func rightsFollowTheRoleAndTheEmployeeAGatewayActsFor() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            try await c.createPeriod("2026", periodic: "monthly")
            try await c.advance("2026", times: 2, force: true, reason: "uji")
            try await c.advance("2026-03", times: 2)
            // A gateway rates as the direct supervisor only: Budi rates Rina, not himself and not his own supervisor.
            let asBudi = Clients.asGateway(for: Self.budi)
            #expect(try await rate(c, Self.rina, "2026-03", "sesuai", "sesuai", as: asBudi).predikat == "baik")
            #expect(await status { try await rate(c, Self.budi, "2026-03", "di_atas", "di_atas", as: asBudi) } == .permissionDenied)
            #expect(await status { try await rate(c, Self.kepala, "2026-03", "sesuai", "sesuai", as: asBudi) } == .permissionDenied)
            #expect(await status { try await rate(c, Self.rina, "2026-03", "sesuai", "sesuai", as: Clients.asGateway(for: nil)) } == .permissionDenied)
            // Operators read and import; unit predikat is an admin's.
            #expect(await status { try await c.appraisal.curve(.with { $0.periodID = "2026-03" }, metadata: Clients.asOperator) } == nil)
            #expect(
                await status {
                    try await c.appraisal.rateUnit(
                        .with {
                            $0.unitCode = "SEKR"
                            $0.periodID = "2026-03"
                            $0.predikat = "baik"
                        }, metadata: Clients.asOperator)
                } == .permissionDenied)
            for who in [asBudi, Clients.asNobody] {
                #expect(await status { try await c.appraisal.listAppraisal(.with { $0.periodID = "2026-03" }, metadata: who) } == .permissionDenied)
            }
            #expect(await status { try await rate(c, Self.rina, "2026-03", "sesuai", "sesuai", as: Clients.asNobody) } == .permissionDenied)
        }
    }
}
