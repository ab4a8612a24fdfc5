/// The HTTP/2 frames (RFC 9113) the client transport reads and writes: a 9-byte header and a payload.
package struct HTTP2Frame: Equatable {
    package enum Kind: UInt8 {
        case data = 0x0
        case headers = 0x1
        case priority = 0x2
        case rstStream = 0x3
        case settings = 0x4
        case pushPromise = 0x5
        case ping = 0x6
        case goAway = 0x7
        case windowUpdate = 0x8
        case continuation = 0x9
    }

    package struct Flags: OptionSet, Equatable {
        package let rawValue: UInt8
        package init(rawValue: UInt8) { self.rawValue = rawValue }
        package static let endStream = Flags(rawValue: 0x1)
        package static let ack = Flags(rawValue: 0x1)
        package static let endHeaders = Flags(rawValue: 0x4)
        package static let padded = Flags(rawValue: 0x8)
        package static let priority = Flags(rawValue: 0x20)
    }

    /// The raw type: frames of unknown types are read and ignored, as the RFC requires.
    package var type: UInt8
    package var flags: Flags
    package var streamID: UInt32
    package var payload: [UInt8]

    package var kind: Kind? { Kind(rawValue: type) }

    package init(_ kind: Kind, flags: Flags = [], streamID: UInt32 = 0, payload: [UInt8] = []) {
        self.type = kind.rawValue
        self.flags = flags
        self.streamID = streamID
        self.payload = payload
    }

    package init(type: UInt8, flags: Flags, streamID: UInt32, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.streamID = streamID
        self.payload = payload
    }

    package static let headerLength = 9
    /// The connection preface a client sends first.
    package static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// The frame as bytes: its header, then its payload.
    package func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerLength + payload.count)
        Self.appendHeader(to: &out, length: payload.count, type: type, flags: flags, streamID: streamID)
        out += payload
        return out
    }

    package static func appendHeader(to out: inout [UInt8], length: Int, type: UInt8, flags: Flags, streamID: UInt32) {
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(type)
        out.append(flags.rawValue)
        appendUInt32(streamID & 0x7fff_ffff, to: &out)
    }

    package static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    package static func readUInt32<C: RandomAccessCollection<UInt8>>(_ bytes: C, at offset: Int) -> UInt32 where C.Index == Int {
        let i = bytes.startIndex + offset
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    /// A SETTINGS frame with these (identifier, value) pairs.
    package static func settings(_ parameters: [(UInt16, UInt32)]) -> HTTP2Frame {
        var payload: [UInt8] = []
        for (id, value) in parameters {
            payload.append(UInt8(id >> 8))
            payload.append(UInt8(id & 0xff))
            appendUInt32(value, to: &payload)
        }
        return HTTP2Frame(.settings, payload: payload)
    }

    package static func windowUpdate(streamID: UInt32, increment: UInt32) -> HTTP2Frame {
        var payload: [UInt8] = []
        appendUInt32(increment & 0x7fff_ffff, to: &payload)
        return HTTP2Frame(.windowUpdate, streamID: streamID, payload: payload)
    }

    package static func rstStream(streamID: UInt32, errorCode: UInt32) -> HTTP2Frame {
        var payload: [UInt8] = []
        appendUInt32(errorCode, to: &payload)
        return HTTP2Frame(.rstStream, streamID: streamID, payload: payload)
    }

    /// The payload of a DATA or HEADERS frame without its padding (and, for HEADERS, its priority fields), or nil when
    /// the padding is longer than the frame allows.
    package func unpaddedPayload() -> ArraySlice<UInt8>? {
        var start = 0
        var end = payload.count
        if flags.contains(.padded) {
            guard end >= 1 else { return nil }
            let padding = Int(payload[0])
            start = 1
            end -= padding
        }
        if kind == .headers, flags.contains(.priority) { start += 5 }
        guard start <= end else { return nil }
        return payload[start..<end]
    }
}

