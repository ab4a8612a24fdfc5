import Foundation
import GRPCCore
import KinerjaStore
import Synchronization

/// Writes an audit row for each call refused with PERMISSION_DENIED (by the stream gate, the interceptor or a
/// service's rights check): who, which RPC, for which employee, and why. A caller cannot turn refusals into unbounded
/// database writes: at most `limit` rows per uid a minute are written; the rest are counted and the next row written
/// for that uid says how many were left out.
final class DeniedCallAudit: Sendable {
    static let limit = 20

    private struct Window {
        var start: Date
        var written = 0
        var skipped = 0
    }

    private let windows = Mutex<[UInt32: Window]>([:])
    private let store: Store
    private let clock: DaemonClock

    init(store: Store, clock: DaemonClock) {
        self.store = store
        self.clock = clock
    }

    /// Records the refusal (the write happens off the caller's path; a failed write is not the caller's problem).
    func record(uid: UInt32, pid: Int32, role: String, actorNIP: String, method: String, message: String) {
        let now = clock.now()
        let skippedBefore: Int? = windows.withLock { windows in
            var w = windows[uid] ?? Window(start: now)
            if now.timeIntervalSince(w.start) >= 60 { w = Window(start: now, written: 0, skipped: w.skipped) }
            guard w.written < Self.limit else {
                w.skipped += 1
                windows[uid] = w
                return nil
            }
            let skipped = w.skipped
            w.written += 1
            w.skipped = 0
            windows[uid] = w
            return skipped
        }
        guard let skippedBefore else { return }
        let actor = AuditActor(uid: Int64(uid), pid: Int64(pid), role: role.isEmpty ? "none" : role, actorNIP: actorNIP)
        var summary = "denied: " + (message.utf8.count > 500 ? String(message.prefix(500)) + "…" : message)
        if skippedBefore > 0 { summary += " (\(skippedBefore) earlier refusals of this uid were not recorded)" }
        let store = self.store
        let line = summary
        Task.detached {
            try? await store.write { db in try Audit.record(db, actor: actor, rpc: method, target: actorNIP, summary: line, at: now) }
        }
    }
}
