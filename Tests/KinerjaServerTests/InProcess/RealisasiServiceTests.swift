import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// Realisasi one at a time (`ListRealisasi`, `PutRealisasi`, `DeleteRealisasi`) and the batas pengisian with its
/// extensions, on a clock moved by hand: Siti heads, Budi reports to her, Rina to Budi.
@Suite struct RealisasiServiceTests {
    static let siti = ThreePersonAgency.kepala
    static let budi = ThreePersonAgency.budi
    static let rina = ThreePersonAgency.rina

    /// 2026 with monthly periods, the three SKPs approved, March open; the clock on 5 April 2026 (March's batas
    /// pengisian is 10 April).
    static func agency(configure: (inout DaemonSettings) -> Void = { _ in }) async throws -> (InProcessDaemon, ManualTime) {
        let time = ManualTime(try Date("2026-04-05T09:00:00+07:00", strategy: .iso8601))
        let daemon = try await InProcessDaemon.threePersonAgency(clock: DaemonClock(manual: time), configure: configure)
        try await daemon.withClients { c in
            try await c.createPeriod("2026", periodic: "monthly")
            try await c.advance("2026")
            let imported = try await c.importSKP(ThreePersonAgency.skpDocument(period: "2026"), submit: true)
            #expect(imported.applied, "\(imported.errorText)")
            _ = try await c.skp.approveAllSKP(.with { $0.periodID = "2026" }, metadata: Clients.asAdmin)
            try await c.advance("2026", force: true, reason: "uji")
            try await c.advance("2026-03", times: 2, force: true, reason: "uji")
        }
        return (daemon, time)
    }

    static func put(
        _ c: Clients, _ nip: String, _ rhk: String, _ indicator: String, value: String = "", text: String = "", evidence: [String] = [],
        as who: Metadata? = nil
    ) async throws -> Kinerja_V1_RealisasiEntry {
        try await c.skp.putRealisasi(
            .with {
                $0.key = .with {
                    $0.nip = nip
                    $0.periodID = "2026-03"
                    $0.rhkID = rhk
                    $0.indicatorID = indicator
                }
                $0.value = value
                $0.text = text
                $0.evidence = evidence
            }, metadata: who ?? Clients.asGateway(for: nip))
    }

    static func list(_ c: Clients, _ nip: String, as who: Metadata) async throws -> Kinerja_V1_ListRealisasiResponse {
        try await c.skp.listRealisasi(
            .with {
                $0.nip = nip
                $0.periodID = "2026-03"
            }, metadata: who)
    }

