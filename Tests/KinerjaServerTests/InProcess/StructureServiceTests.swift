import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// The structure of the regulation in process: unit heads take the unit's result, PLT/PLH, supervisor changes and
/// the assessor per period, prorated angka kredit, the SIASN export and the Matriks Peran Hasil. Every expected value
/// is worked by hand in the comment beside it.
@Suite struct StructureServiceTests {
    static let kepala = ThreePersonAgency.kepala, budi = ThreePersonAgency.budi, rina = ThreePersonAgency.rina
    static let dewi = "198807072012022003"

    static func clock(_ iso: String) throws -> DaemonClock { DaemonClock(manual: ManualTime(try Date(iso, strategy: .iso8601))) }

    func rate(
        _ c: Clients, _ nip: String, _ period: String, _ hasil: String, _ perilaku: String, as who: Metadata = Clients.asAdmin,
        override: Bool = false, reason: String = ""
    ) async throws -> Kinerja_V1_AppraisalRow {
        try await c.appraisal.setRating(
            .with {
                $0.nip = nip
                $0.periodID = period
                $0.hasilKerja = hasil
                $0.perilakuKerja = perilaku
                $0.override = override
                $0.reason = reason
            }, metadata: who)
    }

    func rateUnit(_ c: Clients, _ unit: String, _ period: String, _ predikat: String) async throws -> Kinerja_V1_RateUnitResponse {
        try await c.appraisal.rateUnit(
            .with {
                $0.unitCode = unit
                $0.periodID = period
                $0.predikat = predikat
            }, metadata: Clients.asAdmin)
    }

    func setHead(_ c: Clients, _ unit: String, _ nip: String) async throws {
        _ = try await c.org.setUnitHead(
            .with {
                $0.unitCode = unit
                $0.nip = nip
            }, metadata: Clients.asAdmin)
    }

    func row(_ c: Clients, _ period: String, _ nip: String) async throws -> Kinerja_V1_AppraisalRow? {
        try await c.appraisal.listAppraisal(.with { $0.periodID = period }, metadata: Clients.asOperator).rows.first { $0.nip == nip }
    }

    /// A running year with running months `months`; `skp` submitted while the year was planned.
    func running(_ c: Clients, _ months: [String], skp: [String] = []) async throws {
        try await c.createPeriod("2026", periodic: "monthly")
        try await c.advance("2026")
        if !skp.isEmpty {
            let r = try await c.importSKP(ThreePersonAgency.skpDocument(period: "2026", only: skp), submit: true)
            #expect(r.applied, "\(r.errorText)")
        }
        try await c.advance("2026", force: true, reason: "uji")
        for m in months { try await c.advance(m, times: 2) }
    }

