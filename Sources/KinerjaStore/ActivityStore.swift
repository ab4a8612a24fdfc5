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