    @Test func anEmployeeFilesReadsAndDeletesTheirOwnAndTheirSupervisorReads() async throws {
        let (daemon, _) = try await Self.agency()
        try await daemon.withClients { c in
            let filed = try await Self.put(c, Self.budi, "R1", "I1", value: "7,5", evidence: ["https://drive.example.go.id/laporan-maret"])
            #expect(filed.hasValue_p && filed.value == 7.5)
            #expect(filed.evidence == ["https://drive.example.go.id/laporan-maret"])
            _ = try await Self.put(c, Self.budi, "R1", "I2", text: "Sesuai standar, diperiksa Kasubbag")
            // The same rules as a row of a file.
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I1", value: "") } == .invalidArgument)
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I1", value: "-3") } == .invalidArgument)
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I1", value: "1e33") } == .invalidArgument)
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I2") } == .invalidArgument)
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I9", value: "1") } == .notFound)
            #expect(
                await status { try await Self.put(c, Self.budi, "R1", "I1", value: "1", evidence: Array(repeating: "https://x.example/a", count: 21)) }
                    == .invalidArgument)
            // Only one's own: not another's, not even a subordinate's; the supervisor reads, a skip-level head does not.
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I1", value: "1", as: Clients.asGateway(for: Self.rina)) } == .permissionDenied)
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I1", value: "1", as: Clients.asGateway(for: Self.siti)) } == .permissionDenied)
            let asSupervisor = try await Self.list(c, Self.budi, as: Clients.asGateway(for: Self.siti))
            #expect(asSupervisor.realisasi.count == 2)
            #expect(asSupervisor.skp.status == "approved")
            #expect(asSupervisor.deadline == "2026-04-10")
            #expect(asSupervisor.openForFiling)
            #expect(await status { try await Self.list(c, Self.rina, as: Clients.asGateway(for: Self.siti)) } == .permissionDenied)
            #expect(await status { try await Self.list(c, Self.budi, as: Clients.asGateway(for: Self.rina)) } == .permissionDenied)
            // Umpan balik from the supervisor shows beside the RHK.
            _ = try await c.skp.giveFeedback(
                .with {
                    $0.nip = Self.budi
                    $0.periodID = "2026-03"
                    $0.rhkID = "R1"
                    $0.text = "Lampirkan notulen rapat"
                }, metadata: Clients.asGateway(for: Self.siti))
            let own = try await Self.list(c, Self.budi, as: Clients.asGateway(for: Self.budi))
            #expect(own.umpanBalik.map(\.text) == ["Lampirkan notulen rapat"])
            #expect(own.umpanBalik.first?.byNip == Self.siti)
            let deleted = try await c.skp.deleteRealisasi(
                .with {
                    $0.nip = Self.budi
                    $0.periodID = "2026-03"
                    $0.rhkID = "R1"
                    $0.indicatorID = "I2"
                }, metadata: Clients.asGateway(for: Self.budi))
            #expect(deleted.deleted)
            #expect(try await Self.list(c, Self.budi, as: Clients.asOperator).realisasi.map(\.key.indicatorID) == ["I1"])
            let audit = try await c.audit().filter { $0.rpc == "PutRealisasi" || $0.rpc == "DeleteRealisasi" }
            let done = audit.filter { !$0.summary.hasPrefix("denied: ") }
            #expect(done.count == 3)
            #expect(done.allSatisfy { $0.actorNip == Self.budi })
            // The two refused attempts (Rina's and Siti's) are audited as refusals.
            #expect(
                try await eventually {
                    Set(try await c.audit().filter { $0.rpc == "PutRealisasi" && $0.summary.hasPrefix("denied: ") }.map(\.actorNip)) == [Self.rina, Self.siti]
                })
        }
    }

    @Test func afterTheBatasPengisianOnlyAnExtensionLetsAGatewayFile() async throws {
        let (daemon, time) = try await Self.agency()
        try await daemon.withClients { c in
            time.advance(by: 6 * 86_400)  // 11 April
            let late = await failure { try await Self.put(c, Self.budi, "R1", "I1", value: "3") }
            #expect(late?.code == .failedPrecondition)
            #expect(late?.message.contains("2026-04-10") == true, "\(String(describing: late))")
            #expect(try await Self.list(c, Self.budi, as: Clients.asGateway(for: Self.budi)).openForFiling == false)
            // The HR office is not bound by it.
            _ = try await Self.put(c, Self.budi, "R1", "I1", value: "3", as: Clients.asOperator)
            // A file from the portal is bound by it too.
            let file = "nip,period,rhk_id,indicator_id,value\n\(Self.budi),2026-03,R1,I1,6\n"
            let imported = await failure {
                try await c.skp.importRealisasi(.with { $0.content = Data(file.utf8) }, metadata: Clients.asGateway(for: Self.budi))
            }
            #expect(imported?.code == .failedPrecondition, "\(String(describing: imported))")
            // An admin extends it for Budi alone, with a reason.
            func extend(_ until: String, reason: String = "sakit, surat dokter", as who: Metadata = Clients.asAdmin) async throws {
                _ = try await c.period.extendDeadline(
                    .with {
                        $0.periodID = "2026-03"
                        $0.nip = Self.budi
                        $0.until = until
                        $0.reason = reason
                    }, metadata: who)
            }
            #expect(await status { try await extend("2026-04-15", as: Clients.asOperator) } == .permissionDenied)
            #expect(await status { try await extend("2026-04-15", reason: "") } == .invalidArgument)
            #expect(await status { try await extend("2026-04-09") } == .invalidArgument)
            try await extend("2026-04-15")
            _ = try await Self.put(c, Self.budi, "R1", "I1", value: "4")
            let listed = try await Self.list(c, Self.budi, as: Clients.asGateway(for: Self.budi))
            #expect(listed.deadline == "2026-04-15" && listed.extended && listed.openForFiling)
            #expect(await status { try await Self.put(c, Self.rina, "P1", "I1", value: "99") } == .failedPrecondition, "the extension is Budi's alone")
            time.advance(by: 5 * 86_400)  // 16 April
            #expect(await status { try await Self.put(c, Self.budi, "R1", "I1", value: "5") } == .failedPrecondition)
            #expect(try await c.audit().contains { $0.rpc == "ExtendDeadline" && $0.summary == "until 2026-04-15: sakit, surat dokter" })
        }
    }
}

