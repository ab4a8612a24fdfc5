import GRDB
import KinerjaCore

/// Counts about a period: how far its SKPs and realisasi are (what `period show` and `skp list` summarise).
package struct PeriodFacts: Sendable, Equatable {
    /// Active employees.
    package var active = 0
    /// Active employees' SKPs by status (draft, submitted, returned, approved) and `missing`.
    package var skp: [String: Int] = [:]
    /// Realisasi entries filled for the period by active employees.
    package var realisasiFilled = 0
    /// Indicators of approved SKPs of active employees: what the period's realisasi should cover.
    package var realisasiExpected = 0
}

extension PeriodStore {
    /// Active employees whose SKP for `annual` is approved.
    package static func approvedSKPs(_ db: Database, annual: PeriodID) throws -> Int {
        try StagedImportStore.requireSettled(db)
        return try Int.fetchOne(
            db, sql: "SELECT count(*) FROM skp s JOIN employees e ON e.nip = s.nip WHERE s.period_id = ? AND s.status = 'approved' AND e.active = 1",
            arguments: [annual.description]) ?? 0
    }

    /// The facts of period `id` (its SKPs are those of its annual period).
    package static func facts(_ db: Database, _ id: PeriodID) throws -> PeriodFacts {
        try StagedImportStore.requireSettled(db)
        var c = PeriodFacts()
        c.active = try OrganisationStore.activeNIPs(db).count
        for status in SKPStatus.allCases { c.skp[status.rawValue] = 0 }
        for row in try Row.fetchAll(
            db, sql: "SELECT s.status, count(*) FROM skp s JOIN employees e ON e.nip = s.nip WHERE s.period_id = ? AND e.active = 1 GROUP BY s.status",
            arguments: [id.annual.description])
        {
            c.skp[row[0]] = row[1]
        }
        c.skp["missing"] = max(0, c.active - c.skp.values.reduce(0, +))
        c.realisasiExpected =
            try Int.fetchOne(
                db,
                sql: """
                    SELECT count(*) FROM indicators i JOIN skp s ON s.period_id = i.period_id AND s.nip = i.nip
                    JOIN employees e ON e.nip = i.nip WHERE i.period_id = ? AND s.status = 'approved' AND e.active = 1
                    """, arguments: [id.annual.description]) ?? 0
        c.realisasiFilled =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM realisasi r JOIN employees e ON e.nip = r.nip WHERE r.period_id = ? AND e.active = 1",
                arguments: [id.description]) ?? 0
        return c
    }
}
