import GRDB

/// Versioned schema migrations. Append new ones at the end; never edit one that has shipped.
enum Migrations {
    /// Every migration, in order. The schema version is the count of those applied.
    static let identifiers = ["0001-daemon", "0002-audit"]

    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration(identifiers[0]) { db in
            // Key/value facts about this database (e.g. when it was created).
            try db.execute(sql: """
                CREATE TABLE meta (
                    key   TEXT PRIMARY KEY NOT NULL,
                    value TEXT NOT NULL
                ) STRICT;
                INSERT INTO meta(key, value) VALUES ('created_at', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));
                """)
        }
        m.registerMigration(identifiers[1]) { db in
            // The audit trail: one row per mutating RPC, written in the same transaction as the change.
            // Triggers make it append-only even for a careless SQL statement inside the daemon.
            try db.execute(sql: """
                CREATE TABLE audit_log (
                    id        INTEGER PRIMARY KEY AUTOINCREMENT,
                    time      TEXT    NOT NULL,
                    uid       INTEGER NOT NULL,
                    pid       INTEGER NOT NULL,
                    role      TEXT    NOT NULL,
                    actor_nip TEXT    NOT NULL DEFAULT '',
                    rpc       TEXT    NOT NULL,
                    target    TEXT    NOT NULL DEFAULT '',
                    summary   TEXT    NOT NULL DEFAULT ''
                ) STRICT;
                CREATE INDEX audit_log_time ON audit_log(time);
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END;
                """)
        }
        return m
    }()
}
