import Foundation

/// Bounds the nesting of a JSON document before any decoder that recurses (JSONSerialization) sees it: one pass over
/// the bytes, no recursion, the path and line/column of the first place that goes deeper than `limit`.
enum JSONDepth {
    static let limit = 64

    struct TooDeep: Error, Equatable, CustomStringConvertible {
        var path: String
        var line: Int
        var column: Int
        var description: String { "line \(line), column \(column) (\(path)): nested deeper than \(JSONDepth.limit) levels" }
    }

    /// nil when `bytes` nest at most `limit` deep (strings are skipped; syntax is left to the decoder).
    static func check(_ bytes: UnsafeRawBufferPointer, limit: Int = JSONDepth.limit) -> TooDeep? {
        // One entry per open container: its kind, the current key (objects) or index (arrays).
        var stack: [(array: Bool, key: String, index: Int)] = []
        var inString = false
        var escaped = false
        var stringStart = 0
        var lastString = ""
        var line = 1
        var lineStart = 0
        var i = 0
        while i < bytes.count {
            let c = bytes[i]
            if inString {
                if escaped {
                    escaped = false
                } else if c == 0x5C {
                    escaped = true
                } else if c == 0x22 {
                    inString = false
                    let raw = UnsafeRawBufferPointer(rebasing: bytes[stringStart..<i])
                    lastString = String(decoding: raw.prefix(60), as: UTF8.self)
                }
                i += 1
                continue
            }
            switch c {
            case 0x22:
                inString = true
                stringStart = i + 1
            case 0x3A:  // the string before was a key
                if !stack.isEmpty && !stack[stack.count - 1].array { stack[stack.count - 1].key = lastString }
            case 0x2C:
                if !stack.isEmpty && stack[stack.count - 1].array { stack[stack.count - 1].index += 1 }
            case 0x7B, 0x5B:
                if stack.count >= limit {
                    return TooDeep(path: path(stack), line: line, column: i - lineStart + 1)
                }
                stack.append((c == 0x5B, "", 0))
            case 0x7D, 0x5D:
                if !stack.isEmpty { stack.removeLast() }
            case 0x0A:
                line += 1
                lineStart = i + 1
            default: break
            }
            i += 1
        }
        return nil
    }

    static func check(_ data: Data) -> TooDeep? { data.withUnsafeBytes { check($0) } }

    /// Where a document that a decoder refused goes wrong, when a byte scan can tell: the first byte that is not
    /// UTF-8, or the end of a document that stops with containers or a string still open.
    static func place(of data: Data) -> String? {
        data.withUnsafeBytes { bytes -> String? in
            var line = 1
            var lineStart = 0
            var i = 0
            var depth = 0
            var inString = false
            var escaped = false
            while i < bytes.count {
                let c = bytes[i]
                // UTF-8: lead byte and continuation bytes.
                if c >= 0x80 {
                    let need = c >= 0xF0 && c <= 0xF4 ? 3 : c >= 0xE0 ? 2 : c >= 0xC2 && c < 0xE0 ? 1 : -1
                    var ok = need > 0 && i + need < bytes.count
                    if ok { for k in 1...need where bytes[i + k] & 0xC0 != 0x80 { ok = false } }
                    if !ok { return "byte offset \(i) (line \(line), column \(i - lineStart + 1)) is not UTF-8" }
                    i += need + 1
                    continue
                }
                if inString {
                    if escaped { escaped = false } else if c == 0x5C { escaped = true } else if c == 0x22 { inString = false }
                } else if c == 0x22 {
                    inString = true
                } else if c == 0x7B || c == 0x5B {
                    depth += 1
                } else if c == 0x7D || c == 0x5D {
                    depth -= 1
                }
                if c == 0x0A {
                    line += 1
                    lineStart = i + 1
                }
                i += 1
            }
            if inString || depth > 0 {
                return "the document ends at byte offset \(bytes.count) (line \(line), column \(bytes.count - lineStart + 1)) with "
                    + (inString ? "a string" : "\(depth) object\(depth == 1 ? "" : "s") or array\(depth == 1 ? "" : "s")") + " still open: is it truncated?"
            }
            return nil
        }
    }

    private static func path(_ stack: [(array: Bool, key: String, index: Int)]) -> String {
        var out = "$"
        for (n, e) in stack.enumerated() {
            if n >= 8 {
                out += "…"
                break
            }
            out += e.array ? "[\(e.index)]" : ".\(e.key)"
        }
        return out
    }
}
