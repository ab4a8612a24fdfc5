import Foundation

/// One problem with one input row: `line 12, column nip: …`.
public struct RowError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based physical line of the file (the header is line 1); 0 when the problem is not tied to a line.
    public var line: Int
    public var column: String?
    public var message: String

    /// The message and column are cut to a bounded size: a row error never echoes a megabyte of input back.
    public init(line: Int, column: String? = nil, message: String) {
        self.line = line
        self.column = column.map { Quote.short($0) }
        self.message = message.utf8.count > 1_000 ? String(message.prefix(1_000)) + "…" : message
    }

    public var description: String {
        var s = line > 0 ? "line \(line)" : "file"
        if let column { s += ", column \(column)" }
        return s + ": " + message
    }
}
