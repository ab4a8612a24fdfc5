import Foundation
import GRDB
import KinerjaCore

/// TPP months, results, bases, attendance and per-employee overrides (`tpp_*`, `attendance`, `employees.tpp_override_rupiah`).
package enum TPPStore {
    // MARK: months

    /// True when the month's TPP is locked (a month never computed is not).
    package static func isLocked(_ db: Database, month: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT locked FROM tpp_months WHERE month = ?"), arguments: [month]) ?? false
    }

    /// When the month was computed (UTC text), nil when it never was.
    package static func computedAt(_ db: Database, month: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT computed_at FROM tpp_months WHERE month = ?"), arguments: [month])
    }

    /// The TPP numbers in force when the month was computed ('' when not kept).
    package static func policySnapshot(_ db: Database, month: String) throws -> String {
        try String.fetchOne(db.cachedStatement(sql: "SELECT policy FROM tpp_months WHERE month = ?"), arguments: [month]) ?? ""
    }

    package static func setLocked(_ db: Database, month: String, _ locked: Bool, by: String, now: Date) throws {
        try db.execute(
            sql: "UPDATE tpp_months SET locked = ?, locked_at = ?, locked_by = ? WHERE month = ?",
            arguments: [locked, UTCTime.format(now), by, month])
    }

    // MARK: bases

    /// Adds or replaces the base amount of each kelas jabatan.
    package static func saveBases(_ db: Database, _ bases: [(kelas: Int, rupiah: Int64)]) throws {
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO tpp_base(kelas_jabatan, base_rupiah) VALUES (?, ?) ON CONFLICT(kelas_jabatan) DO UPDATE SET base_rupiah = excluded.base_rupiah
                """)
        for b in bases { try statement.execute(arguments: [b.kelas, b.rupiah]) }
    }

    // MARK: attendance

    /// The month's attendance by NIP.
    package static func attendance(_ db: Database, month: String) throws -> [String: Attendance] {
        var out: [String: Attendance] = [:]
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT nip, tl1, tl2, tl3, tl4, psw1, psw2, psw3, psw4, tk, sanction_percent FROM attendance WHERE month = ?
                """, arguments: [month])
        while let r = try rows.next() { out[r[0]] = attendance(r, from: 1) }
        return out
    }

    /// The counts `tl1, tl2, tl3, tl4, psw1, psw2, psw3, psw4, tk, sanction_percent` at columns `from`… of `r`, read wide:
    /// a count stored before the bounds cannot trap (callers clamp where they narrow).
    static func attendance(_ r: Row, from first: Int) -> Attendance {
        func c(_ i: Int) -> Int { Int(clamping: (r[first + i] as Int64?) ?? 0) }
        return Attendance(tl1: c(0), tl2: c(1), tl3: c(2), tl4: c(3), psw1: c(4), psw2: c(5), psw3: c(6), psw4: c(7), tk: c(8), sanctionPercent: c(9))
    }

    /// Adds or replaces the month's attendance of each NIP.
    package static func saveAttendance(_ db: Database, month: String, _ rows: [(nip: String, attendance: Attendance)]) throws {
        // Through the C API, several rows a statement (see `BulkInsert`).
        let insert = BulkInsert(
            db, table: "attendance",
            columns: ["month", "nip", "tl1", "tl2", "tl3", "tl4", "psw1", "psw2", "psw3", "psw4", "tk", "sanction_percent"],
            onConflict: """
                ON CONFLICT(month, nip) DO UPDATE SET tl1 = excluded.tl1, tl2 = excluded.tl2, tl3 = excluded.tl3, tl4 = excluded.tl4,
                    psw1 = excluded.psw1, psw2 = excluded.psw2, psw3 = excluded.psw3, psw4 = excluded.psw4, tk = excluded.tk,
                    sanction_percent = excluded.sanction_percent
                """)
        for (nip, a) in rows {
            insert.add(month)
            insert.add(nip)
            for count in [a.tl1, a.tl2, a.tl3, a.tl4, a.psw1, a.psw2, a.psw3, a.psw4, a.tk, a.sanctionPercent] { insert.add(count) }
            try insert.endRow()
        }
        try insert.flush()
    }

    // MARK: staff

    /// One active employee as a TPP computation sees them.
    package struct Staff: Sendable, Equatable {
        package var nip: String, name: String, unitCode: String, golongan: String, kelasJabatan: Int, kind: String
        /// The employee's own base (`tpp override`), when set.
        package var override: Int64?
        package var cpns = false
    }

    /// What `tpp compute` reads of one active employee.
    package struct ComputationInput: Sendable {
        package var staff: Staff
        /// The predikat of the period asked for; empty when none (or no period was asked for).
        package var predikat: String
        /// The month's attendance, nil when none was imported.
        package var attendance: Attendance?
        /// Minutes of activity logged in the days asked for.
        package var activityMinutes: Int64
    }

    /// The number of active employees (what `forEachComputationInput` visits).
    package static func activeStaffCount(_ db: Database) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM employees WHERE active = 1")) ?? 0
    }

    /// Each active employee, by unit then NIP, with their predikat of `predikatPeriod`, their attendance of `month`
    /// and the minutes of activity they logged from `activityFrom.0` through `activityFrom.1`, in one query: the
    /// month's inputs are never held as maps beside the staff (for 100,000 employees those maps were 50 MB).
    package static func forEachComputationInput(
        _ db: Database, month: String, predikatPeriod: String?, activityFrom: (CivilDate, CivilDate)?, _ body: (ComputationInput) throws -> Void
    ) throws {
        let rows = try Row.fetchCursor(
            db,
            sql: """
                SELECT e.nip, e.name, e.unit_code, e.golongan, e.kelas_jabatan, e.kind, e.tpp_override_rupiah, e.cpns, coalesce(r.predikat, ''),
                    a.nip IS NOT NULL, a.tl1, a.tl2, a.tl3, a.tl4, a.psw1, a.psw2, a.psw3, a.psw4, a.tk, a.sanction_percent,
                    CASE WHEN ? IS NULL THEN 0 ELSE (SELECT coalesce(sum(minutes), 0) FROM activities WHERE nip = e.nip AND date >= ? AND date <= ?) END
                FROM employees e
                LEFT JOIN ratings r ON r.period_id = ? AND r.nip = e.nip
                LEFT JOIN attendance a ON a.month = ? AND a.nip = e.nip
                WHERE e.active = 1 ORDER BY e.unit_code, e.nip
                """,
            arguments: [
                activityFrom?.0.description, activityFrom?.0.description, activityFrom?.1.description, predikatPeriod, month,
            ])
        while let r = try rows.next() {
            try body(
                ComputationInput(
                    staff: Staff(nip: r[0], name: r[1], unitCode: r[2], golongan: r[3], kelasJabatan: r[4], kind: r[5], override: r[6], cpns: r[7]),
                    predikat: r[8], attendance: r[9] ? attendance(r, from: 10) : nil, activityMinutes: r[20]))
        }
    }

    /// The employee's own base, nil when none is set.
    package static func override(_ db: Database, nip: String) throws -> Int64? {
        try Int64?.fetchOne(db.cachedStatement(sql: "SELECT tpp_override_rupiah FROM employees WHERE nip = ?"), arguments: [nip]) ?? nil
    }

    /// Sets (or with nil clears) the employee's own base.
    package static func setOverride(_ db: Database, nip: String, _ rupiah: Int64?) throws {
        try db.execute(sql: "UPDATE employees SET tpp_override_rupiah = ? WHERE nip = ?", arguments: [rupiah, nip])
    }

    /// Employees with their own base, by unit then NIP.
    package static func overrides(_ db: Database) throws -> [(nip: String, name: String, unitCode: String, rupiah: Int64)] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT nip, name, unit_code, tpp_override_rupiah FROM employees WHERE tpp_override_rupiah IS NOT NULL ORDER BY unit_code, nip
                """
        ).map { ($0[0], $0[1], $0[2], $0[3]) }
    }

    // MARK: results

    /// One employee's computed TPP for a month, with the inputs it used.
    package struct Result: Sendable, Equatable {
        package var nip = "", name = "", unitCode = "", golongan = ""
        package var kelasJabatan = 0
        package var base: Int64 = 0
        package var baseSource = "", predikat = "", predikatPeriod = ""
        package var kinerja: Int64 = 0, disiplin: Int64 = 0
        package var deductionsPercent = ""
        package var sanctionPercent = 0
        package var gross: Int64 = 0, tax: Int64 = 0
        package var taxPercent = 0
        package var net: Int64 = 0
        package var bpjs: Int64 = 0
        package var taxBorne = false
        package var cpns = false
        package var blocked = false
        package var blockedReason = ""
        /// One step per line.
        package var steps = ""
        package var handledBy = "", kind = ""
        /// `Attendance.compact` of the counts used.
        package var attendance = ""

        package init() {}

        /// The columns `init(row:)` reads, in its order (by position: 100,000 rows looked up by name cost a tenth of an
        /// export); `saveComputation` writes them after the month.
        package static let columnNames = [
            "nip", "name", "unit_code", "golongan", "kelas_jabatan", "base", "base_source", "predikat", "predikat_period", "kinerja", "disiplin",
            "deductions_percent", "sanction_percent", "gross", "tax", "tax_percent", "net", "blocked", "blocked_reason", "steps", "handled_by", "kind",
            "attendance", "bpjs", "tax_borne", "cpns",
        ]
        /// `columnNames` as a select list.
        package static let columns = columnNames.joined(separator: ", ")
        /// How many columns that is (a query may select more after them).
        package static var columnCount: Int { columnNames.count }

        init(row r: Row) {
            nip = r[0]
            name = r[1]
            unitCode = r[2]
            golongan = r[3]
            kelasJabatan = r[4]
            base = r[5]
            baseSource = r[6]
            predikat = r[7]
            predikatPeriod = r[8]
            kinerja = r[9]
            disiplin = r[10]
            deductionsPercent = r[11]
            sanctionPercent = r[12]
            gross = r[13]
            tax = r[14]
            taxPercent = r[15]
            net = r[16]
            blocked = r[17]
            blockedReason = r[18]
            steps = r[19]
            handledBy = r[20]
            kind = r[21]
            attendance = r[22]
            bpjs = r[23]
            taxBorne = r[24]
            cpns = r[25]
        }
    }

    /// Replaces the month's results and records the computation (when, the numbers in force, the input versions).
    package static func saveComputation(_ db: Database, month: String, _ results: [Result], policy: String, inputs: String, now: Date) throws {
        try db.execute(sql: "DELETE FROM tpp_results WHERE month = ?", arguments: [month])
        // Through the C API, several rows a statement: 100,000 rows of GRDB argument arrays cost more than SQLite's work.
        let insert = BulkInsert(db, table: "tpp_results", columns: ["month"] + Result.columnNames)
        for r in results {
            insert.add(month)
            insert.add(r.nip)
            insert.add(r.name)
            insert.add(r.unitCode)
            insert.add(r.golongan)
            insert.add(r.kelasJabatan)
            insert.add(Int(r.base))
            insert.add(r.baseSource)
            insert.add(r.predikat)
            insert.add(r.predikatPeriod)
            insert.add(Int(r.kinerja))
            insert.add(Int(r.disiplin))
            insert.add(r.deductionsPercent)
            insert.add(r.sanctionPercent)
            insert.add(Int(r.gross))
            insert.add(Int(r.tax))
            insert.add(r.taxPercent)
            insert.add(Int(r.net))
            insert.add(r.blocked ? 1 : 0)
            insert.add(r.blockedReason)
            insert.add(r.steps)
            insert.add(r.handledBy)
            insert.add(r.kind)
            insert.add(r.attendance)
            insert.add(Int(r.bpjs))
            insert.add(r.taxBorne ? 1 : 0)
            insert.add(r.cpns ? 1 : 0)
            try insert.endRow()
        }
        try insert.flush()
        try db.execute(
            sql: """
                INSERT INTO tpp_months(month, computed_at, policy, inputs) VALUES (?, ?, ?, ?)
                ON CONFLICT(month) DO UPDATE SET computed_at = excluded.computed_at, policy = excluded.policy, inputs = excluded.inputs
                """, arguments: [month, UTCTime.format(now), policy, inputs])
    }

    /// One employee's result for the month, nil when none is computed.
    package static func result(_ db: Database, month: String, nip: String) throws -> Result? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT \(Result.columns) FROM tpp_results WHERE month = ? AND nip = ?"), arguments: [month, nip]).map(
            Result.init(row:))
    }

    /// Calls `body` with each of the month's results, by unit then NIP (a cursor: the month is never held whole as rows).
    package static func forEachResult(_ db: Database, month: String, _ body: (Result) throws -> Void) throws {
        let rows = try Row.fetchCursor(
            db, sql: "SELECT \(Result.columns) FROM tpp_results WHERE month = ? ORDER BY unit_code, nip", arguments: [month])
        while let r = try rows.next() { try body(Result(row: r)) }
    }

    // MARK: sanctions

    /// A disciplinary sanction cutting TPP by `percent` for `months` months from `from`.
    package struct Sanction: Sendable, Equatable {
        package var id: Int64 = 0
        package var nip: String
        package var percent: Int
        package var from: YearMonth
        package var months: Int
        package var reason: String
        package var createdBy = ""
        package var createdAt = ""

        package init(id: Int64 = 0, nip: String, percent: Int, from: YearMonth, months: Int, reason: String, createdBy: String = "", createdAt: String = "") {
            self.id = id
            self.nip = nip
            self.percent = percent
            self.from = from
            self.months = months
            self.reason = reason
            self.createdBy = createdBy
            self.createdAt = createdAt
        }

        /// The months it applies to, first to last.
        package var range: [YearMonth] { (0..<max(0, months)).compactMap { from.adding(months: $0) } }
        package func covers(_ month: YearMonth) -> Bool { range.contains(month) }
    }

    package static func addSanction(_ db: Database, _ s: Sanction, now: Date) throws -> Int64 {
        try db.execute(
            sql: "INSERT INTO tpp_sanctions(nip, percent, from_month, months, reason, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            arguments: [s.nip, s.percent, s.from.description, s.months, s.reason, s.createdBy, UTCTime.format(now)])
        let id = db.lastInsertedRowID
        try TPPInputs.touch(db, .sanctions)
        return id
    }

    static func sanction(_ r: Row) -> Sanction? {
        guard let from = YearMonth(r["from_month"] as String) else { return nil }
        return Sanction(
            id: r["id"], nip: r["nip"], percent: r["percent"], from: from, months: r["months"], reason: r["reason"], createdBy: r["created_by"],
            createdAt: r["created_at"])
    }

    /// Sanctions, one employee's or everyone's, oldest first.
    package static func sanctions(_ db: Database, nip: String? = nil) throws -> [Sanction] {
        let rows =
            try nip.map { try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM tpp_sanctions WHERE nip = ? ORDER BY id"), arguments: [$0]) }
            ?? Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM tpp_sanctions ORDER BY id"))
        return rows.compactMap(sanction)
    }

    /// The highest sanction percentage in force in `month`, by NIP.
    package static func sanctionPercents(_ db: Database, month: YearMonth) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for s in try sanctions(db) where s.covers(month) { out[s.nip] = max(out[s.nip] ?? 0, s.percent) }
        return out
    }

    /// Locked months among `months`.
    package static func lockedMonths(_ db: Database, among months: [YearMonth]) throws -> [YearMonth] {
        try months.filter { try isLocked(db, month: $0.description) }
    }
}
