import GRDB

/// Versioned schema migrations. Append new ones at the end; never edit one that has shipped.
enum Migrations {
    /// Every migration, in order. The schema version is the count of those applied.
    static let identifiers = [
        "0001-daemon", "0002-audit", "0003-organisation", "0004-periods", "0005-skp", "0006-appraisal", "0007-tpp", "0008-tpp-inputs", "0009-reminders",
        "0010-plan-tables-without-rowid", "0011-tpp-input-versions", "0012-staged-imports", "0013-accounts", "0014-deadline-extensions", "0015-public-links",
        "0016-regulation-structure",
    ]

    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration(identifiers[0]) { db in
            // Key/value facts about this database (e.g. when it was created).
            try db.execute(
                sql: """
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
            try db.execute(
                sql: """
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
        m.registerMigration(identifiers[2]) { db in
            // One agency per daemon; units (a tree) and employees (a supervisor forest).
            // References are deferred so that one import may point forward within its own rows.
            try db.execute(
                sql: """
                    CREATE TABLE agency (
                        id        INTEGER PRIMARY KEY CHECK (id = 1),
                        code      TEXT NOT NULL DEFAULT '',
                        name      TEXT NOT NULL DEFAULT '',
                        time_zone TEXT NOT NULL DEFAULT 'Asia/Jakarta'
                                  CHECK (time_zone IN ('Asia/Jakarta', 'Asia/Makassar', 'Asia/Jayapura')),
                        plugin_id TEXT NOT NULL DEFAULT ''
                    ) STRICT;
                    INSERT INTO agency(id) VALUES (1);
                    CREATE TABLE tpp_base (
                        kelas_jabatan INTEGER PRIMARY KEY CHECK (kelas_jabatan BETWEEN 1 AND 17),
                        base_rupiah   INTEGER NOT NULL CHECK (base_rupiah >= 0)
                    ) STRICT;
                    CREATE TABLE units (
                        code        TEXT PRIMARY KEY NOT NULL,
                        name        TEXT NOT NULL,
                        parent_code TEXT REFERENCES units(code) DEFERRABLE INITIALLY DEFERRED,
                        head_nip    TEXT REFERENCES employees(nip) DEFERRABLE INITIALLY DEFERRED
                    ) STRICT;
                    CREATE INDEX units_parent ON units(parent_code);
                    CREATE TABLE employees (
                        nip                TEXT PRIMARY KEY NOT NULL CHECK (length(nip) = 18),
                        name               TEXT NOT NULL,
                        kind               TEXT NOT NULL CHECK (kind IN ('PNS', 'PPPK')),
                        golongan           TEXT NOT NULL,
                        jabatan            TEXT NOT NULL DEFAULT '',
                        jenis_jabatan      TEXT NOT NULL,
                        jabatan_fungsional TEXT NOT NULL DEFAULT '',
                        kelas_jabatan      INTEGER NOT NULL CHECK (kelas_jabatan BETWEEN 1 AND 17),
                        unit_code          TEXT NOT NULL REFERENCES units(code) DEFERRABLE INITIALLY DEFERRED,
                        supervisor_nip     TEXT REFERENCES employees(nip) DEFERRABLE INITIALLY DEFERRED,
                        email              TEXT NOT NULL DEFAULT '',
                        phone              TEXT NOT NULL DEFAULT '',
                        active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
                        tpp_override_rupiah INTEGER CHECK (tpp_override_rupiah >= 0)
                    ) STRICT;
                    CREATE INDEX employees_unit ON employees(unit_code, nip);
                    CREATE INDEX employees_supervisor ON employees(supervisor_nip);
                    """)
        }
        m.registerMigration(identifiers[3]) { db in
            // Appraisal periods: an annual period and its periodic children. Dates are agency-zone calendar days.
            try db.execute(
                sql: """
                    CREATE TABLE periods (
                        id           TEXT PRIMARY KEY NOT NULL,
                        kind         TEXT NOT NULL CHECK (kind IN ('annual', 'monthly', 'quarterly', 'semester')),
                        year         INTEGER NOT NULL,
                        parent_id    TEXT REFERENCES periods(id),
                        periodicity  TEXT NOT NULL DEFAULT 'none' CHECK (periodicity IN ('none', 'monthly', 'quarterly', 'semester')),
                        state        TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'planning', 'running', 'assessment', 'closed')),
                        start_date   TEXT NOT NULL,
                        end_date     TEXT NOT NULL,
                        deadline     TEXT NOT NULL,
                        skp_deadline TEXT,
                        created_at   TEXT NOT NULL
                    ) STRICT;
                    CREATE INDEX periods_parent ON periods(parent_id);
                    """)
        }
        m.registerMigration(identifiers[4]) { db in
            // SKP (one per employee per annual period), its RHK and indicators; realisasi per indicator per
            // period; supervisor feedback per RHK per period; the daily activity log.
            try db.execute(
                sql: """
                    CREATE TABLE skp (
                        period_id   TEXT NOT NULL REFERENCES periods(id),
                        nip         TEXT NOT NULL REFERENCES employees(nip),
                        status      TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted', 'approved', 'returned')),
                        return_note TEXT NOT NULL DEFAULT '',
                        lampiran    TEXT NOT NULL DEFAULT '{}',
                        perilaku    TEXT NOT NULL DEFAULT '{}',
                        updated_at  TEXT NOT NULL,
                        status_by   TEXT NOT NULL DEFAULT '',
                        PRIMARY KEY (period_id, nip)
                    ) STRICT;
                    CREATE INDEX skp_status ON skp(period_id, status);
                    CREATE TABLE rhk (
                        period_id      TEXT NOT NULL,
                        nip            TEXT NOT NULL,
                        rhk_id         TEXT NOT NULL,
                        position       INTEGER NOT NULL,
                        kind           TEXT NOT NULL CHECK (kind IN ('utama', 'tambahan')),
                        text           TEXT NOT NULL,
                        intervensi_nip TEXT,
                        intervensi_rhk TEXT,
                        PRIMARY KEY (period_id, nip, rhk_id),
                        FOREIGN KEY (period_id, nip) REFERENCES skp(period_id, nip) ON DELETE CASCADE
                    ) STRICT;
                    CREATE TABLE indicators (
                        period_id    TEXT NOT NULL,
                        nip          TEXT NOT NULL,
                        rhk_id       TEXT NOT NULL,
                        indicator_id TEXT NOT NULL,
                        position     INTEGER NOT NULL,
                        aspect       TEXT NOT NULL CHECK (aspect IN ('kuantitas', 'kualitas', 'waktu', 'biaya')),
                        text         TEXT NOT NULL,
                        target_value REAL,
                        target_unit  TEXT NOT NULL DEFAULT '',
                        target_text  TEXT NOT NULL DEFAULT '',
                        direction    TEXT NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
                        PRIMARY KEY (period_id, nip, rhk_id, indicator_id),
                        FOREIGN KEY (period_id, nip, rhk_id) REFERENCES rhk(period_id, nip, rhk_id) ON DELETE CASCADE
                    ) STRICT;
                    CREATE TABLE realisasi (
                        period_id     TEXT NOT NULL REFERENCES periods(id),
                        skp_period_id TEXT NOT NULL,
                        nip           TEXT NOT NULL,
                        rhk_id        TEXT NOT NULL,
                        indicator_id  TEXT NOT NULL,
                        value         REAL,
                        text          TEXT NOT NULL DEFAULT '',
                        evidence      TEXT NOT NULL DEFAULT '',
                        note          TEXT NOT NULL DEFAULT '',
                        updated_at    TEXT NOT NULL,
                        PRIMARY KEY (period_id, nip, rhk_id, indicator_id),
                        FOREIGN KEY (skp_period_id, nip, rhk_id, indicator_id) REFERENCES indicators(period_id, nip, rhk_id, indicator_id)
                    ) STRICT;
                    CREATE TABLE rhk_feedback (
                        period_id  TEXT NOT NULL REFERENCES periods(id),
                        nip        TEXT NOT NULL,
                        rhk_id     TEXT NOT NULL,
                        text       TEXT NOT NULL,
                        by_nip     TEXT NOT NULL DEFAULT '',
                        updated_at TEXT NOT NULL,
                        PRIMARY KEY (period_id, nip, rhk_id)
                    ) STRICT;
                    CREATE TABLE activities (
                        id          INTEGER PRIMARY KEY,
                        nip         TEXT NOT NULL REFERENCES employees(nip),
                        date        TEXT NOT NULL,
                        description TEXT NOT NULL,
                        rhk_id      TEXT NOT NULL DEFAULT '',
                        minutes     INTEGER NOT NULL CHECK (minutes BETWEEN 1 AND 1440),
                        evidence    TEXT NOT NULL DEFAULT '',
                        created_at  TEXT NOT NULL
                    ) STRICT;
                    CREATE UNIQUE INDEX activities_key ON activities(nip, date, description);
                    """)
        }
        m.registerMigration(identifiers[5]) { db in
            // Ratings per employee per period (the predikat is derived, never entered), unit predicates,
            // and 360° feedback (rater references kept only to refuse duplicates; never returned).
            try db.execute(
                sql: """
                    CREATE TABLE ratings (
                        period_id      TEXT NOT NULL REFERENCES periods(id),
                        nip            TEXT NOT NULL REFERENCES employees(nip),
                        hasil_kerja    TEXT NOT NULL CHECK (hasil_kerja IN ('di_atas', 'sesuai', 'di_bawah')),
                        perilaku_kerja TEXT NOT NULL CHECK (perilaku_kerja IN ('di_atas', 'sesuai', 'di_bawah')),
                        predikat       TEXT NOT NULL,
                        aspects        TEXT NOT NULL DEFAULT '{}',
                        notes          TEXT NOT NULL DEFAULT '',
                        rated_by       TEXT NOT NULL DEFAULT '',
                        updated_at     TEXT NOT NULL,
                        PRIMARY KEY (period_id, nip)
                    ) STRICT;
                    CREATE TABLE unit_ratings (
                        period_id  TEXT NOT NULL REFERENCES periods(id),
                        unit_code  TEXT NOT NULL REFERENCES units(code),
                        predikat   TEXT NOT NULL CHECK (predikat IN ('istimewa', 'baik', 'butuh_perbaikan', 'kurang', 'sangat_kurang')),
                        rated_by   TEXT NOT NULL DEFAULT '',
                        updated_at TEXT NOT NULL,
                        PRIMARY KEY (period_id, unit_code)
                    ) STRICT;
                    CREATE TABLE feedback360 (
                        id         INTEGER PRIMARY KEY,
                        period_id  TEXT NOT NULL REFERENCES periods(id),
                        nip        TEXT NOT NULL REFERENCES employees(nip),
                        source     TEXT NOT NULL CHECK (source IN ('atasan', 'rekan', 'bawahan', 'masyarakat')),
                        rating     TEXT NOT NULL CHECK (rating IN ('di_atas', 'sesuai', 'di_bawah')),
                        aspects    TEXT NOT NULL DEFAULT '{}',
                        comment    TEXT NOT NULL DEFAULT '',
                        rater_ref  TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        UNIQUE (period_id, nip, source, rater_ref)
                    ) STRICT;
                    """)
        }
        m.registerMigration(identifiers[6]) { db in
            // TPP: monthly attendance, computed results (replaced on recomputation until the month is locked).
            try db.execute(
                sql: """
                    CREATE TABLE attendance (
                        month TEXT NOT NULL,
                        nip   TEXT NOT NULL REFERENCES employees(nip),
                        tl1 INTEGER NOT NULL DEFAULT 0, tl2 INTEGER NOT NULL DEFAULT 0, tl3 INTEGER NOT NULL DEFAULT 0, tl4 INTEGER NOT NULL DEFAULT 0,
                        psw1 INTEGER NOT NULL DEFAULT 0, psw2 INTEGER NOT NULL DEFAULT 0, psw3 INTEGER NOT NULL DEFAULT 0, psw4 INTEGER NOT NULL DEFAULT 0,
                        tk INTEGER NOT NULL DEFAULT 0,
                        sanction_percent INTEGER NOT NULL DEFAULT 0 CHECK (sanction_percent = 0 OR sanction_percent BETWEEN 20 AND 100),
                        PRIMARY KEY (month, nip)
                    ) STRICT;
                    CREATE TABLE tpp_months (
                        month       TEXT PRIMARY KEY NOT NULL,
                        locked      INTEGER NOT NULL DEFAULT 0,
                        computed_at TEXT,
                        locked_at   TEXT,
                        locked_by   TEXT NOT NULL DEFAULT ''
                    ) STRICT;
                    CREATE TABLE tpp_results (
                        month              TEXT NOT NULL,
                        nip                TEXT NOT NULL,
                        name               TEXT NOT NULL,
                        unit_code          TEXT NOT NULL,
                        golongan           TEXT NOT NULL,
                        kelas_jabatan      INTEGER NOT NULL,
                        base               INTEGER NOT NULL,
                        base_source        TEXT NOT NULL,
                        predikat           TEXT NOT NULL,
                        predikat_period    TEXT NOT NULL,
                        kinerja            INTEGER NOT NULL,
                        disiplin           INTEGER NOT NULL,
                        deductions_percent TEXT NOT NULL,
                        sanction_percent   INTEGER NOT NULL,
                        gross              INTEGER NOT NULL,
                        tax                INTEGER NOT NULL,
                        tax_percent        INTEGER NOT NULL,
                        net                INTEGER NOT NULL,
                        blocked            INTEGER NOT NULL,
                        blocked_reason     TEXT NOT NULL,
                        steps              TEXT NOT NULL,
                        handled_by         TEXT NOT NULL,
                        PRIMARY KEY (month, nip)
                    ) STRICT;
                    """)
        }
        m.registerMigration(identifiers[7]) { db in
            // A result keeps the inputs it used (attendance counts, employee kind) and a month keeps the TPP
            // numbers in force, so the national explanation is rebuilt on `tpp show` instead of stored per row.
            try db.execute(
                sql: """
                    ALTER TABLE tpp_results ADD COLUMN kind TEXT NOT NULL DEFAULT '';
                    ALTER TABLE tpp_results ADD COLUMN attendance TEXT NOT NULL DEFAULT '';
                    ALTER TABLE tpp_months ADD COLUMN policy TEXT NOT NULL DEFAULT '';
                    """)
        }
        m.registerMigration(identifiers[8]) { db in
            // Reminders: rules added or removed by admins (built-in rules come from code and the plugin),
            // the last handled occurrence of each rule, what happened at each occurrence, and the outbox.
            // An outbox row is unique per (rule, occurrence, recipient, channel) and is written in the same
            // transaction that marks the occurrence handled: a crash yields no duplicates and no gaps.
            try db.execute(
                sql: """
                    CREATE TABLE reminder_rules (
                        name                TEXT PRIMARY KEY NOT NULL,
                        removed             INTEGER NOT NULL DEFAULT 0,
                        cron                TEXT NOT NULL DEFAULT '',
                        audience            TEXT NOT NULL DEFAULT '',
                        template            TEXT NOT NULL DEFAULT '',
                        channels            TEXT NOT NULL DEFAULT '',
                        period_states       TEXT NOT NULL DEFAULT '',
                        escalate_after_days INTEGER NOT NULL DEFAULT 0,
                        catch_up_hours      INTEGER NOT NULL DEFAULT 24,
                        updated_at          TEXT NOT NULL
                    ) STRICT;
                    CREATE TABLE reminder_state (
                        rule            TEXT PRIMARY KEY NOT NULL,
                        last_occurrence TEXT NOT NULL
                    ) STRICT;
                    CREATE TABLE reminder_history (
                        id         INTEGER PRIMARY KEY,
                        rule       TEXT NOT NULL,
                        occurrence TEXT NOT NULL,
                        handled_at TEXT NOT NULL,
                        outcome    TEXT NOT NULL CHECK (outcome IN ('fired', 'manual', 'skipped', 'inactive')),
                        period_id  TEXT NOT NULL DEFAULT '',
                        recipients INTEGER NOT NULL DEFAULT 0,
                        messages   INTEGER NOT NULL DEFAULT 0,
                        note       TEXT NOT NULL DEFAULT ''
                    ) STRICT;
                    CREATE INDEX reminder_history_rule ON reminder_history(rule, id);
                    CREATE TABLE outbox (
                        id              INTEGER PRIMARY KEY,
                        rule            TEXT NOT NULL,
                        occurrence      TEXT NOT NULL,
                        recipient       TEXT NOT NULL,
                        channel         TEXT NOT NULL CHECK (channel IN ('webhook', 'sendmail', 'log')),
                        nip             TEXT NOT NULL,
                        name            TEXT NOT NULL,
                        email           TEXT NOT NULL DEFAULT '',
                        subject         TEXT NOT NULL,
                        body            TEXT NOT NULL,
                        status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed', 'dead')),
                        attempts        INTEGER NOT NULL DEFAULT 0,
                        next_attempt_at TEXT NOT NULL,
                        last_error      TEXT NOT NULL DEFAULT '',
                        created_at      TEXT NOT NULL,
                        sent_at         TEXT,
                        UNIQUE (rule, occurrence, recipient, channel)
                    ) STRICT;
                    CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE status IN ('pending', 'failed');
                    CREATE INDEX outbox_status ON outbox(status, id);
                    """)
        }
        m.registerMigration(identifiers[9]) { db in
            // RHK, indicators and realisasi are looked up and written by their composite text keys only: as
            // WITHOUT ROWID tables each row lives once, in the key's B-tree, instead of in a rowid table plus an
            // index on the key. Same columns and constraints; rebuilt with foreign keys off (GRDB's deferred checks).
            try db.execute(
                sql: """
                    CREATE TABLE rhk_new (
                        period_id      TEXT NOT NULL,
                        nip            TEXT NOT NULL,
                        rhk_id         TEXT NOT NULL,
                        position       INTEGER NOT NULL,
                        kind           TEXT NOT NULL CHECK (kind IN ('utama', 'tambahan')),
                        text           TEXT NOT NULL,
                        intervensi_nip TEXT,
                        intervensi_rhk TEXT,
                        PRIMARY KEY (period_id, nip, rhk_id),
                        FOREIGN KEY (period_id, nip) REFERENCES skp(period_id, nip) ON DELETE CASCADE
                    ) STRICT, WITHOUT ROWID;
                    INSERT INTO rhk_new SELECT period_id, nip, rhk_id, position, kind, text, intervensi_nip, intervensi_rhk FROM rhk;
                    DROP TABLE rhk;
                    ALTER TABLE rhk_new RENAME TO rhk;
                    CREATE TABLE indicators_new (
                        period_id    TEXT NOT NULL,
                        nip          TEXT NOT NULL,
                        rhk_id       TEXT NOT NULL,
                        indicator_id TEXT NOT NULL,
                        position     INTEGER NOT NULL,
                        aspect       TEXT NOT NULL CHECK (aspect IN ('kuantitas', 'kualitas', 'waktu', 'biaya')),
                        text         TEXT NOT NULL,
                        target_value REAL,
                        target_unit  TEXT NOT NULL DEFAULT '',
                        target_text  TEXT NOT NULL DEFAULT '',
                        direction    TEXT NOT NULL CHECK (direction IN ('higher_is_better', 'lower_is_better')),
                        PRIMARY KEY (period_id, nip, rhk_id, indicator_id),
                        FOREIGN KEY (period_id, nip, rhk_id) REFERENCES rhk(period_id, nip, rhk_id) ON DELETE CASCADE
                    ) STRICT, WITHOUT ROWID;
                    INSERT INTO indicators_new SELECT period_id, nip, rhk_id, indicator_id, position, aspect, text, target_value,
                        target_unit, target_text, direction FROM indicators;
                    DROP TABLE indicators;
                    ALTER TABLE indicators_new RENAME TO indicators;
                    CREATE TABLE realisasi_new (
                        period_id     TEXT NOT NULL REFERENCES periods(id),
                        skp_period_id TEXT NOT NULL,
                        nip           TEXT NOT NULL,
                        rhk_id        TEXT NOT NULL,
                        indicator_id  TEXT NOT NULL,
                        value         REAL,
                        text          TEXT NOT NULL DEFAULT '',
                        evidence      TEXT NOT NULL DEFAULT '',
                        note          TEXT NOT NULL DEFAULT '',
                        updated_at    TEXT NOT NULL,
                        PRIMARY KEY (period_id, nip, rhk_id, indicator_id),
                        FOREIGN KEY (skp_period_id, nip, rhk_id, indicator_id) REFERENCES indicators(period_id, nip, rhk_id, indicator_id)
                    ) STRICT, WITHOUT ROWID;
                    INSERT INTO realisasi_new SELECT period_id, skp_period_id, nip, rhk_id, indicator_id, value, text, evidence, note,
                        updated_at FROM realisasi;
                    DROP TABLE realisasi;
                    ALTER TABLE realisasi_new RENAME TO realisasi;
                    """)
        }
        m.registerMigration(identifiers[10]) { db in
            // What a computed TPP month was computed from: a version per input (ratings of a period, attendance and
            // activities of a month, the base table, the staff file, a period's state), bumped by every write.
            try db.execute(
                sql: """
                    CREATE TABLE tpp_input_versions (
                        key     TEXT PRIMARY KEY NOT NULL,
                        version INTEGER NOT NULL
                    ) STRICT;
                    ALTER TABLE tpp_months ADD COLUMN inputs TEXT NOT NULL DEFAULT '';
                    """)
        }
        m.registerMigration(identifiers[11]) { db in
            // A big SKP or realisasi import is staged, then applied in steps while `epoch` is odd (see `StagedImportStore`).
            try db.execute(
                sql: """
                    CREATE TABLE skp_stage (
                        period_id   TEXT NOT NULL,
                        nip         TEXT NOT NULL,
                        status      TEXT NOT NULL,
                        return_note TEXT NOT NULL DEFAULT '',
                        lampiran    TEXT NOT NULL,
                        perilaku    TEXT NOT NULL,
                        updated_at  TEXT NOT NULL,
                        PRIMARY KEY (period_id, nip)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE rhk_stage (
                        period_id      TEXT NOT NULL,
                        nip            TEXT NOT NULL,
                        rhk_id         TEXT NOT NULL,
                        position       INTEGER NOT NULL,
                        kind           TEXT NOT NULL,
                        text           TEXT NOT NULL,
                        intervensi_nip TEXT,
                        intervensi_rhk TEXT,
                        PRIMARY KEY (period_id, nip, rhk_id)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE indicators_stage (
                        period_id    TEXT NOT NULL,
                        nip          TEXT NOT NULL,
                        rhk_id       TEXT NOT NULL,
                        indicator_id TEXT NOT NULL,
                        position     INTEGER NOT NULL,
                        aspect       TEXT NOT NULL,
                        text         TEXT NOT NULL,
                        target_value REAL,
                        target_unit  TEXT NOT NULL DEFAULT '',
                        target_text  TEXT NOT NULL DEFAULT '',
                        direction    TEXT NOT NULL,
                        PRIMARY KEY (period_id, nip, rhk_id, indicator_id)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE realisasi_stage (
                        period_id     TEXT NOT NULL,
                        skp_period_id TEXT NOT NULL,
                        nip           TEXT NOT NULL,
                        rhk_id        TEXT NOT NULL,
                        indicator_id  TEXT NOT NULL,
                        value         REAL,
                        text          TEXT NOT NULL,
                        evidence      TEXT NOT NULL,
                        note          TEXT NOT NULL,
                        updated_at    TEXT NOT NULL
                    ) STRICT;
                    CREATE TABLE staged_apply (
                        id              INTEGER PRIMARY KEY CHECK (id = 1),
                        epoch           INTEGER NOT NULL DEFAULT 0,
                        kind            TEXT NOT NULL DEFAULT 'skp' CHECK (kind IN ('skp', 'realisasi')),
                        period_id       TEXT NOT NULL DEFAULT '',
                        applied_through TEXT NOT NULL DEFAULT '',
                        uid             INTEGER NOT NULL DEFAULT 0,
                        pid             INTEGER NOT NULL DEFAULT 0,
                        role            TEXT NOT NULL DEFAULT '',
                        actor_nip       TEXT NOT NULL DEFAULT '',
                        rpc             TEXT NOT NULL DEFAULT '',
                        target          TEXT NOT NULL DEFAULT '',
                        summary         TEXT NOT NULL DEFAULT ''
                    ) STRICT;
                    INSERT INTO staged_apply(id) VALUES (1);
                    """)
        }
        m.registerMigration(identifiers[12]) { db in
            // One credential per employee (bcrypt), a pending one-time code (SHA-256 of a 128-bit code), and the failed
            // logins that count towards a lockout.
            try db.execute(
                sql: """
                    CREATE TABLE accounts (
                        nip             TEXT PRIMARY KEY NOT NULL REFERENCES employees(nip),
                        password_hash   TEXT NOT NULL DEFAULT '',
                        disabled        INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
                        code_hash       TEXT NOT NULL DEFAULT '',
                        code_purpose    TEXT NOT NULL DEFAULT '',
                        code_expires_at TEXT NOT NULL DEFAULT '',
                        locked_until    TEXT NOT NULL DEFAULT '',
                        last_login_at   TEXT NOT NULL DEFAULT '',
                        created_at      TEXT NOT NULL,
                        updated_at      TEXT NOT NULL
                    ) STRICT;
                    CREATE TABLE login_failures (
                        nip TEXT NOT NULL REFERENCES accounts(nip) ON DELETE CASCADE,
                        at  TEXT NOT NULL
                    ) STRICT;
                    CREATE INDEX login_failures_nip ON login_failures(nip, at);
                    """)
        }
        m.registerMigration(identifiers[13]) { db in
            // An admin's extension of a period's batas pengisian for one employee.
            try db.execute(
                sql: """
                    CREATE TABLE deadline_extensions (
                        period_id  TEXT NOT NULL REFERENCES periods(id),
                        nip        TEXT NOT NULL REFERENCES employees(nip),
                        until      TEXT NOT NULL,
                        reason     TEXT NOT NULL,
                        by_uid     INTEGER NOT NULL,
                        created_at TEXT NOT NULL,
                        PRIMARY KEY (period_id, nip)
                    ) STRICT, WITHOUT ROWID;
                    """)
        }
        m.registerMigration(identifiers[14]) { db in
            // Links for the public's feedback on one employee in one period (only the token's SHA-256 is kept).
            try db.execute(
                sql: """
                    CREATE TABLE public_links (
                        token_hash TEXT PRIMARY KEY NOT NULL,
                        nip        TEXT NOT NULL REFERENCES employees(nip),
                        period_id  TEXT NOT NULL REFERENCES periods(id),
                        created_at TEXT NOT NULL,
                        revoked_at TEXT NOT NULL DEFAULT ''
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX public_links_employee ON public_links(nip, period_id);
                    """)
        }
        m.registerMigration(identifiers[15]) { db in
            // The structure of the second wave (PermenPANRB 6/2022, SE MenPANRB 3/2023):
            // - employees: CPNS (TPP share) and the day they entered their jabatan (prorated angka kredit);
            // - employee_history: the state an employee had *before* a change of supervisor, unit or jabatan took
            //   effect, so that the supervisor in force on a day (the assessor of a period) can be told;
            // - acting_assignments: PLT / PLH over a unit for dated days;
            // - unit_ratings.head_nip: the head who took the unit's predikat as their Hasil Kerja, and ratings.hasil_by:
            //   who set a rating's Hasil Kerja when it was not the rater ('unit:<code>', or 'override:<actor>');
            // - tpp_sanctions: a disciplinary sanction over a run of months; tpp_results keep the BPJS contribution and
            //   whether the tax was borne by the region.
            try db.execute(
                sql: """
                    ALTER TABLE employees ADD COLUMN cpns INTEGER NOT NULL DEFAULT 0 CHECK (cpns IN (0, 1));
                    ALTER TABLE employees ADD COLUMN jabatan_since TEXT;
                    CREATE TABLE employee_history (
                        nip            TEXT NOT NULL REFERENCES employees(nip),
                        changed_on     TEXT NOT NULL,
                        supervisor_nip TEXT,
                        unit_code      TEXT NOT NULL,
                        jabatan        TEXT NOT NULL,
                        recorded_at    TEXT NOT NULL,
                        PRIMARY KEY (nip, changed_on)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE acting_assignments (
                        id         INTEGER PRIMARY KEY,
                        unit_code  TEXT NOT NULL REFERENCES units(code),
                        nip        TEXT NOT NULL REFERENCES employees(nip),
                        kind       TEXT NOT NULL CHECK (kind IN ('plt', 'plh')),
                        from_date  TEXT NOT NULL,
                        to_date    TEXT NOT NULL CHECK (to_date >= from_date),
                        reason     TEXT NOT NULL DEFAULT '',
                        created_by TEXT NOT NULL,
                        created_at TEXT NOT NULL,
                        ended_by   TEXT NOT NULL DEFAULT '',
                        ended_at   TEXT NOT NULL DEFAULT ''
                    ) STRICT;
                    CREATE INDEX acting_by_nip ON acting_assignments(nip, to_date);
                    CREATE INDEX acting_by_unit ON acting_assignments(unit_code, to_date);
                    ALTER TABLE unit_ratings ADD COLUMN head_nip TEXT;
                    CREATE INDEX unit_ratings_head ON unit_ratings(head_nip, period_id);
                    ALTER TABLE ratings ADD COLUMN hasil_by TEXT NOT NULL DEFAULT '';
                    CREATE TABLE tpp_sanctions (
                        id         INTEGER PRIMARY KEY,
                        nip        TEXT NOT NULL REFERENCES employees(nip),
                        percent    INTEGER NOT NULL CHECK (percent BETWEEN 20 AND 100),
                        from_month TEXT NOT NULL,
                        months     INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120),
                        reason     TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    ) STRICT;
                    CREATE INDEX tpp_sanctions_nip ON tpp_sanctions(nip);
                    ALTER TABLE tpp_results ADD COLUMN bpjs INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE tpp_results ADD COLUMN tax_borne INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE tpp_results ADD COLUMN cpns INTEGER NOT NULL DEFAULT 0;
                    """)
        }
        return m
    }()
}
