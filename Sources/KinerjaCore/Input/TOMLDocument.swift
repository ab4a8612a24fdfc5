/// A TOML reader for the configuration files (kinerjad.toml, kinerja-portal.toml) that remembers the line of every key, so that a
/// refused setting can be reported as `file:line: key: reason`.
///
/// It reads the TOML 1.0 syntax a configuration file uses: comments, `[table]` and `[[array of tables]]`
/// headers, bare, quoted and dotted keys, basic and literal strings (single- and multi-line), integers
/// (decimal, hex, octal, binary, with `_`), floats, booleans, arrays and inline tables. Dates and
/// times are refused with a clear message: no setting takes one.
package struct TOMLValue: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        case string(String)
        case integer(Int64)
        case float(Double)
        case boolean(Bool)
        case array([TOMLValue])
        case table(TOMLTable)
    }

    package var kind: Kind
    /// 1-based line where the value (or, for a table, its header or first key) starts.
    package var line: Int

    package var typeName: String {
        switch kind {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// An ordered TOML table; keys keep the order in which the file wrote them.
package struct TOMLTable: Sendable, Equatable {
    package private(set) var keys: [String] = []
    package private(set) var values: [String: TOMLValue] = [:]
    /// Line of the header (or first key) that created this table.
    package var line: Int
    /// True once the table was defined by a header or by key-value pairs (not just implied by a dotted name).
    var explicitlyDefined = false

    package init(line: Int) { self.line = line }

    package subscript(key: String) -> TOMLValue? { values[key] }

    mutating func set(_ key: String, _ value: TOMLValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }
}

package struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    package var line: Int
    package var message: String
    package var description: String { "line \(line): \(message)" }
}

package enum TOMLParser {
    package static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = Parser(Array(text.utf8))
        return try parser.parseDocument()
    }
}

private struct Parser {
    let bytes: [UInt8]
    var pos = 0
    var line = 1
    /// Arrays and inline tables open around the value being read: bounded, so that nesting cannot exhaust the stack.
    var depth = 0
    static let maxDepth = 64

