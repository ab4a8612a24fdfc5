import Foundation

/// A delimited file already split into fields: the header and the data records with their line numbers.
public struct CSVTable: Sendable {
    public var header: [String]
    public var headerLine: Int
    public var records: Records

    /// A row of the file after the header: its line (where it starts) and its fields, as written (untrimmed).
    public struct Record: Sendable {
        public let line: Int
        let storage: Storage
        let firstField: Int
        public let fieldCount: Int

        /// A record of its own (tests and small tables); an import's records share their table's storage.
        public init(line: Int, fields: [String]) {
            var builder = Builder(text: Data())
            for f in fields { builder.addValue(f) }
            builder.endRecord(line: line)
            let storage = builder.finish()
            self.init(line: line, storage: storage, firstField: 0, fieldCount: fields.count)
        }

        init(line: Int, storage: Storage, firstField: Int, fieldCount: Int) {
            self.line = line
            self.storage = storage
            self.firstField = firstField
            self.fieldCount = fieldCount
        }

        /// Every field as a string (the readers use `field(_:)` and `ColumnMap`, which make only what they read).
        public var fields: [String] { (0..<fieldCount).map { field($0) } }

        /// Field `i` as written.
        public func field(_ i: Int) -> String { storage.string(field: firstField + i, trimmed: false) }

        /// Field `i` without the ASCII blanks around it.
        func trimmedField(_ i: Int) -> String { storage.string(field: firstField + i, trimmed: true) }
    }

    /// The records in file order; each is made when read (a record is a position in the shared storage).
    public struct Records: RandomAccessCollection, Sendable {
        let storage: Storage
        public var startIndex: Int { 0 }
        public var endIndex: Int { storage.lines.count }
        public subscript(i: Int) -> Record {
            let first = Int(storage.firstField[i])
            return Record(line: Int(storage.lines[i]), storage: storage, firstField: first, fieldCount: Int(storage.firstField[i + 1]) - first)
        }
    }

    public init(header: [String], headerLine: Int = 1, records: [Record]) {
        var builder = Builder(text: Data())
        for r in records {
            for i in 0..<r.fieldCount { builder.addValue(r.field(i)) }
            builder.endRecord(line: r.line)
        }
        self.init(header: header, headerLine: headerLine, records: builder.finish())
    }

    public init(header: [String], headerLine: Int = 1, records storage: Storage) {
        self.header = header
        self.headerLine = headerLine
        self.records = Records(storage: storage)
    }

    /// An import's fields in one place: 8 bytes a field over the file's own bytes, rather than an array of strings a
    /// record (100,000 employees took 50 MB as `[[String]]`, 13 MB this way beside the upload they point into).
    public final class Storage: Sendable {
        /// The file as uploaded; most fields are a slice of it.
        let text: Data
        /// Fields that are not a slice of `text`: unescaped quoted fields, values given as strings.
        let extra: [UInt8]
        /// Per field: its start and end offsets; a start with the top bit set is an offset in `extra`.
        let bounds: [UInt32]
        /// Per record: the index of its first field, and one more at the end (the field count).
        let firstField: [UInt32]
        let lines: [UInt32]

        init(text: Data, extra: [UInt8], bounds: [UInt32], firstField: [UInt32], lines: [UInt32]) {
            self.text = text
            self.extra = extra
            self.bounds = bounds
            self.firstField = firstField
            self.lines = lines
        }

        func string(field: Int, trimmed: Bool) -> String {
            Self.string(field: field, trimmed: trimmed, text: text, extra: extra, bounds: bounds)
        }

