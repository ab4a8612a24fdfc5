import Foundation
import GRDB
import GRDBSQLite

/// Binds UTF-8 text to a parameter, copied by SQLite (`SQLITE_TRANSIENT`).
@inline(__always) func bindText(_ statement: OpaquePointer, _ index: Int32, _ text: String) {
    var text = text
    text.withUTF8 { buffer in
        if let base = buffer.baseAddress, buffer.count > 0 {
            _ = sqlite3_bind_text(statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(buffer.count), sqliteTransient)
        } else {
            _ = sqlite3_bind_text(statement, index, "", 0, sqliteTransient)
        }
    }
}

private let sqliteTransient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// Inserts many rows into one table through the SQLite C API, several rows per statement
/// (`INSERT … VALUES (…), (…), …`): for bulk imports, where GRDB's per-row argument arrays and SQLite's per-statement
/// work (opening cursors, halting) dominate a million single-row inserts. Values are added column by column and
/// row by row; a full batch runs at once, the rest on `flush()`. Rows must be flushed before rows that refer to
/// them (foreign keys) are: flush the parent table first. Text is bound transiently (copied by SQLite).
/// Runs through the SQLite C API, which GRDB does not see: the first flush therefore runs one statement on the table
/// through GRDB (an update of no row), so that the transaction's observers (`TableVersions`) know the table was
/// written. Imports also announce their bulk writes (`noteBulkWrite`).
package final class BulkInsert {
    private enum Value {
        case text(String)
        case int(Int)
        case double(Double)
        case null
    }

    private let db: Database
    private let head: String
    private let tuple: String
    private let tail: String
    private let columns: Int
    private let batch: Int
    private var pending: [Value] = []
    private var statements: [Int: Statement] = [:]
    private let table: String
    private let firstColumn: String
    private var announced = false

    /// `INSERT INTO table(columns) VALUES … onConflict`, `batch` rows per statement.
    package init(_ db: Database, table: String, columns: [String], onConflict: String = "", batch: Int = 64) {
        self.db = db
        self.table = table
        firstColumn = columns.first ?? "rowid"
        head = "INSERT INTO \(table)(\(columns.joined(separator: ", "))) VALUES "
        tuple = "(" + databaseQuestionMarks(count: columns.count) + ")"
        tail = onConflict.isEmpty ? "" : " " + onConflict
        self.columns = columns.count
        // Within the connection's limit on bound parameters (32,766 by default since SQLite 3.32; 999 before).
        let parameters = Int(sqlite3_limit(db.sqliteConnection, SQLITE_LIMIT_VARIABLE_NUMBER, -1))
        self.batch = max(1, min(batch, max(1, parameters) / max(1, columns.count)))
        pending.reserveCapacity(self.batch * columns.count)
    }

    @inline(__always) package func add(_ value: String) { pending.append(.text(value)) }
    @inline(__always) package func add(_ value: String?) { pending.append(value.map(Value.text) ?? .null) }
    @inline(__always) package func add(_ value: Int) { pending.append(.int(value)) }
    @inline(__always) package func add(_ value: Double?) { pending.append(value.map(Value.double) ?? .null) }

    /// Ends a row; runs the batch when it is full.
    @inline(__always) package func endRow() throws {
        if pending.count >= batch * columns { try flush() }
    }

    /// Runs the rows added so far.
    package func flush() throws {
        precondition(pending.count % columns == 0, "BulkInsert: a row has the wrong number of values")
        let rows = pending.count / columns
        guard rows > 0 else { return }
        if !announced {
            try db.execute(sql: "UPDATE \(table) SET \(firstColumn) = \(firstColumn) WHERE 0")
            announced = true
        }
        let statement: OpaquePointer
        if let s = statements[rows] {
            statement = s.sqliteStatement
        } else {
            let s = try db.makeStatement(sql: head + Array(repeating: tuple, count: rows).joined(separator: ",") + tail)
            statements[rows] = s
            statement = s.sqliteStatement
        }
        for (i, value) in pending.enumerated() {
            let index = Int32(i + 1)
            switch value {
            case .text(let text): bindText(statement, index, text)
            case .int(let v): sqlite3_bind_int64(statement, index, Int64(v))
            case .double(let v): sqlite3_bind_double(statement, index, v)
            case .null: sqlite3_bind_null(statement, index)
            }
        }
        pending.removeAll(keepingCapacity: true)
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard rc == SQLITE_DONE else {
            let connection = db.sqliteConnection
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "error \(rc)"
            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: message)
        }
    }
}

/// Steps a query through the SQLite C API, for reads of a million rows where building a GRDB `Row` per row
/// dominates. Valid while the statement's database is open; text columns are read as UTF-8.
package struct BulkRead {
    let statement: OpaquePointer
    let connection: OpaquePointer?
    private let holder: Statement

    /// `cached`: the statement is prepared once per connection and reused (for small reads made on every call; the
    /// read must run to its end before the same SQL is read again).
    package init(_ db: Database, sql: String, arguments: [String] = [], cached: Bool = false) throws {
        let s = cached ? try db.cachedStatement(sql: sql) : try db.makeStatement(sql: sql)
        statement = s.sqliteStatement
        connection = db.sqliteConnection
        holder = s
        sqlite3_reset(statement)
        for (i, argument) in arguments.enumerated() { bindText(statement, Int32(i + 1), argument) }
    }

    /// Moves to the next row; false at the end.
    package func next() throws -> Bool {
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

    package func text(_ column: Int32) -> String {
        let b = bytes(column)
        return b.isEmpty ? "" : String(decoding: b, as: UTF8.self)
    }

    /// Whether the text of `column` is exactly `value` (without making a String).
    package func text(_ column: Int32, equals value: String) -> Bool {
        let b = bytes(column)
        var v = value
        return v.withUTF8 { u in u.count == b.count && (u.isEmpty || memcmp(u.baseAddress!, b.baseAddress!, u.count) == 0) }
    }

    package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }

    package func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }

    package func double(_ column: Int32) -> Double? { isNull(column) ? nil : sqlite3_column_double(statement, column) }
}
