import CKinerjaSQLite
import Foundation
import GRDB

/// The daemon's SQLite database: one `DatabasePool` in WAL mode with foreign keys on, brought to the
/// newest schema by versioned migrations when it opens.
public final class Store: Sendable {
    public let path: String
    public let pool: DatabasePool
    private let checkpointer: Checkpointer

    /// Opens (creating when missing) the database at `path` and applies every pending migration.
    public init(path: String) throws {
        _ = Self.configured
        self.path = path
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(10)
        config.label = "kinerja"
        let checkpointer = Checkpointer(path: path)
        let tableVersions = TableVersions()
        self.tableVersions = tableVersions
        config.prepareDatabase { db in
            // WAL + NORMAL is durable against process crashes (SIGKILL); a power cut may lose the last
            // transactions but never corrupts the file. Kinerja takes FULL: a committed RPC stays committed.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Checkpoints happen on the checkpointer's connection after big commits, not in the committer.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 0")
            db.add(transactionObserver: checkpointer, extent: .databaseLifetime)
            db.add(transactionObserver: tableVersions, extent: .databaseLifetime)
        }
        self.checkpointer = checkpointer
        pool = try DatabasePool(path: path, configuration: config)
        try Migrations.migrator.migrate(pool)
    }

    /// Which tables commits changed (see `TableVersions`).
    public let tableVersions: TableVersions

    /// Process-wide SQLite settings, made once before the first connection opens.
    private static let configured: Int32 = kinerja_sqlite_configure()

    /// How many migrations the database has applied: the schema version shown by `kinerjactl status`.
    public func schemaVersion() throws -> Int {
        try pool.read { db in try Migrations.migrator.appliedIdentifiers(db).count }
    }

    /// The number of migrations this build knows; a database at this version is current.
    public static var latestSchemaVersion: Int { Migrations.identifiers.count }

    public struct Info: Sendable, Equatable {
        public var schemaVersion: Int
        public var sizeBytes: Int64
        public var sqliteVersion: String
    }

    /// Schema version, size and SQLite version in one read.
    public func info() throws -> Info {
        try pool.read { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return Info(
                schemaVersion: try Migrations.migrator.appliedIdentifiers(db).count,
                sizeBytes: pages * size,
                sqliteVersion: try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "")
        }
    }

    public func sqliteVersion() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "" }
    }

    /// Size of the database in bytes (page count × page size), the WAL not counted.
    public func sizeBytes() throws -> Int64 {
        try pool.read { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let size = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 0
            return pages * size
        }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound database, else SQLite's findings.
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
    }

    /// A cheap round trip through the writer and a reader, used by the watchdog.
    public func ping() throws {
        _ = try pool.read { db in try Int.fetchOne(db, sql: "SELECT 1") }
    }

    /// Copies the database into a new file at `destination` through SQLite's online backup API. The
    /// copy is one consistent snapshot even while other connections keep writing.
    /// Returns the size in bytes of the copy.
    @discardableResult
    public func backup(to destination: String) throws -> Int64 {
        if FileManager.default.fileExists(atPath: destination) {
            throw StoreError.invalid("backup destination \(destination) already exists")
        }
        do {
            let target = try DatabaseQueue(path: destination)
            try pool.backup(to: target)
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
    public func close() throws {
        checkpointer.close()
        var checkpointError: (any Error)?
        do {
            try pool.writeWithoutTransaction { db in
                _ = try db.checkpoint(.truncate)
            }
        } catch {
            checkpointError = error
        }
        try pool.close()
        if let checkpointError { throw checkpointError }
    }
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The request names something that does not exist.
    case notFound(String)
    /// The request is malformed or violates a rule.
    case invalid(String)
    /// The request is well formed but the current state forbids it.
    case failedPrecondition(String)

    public var description: String {
        switch self {
        case .notFound(let m), .invalid(let m), .failedPrecondition(let m): m
        }
    }
}
