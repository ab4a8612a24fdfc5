import Foundation
import GRDB
import KinerjaCore

/// The daily activity log.
package enum ActivityStore {
    /// One logged activity (an employee's day may hold several, one per description).
    package struct Entry: Sendable, Equatable {
        package var nip: String
        package var date: CivilDate
        package var description: String
        package var rhk: String
        package var minutes: Int
        package var evidence: String
        package init(nip: String, date: CivilDate, description: String, rhk: String, minutes: Int, evidence: String) {
            self.nip = nip
            self.date = date
            self.description = description
            self.rhk = rhk
            self.minutes = minutes
            self.evidence = evidence
        }
    }

    /// Adds or replaces (same employee, day and description) each entry, and marks the months' TPP inputs changed.
    package static func save(_ db: Database, _ entries: [Entry], now: Date) throws {
        let time = UTCTime.format(now)
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO activities(nip, date, description, rhk_id, minutes, evidence, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(nip, date, description) DO UPDATE SET rhk_id = excluded.rhk_id, minutes = excluded.minutes, evidence = excluded.evidence
                """)
        for r in entries {
            try statement.execute(arguments: [r.nip, r.date.description, r.description, r.rhk, r.minutes, r.evidence, time])
        }
        try TPPInputs.touch(db, entries.map { .activities(month: String($0.date.description.prefix(7))) })
    }

    /// One stored activity with its row id.
    package struct Stored: Sendable, Equatable {
        package var id: Int64
        package var entry: Entry
        package init(id: Int64, entry: Entry) {
            self.id = id
            self.entry = entry
        }
    }

    /// The employee's activities from `from` to `to` (inclusive; nil: unbounded), by day then as logged.
    package static func list(_ db: Database, nip: String, from: String?, to: String?) throws -> [Stored] {
        try Row.fetchAll(
            db, sql: "SELECT id, nip, date, description, rhk_id, minutes, evidence FROM activities WHERE nip = ? AND date >= ? AND date <= ? ORDER BY date, id",
            arguments: [nip, from ?? "0000-00-00", to ?? "9999-99-99"]
        ).compactMap { r in
            // A stored date is always valid (it was checked on the way in); a row that is not is skipped, not trapped on.
            guard let date = CivilDate(iso: r[2] as String) else { return nil }
            return Stored(id: r[0], entry: Entry(nip: r[1], date: date, description: r[3], rhk: r[4], minutes: r[5], evidence: r[6]))
        }
    }

    /// Stored minutes per `nip|date`, by description, for the days in `dates`.
    package static func minutes(_ db: Database, dates: Set<String>) throws -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        let list = Array(dates)
        for start in stride(from: 0, to: list.count, by: 500) {
            let chunk = Array(list[start..<min(start + 500, list.count)])
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT nip, date, description, minutes FROM activities WHERE date IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: StatementArguments(chunk))
            while let r = try cursor.next() {
                let key = "\(r[0] as String)|\(r[1] as String)"
                out[key, default: [:]][r[2]] = r[3]
            }
        }
        return out
    }

    /// Logged minutes per NIP from `from` through `through` (both days included).
    package static func minutesByNIP(_ db: Database, from: CivilDate, through: CivilDate) throws -> [String: Int64] {
        var out: [String: Int64] = [:]
        for r in try Row.fetchAll(
            db, sql: "SELECT nip, sum(minutes) FROM activities WHERE date >= ? AND date <= ? GROUP BY nip",
            arguments: [from.description, through.description])
        {
            out[r[0]] = r[1]
        }
        return out
    }
}

extension ActivityStore {
    /// One logged activity by id, nil when there is none.
    package static func find(_ db: Database, id: Int64) throws -> Stored? {
        guard
            let r = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT id, nip, date, description, rhk_id, minutes, evidence FROM activities WHERE id = ?"), arguments: [id]),
            let date = CivilDate(iso: r[2] as String)
        else { return nil }
        return Stored(id: r[0], entry: Entry(nip: r[1], date: date, description: r[3], rhk: r[4], minutes: r[5], evidence: r[6]))
    }

    /// The id of the employee's activity of `date` with `description`, nil when there is none.
    package static func id(_ db: Database, nip: String, date: CivilDate, description: String) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT id FROM activities WHERE nip = ? AND date = ? AND description = ?", arguments: [nip, date.description, description])
    }

    /// Minutes the employee logged on `date`, by activity id.
    package static func minutesOfDay(_ db: Database, nip: String, date: CivilDate) throws -> [Int64: Int] {
        var out: [Int64: Int] = [:]
        for r in try Row.fetchAll(db.cachedStatement(sql: "SELECT id, minutes FROM activities WHERE nip = ? AND date = ?"), arguments: [nip, date.description])
        {
            out[r[0]] = r[1]
        }
        return out
    }

    /// Replaces the activity `id` with `entry` (the months' TPP inputs of the old and new day are marked changed).
    package static func update(_ db: Database, id: Int64, _ entry: Entry, now: Date) throws {
        let old = try find(db, id: id)
        try db.execute(
            sql: "UPDATE activities SET date = ?, description = ?, rhk_id = ?, minutes = ?, evidence = ? WHERE id = ?",
            arguments: [entry.date.description, entry.description, entry.rhk, entry.minutes, entry.evidence, id])
        let months = [entry.date, old?.entry.date].compactMap { $0 }.map { String($0.description.prefix(7)) }
        try TPPInputs.touch(db, Set(months).map { .activities(month: $0) })
    }

    /// Removes the activity `id`; false when there was none.
    package static func delete(_ db: Database, id: Int64) throws -> Bool {
        guard let old = try find(db, id: id) else { return false }
        try db.execute(sql: "DELETE FROM activities WHERE id = ?", arguments: [id])
        try TPPInputs.touch(db, .activities(month: String(old.entry.date.description.prefix(7))))
        return true
    }
}

extension SKPStore {
    /// Whether the employee's SKP for `period` (annual) has RHK `rhk`.
    package static func hasRHK(_ db: Database, nip: String, period: PeriodID, rhk: String) throws -> Bool {
        try StagedImportStore.requireSettled(db)
        return try Bool.fetchOne(
            db, sql: "SELECT EXISTS (SELECT 1 FROM rhk WHERE period_id = ? AND nip = ? AND rhk_id = ?)", arguments: [period.description, nip, rhk]) ?? false
    }
}
