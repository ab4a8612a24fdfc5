import Foundation
import GRDB
import Synchronization

/// Which tables committed transactions changed: a counter per table, raised on each commit that wrote it. Imports
/// check on a read snapshot and write later (see `PlannedWrite` in the server); before writing they ask whether a
/// table they read changed since. Tables are learnt from the statements GRDB runs (`observes(eventsOfKind:)`, asked
/// once per statement, so no per-row cost); writes made through the SQLite C API (`BulkInsert`, used by imports
/// only) are announced by the import with `noteBulkWrite`, which raises every table's counter: an import that
/// commits makes the others check again.
package final class TableVersions: TransactionObserver, @unchecked Sendable {
    private struct Counters {
        var byTable: [String: UInt64] = [:]
        /// Raised by every bulk (C API) write: it stands for every table.
        var bulk: UInt64 = 0
    }

    private let counters = Mutex(Counters())
    /// Tables the transaction in progress wrote.
    private let pending = Mutex<(tables: Set<String>, bulk: Bool)>(([], false))

    init() {}

    /// The counters of `tables` (and of bulk writes) as of now.
    package func snapshot(_ tables: Set<String>) -> [String: UInt64] {
        counters.withLock { c in
            var s = ["*bulk": c.bulk]
            for t in tables { s[t] = c.byTable[t] ?? 0 }
            return s
        }
    }

    /// True when no commit since `snapshot` wrote one of its tables (or wrote in bulk).
    package func unchanged(since snapshot: [String: UInt64]) -> Bool {
        counters.withLock { c in
            snapshot.allSatisfy { table, version in (table == "*bulk" ? c.bulk : c.byTable[table] ?? 0) == version }
        }
    }

    /// A write through the SQLite C API on the writer connection, in the transaction in progress.
    package func noteBulkWrite() { pending.withLock { $0.bulk = true } }

    // MARK: TransactionObserver

    package func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        let table = eventKind.tableName.lowercased()
        pending.withLock { _ = $0.tables.insert(table) }
        return false
    }

    package func databaseDidChange(with event: DatabaseEvent) {}

    package func databaseDidCommit(_ db: Database) {
        let (tables, bulk) = pending.withLock { p in
            defer { p = ([], false) }
            return p
        }
        guard !tables.isEmpty || bulk else { return }
        counters.withLock { c in
            for t in tables { c.byTable[t, default: 0] += 1 }
            if bulk { c.bulk += 1 }
        }
    }

    package func databaseDidRollback(_ db: Database) { pending.withLock { $0 = ([], false) } }
}
