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

/// Steps a query through the SQLite C API, for reads of a million rows where building a GRDB `Row` per row
/// dominates. Valid while the statement's database is open; text columns are read as UTF-8.
public struct BulkRead {
    let statement: OpaquePointer
    let connection: OpaquePointer?
    private let holder: Statement
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    public init(_ db: Database, sql: String, arguments: [String] = []) throws {
        let s = try db.makeStatement(sql: sql)
        statement = s.sqliteStatement
        connection = db.sqliteConnection
        holder = s
        sqlite3_reset(statement)
        for (i, argument) in arguments.enumerated() {
            var v = argument
            v.withUTF8 { buffer in
                if let base = buffer.baseAddress, buffer.count > 0 {
                    _ = sqlite3_bind_text(statement, Int32(i + 1), UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buffer.count), Self.transient)
                } else {
                    _ = sqlite3_bind_text(statement, Int32(i + 1), "", 0, Self.transient)
                }
            }
        }
    }

    /// Moves to the next row; false at the end.
    public func next() throws -> Bool {
        let rc = sqlite3_step(statement)
        if rc == SQLITE_ROW { return true }
        sqlite3_reset(statement)
        guard rc == SQLITE_DONE else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(rc)"
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
        return false
    }

    /// The column's UTF-8 bytes (text first, then its length, as SQLite advises); valid until the next step.
    @inline(__always) private func bytes(_ column: Int32) -> UnsafeBufferPointer<UInt8> {
        guard let p = sqlite3_column_text(statement, column) else { return UnsafeBufferPointer(start: nil, count: 0) }
        return UnsafeBufferPointer(start: p, count: Int(sqlite3_column_bytes(statement, column)))
    }

    public func text(_ column: Int32) -> String {
        let b = bytes(column)
        return b.isEmpty ? "" : String(decoding: b, as: UTF8.self)
    }

    /// Whether the text of `column` is exactly `value` (without making a String).
    public func text(_ column: Int32, equals value: String) -> Bool {
        let b = bytes(column)
        var v = value
        return v.withUTF8 { u in u.count == b.count && (u.isEmpty || memcmp(u.baseAddress!, b.baseAddress!, u.count) == 0) }
    }

    public func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    public func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }

    public func double(_ column: Int32) -> Double? { isNull(column) ? nil : sqlite3_column_double(statement, column) }
}