@Suite struct SubordinatesServiceTests {
    @Test func aSupervisorSeesWhereEachDirectSubordinateStands() async throws {
        let (daemon, _) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            let rina = RealisasiServiceTests.rina
            func list(_ supervisor: String, as who: Metadata, period: String = "") async throws -> Kinerja_V1_ListSubordinatesResponse {
                try await c.org.listSubordinates(
                    .with {
                        $0.supervisorNip = supervisor
                        $0.periodID = period
                    }, metadata: who)
            }
            var standing = try await list(siti, as: Clients.asGateway(for: siti))
            #expect(standing.periodID == "2026-03", "the period being filled on 5 April")
            #expect(standing.deadline == "2026-04-10")
            #expect(standing.subordinates.map(\.employee.nip) == [budi], "direct subordinates only, not Rina")
            #expect(standing.subordinates.first?.skpStatus == "approved")
            #expect(standing.subordinates.first?.indicators == 3)
            #expect(standing.subordinates.first?.realisasiFilled == 0)
            _ = try await RealisasiServiceTests.put(c, budi, "R1", "I1", value: "2")
            _ = try await c.appraisal.setRating(
                .with {
                    $0.nip = budi
                    $0.periodID = "2026-03"
                    $0.hasilKerja = "di_atas"
                    $0.perilakuKerja = "sesuai"
                }, metadata: Clients.asGateway(for: siti))
            standing = try await list(siti, as: Clients.asGateway(for: siti))
            #expect(standing.subordinates.first?.realisasiFilled == 1)
            #expect(standing.subordinates.first?.predikat == "baik")
            #expect(try await list(budi, as: Clients.asGateway(for: budi)).subordinates.map(\.employee.nip) == [rina])
            #expect(try await list(siti, as: Clients.asOperator, period: "2026-02").subordinates.first?.realisasiFilled == 0)
            #expect(await status { try await list(siti, as: Clients.asGateway(for: budi)) } == .permissionDenied)
            #expect(await status { try await list(siti, as: Clients.asGateway(for: nil)) } == .permissionDenied)
        }
    }
}

