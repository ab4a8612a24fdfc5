import Foundation
import GRDB
import KinerjaCore

/// Realisasi: what each employee reports against an indicator of their SKP, per period.
package enum RealisasiStore {
    /// One realisasi to write.
    package struct Entry: Sendable, Equatable {
        package var period: String
        /// The annual period whose SKP holds the indicator.
        package var annual: String
        package var nip: String, rhk: String, indicator: String
        package var value: Double?
        package var text: String, evidence: String, note: String

        package init(period: String, annual: String, nip: String, rhk: String, indicator: String, value: Double?, text: String, evidence: String, note: String)
        {
            self.period = period
            self.annual = annual
            self.nip = nip
            self.rhk = rhk
            self.indicator = indicator
            self.value = value
            self.text = text
            self.evidence = evidence
            self.note = note
        }
    }

    /// Adds or replaces each entry. Entries in key order (period, NIP, RHK, indicator) keep the B-tree inserts local.
    package static func save(_ db: Database, _ entries: some Sequence<Entry>, now: Date) throws {
        try StagedImportStore.requireSettled(db)
        try write(db, entries, now: now, staging: false)
    }

    /// Stages entries for a staged apply (see `StagedImportStore`): nothing anyone reads changes.
    package static func stage(_ db: Database, _ entries: some Sequence<Entry>, now: Date) throws {
        try write(db, entries, now: now, staging: true)
    }

    static func write(_ db: Database, _ entries: some Sequence<Entry>, now: Date, staging: Bool) throws {
        let time = UTCTime.format(now)
        let columns = ["period_id", "skp_period_id", "nip", "rhk_id", "indicator_id", "value", "text", "evidence", "note", "updated_at"]
        let insert =
            staging
            ? BulkInsert(db, table: "realisasi_stage", columns: columns)
            : BulkInsert(
                db, table: "realisasi", columns: columns,
                onConflict: """
                    ON CONFLICT(period_id, nip, rhk_id, indicator_id) DO UPDATE SET value = excluded.value, text = excluded.text,
                        evidence = excluded.evidence, note = excluded.note, updated_at = excluded.updated_at
                    """)
        for r in entries {
            insert.add(r.period)
            insert.add(r.annual)
            insert.add(r.nip)
            insert.add(r.rhk)
            insert.add(r.indicator)
            insert.add(r.value)
            insert.add(r.text)
            insert.add(r.evidence)
            insert.add(r.note)
            insert.add(time)
            try insert.endRow()
        }
        try insert.flush()
    }

    /// Steps through the realisasi stored against the SKPs of `annual` (every period inside it), without building a
    /// row object per entry: a bulk import reads a million of them.
    package struct StoredCursor {
        private let read: BulkRead

        init(_ db: Database, annual: PeriodID, period: PeriodID?) throws {
            try StagedImportStore.requireSettled(db)
            let columns = "SELECT period_id, nip, rhk_id, indicator_id, value, text, evidence, note FROM realisasi"
            read =
                if let period {
                    // The primary key's first column: an index range, not a scan of the year.
                    try BulkRead(db, sql: columns + " WHERE period_id = ? AND skp_period_id = ?", arguments: [period.description, annual.description])
                } else {
                    try BulkRead(db, sql: columns + " WHERE skp_period_id = ?", arguments: [annual.description])
                }
        }

        /// Moves to the next entry; false at the end.
        package func next() throws -> Bool { try read.next() }
        package var period: String { read.text(0) }
        package var nip: String { read.text(1) }
        package var rhk: String { read.text(2) }
        package var indicator: String { read.text(3) }
        package var value: Double? { read.double(4) }
        package var text: String { read.text(5) }
        package var evidence: String { read.text(6) }
        package var note: String { read.text(7) }
    }

    /// The realisasi stored against the SKPs of `annual`: of one `period`, or (nil) of all of them.
    package static func stored(_ db: Database, annual: PeriodID, period: PeriodID? = nil) throws -> StoredCursor {
        try StoredCursor(db, annual: annual, period: period)
    }

    /// What a realisasi import reads besides its file, from one snapshot.
    package struct ImportSource: RealisasiImportSource {
        let db: Database

        package init(_ db: Database) { self.db = db }

        package func state(of period: PeriodID) throws -> PeriodState? { try PeriodStore.find(db, period)?.state }

        package func indicators(of annual: PeriodID) throws -> IndicatorIndex { try IndicatorIndex(db, period: annual) }

        package func forEachStored(annual: PeriodID, period: PeriodID, _ visit: (StoredRealisasi) throws -> Void) throws {
            let old = try RealisasiStore.stored(db, annual: annual, period: period)
            while try old.next() {
                try visit(
                    StoredRealisasi(
                        period: old.period, nip: old.nip, rhk: old.rhk, indicator: old.indicator, value: old.value, text: old.text,
                        evidence: old.evidence, note: old.note))
            }
        }
    }
}
