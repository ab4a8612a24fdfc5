import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// The TPP variants regional rules use (each an agency option; the defaults keep the national shape), worked by hand
/// from the national example: Budi, base 5,000,000 (kelas 7), III/b (5 %), Baik, TL1 × 2 + PSW2 + TK = 6 %:
/// kinerja 3,000,000, disiplin 1,700,000, gross 4,700,000, tax 235,000, net 4,465,000.
@Suite struct TPPVariantsServiceTests {
    static let budi = ThreePersonAgency.budi, rina = ThreePersonAgency.rina
    static func month(_ m: String) -> Kinerja_V1_MonthRequest { .with { $0.month = m } }

    static func show(_ c: Clients, _ nip: String, _ month: String = "2026-03") async throws -> Kinerja_V1_TPPResult {
        try await c.tpp.show(
            .with {
                $0.nip = nip
                $0.month = month
            }, metadata: Clients.asOperator)
    }

    /// February and March in assessment, Budi Baik in both, March's attendance; `cpns` makes Budi a CPNS.
    static func prepared(cpns: Bool = false, _ configure: @escaping (inout DaemonSettings) -> Void = { _ in }) async throws -> InProcessDaemon {
        let daemon = try await InProcessDaemon.threePersonAgency(configure: configure)
        try await daemon.withClients { c in
            if cpns {
                let csv =
                    ThreePersonAgency.employeeHeader + ",cpns\n"
                    + "\(budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(ThreePersonAgency.kepala),,,true,true\n"
                #expect(try await c.importEmployees(csv).applied)
            }
            try await c.createPeriod("2026", periodic: "monthly")
            try await c.advance("2026", times: 2, force: true, reason: "uji")
            for m in ["2026-02", "2026-03"] {
                try await c.advance(m, times: 2)
                for (nip, h, p) in [(budi, "di_atas", "sesuai"), (rina, "di_bawah", "di_atas")] {
                    _ = try await c.appraisal.setRating(
                        .with {
                            $0.nip = nip
                            $0.periodID = m
                            $0.hasilKerja = h
                            $0.perilakuKerja = p
                        }, metadata: Clients.asAdmin)
                }
                try await c.advance(m)
            }
            #expect(
                try await c.tpp.importBase(.with { $0.content = Data("kelas_jabatan,base_rupiah\n7,5000000\n8,3250000\n".utf8) }, metadata: Clients.asAdmin)
                    .applied)
            let csv = "nip,tl1,tl2,tl3,tl4,psw1,psw2,psw3,psw4,tk,sanction_percent\n\(budi),2,0,0,0,0,1,0,0,1,0\n\(rina),0,0,0,0,0,0,0,0,12,20\n"
            #expect(
                try await c.tpp.importAttendance(
                    .with {
                        $0.content = Data(csv.utf8)
                        $0.month = "2026-03"
                    }, metadata: Clients.asAdmin
                ).applied)
        }
        return daemon
    }

    func figures(_ r: Kinerja_V1_TPPResult) -> [Int64] { [r.base, r.kinerja, r.disiplin, r.gross, r.bpjs, r.tax, r.net] }

    @Test func theDefaultsKeepTheNationalShape() async throws {
        let daemon = try await Self.prepared(cpns: true)
        try await daemon.withClients { c in
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            let b = try await Self.show(c, Self.budi)
            #expect(figures(b) == [5_000_000, 3_000_000, 1_700_000, 4_700_000, 0, 235_000, 4_465_000] && !b.taxBorne)
        }
    }

    @Test func aCPNSReceivesTheAgencysShareOfTheBase() async throws {
        let daemon = try await Self.prepared(cpns: true) { $0.tpp.cpnsPercent = 80 }
        try await daemon.withClients { c in
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            // base 80 % of 5,000,000 = 4,000,000; kinerja 2,400,000; disiplin 4,000,000 × 34 % = 1,360,000;
            // gross 3,760,000; tax 5 % = 188,000; net 3,572,000. Rina (PPPK) is no CPNS: her base stays.
            let b = try await Self.show(c, Self.budi)
            #expect(figures(b) == [5_000_000, 2_400_000, 1_360_000, 3_760_000, 0, 188_000, 3_572_000], "\(b.steps)")
            #expect(b.steps.first == "base: CPNS 80% of 5000000 = 4000000")
            #expect(try await Self.show(c, Self.rina).kinerja == 1_462_500)  // 3,250,000 × 60 % × 75 %
        }
    }

    @Test func taxBorneByTheRegionAndABPJSContribution() async throws {
        let borne = try await Self.prepared { $0.tpp.taxBorne = true }
        try await borne.withClients { c in
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            // The tax is computed and shown (235,000) but not deducted: net = gross.
            let b = try await Self.show(c, Self.budi)
            #expect(figures(b) == [5_000_000, 3_000_000, 1_700_000, 4_700_000, 0, 235_000, 4_700_000] && b.taxBorne)
            #expect(b.steps.last == "net = 4700000 (tax borne by the region)")
            let export = try await c.tpp.export(Self.month("2026-03"), metadata: Clients.asOperator)
            let text = String(decoding: export.csv, as: UTF8.self)
            #expect(text.contains(",4700000,235000,4700000,0,true\n"), "\(text)")
        }
        let bpjs = try await Self.prepared {
            $0.tpp.bpjsPerMille = 10
        }
        try await bpjs.withClients { c in
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            // bpjs 1 % of 4,700,000 = 47,000, deducted before tax: tax 5 % of 4,653,000 = 232,650; net 4,420,350.
            let b = try await Self.show(c, Self.budi)
            #expect(figures(b) == [5_000_000, 3_000_000, 1_700_000, 4_700_000, 47_000, 232_650, 4_420_350], "\(b.steps)")
            #expect(b.steps.contains("bpjs = round(4700000 × 1%) = 47000"))
        }
        let both = try await Self.prepared {
            $0.tpp.bpjsPerMille = 10
            $0.tpp.taxBorne = true
        }
        try await both.withClients { c in
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            // net = 4,700,000 − 47,000 = 4,653,000 (tax 232,650 borne).
            #expect(figures(try await Self.show(c, Self.budi)) == [5_000_000, 3_000_000, 1_700_000, 4_700_000, 47_000, 232_650, 4_653_000])
        }
        // The config file reads the same keys.
        let file = try DaemonConfigFile.parse("[tpp]\ncpns_percent = 80\ntax_mode = \"borne\"\nbpjs_percent = 1\n", path: "k.toml")
        #expect(file.tpp.cpnsPercent == 80 && file.tpp.taxBorne && file.tpp.bpjsPerMille == 10)
        #expect(throws: ConfigError.self) { try DaemonConfigFile.parse("[tpp]\ntax_mode = \"ditanggung\"\n", path: "k.toml") }
        #expect(throws: ConfigError.self) { try DaemonConfigFile.parse("[tpp]\ncpns_percent = 120\n", path: "k.toml") }
        // A month computed under these numbers keeps them (its snapshot round-trips).
        var p = TPPPolicy()
        p.cpnsPercent = 80
        p.taxBorne = true
        p.bpjsPerMille = 15
        #expect(TPPPolicy(snapshot: p.snapshot) == p)
        #expect(TPPPolicy(snapshot: "60;40;100,100,75,50,25;5,10,15,20,5,10,15,20,40;0,0,5,15;0,0,0,0,0,0,0,0,5,5,5,5,15,15,15,15,15") == TPPPolicy())
    }

    @Test func aSixMonthSanctionCrossesALockedMonthWithoutChangingIt() async throws {
        let daemon = try await Self.prepared()
        try await daemon.withClients { c in
            // February is computed and locked: Budi Baik, no attendance events → 3,000,000 + 2,000,000 = 5,000,000 gross,
            // 250,000 tax, 4,750,000 net. March is computed before the sanction.
            _ = try await c.tpp.compute(Self.month("2026-02"), metadata: Clients.asAdmin)
            _ = try await c.tpp.lock(Self.month("2026-02"), metadata: Clients.asAdmin)
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            #expect(try await Self.show(c, Self.budi, "2026-02").net == 4_750_000)
            func add(
                _ nip: String, _ percent: Int32, _ from: String, _ months: Int32, _ reason: String = "PP 94/2021: teguran tertulis"
            )
                async throws -> Kinerja_V1_Sanction
            {
                try await c.tpp.addSanction(
                    .with {
                        $0.nip = nip
                        $0.percent = percent
                        $0.from = from
                        $0.months = months
                        $0.reason = reason
                    }, metadata: Clients.asAdmin)
            }
            let s = try await add(Self.budi, 30, "2026-02", 6)
            #expect(s.to == "2026-07" && s.lockedMonths == ["2026-02"] && s.name == "Budi Santoso")
            // Bad input: each refused with its code.
            #expect(await status { try await add(Self.budi, 10, "2026-02", 6) } == .invalidArgument)
            #expect(await status { try await add(Self.budi, 30, "2026-13", 6) } == .invalidArgument)
            #expect(await status { try await add(Self.budi, 30, "2026-02", 0) } == .invalidArgument)
            #expect(await status { try await add(Self.budi, 30, "2100-06", 12) } == .invalidArgument)
            #expect(await status { try await add(Self.budi, 30, "2026-02", 6, " ") } == .invalidArgument)
            #expect(await status { try await add("199901012020011001", 30, "2026-02", 6) } == .notFound)
            #expect(
                await status {
                    try await c.tpp.addSanction(
                        .with {
                            $0.nip = Self.budi
                            $0.percent = 30
                            $0.from = "2026-02"
                            $0.months = 1
                            $0.reason = "x"
                        }, metadata: Clients.asOperator)
                } == .permissionDenied)
            // March was computed before it: shown only after computing again.
            #expect(await status { try await Self.show(c, Self.budi) } == .failedPrecondition)
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            // gross round(4,700,000 × 70 %) = 3,290,000; tax 164,500; net 3,125,500. February keeps what it paid.
            let march = try await Self.show(c, Self.budi)
            #expect([march.sanctionPercent, Int32(march.gross), Int32(march.tax), Int32(march.net)] == [30, 3_290_000, 164_500, 3_125_500])
            #expect(try await Self.show(c, Self.budi, "2026-02").net == 4_750_000)
            // Rina's March attendance carries 20 %; a 50 % sanction over it wins (the higher applies).
            #expect(try await Self.show(c, Self.rina).sanctionPercent == 20)
            _ = try await add(Self.rina, 50, "2026-03", 1, "PP 94/2021: penurunan jabatan")
            _ = try await c.tpp.compute(Self.month("2026-03"), metadata: Clients.asAdmin)
            #expect(try await Self.show(c, Self.rina).sanctionPercent == 50)
            let listed = try await c.tpp.listSanctions(.init(), metadata: Clients.asOperator).sanctions
            #expect(listed.map(\.nip) == [Self.budi, Self.rina] && listed[0].reason.contains("teguran"))
            #expect(try await c.audit().contains { $0.rpc == "AddSanction" && $0.summary.contains("locked, not applied: 2026-02") })
        }
    }
}
