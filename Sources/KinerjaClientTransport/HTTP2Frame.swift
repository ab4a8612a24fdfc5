/// The HTTP/2 frames (RFC 9113) the client transport reads and writes: a 9-byte header and a payload.
struct HTTP2Frame: Equatable {
    enum Kind: UInt8 {
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

    struct Flags: OptionSet, Equatable {
        let rawValue: UInt8
        static let endStream = Flags(rawValue: 0x1)
        static let ack = Flags(rawValue: 0x1)
        static let endHeaders = Flags(rawValue: 0x4)
        static let padded = Flags(rawValue: 0x8)
        static let priority = Flags(rawValue: 0x20)
    }

    /// The raw type: frames of unknown types are read and ignored, as the RFC requires.
    var type: UInt8
    var flags: Flags
    var streamID: UInt32
    var payload: [UInt8]

    var kind: Kind? { Kind(rawValue: type) }

    init(_ kind: Kind, flags: Flags = [], streamID: UInt32 = 0, payload: [UInt8] = []) {
        self.type = kind.rawValue
        self.flags = flags
        self.streamID = streamID
        self.payload = payload
    }

    init(type: UInt8, flags: Flags, streamID: UInt32, payload: [UInt8]) {
        self.type = type
        self.flags = flags
        self.streamID = streamID
        self.payload = payload
    }

    static let headerLength = 9
    /// The connection preface a client sends first.
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)

    /// The frame as bytes: its header, then its payload.
    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.headerLength + payload.count)
        Self.appendHeader(to: &out, length: payload.count, type: type, flags: flags, streamID: streamID)
        out += payload
        return out
    }

    static func appendHeader(to out: inout [UInt8], length: Int, type: UInt8, flags: Flags, streamID: UInt32) {
        out.append(UInt8(truncatingIfNeeded: length >> 16))
        out.append(UInt8(truncatingIfNeeded: length >> 8))
        out.append(UInt8(truncatingIfNeeded: length))
        out.append(type)
        out.append(flags.rawValue)
        appendUInt32(streamID & 0x7fff_ffff, to: &out)
    }

    static func appendUInt32(_ value: UInt32, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value >> 24))
        out.append(UInt8(truncatingIfNeeded: value >> 16))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
        out.append(UInt8(truncatingIfNeeded: value))
    }

    static func readUInt32<C: RandomAccessCollection<UInt8>>(_ bytes: C, at offset: Int) -> UInt32 where C.Index == Int {
        let i = bytes.startIndex + offset
        return UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }

    /// A SETTINGS frame with these (identifier, value) pairs.
    static func settings(_ parameters: [(UInt16, UInt32)]) -> HTTP2Frame {
        var payload: [UInt8] = []
        for (id, value) in parameters {
            payload.append(UInt8(id >> 8))
            payload.append(UInt8(id & 0xff))
            appendUInt32(value, to: &payload)
        }
        return HTTP2Frame(.settings, payload: payload)
    }

    static func windowUpdate(streamID: UInt32, increment: UInt32) -> HTTP2Frame {
        var payload: [UInt8] = []
        appendUInt32(increment & 0x7fff_ffff, to: &payload)
        return HTTP2Frame(.windowUpdate, streamID: streamID, payload: payload)
    }

    static func rstStream(streamID: UInt32, errorCode: UInt32) -> HTTP2Frame {
        var payload: [UInt8] = []
        appendUInt32(errorCode, to: &payload)
        return HTTP2Frame(.rstStream, streamID: streamID, payload: payload)
    }

    /// The payload of a DATA or HEADERS frame without its padding (and, for HEADERS, its priority fields), or nil when
    /// the padding is longer than the frame allows.
    func unpaddedPayload() -> ArraySlice<UInt8>? {
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
struct HTTP2FrameReader {
    private var buffer: [UInt8] = []
    private var start = 0
    /// The largest payload this side accepts (SETTINGS_MAX_FRAME_SIZE it sent).
    let maxFrameSize: Int

    init(maxFrameSize: Int) {
        self.maxFrameSize = maxFrameSize
    }

    enum Failure: Error, Equatable {
        case frameTooLarge(Int)
    }

    mutating func append<C: Collection<UInt8>>(_ bytes: C) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole frame, or nil until more bytes arrive.
    mutating func next() throws(Failure) -> HTTP2Frame? {
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
struct GRPCMessageDeframer {
    private var buffer: [UInt8] = []
    private var start = 0
    let maxMessageBytes: Int

    enum Failure: Error, Equatable {
        case tooLarge(Int, limit: Int)
        case compressed
    }

    init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// Bytes received that are not yet part of a whole message.
    var pendingBytes: Int { buffer.count - start }

    mutating func append<C: Collection<UInt8>>(_ bytes: C) {
        if start > 0, start >= buffer.count / 2 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next whole message, or nil until more bytes arrive.
    mutating func next() throws(Failure) -> [UInt8]? {
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
func grpcMessagePrefix(length: Int) -> [UInt8] {
    var prefix: [UInt8] = [0]
    HTTP2Frame.appendUInt32(UInt32(truncatingIfNeeded: length), to: &prefix)
    return prefix
}

/// `grpc-message` is percent-encoded (RFC 3986 style) by the server: decode it, keeping malformed escapes as they are.
func percentDecoded(_ s: String) -> String {
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
