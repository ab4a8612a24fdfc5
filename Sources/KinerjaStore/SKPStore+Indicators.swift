import Foundation
import GRDB
import KinerjaCore

extension IndicatorIndex {
    /// Reads the SKPs and indicators of `period` (annual), in two ordered scans of the primary keys.
    package init(_ db: Database, period: PeriodID) throws {
        try StagedImportStore.requireSettled(db)
        self.init()
        let p = period.description
        let skps = try BulkRead(db, sql: "SELECT nip, status FROM skp WHERE period_id = ? ORDER BY nip", arguments: [p])
        while try skps.next() {
            appendSKP(nip: skps.text(0), status: SKPStatus(rawValue: skps.text(1)) ?? .draft)
        }
        let rows = try BulkRead(
            db, sql: "SELECT nip, rhk_id, indicator_id, target_value IS NOT NULL FROM indicators WHERE period_id = ? ORDER BY nip, rhk_id, indicator_id",
            arguments: [p])
        var slot = -1
        while try rows.next() {
            if slot < 0 || !rows.text(0, equals: nips[slot]) {
                // Both scans are in the same key order, and every indicator belongs to an SKP: move forward to it.
                repeat { slot += 1 } while slot < nips.count && !rows.text(0, equals: nips[slot])
                guard slot < nips.count else { throw DatabaseError(message: "indicator of \(rows.text(0)) without an SKP in \(p)") }
            }
            appendIndicator(slot: slot, Entry(rhk: rows.text(1), indicator: rows.text(2), numeric: rows.int(3) != 0))
        }
    }
}
