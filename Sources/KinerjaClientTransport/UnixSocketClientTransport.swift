import GRPCCore
import Synchronization

/// A gRPC client transport for one Unix socket: no event loops, one connection at a time and one thread that reads
/// it, started with the first call. HTTP/2 over a plain socket (RFC 9113: settings, flow control both ways, HPACK,
/// GOAWAY, resets), gRPC's framing and trailers. When the connection ends (the daemon restarted, or closed it after
/// its idle timeout with GOAWAY), the next call opens a new one; calls still open on the old one finish there.
///
/// grpc-swift's NIO transport costs a command about 10 ms to start (event-loop threads, channel pipelines, the
/// per-stream channels and the runtime's conformance lookups over every type they use), and a call about 0.3 ms more
/// than this one; kinerjactl, the portal and the bench call through this transport.
public struct UnixSocketClientTransport: ClientTransport {
    public typealias Bytes = [UInt8]

    public struct Configuration: Sendable {
        /// The flow-control window the server may fill before this client reads (per stream and for the connection).
        public var receiveWindow: Int = 16 << 20
        /// The largest frame payload the server may send.
        public var maxFrameSize: Int = 1 << 20
        /// Messages received and not yet taken by the caller, beyond which the server is made to wait.
        public var maxBufferedBytes: Int = 32 << 20

        public init() {}
    }

    /// The transport's lifetime: `connect()` runs while it is open.
    private let first: UnixSocketConnection
    /// The connection new calls go on.
    private let current: CurrentConnection

    private final class CurrentConnection: Sendable {
        struct State {
            var connection: UnixSocketConnection
            var shutDown = false
        }
        let state: Mutex<State>
        init(_ connection: UnixSocketConnection) { state = Mutex(State(connection: connection)) }
    }

    public init(path: String, configuration: Configuration = Configuration()) {
        first = UnixSocketConnection(path: path, configuration: configuration)
        current = CurrentConnection(first)
    }

    public var retryThrottle: RetryThrottle? { nil }

    /// Runs until the client shuts down (a connection opens with the first call).
    public func connect() async throws {
        await withTaskCancellationHandler {
            await first.waitForShutdown()
        } onCancel: {
            beginGracefulShutdown()
        }
    }

    public func beginGracefulShutdown() {
        let connection = current.state.withLock { c in
            c.shutDown = true
            return c.connection
        }
        connection.shutDown()
        first.shutDown()
    }

    /// The connection a new call goes on: the current one, or a new one in its place once it takes no new calls.
    private func connectionForNewCall() -> UnixSocketConnection {
        current.state.withLock { c in
            if !c.shutDown && !c.connection.takesNewStreams {
                let fresh = UnixSocketConnection(path: c.connection.path, configuration: c.connection.configuration)
                fresh.markRunning()
                c.connection = fresh
            }
            return c.connection
        }
    }

    public func withStream<T: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        _ closure: (_ stream: RPCStream<Inbound, Outbound>, _ context: ClientContext) async throws -> T
    ) async throws -> T {
        await first.waitUntilRunning()
        let maxResponse = options.maxResponseMessageBytes ?? 4 << 20
        func open(_ connection: UnixSocketConnection) -> Result<(UnixSocketConnection.Stream, UnixSocketConnection.Parts), RPCError> {
            do {
                return .success(try connection.openStream(maxResponseBytes: maxResponse))
            } catch {
                return .failure(error)
            }
        }
        var connection = connectionForNewCall()
        var opened = open(connection)
        if case .failure = opened, connection.serverWentAway {
            // The server said GOAWAY between the look and the call (its idle timeout): once more, on a new connection.
            // (A connection that broke is not tried again for this call: the next call opens a new one.)
            connection = connectionForNewCall()
            opened = open(connection)
        }
        let (handle, parts) = try opened.get()
        defer { connection.closeStream(handle) }
        let stream = RPCStream(
            descriptor: descriptor,
            inbound: RPCAsyncSequence<RPCResponsePart<[UInt8]>, any Error>(
                wrapping: FlowControlledParts(parts, throwIfCancelledAtEnd: true) { [connection] in connection.consumed($0, stream: handle) }),
            outbound: RPCWriter.Closable(wrapping: RequestWriter(connection: connection, stream: handle, path: "/" + descriptor.fullyQualifiedMethod))
        )
        let context = ClientContext(descriptor: descriptor, remotePeer: "unix:" + connection.path, localPeer: "unix:")
        return try await closure(stream, context)
    }

    public func config(forMethod descriptor: MethodDescriptor) -> MethodConfig? { nil }
}

/// A call's request parts, written to the socket as frames: the metadata as HEADERS, each message as DATA within the
/// server's flow-control windows, and the end of the stream.
struct RequestWriter: ClosableRPCWriterProtocol {
    typealias Element = RPCRequestPart<[UInt8]>

    let connection: UnixSocketConnection
    let stream: UnixSocketConnection.Stream
    let path: String

    func write(_ element: RPCRequestPart<[UInt8]>) async throws {
        try await write(contentsOf: CollectionOfOne(element))
    }

    func write(contentsOf elements: some Sequence<RPCRequestPart<[UInt8]>>) async throws {
        for element in elements {
            switch element {
            case .metadata(let metadata):
                try connection.sendHeaders(stream, path: path, metadata: metadata)
            case .message(let bytes):
                try await connection.sendMessage(bytes, stream: stream)
            }
        }
    }

    func finish() async {
        connection.sendEndStream(stream)
    }

    func finish(throwing error: any Error) async {
        connection.resetStream(stream, errorCode: 0x8, because: error)
    }
}
