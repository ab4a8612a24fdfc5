import Foundation
import GRDB
import KinerjaCore

/// Employees' credentials for the portal: the bcrypt hash, a pending one-time code (its hash), the lockout.
package enum AccountStore {
    /// One account with what the rules need to decide a login.
    package struct Record: Sendable, Equatable {
        package var nip: String
        package var name: String
        package var unitCode: String
        package var employeeActive: Bool
        package var passwordHash: String
        package var disabled: Bool
        package var codeHash: String
        /// `invite` or `reset`.
        package var codePurpose: String
        package var codeExpiresAt: Date?
        package var lockedUntil: Date?
        package var lastLoginAt: Date?
        /// Failed logins still on record (the caller counts those within the window).
        package var failures: [Date]

        package var status: AccountStatus {
            if disabled { return .disabled }
            return passwordHash.isEmpty ? .invited : .active
        }
    }

    /// The employee's account, nil when the employee has none (or does not exist).
    package static func account(_ db: Database, nip: String) throws -> Record? {
        guard
            let r = try Row.fetchOne(
                db,
                sql: """
                    SELECT a.nip, e.name, e.unit_code, e.active, a.password_hash, a.disabled, a.code_hash, a.code_purpose, a.code_expires_at,
                        a.locked_until, a.last_login_at
                    FROM accounts a JOIN employees e ON e.nip = a.nip WHERE a.nip = ?
                    """, arguments: [nip])
        else { return nil }
        let failures = try String.fetchAll(db.cachedStatement(sql: "SELECT at FROM login_failures WHERE nip = ? ORDER BY at"), arguments: [nip]).compactMap(
            UTCTime.parse)
        return Record(
            nip: r[0], name: r[1], unitCode: r[2], employeeActive: r[3], passwordHash: r[4], disabled: r[5], codeHash: r[6], codePurpose: r[7],
            codeExpiresAt: UTCTime.parse(r[8]), lockedUntil: UTCTime.parse(r[9]), lastLoginAt: UTCTime.parse(r[10]), failures: failures)
    }

    /// Every account (optionally of one status), by NIP.
    package static func all(_ db: Database) throws -> [Record] {
        try String.fetchAll(db.cachedStatement(sql: "SELECT nip FROM accounts ORDER BY nip")).compactMap { try account(db, nip: $0) }
    }

    /// Gives the employee a pending code (creating the account when there is none); any earlier code is void.
    package static func issueCode(_ db: Database, nip: String, codeHash: String, purpose: String, expiresAt: Date, now: Date) throws {
        let time = UTCTime.format(now)
        try db.execute(
            sql: """
                INSERT INTO accounts(nip, code_hash, code_purpose, code_expires_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT(nip) DO UPDATE SET code_hash = excluded.code_hash, code_purpose = excluded.code_purpose,
                    code_expires_at = excluded.code_expires_at, updated_at = excluded.updated_at
                """, arguments: [nip, codeHash, purpose, UTCTime.format(expiresAt), time, time])
    }

    /// Sets a new password: the code is used up, the lockout and failures are cleared, a disabled account is enabled
    /// (only an admin can have issued the code that got here).
    package static func setPassword(_ db: Database, nip: String, hash: String, now: Date, clearCode: Bool) throws {
        try db.execute(
            sql: """
                UPDATE accounts SET password_hash = ?, disabled = 0, locked_until = '', updated_at = ?,
                    code_hash = CASE WHEN ? THEN '' ELSE code_hash END, code_purpose = CASE WHEN ? THEN '' ELSE code_purpose END,
                    code_expires_at = CASE WHEN ? THEN '' ELSE code_expires_at END
                WHERE nip = ?
                """, arguments: [hash, UTCTime.format(now), clearCode, clearCode, clearCode, nip])
        try db.execute(sql: "DELETE FROM login_failures WHERE nip = ?", arguments: [nip])
    }

    /// Records a failed login (failures older than `keepAfter` are dropped).
    package static func recordFailure(_ db: Database, nip: String, at: Date, keepAfter: Date) throws {
        try db.execute(sql: "DELETE FROM login_failures WHERE nip = ? AND at <= ?", arguments: [nip, UTCTime.format(keepAfter)])
        try db.execute(sql: "INSERT INTO login_failures(nip, at) VALUES (?, ?)", arguments: [nip, UTCTime.format(at)])
    }

    /// Locks the account until `until`; the failures that led there are cleared.
    package static func lock(_ db: Database, nip: String, until: Date) throws {
        try db.execute(sql: "UPDATE accounts SET locked_until = ? WHERE nip = ?", arguments: [UTCTime.format(until), nip])
        try db.execute(sql: "DELETE FROM login_failures WHERE nip = ?", arguments: [nip])
    }

    /// A successful login: failures cleared, the time kept.
    package static func recordLogin(_ db: Database, nip: String, at: Date) throws {
        try db.execute(sql: "UPDATE accounts SET last_login_at = ?, locked_until = '' WHERE nip = ?", arguments: [UTCTime.format(at), nip])
        try db.execute(sql: "DELETE FROM login_failures WHERE nip = ?", arguments: [nip])
    }

    /// Stops the account from logging in; a pending code is void.
    package static func disable(_ db: Database, nip: String, now: Date) throws {
        try db.execute(
            sql: "UPDATE accounts SET disabled = 1, code_hash = '', code_purpose = '', code_expires_at = '', updated_at = ? WHERE nip = ?",
            arguments: [UTCTime.format(now), nip])
    }
}

extension OrganisationStore {
    /// How many active employees have `nip` as their direct supervisor.
    package static func directSubordinateCount(_ db: Database, nip: String) throws -> Int {
        try Int.fetchOne(db.cachedStatement(sql: "SELECT count(*) FROM employees WHERE supervisor_nip = ? AND active = 1"), arguments: [nip]) ?? 0
    }
}
