import Foundation

/// JSON's null in the documents `printJSON` writes (Foundation's NSNull would start CoreFoundation for one word).
struct JSONNull {}

/// One JSON document on stdout: sorted keys, pretty printed, numbers as numbers. Written here rather than by
/// JSONSerialization, whose first use costs a command about 5 ms.
func printJSON(_ value: Any) {
    var out: [UInt8] = []
    appendJSON(value, indent: 0, to: &out)
    print(String(decoding: out, as: UTF8.self))
}

/// A document holding what JSONSerialization parsed (NSNumber, NSNull), written by JSONSerialization itself.
func printParsedJSON(_ value: Any) {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]) else {
        print("{}")
        return
    }
    print(String(decoding: data, as: UTF8.self))
}

/// Appends `value` as pretty-printed JSON (two-space indents, `"key" : value`, keys sorted). A number JSON cannot
/// hold (NaN, infinity) is written as null; a value of another kind as its description, a string.
func appendJSON(_ value: Any, indent: Int, to out: inout [UInt8]) {
    func newline(_ level: Int) {
        out.append(0x0a)
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: level * 2))
    }
    switch value {
    case let s as String: JSONArrayWriter.appendString(s, to: &out)
    case let b as Bool: out.append(contentsOf: Array((b ? "true" : "false").utf8))
    case let n as Int: out.append(contentsOf: Array(String(n).utf8))
    case let n as Int32: out.append(contentsOf: Array(String(n).utf8))
    case let n as Int64: out.append(contentsOf: Array(String(n).utf8))
    case let n as UInt32: out.append(contentsOf: Array(String(n).utf8))
    case let n as UInt64: out.append(contentsOf: Array(String(n).utf8))
    case let d as Double:
        guard d.isFinite else { return out.append(contentsOf: Array("null".utf8)) }
        out.append(contentsOf: Array((d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)).utf8))
    case let f as Float:
        guard f.isFinite else { return out.append(contentsOf: Array("null".utf8)) }
        out.append(contentsOf: Array((f == f.rounded() && abs(f) < 1e7 ? String(Int64(f)) : String(f)).utf8))
    case let n as any BinaryInteger: out.append(contentsOf: Array("\(n)".utf8))
    case is JSONNull: out.append(contentsOf: Array("null".utf8))
    case let array as [Any]:
        guard !array.isEmpty else {
            return out.append(contentsOf: Array("[]".utf8))
        }
        out.append(UInt8(ascii: "["))
        for (i, element) in array.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            newline(indent + 1)
            appendJSON(element, indent: indent + 1, to: &out)
        }
        newline(indent)
        out.append(UInt8(ascii: "]"))
    case let object as [String: Any]:
        guard !object.isEmpty else {
            return out.append(contentsOf: Array("{}".utf8))
        }
        out.append(UInt8(ascii: "{"))
        for (i, key) in object.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            newline(indent + 1)
            JSONArrayWriter.appendString(key, to: &out)
            out.append(contentsOf: Array(" : ".utf8))
            appendJSON(object[key]!, indent: indent + 1, to: &out)
        }
        newline(indent)
        out.append(UInt8(ascii: "}"))
    default:
        JSONArrayWriter.appendString("\(value)", to: &out)
    }
}

/// A plain text table with a header row, columns padded to their widest cell.
func printTable(_ header: [String], _ rows: [[String]]) {
    var widths = header.map(\.count)
    for row in rows {
        for (i, cell) in row.enumerated() where i < widths.count {
            widths[i] = max(widths[i], cell.count)
        }
    }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, c in
            i == cells.count - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0)
        }.joined(separator: "  ")
    }
    print(line(header))
    for row in rows { print(line(row)) }
}

/// `key: value` lines, keys aligned.
func printFields(_ fields: [(String, String)]) {
    let width = fields.map(\.0.count).max() ?? 0
    for (k, v) in fields {
        print(k.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + v)
    }
}

func formatBytes(_ n: Int64) -> String {
    if n < 1024 { return "\(n) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(n) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return "\(oneDecimal(value)) \(units[unit])"
}

/// `value` rounded half away from zero to one decimal, as `%.1f` writes it (without Foundation's formatter, whose
/// first use costs a command about half a millisecond).
func oneDecimal(_ value: Double) -> String {
    let tenths = (value * 10).rounded(.toNearestOrAwayFromZero)
    guard tenths.isFinite, abs(tenths) < 1e15 else { return "\(value)" }
    let t = Int64(tenths)
    return "\(t < 0 ? "-" : "")\(t.magnitude / 10).\(t.magnitude % 10)"
}

func formatDuration(_ seconds: Int64) -> String {
    let d = seconds / 86400
    let h = (seconds % 86400) / 3600
    let m = (seconds % 3600) / 60
    let s = seconds % 60
    if d > 0 { return "\(d)d \(h)h \(m)m" }
    if h > 0 { return "\(h)h \(m)m \(s)s" }
    if m > 0 { return "\(m)m \(s)s" }
    return "\(s)s"
}

/// Integer Rupiah with thousands separators: `Rp 4.465.000`.
func formatRupiah(_ amount: Int64) -> String {
    let digits = String(amount.magnitude)
    var out = ""
    for (i, c) in digits.enumerated() {
        if i > 0 && (digits.count - i) % 3 == 0 { out.append(".") }
        out.append(c)
    }
    return (amount < 0 ? "-Rp " : "Rp ") + out
}

/// A JSON value for hand-built documents: keys keep their order and large arrays stream to stdout fast
/// (Foundation's JSONSerialization is too slow for 100,000 objects).
enum JSONValue {
    case string(String)
    case int(Int64)
    case bool(Bool)
}

/// Streams a large JSON array of flat objects to stdout, one object a line.
struct JSONArrayWriter {
    private var buffer: [UInt8] = []
    private var count = 0

    init() { buffer.reserveCapacity(1 << 21) }

    mutating func append(_ fields: KeyValuePairs<String, JSONValue>) {
        buffer.append(contentsOf: count == 0 ? Array("[\n  {".utf8) : Array(",\n  {".utf8))
        var first = true
        for (key, value) in fields {
            if !first { buffer.append(UInt8(ascii: ",")) }
            first = false
            Self.appendString(key, to: &buffer)
            buffer.append(UInt8(ascii: ":"))
            switch value {
            case .string(let s): Self.appendString(s, to: &buffer)
            case .int(let i): buffer.append(contentsOf: Array(String(i).utf8))
            case .bool(let b): buffer.append(contentsOf: Array((b ? "true" : "false").utf8))
            }
        }
        buffer.append(UInt8(ascii: "}"))
        count += 1
        if buffer.count > 1 << 20 { flush() }
    }

    static func appendString(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: Array("\\n".utf8))
            case 0x0D: out.append(contentsOf: Array("\\r".utf8))
            case 0x09: out.append(contentsOf: Array("\\t".utf8))
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xf)]])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    private mutating func flush() {
        FileHandle.standardOutput.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    mutating func finish() {
        buffer.append(contentsOf: count == 0 ? Array("[]\n".utf8) : Array("\n]\n".utf8))
        flush()
    }
}
