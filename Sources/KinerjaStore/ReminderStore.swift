import Foundation
import GRDB
import KinerjaCore

/// One person a reminder goes to.
package struct Recipient: Sendable, Equatable {
    package var nip: String
    package var name: String
    package var email: String
    package var unitCode: String
    package var supervisorNIP: String?
    /// For supervisors: how many subordinates the reminder is about.
    package var count: Int
}

/// The period an audience is about, when it is about one.
package struct ReminderContext: Sendable, Equatable {
    package var period: PeriodRecord?
    /// The annual period that holds the SKPs (the period itself when it is annual).
    package var annual: PeriodRecord?
    /// The deadline shown as `{batas}`: the SKP deadline for SKP audiences, else the period's filling deadline.
    package var deadline: CivilDate?
}

/// A stored outbox row.
package struct OutboxRow: Sendable, Equatable {
    package var id: Int64
    package var rule: String
    package var occurrence: String
    package var recipient: String
    package var channel: String
    package var nip: String
    package var name: String
    package var email: String
    package var subject: String
    package var body: String
    package var status: String
    package var attempts: Int
    package var nextAttemptAt: String
    package var lastError: String
    package var createdAt: String
    package var sentAt: String?

    init(_ r: Row) {
        id = r["id"]
        rule = r["rule"]
        occurrence = r["occurrence"]
        recipient = r["recipient"]
        channel = r["channel"]
        nip = r["nip"]
        name = r["name"]
        email = r["email"]
        subject = r["subject"]
        body = r["body"]
        status = r["status"]
        attempts = r["attempts"]
        nextAttemptAt = r["next_attempt_at"]
        lastError = r["last_error"]
        createdAt = r["created_at"]
        sentAt = r["sent_at"]
    }
}

/// A message to put in the outbox.
package struct OutboxMessage: Sendable {
    package var recipient: String
    package var channel: Channel
    package var nip: String
    package var name: String
    package var email: String
    package var subject: String
    package var body: String
    package init(recipient: String, channel: Channel, nip: String, name: String, email: String, subject: String, body: String) {
        self.recipient = recipient
        self.channel = channel
        self.nip = nip
        self.name = name
        self.email = email
        self.subject = subject
        self.body = body
    }
}

package struct HistoryEntry: Sendable, Equatable {
    package var id: Int64
    package var rule: String
    package var occurrence: String
    package var handledAt: String
    package var outcome: String
    package var periodID: String
    package var recipients: Int
    package var messages: Int
    package var note: String
}