    @Test func aUnitHeadTakesTheUnitsPredikatAsHasilKerja() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency(clock: try Self.clock("2026-04-05T09:00:00+07:00"))
        try await daemon.withClients { c in
            let budi = Self.budi
            try await running(c, ["2026-03", "2026-04"])
            try await setHead(c, "SEKR", budi)
            // Rated before Budi has a rating: the result waits for his Perilaku Kerja.
            let first = try await rateUnit(c, "SEKR", "2026-03", "baik")
            #expect(first.headNip == budi && first.headHasilKerja == "sesuai" && first.headNote.contains("when their Perilaku Kerja is rated"))
            // His supervisor rates Perilaku Kerja only; Hasil Kerja is the unit's (Baik → sesuai): sesuai/di_atas → Baik.
            let asSiti = Clients.asGateway(for: Self.kepala)
            let set = try await rate(c, budi, "2026-03", "", "di_atas", as: asSiti)
            #expect([set.hasilKerja, set.predikat, set.hasilBy] == ["sesuai", "baik", "unit:SEKR"])
            // A manual Hasil Kerja against the unit's is refused with the reason; the same value is accepted.
            let refused = await failure { try await rate(c, budi, "2026-03", "di_atas", "di_atas", as: asSiti) }
            #expect(refused?.code == .failedPrecondition)
            #expect(refused?.message.contains("taken from unit SEKR's predikat Baik → sesuai") == true, "\(String(describing: refused))")
            #expect(try await rate(c, budi, "2026-03", "sesuai", "di_atas", as: asSiti).hasilBy == "unit:SEKR")
            // Someone who heads no rated unit must give Hasil Kerja.
            #expect(await status { try await rate(c, Self.rina, "2026-03", "", "sesuai") } == .invalidArgument)
            #expect(await status { try await rate(c, Self.rina, "2026-03", "sesuai", "sesuai", override: true, reason: "x") } == .failedPrecondition)
            // An override needs a reason, is audited, and stands when the unit is rated again.
            #expect(await status { try await rate(c, budi, "2026-03", "di_atas", "di_atas", override: true) } == .failedPrecondition)
            let overridden = try await rate(c, budi, "2026-03", "di_atas", "di_atas", override: true, reason: "tugas tambahan dari Bupati")
            #expect(overridden.predikat == "sangat_baik" && overridden.hasilBy.hasPrefix("override:") && overridden.hasilBy.contains("tugas tambahan"))
            let again = try await rateUnit(c, "SEKR", "2026-03", "butuh_perbaikan")
            #expect(again.headNote.contains("stays di_atas"), "\(again.headNote)")
            #expect(try await row(c, "2026-03", budi)?.predikat == "sangat_baik")
            #expect(try await c.audit().contains { $0.rpc == "SetRating" && $0.summary.contains("override") })

            // Each unit predikat, with Perilaku Kerja sesuai (then di_bawah), by the default mapping and the matrix:
            // istimewa → di_atas/sesuai = Baik; baik → sesuai/sesuai = Baik; butuh_perbaikan, kurang, sangat_kurang →
            // di_bawah/sesuai = Butuh Perbaikan; and sangat_kurang with di_bawah/di_bawah = Sangat Kurang.
            _ = try await rate(c, budi, "2026-04", "sesuai", "sesuai")
            for (unit, hasil, predikat) in [
                ("istimewa", "di_atas", "baik"), ("baik", "sesuai", "baik"), ("butuh_perbaikan", "di_bawah", "butuh_perbaikan"),
                ("kurang", "di_bawah", "butuh_perbaikan"), ("sangat_kurang", "di_bawah", "butuh_perbaikan"),
            ] {
                let r = try await rateUnit(c, "SEKR", "2026-04", unit)
                #expect(r.headHasilKerja == hasil, "\(unit)")
                let stored = try await row(c, "2026-04", budi)
                #expect([stored?.hasilKerja, stored?.predikat, stored?.hasilBy] == [hasil, predikat, "unit:SEKR"], "\(unit)")
            }
            #expect(try await rate(c, budi, "2026-04", "", "di_bawah").predikat == "sangat_kurang")

            // A rating import: an empty Hasil Kerja takes the unit's, another value is a row error; nothing applied.
            let bad = try await c.appraisal.importRatings(
                .with {
                    $0.periodID = "2026-04"
                    $0.content = Data("nip,hasil_kerja,perilaku_kerja\n\(budi),di_atas,sesuai\n\(Self.rina),sesuai,sesuai\n".utf8)
                }, metadata: Clients.asOperator)
            #expect(!bad.applied && bad.errorText.contains("line 2, column hasil_kerja: the Hasil Kerja of \(budi) in 2026-04 is taken from unit SEKR"))
            let good = try await c.appraisal.importRatings(
                .with {
                    $0.periodID = "2026-04"
                    $0.content = Data("nip,hasil_kerja,perilaku_kerja\n\(budi),,di_atas\n\(Self.rina),sesuai,sesuai\n".utf8)
                }, metadata: Clients.asOperator)
            #expect(good.applied, "\(good.errorText)")
            let imported = try await row(c, "2026-04", budi)
            #expect([imported?.hasilKerja, imported?.predikat, imported?.hasilBy] == ["di_bawah", "butuh_perbaikan", "unit:SEKR"])
        }
    }

    @Test func theMappingIsTheAgencysOption() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency(clock: try Self.clock("2026-04-05T09:00:00+07:00")) {
            $0.appraisal.unitHead.hasil[.baik] = .diAtas
            $0.appraisal.unitHead.hasil[.butuhPerbaikan] = .sesuai
        }
        try await daemon.withClients { c in
            try await running(c, ["2026-03"])
            try await setHead(c, "SEKR", Self.budi)
            #expect(try await rateUnit(c, "SEKR", "2026-03", "baik").headHasilKerja == "di_atas")
            // di_atas / di_atas → Sangat Baik.
            #expect(try await rate(c, Self.budi, "2026-03", "", "di_atas").predikat == "sangat_baik")
            #expect(try await rateUnit(c, "SEKR", "2026-03", "butuh_perbaikan").headHasilKerja == "sesuai")
            #expect(try await row(c, "2026-03", Self.budi)?.predikat == "baik")
        }
        // The config file says the same.
        let file = try DaemonConfigFile.parse(
            "[appraisal]\ncredits_from = \"periodic\"\n[appraisal.unit_head_hasil]\nbaik = \"di_atas\"\n", path: "k.toml")
        #expect(file.appraisal.creditsFrom == .periodic && file.appraisal.unitHead.hasilKerja(.baik) == .diAtas)
        #expect(file.appraisal.unitHead.hasilKerja(.istimewa) == .diAtas && file.appraisal.unitHead.hasilKerja(.kurang) == .diBawah)
        #expect(throws: ConfigError.self) { try DaemonConfigFile.parse("[appraisal.unit_head_hasil]\nbaik = \"bagus\"\n", path: "k.toml") }
        #expect(throws: ConfigError.self) { try DaemonConfigFile.parse("[appraisal]\ncredits_from = \"monthly\"\n", path: "k.toml") }
    }

    @Test func aPLTHasTheHeadsRightsForTheAssignmentsDays() async throws {
        let time = ManualTime(try Date("2026-04-05T09:00:00+07:00", strategy: .iso8601))
        let daemon = try await InProcessDaemon.threePersonAgency(clock: DaemonClock(manual: time))
        try await daemon.withClients { c in
            let (kepala, budi, rina) = (Self.kepala, Self.budi, Self.rina)
            try await running(c, ["2026-03"], skp: [kepala, budi, rina])
            try await setHead(c, "SEKR", budi)
            let asSiti = Clients.asGateway(for: kepala)
            // Siti supervises Budi, not Rina: refused before any assignment.
            #expect(await status { try await rate(c, rina, "2026-03", "sesuai", "sesuai", as: asSiti) } == .permissionDenied)
            func add(_ nip: String, _ kind: String, _ from: String, _ to: String) async throws -> Kinerja_V1_ActingAssignment {
                try await c.org.addActing(
                    .with {
                        $0.unitCode = "SEKR"
                        $0.nip = nip
                        $0.kind = kind
                        $0.from = from
                        $0.to = to
                        $0.reason = "SK Bupati 800/12"
                    }, metadata: Clients.asAdmin)
            }
            // Budi is on leave for a while; Siti is PLT of SEKR from 1 to 30 April (today is 5 April).
            let plt = try await add(kepala, "plt", "2026-04-01", "2026-04-30")
            #expect(plt.current && plt.headNip == budi && plt.id > 0)
            // Overlaps, the head as their own stand-in, a bad kind and dates: refused.
            #expect(await status { try await add(rina, "plt", "2026-04-20", "2026-05-10") } == .failedPrecondition)
            #expect(await status { try await add(budi, "plh", "2026-06-01", "2026-06-02") } == .failedPrecondition)
            #expect(await status { try await add(rina, "pj", "2026-06-01", "2026-06-02") } == .invalidArgument)
            #expect(await status { try await add(rina, "plh", "2026-06-31", "2026-07-02") } == .invalidArgument)
            #expect(await status { try await add(rina, "plh", "2026-07-02", "2026-06-02") } == .failedPrecondition)
            // A PLH beside the PLT is allowed (another kind); the gateway may not add one.
            #expect(
                await status {
                    try await c.org.addActing(
                        .with {
                            $0.unitCode = "SEKR"
                            $0.nip = kepala
                            $0.kind = "plh"
                            $0.from = "2026-06-01"
                            $0.to = "2026-06-02"
                        }, metadata: asSiti)
                } == .permissionDenied)

            // While it runs, Siti rates Rina, gives feedback and approves her SKP; Budi keeps his own rights.
            let rated = try await rate(c, rina, "2026-03", "sesuai", "di_atas", as: asSiti)
            #expect(rated.predikat == "baik" && rated.ratedBy == kepala)
            let approved = try await c.skp.approveSKP(
                .with {
                    $0.nip = rina
                    $0.periodID = "2026"
                }, metadata: asSiti)
            #expect(approved.status == "approved")
            #expect(try await rate(c, rina, "2026-03", "sesuai", "sesuai", as: Clients.asGateway(for: budi)).ratedBy == budi)
            // Her subordinates' list names the assignment; her overview and employee record show it.
            let team = try await c.org.listSubordinates(.with { $0.supervisorNip = kepala }, metadata: asSiti).subordinates
            #expect(team.map(\.employee.nip).sorted() == [budi, rina].sorted())
            #expect(team.first { $0.employee.nip == rina }?.actingAs == "PLT SEKR")
            #expect(team.first { $0.employee.nip == budi }?.actingAs == "")
            let overview = try await c.org.getOverview(.with { $0.nip = kepala }, metadata: asSiti)
            #expect(overview.acting.map(\.kind) == ["plt"])
            let detail = try await c.org.getEmployee(.with { $0.nip = kepala }, metadata: Clients.asOperator)
            #expect(detail.acting.first?.reason == "SK Bupati 800/12")
            #expect(try await c.audit().contains { $0.rpc == "AddActing" && $0.summary.contains("PLT 2026-04-01 to 2026-04-30") })
            // Acting does not change the staff file.
            #expect(try await c.org.getEmployee(.with { $0.nip = rina }, metadata: Clients.asOperator).employee.supervisorNip == budi)

            // Ended on 6 April; from the 7th Siti has no rights over Rina again.
            let ended = try await c.org.endActing(
                .with {
                    $0.id = plt.id
                    $0.on = "2026-04-06"
                }, metadata: Clients.asAdmin)
            #expect(ended.to == "2026-04-06" && !ended.endedBy.isEmpty)
            #expect(try await rate(c, rina, "2026-03", "sesuai", "di_atas", as: asSiti).predikat == "baik")
            time.advance(by: 2 * 86_400)
            #expect(await status { try await rate(c, rina, "2026-03", "sesuai", "sesuai", as: asSiti) } == .permissionDenied)
            let list = try await c.org.listActing(.with { $0.unitCode = "SEKR" }, metadata: Clients.asOperator).assignments
            #expect(list.count == 1 && !list[0].current)
            #expect(try await c.org.listActing(.with { $0.current = true }, metadata: Clients.asOperator).assignments.isEmpty)
            #expect(await status { try await c.org.endActing(.with { $0.id = 999 }, metadata: Clients.asAdmin) } == .notFound)
        }
    }

    @Test func aVacantPostsPLHStandsInForIt() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency(clock: try Self.clock("2026-04-05T09:00:00+07:00"))
        try await daemon.withClients { c in
            try await running(c, ["2026-03", "2026-04"])
            // BID1 has no head and Rina (in BID1) loses her supervisor today: Siti as PLH of BID1 assesses her.
            let csv = ThreePersonAgency.employeesCSV.replacingOccurrences(of: ",8,BID1,\(Self.budi),", with: ",8,BID1,,")
            #expect(try await c.importEmployees(csv).applied)
            _ = try await c.org.addActing(
                .with {
                    $0.unitCode = "BID1"
                    $0.nip = Self.kepala
                    $0.kind = "plh"
                    $0.from = "2026-03-01"
                    $0.to = "2026-04-30"
                }, metadata: Clients.asAdmin)
            #expect(try await rate(c, Self.rina, "2026-04", "sesuai", "sesuai", as: Clients.asGateway(for: Self.kepala)).predikat == "baik")
            let r = try await row(c, "2026-04", Self.rina)
            #expect(r?.supervisorNip == "" && r?.assessorNip == Self.kepala && r?.assessorActing == "plh BID1", "\(String(describing: r))")
            // On 31 March Budi still supervised her: he assessed March.
            let march = try await row(c, "2026-03", Self.rina)
            #expect(march?.supervisorNip == Self.budi && march?.assessorNip == Self.budi && march?.assessorActing == "")
        }
    }

    @Test func aMidYearMoveKeepsTheAssessorOfEachPeriod() async throws {
        let time = ManualTime(try Date("2026-05-15T09:00:00+07:00", strategy: .iso8601))
        let daemon = try await InProcessDaemon.threePersonAgency(clock: DaemonClock(manual: time))
        try await daemon.withClients { c in
            let (kepala, budi, dewi) = (Self.kepala, Self.budi, Self.dewi)
            try await running(c, ["2026-03", "2026-04", "2026-05"], skp: [kepala, budi])
            let header = ThreePersonAgency.employeeHeader + ",effective_date"
            let dewiRow = "\(dewi),Dewi Lestari,PNS,IV/a,Sekretaris,administrator,,12,DINAS,\(kepala),,,true,"
            #expect(try await c.importEmployees("\(header)\n\(dewiRow)\n").applied)
            // Siti rates Budi for March while she supervises him.
            #expect(try await rate(c, budi, "2026-03", "sesuai", "sesuai", as: Clients.asGateway(for: kepala)).ratedBy == kepala)
            // Budi moves under Dewi on 1 May (imported on 15 May).
            let move = "\(header)\n\(budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(dewi),,,true,2026-05-01\n"
            let future = move.replacingOccurrences(of: "2026-05-01", with: "2026-06-01")
            let refused = try await c.importEmployees(future)
            #expect(!refused.applied && refused.errorText.contains("column effective_date: 2026-06-01 is after today (2026-05-15)"))
            #expect(try await c.importEmployees(move).applied)
            // The assessor is the supervisor in force on each period's last day: March and April Siti, May Dewi.
            #expect(try await row(c, "2026-03", budi)?.assessorNip == kepala)
            #expect(try await row(c, "2026-04", budi)?.assessorNip == kepala)
            let may = try await row(c, "2026-05", budi)
            #expect(may?.assessorNip == dewi && may?.assessorName == "Dewi Lestari" && may?.supervisorNip == dewi)
            // Siti still rates April (it ended while she supervised him); May is Dewi's; March's rating keeps its rater.
            #expect(try await rate(c, budi, "2026-04", "di_atas", "sesuai", as: Clients.asGateway(for: kepala)).ratedBy == kepala)
            #expect(await status { try await rate(c, budi, "2026-05", "sesuai", "sesuai", as: Clients.asGateway(for: kepala)) } == .permissionDenied)
            #expect(try await rate(c, budi, "2026-05", "sesuai", "sesuai", as: Clients.asGateway(for: dewi)).ratedBy == dewi)
            #expect(await status { try await rate(c, budi, "2026-04", "sesuai", "sesuai", as: Clients.asGateway(for: dewi)) } == .permissionDenied)
            #expect(try await row(c, "2026-03", budi)?.ratedBy == kepala)
            // The new supervisor may revise the approved SKP after a dialog kinerja.
            _ = try await c.skp.approveSKP(
                .with {
                    $0.nip = budi
                    $0.periodID = "2026"
                }, metadata: Clients.asAdmin)
            let revised = try await c.skp.reviseSKP(
                .with {
                    $0.nip = budi
                    $0.periodID = "2026"
                    $0.note = "dialog kinerja dengan atasan baru"
                }, metadata: Clients.asGateway(for: dewi))
            #expect(revised.status == "draft" || revised.status == "returned", "\(revised.status)")
            // His record keeps the history; an effective date before it is refused.
            let history = try await c.org.getEmployee(.with { $0.nip = budi }, metadata: Clients.asOperator).history
            #expect(history.map { [$0.changedOn, $0.supervisorNip, $0.unitCode] } == [["2026-05-01", kepala, "SEKR"]])
            let back = move.replacingOccurrences(of: "SEKR,\(dewi)", with: "SEKR,\(kepala)").replacingOccurrences(of: "2026-05-01", with: "2026-04-01")
            let early = try await c.importEmployees(back)
            #expect(!early.applied && early.errorText.contains("is before the last recorded change of \(budi) (2026-05-01)"), "\(early.errorText)")
        }
    }

    @Test func angkaKreditIsProratedByThePeriodsMonths() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency(clock: try Self.clock("2026-05-15T09:00:00+07:00")) {
            $0.appraisal.creditsFrom = .periodic
        }
        try await daemon.withClients { c in
            let rina = Self.rina
            try await running(c, ["2026-03", "2026-04"])
            // Rina, ahli pertama (12.5): Baik in March → 12.5 × 100% × 1/12 = 1.0416… → 1.042, shown 1.04.
            _ = try await rate(c, rina, "2026-03", "sesuai", "sesuai")
            let march = try await c.appraisal.credits(.with { $0.periodID = "2026-03" }, metadata: Clients.asOperator).rows
            #expect(march.map { [$0.credit, $0.creditExact, "\($0.months)"] } == [["1.04", "1.042", "1"]])
            // Butuh Perbaikan in April → 12.5 × 75% / 12 = 0.78125 → 0.781. The year (credits_from = periodic) sums the
            // stored thousandths: 1.042 + 0.781 = 1.823 → 1.82.
            _ = try await rate(c, rina, "2026-04", "di_bawah", "sesuai")
            let year = try await c.appraisal.credits(.with { $0.periodID = "2026" }, metadata: Clients.asOperator)
            #expect(year.source == "periodic")
            #expect(year.rows.map { [$0.credit, $0.creditExact, "\($0.months)"] } == [["1.82", "1.823", "2"]])
            #expect(year.rows.first?.parts == ["2026-03 baik 1 1.042", "2026-04 butuh_perbaikan 1 0.781"])
            // She entered the jabatan on 20 April: March counts nothing, April counts (its month counts whole).
            let csv = ThreePersonAgency.employeesCSV.replacingOccurrences(
                of: "\(ThreePersonAgency.employeeHeader)", with: ThreePersonAgency.employeeHeader + ",jabatan_since"
            )
            .replacingOccurrences(of: ",\(Self.budi),,,true\n", with: ",\(Self.budi),,,true,2026-04-20\n")
            .replacingOccurrences(of: ",true\n", with: ",true,\n")
            let imported = try await c.importEmployees(csv)
            #expect(imported.applied, "\(imported.errorText)")
            #expect(try await c.org.getEmployee(.with { $0.nip = rina }, metadata: Clients.asOperator).employee.jabatanSince == "2026-04-20")
            let after = try await c.appraisal.credits(.with { $0.periodID = "2026" }, metadata: Clients.asOperator).rows
            #expect(after.map { [$0.credit, "\($0.months)"] } == [["0.78", "1"]])
            // The overview shows the same per period.
            let overview = try await c.org.getOverview(.with { $0.nip = rina }, metadata: Clients.asGateway(for: rina))
            #expect(overview.angkaKredit["2026-04"] == "0.78" && overview.angkaKredit["2026-03"] == "0.00")
        }
    }

    @Test func theSIASNExportNamesTheAssessorAndLeavesOutTheUnrated() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency(clock: try Self.clock("2026-04-05T09:00:00+07:00"))
        try await daemon.withClients { c in
            try await running(c, ["2026-03"])
            try await setHead(c, "SEKR", Self.budi)
            _ = try await rateUnit(c, "BID1", "2026-03", "baik")
            _ = try await rate(c, Self.rina, "2026-03", "di_atas", "di_atas")
            _ = try await rate(c, Self.budi, "2026-03", "sesuai", "sesuai")
            let export = try await c.appraisal.exportSIASN(.with { $0.periodID = "2026-03" }, metadata: Clients.asOperator)
            #expect(export.unrated == [Self.kepala])
            let r = try #require(export.rows.first { $0.nip == Self.rina })
            #expect(
                [r.nama, r.periode, r.hasilKinerja, r.perilakuKerja, r.kuadranKinerja] == [
                    "Rina Fanggidae", "BULANAN 03", "DI ATAS EKSPEKTASI", "DI ATAS EKSPEKTASI", "Sangat Baik",
                ])
            #expect(
                [r.penilaiNipNrp, r.penilaiNama, r.penilaiGolongan, r.penilaiJabatan, r.penilaiUnorNama, r.statusPenilai] == [
                    Self.budi, "Budi Santoso", "III/b", "Analis", "Sekretariat", "ASN",
                ])
            // Sangat Baik, one month of 12.5 × 150%: 1.5625 → 1.563 → 1.56.
            #expect(r.predikatUnit == "Baik" && r.angkaKredit == "1.56" && r.tahun == 2026)
            #expect(export.rows.first { $0.nip == Self.budi }?.angkaKredit == "")
            #expect(
                await status { try await c.appraisal.exportSIASN(.with { $0.periodID = "2026-03" }, metadata: Clients.asGateway(for: Self.budi)) }
                    == .permissionDenied)
        }
    }

    @Test func theMatriksPeranHasilFlagsWhatIsNotLinked() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            try await c.createPeriod("2026")
            try await c.advance("2026")
            // Siti's K1 is supported by Budi's R1; Budi's R1 by Rina's P1.
            try await c.importSKP(ThreePersonAgency.skpDocument(period: "2026"))
            let all = try await c.skp.cascade(.with { $0.periodID = "2026" }, metadata: Clients.asOperator)
            // Budi's T1 (tambahan) is supported by nobody.
            #expect(all.unsupported == 1 && all.unlinked == 0)
            let siti = try #require(all.supervisors.first { $0.nip == Self.kepala })
            #expect(siti.rhk.map(\.rhkID) == ["K1"] && siti.rhk[0].supportedBy.map { "\($0.nip)/\($0.rhkID)" } == ["\(Self.budi)/R1"])
            let budi = try #require(all.supervisors.first { $0.nip == Self.budi })
            #expect(budi.rhk.map { "\($0.rhkID):\($0.unsupported)" } == ["R1:false", "T1:true"])
            // Budi moves under Dewi, who has no SKP: his R1 still supports Siti's K1, so under Dewi he is linked to
            // nothing, and Siti's K1 (her only subordinate now Dewi, without an SKP) has no support.
            let header = ThreePersonAgency.employeeHeader
            let moved = try await c.importEmployees(
                "\(header)\n\(Self.dewi),Dewi Lestari,PNS,IV/a,Sekretaris,administrator,,12,DINAS,\(Self.kepala),,,true\n"
                    + "\(Self.budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(Self.dewi),,,true\n")
            #expect(moved.applied, "\(moved.errorText)")
            let after = try await c.skp.cascade(
                .with {
                    $0.periodID = "2026"
                    $0.unitCode = "DINAS"
                }, metadata: Clients.asOperator)
            let siti2 = try #require(after.supervisors.first { $0.nip == Self.kepala })
            #expect(siti2.rhk[0].unsupported && siti2.withoutSkp == [Self.dewi] && siti2.unlinkedSubordinates.isEmpty, "\(siti2)")
            let dewi = try #require(after.supervisors.first { $0.nip == Self.dewi })
            #expect(dewi.rhk.isEmpty && dewi.unlinkedSubordinates == [Self.budi])
            #expect(after.unlinked == 1)
            #expect(await status { try await c.skp.cascade(.with { $0.periodID = "2026-03" }, metadata: Clients.asOperator) } == .invalidArgument)
        }
    }
}
