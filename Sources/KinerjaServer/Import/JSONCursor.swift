import Foundation

/// A forward-only reader over the bytes of a JSON document (RFC 8259) whose shape the caller knows, for bulk
/// imports where a general decoder's per-value overhead dominates. It never reports *what* is wrong: every
/// method throws `JSONCursor.Unexpected` at the first thing it does not expect (bad syntax, a wrong type,
/// a key with escapes), and the caller falls back to a decoder that explains the problem.
struct JSONCursor {
    struct Unexpected: Error {}

    nonisolated(unsafe) private static let emptyBase: UnsafePointer<UInt8> = {
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        p.initialize(to: 0)
        return UnsafePointer(p)
    }()

    private let base: UnsafePointer<UInt8>
    private(set) var position: Int
    private let end: Int

    /// Reads `bytes[range]`.
    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>) {
        // An empty buffer has no base address: point at a static byte (nothing is read, end == position).
        base = bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONCursor.emptyBase
        position = range.lowerBound
        end = range.upperBound
    }

    private static let quote: UInt8 = 0x22, backslash: UInt8 = 0x5C

    @inline(__always) private static func isBlank(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// The next byte after blanks, without consuming it.
    @inline(__always) mutating func peek() throws -> UInt8 {
        while position < end && Self.isBlank(base[position]) { position += 1 }
        guard position < end else { throw Unexpected() }
        return base[position]
    }

    @inline(__always) mutating func consume(_ c: UInt8) throws {
        guard try peek() == c else { throw Unexpected() }
        position += 1
    }

    /// True (and consumed) when the next value is `null`.
    mutating func null() throws -> Bool {
        guard try peek() == 0x6E else { return false }
        guard end - position >= 4, base[position + 1] == 0x75, base[position + 2] == 0x6C, base[position + 3] == 0x6C else { throw Unexpected() }
        position += 4
        return true
    }

    /// Only blanks are left.
    mutating func finish() throws {
        while position < end && Self.isBlank(base[position]) { position += 1 }
        guard position == end else { throw Unexpected() }
    }

    /// Moves to `offset` (a place the caller has already checked, such as the end of an array it scanned).
    mutating func jump(to offset: Int) throws {
        guard offset >= position && offset <= end else { throw Unexpected() }
        position = offset
    }

    // MARK: objects and arrays

    /// Calls `body` with each key of an object (as raw bytes, valid until the document goes away) with the
    /// cursor on its value; `body` must read the value.
    mutating func object(_ body: (inout JSONCursor, UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        try consume(0x7B)
        if try peek() == 0x7D {
            position += 1
            return
        }
        while true {
            let key = try rawKey()
            try consume(0x3A)
            try body(&self, key)
            let c = try peek()
            position += 1
            if c == 0x7D { return }
            guard c == 0x2C else { throw Unexpected() }
        }
    }

    /// Calls `body` with the cursor on each element of an array; `body` must read the element.
    mutating func array(_ body: (inout JSONCursor) throws -> Void) throws {
        try consume(0x5B)
        if try peek() == 0x5D {
            position += 1
            return
        }
        while true {
            try body(&self)
            let c = try peek()
            position += 1
            if c == 0x5D { return }
            guard c == 0x2C else { throw Unexpected() }
        }
    }

    /// A key without escapes, as the bytes between its quotes.
    private mutating func rawKey() throws -> UnsafeBufferPointer<UInt8> {
        try consume(Self.quote)
        let start = position
        while position < end {
            let c = base[position]
            if c == Self.quote {
                position += 1
                return UnsafeBufferPointer(start: base + start, count: position - 1 - start)
            }
            if c == Self.backslash || c < 0x20 { throw Unexpected() }
            position += 1
        }
        throw Unexpected()
    }

    // MARK: values

    mutating func string() throws -> String {
        try consume(Self.quote)
        let start = position
        var escaped = false
        while true {
            guard position < end else { throw Unexpected() }
            let c = base[position]
            if c == Self.quote { break }
            if c == Self.backslash {
                escaped = true
                position += 2
                continue
            }
            if c < 0x20 { throw Unexpected() }
            position += 1
        }
        guard position < end else { throw Unexpected() }
        let raw = UnsafeBufferPointer(start: base + start, count: position - start)
        position += 1
        if !escaped {
            guard let s = String(validating: raw, as: UTF8.self) else { throw Unexpected() }
            return s
        }
        return try Self.unescape(raw)
    }

    mutating func optionalString() throws -> String? { try null() ? nil : string() }

    /// `[String]`, or nil for `null`.
    mutating func optionalStrings() throws -> [String]? {
        if try null() { return nil }
        var out: [String] = []
        try array { out.append(try $0.string()) }
        return out
    }

    /// A JSON number as a Double; nil for `null`. Integers of up to 15 digits are converted exactly here, others by
    /// the standard library; a number that is not finite as a Double is unexpected.
    mutating func optionalNumber() throws -> Double? {
        if try null() { return nil }
        let start = position
        var negative = false
        if base[position] == 0x2D {
            negative = true
            position += 1
        }
        let intStart = position
        while position < end && base[position] &- 0x30 < 10 { position += 1 }
        let intDigits = position - intStart
        guard intDigits > 0, intDigits == 1 || base[intStart] != 0x30 else { throw Unexpected() }
        var simple = intDigits <= 15
        if position < end && base[position] == 0x2E {
            simple = false
            position += 1
            let s = position
            while position < end && base[position] &- 0x30 < 10 { position += 1 }
            guard position > s else { throw Unexpected() }
        }
        if position < end && (base[position] == 0x65 || base[position] == 0x45) {
            simple = false
            position += 1
            if position < end && (base[position] == 0x2B || base[position] == 0x2D) { position += 1 }
            let s = position
            while position < end && base[position] &- 0x30 < 10 { position += 1 }
            guard position > s else { throw Unexpected() }
        }
        if simple {
            var v = 0
            for k in intStart..<(intStart + intDigits) { v = v * 10 + Int(base[k] &- 0x30) }
            return negative ? -Double(v) : Double(v)
        }
        guard let v = Double(String(decoding: UnsafeBufferPointer(start: base + start, count: position - start), as: UTF8.self)), v.isFinite else {
            throw Unexpected()
        }
        return v
    }

    /// How deep `skipValue` goes before it gives up (the reporting path then names the place).
    static let maxDepth = JSONDepth.limit

    /// Skips one value of any kind (checking its syntax). Iterative: no recursion on the document's depth; at most
    /// `limit` containers may be open inside the value (the caller passes what is left of `maxDepth` where it is).
    mutating func skipValue(limit: Int = JSONCursor.maxDepth) throws {
        var closers: [UInt8] = []
        // Each step reads one value; containers push their closer and continue with their first element.
        while true {
            var c = try peek()
            switch c {
            case Self.quote: _ = try string()
            case 0x7B, 0x5B:
                guard closers.count < limit else { throw Unexpected() }
                position += 1
                let closer: UInt8 = c == 0x7B ? 0x7D : 0x5D
                if try peek() == closer {
                    position += 1
                } else {
                    closers.append(closer)
                    if closer == 0x7D {
                        _ = try rawKeyOrString()
                        try consume(0x3A)
                    }
                    continue
                }
            case 0x6E: _ = try null()
            case 0x74: try literal("true")
            case 0x66: try literal("false")
            default: _ = try optionalNumber()
            }
            // After a value: a comma (next element) or closers.
            while let closer = closers.last {
                c = try peek()
                position += 1
                if c == closer {
                    closers.removeLast()
                    continue
                }
                guard c == 0x2C else { throw Unexpected() }
                if closer == 0x7D {
                    _ = try rawKeyOrString()
                    try consume(0x3A)
                }
                break
            }
            if closers.isEmpty { return }
        }
    }

    /// An object key in `skipValue` (escapes allowed: it is not compared).
    private mutating func rawKeyOrString() throws { _ = try string() }

    private mutating func literal(_ word: StaticString) throws {
        let n = word.utf8CodeUnitCount
        guard end - position >= n, memcmp(base + position, word.utf8Start, n) == 0 else { throw Unexpected() }
        position += n
    }

    // MARK: helpers

    /// Whether raw key bytes spell `name`.
    @inline(__always) static func key(_ raw: UnsafeBufferPointer<UInt8>, is name: StaticString) -> Bool {
        raw.count == name.utf8CodeUnitCount && memcmp(raw.baseAddress!, name.utf8Start, raw.count) == 0
    }

    /// The text of a string literal's contents with escapes (`\" \\ \/ \b \f \n \r \t \uXXXX`, surrogate pairs).
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) throws -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) throws -> UInt32 {
            guard at + 4 <= raw.count else { throw Unexpected() }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = raw[k]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: throw Unexpected()
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while i < raw.count {
            let c = raw[i]
            guard c == backslash else {
                bytes.append(c)
                i += 1
                continue
            }
            guard i + 1 < raw.count else { throw Unexpected() }
            let e = raw[i + 1]
            i += 2
            switch e {
            case 0x22, 0x5C, 0x2F: bytes.append(e)
            case 0x62: bytes.append(0x08)
            case 0x66: bytes.append(0x0C)
            case 0x6E: bytes.append(0x0A)
            case 0x72: bytes.append(0x0D)
            case 0x74: bytes.append(0x09)
            case 0x75:
                var scalar = try hex4(i)
                i += 4
                if (0xD800..<0xDC00).contains(scalar) {
                    guard i + 6 <= raw.count, raw[i] == backslash, raw[i + 1] == 0x75 else { throw Unexpected() }
                    let low = try hex4(i + 2)
                    guard (0xDC00..<0xE000).contains(low) else { throw Unexpected() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    i += 6
                }
                guard let u = Unicode.Scalar(scalar) else { throw Unexpected() }
                bytes.append(contentsOf: UTF8.encode(u)!)
            default: throw Unexpected()
            }
        }
        guard let s = String(validating: bytes, as: UTF8.self) else { throw Unexpected() }
        return s
    }
}
