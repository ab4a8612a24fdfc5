import Foundation
import GRDB
import KinerjaCore

/// Every SKP of an annual period with its indicators, employees in key order and each employee's indicators
/// together: what a bulk realisasi import checks each row against, with one hash entry per employee rather than
/// one per indicator.
public struct IndicatorIndex: Sendable {
    public struct Entry: Sendable {
        public var rhk: String
        public var indicator: String
        /// The indicator has a numeric target (realisasi needs a number).
        public var numeric: Bool
    }

    /// Employees with an SKP in the period, in the database's key order.
    public private(set) var nips: [String] = []
    /// Each employee's SKP status (same order as `nips`).
    public private(set) var statuses: [SKPStatus] = []
    /// Each employee's indicators: a range of `entries`, in key order (RHK id, indicator id).
    public private(set) var ranges: [Range<Int>] = []
    public private(set) var entries: [Entry] = []
    private var slots: [String: Int] = [:]

    /// The employee's position in `nips`, when they have an SKP.
    public func slot(of nip: String) -> Int? { slots[nip] }

    /// The position in `entries` of an employee's indicator.
    public func entry(slot: Int, rhk: String, indicator: String) -> Int? {
        for k in ranges[slot] where entries[k].indicator == indicator && entries[k].rhk == rhk { return k }
        return nil
    }

    /// Reads the SKPs and indicators of `period` (annual), in two ordered scans of the primary keys.
    public init(_ db: Database, period: PeriodID) throws {
        try SKPStore.requireSettled(db)
        let p = period.description
        let skps = try BulkRead(db, sql: "SELECT nip, status FROM skp WHERE period_id = ? ORDER BY nip", arguments: [p])
        while try skps.next() {
            slots[skps.text(0)] = nips.count
            nips.append(skps.text(0))
            statuses.append(SKPStatus(rawValue: skps.text(1)) ?? .draft)
        }
        ranges = Array(repeating: 0..<0, count: nips.count)
        let rows = try BulkRead(
            db, sql: "SELECT nip, rhk_id, indicator_id, target_value IS NOT NULL FROM indicators WHERE period_id = ? ORDER BY nip, rhk_id, indicator_id",
            arguments: [p])
        var slot = -1
        while try rows.next() {
            if slot < 0 || !rows.text(0, equals: nips[slot]) {
                // Both scans are in the same key order, and every indicator belongs to an SKP: move forward to it.
                repeat { slot += 1 } while slot < nips.count && !rows.text(0, equals: nips[slot])
                guard slot < nips.count else { throw DatabaseError(message: "indicator of \(rows.text(0)) without an SKP in \(p)") }
                ranges[slot] = entries.count..<entries.count
            }
            entries.append(Entry(rhk: rows.text(1), indicator: rows.text(2), numeric: rows.int(3) != 0))
            ranges[slot] = ranges[slot].lowerBound..<entries.count
        }
    }
}
