import Foundation
import GRDB
import KinerjaCore

extension RealisasiStore {
    /// The employee's realisasi for one period, in RHK and indicator order of the key.
    package static func list(_ db: Database, nip: String, period: PeriodID) throws -> [(entry: StoredRealisasi, updatedAt: String)] {
        try StagedImportStore.requireSettled(db)
        return try Row.fetchAll(
            db,
            sql: """
                SELECT period_id, nip, rhk_id, indicator_id, value, text, evidence, note, updated_at FROM realisasi
                WHERE period_id = ? AND nip = ? ORDER BY rhk_id, indicator_id
                """, arguments: [period.description, nip]
        ).map {
            (StoredRealisasi(period: $0[0], nip: $0[1], rhk: $0[2], indicator: $0[3], value: $0[4], text: $0[5], evidence: $0[6], note: $0[7]), $0[8])
        }
    }

    /// Removes one realisasi; false when there was none.
    package static func delete(_ db: Database, nip: String, period: PeriodID, rhk: String, indicator: String) throws -> Bool {
        try StagedImportStore.requireSettled(db)
        try db.execute(
            sql: "DELETE FROM realisasi WHERE period_id = ? AND nip = ? AND rhk_id = ? AND indicator_id = ?",
            arguments: [period.description, nip, rhk, indicator])
        return db.changesCount > 0
    }
}

extension SKPStore {
    /// The status of one employee's SKP for an annual period, nil when they have none.
    package static func status(_ db: Database, nip: String, period: PeriodID) throws -> SKPStatus? {
        try StagedImportStore.requireSettled(db)
        return try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM skp WHERE period_id = ? AND nip = ?"), arguments: [period.description, nip])
            .flatMap(SKPStatus.init(rawValue:))
    }

    /// Whether indicator `rhk`/`indicator` of the employee's SKP for `period` (annual) has a numeric target; nil when
    /// the SKP has no such indicator.
    package static func indicatorIsNumeric(_ db: Database, nip: String, period: PeriodID, rhk: String, indicator: String) throws -> Bool? {
        try StagedImportStore.requireSettled(db)
        return try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT target_value IS NOT NULL FROM indicators WHERE period_id = ? AND nip = ? AND rhk_id = ? AND indicator_id = ?"),
            arguments: [period.description, nip, rhk, indicator])
    }

    /// The supervisor's umpan balik on the employee's RHK for one period, by RHK.
    package static func rhkFeedback(_ db: Database, nip: String, period: PeriodID) throws -> [(rhk: String, text: String, by: String, updatedAt: String)] {
        try Row.fetchAll(
            db, sql: "SELECT rhk_id, text, by_nip, updated_at FROM rhk_feedback WHERE period_id = ? AND nip = ? ORDER BY rhk_id",
            arguments: [period.description, nip]
        ).map { ($0[0], $0[1], $0[2], $0[3]) }
    }
}

extension PeriodStore {
    /// An admin's extension of `period`'s batas pengisian for one employee.
    package struct Extension: Sendable, Equatable {
        package var until: CivilDate
        package var reason: String
    }

    package static func deadlineExtension(_ db: Database, period: PeriodID, nip: String) throws -> Extension? {
        guard
            let r = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT until, reason FROM deadline_extensions WHERE period_id = ? AND nip = ?"), arguments: [period.description, nip]),
            let until = CivilDate(iso: r[0])
        else { return nil }
        return Extension(until: until, reason: r[1])
    }

    /// Sets (or replaces) the extension for one employee.
    package static func extendDeadline(_ db: Database, period: PeriodID, nip: String, until: CivilDate, reason: String, byUID: Int64, now: Date) throws {
        try db.execute(
            sql: """
                INSERT INTO deadline_extensions(period_id, nip, until, reason, by_uid, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(period_id, nip) DO UPDATE SET until = excluded.until, reason = excluded.reason, by_uid = excluded.by_uid,
                    created_at = excluded.created_at
                """, arguments: [period.description, nip, until.description, reason, byUID, UTCTime.format(now)])
    }
}
