import KinerjaFixtures
import Testing

@testable import KinerjaCore

let header = [
    "nip", "name", "kind", "golongan", "jabatan", "jenis_jabatan", "jabatan_fungsional", "kelas_jabatan", "unit_code", "supervisor_nip", "email", "phone",
    "active",
]

func row(
    _ line: Int, nip: String, name: String = "Budi", kind: String = "PNS", golongan: String = "III/a", jenis: String = "pelaksana",
    fungsional: String = "", kelas: String = "7", unit: String = "U1", supervisor: String = "", email: String = "", active: String = "true"
) -> CSVTable.Record {
    CSVTable.Record(line: line, fields: [nip, name, kind, golongan, "Staf", jenis, fungsional, kelas, unit, supervisor, email, "", active])
}

let head = "197001012000011001"
let a = "198503152010011001"
let b = "198604202011012002"
let c = "199006062021212006"

@Suite struct EmployeeImportTests {
    func plan(_ records: [CSVTable.Record], existing: [String: Employee] = [:], deactivateMissing: Bool = false) -> EmployeeImport.Plan {
        EmployeeImport.plan(table: CSVTable(header: header, records: records), existing: existing, units: ["U1", "U2"], deactivateMissing: deactivateMissing)
    }

    @Test func forwardReferencesAndCounts() {
        let p = plan([
            row(2, nip: a, supervisor: head),
            row(3, nip: c, kind: "PPPK", golongan: "ix", supervisor: a),
            row(4, nip: head, golongan: "IV/b", jenis: "administrator", kelas: "12"),
        ])
        #expect(p.errors.isEmpty, "\(p.errors)")
        #expect(p.counts.added == 3)
        #expect(p.writes.first { $0.nip == c }?.golongan == "IX")
        // Importing the same again: all unchanged, nothing to write.
        var existing: [String: Employee] = [:]
        for e in p.writes { existing[e.nip] = e }
        let again = plan(
            [
                row(2, nip: a, supervisor: head),
                row(3, nip: c, kind: "PPPK", golongan: "IX", supervisor: a),
                row(4, nip: head, golongan: "IV/b", jenis: "administrator", kelas: "12"),
            ], existing: existing)
        #expect(again.errors.isEmpty)
        #expect(again.counts.unchanged == 3)
        #expect(again.writes.isEmpty)
    }

    @Test(arguments: [
        (row(2, nip: "19850315201001100"), "nip", "18"),
        (row(2, nip: "19850315201001100X"), "nip", "digits only"),
        (row(2, nip: "198513152010011001"), "nip", "not a real date"),
        (row(2, nip: "198503152010013001"), "nip", "gender digit"),
        (row(2, nip: a, kelas: "0"), "kelas_jabatan", "1–17"),
        (row(2, nip: a, kelas: "18"), "kelas_jabatan", "1–17"),
        (row(2, nip: a, golongan: "V/a"), "golongan", "not a PNS rank"),
        (row(2, nip: a, name: ""), "name", "empty"),
        (row(2, nip: a, unit: "NOPE"), "unit_code", "unknown unit 'NOPE'"),
        (row(2, nip: a, supervisor: b), "supervisor_nip", "unknown supervisor"),
        (row(2, nip: a, supervisor: a), "supervisor_nip", "themselves"),
        (row(2, nip: a, kind: "Honorer"), "kind", "PNS or PPPK"),
        (row(2, nip: a, jenis: "direktur"), "jenis_jabatan", "not a jenis jabatan"),
        (row(2, nip: a, fungsional: "ahli_muda"), "jabatan_fungsional", "only jenis_jabatan fungsional"),
        (row(2, nip: a, email: "not-an-email"), "email", "not an e-mail"),
        (row(2, nip: a, active: "maybe"), "active", "yes/no"),
    ])
    func badRow(record: CSVTable.Record, column: String, fragment: String) {
        let p = plan([record])
        #expect(p.writes.isEmpty)
        let e = p.errors.first { $0.column == column }
        #expect(e != nil, "\(p.errors)")
        #expect(e?.line == 2)
        #expect(e?.message.contains(fragment) == true, "\(p.errors)")
        #expect(e?.description.hasPrefix("line 2, column \(column): ") == true)
    }