@Suite struct Feedback360ServiceTests {
    @Test func theSourceIsDerivedOneEntryPerRaterAndNobodyRatesThemselves() async throws {
        let (daemon, _) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            let rina = RealisasiServiceTests.rina
            func give(_ subject: String, by rater: String?, rating: String = "di_atas", comment: String = "") async throws -> Kinerja_V1_Feedback360Response {
                try await c.appraisal.giveFeedback360(
                    .with {
                        $0.subjectNip = subject
                        $0.rating = rating
                        $0.aspects = ["akuntabel": "sesuai"]
                        $0.comment = comment
                    }, metadata: rater.map { Clients.asGateway(for: $0) } ?? Clients.asOperator)
            }
            let up = try await give(siti, by: budi, comment: "Pimpinan yang jelas arahannya")
            #expect(up.source == "bawahan" && up.periodID == "2026-03" && !up.replaced)
            #expect(try await give(budi, by: siti).source == "atasan")
            #expect(try await give(siti, by: budi, rating: "sesuai").replaced, "a second call replaces the first")
            #expect(await status { try await give(rina, by: siti) } == .permissionDenied, "skip-level is no relation")
            #expect(await status { try await give(budi, by: budi) } == .permissionDenied)
            #expect(await status { try await give(budi, by: nil) } == .permissionDenied, "an operator is nobody's colleague")
            #expect(await status { try await give(budi, by: siti, rating: "bagus") } == .invalidArgument)
            let listed = try await c.appraisal.listFeedback(
                .with {
                    $0.periodID = "2026-03"
                    $0.nip = siti
                }, metadata: Clients.asOperator)
            #expect(listed.entries.count == 1)
            #expect(listed.entries.first?.source == "bawahan")
            #expect(listed.entries.first?.rating == "sesuai")
            #expect(!"\(listed)".contains(budi), "the rater is never shown")
        }
    }

    @Test func aRaterSeesTheColleaguesTheyMayRateAndWhatTheyGaveNobodyElses() async throws {
        let (daemon, _) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            let rina = RealisasiServiceTests.rina
            func given(_ nip: String?, period: String = "") async throws -> Kinerja_V1_ListFeedbackGivenResponse {
                try await c.appraisal.listFeedbackGiven(.with { $0.periodID = period }, metadata: nip.map { Clients.asGateway(for: $0) } ?? Clients.asOperator)
            }
            var budis = try await given(budi)
            #expect(budis.periodID == "2026-03" && budis.open)
            #expect(budis.colleagues.map(\.nip) == [siti, rina].sorted(), "his supervisor and his subordinate, not himself")
            #expect(Dictionary(uniqueKeysWithValues: budis.colleagues.map { ($0.nip, $0.source) }) == [siti: "bawahan", rina: "atasan"])
            #expect(budis.colleagues.allSatisfy { !$0.given })
            _ = try await c.appraisal.giveFeedback360(
                .with {
                    $0.subjectNip = rina
                    $0.rating = "di_atas"
                    $0.aspects = ["kolaboratif": "di_atas"]
                    $0.comment = "Cepat tanggap"
                }, metadata: Clients.asGateway(for: budi))
            _ = try await c.skp.giveFeedback(
                .with {
                    $0.nip = rina
                    $0.periodID = "2026-03"
                    $0.rhkID = "P1"
                    $0.text = "Lampirkan daftar hadir rapat"
                }, metadata: Clients.asGateway(for: budi))
            budis = try await given(budi)
            let onRina = try #require(budis.colleagues.first { $0.nip == rina })
            #expect(onRina.given && onRina.rating == "di_atas" && onRina.aspects == ["kolaboratif": "di_atas"] && onRina.comment == "Cepat tanggap")
            #expect(budis.umpanBalik.map { "\($0.nip)/\($0.rhkID): \($0.text)" } == ["\(rina)/P1: Lampirkan daftar hadir rapat"])
            // Another rater sees only their own: Rina's list holds Budi, and nothing Budi gave.
            let rinas = try await given(rina)
            #expect(rinas.colleagues.map(\.nip) == [budi] && !rinas.colleagues[0].given && rinas.umpanBalik.isEmpty)
            #expect(await status { try await given(nil) } == .permissionDenied, "an operator gave nothing")
            #expect(await status { try await given(budi, period: "2031-01") } == .notFound)
            #expect(await status { try await given(budi, period: "maret") } == .invalidArgument)
        }
    }
}

