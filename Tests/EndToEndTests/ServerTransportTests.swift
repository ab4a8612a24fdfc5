import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaClientTransport
import KinerjaFixtures
import NIOCore
import NIOHPACK
import SwiftProtobuf
import Testing

/// kinerjad's own server transport against raw HTTP/2 clients that break the protocol or stop reading: each ends only
/// its own connection (with GOAWAY and the RFC's error code) and the daemon goes on serving everyone else.
@Suite(.serialized) struct ServerTransportTests {
    /// A raw connection to the daemon's socket (blocking, with a receive timeout).
    final class RawConnection {
        let fd: Int32
        var reader = HTTP2FrameReader(maxFrameSize: 1 << 24)

        init(_ path: String) throws {
            fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
            let rc = withUnsafePointer(to: &address) { p in
                p.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            try #require(rc == 0)
            var timeout = timeval(tv_sec: 0, tv_usec: 200_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit { close(fd) }

        func send(_ bytes: [UInt8]) {
            var offset = 0
            while offset < bytes.count {
                let n = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
                if n <= 0 { return }
                offset += n
            }
        }

        /// The preface, SETTINGS with `initialWindow`, and a connection window as large as HTTP/2 allows.
        func open(initialWindow: UInt32 = 65_535) {
            send(
                Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + HTTP2Frame.settings([(0x4, initialWindow)]).encoded()
                    + HTTP2Frame.windowUpdate(streamID: 0, increment: 0x7fff_ffff - 65_535).encoded())
        }

        /// A gRPC request's HEADERS for `path` (literal fields, no Huffman coding).
        func requestHeaders(streamID: UInt32, path: String, endHeaders: Bool = true) -> [UInt8] {
            var block: [UInt8] = []
            for (name, value) in [(":method", "POST"), (":scheme", "http"), (":path", path), ("content-type", "application/grpc"), ("te", "trailers")] {
                HPACKLiteral.append(name: name, value: value, to: &block)
            }
            return HTTP2Frame(.headers, flags: endHeaders ? .endHeaders : [], streamID: streamID, payload: block).encoded()
        }

        /// One empty gRPC message that ends the request.
        func emptyMessage(streamID: UInt32) -> [UInt8] {
            HTTP2Frame(.data, flags: .endStream, streamID: streamID, payload: [0, 0, 0, 0, 0]).encoded()
        }

        /// Frames until the daemon closes the connection or `seconds` pass; whether it closed.
        func readUntilClosed(seconds: Double) -> (frames: [HTTP2Frame], closed: Bool) {
            var frames: [HTTP2Frame] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            let deadline = Date().addingTimeInterval(seconds)
            while Date() < deadline {
                let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
                if n == 0 { return (frames, true) }
                if n < 0 {
                    if errno == EAGAIN || errno == EINTR { continue }
                    return (frames, true)
                }
                reader.append(buffer[0..<n])
                while let frame = try? reader.next() { frames.append(frame) }
            }
            return (frames, false)
        }
    }

    /// The error code of the GOAWAY among `frames`.
    static func goAwayCode(_ frames: [HTTP2Frame]) -> UInt32? {
        frames.last(where: { $0.kind == .goAway }).map { HTTP2Frame.readUInt32($0.payload, at: 4) }
    }

    @Test func protocolViolationsEndOnlyTheirConnection() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        // Not HTTP/2 at all: closed at once.
        let http1 = try RawConnection(daemon.socket)
        http1.send(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(http1.readUntilClosed(seconds: 5).closed)

        // Each case: after the preface, these frames; the GOAWAY code the daemon must answer with.
        let even = try RawConnection(daemon.socket)
        let cases: [(String, [UInt8], UInt32)] = [
            ("HEADERS on an even stream", even.requestHeaders(streamID: 2, path: "/kinerja.v1.AdminService/Status"), 0x1),
            ("DATA on a stream never opened", HTTP2Frame(.data, streamID: 7, payload: [0, 0, 0, 0, 0]).encoded(), 0x1),
            ("a header block HPACK cannot decode", HTTP2Frame(.headers, flags: .endHeaders, streamID: 1, payload: [0xff, 0xff, 0xff, 0xff]).encoded(), 0x9),
            (
                "a header block that never ends (CONTINUATION flood)",
                even.requestHeaders(streamID: 1, path: "/kinerja.v1.AdminService/Status", endHeaders: false)
                    + Array(repeating: HTTP2Frame(.continuation, streamID: 1, payload: [UInt8](repeating: 0, count: 16_000)).encoded(), count: 8).joined(),
                0xb
            ),
            ("a PING of the wrong size", HTTP2Frame(.ping, payload: [1, 2, 3]).encoded(), 0x6),
            ("a zero connection WINDOW_UPDATE", HTTP2Frame(.windowUpdate, payload: [0, 0, 0, 0]).encoded(), 0x1),
            ("a frame over the maximum size", HTTP2Frame(.data, streamID: 1, payload: [UInt8](repeating: 0, count: (1 << 20) + 1)).encoded(), 0x6),
        ]
        for (what, frames, code) in cases {
            let connection = try RawConnection(daemon.socket)
            connection.open()
            connection.send(frames)
            let (received, closed) = connection.readUntilClosed(seconds: 5)
            #expect(closed, "\(what): the connection stayed open")
            #expect(Self.goAwayCode(received) == code, "\(what): GOAWAY \(String(describing: Self.goAwayCode(received)))")
        }
        #expect(try await daemon.ctl(["status"]).status == 0)
        #expect(daemon.child.isRunning)
        #expect(await daemon.stop() == 0)
    }

    @Test func requestsThatAreNotGRPCGetAnHTTPStatusAndTheConnectionCarriesOn() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        let connection = try RawConnection(daemon.socket)
        connection.open()
        var block: [UInt8] = []
        for (name, value) in [(":method", "GET"), (":scheme", "http"), (":path", "/"), ("content-type", "text/html")] {
            HPACKLiteral.append(name: name, value: value, to: &block)
        }
        connection.send(HTTP2Frame(.headers, flags: [.endHeaders, .endStream], streamID: 1, payload: block).encoded())
        // Then a proper call on the same connection, and one to a method that does not exist.
        connection.send(connection.requestHeaders(streamID: 3, path: "/kinerja.v1.AdminService/Status") + connection.emptyMessage(streamID: 3))
        connection.send(connection.requestHeaders(streamID: 5, path: "/kinerja.v1.AdminService/NoSuchMethod") + connection.emptyMessage(streamID: 5))
        let (frames, _) = connection.readUntilClosed(seconds: 2)
        var decoder = HPACKDecoder(allocator: ByteBufferAllocator())
        var headers: [UInt32: [[String: String]]] = [:]
        for frame in frames where frame.kind == .headers {
            var buffer = ByteBuffer(bytes: frame.unpaddedPayload() ?? [])
            let decoded = try decoder.decodeHeaders(from: &buffer)
            headers[frame.streamID, default: []].append(Dictionary(decoded.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }))
        }
        #expect(headers[1]?.first?[":status"] == "405", "\(headers)")
        #expect(headers[3]?.last?["grpc-status"] == "0", "\(headers)")
        #expect(frames.contains { $0.kind == .data && $0.streamID == 3 && $0.payload.count > 5 })
        #expect(headers[5]?.last?["grpc-status"] == "12", "\(headers)")  // UNIMPLEMENTED
        #expect(await daemon.stop() == 0)
    }

