import CKinerjaSQLite
import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// The daemon's SQLite database, behind intention-named store methods (`SKPStore`, `TPPStore`, …) that take the
/// connection of a `read` or `write`. On disk it is one `DatabasePool` in WAL mode with foreign keys on; tests may
/// hand it an in-memory `DatabaseQueue` (`Store.inMemory()`). Either way it is brought to the newest schema by
/// versioned migrations when it opens.
package final class Store: Sendable {
    /// The database file ("" in memory).
    package let path: String
    /// The connections: every read and write goes through it.
    package let writer: any DatabaseWriter
    /// Copies a big WAL into the file off the committing thread (on disk only).
    private let checkpointer: Checkpointer?
    /// `lookup`'s own read-only connections (on disk only).
    let lookupConnections: LookupConnections?

    /// How every connection is set up: foreign keys on, a busy timeout, durable commits, no automatic checkpoint.
    package static func configuration(label: String = "kinerja") -> Configuration {
        _ = Self.configured
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = label
        config.prepareDatabase { db in
            // WAL + NORMAL is durable against process crashes (SIGKILL); a power cut may lose the last
            // transactions but never corrupts the file. Kinerja takes FULL: a committed RPC stays committed.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Checkpoints happen on the checkpointer's connection after big commits, not in the committer.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            // A big import dirties more pages than the page cache holds; spilled, a page is written to the WAL again each
            // time it is dirtied anew (100,000 employees wrote some 800 MB for a 25 MB table). Kept in memory until the
            // commit instead, each page is written once; the memory goes back when the transaction ends.
            try db.execute(sql: "PRAGMA cache_spill = OFF")
        }
        return config
    }

    /// Takes `writer` (made with `Store.configuration()`) and applies every pending migration.
    package init(_ writer: any DatabaseWriter) throws {
        _ = Self.configured
        self.writer = writer
        path = writer.path == ":memory:" ? "" : writer.path
        let tableVersions = TableVersions()
        self.tableVersions = tableVersions
        // Only the writer's connection commits: that is where the observers are.
        writer.add(transactionObserver: tableVersions, extent: .databaseLifetime)
        if writer is DatabasePool {
            let checkpointer = Checkpointer(path: writer.path)
            writer.add(transactionObserver: checkpointer, extent: .databaseLifetime)
            self.checkpointer = checkpointer
            lookupConnections = LookupConnections(path: writer.path, configuration: writer.configuration)
        } else {
            checkpointer = nil
            lookupConnections = nil
        }
        // A database from a newer Kinerja is refused before anything touches it.
        let recorded = try writer.read { db in try Restore.recordedMigrations(db) }
        if recorded > Self.latestSchemaVersion {
            throw NewerSchemaError(path: path, databaseVersion: recorded, binaryVersion: Self.latestSchemaVersion)
        }
        try Migrations.migrator.migrate(writer)
        openedAtSchemaVersion = try writer.read { db in try Migrations.migrator.appliedIdentifiers(db).count }
        recovered = try StagedImportStore.recoverStaged(writer)
    }

    /// The schema version once the migrations ran: it cannot change while the store is open (a restore replaces the
    /// file only while no daemon holds it).
    private let openedAtSchemaVersion: Int

    /// What opening found of a staged SKP import a crash interrupted (finished or cleared): the daemon logs it.
    package let recovered: StagedImportStore.StagedRecovery

    /// Held by a staged SKP import from its first staged row to its last step: the staging tables are one.
    package let stagedImportLock = NSLock()

    /// Opens (creating when missing) the database at `path`.
    package convenience init(path: String) throws {
        try self.init(DatabasePool(path: path, configuration: Self.configuration()))
    }

    /// A fresh database in memory (for tests).
    package static func inMemory() throws -> Store {
        try Store(DatabaseQueue(configuration: configuration(label: "kinerja.memory")))
    }

    /// Reads on a snapshot, off the caller's thread (GRDB's own queues), and returns what `body` returns.
    /// A read that meets a half-applied SKP import is run again once the import is applied (see `StagedImportStore`).
    package func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await settled { try await writer.read(body) }
    }

    /// Writes in one transaction (committed when `body` returns, rolled back when it throws), off the caller's thread;
    /// retried as `read` is.
    package func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) async throws -> T {
        try await settled { try await writer.write(body) }
    }

    /// A short read by key (one employee, one period, a few rows) on the calling task's thread: a snapshot as `read`
    /// takes, without the hop to GRDB's queue and back (two thread wake-ups, most of a small RPC's time). Only for
    /// reads bounded by an index: a read that scans goes through `read`, off the cooperative pool. A read that meets a
    /// half-applied SKP import waits for it without holding the thread. On disk it reads on a connection of its own
    /// (`LookupConnections`), through the pool when they are all busy.
    package func lookup<T>(_ body: (Database) throws -> T) async throws -> T {
        try await settled {
            if let result = try lookupConnections?.read(body) { return result }
            return try writer.read(body)
        }
    }

    /// `body` in one read transaction, begun and ended by statements prepared once per connection (GRDB's `read`
    /// parses its BEGIN and COMMIT anew each time). Inside a transaction already, `body` joins it.
    static func snapshot<T>(_ db: Database, _ body: (Database) throws -> T) throws -> T {
        if db.isInsideTransaction { return try body(db) }
        try db.cachedStatement(sql: "BEGIN DEFERRED TRANSACTION").execute()
        let result: T
        do {
            result = try body(db)
        } catch {
            try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute()
            throw error
        }
        do {
            try db.cachedStatement(sql: "COMMIT TRANSACTION").execute()
        } catch {
            try? db.cachedStatement(sql: "ROLLBACK TRANSACTION").execute()
            throw error
        }
        return result
    }

    /// `read` on the calling thread (for work that is already off the cooperative pool: imports, fan-outs).
    package func readNow<T>(_ body: (Database) throws -> T) throws -> T {
        try settledNow { try writer.read(body) }
    }

    /// `write` on the calling thread.
    package func writeNow<T>(_ body: (Database) throws -> T) throws -> T {
        try settledNow { try writer.write(body) }
    }

    /// How long a read or write waits for a staged SKP import to be applied before it gives up (UNAVAILABLE).
    static let settleTimeout: Duration = .seconds(300)

    private func settled<T>(_ attempt: () async throws -> T) async throws -> T {
        let deadline = ContinuousClock.now + Self.settleTimeout
        while true {
            do {
                return try await attempt()
            } catch is StagedImportStore.StagedApplyInProgress where ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
    }

    private func settledNow<T>(_ attempt: () throws -> T) throws -> T {
        let deadline = ContinuousClock.now + Self.settleTimeout
        while true {
            do {
                return try attempt()
            } catch is StagedImportStore.StagedApplyInProgress where ContinuousClock.now < deadline {
                usleep(20_000)
            }
        }
    }

    /// Checkpoints the checkpointer made since the store opened (0 in memory).
    package var checkpoints: Int { checkpointer?.count.load(ordering: .relaxed) ?? 0 }

    /// Which tables commits changed (see `TableVersions`).
    package let tableVersions: TableVersions

    /// Process-wide SQLite settings, made once before the first connection opens.
    private static let configured: Int32 = kinerja_sqlite_configure()

    /// How many migrations the database has applied: the schema version shown by `kinerjactl status`.
    package func schemaVersion() -> Int { openedAtSchemaVersion }

    /// The number of migrations this build knows; a database at this version is current.
    package static var latestSchemaVersion: Int { Migrations.identifiers.count }

    package struct Info: Sendable, Equatable {
        package var schemaVersion: Int
        package var sizeBytes: Int64
        package var sqliteVersion: String
    }

    /// Schema version, size and SQLite version without touching a connection (`kinerjactl status` and the health of a
    /// busy daemon should not wait on a reader): the version as opened, the file's size from `stat` (the WAL not
    /// counted; in memory, the pages in use) and the linked SQLite's version.
    package func info() throws -> Info {
        let size: Int64
        if path.isEmpty {
            size = try sizeBytes()
        } else {
            var s = stat()
            size = stat(path, &s) == 0 ? Int64(s.st_size) : 0
        }
        return Info(schemaVersion: schemaVersion(), sizeBytes: size, sqliteVersion: Self.linkedSQLiteVersion)
    }

    /// The version of the SQLite library every connection uses.
    static let linkedSQLiteVersion = String(cString: sqlite3_libversion())

    /// Size of the database in bytes (page count × page size), the WAL not counted.
    package func sizeBytes() throws -> Int64 {
        try writer.read { db in
            let pages = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA page_count")) ?? 0
            let size = try Int64.fetchOne(db.cachedStatement(sql: "PRAGMA page_size")) ?? 0
            return pages * size
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database, else SQLite's findings.
    package func integrityCheck() throws -> String {
        try writer.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// A cheap round trip through the writer and a reader, used by the watchdog.
    package func ping() throws {
        _ = try writer.read { db in try Int.fetchOne(db.cachedStatement(sql: "SELECT 1")) }
    }

    /// Copies the database into a new file at `destination` through SQLite's online backup API. The
    /// copy is one consistent snapshot even while other connections keep writing.
    /// Returns the size in bytes of the copy.
    @discardableResult
    package func backup(to destination: String) throws -> Int64 {
        if FileManager.default.fileExists(atPath: destination) {
            throw StoreError.invalid("backup destination \(destination) already exists", item: .file(path: destination))
        }
        do {
            let target = try DatabaseQueue(path: destination)
            try writer.backup(to: target)
            try target.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA journal_mode = DELETE")
            }
            try target.close()
        } catch {
            try? FileManager.default.removeItem(atPath: destination)
            throw error
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: destination)
        return (attributes[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Flushes the WAL into the main file and closes every connection.
    /// The final checkpoint's failure is thrown (after the pool is closed: the WAL keeps the data, the next start
    /// reads it), so that the daemon can log it.
    package func close() throws {
        lookupConnections?.close()
        checkpointer?.close()
        var checkpointError: (any Error)?
        do {
            try writer.writeWithoutTransaction { db in
                _ = try db.checkpoint(.truncate)
            }
        } catch {
            checkpointError = error
        }
        try writer.close()
        if let checkpointError { throw checkpointError }
    }
}
