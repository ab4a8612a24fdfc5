import Foundation
import GRPCCore
import Glibc
import KinerjaClientTransport
import KinerjaServerTransport
import Synchronization
import Testing

/// Short calls on the connection's thread (`Configuration.connectionThreadMethods`), through grpc-swift's server and
/// client on a real socket: where handlers run, that a handler there is resumed by what its connection reads, and that
/// one which never finishes on its own does not keep its connection from reading.
@Suite(.serialized, .timeLimit(.minutes(2))) struct ConnectionThreadTests {
    @Test func shortCallsRunOnTheConnectionsThreadAndOthersOnSwiftsPool() async throws {
        try await withServer { client in
            // Several calls on one connection: each short one on the connection's reading thread, the others not.
            for _ in 0..<20 {
                let short = try await client.unary(TestService.whereShort, "")
                let other = try await client.unary(TestService.whereElsewhere, "")
                #expect(short == "kinerja-conn")
                #expect(other != "kinerja-conn" && !other.isEmpty)
            }
        }
    }

    @Test func aShortCallWaitingForItsNextRequestMessageIsResumedByItsConnection() async throws {
        try await withServer { client in
            // Ping-pong: the handler waits for each message, which only the connection's thread can hand it.
            let replies = try await client.pingPong(["a", "bb", "ccc", "dddd"])
            #expect(replies == ["a@kinerja-conn", "bb@kinerja-conn", "ccc@kinerja-conn", "dddd@kinerja-conn"])
        }
    }

    @Test func aShortCallThatOnlyYieldsDoesNotStopItsConnectionReading() async throws {
        try await withServer { client in
            // The spinner yields until the releaser (a later call on the same connection) sets the flag: were the
            // spinner's jobs run on the connection's thread for as long as it yields, the releaser would never be read.
            async let spun = client.unary(TestService.spin, "")
            try await Task.sleep(for: .milliseconds(100))
            let releaser = try await client.unary(TestService.release, "")
            let spinner = try await spun
            #expect(releaser == "released")
            #expect(spinner == "spun")
        }
    }

    /// A server with the test service on a fresh socket, and a client of it (one connection), for `body`.
    func withServer(_ body: (TestClient) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kst-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.sock"
        var configuration = UnixSocketServerTransport.Configuration()
        configuration.connectionThreadMethods = Set(
            [TestService.whereShort, TestService.echo, TestService.spin, TestService.release].map { "/" + $0.fullyQualifiedMethod })
        let transport = UnixSocketServerTransport(address: .path(path), configuration: configuration)
        let server = GRPCServer(transport: transport, services: [TestService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            try await transport.waitUntilListening()
            try await withGRPCClient(transport: UnixSocketClientTransport(path: path)) { client in
                try await body(TestClient(client: client))
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }
}

/// The name of the thread running the caller.
func threadName() -> String {
    ((try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
}

struct TestService: RegistrableRPCService {
    static let whereShort = MethodDescriptor(fullyQualifiedService: "test.Threads", method: "WhereShort")
    static let whereElsewhere = MethodDescriptor(fullyQualifiedService: "test.Threads", method: "WhereElsewhere")
    static let echo = MethodDescriptor(fullyQualifiedService: "test.Threads", method: "Echo")
    static let spin = MethodDescriptor(fullyQualifiedService: "test.Threads", method: "Spin")
    static let release = MethodDescriptor(fullyQualifiedService: "test.Threads", method: "Release")

    final class Flag: Sendable {
        let raised = Atomic<Bool>(false)
    }
    let released = Flag()

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        for method in [Self.whereShort, Self.whereElsewhere] {
            router.registerHandler(forMethod: method, deserializer: TextCoding(), serializer: TextCoding()) { request, _ in
                for try await _ in request.messages {}
                return StreamingServerResponse { writer in
                    try await writer.write(threadName())
                    return [:]
                }
            }
        }
        router.registerHandler(forMethod: Self.echo, deserializer: TextCoding(), serializer: TextCoding()) { request, _ in
            StreamingServerResponse { writer in
                for try await message in request.messages { try await writer.write(message + "@" + threadName()) }
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.spin, deserializer: TextCoding(), serializer: TextCoding()) { [released] request, _ in
            for try await _ in request.messages {}
            while !released.raised.load(ordering: .acquiring) { await Task.yield() }
            return StreamingServerResponse { writer in
                try await writer.write("spun")
                return [:]
            }
        }
        router.registerHandler(forMethod: Self.release, deserializer: TextCoding(), serializer: TextCoding()) { [released] request, _ in
            for try await _ in request.messages {}
            released.raised.store(true, ordering: .releasing)
            return StreamingServerResponse { writer in
                try await writer.write("released")
                return [:]
            }
        }
    }
}

/// Messages as UTF-8 text.
struct TextCoding: MessageSerializer, MessageDeserializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: String) throws -> Bytes { Bytes(Array(message.utf8)) }
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> String {
        bytes.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
    }
}

struct TestClient {
    let client: GRPCClient<UnixSocketClientTransport>

    func unary(_ method: MethodDescriptor, _ text: String) async throws -> String {
        try await client.unary(
            request: ClientRequest(message: text), descriptor: method, serializer: TextCoding(), deserializer: TextCoding(), options: .defaults
        ) { try $0.message }
    }

    /// Sends each of `messages` only once the reply to the one before has come.
    func pingPong(_ messages: [String]) async throws -> [String] {
        let (replies, replied) = AsyncStream<Void>.makeStream()
        let request = StreamingClientRequest<String> { writer in
            var next = replies.makeAsyncIterator()
            for message in messages {
                try await writer.write(message)
                _ = await next.next()
            }
        }
        return try await client.bidirectionalStreaming(
            request: request, descriptor: TestService.echo, serializer: TextCoding(), deserializer: TextCoding(), options: .defaults
        ) { response in
            var out: [String] = []
            for try await reply in response.messages {
                out.append(reply)
                replied.yield()
            }
            return out
        }
    }
}
