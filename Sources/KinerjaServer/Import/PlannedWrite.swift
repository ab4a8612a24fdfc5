import CSV
import Foundation
import GRDB
import KinerjaAPI
import KinerjaCore
import KinerjaStore
import Synchronization

/// The shape every CSV import shares: decode the upload (a file-level problem is the report), then validate and
/// apply in one transaction — a read for a dry run, a write otherwise — so a bad file changes nothing.
/// The writes an import plans: recorded while its rows are checked, applied later in one write transaction.
final class PendingWrites: @unchecked Sendable {
    private var steps: [(GRDB.Database) throws -> Void] = []
    /// A big import, applied in steps instead (see `StagedImportStore`).
    private(set) var staged: StagedImport?

    /// Records `step` (it receives the writing connection: use that one, not the one the plan read from).
    func add(_ step: @escaping (GRDB.Database) throws -> Void) { steps.append(step) }

    /// Records an import to stage and apply in steps (the only write of its plan).
    func stage(_ write: StagedImport) { staged = write }

    /// What only planning needed, let go of when the writes are applied (a plan that is written is not planned
    /// again): the upload's table is then not held beside the transaction's pages.
    private var planningInputs: [@Sendable () -> Void] = []

    /// Records `release`, run once before the steps are applied.
    func releaseBeforeApplying(_ release: @escaping @Sendable () -> Void) { planningInputs.append(release) }

    var isEmpty: Bool { steps.isEmpty && staged == nil }

    func apply(_ db: GRDB.Database) throws {
        for release in planningInputs { release() }
        planningInputs = []
        for step in steps { try step(db) }
    }
}

/// An upload's decoded table, held for planning (which may run again) and let go of once the writes are applied.
final class PlanningTable: Sendable {
    private let held: Mutex<CSVDecoding.Decoded?>

    init(_ decoded: CSVDecoding.Decoded) { held = Mutex(decoded) }

    /// The table and its delimiter; only planning reads them, and planning ends before the writes that release them.
    var decoded: CSVDecoding.Decoded { held.withLock { $0! } }

    /// Releases the table when `pending` is applied.
    func release(when pending: PendingWrites) { pending.releaseBeforeApplying { [self] in held.withLock { $0 = nil } } }
}

/// Runs a CSV import: rows are decoded, then checked and planned on a read snapshot while the writer stays free for
/// others (a single write never queues behind a bulk import's checks), then the planned writes are applied in one
/// transaction: all or nothing, as before. `reads` names the tables the plan reads: when a commit changed one of them
/// between the snapshot and the write (or another import wrote in bulk), the import is planned again; after two such
/// misses it is planned and written inside one write transaction.
enum CSVImport {
    static func run(
        _ store: Store, _ content: Data, dryRun: Bool, reads: Set<String>,
        _ work: @escaping (GRDB.Database, CSVDecoding.Decoded, PendingWrites) throws -> Kinerja_V1_ImportReport
    ) throws -> Kinerja_V1_ImportReport {
        let upload: PlanningTable
        switch CSVDecoding.decode(content) {
        case .failure(let failure): return ImportReport.failed(failure.errors, dryRun: dryRun)
        case .success(let d): upload = PlanningTable(d)
        }
        return try PlannedWrite.run(store, reads: reads, dryRun: dryRun) { db, pending in
            upload.release(when: pending)
            return try work(db, upload.decoded, pending)
        }
    }
}

/// Plan on a snapshot, then write (see `CSVImport`), for any import whose checks can run apart from its writes.
/// A dry run only plans (its planned writes are dropped).
enum PlannedWrite {
    static func run<Report>(
        _ store: Store, reads: Set<String>, dryRun: Bool, _ plan: @escaping (GRDB.Database, PendingWrites) throws -> Report
    ) throws -> Report {
        if dryRun { return try store.readNow { try plan($0, PendingWrites()) } }
        // Also read by every check: the periods and their states, the staff file.
        let reads = reads.union(["periods", "employees", "units", "agency"])
        for _ in 0..<2 {
            // Taken before the snapshot opens: a commit in between is seen as a change (a needless second plan at worst).
            let before = store.tableVersions.snapshot(reads)
            // A fresh set of writes each time the plan runs (a read that met a half-applied SKP import runs again).
            let (report, pending) = try store.readNow { db in
                let pending = PendingWrites()
                return (try plan(db, pending), pending)
            }
            if pending.isEmpty { return report }
            if let staged = pending.staged {
                if try staged.apply(store, ifUnchangedSince: before) { return report }
                continue
            }
            let applied = try store.writeNow { db -> Bool in
                guard store.tableVersions.unchanged(since: before) else { return false }
                store.tableVersions.noteBulkWrite()  // imports write through the C API too (BulkInsert)
                try pending.apply(db)
                return true
            }
            if applied { return report }
        }
        return try store.writeNow { db in
            let pending = PendingWrites()
            let report = try plan(db, pending)
            if !pending.isEmpty { store.tableVersions.noteBulkWrite() }
            try pending.apply(db)
            if let staged = pending.staged { try staged.applyAtOnce(db) }
            return report
        }
    }
}