@Suite struct ReviseSKPServiceTests {
    @Test func theSupervisorOrAnAdminRevisesAnApprovedSKPWhileTheYearRuns() async throws {
        let (daemon, _) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            let rina = RealisasiServiceTests.rina
            func revise(_ nip: String, as who: Metadata, note: String = "Hasil dialog kinerja: target laporan menjadi 10") async throws -> Kinerja_V1_SKP {
                try await c.skp.reviseSKP(
                    .with {
                        $0.nip = nip
                        $0.periodID = "2026"
                        $0.note = note
                    }, metadata: who)
            }
            #expect(await status { try await revise(budi, as: Clients.asGateway(for: rina)) } == .permissionDenied)
            #expect(await status { try await revise(budi, as: Clients.asOperator) } == .permissionDenied)
            #expect(await status { try await revise(budi, as: Clients.asGateway(for: siti), note: " ") } == .invalidArgument)
            let revised = try await revise(budi, as: Clients.asGateway(for: siti))
            #expect(revised.status == "returned")
            #expect(revised.returnNote == "Hasil dialog kinerja: target laporan menjadi 10")
            #expect(await status { try await revise(budi, as: Clients.asGateway(for: siti)) } == .failedPrecondition, "returned, not approved")
            // An admin may revise too; once the year is in assessment nobody may.
            #expect(try await revise(rina, as: Clients.asAdmin).status == "returned")
            try await c.advance("2026", force: true, reason: "uji")
            #expect(await status { try await revise(siti, as: Clients.asAdmin) } == .failedPrecondition)
            #expect(try await c.audit().contains { $0.rpc == "ReviseSKP" && $0.summary.hasPrefix("approved → returned") })
        }
    }
}

@Suite struct OverviewServiceTests {
    @Test func anEmployeeSeesTheirStandingAndWhatIsMissingNow() async throws {
        let (daemon, _) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            let rina = RealisasiServiceTests.rina
            func overview(_ nip: String, as who: String?) async throws -> Kinerja_V1_Overview {
                try await c.org.getOverview(.with { $0.nip = nip }, metadata: who.map { Clients.asGateway(for: $0) } ?? Clients.asOperator)
            }
            var o = try await overview(budi, as: budi)
            #expect(o.year == "2026" && o.today == "2026-04-05")
            #expect(o.supervisorName == "Siti Aminah, S.Kom")
            #expect(o.skpStatus == "approved")
            #expect(o.beingFilled == "2026-03")
            #expect(o.periods.map(\.periodID) == ["2026", "2026-03"], "draft periods are not in force yet")
            #expect(o.missing.map(\.kind) == ["realisasi_missing", "activity_today"])
            #expect(o.missing.first?.count == 3 && o.missing.first?.deadline == "2026-04-10")
            _ = try await RealisasiServiceTests.put(c, budi, "R1", "I1", value: "2")
            _ = try await c.skp.putActivity(ActivityServiceTests.input("2026-04-05", "Apel pagi", 30), metadata: Clients.asGateway(for: budi))
            _ = try await c.appraisal.setRating(
                .with {
                    $0.nip = budi
                    $0.periodID = "2026-03"
                    $0.hasilKerja = "di_atas"
                    $0.perilakuKerja = "sesuai"
                }, metadata: Clients.asGateway(for: siti))
            _ = try await c.appraisal.giveFeedback360(
                .with {
                    $0.subjectNip = budi
                    $0.rating = "di_atas"
                }, metadata: Clients.asGateway(for: siti))
            o = try await overview(budi, as: budi)
            #expect(o.missing.map(\.kind) == ["realisasi_missing"])
            #expect(o.missing.first?.count == 2)
            #expect(o.activityMinutesToday == 30)
            let march = try #require(o.periods.first { $0.periodID == "2026-03" })
            #expect(march.realisasiFilled == 1 && march.indicators == 3)
            #expect(march.predikat == "baik")
            #expect(march.feedbackEntries == 1 && march.feedbackMeanBySource.keys.sorted() == ["atasan"])
            #expect(!"\(o.periods)".contains(siti), "never who rated")
            #expect(o.tpp.isEmpty, "no month computed yet")
            // The supervisor reads it too; a subordinate does not; angka kredit for a fungsional once rated.
            #expect(try await overview(budi, as: siti).employee.nip == budi)
            #expect(await status { try await overview(budi, as: rina) } == .permissionDenied)
            _ = try await c.appraisal.setRating(
                .with {
                    $0.nip = rina
                    $0.periodID = "2026-03"
                    $0.hasilKerja = "sesuai"
                    $0.perilakuKerja = "sesuai"
                }, metadata: Clients.asGateway(for: budi))
            #expect(try await overview(rina, as: nil).angkaKredit.keys.sorted() == ["2026-03"])
        }
    }
}

