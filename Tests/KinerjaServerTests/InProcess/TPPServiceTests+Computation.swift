import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// The national TPP computation through the service in process, with the worked examples: attendance validation,
/// compute, the explanation, export, lock and unlock.
@Suite struct TPPComputationServiceTests {
    static let kepala = ThreePersonAgency.kepala, budi = ThreePersonAgency.budi, rina = ThreePersonAgency.rina
    static let march = Kinerja_V1_MonthRequest.with { $0.month = "2026-03" }

    static func attendance(_ c: Clients, _ csv: String, month: String = "2026-03") async throws -> Kinerja_V1_ImportReport {
        try await c.tpp.importAttendance(
            .with {
                $0.content = Data(csv.utf8)
                $0.month = month
            }, metadata: Clients.asAdmin)
    }

    static func rate(_ c: Clients, _ nip: String, _ hasil: String, _ perilaku: String) async throws {
        _ = try await c.appraisal.setRating(
            .with {
                $0.nip = nip
                $0.periodID = "2026-03"
                $0.hasilKerja = hasil
                $0.perilakuKerja = perilaku
            }, metadata: Clients.asAdmin)
    }

    static func show(_ c: Clients, _ nip: String) async throws -> Kinerja_V1_TPPResult {
        try await c.tpp.show(
            .with {
                $0.nip = nip
                $0.month = "2026-03"
            }, metadata: Clients.asOperator)
    }