    @Test func duplicateNIPInTheFile() {
        let p = plan([row(2, nip: a), row(3, nip: b), row(4, nip: a)])
        #expect(p.errors == [RowError(line: 4, column: "nip", message: "NIP \(a) already appears on line 2")])
    }

    @Test func supervisorCycleIsReportedOnEveryLineOfIt() {
        let p = plan([row(2, nip: a, supervisor: b), row(3, nip: b, supervisor: a)])
        #expect(p.errors.count == 2)
        #expect(p.errors.allSatisfy { $0.column == "supervisor_nip" && $0.message.contains("supervisor cycle \(a) → \(b) → \(a)") })
        #expect(p.errors.map(\.line) == [2, 3])
    }

    @Test func everyBadRowIsReportedNotJustTheFirst() {
        let p = plan([row(2, nip: "1"), row(3, nip: a), row(4, nip: b, kelas: "99"), row(5, nip: c, kind: "PPPK", golongan: "III/a")])
        #expect(Set(p.errors.map(\.line)) == [2, 4, 5])
        #expect(p.writes.isEmpty)
    }

    @Test func inactiveSupervisorIsRefusedForAnActiveEmployee() {
        let p = plan([row(2, nip: head, active: "false"), row(3, nip: a, supervisor: head)])
        #expect(p.errors.contains { $0.line == 3 && $0.message.contains("not active (deactivated on line 2)") })
    }

    @Test func wrongFieldCountPointsAtTheDelimiter() {
        let p = EmployeeImport.plan(
            table: CSVTable(header: header, records: [CSVTable.Record(line: 2, fields: ["\(a);Budi;PNS"])]), delimiter: ",",
            existing: [:], units: ["U1"], deactivateMissing: false)
        #expect(p.errors.count == 1)
        #expect(p.errors[0].message.contains("expected 13 fields"))
        #expect(p.errors[0].message.contains("','"))
    }

    @Test func headerProblems() {
        let unknown = EmployeeImport.plan(
            table: CSVTable(header: header + ["salary"], records: []), existing: [:], units: [], deactivateMissing: false)
        #expect(unknown.errors.contains { $0.line == 1 && $0.column == "salary" && $0.message.contains("unknown column") })
        let missing = EmployeeImport.plan(
            table: CSVTable(header: ["nip", "name"], records: []), existing: [:], units: [], deactivateMissing: false)
        #expect(missing.errors.contains { $0.column == "kind" && $0.message.contains("required column") })
        let noHeader = EmployeeImport.plan(
            table: CSVTable(header: [a, "Budi", "PNS"], records: []), existing: [:], units: [], deactivateMissing: false)
        #expect(noHeader.errors.contains { $0.message.contains("a header row is required") })
    }

    @Test func deactivateMissingAndKeepingHistory() {
        let base = plan([row(2, nip: head), row(3, nip: a, supervisor: head), row(4, nip: b, supervisor: head)])
        var existing: [String: Employee] = [:]
        for e in base.writes { existing[e.nip] = e }
        // b is missing from the new file: deactivated (not deleted) only with deactivateMissing.
        let without = plan([row(2, nip: head), row(3, nip: a, supervisor: head)], existing: existing)
        #expect(without.counts.deactivated == 0)
        #expect(without.counts.unchanged == 2)
        let with = plan([row(2, nip: head), row(3, nip: a, supervisor: head)], existing: existing, deactivateMissing: true)
        #expect(with.errors.isEmpty)
        #expect(with.counts.deactivated == 1)
        #expect(with.writes.map(\.nip) == [b])
        #expect(with.writes[0].active == false)
        // Deactivating the head while a and b still report to it is refused.
        let orphaning = plan([row(2, nip: head, active: "false")], existing: existing)
        #expect(orphaning.errors.contains { $0.line == 2 && $0.message.contains("2 active subordinate(s)") })
    }