@Suite struct SupervisorSKPReadTests {
    @Test func anEmployeeReadsTheirSupervisorsSKPButNotASkipLevelOne() async throws {
        let (daemon, _) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c throws in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            let rina = RealisasiServiceTests.rina
            func get(_ nip: String, as actor: String) async throws -> Kinerja_V1_SKP {
                try await c.skp.getSKP(
                    .with {
                        $0.nip = nip
                        $0.periodID = "2026"
                    }, metadata: Clients.asGateway(for: actor))
            }
            // Rina reads Budi's (her supervisor's) RHK to choose an intervensi; Budi reads Siti's.
            #expect(try await get(budi, as: rina).rhk.map(\.id) == ["R1", "T1"])
            #expect(try await get(siti, as: budi).rhk.map(\.id) == ["K1"])
            #expect(await status { try await get(siti, as: rina) } == .permissionDenied, "skip-level")
            #expect(try await get(rina, as: budi).nip == rina, "a supervisor still reads a subordinate's")
        }
    }
}

@Suite struct PublicFeedbackServiceTests {
    @Test func thePublicRatesThroughALinkLimitedPerTokenAndAddressAndRevocable() async throws {
        let (daemon, time) = try await RealisasiServiceTests.agency {
            $0.publicFeedback.perTokenPerHour = 4
            $0.publicFeedback.perAddressPerHour = 2
        }
        try await daemon.withClients { c throws in
            let budi = RealisasiServiceTests.budi
            let ref = Kinerja_V1_PublicLinkRequest.with {
                $0.nip = budi
                $0.periodID = "2026-03"
            }
            #expect(await status { try await c.appraisal.createPublicLink(ref, metadata: Clients.asGateway(for: budi)) } == .permissionDenied)
            let link = try await c.appraisal.createPublicLink(ref, metadata: Clients.asOperator)
            #expect(link.token.count == 26 && link.open)
            let page = try await c.appraisal.getPublicLink(.with { $0.token = link.token.uppercased() }, metadata: Clients.asGateway(for: nil))
            #expect(page.name == "Budi Santoso" && page.periodID == "2026-03")
            func submit(_ token: String, from address: String, rating: String = "di_atas") async throws {
                _ = try await c.appraisal.submitPublicFeedback(
                    .with {
                        $0.token = token
                        $0.rating = rating
                        $0.comment = "Pelayanan ramah dan cepat"
                        $0.clientAddress = address
                    }, metadata: Clients.asGateway(for: nil))
            }
            try await submit(link.token, from: "198.51.100.7")
            try await submit(link.token, from: "198.51.100.7", rating: "sesuai")
            #expect(await status { try await submit(link.token, from: "198.51.100.7") } == .resourceExhausted, "2 an hour per address")
            try await submit(link.token, from: "198.51.100.8")
            try await submit(link.token, from: "198.51.100.9")
            #expect(await status { try await submit(link.token, from: "198.51.100.10") } == .resourceExhausted, "4 an hour per link")
            time.advance(by: 3_601)
            try await submit(link.token, from: "198.51.100.7")
            #expect(await status { try await submit("0000-0000-0000-0000-0000-0000-00", from: "x") } == .notFound)
            #expect(await status { try await submit(link.token, from: "x", rating: "luar biasa") } == .invalidArgument)
            // A new link replaces the old; a revoked one takes nothing.
            let second = try await c.appraisal.createPublicLink(ref, metadata: Clients.asOperator)
            #expect(await status { try await submit(link.token, from: "203.0.113.1") } == .failedPrecondition)
            _ = try await c.appraisal.revokePublicLink(ref, metadata: Clients.asOperator)
            #expect(await status { try await submit(second.token, from: "203.0.113.1") } == .failedPrecondition)
            #expect(try await c.appraisal.getPublicLink(.with { $0.token = second.token }, metadata: Clients.asGateway(for: nil)).open == false)
            let listed = try await c.appraisal.listFeedback(
                .with {
                    $0.periodID = "2026-03"
                    $0.nip = budi
                }, metadata: Clients.asOperator)
            #expect(listed.entries.count == 5)
            #expect(listed.entries.allSatisfy { $0.source == "masyarakat" })
            #expect(!"\(listed)".contains("198.51.100"), "nothing about the submitter is kept")
        }
    }
}