package enum ReminderStore {
    /// What an account message's body becomes once it was delivered: the code is not kept.
    package static let redactedAccountBody = "(kode akun dihapus setelah dikirim)"

    // MARK: Rules kept in the database (admin additions and removals).

    package struct StoredRule: Sendable, Equatable {
        package var name: String
        package var removed: Bool
        package var cron: String
        package var audience: String
        package var template: String
        package var channels: [String]
        package var periodStates: [String]
        package var escalateAfterDays: Int
        package var catchUpHours: Int
    }

    package static func storedRules(_ db: Database) throws -> [StoredRule] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM reminder_rules ORDER BY name")).map { r in
            StoredRule(
                name: r["name"], removed: r["removed"], cron: r["cron"], audience: r["audience"], template: r["template"],
                channels: (r["channels"] as String).split(separator: ",").map(String.init),
                periodStates: (r["period_states"] as String).split(separator: ",").map(String.init),
                escalateAfterDays: r["escalate_after_days"], catchUpHours: r["catch_up_hours"])
        }
    }

    package static func saveRule(_ db: Database, _ rule: ReminderRule, now: Date) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO reminder_rules(name, removed, cron, audience, template, channels, period_states, escalate_after_days, catch_up_hours, updated_at)
                VALUES (?, 0, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                rule.name, rule.cron.source, rule.audience.rawValue, rule.template, rule.channels.map(\.rawValue).joined(separator: ","),
                rule.periodStates.map(\.rawValue).joined(separator: ","), rule.escalateAfterDays, rule.catchUpHours, UTCTime.format(now),
            ])
    }

    /// Removes an admin rule; a built-in name is kept as a tombstone so the built-in stays off.
    package static func removeRule(_ db: Database, name: String, builtIn: Bool, now: Date) throws {
        if builtIn {
            try db.execute(sql: "INSERT OR REPLACE INTO reminder_rules(name, removed, updated_at) VALUES (?, 1, ?)", arguments: [name, UTCTime.format(now)])
        } else {
            try db.execute(sql: "DELETE FROM reminder_rules WHERE name = ?", arguments: [name])
        }
    }

    /// Switches a built-in rule that was switched off back on.
    package static func enableBuiltIn(_ db: Database, name: String) throws {
        try db.execute(sql: "DELETE FROM reminder_rules WHERE name = ? AND removed = 1", arguments: [name])
    }

    // MARK: Occurrence bookkeeping.

    package static func lastOccurrence(_ db: Database, rule: String) throws -> Date? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT last_occurrence FROM reminder_state WHERE rule = ?"), arguments: [rule]).flatMap(UTCTime.parse)
    }

    package static func setLastOccurrence(_ db: Database, rule: String, _ date: Date) throws {
        try db.execute(
            sql: "INSERT INTO reminder_state(rule, last_occurrence) VALUES (?, ?) ON CONFLICT(rule) DO UPDATE SET last_occurrence = excluded.last_occurrence",
            arguments: [rule, UTCTime.format(date)])
    }

    package static func addHistory(
        _ db: Database, rule: String, occurrence: String, outcome: String, periodID: String = "", recipients: Int = 0, messages: Int = 0, note: String = "",
        now: Date
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO reminder_history(rule, occurrence, handled_at, outcome, period_id, recipients, messages, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [rule, occurrence, UTCTime.format(now), outcome, periodID, recipients, messages, note])
    }

    package static func history(_ db: Database, rule: String?, limit: Int) throws -> [HistoryEntry] {
        var sql = "SELECT * FROM reminder_history"
        var args: [any DatabaseValueConvertible] = []
        if let rule {
            sql += " WHERE rule = ?"
            args.append(rule)
        }
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map { r in
            HistoryEntry(
                id: r["id"], rule: r["rule"], occurrence: r["occurrence"], handledAt: r["handled_at"], outcome: r["outcome"],
                periodID: r["period_id"], recipients: r["recipients"], messages: r["messages"], note: r["note"])
        }
    }

    // MARK: Which period an audience is about.

    package static func context(_ db: Database, scope: Audience.PeriodScope, today: CivilDate) throws -> ReminderContext {
        let periods = try PeriodStore.all(db)
        func annual(of p: PeriodRecord?) -> PeriodRecord? {
            guard let p else { return nil }
            return p.id.kind == .annual ? p : periods.first { $0.id == p.id.annual }
        }
        let currentAnnual = periods.first { $0.id.kind == .annual && $0.id.year == today.year }
        switch scope {
        case .none:
            return ReminderContext(period: currentAnnual, annual: currentAnnual, deadline: nil)
        case .annual:
            return ReminderContext(period: currentAnnual, annual: currentAnnual, deadline: currentAnnual.map { $0.skpDeadline ?? $0.id.defaultSKPDeadline })
        case .periodicFilling:
            // Periods realisasi is recorded on (periodic children, or an annual period without any) that have started
            // and are still open for filling: the one with the earliest deadline, even when that has passed (those
            // who still owe are reminded, and escalated); else the one containing today.
            let fillable = periods.filter { $0.id.kind != .annual || $0.periodicity == .none }
            let open = fillable.filter { $0.start <= today && ($0.state == .running || $0.state == .assessment) }
                .sorted { ($0.deadline, $0.id) < ($1.deadline, $1.id) }
            let chosen = open.first ?? fillable.first { $0.start <= today && today <= $0.end }
            return ReminderContext(period: chosen, annual: annual(of: chosen), deadline: chosen?.deadline)
        case .periodicEnded:
            let ended = periods.filter { $0.end < today }.sorted { a, b in
                a.end != b.end ? a.end > b.end : (a.id.kind != .annual && b.id.kind == .annual)
            }
            let chosen = ended.first
            return ReminderContext(period: chosen, annual: annual(of: chosen), deadline: chosen?.deadline)
        }
    }

    // MARK: Audiences.

    static let person = "e.nip, e.name, e.email, e.unit_code, e.supervisor_nip"

    static func recipients(_ db: Database, _ sql: String, _ arguments: StatementArguments = []) throws -> [Recipient] {
        var out: [Recipient] = []
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
        while let r = try cursor.next() {
            out.append(Recipient(nip: r[0], name: r[1], email: r[2], unitCode: r[3], supervisorNIP: r[4], count: r.count > 5 ? r[5] : 1))
        }
        return out
    }

    /// Who the audience is right now; nil when it needs a period and there is none.
    package static func audience(_ db: Database, _ audience: Audience, context: ReminderContext, today: CivilDate) throws -> [Recipient]? {
        try StagedImportStore.requireSettled(db)  // some audiences are read from the SKPs
        switch audience {
        case .allActiveStaff:
            return try recipients(db, "SELECT \(person) FROM employees e WHERE e.active = 1 ORDER BY e.nip")
        case .staffMissingActivityToday:
            return try recipients(
                db,
                """
                SELECT \(person) FROM employees e WHERE e.active = 1
                AND NOT EXISTS (SELECT 1 FROM activities a WHERE a.nip = e.nip AND a.date = ?) ORDER BY e.nip
                """, [today.description])
        case .staffWithoutApprovedSKP:
            guard let annual = context.annual else { return nil }
            return try recipients(
                db,
                """
                SELECT \(person) FROM employees e LEFT JOIN skp s ON s.period_id = ? AND s.nip = e.nip
                WHERE e.active = 1 AND (s.status IS NULL OR s.status != 'approved') ORDER BY e.nip
                """, [annual.id.description])
        case .staffMissingRealisasi:
            guard let period = context.period, let annual = context.annual else { return nil }
            return try recipients(
                db,
                """
                SELECT \(person), count(*) FROM employees e
                JOIN indicators i ON i.period_id = ? AND i.nip = e.nip
                WHERE e.active = 1 AND NOT EXISTS (
                    SELECT 1 FROM realisasi r WHERE r.period_id = ? AND r.nip = i.nip AND r.rhk_id = i.rhk_id AND r.indicator_id = i.indicator_id)
                GROUP BY e.nip ORDER BY e.nip
                """, [annual.id.description, period.id.description])
        case .supervisorsWithPendingSKP:
            guard let annual = context.annual else { return nil }
            return try recipients(
                db,
                """
                SELECT \(person), count(*) FROM skp k JOIN employees b ON b.nip = k.nip JOIN employees e ON e.nip = b.supervisor_nip
                WHERE k.period_id = ? AND k.status = 'submitted' AND e.active = 1 AND b.active = 1
                GROUP BY e.nip ORDER BY e.nip
                """, [annual.id.description])
        case .supervisorsWithUnratedSubordinates:
            guard let period = context.period else { return nil }
            return try recipients(
                db,
                """
                SELECT \(person), count(*) FROM employees b JOIN employees e ON e.nip = b.supervisor_nip
                WHERE b.active = 1 AND e.active = 1 AND NOT EXISTS (SELECT 1 FROM ratings r WHERE r.period_id = ? AND r.nip = b.nip)
                GROUP BY e.nip ORDER BY e.nip
                """, [period.id.description])
        }
    }

    package static func people(_ db: Database, nips: Set<String>) throws -> [String: Recipient] {
        guard !nips.isEmpty else { return [:] }
        var out: [String: Recipient] = [:]
        if nips.count > 10_000 {
            // Most of the agency: one scan is cheaper than the lookups.
            for r in try recipients(db, "SELECT \(person) FROM employees e WHERE e.active = 1") where nips.contains(r.nip) { out[r.nip] = r }
            return out
        }
        // The few supervisors asked for, by key, 500 at a time.
        let list = Array(nips)
        for start in stride(from: 0, to: list.count, by: 500) {
            let chunk = Array(list[start..<min(list.count, start + 500)])
            let sql = "SELECT \(person) FROM employees e WHERE e.active = 1 AND e.nip IN (\(databaseQuestionMarks(count: chunk.count)))"
            for r in try recipients(db, sql, StatementArguments(chunk)) {
                out[r.nip] = r
            }
        }
        return out
    }

    // MARK: Outbox.

    /// Inserts the messages (ignoring any already there for the same key); returns how many were new.
    @discardableResult
    package static func enqueue(_ db: Database, rule: String, occurrence: String, _ messages: [OutboxMessage], now: Date) throws -> Int {
        let stamp = UTCTime.format(now)
        let statement = try db.makeStatement(
            sql: """
                INSERT OR IGNORE INTO outbox(rule, occurrence, recipient, channel, nip, name, email, subject, body, next_attempt_at, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var added = 0
        for m in messages {
            statement.setUncheckedArguments([rule, occurrence, m.recipient, m.channel.rawValue, m.nip, m.name, m.email, m.subject, m.body, stamp, stamp])
            try statement.execute()
            added += db.changesCount
        }
        return added
    }

    package static func due(_ db: Database, now: Date, limit: Int) throws -> [OutboxRow] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT * FROM outbox WHERE status IN ('pending', 'failed') AND next_attempt_at <= ? ORDER BY next_attempt_at, id LIMIT ?
                """, arguments: [UTCTime.format(now), limit]
        ).map(OutboxRow.init)
    }

    package static func nextDue(_ db: Database) throws -> Date? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT min(next_attempt_at) FROM outbox WHERE status IN ('pending', 'failed')")).flatMap(UTCTime.parse)
    }

    package static func list(_ db: Database, status: String?, limit: Int) throws -> [OutboxRow] {
        var sql = "SELECT * FROM outbox"
        var args: [any DatabaseValueConvertible] = []
        if let status {
            sql += " WHERE status = ?"
            args.append(status)
        }
        sql += " ORDER BY id DESC LIMIT ?"
        args.append(limit)
        return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args)).map(OutboxRow.init)
    }

    package static func counts(_ db: Database) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try Row.fetchAll(db.cachedStatement(sql: "SELECT status, count(*) FROM outbox GROUP BY status")) { out[r[0]] = r[1] }
        return out
    }

    /// How one delivery attempt ended.
    package enum DeliveryOutcome: Sendable, Equatable {
        case sent(at: Date)
        /// Failed for the `attempts`-th time: retried at `nextAttempt`, or never again when `dead`.
        case failed(attempts: Int, dead: Bool, nextAttempt: Date, error: String)
    }

    /// Records delivery attempts. Only a message still waiting (pending or failed) changes: one an operator retried or
    /// that was recorded meanwhile is left as it is.
    package static func recordDeliveries(_ db: Database, _ outcomes: [(id: Int64, outcome: DeliveryOutcome)]) throws {
        let sent = try db.makeStatement(
            sql: """
                UPDATE outbox SET status = 'sent', attempts = attempts + 1, sent_at = ?, last_error = '' WHERE id = ? AND status IN ('pending', 'failed')
                """)
        let fail = try db.makeStatement(
            sql: """
                UPDATE outbox SET status = ?, attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ? AND status IN ('pending', 'failed')
                """)
        for (id, outcome) in outcomes {
            switch outcome {
            case .sent(let at):
                try sent.execute(arguments: [UTCTime.format(at), id])
            case .failed(let attempts, let dead, let next, let error):
                try fail.execute(arguments: [dead ? "dead" : "failed", attempts, UTCTime.format(next), String(error.prefix(500)), id])
            }
        }
        // An account code is kept in the outbox only until it is delivered (or given up on).
        try db.execute(
            sql: "UPDATE outbox SET body = ? WHERE rule = 'account' AND status IN ('sent', 'dead') AND body != ?",
            arguments: [redactedAccountBody, redactedAccountBody])
    }

    /// The id of the message queued for `recipient` on `channel` by `rule`'s `occurrence`.
    package static func outboxID(_ db: Database, rule: String, occurrence: String, recipient: String, channel: Channel) throws -> Int64? {
        try Int64.fetchOne(
            db, sql: "SELECT id FROM outbox WHERE rule = ? AND occurrence = ? AND recipient = ? AND channel = ?",
            arguments: [rule, occurrence, recipient, channel.rawValue])
    }

    /// The status of one outbox message, nil when there is none with that id.
    package static func status(_ db: Database, id: Int64) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT status FROM outbox WHERE id = ?"), arguments: [id])
    }

    /// Queues a message again from its first attempt; returns 1, or 0 when there is no such message.
    @discardableResult
    package static func requeue(_ db: Database, id: Int64, now: Date) throws -> Int {
        try db.execute(sql: "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE id = ?", arguments: [UTCTime.format(now), id])
        return db.changesCount
    }

    /// Queues every dead message again from its first attempt; returns how many.
    package static func requeueDead(_ db: Database, now: Date) throws -> Int {
        try db.execute(sql: "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = ? WHERE status = 'dead'", arguments: [UTCTime.format(now)])
        return db.changesCount
    }

    /// Messages in the outbox by status and channel (the metrics' outbox depth).
    package static func outboxDepth(_ db: Database) throws -> [(status: String, channel: String, count: Int)] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT status, channel, count(*) FROM outbox GROUP BY status, channel")).map { ($0[0], $0[1], $0[2]) }
    }
}
