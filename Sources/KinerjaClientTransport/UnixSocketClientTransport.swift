import GRPCCore

/// A gRPC client transport for one Unix socket, made for a command-line client that makes a few calls and exits:
/// no event loops and no threads but one that reads the socket, started with the first call. HTTP/2 over a
/// plain socket (RFC 9113: settings, flow control both ways, HPACK, GOAWAY, resets), gRPC's framing and trailers.
///
/// grpc-swift's NIO transport costs a command about 10 ms to start (event-loop threads, channel pipelines, the
/// per-stream channels and the runtime's conformance lookups over every type they use); this one a fraction of that.
/// Long-lived clients (the portal, the tests) keep grpc-swift's transport.
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

    private let connection: UnixSocketConnection

    public init(path: String, configuration: Configuration = Configuration()) {
        connection = UnixSocketConnection(path: path, configuration: configuration)
    }

    public var retryThrottle: RetryThrottle? { nil }

    /// Runs until the client shuts down (the connection itself opens with the first call).
    public func connect() async throws {
        await connection.waitForShutdown()
    }

    public func beginGracefulShutdown() {
        connection.shutDown()
    }

    public func withStream<T: Sendable>(
        descriptor: MethodDescriptor,
        options: CallOptions,
        _ closure: (_ stream: RPCStream<Inbound, Outbound>, _ context: ClientContext) async throws -> T
    ) async throws -> T {
        await connection.waitUntilRunning()
        let maxResponse = options.maxResponseMessageBytes ?? 4 << 20
        let (handle, parts) = try connection.openStream(maxResponseBytes: maxResponse)
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