@Suite struct PutSKPServiceTests {
    @Test func anEmployeeSavesTheirDraftWithoutAFileThroughTheImportsRules() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c throws in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            let rina = RealisasiServiceTests.rina
            try await c.createPeriod("2026", periodic: "monthly")
            try await c.advance("2026")
            _ = try await c.importSKP(ThreePersonAgency.skpDocument(period: "2026", only: [siti]))
            let element =
                #"{"nip": "\#(budi)", "rhk": [{"id": "R1", "kind": "utama", "text": "Tersusunnya laporan", "intervensi": "K1", "indicators": [{"id": "I1", "aspect": "kuantitas", "text": "Jumlah laporan", "target": 12, "unit": "laporan"}]}]}"#
            func put(_ json: String, nip: String = budi, as actor: String = budi, submit: Bool = false) async throws -> Kinerja_V1_SKP {
                try await c.skp.putSKP(
                    .with {
                        $0.nip = nip
                        $0.periodID = "2026"
                        $0.skp = Data(json.utf8)
                        $0.submit = submit
                    }, metadata: Clients.asGateway(for: actor))
            }
            let draft = try await put(element)
            #expect(draft.status == "draft" && draft.rhk.first?.intervensi == "K1")
            #expect(await status { try await put(#"{"nip": "\#(budi)", "rhk": []}"#) } == .invalidArgument)
            #expect(try await put(element, submit: true).status == "submitted")
            #expect(await status { try await put(element, as: rina) } == .permissionDenied)
            #expect(await status { try await put(element, nip: rina, as: rina) } == .invalidArgument, "the element is Budi's")
            #expect(await status { try await put("[1, 2]") } == .invalidArgument)
            _ = try await c.skp.approveSKP(
                .with {
                    $0.nip = budi
                    $0.periodID = "2026"
                }, metadata: Clients.asGateway(for: siti))
            #expect(await status { try await put(element) } == .failedPrecondition, "an approved SKP is revised, not replaced")
        }
    }
}

@Suite struct UnitCurveServiceTests {
    @Test func aUnitHeadReadsTheirUnitsCurveAndNoOtherOneAndAnOperatorReadsAll() async throws {
        let (daemon, _) = try await RealisasiServiceTests.agency()
        try await daemon.withClients { c in
            let siti = RealisasiServiceTests.siti
            let budi = RealisasiServiceTests.budi
            _ = try await c.org.setUnitHead(
                .with {
                    $0.unitCode = "DINAS"
                    $0.nip = siti
                }, metadata: Clients.asOperator)
            func curve(_ unit: String, as who: String?) async throws -> Kinerja_V1_CurveResponse {
                try await c.appraisal.curve(
                    .with {
                        $0.periodID = "2026-03"
                        $0.unitCode = unit
                    }, metadata: who.map { Clients.asGateway(for: $0) } ?? Clients.asOperator)
            }
            #expect(try await curve("DINAS", as: siti).units.map(\.unitCode) == ["DINAS"])
            #expect(await status { try await curve("SEKR", as: siti) } == .permissionDenied, "not a unit she heads")
            #expect(await status { try await curve("", as: siti) } == .permissionDenied, "every unit is the operators' view")
            #expect(await status { try await curve("DINAS", as: budi) } == .permissionDenied)
            #expect(try await curve("", as: nil).units.count == 3)
        }
    }
}
