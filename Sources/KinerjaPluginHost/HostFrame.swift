import Foundation

/// The wire between `kinerjad` and a plugin host process: length-prefixed frames on a socketpair.
///
/// A frame is `u32 length (little endian) | u8 kind | u64 call id | payload`, `length` counting everything after
/// itself. Calls carry the same protobuf bytes that cross the C ABI; the host answers each call with a `result`
/// frame of the same id, in any order, and may send `log` frames at any time.
enum HostFrame {
    enum Kind: UInt8 {
        // daemon → host
        /// path (string), config (bytes: a serialized PluginConfig), read-only folders for the sandbox (strings).
        case load = 1
        /// method (string), request (bytes).
        case call = 2
        /// Calls the plugin's shutdown and exits.
        case shutdown = 3
        // host → daemon
        /// id, version (strings), ABI version (u32), Describe response (bytes), sandbox, language (strings).
        case loaded = 10
        /// u8 1 when the module was loaded but its init failed (id follows), else 0; message, language (strings).
        case refused = 11
        /// u8 code (0 ok, 1 error, 2 unimplemented), bytes (the response or the message).
        case result = 12
        /// u8 level (the ABI's KINERJA_LOG_*), message (string).
        case log = 13
    }

    /// A frame longer than this is a broken host: the daemon kills it rather than allocate the memory.
    static let maximumLength = 1 << 30

    static func encode(_ kind: Kind, id: UInt64 = 0, _ build: (inout Writer) -> Void = { _ in }) -> [UInt8] {
        var w = Writer()
        w.bytes.reserveCapacity(64)
        w.u32(0)
        w.u8(kind.rawValue)
        w.u64(id)
        build(&w)
        let length = UInt32(w.bytes.count - 4)
        withUnsafeBytes(of: length.littleEndian) { for (i, b) in $0.enumerated() { w.bytes[i] = b } }
        return w.bytes
    }

    struct Writer {
        var bytes: [UInt8] = []
        mutating func u8(_ v: UInt8) { bytes.append(v) }
        mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
        mutating func blob(_ v: [UInt8]) {
            u32(UInt32(v.count))
            bytes.append(contentsOf: v)
        }
        mutating func string(_ v: String) { blob(Array(v.utf8)) }
    }

    /// One received frame (after its length).
    struct Frame {
        var kind: Kind
        var id: UInt64
        var payload: Reader
    }

    struct Reader {
        let bytes: [UInt8]
        var offset: Int

        struct Truncated: Error {}

        mutating func u8() throws -> UInt8 {
            guard offset < bytes.count else { throw Truncated() }
            defer { offset += 1 }
            return bytes[offset]
        }
        mutating func u32() throws -> UInt32 { try integer() }
        mutating func u64() throws -> UInt64 { try integer() }

        /// A little-endian integer.
        private mutating func integer<T: FixedWidthInteger>() throws -> T {
            let size = MemoryLayout<T>.size
            guard bytes.count - offset >= size else { throw Truncated() }
            var v: T = 0
            for i in 0..<size { v |= T(bytes[offset + i]) << (8 * i) }
            offset += size
            return v
        }
        mutating func blob() throws -> [UInt8] {
            let n = Int(try u32())
            guard bytes.count - offset >= n else { throw Truncated() }
            defer { offset += n }
            return Array(bytes[offset..<offset + n])
        }
        mutating func string() throws -> String { String(decoding: try blob(), as: UTF8.self) }
        var atEnd: Bool { offset >= bytes.count }
    }

    enum ReadError: Error {
        case closed
        case tooLong(Int)
        case unknownKind(UInt8)
        case io(Int32)
    }

    /// Reads one frame, blocking. `closed` at end of file.
    static func read(from fd: Int32) throws(ReadError) -> Frame {
        var header = [UInt8](repeating: 0, count: 4)
        try readExactly(fd, &header, count: 4)
        let length = Int(UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24)
        guard length >= 9, length <= maximumLength else { throw .tooLong(length) }
        var body = [UInt8](repeating: 0, count: length)
        try readExactly(fd, &body, count: length)
        guard let kind = Kind(rawValue: body[0]) else { throw .unknownKind(body[0]) }
        var reader = Reader(bytes: body, offset: 1)
        let id = (try? reader.u64()) ?? 0
        return Frame(kind: kind, id: id, payload: reader)
    }

    private static func readExactly(_ fd: Int32, _ buffer: inout [UInt8], count: Int) throws(ReadError) {
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, count - done) }
            if n > 0 {
                done += n
            } else if n == 0 {
                throw .closed
            } else if errno != EINTR {
                throw .io(errno)
            }
        }
    }

    /// Writes all of `bytes` (no SIGPIPE: a closed peer is an error). False when the peer is gone.
    @discardableResult
    static func write(_ bytes: [UInt8], to fd: Int32) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { send(fd, $0.baseAddress! + done, bytes.count - done, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                done += n
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                return false
            }
        }
        return true
    }
}
