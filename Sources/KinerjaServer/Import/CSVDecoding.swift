import CSV
import Foundation
import GRDB
import KinerjaAPI
import KinerjaCore
import KinerjaStore

/// Turns an uploaded file into a `CSVTable`: UTF-8 with or without BOM, `,` or `;` delimited (detected from
/// the header), quoted fields (RFC 4180) parsed by CSV.swift. Problems with the file as a whole come back as
/// errors on line 0 or on the line where they start.
enum CSVDecoding {
    struct Decoded {
        var table: CSVTable
        var delimiter: String
    }

    struct Failure: Error {
        var errors: [RowError]
    }

    static func decode(_ data: Data) -> Result<Decoded, Failure> {
        // The table's fields point into the upload itself (no copy of it is made).
        data.withUnsafeBytes { raw in decode(raw.bindMemory(to: UInt8.self), text: data) }
    }

    private static func decode(_ file: UnsafeBufferPointer<UInt8>, text: Data) -> Result<Decoded, Failure> {
        let from = file.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        let bytes = UnsafeBufferPointer(rebasing: file[from...])
        if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            return .failure(Failure(errors: [RowError(line: 0, message: "the file is empty: a header row and at least the column names are required")]))
        }
        if let nul = bytes.firstIndex(of: 0) {
            let line = 1 + bytes[..<nul].lazy.filter { $0 == 0x0A }.count
            return .failure(
                Failure(errors: [RowError(line: line, message: "the file holds binary data (a NUL byte), not CSV text; save the sheet as CSV UTF-8")]))
        }
        guard (try? UTF8Span(validating: bytes.span)) != nil else {
            // Name the place: the first byte that does not decode.
            var offset = 0
            var decoder = UTF8()
            var iterator = bytes.makeIterator()
            var consumed = 0
            loop: while true {
                switch decoder.decode(&iterator) {
                case .scalarValue(let u): consumed += UTF8.width(u)
                case .emptyInput: break loop
                case .error:
                    offset = consumed
                    break loop
                }
            }
            let line = 1 + bytes[..<min(offset, bytes.count)].lazy.filter { $0 == 0x0A }.count
            return .failure(Failure(errors: [RowError(line: line, message: "the file is not UTF-8 text (byte offset \(offset)); save the sheet as CSV UTF-8")]))
        }
        // The delimiter is whichever of ',' and ';' the header uses.
        let headerEnd = bytes.firstIndex(of: 0x0A) ?? bytes.endIndex
        let header = bytes[..<headerEnd]
        let commas = header.lazy.filter { $0 == UInt8(ascii: ",") }.count
        let semicolons = header.lazy.filter { $0 == UInt8(ascii: ";") }.count
        if commas > 0 && semicolons > 0 {
            return .failure(Failure(errors: [RowError(line: 1, message: "the header mixes ',' and ';'; use one delimiter throughout")]))
        }
        let delimiter: UnicodeScalar = semicolons > 0 ? ";" : ","
        if let line = unterminatedQuoteLine(bytes, delimiter: UInt8(delimiter.value)) {
            return .failure(Failure(errors: [RowError(line: line, message: "a quoted field opened on this line is never closed (a stray '\"')")]))
        }
        // Anything irregular: CSV.swift reads it.
        let table =
            fastTable(file, from: from, text: text, delimiter: UInt8(delimiter.value))
            ?? generalTable(String(decoding: bytes, as: UTF8.self), delimiter: delimiter)
        return table.map { Decoded(table: $0, delimiter: String(delimiter)) }
    }

    /// The table as CSV.swift reads it (for files the fast reader does not take).
    static func generalTable(_ text: String, delimiter: UnicodeScalar) -> Result<CSVTable, Failure> {
        let reader: CSVReader
        do {
            reader = try CSVReader(string: text, hasHeaderRow: false, delimiter: delimiter)
        } catch {
            return .failure(Failure(errors: [RowError(line: 0, message: "the file cannot be read as CSV: \(error)")]))
        }
        var line = 1
        var headerRow: [String]?
        var headerLine = 1
        var records = CSVTable.Builder(text: Data())
        while let row = reader.next() {
            let start = line
            // A field with line breaks (quoted) spans several physical lines.
            var breaks = 0
            for field in row where field.utf8.contains(0x0A) {
                breaks += field.utf8.lazy.filter { $0 == 0x0A }.count
            }
            line += 1 + breaks
            if row.count == 1 && row[0].trimmingWhitespaces.isEmpty { continue }  // blank line
            if headerRow == nil {
                headerRow = row.map { $0.trimmingWhitespaces }
                headerLine = start
            } else {
                for field in row { records.addValue(field) }
                records.endRecord(line: start)
            }
        }
        if let error = reader.error {
            return .failure(Failure(errors: [RowError(line: line, message: "the file cannot be read as CSV: \(error)")]))
        }
        guard let headerRow else { return .failure(noHeader) }
        return .success(CSVTable(header: headerRow, headerLine: headerLine, records: records.finish()))
    }

    static let noHeader = Failure(errors: [RowError(line: 0, message: "the file is empty: a header row is required")])

    /// The table read straight from the bytes of `text` from offset `from` on, which are UTF-8 (`decode` checks that
    /// first). RFC 4180: quoted fields with `""` escapes and line breaks, LF or CRLF line ends. nil when the file has
    /// anything irregular — a quote inside an unquoted field, text after a closing quote, a lone CR — which the
    /// general reader then takes. Fields are kept as offsets into `text` (only unescaped quoted fields are copied).
    static func fastTable(_ text: Data, from: Int = 0, delimiter: UInt8) -> Result<CSVTable, Failure>? {
        text.withUnsafeBytes { raw in fastTable(raw.bindMemory(to: UInt8.self), from: from, text: text, delimiter: delimiter) }
    }

    private static func fastTable(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, text: Data, delimiter: UInt8) -> Result<CSVTable, Failure>? {
        let quote = UInt8(ascii: "\"")
        let lf: UInt8 = 0x0A
        let cr: UInt8 = 0x0D
        let n = bytes.count
        var header: [String]?
        var headerLine = 1
        var records = CSVTable.Builder(text: text, expectedFields: n / 8)
        var line = 1
        var recordLine = 1
        var i = from
        while i < n {
            // One field.
            if bytes[i] == quote {
                i += 1
                let start = i
                var escapes = false
                while true {
                    guard i < n else { return nil }
                    let c = bytes[i]
                    if c == quote {
                        if i + 1 < n && bytes[i + 1] == quote {
                            escapes = true
                            i += 2
                            continue
                        }
                        break
                    }
                    if c == lf { line += 1 }
                    i += 1
                }
                if escapes {
                    var value: [UInt8] = []
                    value.reserveCapacity(i - start)
                    var j = start
                    while j < i {
                        value.append(bytes[j])
                        j += bytes[j] == quote ? 2 : 1
                    }
                    records.addValue(value)
                } else {
                    records.addSlice(start, i)
                }
                i += 1
            } else {
                let start = i
                while i < n {
                    let c = bytes[i]
                    if c == delimiter || c == lf || c == cr { break }
                    if c == quote { return nil }
                    i += 1
                }
                records.addSlice(start, i)
            }
            // What follows it: another field, the end of the record, or the end of the file.
            var endOfRecord = i >= n
            if i < n {
                switch bytes[i] {
                case delimiter:
                    i += 1
                    if i == n {
                        records.addSlice(n, n)
                        endOfRecord = true
                    }
                case cr:
                    guard i + 1 < n, bytes[i + 1] == lf else { return nil }
                    i += 2
                    endOfRecord = true
                case lf:
                    i += 1
                    endOfRecord = true
                default:
                    return nil
                }
            }
            if endOfRecord {
                if records.pendingFields == 1 && records.pendingField(0).trimmingWhitespaces.isEmpty {
                    records.discardPending()  // a blank line
                } else if header == nil {
                    header = (0..<records.pendingFields).map { records.pendingField($0).trimmingWhitespaces }
                    headerLine = recordLine
                    records.discardPending()
                } else {
                    records.endRecord(line: recordLine)
                }
                line += 1
                recordLine = line
            }
        }
        guard let header else { return .failure(noHeader) }
        return .success(CSVTable(header: header, headerLine: headerLine, records: records.finish()))
    }

    /// The line of a quote that is opened and never closed, if any. Quotes only open at the start of a field.
    static func unterminatedQuoteLine(_ bytes: UnsafeBufferPointer<UInt8>, delimiter: UInt8) -> Int? {
        var line = 1
        var inQuotes = false
        var openedAt = 0
        var atFieldStart = true
        var i = 0
        let quote = UInt8(ascii: "\"")
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == quote {
                    if i + 1 < bytes.count && bytes[i + 1] == quote {
                        i += 1  // escaped quote
                    } else {
                        inQuotes = false
                    }
                } else if b == 0x0A {
                    line += 1
                }
            } else {
                if b == quote && atFieldStart {
                    inQuotes = true
                    openedAt = line
                }
                atFieldStart = b == delimiter || b == 0x0A || b == 0x0D
                if b == 0x0A { line += 1 }
            }
            i += 1
        }
        return inQuotes ? openedAt : nil
    }

    /// Writes rows as RFC 4180 CSV with `,` and `\n`, quoting only where needed.
    static func encode(header: [String], rows: [[String]]) -> Data {
        var out = Data()
        out.reserveCapacity((rows.count + 1) * 160)
        appendRow(header, to: &out)
        for row in rows { appendRow(row, to: &out) }
        return out
    }

    /// One CSV line (RFC 4180 quoting where a field needs it).
    static func appendRow(_ row: [String], to out: inout Data) {
        for (i, field) in row.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            var plain = true
            for b in field.utf8 where b == UInt8(ascii: ",") || b == UInt8(ascii: "\"") || b == UInt8(ascii: ";") || b == 0x0A || b == 0x0D {
                plain = false
                break
            }
            if plain && (field.utf8.first == 0x20 || field.utf8.last == 0x20) { plain = false }
            if plain {
                out.append(contentsOf: field.utf8)
            } else {
                out.append(UInt8(ascii: "\""))
                out.append(contentsOf: field.replacingOccurrences(of: "\"", with: "\"\"").utf8)
                out.append(UInt8(ascii: "\""))
            }
        }
        out.append(0x0A)
    }
}
