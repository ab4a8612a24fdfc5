import Foundation
import GRDB

/// Who performed a mutation, as the daemon established it from the socket's peer credentials.
package struct AuditActor: Sendable, Equatable {
    package var uid: Int64
    package var pid: Int64
    package var role: String
    package var actorNIP: String

    package init(uid: Int64, pid: Int64, role: String, actorNIP: String = "") {
        self.uid = uid
        self.pid = pid
        self.role = role
        self.actorNIP = actorNIP
    }

    /// The daemon acting on its own (scheduler, start-up).
    package static let daemon = AuditActor(uid: Int64(getuid()), pid: Int64(getpid()), role: "daemon")
}

package struct AuditEntry: Sendable, Equatable, FetchableRecord, Decodable {
    package var id: Int64
    package var time: String
    package var uid: Int64
    package var pid: Int64
    package var role: String
    package var actorNip: String
    package var rpc: String
    package var target: String
    package var summary: String

    enum CodingKeys: String, CodingKey {
        case id, time, uid, pid, role
        case actorNip = "actor_nip"
        case rpc, target, summary
    }
}

package enum Audit {
    /// Appends an audit row. Call it inside the transaction that makes the change it describes.
    package static func record(_ db: Database, actor: AuditActor, rpc: String, target: String, summary: String, at time: Date = Date()) throws {
        // One statement prepared once per connection: every write of every service records a row.
        try db.cachedStatement(sql: "INSERT INTO audit_log(time, uid, pid, role, actor_nip, rpc, target, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [UTCTime.format(time), actor.uid, actor.pid, actor.role, actor.actorNIP, rpc, target, summary])
    }

    /// Which rows `list` returns: each filter given must match (the text ones exactly).
    package struct Filter: Sendable {
        package var since: Date?
        package var rpc: String?
        package var target: String?
        package var actorNIP: String?
        package init(since: Date? = nil, rpc: String? = nil, target: String? = nil, actorNIP: String? = nil) {
            self.since = since
            self.rpc = rpc
            self.target = target
            self.actorNIP = actorNIP
        }
    }

    /// Newest first, at most `limit` rows matching `filter`.
    package static func list(_ db: Database, _ filter: Filter = Filter(), limit: Int) throws -> [AuditEntry] {
        var clauses: [String] = []
        var arguments: [any DatabaseValueConvertible] = []
        // Stored times share one fixed-width format, so text order is time order.
        if let since = filter.since {
            clauses.append("time >= ?")
            arguments.append(UTCTime.format(since))
        }
        for (column, value) in [("rpc", filter.rpc), ("target", filter.target), ("actor_nip", filter.actorNIP)] {
            if let value {
                clauses.append("\(column) = ?")
                arguments.append(value)
            }
        }
        arguments.append(limit)
        let condition = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        return try AuditEntry.fetchAll(
            db, sql: "SELECT * FROM audit_log\(condition) ORDER BY id DESC LIMIT ?", arguments: StatementArguments(arguments))
    }
}

/// RFC 3339 UTC timestamps with millisecond precision, the one textual time format in the database.
package enum UTCTime {
    package static func format(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt))
    }

    package static func parse(_ text: String) -> Date? {
        if let d = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).parse(text) { return d }
        return try? Date.ISO8601FormatStyle(timeZone: .gmt).parse(text)
    }
}
