import Foundation
import GRDB
import KinerjaCore

/// A stored period.
package struct PeriodRecord: Sendable, Equatable {
    package var id: PeriodID
    package var parentID: PeriodID?
    package var periodicity: Periodicity
    package var state: PeriodState
    package var deadline: CivilDate
    package var skpDeadline: CivilDate?

    package var start: CivilDate { id.dates.start }
    package var end: CivilDate { id.dates.end }
}

package enum PeriodStore {
    static func record(_ row: Row) -> PeriodRecord? {
        guard let id = try? PeriodID(row["id"] as String) else { return nil }
        return PeriodRecord(
            id: id, parentID: (row["parent_id"] as String?).flatMap { try? PeriodID($0) },
            periodicity: Periodicity(rawValue: row["periodicity"]) ?? .none, state: PeriodState(rawValue: row["state"]) ?? .draft,
            deadline: CivilDate(iso: row["deadline"]) ?? id.defaultDeadline, skpDeadline: (row["skp_deadline"] as String?).flatMap(CivilDate.init(iso:)))
    }

    package static func all(_ db: Database) throws -> [PeriodRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM periods")).compactMap(record).sorted { $0.id < $1.id }
    }

    package static func find(_ db: Database, _ id: PeriodID) throws -> PeriodRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM periods WHERE id = ?"), arguments: [id.description]).flatMap(record)
    }

    /// The period, or NOT_FOUND naming it.
    package static func require(_ db: Database, _ id: PeriodID) throws -> PeriodRecord {
        guard let p = try find(db, id) else { throw StoreError.noSuchPeriod(id) }
        return p
    }

    package static func children(_ db: Database, of id: PeriodID) throws -> [PeriodRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM periods WHERE parent_id = ?"), arguments: [id.description]).compactMap(record).sorted {
            $0.id < $1.id
        }
    }

    /// Creates an annual period and its periodic children, all in `draft`.
    package static func create(_ db: Database, year: Int, periodicity: Periodicity, now: Date) throws -> [PeriodRecord] {
        let annual = PeriodID(year: year, kind: .annual, index: 0)
        if try find(db, annual) != nil {
            throw StoreError.failedPrecondition("period \(annual) already exists", item: .period(annual))
        }
        var made: [PeriodRecord] = [
            PeriodRecord(
                id: annual, parentID: nil, periodicity: periodicity, state: .draft, deadline: annual.defaultDeadline, skpDeadline: annual.defaultSKPDeadline)
        ]
        for child in PeriodID.children(of: year, periodicity) {
            made.append(PeriodRecord(id: child, parentID: annual, periodicity: .none, state: .draft, deadline: child.defaultDeadline, skpDeadline: nil))
        }
        let statement = try db.makeStatement(
            sql: """
                INSERT INTO periods(id, kind, year, parent_id, periodicity, state, start_date, end_date, deadline, skp_deadline, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for p in made {
            try statement.execute(arguments: [
                p.id.description, p.id.kind.rawValue, p.id.year, p.parentID?.description, p.periodicity.rawValue, p.state.rawValue,
                p.start.description, p.end.description, p.deadline.description, p.skpDeadline?.description, UTCTime.format(now),
            ])
        }
        return made
    }

    package static func setState(_ db: Database, _ id: PeriodID, _ state: PeriodState) throws {
        try db.execute(sql: "UPDATE periods SET state = ? WHERE id = ?", arguments: [state.rawValue, id.description])
        try TPPInputs.touch(db, .periodState(id.description))
    }

    package static func setDeadline(_ db: Database, _ id: PeriodID, deadline: CivilDate?, skpDeadline: CivilDate?) throws {
        if let deadline { try db.execute(sql: "UPDATE periods SET deadline = ? WHERE id = ?", arguments: [deadline.description, id.description]) }
        if let skpDeadline { try db.execute(sql: "UPDATE periods SET skp_deadline = ? WHERE id = ?", arguments: [skpDeadline.description, id.description]) }
    }

    /// Refuses any write that touches a closed period (the period itself or its annual parent's SKP).
    /// The period exists and accepts ratings (running or in assessment).
    package static func requireRatable(_ db: Database, _ id: PeriodID) throws {
        let p = try require(db, id)
        if let why = AppraisalWindow.ratingRefusal(period: id.description, state: p.state) { throw StoreError.failedPrecondition(why, item: .period(id)) }
    }

    package static func requireOpen(_ db: Database, _ id: PeriodID, action: String) throws {
        let p = try require(db, id)
        if p.state == .closed {
            throw StoreError.failedPrecondition(
                "period \(id) is closed: \(action) is not allowed (an admin can `period reopen \(id)`)", item: .period(id))
        }
    }
}
