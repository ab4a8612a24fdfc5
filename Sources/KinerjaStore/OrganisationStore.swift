import Foundation
import GRDB
import KinerjaCore

/// Agency settings, units and employees in SQLite. Writes happen inside the caller's transaction, so that
/// an import and its audit row commit or roll back together.
package enum OrganisationStore {
    // MARK: agency

    package static func agency(_ db: Database) throws -> Agency {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT code, name, time_zone, plugin_id FROM agency WHERE id = 1")) else {
            return Agency()
        }
        return Agency(code: row[0], name: row[1], timeZone: row[2], pluginID: row[3])
    }

    package static func saveAgency(_ db: Database, _ agency: Agency) throws {
        try db.execute(
            sql: "UPDATE agency SET code = ?, name = ?, time_zone = ?, plugin_id = ? WHERE id = 1",
            arguments: [agency.code, agency.name, agency.timeZone, agency.pluginID])
    }

    /// Base TPP per kelas jabatan.
    package static func tppBase(_ db: Database) throws -> [(Int, Int64)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT kelas_jabatan, base_rupiah FROM tpp_base ORDER BY kelas_jabatan")).map { ($0[0], $0[1]) }
    }

    // MARK: units

    package static func activeCountsByUnit(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT unit_code, count(*) FROM employees WHERE active = 1 GROUP BY unit_code")) {
            out[row[0]] = row[1]
        }
        return out
    }

    /// Names of the employees who head a unit, by NIP.
    package static func headNames(_ db: Database) throws -> [String: String] {
        var out: [String: String] = [:]
        for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT e.nip, e.name FROM units u JOIN employees e ON e.nip = u.head_nip")) {
            out[row[0]] = row[1]
        }
        return out
    }

    /// The units `nip` heads, by code.
    package static func unitsHeaded(_ db: Database, by nip: String) throws -> [String] {
        let r = try BulkRead(db, sql: "SELECT code FROM units WHERE head_nip = ? ORDER BY code", arguments: [nip], cached: true)
        var out: [String] = []
        while try r.next() { out.append(r.text(0)) }
        return out
    }

    package static func units(_ db: Database) throws -> [OrgUnit] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT code, name, parent_code, head_nip FROM units ORDER BY code")).map {
            OrgUnit(code: $0[0], name: $0[1], parentCode: $0[2], headNIP: $0[3])
        }
    }

    package static func unitCodes(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT code FROM units")))
    }

    /// Read through the C API: a unit is read on every GetEmployee (GRDB's `Row` took 4% of one).
    package static func unit(_ db: Database, code: String) throws -> OrgUnit? {
        let r = try BulkRead(db, sql: "SELECT code, name, parent_code, head_nip FROM units WHERE code = ?", arguments: [code], cached: true)
        guard try r.next() else { return nil }
        let unit = OrgUnit(code: r.text(0), name: r.text(1), parentCode: r.isNull(2) ? nil : r.text(2), headNIP: r.isNull(3) ? nil : r.text(3))
        while try r.next() {}  // to its end (code is the key: no further row), which resets the statement
        return unit
    }

    /// The unit, or NOT_FOUND naming it.
    package static func requireUnit(_ db: Database, code: String) throws -> OrgUnit {
        guard let unit = try unit(db, code: code) else { throw StoreError.noSuchUnit(code) }
        return unit
    }

    package static func upsertUnits(_ db: Database, _ units: [OrgUnit]) throws {
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO units(code, name, parent_code, head_nip) VALUES (?, ?, ?, ?)
                ON CONFLICT(code) DO UPDATE SET name = excluded.name, parent_code = excluded.parent_code, head_nip = excluded.head_nip
                """)
        for u in units {
            try statement.execute(arguments: [u.code, u.name, u.parentCode, u.headNIP])
        }
    }

    // MARK: employees

    static let employeeColumns =
        "nip, name, kind, golongan, jabatan, jenis_jabatan, jabatan_fungsional, kelas_jabatan, unit_code, supervisor_nip, email, phone, active, cpns, jabatan_since"

    /// The employees a query on `employeeColumns` returns, read through the C API (imports read 100,000).
    static func employees(_ db: Database, _ sql: String, _ arguments: [String] = [], cached: Bool = false) throws -> [Employee] {
        var out: [Employee] = []
        let r = try BulkRead(db, sql: sql, arguments: arguments, cached: cached)
        while try r.next() {
            out.append(
                Employee(
                    nip: r.text(0), name: r.text(1), kind: EmployeeKind(rawValue: r.text(2)) ?? .pns, golongan: r.text(3), jabatan: r.text(4),
                    jenisJabatan: JenisJabatan(rawValue: r.text(5)) ?? .pelaksana, jabatanFungsional: JabatanFungsional(rawValue: r.text(6)),
                    kelasJabatan: r.int(7), unitCode: r.text(8), supervisorNIP: r.isNull(9) ? nil : r.text(9), email: r.text(10), phone: r.text(11),
                    active: r.int(12) != 0, cpns: r.int(13) != 0, jabatanSince: r.isNull(14) ? nil : CivilDate(iso: r.text(14))))
        }
        return out
    }

    /// Every employee keyed by NIP (active and not).
    package static func employeesByNIP(_ db: Database) throws -> [String: Employee] {
        var out: [String: Employee] = [:]
        for e in try employees(db, "SELECT \(employeeColumns) FROM employees") { out[e.nip] = e }
        return out
    }

    /// Every NIP (active or not).
    package static func allNIPs(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT nip FROM employees")))
    }

    /// Active employees' unit, by NIP (what the curve needs, without decoding whole employees).
    package static func activeUnits(_ db: Database, unit: String? = nil) throws -> [(nip: String, unit: String)] {
        if let unit {
            return try Row.fetchAll(db.cachedStatement(sql: "SELECT nip, unit_code FROM employees WHERE active = 1 AND unit_code = ?"), arguments: [unit]).map {
                ($0[0], $0[1])
            }
        }
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT nip, unit_code FROM employees WHERE active = 1")).map { ($0[0], $0[1]) }
    }

    /// NIP, name, unit and active flag of employees, ordered by unit then NIP (for reports over everyone).
    package static func briefs(_ db: Database, unit: String?) throws -> [(nip: String, name: String, unit: String, active: Bool)] {
        var sql = "SELECT nip, name, unit_code, active FROM employees"
        var arguments: StatementArguments = []
        if let unit {
            sql += " WHERE unit_code = ?"
            arguments = [unit]
        }
        sql += " ORDER BY unit_code, nip"
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    package static func activeNIPs(_ db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT nip FROM employees WHERE active = 1")))
    }

    package static func employee(_ db: Database, nip: String) throws -> Employee? {
        try employees(db, "SELECT \(employeeColumns) FROM employees WHERE nip = ?", [nip], cached: true).first
    }

    /// The employee, or NOT_FOUND naming the NIP.
    package static func requireEmployee(_ db: Database, nip: String) throws -> Employee {
        guard let e = try employee(db, nip: nip) else { throw StoreError.noSuchEmployee(nip) }
        return e
    }

    /// Employees ordered by unit then NIP, optionally one unit (and its sub-units when `subtree`).
    package static func employees(_ db: Database, unit: String?, subtree: Bool = false, includeInactive: Bool) throws -> [Employee] {
        var sql = "SELECT \(employeeColumns) FROM employees"
        var clauses: [String] = []
        var arguments: [String] = []
        if let unit {
            if subtree {
                clauses.append(
                    """
                    unit_code IN (WITH RECURSIVE t(code) AS (SELECT ? UNION SELECT u.code FROM units u JOIN t ON u.parent_code = t.code) SELECT code FROM t)
                    """)
            } else {
                clauses.append("unit_code = ?")
            }
            arguments.append(unit)
        }
        if !includeInactive { clauses.append("active = 1") }
        if !clauses.isEmpty { sql += " WHERE " + clauses.joined(separator: " AND ") }
        sql += " ORDER BY unit_code, nip"
        return try employees(db, sql, arguments)
    }

    package static func subordinates(_ db: Database, of nip: String) throws -> [Employee] {
        try employees(db, "SELECT \(employeeColumns) FROM employees WHERE supervisor_nip = ? ORDER BY nip", [nip], cached: true)
    }

    package static func upsertEmployees(_ db: Database, _ employees: [Employee]) throws {
        // Whoever caches employees' standing (the daemon's actor check) sees the change once it is committed.
        db.afterNextTransaction { _ in EmployeesGeneration.bump() }
        if !employees.isEmpty { try TPPInputs.touch(db, .staff) }
        // Through the C API, several rows a statement (see `BulkInsert`).
        let insert = BulkInsert(
            db, table: "employees", columns: employeeColumns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) },
            onConflict: """
                ON CONFLICT(nip) DO UPDATE SET name = excluded.name, kind = excluded.kind, golongan = excluded.golongan,
                    jabatan = excluded.jabatan, jenis_jabatan = excluded.jenis_jabatan, jabatan_fungsional = excluded.jabatan_fungsional,
                    kelas_jabatan = excluded.kelas_jabatan, unit_code = excluded.unit_code, supervisor_nip = excluded.supervisor_nip,
                    email = excluded.email, phone = excluded.phone, active = excluded.active, cpns = excluded.cpns,
                    jabatan_since = excluded.jabatan_since
                """)
        for e in employees {
            insert.add(e.nip)
            insert.add(e.name)
            insert.add(e.kind.rawValue)
            insert.add(e.golongan)
            insert.add(e.jabatan)
            insert.add(e.jenisJabatan.rawValue)
            insert.add(e.jabatanFungsional?.rawValue ?? "")
            insert.add(e.kelasJabatan)
            insert.add(e.unitCode)
            insert.add(e.supervisorNIP)
            insert.add(e.email)
            insert.add(e.phone)
            insert.add(e.active ? 1 : 0)
            insert.add(e.cpns ? 1 : 0)
            insert.add(e.jabatanSince?.description)
            try insert.endRow()
        }
        try insert.flush()
    }
}