    /// A client that asks for a large streamed response and never reads it: the daemon writes what the socket takes,
    /// queues a bounded amount more, and serves everyone else meanwhile; when the client goes, so does the stream.
    @Test func aClientThatStopsReadingHoldsUpOnlyItself() async throws {
        let daemon = try Daemon()
        try await daemon.waitReady()
        let sample = SampleAgency(unitCount: 12, employeeCount: 3_000)
        var options = CallOptions.defaults
        options.maxRequestMessageBytes = 64 << 20
        try await withGRPCClient(transport: UnixSocketClientTransport(path: daemon.socket)) { client in
            let org = Kinerja_V1_OrgService.Client(wrapping: client)
            _ = try await org.importUnits(.with { $0.content = sample.unitsCSV }, options: options)
            _ = try await org.importEmployees(.with { $0.content = sample.employeesCSV }, options: options)
        }
        var stuck: [RawConnection] = []
        for _ in 0..<4 {
            let connection = try RawConnection(daemon.socket)
            // Windows as large as HTTP/2 allows: only the socket holds the daemon back.
            connection.open(initialWindow: 0x7fff_ffff)
            var id: UInt32 = 1
            for _ in 0..<3 {
                connection.send(
                    connection.requestHeaders(streamID: id, path: "/kinerja.v1.OrgService/ExportEmployees") + connection.emptyMessage(streamID: id))
                id += 2
            }
            stuck.append(connection)
        }
        await pause(1)
        // Everyone else is served meanwhile, many times over (each call within kinerjactl's own time limit).
        for _ in 0..<5 { #expect(try await daemon.ctl(["status"], timeout: 30).status == 0) }
        stuck.removeAll()  // closed
        await pause(0.5)
        #expect(try await daemon.ctl(["employee", "list", "-o", "json"]).status == 0)
        #expect(daemon.child.isRunning)
        #expect(await daemon.stop() == 0)
    }
}
