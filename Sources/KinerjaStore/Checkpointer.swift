import Foundation
import GRDB
import Synchronization

/// Copies the WAL into the database file on a connection and thread of its own once a commit has left the WAL
/// big, instead of inside the committing connection as SQLite's automatic checkpoint does: an RPC that wrote
/// 100 MB returns once its commit is durable in the (synced) WAL, without waiting for the copy. What is durable
/// is the same either way; a crash before the copy is recovered from the WAL when the database opens.
final class Checkpointer: TransactionObserver, @unchecked Sendable {
    /// WAL size that calls for a checkpoint: about SQLite's own default of 1,000 pages.
    static let threshold: Int64 = 4 << 20

    private let path: String
    private let walPath: String
    private let queue = DispatchQueue(label: "kinerja.checkpoint", qos: .utility)
    private let flags = Mutex<(scheduled: Bool, closed: Bool)>((false, false))
    /// Opened on first use; only touched on `queue`.
    private var connection: DatabaseQueue?
    /// Checkpoints made, for the metrics.
    let count = Atomic<Int>(0)

    init(path: String) {
        self.path = path
        walPath = path + "-wal"
    }

    // MARK: TransactionObserver (registered on every connection; only the writer commits)

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidRollback(_ db: Database) {}

    func databaseDidCommit(_ db: Database) {
        var info = stat()
        guard stat(walPath, &info) == 0, Int64(info.st_size) >= Self.threshold else { return }
        let schedule = flags.withLock { f -> Bool in
            if f.scheduled || f.closed { return false }
            f.scheduled = true
            return true
        }
        if schedule { queue.async { self.checkpoint() } }
    }

    /// A passive checkpoint: copies what no reader still needs, waits for nobody. Failures are left for the next
    /// big commit (and for the checkpoint SQLite makes when the last connection closes).
    private func checkpoint() {
        guard
            !flags.withLock({ f -> Bool in
                f.scheduled = false
                return f.closed
            })
        else { return }
        do {
            if connection == nil {
                var config = Configuration()
                config.label = "kinerja.checkpoint"
                connection = try DatabaseQueue(path: path, configuration: config)
            }
            _ = try connection?.writeWithoutTransaction { db in try db.checkpoint(.passive) }
            count.add(1, ordering: .relaxed)
        } catch {}
    }

    /// Waits for a checkpoint in progress and closes the connection.
    func close() {
        flags.withLock { $0.closed = true }
        queue.sync {
            try? connection?.close()
            connection = nil
        }
    }
}