        /// Field `field` of `bounds` over `text` and `extra` (the storage's, or a builder's before it is finished).
        static func string(field: Int, trimmed: Bool, text: Data, extra: [UInt8], bounds: [UInt32]) -> String {
            let rawStart = bounds[2 * field]
            let end = Int(bounds[2 * field + 1])
            let inExtra = rawStart & Builder.extraFlag != 0
            let start = Int(rawStart & ~Builder.extraFlag)
            if start == end { return "" }
            func make(_ buffer: UnsafeBufferPointer<UInt8>) -> String {
                var s = start
                var e = end
                if trimmed {
                    while s < e && String.isBlank(buffer[s]) { s += 1 }
                    while e > s && String.isBlank(buffer[e - 1]) { e -= 1 }
                }
                return s == e ? "" : String(decoding: UnsafeBufferPointer(rebasing: buffer[s..<e]), as: UTF8.self)
            }
            if inExtra { return extra.withUnsafeBufferPointer(make) }
            return text.withUnsafeBytes { make($0.bindMemory(to: UInt8.self)) }
        }
    }

    /// Builds a table's storage record by record: fields as slices of the file, or as values of their own.
    public struct Builder {
        static let extraFlag: UInt32 = 1 << 31
        let text: Data
        var extra: [UInt8] = []
        var bounds: [UInt32] = []
        var firstField: [UInt32] = [0]
        var lines: [UInt32] = []

        /// `text` is what `addSlice` offsets point into; it must stay under 2 GiB (messages are far smaller).
        public init(text: Data, expectedFields: Int = 0) {
            precondition(text.count < Int(Self.extraFlag), "a CSV table's text must be under 2 GiB")
            self.text = text
            bounds.reserveCapacity(2 * expectedFields)
        }

        /// The fields added since the last record.
        public var pendingFields: Int { bounds.count / 2 - Int(firstField[firstField.count - 1]) }

        /// A field that is `text[start..<end]`.
        public mutating func addSlice(_ start: Int, _ end: Int) {
            bounds.append(UInt32(start))
            bounds.append(UInt32(end))
        }

        /// A field given as its bytes (stored apart from the text).
        public mutating func addValue(_ bytes: some Collection<UInt8>) {
            precondition(extra.count + bytes.count < Int(Self.extraFlag), "a CSV table's fields must be under 2 GiB")
            bounds.append(UInt32(extra.count) | Self.extraFlag)
            extra.append(contentsOf: bytes)
            bounds.append(UInt32(extra.count))
        }

        public mutating func addValue(_ value: String) { addValue(value.utf8) }

        /// The pending field `i` as a string (the header, a possibly blank line).
        public func pendingField(_ i: Int) -> String {
            Storage.string(field: Int(firstField[firstField.count - 1]) + i, trimmed: false, text: text, extra: extra, bounds: bounds)
        }

        /// Ends the pending fields as a record starting on `line`.
        public mutating func endRecord(line: Int) {
            firstField.append(UInt32(bounds.count / 2))
            lines.append(UInt32(clamping: line))
        }

        /// Drops the pending fields (a header or a blank line).
        public mutating func discardPending() {
            bounds.removeLast(2 * pendingFields)
        }

        public func finish() -> Storage {
            Storage(text: text, extra: extra, bounds: bounds, firstField: firstField, lines: lines)
        }
    }
}

/// Column checks shared by every import: known names, no duplicates, required ones present, field counts.
public struct ColumnMap: Sendable {
    let index: [String: Int]
    let count: Int

    public init(table: CSVTable, known: [String], required: [String], errors: inout [RowError]) {
        var index: [String: Int] = [:]
        for (i, raw) in table.header.enumerated() {
            let name = raw.trimmingWhitespaces.lowercased()
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
        guard let i = position, i < record.fieldCount else { return nil }
        return record.trimmedField(i)
    }

    /// A record must have exactly as many fields as the header.
    public func checkWidth(_ record: CSVTable.Record, delimiter: String) -> RowError? {
        guard record.fieldCount != count else { return nil }
        return RowError(
            line: record.line,
            message: "expected \(count) fields as in the header, found \(record.fieldCount) (is '\(delimiter)' the delimiter throughout the file?)")
    }
}

public struct ImportCounts: Sendable, Equatable {
    public var added = 0
    public var updated = 0
    public var unchanged = 0
    public var deactivated = 0
    public init() {}
}
