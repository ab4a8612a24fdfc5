import GRDB
import KinerjaCore

/// The versions of what a TPP month is computed from. Every write to an input bumps its key in the same transaction;
/// a computed month keeps the versions it saw, so `tpp export`/`tpp show` can tell when it is stale.
package enum TPPInputs {
    package enum Key: Sendable, Hashable {
        case ratings(period: String)
        case periodState(String)
        case attendance(month: String)
        case activities(month: String)
        case base
        case staff
        /// Sanctions over a run of months (`tpp sanction add`).
        case sanctions

        var text: String {
            switch self {
            case .ratings(let p): "ratings:\(p)"
            case .periodState(let p): "period:\(p)"
            case .attendance(let m): "attendance:\(m)"
            case .activities(let m): "activities:\(m)"
            case .base: "base"
            case .staff: "staff"
            case .sanctions: "sanctions"
            }
        }
    }

    /// Bumps each key once (call once per write, not per row).
    package static func touch(_ db: Database, _ keys: some Sequence<Key>) throws {
        let statement = try db.cachedStatement(
            sql: """
                INSERT INTO tpp_input_versions(key, version) VALUES (?, 1) ON CONFLICT(key) DO UPDATE SET version = version + 1
                """)
        for key in Set(keys) { try statement.execute(arguments: [key.text]) }
    }

    package static func touch(_ db: Database, _ key: Key) throws { try touch(db, [key]) }

    /// The keys month `month` (YYYY-MM) depends on, given the periodic period its predikat comes from.
    package static func keys(month: String, predikatPeriod: String?) -> [Key] {
        var keys: [Key] = [.attendance(month: month), .activities(month: month), .base, .staff, .sanctions]
        if let p = predikatPeriod { keys += [.ratings(period: p), .periodState(p)] }
        return keys
    }

    /// `key=version;…` for `keys` now (a key never written is version 0).
    package static func fingerprint(_ db: Database, _ keys: [Key]) throws -> String {
        let statement = try db.cachedStatement(sql: "SELECT version FROM tpp_input_versions WHERE key = ?")
        return try keys.map { key in "\(key.text)=\(try Int64.fetchOne(statement, arguments: [key.text]) ?? 0)" }.joined(separator: ";")
    }

    /// The fingerprint stored with a computed month ('' for a month computed before versions were kept).
    package static func stored(_ db: Database, month: String) throws -> (inputs: String, computedAt: String)? {
        guard let r = try Row.fetchOne(db.cachedStatement(sql: "SELECT inputs, computed_at FROM tpp_months WHERE month = ?"), arguments: [month]) else {
            return nil
        }
        return (r[0], r[1])
    }

    /// The keys recorded in a stored fingerprint.
    package static func keys(of fingerprint: String) -> [Key] {
        fingerprint.split(separator: ";").compactMap { part in
            guard let eq = part.firstIndex(of: "=") else { return nil }
            let name = part[..<eq]
            if name == "base" { return .base }
            if name == "staff" { return .staff }
            if name == "sanctions" { return .sanctions }
            guard let colon = name.firstIndex(of: ":") else { return nil }
            let value = String(name[name.index(after: colon)...])
            switch name[..<colon] {
            case "ratings": return .ratings(period: value)
            case "period": return .periodState(value)
            case "attendance": return .attendance(month: value)
            case "activities": return .activities(month: value)
            default: return nil
            }
        }
    }

    /// True when a month computed with `stored` would now see other inputs.
    package static func changed(_ db: Database, since stored: String) throws -> Bool {
        guard !stored.isEmpty else { return false }
        return try fingerprint(db, keys(of: stored)) != stored
    }
}
