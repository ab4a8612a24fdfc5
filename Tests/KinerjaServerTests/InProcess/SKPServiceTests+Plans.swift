import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// What a call was refused with: the error's message, or the report's row errors.
func refusal(_ call: () async throws -> Kinerja_V1_ImportReport) async -> String {
    do {
        let report = try await call()
        return report.applied ? "" : report.errorText
    } catch let error as RPCError {
        return "\(error.code): \(error.message)"
    } catch {
        return "\(error)"
    }
}

/// The SKP's plan, its cascade (intervensi), its status rules, realisasi, feedback and activities through the
/// SKP service in process, with the three-person agency; and a closed period refusing every write path.
@Suite struct SKPPlanServiceTests {
    static let kepala = ThreePersonAgency.kepala, budi = ThreePersonAgency.budi, rina = ThreePersonAgency.rina

    static func ref(_ nip: String, _ period: String = "2025", note: String = "") -> Kinerja_V1_SKPRef {
        .with {
            $0.nip = nip
            $0.periodID = period
            $0.note = note
        }
    }

    static func csv(_ c: Clients, realisasi rows: String) async throws -> Kinerja_V1_ImportReport {
        try await c.skp.importRealisasi(
            .with { $0.content = Data(("nip,period,rhk_id,indicator_id,value,text,evidence,note\n" + rows).utf8) }, metadata: Clients.asAdmin)
    }

    static func csv(_ c: Clients, activities content: String) async throws -> Kinerja_V1_ImportReport {
        try await c.skp.importActivities(.with { $0.content = Data(content.utf8) }, metadata: Clients.asAdmin)
    }

    @Test func planApproveReportAndIntervensiRules() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let (kepala, budi, rina) = (Self.kepala, Self.budi, Self.rina)
            let doc = ThreePersonAgency.skpDocument
            let admin = Clients.asAdmin
            try await c.createPeriod("2025", periodic: "monthly")
            // Typos and wrong types are named with their path, every one of them.
            let typo = doc("2025", "K1", "R1", nil).replacingOccurrences(of: "\"intervensi\": \"K1\"", with: "\"intervnsi\": \"K1\"")
                .replacingOccurrences(of: "\"target\": 99", with: "\"target\": \"sembilan puluh sembilan\"")
            let typos = await refusal { try await c.importSKP(typo) }
            #expect(typos.contains("skp[1] (\(budi)).rhk[0].intervnsi: unknown key"), "\(typos)")
            #expect(typos.contains("skp[2] (\(rina)).rhk[0].indicators[0].target: target must be a number"))
            let broken = await refusal {
                try await c.skp.importSKP(
                    .with {
                        $0.content = Data("{\"skp\": [".utf8)
                        $0.periodID = "2025"
                    }, metadata: admin)
            }
            #expect(broken.contains("not valid JSON"), "\(broken)")
            // Intervensi must name an RHK of the direct supervisor's SKP in the same period.
            let wrong = await refusal { try await c.importSKP(doc("2025", "K9", "R1", nil)) }
            #expect(wrong.contains("skp[1] (\(budi)).rhk[0].intervensi: 'K9' is not an RHK of supervisor \(kepala)'s SKP for 2025"), "\(wrong)")
            #expect(await refusal { try await c.importSKP(doc("2025", "K1", "R1", [budi])) }.contains("supervisor \(kepala) has no SKP for 2025 yet"))
            #expect(await refusal { try await c.importSKP(doc("2025", "K1", "", nil)) }.contains("RHK utama P1 must name the supervisor's RHK"))
            // Rina's supervisor is Budi: Siti's K1 is not Budi's.
            #expect(await refusal { try await c.importSKP(doc("2025", "K1", "K1", nil)) }.contains("'K1' is not an RHK of supervisor \(budi)'s SKP"))
            // A supervisor's SKP in another period does not count.
            try await c.createPeriod("2026", periodic: "none")
            #expect(try await c.importSKP(doc("2026", "K1", "R1", [kepala])).applied)
            #expect(await refusal { try await c.importSKP(doc("2025", "K1", "R1", [budi])) }.contains("supervisor \(kepala) has no SKP for 2025 yet"))
            #expect(try await c.skp.listSKP(.with { $0.periodID = "2025" }, metadata: admin).skp.isEmpty)