    /// 2026 and March in assessment, bases for kelas 7 and 8 (not 15), Budi Baik, Rina Butuh Perbaikan, and March's
    /// attendance.
    static func prepared() async throws -> InProcessDaemon {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            try await c.createPeriod("2026", periodic: "monthly")
            try await c.advance("2026", times: 2, force: true, reason: "uji")
            try await c.advance("2026-03", times: 3, force: true, reason: "uji")
            #expect(
                try await c.tpp.importBase(.with { $0.content = Data("kelas_jabatan,base_rupiah\n7,5000000\n8,3250000\n".utf8) }, metadata: Clients.asAdmin)
                    .applied)
            try await rate(c, budi, "di_atas", "sesuai")  // baik
            try await rate(c, rina, "di_bawah", "di_atas")  // butuh perbaikan
            let csv = "nip,tl1,tl2,tl3,tl4,psw1,psw2,psw3,psw4,tk,sanction_percent\n\(budi),2,0,0,0,0,1,0,0,1,0\n\(rina),0,0,0,0,0,0,0,0,12,20\n"
            #expect(try await attendance(c, csv).applied)
        }
        return daemon
    }

    @Test func computeExplainLockExport() async throws {
        let daemon = try await Self.prepared()
        try await daemon.withClients { c in
            let (kepala, budi, rina) = (Self.kepala, Self.budi, Self.rina)
            let bad = try await Self.attendance(c, "nip,tk,sanction_percent\n\(budi),-1,0\n\(rina),0,10\n198001012005011009,0,0\n")
            #expect(!bad.applied)
            #expect(
                bad.errorText.contains("line 2, column tk") && bad.errorText.contains("line 3, column sanction_percent: sanction must be 0 or 20–100")
                    && bad.errorText.contains("line 4, column nip"), "\(bad.errorText)")

            let computed = try await c.tpp.compute(Self.march, metadata: Clients.asAdmin)
            #expect(computed.paid == 2 && computed.blocked == 1)
            #expect(computed.blockedEmployees.first?.nip == kepala)
            #expect(computed.blockedEmployees.first?.blockedReason.contains("no TPP base for kelas jabatan 15") == true)
            // Worked example 1 (III/b): 3,000,000 + 1,700,000 = 4,700,000 gross, 235,000 tax, 4,465,000 net.
            let b1 = try await Self.show(c, budi)
            #expect([b1.kinerja, b1.disiplin, b1.gross, b1.tax, b1.net] == [3_000_000, 1_700_000, 4_700_000, 235_000, 4_465_000])
            #expect(b1.predikatPeriod == "2026-03" && b1.deductionsPercent == "6")
            #expect(b1.steps.contains { $0.contains("predikat Baik (period 2026-03) → factor 100%") }, "\(b1.steps)")
            #expect(b1.steps.contains { $0.contains("deduction TK × 1 at 4% = 4% of base") })
            // PPPK IX (5 %): 1,462,500 kinerja, disiplin floored at 0, 20 % sanction → 1,170,000 gross, 58,500 tax.
            let r1 = try await Self.show(c, rina)
            #expect([r1.kinerja, r1.disiplin, r1.gross, r1.net] == [1_462_500, 0, 1_170_000, 1_111_500])

            // Export: sorted by unit then NIP, totals equal compute's.
            let export = try await c.tpp.export(Self.march, metadata: Clients.asAdmin)
            let lines = String(decoding: export.csv, as: UTF8.self).split(separator: "\n")
            #expect(
                lines.first
                    == "nip,name,unit_code,golongan,kelas_jabatan,base,kinerja,disiplin,deductions_percent,sanction_percent,gross,tax,net,bpjs,tax_borne")
            #expect(lines.count == 3)
            #expect(lines[1].hasPrefix(rina) && lines[2].hasPrefix(budi))  // BID1 before SEKR
            let sumNet = lines.dropFirst().map { Int64($0.split(separator: ",").dropLast(2).last!)! }.reduce(0, +)
            #expect(sumNet == computed.totalNet && export.totalNet == sumNet)
            #expect(export.blocked.map(\.nip) == [kepala])

            // Lock: later changes do not alter the month; compute and attendance are refused until unlocked.
            _ = try await c.tpp.lock(Self.march, metadata: Clients.asAdmin)
            try await Self.rate(c, budi, "di_bawah", "di_bawah")
            let locked = await failure { try await c.tpp.compute(Self.march, metadata: Clients.asAdmin) }
            #expect(locked?.code == .failedPrecondition && locked?.message.contains("TPP for 2026-03 is locked") == true)
            #expect(await refusal { try await Self.attendance(c, "nip,tk\n\(budi),0\n") }.contains("locked"))
            #expect(try await Self.show(c, budi).net == 4_465_000)
            #expect(await status { try await c.tpp.unlock(.with { $0.month = "2026-03" }, metadata: Clients.asAdmin) } == .invalidArgument)
            _ = try await c.tpp.unlock(
                .with {
                    $0.month = "2026-03"
                    $0.reason = "koreksi absensi"
                }, metadata: Clients.asAdmin)
            _ = try await c.tpp.compute(Self.march, metadata: Clients.asAdmin)
            let after = try await Self.show(c, budi)
            #expect(after.predikat == "sangat_kurang" && after.kinerja == 750_000)
            let audit = try await c.audit()
            #expect(audit.contains { $0.summary.contains("unlocked: koreksi absensi") } && audit.contains { $0.rpc == "LockTPP" })
            // A month outside any periodic period blocks everyone rather than paying zero.
            let april = try await c.tpp.compute(.with { $0.month = "2027-04" }, metadata: Clients.asAdmin)
            #expect(april.paid == 0)
            #expect(april.blockedEmployees.first { $0.nip == budi }?.blockedReason.contains("no periodic period contains 2027-04") == true)
        }
    }

    @Test func overridesAreAnAdminsAndNeedAnEmployee() async throws {
        let daemon = try await Self.prepared()
        try await daemon.withClients { c in
            func override(_ nip: String, _ text: String, as who: Metadata = Clients.asAdmin) async throws -> Kinerja_V1_TPPOverride {
                try await c.tpp.setOverride(
                    .with {
                        $0.nip = nip
                        $0.baseText = text
                        $0.reason = "jabatan khusus"
                    }, metadata: who)
            }
            #expect(await status { try await override("198001012005011009", "1000") } == .notFound)
            #expect(await status { try await override(Self.budi, "6.000.000", as: Clients.asOperator) } == .permissionDenied)
            #expect(try await override(Self.budi, "6.000.000").baseRupiah == 6_000_000)
            let listed = try await c.tpp.listOverrides(.init(), metadata: Clients.asOperator).overrides
            #expect(listed.map(\.nip) == [Self.budi] && listed.first?.baseRupiah == 6_000_000)
            let clear = Kinerja_V1_SetOverrideRequest.with {
                $0.nip = Self.budi
                $0.clear = true
            }
            #expect(await status { try await c.tpp.setOverride(clear, metadata: Clients.asAdmin) } == nil)
            let again = await failure { try await c.tpp.setOverride(clear, metadata: Clients.asAdmin) }
            #expect(again?.code == .failedPrecondition && again?.message.contains("no TPP override") == true)
        }
    }
}
