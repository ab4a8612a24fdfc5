import Foundation
import GRDB

/// A database written by a newer Kinerja than this one: refused, never migrated down.
package struct NewerSchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    package var path: String
    package var databaseVersion: Int
    package var binaryVersion: Int

    package var description: String {
        "\(path) has schema version \(databaseVersion), newer than this kinerjad's \(binaryVersion): run the kinerjad that wrote it, or restore a backup made by this version or an older one"
    }
}

/// Putting a backup in place of the database while the daemon is stopped (`kinerjad restore`).
package enum Restore {
    package struct Report: Sendable, Equatable {
        /// The schema version of the backup (an older one is migrated on the daemon's next start).
        package var backupSchemaVersion: Int
        /// Where the database that was in place went, nil when there was none.
        package var movedAside: String?
        package var installed: String
    }

    package struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }

    /// The migrations a database file has applied (0 for a database without Kinerja's schema).
    static func recordedMigrations(_ db: Database) throws -> Int {
        guard try db.tableExists("grdb_migrations") else { return 0 }
        return try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM grdb_migrations")) ?? 0
    }

    /// Checks `backup` (a sound SQLite file with Kinerja's schema, not newer than this build), moves the database at
    /// `database` (and its WAL) aside with a UTC timestamp, and installs a copy of the backup by an atomic rename. The
    /// caller holds the state directory's lock (the daemon is stopped).
    package static func run(backup: String, database: String, now: Date) throws -> Report {
        let fm = FileManager.default
        guard fm.isReadableFile(atPath: backup) else { throw Refusal(message: "cannot read the backup \(backup)") }
        var configuration = Configuration()
        configuration.readonly = true
        let version: Int
        do {
            let queue = try DatabaseQueue(path: backup, configuration: configuration)
            defer { try? queue.close() }
            version = try queue.read { db -> Int in
                let check = try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
                guard check == "ok" else { throw Refusal(message: "\(backup) fails SQLite's integrity_check: \(check.prefix(500))") }
                return try recordedMigrations(db)
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(message: "\(backup) is not a readable SQLite database: \(error)")
        }
        guard version > 0 else { throw Refusal(message: "\(backup) is not a Kinerja database (it has no schema migrations)") }
        if version > Store.latestSchemaVersion {
            throw NewerSchemaError(path: backup, databaseVersion: version, binaryVersion: Store.latestSchemaVersion)
        }

        // A copy next to the database first (same file system: the final rename is atomic), synced.
        let directory = (database as NSString).deletingLastPathComponent
        let staging = database + ".restoring"
        try? fm.removeItem(atPath: staging)
        try fm.copyItem(atPath: backup, toPath: staging)
        try sync(staging)
        chmod(staging, 0o600)
        // Owned like the state directory (a root restore of a directory owned by the kinerja user).
        var dirStat = stat()
        if getuid() == 0, stat(directory, &dirStat) == 0 { chown(staging, dirStat.st_uid, dirStat.st_gid) }

        var movedAside: String?
        if fm.fileExists(atPath: database) {
            let formatter = DateFormatter()
            formatter.locale = Locale(identifier: "en_US_POSIX")
            formatter.timeZone = TimeZone(identifier: "UTC")
            formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            var aside = database + ".before-restore-" + formatter.string(from: now)
            var n = 1
            while fm.fileExists(atPath: aside) {
                n += 1
                aside = database + ".before-restore-" + formatter.string(from: now) + "-\(n)"
            }
            do { try fm.moveItem(atPath: database, toPath: aside) } catch {
                try? fm.removeItem(atPath: staging)
                throw Refusal(message: "cannot move \(database) aside to \(aside): \(error.localizedDescription)")
            }
            // The WAL and its index go with it, under the names SQLite looks for beside the moved file.
            for suffix in ["-wal", "-shm"] where fm.fileExists(atPath: database + suffix) {
                try fm.moveItem(atPath: database + suffix, toPath: aside + suffix)
            }
            movedAside = aside
        }
        guard rename(staging, database) == 0 else {
            throw Refusal(message: "cannot move \(staging) to \(database): \(String(cString: strerror(errno)))")
        }
        try sync(directory)
        return Report(backupSchemaVersion: version, movedAside: movedAside, installed: database)
    }

    static func sync(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Refusal(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw Refusal(message: "cannot sync \(path): \(String(cString: strerror(errno)))") }
    }
}
