import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaFixtures
import SwiftProtobuf
import Testing

@testable import KinerjaServer

/// `kinerja.v1.OrgService` in process: the agency, units and employees — imports that name every bad row and
/// change nothing, upserts, deactivation, unit heads, each error code and each right.
@Suite struct OrgServiceTests {
    static let kepala = ThreePersonAgency.kepala, budi = ThreePersonAgency.budi, rina = ThreePersonAgency.rina
    static let header = ThreePersonAgency.employeeHeader

    /// What an import could change: every employee (inactive too) and every unit.
    static func fingerprint(_ c: Clients) async throws -> String {
        let employees = try await c.employees().map { "\($0.nip)|\($0.name)|\($0.golongan)|\($0.active)|\($0.supervisorNip)" }
        let units = try await c.org.listUnits(.init(), metadata: Clients.asAdmin).units.map { "\($0.code)|\($0.name)|\($0.headNip)" }
        return (employees + units).joined(separator: "\n")
    }

    @Test func badFilesChangeNothingAndNameEveryBadRow() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let before = try await Self.fingerprint(c)
            let (header, budi, rina) = (Self.header, Self.budi, Self.rina)
            let newcomer = "198807072012032003"
            let good = "\(newcomer),Dewi Lestari,PNS,III/a,Staf,pelaksana,,6,SEKR,\(budi),,,true"
            let cases: [(String, String, String)] = [
                (
                    "wrong length", "\(header)\n\(good)\n1985031520100110,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n",
                    "line 3, column nip: NIP '1985031520100110' has 16 digits"
                ),
                (
                    "non-digits", "\(header)\n198503152010O11001,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n",
                    "line 2, column nip: NIP '198503152010O11001' must contain digits only"
                ),
                ("impossible birth date", "\(header)\n198502302010011001,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "birth date 19850230"),
                (
                    "gender digit 3", "\(header)\n198503152010013009,X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n",
                    "gender digit 15 must be 1 (male) or 2 (female), found 3"
                ),
                ("duplicate NIP", "\(header)\n\(good)\n\(good)\n", "line 3, column nip: NIP \(newcomer) already appears on line 2"),
                ("unknown unit", "\(header)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,6,NOWHERE,,,,true\n", "line 2, column unit_code: unknown unit 'NOWHERE'"),
                (
                    "unknown supervisor", "\(header)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,6,SEKR,198001012005011009,,,true\n",
                    "unknown supervisor 198001012005011009"
                ),
                ("supervisor cycle", "\(header)\n\(budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(rina),,,true\n", "supervisor cycle"),
                ("self-supervision", "\(header)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,6,SEKR,\(newcomer),,,true\n", "cannot supervise themselves"),
                ("kelas 0", "\(header)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,0,SEKR,,,,true\n", "column kelas_jabatan: '0' is not a kelas jabatan"),
                ("kelas 18", "\(header)\n\(newcomer),Dewi,PNS,III/a,,pelaksana,,18,SEKR,,,,true\n", "'18' is not a kelas jabatan"),
                ("golongan V/a", "\(header)\n\(newcomer),Dewi,PNS,V/a,,pelaksana,,6,SEKR,,,,true\n", "golongan 'V/a' is not a PNS rank"),
                ("empty name", "\(header)\n\(newcomer),,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n", "line 2, column name: name is empty"),
                ("unknown column", "\(header),salary\n\(good),100\n", "line 1, column salary: unknown column"),
                ("missing header", "\(good)\n", "a header row is required"),
                ("wrong delimiter mix", "\(header)\n\(good.replacingOccurrences(of: ",", with: ";"))\n", "expected 13 fields"),
                ("header mixing delimiters", "nip,name;kind\n", "mixes ',' and ';'"),
                (
                    "unterminated quote", "\(header)\n\(newcomer),\"Dewi,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n",
                    "line 2: a quoted field opened on this line is never closed"
                ),
                ("empty file", "", "the file is empty"),
            ]
            for (name, content, expected) in cases {
                let report = try await c.importEmployees(content)
                #expect(!report.applied && report.errorCount > 0, "\(name)")
                #expect(report.errorText.contains(expected), "\(name): \(report.errorText)")
                #expect(try await Self.fingerprint(c) == before, "\(name) changed the database")
            }
            // Many bad rows: every one is reported.
            var many = header + "\n"
            for i in 0..<25 { many += "12345\(i),X,PNS,III/a,,pelaksana,,6,SEKR,,,,true\n" }
            let report = try await c.importEmployees(many)
            #expect(report.errorCount == 25)
            #expect(report.errors.map(\.line) == Array(2...26))
            #expect(!report.applied)
            #expect(try await Self.fingerprint(c) == before)
        }
    }

    @Test func upsertsDryRunDeactivationAndBOMSemicolons() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let (kepala, budi, rina) = (Self.kepala, Self.budi, Self.rina)
            // Semicolons, BOM, quoted fields, a new employee and a changed one.
            let newcomer = "198807072012032003"
            let content =
                "\u{FEFF}nip;name;kind;golongan;jenis_jabatan;kelas_jabatan;unit_code;supervisor_nip\n"
                + "\(budi);\"Budi Santoso, S.E.\";PNS;III/c;pelaksana;8;SEKR;\(kepala)\n"
                + "\(newcomer);Dewi Lestari;pns;iii/a;pelaksana;6;BID1;\(kepala)\n"
            let dry = try await c.importEmployees(content, dryRun: true)
            #expect(dry.dryRun && !dry.applied && dry.added == 1 && dry.updated == 1)
            #expect(try await c.employees().count == 3)
            #expect(try await c.importEmployees(content).applied)
            #expect(try await c.employees().count == 4)
            let b = try await c.org.getEmployee(.with { $0.nip = budi }, metadata: Clients.asAdmin).employee
            #expect(b.name == "Budi Santoso, S.E." && b.golongan == "III/c")
            #expect(b.jabatan == "Analis")  // column absent: kept

            // Deactivating the missing: rina is not listed and has no subordinates → deactivated, not deleted.
            let keep =
                "\(Self.header)\n\(kepala),\"Siti Aminah, S.Kom\",PNS,IV/b,Kepala Dinas,jpt,,15,DINAS,,siti@kominfo.go.id,,true\n"
                + "\(budi),\"Budi Santoso, S.E.\",PNS,III/c,Analis,pelaksana,,8,SEKR,\(kepala),,,true\n"
                + "\(newcomer),Dewi Lestari,PNS,III/a,,pelaksana,,6,BID1,\(kepala),,,true\n"
            #expect(try await c.importEmployees(keep, deactivateMissing: true).deactivated == 1)
            #expect(try await c.employees(includeInactive: false).count == 3)
            #expect(try await c.org.getEmployee(.with { $0.nip = rina }, metadata: Clients.asAdmin).employee.active == false)
            // The audit trail has each import that was applied: the agency's own and these two.
            #expect(try await c.audit().filter { $0.rpc == "ImportEmployees" }.count == 3)
        }
    }

    @Test func agencySettingsAndErrors() async throws {
        let daemon = try InProcessDaemon()
        try await daemon.withClients { c in
            let set = try await c.org.updateAgency(
                .with {
                    $0.code = "KOMINFO-KPG"
                    $0.name = "Dinas Kominfo Kota Kupang"
                    $0.timeZone = "Asia/Makassar"
                }, metadata: Clients.asAdmin)
            #expect(set.timeZone == "Asia/Makassar")
            let a = try await c.org.getAgency(.init(), metadata: Clients.asOperator)
            #expect(a.timeZone == "Asia/Makassar" && a.name == "Dinas Kominfo Kota Kupang" && a.code == "KOMINFO-KPG")
            #expect(await status { try await c.org.updateAgency(.with { $0.timeZone = "Asia/Tokyo" }, metadata: Clients.asAdmin) } == .invalidArgument)
            #expect(await status { try await c.org.getEmployee(.with { $0.nip = "198503152010011001" }, metadata: Clients.asAdmin) } == .notFound)
            #expect(await status { try await c.org.getEmployee(.with { $0.nip = "12" }, metadata: Clients.asAdmin) } == .invalidArgument)
        }
    }

    @Test func malformedValuesGetTheSameBoundedAnswerEverywhere() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let long = String(repeating: "9", count: 100_000)
            let calls: [(String, () async throws -> Void)] = [
                ("employee show long", { _ = try await c.org.getEmployee(.with { $0.nip = long }, metadata: Clients.asAdmin) }),
                (
                    "tpp show long",
                    {
                        _ = try await c.tpp.show(
                            .with {
                                $0.nip = long
                                $0.month = "2026-03"
                            }, metadata: Clients.asAdmin)
                    }
                ),
                (
                    "skp show long",
                    {
                        _ = try await c.skp.getSKP(
                            .with {
                                $0.nip = long
                                $0.periodID = "2026"
                            }, metadata: Clients.asAdmin)
                    }
                ),
                ("employee show short", { _ = try await c.org.getEmployee(.with { $0.nip = "12345" }, metadata: Clients.asAdmin) }),
                (
                    "set-head x",
                    {
                        _ = try await c.org.setUnitHead(
                            .with {
                                $0.unitCode = "SEKR"
                                $0.nip = "x"
                            }, metadata: Clients.asAdmin)
                    }
                ),
            ]
            for (name, call) in calls {
                let error = await failure(call)
                #expect(error?.code == .invalidArgument || error?.code == .notFound, "\(name): \(String(describing: error))")
                #expect((error?.message.count ?? 0) < 1_000, "\(name) echoed \(error?.message.count ?? 0) characters")
            }
            #expect(await status { try await c.org.getEmployee(.with { $0.nip = long }, metadata: Clients.asAdmin) } == .invalidArgument)
            // Unknown things are NOT_FOUND, impossible ones INVALID_ARGUMENT, enums in any case.
            try await c.createPeriod("2026", periodic: "monthly")
            #expect(
                await status {
                    try await c.appraisal.curve(
                        .with {
                            $0.periodID = "2026-03"
                            $0.unitCode = "NOPE"
                        }, metadata: Clients.asAdmin)
                } == .notFound)
            let plugin = await failure { try await c.org.updateAgency(.with { $0.pluginID = "nope" }, metadata: Clients.asAdmin) }
            #expect(plugin?.message.contains("is not loaded") == true, "\(String(describing: plugin))")
            #expect(
                await status {
                    try await c.skp.listSKP(
                        .with {
                            $0.periodID = "2026"
                            $0.status = "APPROVED"
                        }, metadata: Clients.asAdmin)
                } == nil)
            #expect(await status { try await c.admin.listAudit(.with { $0.limit = -1 }, metadata: Clients.asAdmin) } == .invalidArgument)
            #expect(
                await status {
                    try await c.skp.listActivities(
                        .with {
                            $0.nip = Self.budi
                            $0.from = "2026-03-31"
                            $0.to = "2026-03-01"
                        }, metadata: Clients.asAdmin)
                } == .invalidArgument)
            // A huge unit name is refused, not stored.
            let huge = try await c.importUnits("code,name,parent_code\nBIG,\(String(repeating: "N", count: 1_000_000)),DINAS\n")
            #expect(!huge.applied && huge.errorText.contains("at most 200") && huge.errorText.count < 2_000, "\(huge.errorText.prefix(300))")
            // A head must belong to the unit (or its parent): rina is in BID1.
            let head = await failure {
                try await c.org.setUnitHead(
                    .with {
                        $0.unitCode = "SEKR"
                        $0.nip = Self.rina
                    }, metadata: Clients.asAdmin)
            }
            #expect(head?.message.contains("must belong to SEKR") == true, "\(String(describing: head))")
            #expect(
                try await c.org.setUnitHead(
                    .with {
                        $0.unitCode = "SEKR"
                        $0.nip = Self.budi
                    }, metadata: Clients.asAdmin
                ).headNip == Self.budi)
        }
    }

    @Test func aDeactivatedHeadStopsHeadingAndHeadsBelongToTheirUnit() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let (kepala, budi, rina) = (Self.kepala, Self.budi, Self.rina)
            _ = try await c.org.setUnitHead(
                .with {
                    $0.unitCode = "BID1"
                    $0.nip = rina
                }, metadata: Clients.asOperator)
            // A unit import naming a head from elsewhere is refused too; the parent's member is fine.
            let bad = try await c.importUnits("code,name,parent_code,head_nip\nSEKR,Sekretariat,DINAS,\(rina)\n")
            #expect(
                !bad.applied && bad.errorText.contains("column head_nip") && bad.errorText.contains("must belong to SEKR or its parent DINAS"),
                "\(bad.errorText)")
            #expect(try await c.importUnits("code,name,parent_code,head_nip\nSEKR,Sekretariat,DINAS,\(kepala)\n").applied)
            let staff = "\(Self.header)\n\(rina),Rina Fanggidae,PPPK,IX,Pranata Komputer,fungsional,ahli_pertama,8,BID1,\(budi),,,false\n"
            let r = try await c.importEmployees(staff)
            #expect(r.applied, "\(r.errorText)")
            #expect(r.notes.contains("unit BID1: head \(rina) is deactivated and no longer heads it"), "\(r.notes)")
            let units = try await c.org.listUnits(.init(), metadata: Clients.asAdmin).units
            #expect(units.first { $0.code == "BID1" }?.headNip == "")
            #expect(units.first { $0.code == "SEKR" }?.headNip == kepala)
        }
    }

    @Test func employeesListAndExportWithTheirSupervisorChain() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let detail = try await c.org.getEmployee(.with { $0.nip = Self.rina }, metadata: Clients.asOperator)
            #expect(detail.unitName == "Bidang Aplikasi")
            #expect(detail.supervisorChain.map(\.nip) == [Self.budi, Self.kepala])
            #expect(try await c.org.getEmployee(.with { $0.nip = Self.budi }, metadata: Clients.asOperator).subordinates.map(\.nip) == [Self.rina])
            let inSEKR = try await c.org.listEmployees(
                .with {
                    $0.unitCode = "DINAS"
                    $0.includeSubunits = true
                }, metadata: Clients.asOperator
            ) { response in
                var nips: [String] = []
                for try await page in response.messages { nips += page.employees.map(\.nip) }
                return nips
            }
            #expect(Set(inSEKR) == [Self.kepala, Self.budi, Self.rina])
            let exported = try await c.org.exportEmployees(.init(), metadata: Clients.asOperator) { response in
                var data = Data()
                for try await chunk in response.messages { data += chunk.data }
                return String(decoding: data, as: UTF8.self)
            }
            #expect(exported.contains("\(Self.budi),Budi Santoso,PNS,III/b,Analis,pelaksana,,7,SEKR,\(Self.kepala)"), "\(exported)")
            // Exported, then imported again: nothing changes.
            let again = try await c.importEmployees(exported)
            #expect(again.applied && again.unchanged == 3 && again.added == 0 && again.updated == 0, "\(again)")
        }
    }

    @Test func rightsFollowTheRole() async throws {
        let daemon = try await InProcessDaemon.threePersonAgency()
        try await daemon.withClients { c in
            let gateway = Clients.asGateway(for: Self.budi)
            // Operators read and import; only an admin changes the agency.
            #expect(await status { try await c.org.listUnits(.init(), metadata: Clients.asOperator) } == nil)
            #expect(
                await status { try await c.org.importUnits(.with { $0.content = Data(ThreePersonAgency.unitsCSV.utf8) }, metadata: Clients.asOperator) } == nil)
            #expect(await status { try await c.org.updateAgency(.with { $0.name = "X" }, metadata: Clients.asOperator) } == .permissionDenied)
            // A gateway and a stranger get none of it.
            for who in [gateway, Clients.asNobody] {
                #expect(await status { try await c.org.getAgency(.init(), metadata: who) } == .permissionDenied)
                #expect(await status { try await c.org.getEmployee(.with { $0.nip = Self.budi }, metadata: who) } == .permissionDenied)
                #expect(await status { try await c.org.importEmployees(.with { $0.content = Data() }, metadata: who) } == .permissionDenied)
            }
        }
    }
}