    init(_ bytes: [UInt8]) {
        // Skip a UTF-8 byte order mark.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            self.bytes = Array(bytes.dropFirst(3))
        } else {
            self.bytes = bytes
        }
    }

    var atEnd: Bool { pos >= bytes.count }
    var peek: UInt8? { pos < bytes.count ? bytes[pos] : nil }

    func fail(_ message: String) -> TOMLError { TOMLError(line: line, message: message) }

    mutating func advance() {
        if bytes[pos] == UInt8(ascii: "\n") { line += 1 }
        pos += 1
    }

    mutating func skipSpaces() {
        while let c = peek, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") { pos += 1 }
    }

    mutating func skipComment() {
        if peek == UInt8(ascii: "#") {
            while let c = peek, c != UInt8(ascii: "\n") { pos += 1 }
        }
    }

    /// Skips blanks, newlines and comments (inside arrays).
    mutating func skipWhitespaceAndComments() {
        while let c = peek {
            if c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") {
                advance()
            } else if c == UInt8(ascii: "#") {
                skipComment()
            } else {
                break
            }
        }
    }

    mutating func expectLineEnd() throws(TOMLError) {
        skipSpaces()
        skipComment()
        if peek == UInt8(ascii: "\r") { pos += 1 }
        guard let c = peek else { return }
        guard c == UInt8(ascii: "\n") else {
            throw fail("unexpected '\(String(decoding: [c], as: UTF8.self))' after a value; one key = value per line")
        }
        advance()
    }

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        var root = TOMLTable(line: 1)
        root.explicitlyDefined = true
        var current: [String] = []  // path of the current table
        var definedTables = Set<[String]>()
        while true {
            skipWhitespaceAndComments()
            guard let c = peek else { break }
            if c == UInt8(ascii: "[") {
                let headerLine = line
                pos += 1
                let isArray = peek == UInt8(ascii: "[")
                if isArray { pos += 1 }
                skipSpaces()
                let path = try parseKeyPath()
                skipSpaces()
                guard peek == UInt8(ascii: "]") else { throw fail("expected ']' to close the table header") }
                pos += 1
                if isArray {
                    guard peek == UInt8(ascii: "]") else { throw fail("expected ']]' to close the array-of-tables header") }
                    pos += 1
                }
                try expectLineEnd()
                if isArray {
                    try appendArrayTable(&root, path: path, line: headerLine)
                    current = path
                } else {
                    if definedTables.contains(path) {
                        throw TOMLError(line: headerLine, message: "table [\(path.joined(separator: "."))] is defined twice")
                    }
                    definedTables.insert(path)
                    try defineTable(&root, path: path, line: headerLine)
                    current = path
                }
            } else {
                let keyLine = line
                let path = try parseKeyPath()
                skipSpaces()
                guard peek == UInt8(ascii: "=") else {
                    throw fail("expected '=' after key '\(path.joined(separator: "."))'")
                }
                pos += 1
                skipSpaces()
                let value = try parseValue()
                try expectLineEnd()
                try insert(&root, tablePath: current, keyPath: path, value: value, line: keyLine)
            }
        }
        return root
    }

    // MARK: keys

    mutating func parseKeyPath() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            parts.append(try parseKey())
            skipSpaces()
            if peek == UInt8(ascii: ".") {
                pos += 1
                continue
            }
            return parts
        }
    }

    mutating func parseKey() throws(TOMLError) -> String {
        guard let c = peek else { throw fail("expected a key, found the end of the file") }
        if c == UInt8(ascii: "\"") { return try parseBasicString() }
        if c == UInt8(ascii: "'") { return try parseLiteralString() }
        let start = pos
        while let c = peek, isBareKeyByte(c) { pos += 1 }
        guard pos > start else {
            throw fail("expected a key, found '\(String(decoding: [c], as: UTF8.self))'")
        }
        return String(decoding: bytes[start..<pos], as: UTF8.self)
    }

    func isBareKeyByte(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
    }

    // MARK: tables

    func walk(_ table: inout TOMLTable, _ path: ArraySlice<String>, line: Int, body: (inout TOMLTable) throws(TOMLError) -> Void) throws(TOMLError) {
        guard let first = path.first else {
            try body(&table)
            return
        }
        var child: TOMLValue
        if let existing = table[first] {
            child = existing
        } else {
            child = TOMLValue(kind: .table(TOMLTable(line: line)), line: line)
        }
        switch child.kind {
        case .table(var t):
            try walk(&t, path.dropFirst(), line: line, body: body)
            child.kind = .table(t)
        case .array(var items):
            // [[a]] then [a.b]: descend into the last element of the array of tables.
            guard let last = items.last, case .table(var t) = last.kind else {
                throw TOMLError(line: line, message: "key '\(first)' is not a table")
            }
            try walk(&t, path.dropFirst(), line: line, body: body)
            items[items.count - 1].kind = .table(t)
            child.kind = .array(items)
        default:
            throw TOMLError(line: line, message: "key '\(first)' already holds a \(child.typeName) (line \(child.line)), not a table")
        }
        table.set(first, child)
    }

    func defineTable(_ root: inout TOMLTable, path: [String], line: Int) throws(TOMLError) {
        try walk(&root, path[...], line: line) { (t: inout TOMLTable) throws(TOMLError) in
            t.explicitlyDefined = true
            t.line = line
        }
    }

    func appendArrayTable(_ root: inout TOMLTable, path: [String], line: Int) throws(TOMLError) {
        let parent = path.dropLast()
        let name = path[path.count - 1]
        try walk(&root, parent, line: line) { (t: inout TOMLTable) throws(TOMLError) in
            var newTable = TOMLTable(line: line)
            newTable.explicitlyDefined = true
            let element = TOMLValue(kind: .table(newTable), line: line)
            if let existing = t[name] {
                guard case .array(var items) = existing.kind else {
                    throw TOMLError(
                        line: line, message: "key '\(Quote.short(name))' already holds a \(existing.typeName) (line \(existing.line)), not an array of tables")
                }
                items.append(element)
                t.set(name, TOMLValue(kind: .array(items), line: existing.line))
            } else {
                t.set(name, TOMLValue(kind: .array([element]), line: line))
            }
        }
    }

    func insert(_ root: inout TOMLTable, tablePath: [String], keyPath: [String], value: TOMLValue, line: Int) throws(TOMLError) {
        let full = tablePath + keyPath.dropLast()
        let name = keyPath[keyPath.count - 1]
        try walk(&root, full[...], line: line) { (t: inout TOMLTable) throws(TOMLError) in
            if let existing = t[name] {
                throw TOMLError(line: line, message: "key '\((keyPath).joined(separator: "."))' is defined twice (first on line \(existing.line))")
            }
            t.set(name, value)
        }
    }

    // MARK: values

    mutating func parseValue() throws(TOMLError) -> TOMLValue {
        let valueLine = line
        guard let c = peek else { throw fail("expected a value, found the end of the file") }
        switch c {
        case UInt8(ascii: "\""):
            if bytes[pos...].starts(with: Array("\"\"\"".utf8)) {
                return TOMLValue(kind: .string(try parseMultilineBasicString()), line: valueLine)
            }
            return TOMLValue(kind: .string(try parseBasicString()), line: valueLine)
        case UInt8(ascii: "'"):
            if bytes[pos...].starts(with: Array("'''".utf8)) {
                return TOMLValue(kind: .string(try parseMultilineLiteralString()), line: valueLine)
            }
            return TOMLValue(kind: .string(try parseLiteralString()), line: valueLine)
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth < Self.maxDepth else { throw fail("arrays and inline tables nested deeper than \(Self.maxDepth) levels") }
            depth += 1
            defer { depth -= 1 }
            if c == UInt8(ascii: "[") { return TOMLValue(kind: .array(try parseArray()), line: valueLine) }
            return TOMLValue(kind: .table(try parseInlineTable()), line: valueLine)
        default:
            let start = pos
            while let c = peek,
                !(c == UInt8(ascii: ",") || c == UInt8(ascii: "]") || c == UInt8(ascii: "}")
                    || c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r")
                    || c == UInt8(ascii: "\n") || c == UInt8(ascii: "#"))
            {
                pos += 1
            }
            let token = String(decoding: bytes[start..<pos], as: UTF8.self)
            if token.isEmpty { throw fail("expected a value") }
            if token == "true" { return TOMLValue(kind: .boolean(true), line: valueLine) }
            if token == "false" { return TOMLValue(kind: .boolean(false), line: valueLine) }
            if let i = Self.integer(token) { return TOMLValue(kind: .integer(i), line: valueLine) }
            if let f = Self.float(token) { return TOMLValue(kind: .float(f), line: valueLine) }
            if token.first?.isNumber == true, token.contains("-") || token.contains(":") {
                throw fail("dates and times are not accepted here; write the value as a quoted string")
            }
            throw fail("'\(token)' is not a TOML value (strings need quotes)")
        }
    }

    static func integer(_ token: String) -> Int64? {
        var t = token
        if t.contains("__") || t.hasPrefix("_") || t.hasSuffix("_") { return nil }
        t.removeAll { $0 == "_" }
        for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where t.hasPrefix(prefix) {
            return Int64(t.dropFirst(2), radix: radix)
        }
        let digits = t.hasPrefix("+") || t.hasPrefix("-") ? t.dropFirst() : Substring(t)
        if digits.count > 1 && digits.hasPrefix("0") { return nil }  // no leading zeros
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int64(t)
    }

    static func float(_ token: String) -> Double? {
        switch token {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        var t = token
        if t.contains("__") { return nil }
        t.removeAll { $0 == "_" }
        guard t.contains(".") || t.lowercased().contains("e") else { return nil }
        guard t.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }) else { return nil }
        return Double(t)
    }

    mutating func parseArray() throws(TOMLError) -> [TOMLValue] {
        pos += 1  // [
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceAndComments()
            guard let c = peek else { throw fail("unterminated array: expected ']'") }
            if c == UInt8(ascii: "]") {
                pos += 1
                return items
            }
            items.append(try parseValue())
            skipWhitespaceAndComments()
            if peek == UInt8(ascii: ",") {
                pos += 1
            } else if peek == UInt8(ascii: "]") {
                continue
            } else if atEnd {
                throw fail("unterminated array: expected ']'")
            } else {
                throw fail("expected ',' or ']' in an array")
            }
        }
    }

    mutating func parseInlineTable() throws(TOMLError) -> TOMLTable {
        let tableLine = line
        pos += 1  // {
        var table = TOMLTable(line: tableLine)
        table.explicitlyDefined = true
        skipSpaces()
        if peek == UInt8(ascii: "}") {
            pos += 1
            return table
        }
        while true {
            skipSpaces()
            let keyLine = line
            let path = try parseKeyPath()
            skipSpaces()
            guard peek == UInt8(ascii: "=") else { throw fail("expected '=' in an inline table") }
            pos += 1
            skipSpaces()
            let value = try parseValue()
            try insert(&table, tablePath: [], keyPath: path, value: value, line: keyLine)
            skipSpaces()
            if peek == UInt8(ascii: ",") {
                pos += 1
            } else if peek == UInt8(ascii: "}") {
                pos += 1
                return table
            } else {
                throw fail("expected ',' or '}' in an inline table")
            }
        }
    }

    // MARK: strings

    mutating func parseBasicString() throws(TOMLError) -> String {
        pos += 1  // "
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("unterminated string") }
            if c == UInt8(ascii: "\n") { throw fail("unterminated string: a basic string ends on its own line") }
            pos += 1
            if c == UInt8(ascii: "\"") { break }
            if c == UInt8(ascii: "\\") {
                try parseEscape(into: &out)
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    mutating func parseEscape(into out: inout [UInt8]) throws(TOMLError) {
        guard let e = peek else { throw fail("unterminated escape sequence") }
        pos += 1
        switch e {
        case UInt8(ascii: "n"): out.append(10)
        case UInt8(ascii: "t"): out.append(9)
        case UInt8(ascii: "r"): out.append(13)
        case UInt8(ascii: "b"): out.append(8)
        case UInt8(ascii: "f"): out.append(12)
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "u"), UInt8(ascii: "U"):
            let n = e == UInt8(ascii: "u") ? 4 : 8
            guard pos + n <= bytes.count, let v = UInt32(String(decoding: bytes[pos..<pos + n], as: UTF8.self), radix: 16),
                let scalar = Unicode.Scalar(v)
            else { throw fail("invalid unicode escape") }
            pos += n
            out.append(contentsOf: Array(String(Character(scalar)).utf8))
        default:
            throw fail("invalid escape sequence '\\\(String(decoding: [e], as: UTF8.self))'")
        }
    }

    mutating func parseLiteralString() throws(TOMLError) -> String {
        pos += 1  // '
        let start = pos
        while let c = peek, c != UInt8(ascii: "'") {
            if c == UInt8(ascii: "\n") { throw fail("unterminated literal string") }
            pos += 1
        }
        guard peek == UInt8(ascii: "'") else { throw fail("unterminated literal string") }
        let s = String(decoding: bytes[start..<pos], as: UTF8.self)
        pos += 1
        return s
    }

    mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        pos += 3
        if peek == UInt8(ascii: "\n") {
            advance()
        } else if bytes[pos...].starts(with: [13, 10]) {
            pos += 1
            advance()
        }
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("unterminated multi-line string") }
            if bytes[pos...].starts(with: Array("\"\"\"".utf8)) {
                pos += 3
                // Up to two extra quotes belong to the content.
                while peek == UInt8(ascii: "\""), out.count >= 0 {
                    out.append(UInt8(ascii: "\""))
                    pos += 1
                }
                return String(decoding: out, as: UTF8.self)
            }
            if c == UInt8(ascii: "\\") {
                pos += 1
                // Line-ending backslash trims the newline and following whitespace.
                var probe = pos
                while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") { probe += 1 }
                if probe < bytes.count, bytes[probe] == UInt8(ascii: "\n") || bytes[probe] == UInt8(ascii: "\r") {
                    pos = probe
                    skipWhitespaceNoComments()
                } else {
                    try parseEscape(into: &out)
                }
                continue
            }
            out.append(c)
            advance()
        }
    }

    mutating func skipWhitespaceNoComments() {
        while let c = peek, c == UInt8(ascii: " ") || c == UInt8(ascii: "\t") || c == UInt8(ascii: "\r") || c == UInt8(ascii: "\n") {
            advance()
        }
    }

    mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        pos += 3
        if peek == UInt8(ascii: "\n") { advance() }
        var out: [UInt8] = []
        while true {
            guard let c = peek else { throw fail("unterminated multi-line literal string") }
            if bytes[pos...].starts(with: Array("'''".utf8)) {
                pos += 3
                while peek == UInt8(ascii: "'") {
                    out.append(UInt8(ascii: "'"))
                    pos += 1
                }
                return String(decoding: out, as: UTF8.self)
            }
            out.append(c)
            advance()
        }
    }
}
