import GRDB
import KinerjaCore

/// The daily activity log.
public enum ActivityStore {
    /// Stored minutes per `nip|date`, by description, for the days in `dates`.
    public static func minutes(_ db: Database, dates: Set<String>) throws -> [String: [String: Int]] {
        var out: [String: [String: Int]] = [:]
        let list = Array(dates)
        for start in stride(from: 0, to: list.count, by: 500) {
            let chunk = Array(list[start..<min(start + 500, list.count)])
            let cursor = try Row.fetchCursor(
                db, sql: "SELECT nip, date, description, minutes FROM activities WHERE date IN (\(databaseQuestionMarks(count: chunk.count)))",
                arguments: StatementArguments(chunk))
            while let r = try cursor.next() {
                let key = "\(r[0] as String)|\(r[1] as String)"
                out[key, default: [:]][r[2]] = r[3]
            }
        }
        return out
    }
}
