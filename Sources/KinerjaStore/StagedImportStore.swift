import Foundation
import GRDB
import KinerjaCore

/// A big import of SKPs (staged by `SKPStore.stage`) or of realisasi (staged by `RealisasiStore.stage`, its rows in
/// `realisasi_stage`) is applied in steps, so that
/// other writes interleave, and is still all or nothing to everyone who reads SKPs or realisasi:
///
/// 1. **Stage**: its rows go into `skp_stage`, `rhk_stage` and `indicators_stage` in short transactions. Nobody reads
///    those tables; a crash here leaves nothing (the next open clears them).
/// 2. **Begin**: one short transaction checks that nothing the import's plan read changed, raises `staged_apply.epoch`
///    to an odd number (the import is now committed: a crash from here on is finished when the database next opens)
///    and applies the first step.
/// 3. **Steps**: each short transaction moves the next block of employees' SKPs from the staging tables into the SKP
///    tables. The last one records the audit line and makes the epoch even again.
///
/// While the epoch is odd, every store method that reads or writes SKPs (`requireSettled`) throws
/// `StagedApplyInProgress` — checked inside the caller's own snapshot, so a reader that started before the import
/// began sees all of the old SKPs, and one that started later waits (`Store.read`/`write` retry) and sees all of the
/// new ones. Writes that do not touch SKPs go on between the steps.
package enum StagedImportStore {
    /// Thrown (and retried by `Store`) when SKPs are read or written while a staged import is half applied.
    package struct StagedApplyInProgress: Error, CustomStringConvertible {
        package var kind: StagedKind?
        package var description: String { "an \(kind == .realisasi ? "import of realisasi" : "SKP import") is being applied; try again in a moment" }
    }

    /// Throws `StagedApplyInProgress` while a staged import is half applied (in the caller's snapshot).
    package static func requireSettled(_ db: Database) throws {
        let epoch = try Int64.fetchOne(db.cachedStatement(sql: "SELECT epoch FROM staged_apply WHERE id = 1")) ?? 0
        if epoch & 1 == 1 {
            let kind = try String.fetchOne(db.cachedStatement(sql: "SELECT kind FROM staged_apply WHERE id = 1")).flatMap(StagedKind.init(rawValue:))
            throw StagedApplyInProgress(kind: kind)
        }
    }

    /// Empties the staging tables (before staging, and after an apply or an abandoned staging).
    package static func clearStaged(_ db: Database) throws {
        try db.execute(sql: "DELETE FROM indicators_stage; DELETE FROM rhk_stage; DELETE FROM skp_stage; DELETE FROM realisasi_stage")
    }

    /// What a staged import moves into place.
    package enum StagedKind: String, Sendable {
        /// SKPs (with their RHK and indicators), staged by `stage`, stepped by NIP.
        case skp
        /// Realisasi, staged by `RealisasiStore.stage`, stepped in staging order.
        case realisasi
    }

    /// The audit line a staged import records when its last step is applied.
    package struct StagedAudit: Sendable {
        package var actor: AuditActor
        package var rpc: String, target: String, summary: String
        package init(actor: AuditActor, rpc: String, target: String, summary: String) {
            self.actor = actor
            self.rpc = rpc
            self.target = target
            self.summary = summary
        }
    }

    /// Commits the staged import of `period` (the epoch goes odd) and applies its first step. Returns true when that
    /// was the last step. Call in the transaction that checked the import's plan still holds.
    package static func beginStagedApply(_ db: Database, kind: StagedKind = .skp, period: PeriodID, audit: StagedAudit, step: Int) throws -> Bool {
        try requireSettled(db)
        // Each step must succeed once the import has begun: what could refuse one is refused now, before anything moves.
        if kind == .skp,
            let nip = try String.fetchOne(
                db,
                sql: """
                    SELECT r.nip FROM realisasi r WHERE r.skp_period_id = ?1 AND r.nip IN (SELECT nip FROM skp_stage WHERE period_id = ?1) LIMIT 1
                    """, arguments: [period.description])
        {
            throw StoreError.failedPrecondition(
                "the SKP of \(nip) for \(period) has realisasi filed against it: it cannot be replaced by an import", item: .employee(nip: nip))
        }
        try db.execute(
            sql: """
                UPDATE staged_apply SET epoch = epoch + 1, kind = ?, period_id = ?, applied_through = '', uid = ?, pid = ?, role = ?, actor_nip = ?,
                    rpc = ?, target = ?, summary = ? WHERE id = 1
                """,
            arguments: [
                kind.rawValue, period.description, audit.actor.uid, audit.actor.pid, audit.actor.role, audit.actor.actorNIP, audit.rpc, audit.target,
                audit.summary,
            ])
        return try applyStagedStep(db, step: step)
    }

    /// Applies the next `step` employees' staged SKPs. When none are left, records the audit line and ends the apply
    /// (the epoch goes even); returns true then. Only for the apply under way (and recovery).
    package static func applyStagedStep(_ db: Database, step: Int) throws -> Bool {
        guard let state = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM staged_apply WHERE id = 1")), (state["epoch"] as Int64) & 1 == 1 else {
            return true
        }
        let period: String = state["period_id"]
        let after: String = state["applied_through"]
        if state["kind"] == StagedKind.realisasi.rawValue {
            return try applyStagedRealisasiStep(db, state: state, after: Int64(after) ?? 0, step: step)
        }
        let last = try String.fetchOne(
            db,
            sql: """
                SELECT max(nip) FROM (SELECT nip FROM skp_stage WHERE period_id = ? AND nip > ? ORDER BY nip LIMIT ?)
                """, arguments: [period, after, max(1, step)])
        if let last {
            let range: StatementArguments = [period, after, last]
            // Replaced SKPs lose their RHK (and, by the foreign key, their indicators) first.
            try db.execute(
                sql: """
                    DELETE FROM rhk WHERE period_id = ?1 AND nip IN (SELECT nip FROM skp_stage WHERE period_id = ?1 AND nip > ?2 AND nip <= ?3)
                    """, arguments: range)
            try db.execute(
                sql: """
                    INSERT INTO skp(period_id, nip, status, return_note, lampiran, perilaku, updated_at)
                    SELECT period_id, nip, status, '', lampiran, perilaku, updated_at FROM skp_stage WHERE period_id = ?1 AND nip > ?2 AND nip <= ?3
                    ON CONFLICT(period_id, nip) DO UPDATE SET status = excluded.status, lampiran = excluded.lampiran,
                        perilaku = excluded.perilaku, updated_at = excluded.updated_at
                    """, arguments: range)
            try db.execute(
                sql: """
                    INSERT INTO rhk(period_id, nip, rhk_id, position, kind, text, intervensi_nip, intervensi_rhk)
                    SELECT period_id, nip, rhk_id, position, kind, text, intervensi_nip, intervensi_rhk FROM rhk_stage
                    WHERE period_id = ?1 AND nip > ?2 AND nip <= ?3
                    """, arguments: range)
            try db.execute(
                sql: """
                    INSERT INTO indicators(period_id, nip, rhk_id, indicator_id, position, aspect, text, target_value, target_unit, target_text, direction)
                    SELECT period_id, nip, rhk_id, indicator_id, position, aspect, text, target_value, target_unit, target_text, direction
                    FROM indicators_stage WHERE period_id = ?1 AND nip > ?2 AND nip <= ?3
                    """, arguments: range)
            try db.execute(sql: "UPDATE staged_apply SET applied_through = ? WHERE id = 1", arguments: [last])
        }
        let more =
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM skp_stage WHERE period_id = ? AND nip > ?)", arguments: [period, last ?? after]) ?? false
        if more { return false }
        try finishStagedApply(db, state: state)
        return true
    }

    /// Moves the next `step` staged realisasi (in staging order, after row `after`) into place.
    static func applyStagedRealisasiStep(_ db: Database, state: Row, after: Int64, step: Int) throws -> Bool {
        let last = try Int64.fetchOne(
            db,
            sql: """
                SELECT max(rowid) FROM (SELECT rowid FROM realisasi_stage WHERE rowid > ? ORDER BY rowid LIMIT ?)
                """, arguments: [after, max(1, step)])
        if let last {
            try db.execute(
                sql: """
                    INSERT INTO realisasi(period_id, skp_period_id, nip, rhk_id, indicator_id, value, text, evidence, note, updated_at)
                    SELECT period_id, skp_period_id, nip, rhk_id, indicator_id, value, text, evidence, note, updated_at FROM realisasi_stage
                    WHERE rowid > ? AND rowid <= ? ORDER BY rowid
                    ON CONFLICT(period_id, nip, rhk_id, indicator_id) DO UPDATE SET value = excluded.value, text = excluded.text,
                        evidence = excluded.evidence, note = excluded.note, updated_at = excluded.updated_at
                    """, arguments: [after, last])
            try db.execute(sql: "UPDATE staged_apply SET applied_through = ? WHERE id = 1", arguments: [String(last)])
        }
        let more =
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM realisasi_stage WHERE rowid > ?)"), arguments: [last ?? after]) ?? false
        if more { return false }
        try finishStagedApply(db, state: state)
        return true
    }

    /// The last step's end: the audit line, and the epoch even again.
    static func finishStagedApply(_ db: Database, state: Row) throws {
        try Audit.record(
            db, actor: AuditActor(uid: state["uid"], pid: state["pid"], role: state["role"], actorNIP: state["actor_nip"]),
            rpc: state["rpc"], target: state["target"], summary: state["summary"])
        try db.execute(sql: "UPDATE staged_apply SET epoch = epoch + 1, applied_through = '' WHERE id = 1")
    }

    /// What opening the database found of a staged import.
    package enum StagedRecovery: Sendable, Equatable {
        /// Nothing was staged.
        case none
        /// Staged rows of an import that never began (or had finished) were cleared.
        case cleared
        /// An import that had begun was applied to its end.
        case finished(period: String)
    }

    /// Finishes an import whose apply had begun (its steps, then the audit line) and clears staged rows: what a
    /// crash left. Run before the database serves anyone.
    package static func recoverStaged(_ writer: any DatabaseWriter) throws -> StagedRecovery {
        let (epoch, period, staged) = try writer.read { db in
            (
                try Int64.fetchOne(db.cachedStatement(sql: "SELECT epoch FROM staged_apply WHERE id = 1")) ?? 0,
                try String.fetchOne(db.cachedStatement(sql: "SELECT period_id FROM staged_apply WHERE id = 1")) ?? "",
                try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM skp_stage) OR EXISTS (SELECT 1 FROM realisasi_stage)")) ?? false
            )
        }
        var outcome: StagedRecovery = staged ? .cleared : .none
        if epoch & 1 == 1 {
            while try !writer.write({ db in try applyStagedStep(db, step: 5_000) }) {}
            outcome = .finished(period: period)
        }
        if staged { try writer.write { db in try clearStaged(db) } }
        return outcome
    }
}
