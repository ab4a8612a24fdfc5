import Foundation
import GRDB
import GRDBSQLite

/// Binds and steps a prepared statement through the SQLite C API, for bulk imports where GRDB's per-row
/// argument arrays dominate (a million rows). Text is bound transiently (copied by SQLite).
public struct BulkInsert {
    let statement: OpaquePointer
    let connection: OpaquePointer?
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public init(_ db: Database, sql: String) throws {
        let s = try db.makeStatement(sql: sql)
        statement = s.sqliteStatement
        connection = db.sqliteConnection
        holder = s
    }

    /// Keeps GRDB's statement (and so the prepared SQLite statement) alive.
    private let holder: Statement

    @inline(__always) public func bind(_ index: Int32, _ value: String) {
        var v = value
        v.withUTF8 { buffer in
            if let base = buffer.baseAddress, buffer.count > 0 {
                _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buffer.count), Self.transient)
            } else {
                _ = sqlite3_bind_text(statement, index, "", 0, Self.transient)
            }
        }
    }

    @inline(__always) public func bind(_ index: Int32, _ value: String?) {
        if let value { bind(index, value) } else { sqlite3_bind_null(statement, index) }
    }

    @inline(__always) public func bind(_ index: Int32, _ value: Int) { sqlite3_bind_int64(statement, index, Int64(value)) }

    @inline(__always) public func bind(_ index: Int32, _ value: Double?) {
        if let value { sqlite3_bind_double(statement, index, value) } else { sqlite3_bind_null(statement, index) }
    }

    /// Runs the statement with the bound values, then resets it for the next row.
    public func step() throws {
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard rc == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(rc)"
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
    }
}
