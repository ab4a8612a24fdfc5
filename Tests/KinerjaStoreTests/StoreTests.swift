import Foundation
import GRDB
import KinerjaFixtures
import Testing

@testable import KinerjaStore

func temporaryDirectory() throws -> String {
    try TemporaryDirectories.make("kinerja-store")
}

@Suite struct StoreTests {
    /// TPP results are written and read by column position: the month and `Result.columnNames` must be the table's
    /// columns, each once, or every month read back would shift (or trap on a text read as a number), and a column
    /// added to the table would be neither written nor shown.
    @Test func tppResultColumnsAreTheTables() throws {
        let listed = ["month"] + TPPStore.Result.columnNames
        #expect(Set(listed).count == listed.count, "a column is listed twice")
        let store = try Store.inMemory()
        let table = try store.writer.read { db in try db.columns(in: "tpp_results").map(\.name) }
        #expect(Set(listed) == Set(table), "listed only: \(Set(listed).subtracting(table).sorted()); table only: \(Set(table).subtracting(listed).sorted())")
    }

    @Test func migratesAnEmptyDatabase() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/k.db")
        #expect(store.schemaVersion() == Store.latestSchemaVersion)
        #expect(Store.latestSchemaVersion >= 2)
        let tables = try store.writer.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(tables.contains("audit_log"))
        #expect(tables.contains("meta"))
        let journal = try store.writer.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(journal == "wal")
        let fk = try store.writer.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }
        #expect(fk == 1)
        #expect(try store.integrityCheck() == "ok")
        try store.close()
    }

    @Test func migratesAnExistingOlderDatabaseKeepingItsData() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/k.db"
        // A database left by a build that knew only the first migration.
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: Migrations.identifiers[0])
            try queue.write { db in try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('agency', 'Dinas X')") }
            let applied = try queue.read { db in try Migrations.migrator.appliedIdentifiers(db) }
            #expect(applied.count == 1)
            try queue.close()
        }
        let store = try Store(path: path)
        #expect(store.schemaVersion() == Store.latestSchemaVersion)
        let agency = try store.writer.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'agency'") }
        #expect(agency == "Dinas X")
        // Opening a current database again applies nothing and changes nothing.
        try store.close()
        let again = try Store(path: path)
        #expect(again.schemaVersion() == Store.latestSchemaVersion)
        try again.close()
    }

    @Test func planTablesMoveToWithoutRowidKeepingRowsAndKeys() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/k.db"
        // A database of the build before 0010, holding one SKP with its RHK, indicator and realisasi.
        do {
            let queue = try DatabaseQueue(path: path)
            try Migrations.migrator.migrate(queue, upTo: "0009-reminders")
            try queue.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO units(code, name) VALUES ('U1', 'Unit');
                        INSERT INTO employees(nip, name, kind, golongan, jenis_jabatan, kelas_jabatan, unit_code)
                            VALUES ('198001012005011001', 'A', 'PNS', 'III/a', 'pelaksana', 7, 'U1');
                        INSERT INTO periods(id, kind, year, start_date, end_date, deadline, created_at)
                            VALUES ('2026', 'annual', 2026, '2026-01-01', '2026-12-31', '2027-01-10', 'x'),
                                   ('2026-01', 'monthly', 2026, '2026-01-01', '2026-01-31', '2026-02-10', 'x');
                        INSERT INTO skp(period_id, nip, status, updated_at) VALUES ('2026', '198001012005011001', 'approved', 'x');
                        INSERT INTO rhk(period_id, nip, rhk_id, position, kind, text) VALUES ('2026', '198001012005011001', 'R1', 0, 'utama', 'Layanan');
                        INSERT INTO indicators(period_id, nip, rhk_id, indicator_id, position, aspect, text, target_value, direction)
                            VALUES ('2026', '198001012005011001', 'R1', 'I1', 0, 'kuantitas', 'Jumlah', 12, 'higher_is_better');
                        INSERT INTO realisasi(period_id, skp_period_id, nip, rhk_id, indicator_id, value, updated_at)
                            VALUES ('2026-01', '2026', '198001012005011001', 'R1', 'I1', 3, 'x');
                        """)
            }
            try queue.close()
        }
        let store = try Store(path: path)
        defer { try? store.close() }
        try store.writer.read { (db: Database) throws in
            #expect(try Double.fetchOne(db, sql: "SELECT value FROM realisasi WHERE nip = '198001012005011001'") == 3)
            #expect(try String.fetchOne(db, sql: "SELECT text FROM rhk WHERE rhk_id = 'R1'") == "Layanan")
            #expect(try Double.fetchOne(db, sql: "SELECT target_value FROM indicators WHERE indicator_id = 'I1'") == 12)
            for table in ["rhk", "indicators", "realisasi"] {
                #expect(throws: DatabaseError.self, "\(table) has no rowid") { try db.execute(sql: "SELECT rowid FROM \(table)") }
            }
            #expect(try Row.fetchAll(db, sql: "PRAGMA foreign_key_check").isEmpty)
        }
        // The keys and foreign keys still hold: a second RHK R1 is refused, an indicator of a missing RHK too, and
        // deleting the RHK takes its indicators with it (the realisasi goes first: it refers to the indicator).
        try store.writer.write { (db: Database) throws in
            #expect(throws: DatabaseError.self) {
                try db.execute(
                    sql: "INSERT INTO rhk(period_id, nip, rhk_id, position, kind, text) VALUES ('2026', '198001012005011001', 'R1', 1, 'utama', 'x')")
            }
            #expect(throws: DatabaseError.self) {
                try db.execute(
                    sql: """
                        INSERT INTO indicators(period_id, nip, rhk_id, indicator_id, position, aspect, text, direction)
                        VALUES ('2026', '198001012005011001', 'R9', 'I1', 0, 'kuantitas', 'x', 'higher_is_better')
                        """)
            }
            try db.execute(sql: "DELETE FROM realisasi; DELETE FROM rhk")
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM indicators") == 0)
        }
    }

    @Test func bigCommitsAreCheckpointedInTheBackground() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/k.db"
        let store = try Store(path: path)
        defer { try? store.close() }
        func size(_ file: String) -> Int { ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber)?.intValue ?? 0 }
        let before = size(path)
        // About 8 MB in one commit: it lands in the WAL; the committing call does not copy it into the file.
        try store.writer.write { db in
            try db.execute(sql: "CREATE TABLE bulk(x BLOB)")
            for _ in 0..<128 { try db.execute(sql: "INSERT INTO bulk VALUES (randomblob(65536))") }
        }
        #expect(size(path + "-wal") > 8 << 20)
        // The checkpointer copies it on its own connection shortly after.
        let deadline = Date().addingTimeInterval(20)
        while size(path) < before + (8 << 20) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(size(path) >= before + (8 << 20))
        #expect(try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM bulk") } == 128)
    }

    @Test func auditRowsAreAppendOnly() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/k.db")
        let actor = AuditActor(uid: 1000, pid: 42, role: "admin")
        try store.writer.write { db in
            try Audit.record(db, actor: actor, rpc: "Test", target: "t", summary: "first")
            try Audit.record(db, actor: actor, rpc: "Test", target: "t", summary: "second")
        }
        let rows = try store.writer.read { db in try Audit.list(db, limit: 10) }
        #expect(rows.map(\.summary) == ["second", "first"])
        #expect(rows[0].uid == 1000 && rows[0].pid == 42 && rows[0].role == "admin")
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in try db.execute(sql: "UPDATE audit_log SET summary = 'forged'") }
        }
        #expect(throws: DatabaseError.self) {
            try store.writer.write { db in try db.execute(sql: "DELETE FROM audit_log") }
        }
        #expect(try store.writer.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") } == 2)
        let future = try store.writer.read { db in try Audit.list(db, Audit.Filter(since: Date().addingTimeInterval(3600)), limit: 10) }
        #expect(future.isEmpty)
        try store.close()
    }

    @Test func backupUnderConcurrentWritesIsConsistent() async throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try Store(path: dir + "/k.db")
        try await store.writer.write { db in
            try db.execute(sql: "CREATE TABLE ledger(id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b INTEGER NOT NULL)")
        }
        // Writers keep inserting pairs whose sum is always 0: any torn copy would break the invariant.
        let writer = Task.detached {
            var n = 0
            while !Task.isCancelled && n < 20_000 {
                try store.writer.write { db in
                    for _ in 0..<50 {
                        n += 1
                        try db.execute(sql: "INSERT INTO ledger(a, b) VALUES (?, ?)", arguments: [n, -n])
                    }
                }
            }
            return n
        }
        try await Task.sleep(for: .milliseconds(50))
        let copy = dir + "/copy.db"
        let size = try store.backup(to: copy)
        _ = try await writer.value
        #expect(size > 0)
        let backup = try DatabaseQueue(path: copy)
        try await backup.read { db in
            #expect(try String.fetchOne(db, sql: "PRAGMA integrity_check") == "ok")
            let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM ledger") ?? -1
            let sum = try Int.fetchOne(db, sql: "SELECT coalesce(sum(a + b), 0) FROM ledger") ?? -1
            #expect(rows % 50 == 0, "a transaction was copied in part")
            #expect(sum == 0)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") == 0)
        }
        try backup.close()
        // The copy opens as a Kinerja database at the current schema.
        let reopened = try Store(path: copy)
        #expect(reopened.schemaVersion() == Store.latestSchemaVersion)
        try reopened.close()
        #expect(throws: StoreError.self) { try store.backup(to: copy) }
        try store.close()
    }
}

/// Imports plan on a snapshot and write later only when no table they read changed meanwhile.
@Suite(.serialized) struct TableVersionsTests {
    @Test func aCommitRaisesTheTablesItWroteAndBulkWritesRaiseAll() throws {
        let store = try Store(path: try temporaryDirectory() + "/k.db")
        let versions = store.tableVersions
        let before = versions.snapshot(["ratings", "units"])
        // A write to another table leaves the snapshot valid.
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO audit_log(time, uid, pid, role, rpc) VALUES ('2026-01-01T00:00:00Z', 0, 1, 'admin', 'X')")
        }
        #expect(versions.unchanged(since: before))
        // A write to a table the snapshot covers does not.
        try store.writer.write { db in
            try db.execute(sql: "INSERT INTO units(code, name) VALUES ('U1', 'Unit')")
        }
        #expect(!versions.unchanged(since: before))
        // A rolled back write changes nothing.
        let again = versions.snapshot(["units"])
        try? store.writer.write { db in
            try db.execute(sql: "INSERT INTO units(code, name) VALUES ('U2', 'Unit')")
            throw CancellationError()
        }
        #expect(versions.unchanged(since: again))
        // A write through the C API (BulkInsert), announced, counts for every table.
        let third = versions.snapshot(["ratings"])
        try store.writer.write { db in
            versions.noteBulkWrite()
            let insert = BulkInsert(db, table: "units", columns: ["code", "name"])
            insert.add("U3")
            insert.add("Unit 3")
            try insert.endRow()
            try insert.flush()
        }
        #expect(!versions.unchanged(since: third))
        // Unannounced, a bulk write still counts for the table it wrote (and only for it).
        let fourth = versions.snapshot(["units"])
        let other = versions.snapshot(["ratings"])
        try store.writer.write { db in
            let insert = BulkInsert(db, table: "units", columns: ["code", "name"])
            insert.add("U4")
            insert.add("Unit 4")
            try insert.endRow()
            try insert.flush()
        }
        #expect(!versions.unchanged(since: fourth))
        #expect(versions.unchanged(since: other))
    }
}
