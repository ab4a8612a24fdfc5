import CSV
import Foundation
import GRDB
import KinerjaAPI
import KinerjaCore
import KinerjaStore

/// An import big enough to be applied in steps (`[server] import_step_skp` SKPs, `import_step_rows` realisasi a step), so
/// that other writes go on between them while readers see all of it or none of it (see `StagedImportStore`).
struct StagedImport {
    /// The staging transactions (nobody reads what they write).
    var stage: [(GRDB.Database) throws -> Void]
    /// Commits the staged import (after the plan was checked) and applies its first step; true when that was the last.
    var begin: (GRDB.Database) throws -> Bool
    var step: Int
    /// The whole write in one transaction (the fallback when the plan kept changing under a staged import).
    var applyAtOnce: (GRDB.Database) throws -> Void

    /// An SKP import of `skps` for `period`.
    static func skp(
        period: PeriodID, skps: [SKP], supervisors: [String: String], existing: Set<String>, audit: StagedImportStore.StagedAudit, step: Int, now: Date
    ) -> StagedImport {
        let sorted = skps.sorted { $0.nip < $1.nip }
        return StagedImport(
            stage: stride(from: 0, to: sorted.count, by: step).map { start in
                { db in try SKPStore.stage(db, sorted[start..<min(sorted.count, start + step)], supervisors: supervisors, now: now) }
            },
            begin: { db in try StagedImportStore.beginStagedApply(db, kind: .skp, period: period, audit: audit, step: step) },
            step: step,
            applyAtOnce: { db in
                try SKPStore.save(db, skps, supervisors: supervisors, existing: existing, now: now)
                try Audit.record(db, actor: audit.actor, rpc: audit.rpc, target: audit.target, summary: audit.summary)
            })
    }

    /// A realisasi import of `entries` (in key order), filed against the SKPs of `annual`.
    static func realisasi(_ entries: [RealisasiStore.Entry], annual: PeriodID, audit: StagedImportStore.StagedAudit, step: Int, now: Date) -> StagedImport {
        StagedImport(
            stage: stride(from: 0, to: entries.count, by: step).map { start in
                { db in try RealisasiStore.stage(db, entries[start..<min(entries.count, start + step)], now: now) }
            },
            begin: { db in try StagedImportStore.beginStagedApply(db, kind: .realisasi, period: annual, audit: audit, step: step) },
            step: step,
            applyAtOnce: saveRealisasi(entries, audit: audit, now: now))
    }

    /// Realisasi and the audit line in the transaction it is given (an import too small to stage, or the fallback).
    static func saveRealisasi(
        _ entries: some Sequence<RealisasiStore.Entry>, audit: StagedImportStore.StagedAudit, now: Date
    ) -> (GRDB.Database) throws -> Void {
        { db in
            try RealisasiStore.save(db, entries, now: now)
            try Audit.record(db, actor: audit.actor, rpc: audit.rpc, target: audit.target, summary: audit.summary)
        }
    }

    /// Stages, then begins the apply if nothing the plan read changed since `before` (false when something did: the
    /// staged rows are dropped and the import must be planned again), then applies every step.
    func apply(_ store: Store, ifUnchangedSince before: [String: UInt64]) throws -> Bool {
        store.stagedImportLock.lock()
        defer { store.stagedImportLock.unlock() }
        try store.writeNow { try StagedImportStore.clearStaged($0) }
        for transaction in stage { try store.writeNow { try transaction($0) } }
        let begun: Bool?
        do {
            begun = try store.writeNow { db -> Bool? in
                guard store.tableVersions.unchanged(since: before) else { return nil }
                store.tableVersions.noteBulkWrite()
                return try begin(db)
            }
        } catch {
            try? store.writeNow { try StagedImportStore.clearStaged($0) }
            throw error
        }
        guard var done = begun else {
            try store.writeNow { try StagedImportStore.clearStaged($0) }
            return false
        }
        // Begun: the import is committed. A step that fails (the disk) is tried again; the next start finishes it.
        var failures = 0
        while !done {
            do {
                done = try store.writeNow { db in
                    store.tableVersions.noteBulkWrite()
                    return try StagedImportStore.applyStagedStep(db, step: step)
                }
                failures = 0
            } catch {
                failures += 1
                if failures >= 30 { throw error }
                usleep(1_000_000)
            }
        }
        try? store.writeNow { try StagedImportStore.clearStaged($0) }
        return true
    }
}
