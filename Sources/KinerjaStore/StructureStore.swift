import Foundation
import GRDB
import KinerjaCore

/// Acting officials (PLT / PLH) and the history of supervisor, unit and jabatan changes.
package enum StructureStore {
    // MARK: acting officials

    static func assignment(_ r: Row) -> ActingAssignment {
        ActingAssignment(
            id: r["id"], unitCode: r["unit_code"], nip: r["nip"], kind: ActingKind(rawValue: r["kind"]) ?? .plh,
            from: CivilDate(iso: r["from_date"]) ?? CivilDate(year: 2000, month: 1, day: 1)!,
            to: CivilDate(iso: r["to_date"]) ?? CivilDate(year: 2000, month: 1, day: 1)!, reason: r["reason"], createdBy: r["created_by"],
            endedBy: r["ended_by"], endedAt: r["ended_at"])
    }

    package static func addAssignment(_ db: Database, _ a: ActingAssignment, now: Date) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO acting_assignments(unit_code, nip, kind, from_date, to_date, reason, created_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [a.unitCode, a.nip, a.kind.rawValue, a.from.description, a.to.description, a.reason, a.createdBy, UTCTime.format(now)])
        return db.lastInsertedRowID
    }

    package static func assignment(_ db: Database, id: Int64) throws -> ActingAssignment? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM acting_assignments WHERE id = ?"), arguments: [id]).map(assignment)
    }

    /// One employee's assignments, newest first, read through the C API (on every GetEmployee, where most employees
    /// have none: GRDB's row cursor cost more than the read). The same rows as `assignments(db, nip:)`.
    package static func assignments(_ db: Database, of nip: String) throws -> [ActingAssignment] {
        let r = try BulkRead(
            db,
            sql: """
                SELECT id, unit_code, kind, from_date, to_date, reason, created_by, ended_by, ended_at FROM acting_assignments
                WHERE nip = ? ORDER BY from_date DESC, id DESC
                """, arguments: [nip], cached: true)
        var out: [ActingAssignment] = []
        while try r.next() {
            out.append(
                ActingAssignment(
                    id: Int64(r.int(0)), unitCode: r.text(1), nip: nip, kind: ActingKind(rawValue: r.text(2)) ?? .plh,
                    from: CivilDate(iso: r.text(3)) ?? CivilDate(year: 2000, month: 1, day: 1)!,
                    to: CivilDate(iso: r.text(4)) ?? CivilDate(year: 2000, month: 1, day: 1)!,
                    reason: r.text(5), createdBy: r.text(6), endedBy: r.text(7), endedAt: r.text(8)))
        }
        return out
    }

    /// Assignments, newest first; `unit`/`nip` narrow them, `on` keeps those covering that day.
    package static func assignments(_ db: Database, unit: String? = nil, nip: String? = nil, on day: CivilDate? = nil) throws -> [ActingAssignment] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let unit {
            clauses.append("unit_code = ?")
            arguments += [unit]
        }
        if let nip {
            clauses.append("nip = ?")
            arguments += [nip]
        }
        if let day {
            clauses.append("from_date <= ? AND to_date >= ?")
            arguments += [day.description, day.description]
        }
        let sql =
            "SELECT * FROM acting_assignments" + (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")) + " ORDER BY from_date DESC, id DESC"
        return try Row.fetchAll(db.cachedStatement(sql: sql), arguments: arguments).map(assignment)
    }

    /// The unit's assignments of `kind` whose days meet `from…to`.
    package static func overlapping(_ db: Database, unit: String, kind: ActingKind, from: CivilDate, to: CivilDate) throws -> [ActingAssignment] {
        try Row.fetchAll(
            db, sql: "SELECT * FROM acting_assignments WHERE unit_code = ? AND kind = ? AND from_date <= ? AND to_date >= ? ORDER BY from_date",
            arguments: [unit, kind.rawValue, to.description, from.description]
        ).map(assignment)
    }

    /// Ends an assignment on `day` (it no longer covers the days after).
    package static func endAssignment(_ db: Database, id: Int64, on day: CivilDate, by: String, now: Date) throws {
        try db.execute(
            sql: "UPDATE acting_assignments SET to_date = ?, ended_by = ?, ended_at = ? WHERE id = ?",
            arguments: [day.description, by, UTCTime.format(now), id])
    }

    /// Whether `actor` acts, on `day`, for the post that supervises `employee`: an assignment over a unit whose head
    /// is the employee's supervisor, or over the employee's unit when they have no supervisor (a vacant post).
    package static func actsAsSupervisor(_ db: Database, actor: String, of employee: Employee, on day: CivilDate) throws -> Bool {
        let units = try String.fetchAll(
            db, sql: "SELECT unit_code FROM acting_assignments WHERE nip = ? AND from_date <= ? AND to_date >= ?",
            arguments: [actor, day.description, day.description])
        guard !units.isEmpty else { return false }
        if let s = employee.supervisorNIP {
            let headed = try OrganisationStore.unitsHeaded(db, by: s)
            return units.contains { headed.contains($0) }
        }
        return units.contains(employee.unitCode)
    }

    /// The employees `actor` supervises as an acting official on `day` (the direct subordinates of the posts they
    /// stand in for), excluding themselves.
    package static func actingSubordinates(_ db: Database, actor: String, on day: CivilDate) throws -> [(employee: Employee, acting: ActingAssignment)] {
        let live = try assignments(db, nip: actor, on: day)
        var out: [String: (employee: Employee, acting: ActingAssignment)] = [:]
        for a in live {
            guard let unit = try OrganisationStore.unit(db, code: a.unitCode) else { continue }
            let people: [Employee]
            if let head = unit.headNIP {
                people = try OrganisationStore.subordinates(db, of: head)
            } else {
                people = try OrganisationStore.employees(
                    db, "SELECT \(OrganisationStore.employeeColumns) FROM employees WHERE unit_code = ? AND supervisor_nip IS NULL ORDER BY nip",
                    [a.unitCode])
            }
            for e in people where e.nip != actor && e.active && out[e.nip] == nil { out[e.nip] = (e, a) }
        }
        return out.values.sorted { $0.employee.nip < $1.employee.nip }
    }

    // MARK: history

    /// Records the state employees had before a change (the first one recorded for a day stands).
    package static func recordChanges(_ db: Database, _ changes: [EmployeeChange], now: Date) throws {
        guard !changes.isEmpty else { return }
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO employee_history(nip, changed_on, supervisor_nip, unit_code, jabatan, recorded_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(nip, changed_on) DO NOTHING
                """)
        let time = UTCTime.format(now)
        for c in changes {
            try statement.execute(arguments: [c.nip, c.on.description, c.supervisorNIP, c.unitCode, c.jabatan, time])
        }
    }

    static func change(_ r: Row) -> EmployeeChange? {
        guard let on = CivilDate(iso: r["changed_on"]) else { return nil }
        return EmployeeChange(nip: r["nip"], on: on, supervisorNIP: r["supervisor_nip"], unitCode: r["unit_code"], jabatan: r["jabatan"])
    }

    /// Read through the C API (on every GetEmployee, where most employees have none: GRDB's row cursor cost more than
    /// the read).
    package static func changes(_ db: Database, nip: String) throws -> [EmployeeChange] {
        let r = try BulkRead(
            db, sql: "SELECT changed_on, supervisor_nip, unit_code, jabatan FROM employee_history WHERE nip = ? ORDER BY changed_on", arguments: [nip],
            cached: true)
        var out: [EmployeeChange] = []
        while try r.next() {
            guard let on = CivilDate(iso: r.text(0)) else { continue }
            out.append(EmployeeChange(nip: nip, on: on, supervisorNIP: r.isNull(1) ? nil : r.text(1), unitCode: r.text(2), jabatan: r.text(3)))
        }
        return out
    }

    /// Every recorded change, by NIP (the assessor of everyone in a period).
    package static func allChanges(_ db: Database) throws -> [String: [EmployeeChange]] {
        var out: [String: [EmployeeChange]] = [:]
        for r in try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM employee_history ORDER BY nip, changed_on")) {
            if let c = change(r) { out[c.nip, default: []].append(c) }
        }
        return out
    }

    /// The last day a change of each employee took effect.
    package static func lastChanges(_ db: Database) throws -> [String: CivilDate] {
        var out: [String: CivilDate] = [:]
        for r in try Row.fetchAll(db.cachedStatement(sql: "SELECT nip, max(changed_on) FROM employee_history GROUP BY nip")) {
            if let d = CivilDate(iso: r[1]) { out[r[0]] = d }
        }
        return out
    }

    // MARK: assessors

    package struct Assessment: Sendable, Equatable {
        /// The supervisor in force on the period's last day (from the history), nil when none.
        package var supervisor: String?
        /// Who assesses: that supervisor, or the acting official standing in for them.
        package var assessor: String?
        package var acting: ActingAssignment?
    }

    /// The assessor of each employee in `employees` for a period ending on `day`: the supervisor in force that day,
    /// replaced by a PLT over the unit that supervisor heads; with no supervisor, a PLT or PLH over their unit.
    package static func assessments(_ db: Database, employees: [Employee], on day: CivilDate) throws -> [String: Assessment] {
        let changes = try allChanges(db)
        let live = try assignments(db, on: day)
        var headed: [String: [String]] = [:]
        for u in try OrganisationStore.units(db) { if let h = u.headNIP { headed[h, default: []].append(u.code) } }
        var out: [String: Assessment] = [:]
        for e in employees {
            out[e.nip] = assessment(of: e, history: changes[e.nip] ?? [], live: live, on: day) { headed[$0] ?? [] }
        }
        return out
    }

    /// `assessments` of one employee, reading only their own history and the units their supervisor then heads.
    package static func assessment(_ db: Database, of employee: Employee, on day: CivilDate) throws -> Assessment {
        try assessment(of: employee, history: changes(db, nip: employee.nip), live: assignments(db, on: day), on: day) {
            try OrganisationStore.unitsHeaded(db, by: $0)
        }
    }

    static func assessment(
        of e: Employee, history: [EmployeeChange], live: [ActingAssignment], on day: CivilDate, heads: (String) throws -> [String]
    ) rethrows -> Assessment {
        let supervisor = SupervisorHistory.supervisor(on: day, current: e.supervisorNIP, changes: history)
        let unit = SupervisorHistory.unit(on: day, current: e.unitCode, changes: history)
        let a = ActingRules.assessor(
            supervisor: supervisor, supervisorHeads: try supervisor.map(heads) ?? [], employeeUnit: unit, on: day, assignments: live)
        return Assessment(supervisor: supervisor, assessor: a?.nip, acting: a?.acting)
    }
}
