import Foundation

/// A delimited file already split into fields: the header and the data records with their line numbers.
public struct CSVTable: Sendable {
    public var header: [String]
    public var headerLine: Int
    public var records: [Record]

    public struct Record: Sendable {
        public var line: Int
        public var fields: [String]
        public init(line: Int, fields: [String]) {
            self.line = line
            self.fields = fields
        }
    }

    public init(header: [String], headerLine: Int = 1, records: [Record]) {
        self.header = header
        self.headerLine = headerLine
        self.records = records
    }
}

/// Column checks shared by every import: known names, no duplicates, required ones present, field counts.
public struct ColumnMap: Sendable {
    let index: [String: Int]
    let count: Int

    public init(table: CSVTable, known: [String], required: [String], errors: inout [RowError]) {
        var index: [String: Int] = [:]
        for (i, raw) in table.header.enumerated() {
            let name = raw.trimmingCharacters(in: .whitespaces).lowercased()
            if name.isEmpty {
                errors.append(RowError(line: table.headerLine, message: "header column \(i + 1) has no name"))
            } else if !known.contains(name) {
                errors.append(
                    RowError(
                        line: table.headerLine, column: name,
                        message: "unknown column '\(raw.prefix(40))'; the columns are \(known.joined(separator: ", ")) (a header row is required)"))
            } else if index[name] != nil {
                errors.append(RowError(line: table.headerLine, column: name, message: "column appears twice in the header"))
            } else {
                index[name] = i
            }
        }
        for name in required where index[name] == nil {
            errors.append(RowError(line: table.headerLine, column: name, message: "required column is missing from the header"))
        }
        self.index = index
        self.count = table.header.count
    }

    public func has(_ column: String) -> Bool { index[column] != nil }

    public func value(_ column: String, _ record: CSVTable.Record) -> String? {
        value(at: index[column], record)
    }

    /// The position of a column in the header (for loops over many records: look it up once).
    public func position(_ column: String) -> Int? { index[column] }

    /// The value at a position from `position(_:)`, trimmed; nil when the column is absent.
    @inline(__always) public func value(at position: Int?, _ record: CSVTable.Record) -> String? {
        guard let i = position, i < record.fields.count else { return nil }
        return record.fields[i].trimmedBlanks
    }

    /// A record must have exactly as many fields as the header.
    public func checkWidth(_ record: CSVTable.Record, delimiter: String) -> RowError? {
        guard record.fields.count != count else { return nil }
        return RowError(
            line: record.line,
            message: "expected \(count) fields as in the header, found \(record.fields.count) (is '\(delimiter)' the delimiter throughout the file?)")
    }
}

public struct ImportCounts: Sendable, Equatable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var deactivated = 0
    public init() {}
}