    @Test func absentOptionalColumnsKeepStoredValues() {
        var existing: [String: Employee] = [:]
        existing[a] = Employee(
            nip: a, name: "Budi", kind: .pns, golongan: "III/a", jabatan: "Analis", jenisJabatan: .pelaksana,
            kelasJabatan: 7, unitCode: "U1", email: "budi@example.go.id", phone: "0812")
        let table = CSVTable(
            header: ["nip", "name", "kind", "golongan", "jenis_jabatan", "kelas_jabatan", "unit_code"],
            records: [CSVTable.Record(line: 2, fields: [a, "Budi Santoso", "PNS", "III/b", "pelaksana", "8", "U2"])])
        let p = EmployeeImport.plan(table: table, existing: existing, units: ["U1", "U2"], deactivateMissing: false)
        #expect(p.errors.isEmpty)
        #expect(p.counts.updated == 1)
        let e = p.writes[0]
        #expect(e.email == "budi@example.go.id" && e.phone == "0812" && e.jabatan == "Analis")
        #expect(e.golongan == "III/b" && e.unitCode == "U2" && e.name == "Budi Santoso")
    }
}

@Suite struct UnitImportTests {
    let header = ["code", "name", "parent_code"]

    @Test func treeWithForwardParents() {
        let p = UnitImport.plan(
            table: CSVTable(
                header: header,
                records: [
                    .init(line: 2, fields: ["SEKR", "Sekretariat", "DINAS"]),
                    .init(line: 3, fields: ["DINAS", "Dinas Kominfo", ""]),
                ]), existing: [:], activeEmployees: [])
        #expect(p.errors.isEmpty)
        #expect(p.counts.added == 2)
    }

    @Test func cyclesUnknownParentsAndBadCodes() {
        let p = UnitImport.plan(
            table: CSVTable(
                header: header,
                records: [
                    .init(line: 2, fields: ["A", "Unit A", "B"]),
                    .init(line: 3, fields: ["B", "Unit B", "A"]),
                    .init(line: 4, fields: ["C", "Unit C", "ZZZ"]),
                    .init(line: 5, fields: ["D D", "Unit D", ""]),
                    .init(line: 6, fields: ["E", "", "E"]),
                ]), existing: [:], activeEmployees: [])
        #expect(p.errors.contains { $0.line == 2 && $0.message.contains("unit cycle A → B → A") })
        #expect(p.errors.contains { $0.line == 3 && $0.message.contains("unit cycle") })
        #expect(p.errors.contains { $0.line == 4 && $0.message.contains("unknown parent unit 'ZZZ'") })
        #expect(p.errors.contains { $0.line == 5 && $0.column == "code" })
        #expect(p.errors.contains { $0.line == 6 && $0.column == "name" })
        #expect(p.writes.isEmpty)
    }
}

@Suite struct SampleAgencyTests {
    @Test func generatedAgencyPassesItsOwnImportRules() {
        let sample = SampleAgency(unitCount: 200, employeeCount: 3000)
        var units: [String: OrgUnit] = [:]
        for u in sample.units { units[u.code] = u }
        #expect(units.count == 200)
        var existing: [String: Employee] = [:]
        let records = sample.employees.enumerated().map { i, e in
            CSVTable.Record(
                line: i + 2,
                fields: [
                    e.nip, e.name, e.kind.rawValue, e.golongan, e.jabatan, e.jenisJabatan.rawValue,
                    e.jabatanFungsional?.rawValue ?? "", String(e.kelasJabatan), e.unitCode, e.supervisorNIP ?? "", e.email, e.phone, "true",
                ])
        }
        let plan = EmployeeImport.plan(table: CSVTable(header: header, records: records), existing: existing, units: Set(units.keys), deactivateMissing: false)
        #expect(plan.errors.isEmpty, "\(plan.errors.prefix(3))")
        #expect(plan.counts.added == 3000)
        for e in plan.writes { existing[e.nip] = e }
        // Depth of the supervisor hierarchy: 6 levels for a 4-level unit tree.
        let depth = existing.keys.map { SupervisorGraph.chain(of: $0) { existing[$0] }.count + 1 }.max()
        #expect(depth == 6)
        #expect(existing.values.contains { $0.kind == .pppk })
    }
}