/// Splits a byte stream into frames. Bytes go in as they are read; whole frames come out.
package struct HTTP2FrameReader {
    private var buffer: [UInt8] = []
    private var start = 0
    /// The largest payload this side accepts (SETTINGS_MAX_FRAME_SIZE it sent).
    package let maxFrameSize: Int

    package init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    package enum Failure: Error, Equatable {
        case frameTooLarge(Int)
    }

    package mutating func append<C: Collection<UInt8>>(_ bytes: C) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes arrive.
    package mutating func next() throws(Failure) -> HTTP2Frame? {
        let available = buffer.count - start
        guard available >= HTTP2Frame.headerLength else { return nil }
        let length = Int(buffer[start]) << 16 | Int(buffer[start + 1]) << 8 | Int(buffer[start + 2])
        guard length <= maxFrameSize else { throw .frameTooLarge(length) }
        guard available >= HTTP2Frame.headerLength + length else { return nil }
        let type = buffer[start + 3]
        let flags = HTTP2Frame.Flags(rawValue: buffer[start + 4])
        let streamID = HTTP2Frame.readUInt32(buffer, at: start + 5) & 0x7fff_ffff
        let payloadStart = start + HTTP2Frame.headerLength
        let frame = HTTP2Frame(type: type, flags: flags, streamID: streamID, payload: Array(buffer[payloadStart..<payloadStart + length]))
        start = payloadStart + length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return frame
    }
}

/// Reassembles gRPC's length-prefixed messages (a compression flag byte, a 4-byte big-endian length, the bytes) from
/// the DATA frames of one stream.
package struct GRPCMessageDeframer {
    private var buffer: [UInt8] = []
    private var start = 0
    package let maxMessageBytes: Int

    package enum Failure: Error, Equatable {
        case tooLarge(Int, limit: Int)
        case compressed
    }

    package init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Bytes received that are not yet part of a whole message.
    package var pendingBytes: Int { buffer.count - start }

    package mutating func append<C: Collection<UInt8>>(_ bytes: C) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message, or nil until more bytes arrive.
    package mutating func next() throws(Failure) -> [UInt8]? {
        guard buffer.count - start >= 5 else { return nil }
        guard buffer[start] == 0 else { throw .compressed }
        let length = Int(HTTP2Frame.readUInt32(buffer, at: start + 1))
        guard length <= maxMessageBytes else { throw .tooLarge(length, limit: maxMessageBytes) }
        guard buffer.count - start - 5 >= length else { return nil }
        let message = Array(buffer[start + 5..<start + 5 + length])
        start += 5 + length
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            start = 0
        }
        return message
    }
}

/// gRPC's framing of one outgoing message: the flag byte (not compressed) and the 4-byte length.
package func grpcMessagePrefix(length: Int) -> [UInt8] {
    var prefix: [UInt8] = [0]
    HTTP2Frame.appendUInt32(UInt32(truncatingIfNeeded: length), to: &prefix)
    return prefix
}

/// `grpc-message` is percent-encoded (RFC 3986 style) by the server: decode it, keeping malformed escapes as they are.
package func percentDecoded(_ s: String) -> String {
    guard s.utf8.contains(UInt8(ascii: "%")) else { return s }
    var out: [UInt8] = []
    let bytes = Array(s.utf8)
    var i = 0
    func hex(_ b: UInt8) -> UInt8? {
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
        default: nil
        }
    }
    while i < bytes.count {
        if bytes[i] == UInt8(ascii: "%"), i + 2 < bytes.count, let h = hex(bytes[i + 1]), let l = hex(bytes[i + 2]) {
            out.append(h << 4 | l)
            i += 3
        } else {
            out.append(bytes[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

/// HPACK (RFC 7541) header fields written as literals without indexing and without Huffman coding: nothing enters the
/// dynamic table, so header blocks can be encoded independently and in any order.
package enum HPACKLiteral {
    package static func append(name: String, value: String, to out: inout [UInt8]) {
        out.append(0x00)
        appendInteger(name.utf8.count, prefixBits: 7, to: &out)
        out += name.utf8
        appendInteger(value.utf8.count, prefixBits: 7, to: &out)
        out += value.utf8
    }

    /// An HPACK integer (RFC 7541 §5.1) with `prefixBits` bits in the first byte, whose other bits are `flags`.
    package static func appendInteger(_ value: Int, prefixBits: Int, flags: UInt8 = 0, to out: inout [UInt8]) {
        let limit = (1 << prefixBits) - 1
        guard value >= limit else {
            out.append(flags | UInt8(value))
            return
        }
        out.append(flags | UInt8(limit))
        var rest = value - limit
        while rest >= 128 {
            out.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        out.append(UInt8(rest))
    }
}

/// gRPC's `grpc-message` encoding: printable ASCII but `%` as is, every other byte of the UTF-8 as `%XX`.
package func percentEncoded(_ message: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(message.utf8.count)
    for byte in message.utf8 {
        if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
            out.append(byte)
        } else {
            out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
        }
    }
    return String(decoding: out, as: UTF8.self)
}