            // The good file.
            let good = try await c.importSKP(doc("2025", "K1", "R1", nil))
            #expect(good.applied && good.added == 3, "\(good.errorText)")
            let shown = try await c.skp.getSKP(Self.ref(budi), metadata: admin)
            #expect(shown.status == "draft")
            #expect(shown.rhk.map(\.id) == ["R1", "T1"])
            #expect(shown.rhk[0].indicators[1].targetText == "sesuai standar")
            #expect(shown.rhk[1].indicators[0].direction == "lower_is_better")
            #expect(shown.konsekuensi == ["Teguran"])

            // Status rules.
            #expect(await failure { try await c.skp.approveSKP(Self.ref(budi), metadata: admin) }?.message.contains("needs submitted") == true)
            _ = try await c.skp.submitSKP(Self.ref(budi), metadata: admin)
            let returned = try await c.skp.returnSKP(Self.ref(budi, note: "Tambahkan indikator waktu"), metadata: admin)
            #expect(returned.status == "returned" && returned.returnNote == "Tambahkan indikator waktu")
            #expect(try await c.importSKP(doc("2025", "K1", "R1", [budi])).applied)  // returned is editable
            for nip in [kepala, budi, rina] {
                _ = try await c.skp.submitSKP(Self.ref(nip), metadata: admin)
                _ = try await c.skp.approveSKP(Self.ref(nip), metadata: admin)
            }
            #expect(
                await refusal { try await c.importSKP(doc("2025", "K1", "R1", [budi])) }
                    .contains("the SKP of \(budi) is approved; only draft or returned SKPs can be edited"))
            let list = try await c.skp.listSKP(.with { $0.periodID = "2025" }, metadata: admin)
            #expect(list.skp.count == 3 && list.skp.allSatisfy { $0.status == "approved" } && list.missing == 0)

            // Realisasi: all or nothing, checked against the approved SKP.
            let bad = try await Self.csv(
                c, realisasi: "\(budi),2025-03,R1,I1,3,,https://drive/lap-maret.pdf,\n\(budi),2025-03,R1,I9,1,,,\n\(budi),2025-03,R1,I2,,,,\n")
            #expect(!bad.applied)
            #expect(bad.errorText.contains("line 3, column indicator_id: \(budi)'s SKP for 2025 has no indicator R1/I9"), "\(bad.errorText)")
            #expect(bad.errorText.contains("line 4, column text: indicator R1/I2 has a qualitative target"))
            #expect(try await c.getPeriod("2025-03").realisasiFilled == 0)
            let goodRealisasi = "\(budi),2025-03,R1,I1,3,,https://drive/lap-maret.pdf,\n\(budi),2025-03,R1,I2,,sesuai standar,,\n\(budi),2025-03,T1,I1,0,,,\n"
            #expect(try await Self.csv(c, realisasi: goodRealisasi).applied)
            let march = try await c.getPeriod("2025-03")
            #expect(march.realisasiFilled == 3 && march.realisasiExpected == 5)
            // Feedback and activities.
            let feedback = Kinerja_V1_FeedbackRequest.with {
                $0.nip = budi
                $0.periodID = "2025-03"
                $0.rhkID = "R1"
                $0.text = "Pertahankan"
            }
            #expect(await status { try await c.skp.giveFeedback(feedback, metadata: admin) } == nil)
            var unknownRHK = feedback
            unknownRHK.rhkID = "R7"
            #expect(await status { try await c.skp.giveFeedback(unknownRHK, metadata: admin) } == .notFound)
            // Activities are logged while a period containing the day runs.
            try await c.advance("2025", times: 2)
            let activities =
                "nip,date,description,rhk_id,minutes,evidence\n\(budi),2025-03-03,Menyusun laporan,R1,120,\n\(budi),2025-03-04,Rapat koordinasi,,90,notulen-04.pdf\n"
            #expect(try await Self.csv(c, activities: activities).applied)
            let listed = try await c.skp.listActivities(
                .with {
                    $0.nip = budi
                    $0.from = "2025-03-01"
                    $0.to = "2025-03-31"
                }, metadata: admin)
            #expect(listed.totalMinutes == 210 && listed.activities.count == 2)
            let ba = try await Self.csv(
                c, activities: "nip,date,description,rhk_id,minutes\n\(budi),2025-02-30,X,,30\n\(budi),2025-03-05,Y,,0\n\(budi),2025-03-05,Z,R9,30\n")
            #expect(
                ba.errorText.contains("line 2, column date") && ba.errorText.contains("line 3, column minutes")
                    && ba.errorText.contains("line 4, column rhk_id"), "\(ba.errorText)")
        }
    }

    @Test func aClosedPeriodRefusesEveryWritePath() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let (kepala, budi, rina) = (Self.kepala, Self.budi, Self.rina)
            let admin = Clients.asAdmin
            try await c.createPeriod("2025", periodic: "monthly")
            #expect(try await c.importSKP(ThreePersonAgency.skpDocument(), submit: true).applied)
            for nip in [kepala, budi, rina] { _ = try await c.skp.approveSKP(Self.ref(nip), metadata: admin) }
            // Close March while the year runs, and then the whole year.
            try await c.advance("2025", times: 2)
            try await c.advance("2025-03", times: 3)
            let unrated = await failure { try await c.advance("2025-03") }
            #expect(
                unrated?.message.contains("3 active employees are not rated for 2025-03: \(kepala), \(budi), \(rina)") == true, "\(String(describing: unrated))"
            )
            try await c.advance("2025-03", force: true, reason: "uji")
            let r = await refusal { try await Self.csv(c, realisasi: "\(budi),2025-03,R1,I1,3,,,\n") }
            #expect(r.contains("period 2025-03 is closed"), "\(r)")
            let f = await failure {
                try await c.skp.giveFeedback(
                    .with {
                        $0.nip = budi
                        $0.periodID = "2025-03"
                        $0.rhkID = "R1"
                        $0.text = "x"
                    }, metadata: admin)
            }
            #expect(f?.code == .failedPrecondition && f?.message.contains("period 2025-03 is closed") == true)
            #expect(
                await refusal { try await Self.csv(c, activities: "nip,date,description,minutes\n\(budi),2025-03-10,X,30\n") }.contains(
                    "period 2025-03 is closed"))
            #expect(
                await failure {
                    try await c.period.setDeadline(
                        .with {
                            $0.id = "2025-03"
                            $0.deadline = "2025-04-20"
                        }, metadata: admin)
                }?.message.contains("closed") == true)
            try await c.advance("2025")  // assessment
            try await c.advance("2025", force: true, reason: "tutup buku")
            let imported = await refusal { try await c.importSKP(ThreePersonAgency.skpDocument(only: [kepala])) }
            #expect(imported.contains("period 2025 is closed"), "\(imported)")
            for (name, action) in [
                ("submit", { _ = try await c.skp.submitSKP(Self.ref(rina), metadata: admin) }),
                ("approve", { _ = try await c.skp.approveSKP(Self.ref(rina), metadata: admin) }),
                ("return", { _ = try await c.skp.returnSKP(Self.ref(rina, note: "x"), metadata: admin) }),
            ] as [(String, () async throws -> Void)] {
                let refused = await failure(action)
                #expect(
                    refused?.code == .failedPrecondition && refused?.message.contains("period 2025 is closed") == true,
                    "\(name): \(String(describing: refused))")
            }
        }
    }
}
