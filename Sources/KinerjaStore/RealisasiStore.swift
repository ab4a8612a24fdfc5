import Foundation
import GRDB
import KinerjaCore

/// Realisasi: what each employee reports against an indicator of their SKP, per period.
public enum RealisasiStore {
    /// One realisasi to write.
    public struct Entry: Sendable, Equatable {
        public var period: String
        /// The annual period whose SKP holds the indicator.
        public var annual: String
        public var nip: String, rhk: String, indicator: String
        public var value: Double?
        public var text: String, evidence: String, note: String

        public init(period: String, annual: String, nip: String, rhk: String, indicator: String, value: Double?, text: String, evidence: String, note: String) {
            self.period = period; self.annual = annual; self.nip = nip; self.rhk = rhk; self.indicator = indicator
            self.value = value; self.text = text; self.evidence = evidence; self.note = note
        }
    }

    /// Adds or replaces each entry. Entries in key order (period, NIP, RHK, indicator) keep the B-tree inserts local.
    public static func save(_ db: Database, _ entries: some Sequence<Entry>, now: Date) throws {
        try SKPStore.requireSettled(db)
        try write(db, entries, now: now, staging: false)
    }

    /// Stages entries for a staged apply (see `SKPStore+Staged`): nothing anyone reads changes.
    public static func stage(_ db: Database, _ entries: some Sequence<Entry>, now: Date) throws {
        try write(db, entries, now: now, staging: true)
    }

    static func write(_ db: Database, _ entries: some Sequence<Entry>, now: Date, staging: Bool) throws {
        let time = UTCTime.format(now)
        let columns = ["period_id", "skp_period_id", "nip", "rhk_id", "indicator_id", "value", "text", "evidence", "note", "updated_at"]
        let insert = staging
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
    public struct StoredCursor {
        private let read: BulkRead

        init(_ db: Database, annual: PeriodID) throws {
            try SKPStore.requireSettled(db)
            read = try BulkRead(
                db, sql: "SELECT period_id, nip, rhk_id, indicator_id, value, text, evidence, note FROM realisasi WHERE skp_period_id = ?",
                arguments: [annual.description])
        }

        /// Moves to the next entry; false at the end.
        public func next() throws -> Bool { try read.next() }
        public var period: String { read.text(0) }
        public var nip: String { read.text(1) }
        public var rhk: String { read.text(2) }
        public var indicator: String { read.text(3) }
        public var value: Double? { read.double(4) }
        public var text: String { read.text(5) }
        public var evidence: String { read.text(6) }
        public var note: String { read.text(7) }
    }

    public static func stored(_ db: Database, annual: PeriodID) throws -> StoredCursor { try StoredCursor(db, annual: annual) }

    /// What a realisasi import reads besides its file, from one snapshot.
    public struct ImportSource: RealisasiImportSource {
        let db: Database

        public init(_ db: Database) { self.db = db }

        public func state(of period: PeriodID) throws -> PeriodState? { try PeriodStore.find(db, period)?.state }

        public func indicators(of annual: PeriodID) throws -> IndicatorIndex { try IndicatorIndex(db, period: annual) }

        public func forEachStored(annual: PeriodID, _ visit: (StoredRealisasi) throws -> Void) throws {
            let old = try RealisasiStore.stored(db, annual: annual)
            while try old.next() {
                try visit(StoredRealisasi(
                    period: old.period, nip: old.nip, rhk: old.rhk, indicator: old.indicator, value: old.value, text: old.text,
                    evidence: old.evidence, note: old.note))
            }
        }
    }
}
