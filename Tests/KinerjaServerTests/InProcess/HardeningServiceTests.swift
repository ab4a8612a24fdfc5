import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// Inputs that used to crash the daemon, pay the wrong amount or leave inconsistent data (the hardening issue), each
/// through the services in process. What needs a real process (signals, a plugin's derive) stays end-to-end.
@Suite struct HardeningServiceTests {
    static let kepala = ThreePersonAgency.kepala, budi = ThreePersonAgency.budi, rina = ThreePersonAgency.rina

    func importCSV(_ c: Clients, skp json: String, dryRun: Bool = false) async throws -> Kinerja_V1_ImportReport {
        try await c.importSKP(json, dryRun: dryRun)
    }

    @Test func skpTargetsAreBoundedAndDeepNestingIsRefused() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            try await c.createPeriod("2026", periodic: "monthly")
            let document = ThreePersonAgency.skpDocument(period: "2026")
            let huge = document.replacingOccurrences(of: "\"target\": 12", with: "\"target\": 1e33")
            #expect(huge != document)
            let r = try await c.importSKP(huge, dryRun: true)
            #expect(!r.applied && r.errorText.contains(".target") && r.errorText.contains("out of range"), "\(r.errorText)")
            // 30,000 nested arrays under an unknown lampiran key: refused with the place, and the daemon lives.
            let deep = String(repeating: "[", count: 30_000) + String(repeating: "]", count: 30_000)
            let doc = document.replacingOccurrences(of: "\"lampiran\": {", with: "\"lampiran\": {\"x\": \(deep), ")
            #expect(doc.contains(deep))
            for dryRun in [true, false] {
                let d = await failure { try await c.importSKP(doc, dryRun: dryRun) }
                let report = try? await c.importSKP(doc, dryRun: dryRun)
                let text: String = (d?.message ?? "") + (report?.errorText ?? "")
                #expect(text.contains("deeper than 64"), "\(text.prefix(500))")
                #expect(report?.applied != true)
            }
            #expect(await status { try await c.admin.status(.init(), metadata: Clients.asAdmin) } == nil)
        }
    }

    @Test func moneyInputsAreBoundedAndRupiahIsParsedOneWay() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            func override(_ text: String) async throws -> Kinerja_V1_TPPOverride {
                try await c.tpp.setOverride(
                    .with {
                        $0.nip = Self.budi
                        $0.baseText = text
                        $0.reason = "uji"
                    }, metadata: Clients.asAdmin)
            }
            for bad in ["4500000.00", "1.5", "1.2.3", "9223372036854775807", "0", "1.000.000.001", "4,5"] {
                #expect(await status { try await override(bad) } == .invalidArgument, "\(bad) was accepted")
            }
            #expect(try await override("Rp 4.500.000").baseRupiah == 4_500_000)
            let base = try await c.tpp.importBase(
                .with { $0.content = Data("kelas_jabatan,base_rupiah\n7,4500000.00\n8,9223372036854775807\n".utf8) }, metadata: Clients.asAdmin)
            #expect(!base.applied)
            #expect(base.errorText.contains("line 2, column base_rupiah") && base.errorText.contains("line 3, column base_rupiah"), "\(base.errorText)")
        }
    }

    @Test func ratingsNeedARunningPeriodAndTPPWaitsForAssessment() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let budi = Self.budi
            try await c.createPeriod("2026", periodic: "monthly")
            func rate() async throws -> Kinerja_V1_AppraisalRow {
                try await c.appraisal.setRating(
                    .with {
                        $0.nip = budi
                        $0.periodID = "2026-03"
                        $0.hasilKerja = "sesuai"
                        $0.perilakuKerja = "sesuai"
                    }, metadata: Clients.asAdmin)
            }
            func attendance(_ csv: String, month: String) async throws -> Kinerja_V1_ImportReport {
                try await c.tpp.importAttendance(
                    .with {
                        $0.content = Data(csv.utf8)
                        $0.month = month
                    }, metadata: Clients.asAdmin)
            }
            let march = Kinerja_V1_MonthRequest.with { $0.month = "2026-03" }
            let draft = await failure { try await rate() }
            #expect(draft?.code == .failedPrecondition && draft?.message.contains("is draft") == true, "\(String(describing: draft))")
            let imported = await failure {
                try await c.appraisal.importRatings(
                    .with {
                        $0.content = Data("nip,hasil_kerja,perilaku_kerja\n\(budi),sesuai,sesuai\n".utf8)
                        $0.periodID = "2026-03"
                    }, metadata: Clients.asAdmin)
            }
            #expect(imported?.code == .failedPrecondition)
            for p in ["2026", "2026-03"] { try await c.advance(p, times: 2, force: true, reason: "test") }
            #expect(try await rate().predikat == "baik")
            #expect(
                try await c.tpp.importBase(
                    .with { $0.content = Data("kelas_jabatan,base_rupiah\n7,5000000\n8,3250000\n15,9000000\n".utf8) }, metadata: Clients.asAdmin
                ).applied)
            // 2026-03 is running: nobody is paid from its predikat yet.
            #expect(try await c.tpp.compute(march, metadata: Clients.asAdmin).paid == 0)
            let shown = try await c.tpp.show(
                .with {
                    $0.nip = budi
                    $0.month = "2026-03"
                }, metadata: Clients.asAdmin)
            #expect(try shown.jsonString().contains("TPP is paid from a predikat once its period is in assessment"), "\(shown)")
            try await c.advance("2026-03", force: true, reason: "test")
            #expect(try await c.tpp.compute(march, metadata: Clients.asAdmin).paid == 1)

            // An attendance change after compute: export and show refuse until it is computed again.
            #expect(await status { try await c.tpp.export(march, metadata: Clients.asAdmin) } == nil)
            #expect(try await attendance("nip,tk\n\(budi),2\n", month: "2026-03").applied)
            let stale = await failure { try await c.tpp.export(march, metadata: Clients.asAdmin) }
            #expect(stale?.code == .failedPrecondition && stale?.message.contains("inputs changed since compute at") == true, "\(String(describing: stale))")
            #expect(
                await status {
                    try await c.tpp.show(
                        .with {
                            $0.nip = budi
                            $0.month = "2026-03"
                        }, metadata: Clients.asAdmin)
                } == .failedPrecondition)
            // The same file again is unchanged, and changes nothing.
            let again = try await attendance("nip,tk\n\(budi),2\n", month: "2026-03")
            #expect(again.added == 0 && again.updated == 0 && again.unchanged == 1, "\(again)")
            _ = try await c.tpp.compute(march, metadata: Clients.asAdmin)
            #expect(await status { try await c.tpp.export(march, metadata: Clients.asAdmin) } == nil)
            // A locked month keeps exporting what was locked.
            _ = try await c.tpp.lock(march, metadata: Clients.asAdmin)
            #expect(try await attendance("nip,tk\n\(budi),3\n", month: "2026-02").applied)
            #expect(await status { try await c.tpp.export(march, metadata: Clients.asAdmin) } == nil)
        }
    }

    @Test func activityMinutesFitInADayAndDatesAreNotInTheFuture() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let budi = Self.budi
            try await c.createPeriod("2026", periodic: "monthly")
            func activities(_ rows: String) async throws -> Kinerja_V1_ImportReport {
                try await c.skp.importActivities(
                    .with { $0.content = Data(("nip,date,description,rhk_id,minutes,evidence\n" + rows).utf8) }, metadata: Clients.asAdmin)
            }
            // No running period yet.
            let notRunning = await failure { try await activities("\(budi),2026-03-02,Rapat,,60,\n") }
            let notRunningReport = try? await activities("\(budi),2026-03-02,Rapat,,60,\n")
            let refusal = (notRunning?.message ?? "") + (notRunningReport?.errorText ?? "")
            #expect(refusal.contains("running"), "\(refusal)")
            #expect(notRunningReport?.applied != true)
            try await c.advance("2026", times: 2, force: true, reason: "t")
            let five = (1...5).map { "\(budi),2026-03-02,Tugas \($0),,1440," }.joined(separator: "\n")
            let r = try await activities(five + "\n")
            #expect(!r.applied && r.errorText.contains("a day holds at most 1440"), "\(r.errorText)")
            #expect(try await activities("\(budi),2026-03-02,Rapat,,1000,\n").applied)
            // With what is stored: 1000 + 500 > 1440; replacing the stored entry itself is fine.
            #expect(try await activities("\(budi),2026-03-02,Lain,,500,\n").applied == false)
            #expect(try await activities("\(budi),2026-03-02,Rapat,,1440,\n").applied)
            let future = try await activities("\(budi),2031-01-02,Rapat,,60,\n")
            #expect(!future.applied && future.errorText.contains("after today"), "\(future.errorText)")
        }
    }

    @Test func catchUpZeroMeansNoneAndBuiltInsCanBeSwitchedBackOn() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            func add(catchUp: Int32? = nil, channel: String? = nil) async throws -> Kinerja_V1_Rule {
                try await c.reminder.addRule(
                    .with {
                        $0.name = "x"
                        $0.cron = "@daily"
                        $0.audience = "all_active_staff"
                        $0.template = "t"
                        if let catchUp { $0.catchUpHours = catchUp }
                        if let channel { $0.channels = [channel] }
                    }, metadata: Clients.asAdmin)
            }
            func named(_ name: String) -> Kinerja_V1_FireRequest { .with { $0.name = name } }
            _ = try await add(catchUp: 0)
            let rules = try await c.reminder.listRules(.init(), metadata: Clients.asAdmin).rules
            #expect(rules.first { $0.name == "x" }.map { $0.hasCatchUpHours && $0.catchUpHours == 0 } == true)
            #expect(await status { try await add(catchUp: -1) } == .invalidArgument)
            #expect(await failure { try await add(channel: "webhook") }?.message.contains("no webhook is configured") == true)
            #expect(try await c.reminder.removeRule(.with { $0.name = "realisasi-bulanan" }, metadata: Clients.asAdmin).builtIn)
            let fire = await failure { try await c.reminder.fire(named("realisasi-bulanan"), metadata: Clients.asAdmin) }
            #expect(fire?.code == .failedPrecondition && fire?.message.contains("switched off") == true, "\(String(describing: fire))")
            _ = try await c.reminder.enableRule(.with { $0.name = "realisasi-bulanan" }, metadata: Clients.asAdmin)
            #expect(await status { try await c.reminder.fire(named("realisasi-bulanan"), metadata: Clients.asAdmin) } == nil)
            #expect(await status { try await c.reminder.enableRule(.with { $0.name = "realisasi-bulanan" }, metadata: Clients.asAdmin) } != nil)
        }
    }

    @Test func replacingASupervisorsSKPKeepsTheCascadeWhole() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let (budi, rina) = (Self.budi, Self.rina)
            try await c.createPeriod("2026", periodic: "monthly")
            #expect(try await c.importSKP(ThreePersonAgency.skpDocument(period: "2026")).applied)
            // Budi's new SKP drops R1, which Rina's P1 intervenes.
            let budiWithout = ThreePersonAgency.skpDocument(period: "2026", only: [budi]).replacingOccurrences(of: "\"id\": \"R1\"", with: "\"id\": \"R9\"")
            let refused = try await c.importSKP(budiWithout)
            #expect(!refused.applied)
            #expect(refused.errorText.contains("\(rina) P1 → R1") && refused.errorText.contains("subordinates intervene"), "\(refused.errorText)")
            // With Rina's SKP in the same file, pointing at the new RHK, it goes through.
            let both = ThreePersonAgency.skpDocument(period: "2026", rinaIntervensi: "R9", only: [budi, rina]).replacingOccurrences(
                of: "\"id\": \"R1\"", with: "\"id\": \"R9\"")
            let ok = try await c.importSKP(both)
            #expect(ok.applied, "\(ok.errorText)")
        }
    }
}
