import GRPCCore
import Glibc
import KinerjaClientTransport
import Logging
import Synchronization

/// A gRPC server transport for one Unix socket: HTTP/2 (RFC 9113) read by one thread per connection, written by the
/// calls' own tasks, under grpc-swift's `GRPCServer`. No event loops, no channel per stream.
///
/// grpc-swift's NIO transport spends most of a small call's time in swift-nio-http2's per-stream channels and the
/// async channel writer (see the README's fast-path figures); this transport hands each stream to the server as a
/// pair of queues and writes each response part as it comes, in as few writes as the frames allow.
///
/// The transport decides nothing about callers: `Configuration.gate` sees each connection once (its descriptor, for
/// the peer's credentials) and each stream's request headers before any of its body is read, and may refuse the stream
/// or bound its messages.
public struct UnixSocketServerTransport: ServerTransport {
    public typealias Bytes = [UInt8]

    /// Where the server listens.
    public enum Address: Sendable {
        /// A socket file to create (the caller removes a stale one first).
        case path(String)
        /// A listening socket the process was given (systemd's socket activation).
        case descriptor(Int32)
    }

    public struct Configuration: Sendable {
        /// Streams one connection may have open at once (`SETTINGS_MAX_CONCURRENT_STREAMS`).
        public var maxConcurrentStreams = 100
        /// The largest request message the transport takes from anyone (the gate may allow less per stream).
        public var maxRequestMessageBytes = 4 << 20
        /// A connection with no open stream for this long is sent GOAWAY and closed.
        public var idleTimeout: Duration = .seconds(60)
        /// A connection that has not sent the HTTP/2 preface within this time is closed.
        public var prefaceTimeout: Duration = .seconds(10)
        /// The flow-control window a client may fill before the server reads (per stream and for the connection).
        public var receiveWindow = 16 << 20
        /// The largest frame payload a client may send.
        public var maxFrameSize = 1 << 20
        /// The largest header block (after decompression) a stream's request may carry.
        public var maxHeaderListBytes = 64 << 10
        /// Request messages received and not yet taken by the handler, beyond which the client is made to wait.
        public var maxBufferedBytes = 16 << 20
        /// Response bytes queued for a client that is not reading, beyond which the handlers writing wait.
        public var maxQueuedBytes = 4 << 20
        /// Methods (`/package.Service/Method`) whose handlers do short, bounded work: each of their calls runs on the
        /// thread that read it, from its first line to its response, unless it waits on something else (see
        /// `ReadingThreadExecutor`). Every other call runs on the global executor.
        public var connectionThreadMethods: Set<String> = []
        /// Per connection, when it is accepted: what to do with its streams (nil: every stream allowed).
        public var gate: (@Sendable (_ descriptor: Int32) -> ConnectionGate)?
        public var logger = Logger(label: "kinerja.transport")

        public init() {}
    }

    /// A connection's decisions on its streams.
    public struct ConnectionGate: Sendable {
        /// Sees (and may change) a stream's request headers, pseudo-headers included; says whether the stream goes on.
        public var decide: @Sendable (_ path: String, _ headers: inout [(name: String, value: String)]) -> StreamDecision

        public init(decide: @escaping @Sendable (_ path: String, _ headers: inout [(name: String, value: String)]) -> StreamDecision) {
            self.decide = decide
        }
    }

    public enum StreamDecision: Sendable {
        /// Go on; request messages may be at most this long.
        case allow(maxMessageBytes: Int)
        /// Answer at once with this status; none of the stream's body is read.
        case deny(RPCError)
    }

    let core: ServerCore

    public init(address: Address, configuration: Configuration = Configuration()) {
        core = ServerCore(address: address, configuration: configuration)
    }

    /// Returns once the socket accepts connections; throws when it could not be made to.
    public func waitUntilListening() async throws {
        try await core.waitUntilListening()
    }

    public func listen(
        streamHandler: @escaping @Sendable (_ stream: RPCStream<Inbound, Outbound>, _ context: ServerContext) async -> Void
    )
        async throws
    {
        try core.start(handler: streamHandler)
        // Each stream's handler runs in a task the connection's thread starts (one hop fewer than handing the stream
        // to this task first); this waits for the last of them after a shutdown, and cancels them if it is cancelled.
        await withTaskCancellationHandler {
            await core.waitUntilFinished()
        } onCancel: {
            core.cancelHandlers()
        }
    }

    public func beginGracefulShutdown() {
        core.beginGracefulShutdown()
    }
}

/// A stream handed to the server.
struct AcceptedStream: Sendable {
    let stream: RPCStream<UnixSocketServerTransport.Inbound, UnixSocketServerTransport.Outbound>
    let context: ServerContext
    let connection: ServerConnection
    let streamID: UInt32
    /// Runs on the connection's thread (see `ReadingThreadExecutor`).
    let onConnectionThread: Bool
}

/// The listening socket, the thread accepting on it, and the connections it accepted.
final class ServerCore: Sendable {
    let address: UnixSocketServerTransport.Address
    let configuration: UnixSocketServerTransport.Configuration
    private let state = Mutex(State())

    struct State {
        var listenFD: Int32 = -1
        /// Written to once, to wake the accepting thread for a shutdown. (Shutting the listening socket down would
        /// wake it too, but a socket systemd passed is systemd's: the next start of the daemon gets the same one.)
        var wakeWrite: Int32 = -1
        var listening: Result<Void, RPCError>?
        var listeningWaiters: [CheckedContinuation<Void, any Error>] = []
        var handler: (@Sendable (RPCStream<UnixSocketServerTransport.Inbound, UnixSocketServerTransport.Outbound>, ServerContext) async -> Void)?
        /// The handlers' tasks still running, by a number of their own.
        var tasks: [UInt64: Task<Void, Never>] = [:]
        /// Handlers that returned before their task was recorded.
        var endedEarly: Set<UInt64> = []
        var nextTask: UInt64 = 0
        var running = 0
        var finishedWaiter: CheckedContinuation<Void, Never>?
        var connections: [ObjectIdentifier: ServerConnection] = [:]
        var shuttingDown = false
        var acceptThreadDone = false
        var finished = false
    }

    init(address: UnixSocketServerTransport.Address, configuration: UnixSocketServerTransport.Configuration) {
        self.address = address
        self.configuration = configuration
    }

    var localPeer: String {
        switch address {
        case .path(let path): "unix:" + path
        case .descriptor(let fd): "unix:fd\(fd)"
        }
    }

    func waitUntilListening() async throws {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<Void, any Error>) in
            let now: Result<Void, RPCError>? = state.withLock { s in
                if let result = s.listening { return result }
                s.listeningWaiters.append(c)
                return nil
            }
            if let now { c.resume(with: now.mapError { $0 as any Error }) }
        }
    }

    /// Binds (or takes) the listening socket and starts accepting; each stream accepted goes to `handler`.
    func start(
        handler: @escaping @Sendable (RPCStream<UnixSocketServerTransport.Inbound, UnixSocketServerTransport.Outbound>, ServerContext) async -> Void
    ) throws {
        let bound = Self.bind(address)
        let (waiters, shutDownAlready): ([CheckedContinuation<Void, any Error>], Bool) = state.withLock { s in
            s.listening = bound.map { _ in () }
            if case .success(let fd) = bound { s.listenFD = fd }
            s.handler = handler
            let waiters = s.listeningWaiters
            s.listeningWaiters = []
            return (waiters, s.shuttingDown)
        }
        for waiter in waiters { waiter.resume(with: bound.map { _ in () }.mapError { $0 as any Error }) }
        let fd = try bound.get()
        var pipeFDs: [Int32] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw RPCError(code: .unavailable, message: "cannot make a pipe: \(UnixSocket.errnoText())") }
        for end in pipeFDs { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        state.withLock { $0.wakeWrite = pipeFDs[1] }
        if shutDownAlready { stopAccepting() }
        let wakeRead = pipeFDs[0]
        guard UnixSocket.startThread(name: "kinerja-accept", { [self] in acceptLoop(fd, wake: wakeRead) }) else {
            throw RPCError(code: .unavailable, message: "cannot start a thread to accept connections")
        }
    }

    private static func bind(_ address: UnixSocketServerTransport.Address) -> Result<Int32, RPCError> {
        switch address {
        case .descriptor(let fd):
            let flags = fcntl(fd, F_GETFL)
            if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
            return .success(fd)
        case .path(let path):
            let (fd, address): (Int32, sockaddr_un)
            switch UnixSocket.makeSocket(for: path) {
            case .success(let made): (fd, address) = made
            case .failure(let error): return .failure(error)
            }
            let bound = UnixSocket.withSockaddr(address) { Glibc.bind(fd, $0, $1) }
            // Non-blocking: the thread waits in poll (for a connection or the wake-up), so accept never blocks.
            _ = fcntl(fd, F_SETFL, O_NONBLOCK)
            guard bound == 0, Glibc.listen(fd, 256) == 0 else {
                let text = UnixSocket.errnoText()
                close(fd)
                return .failure(RPCError(code: .unavailable, message: "cannot listen on \(path): \(text)"))
            }
            return .success(fd)
        }
    }

    private func acceptLoop(_ listenFD: Int32, wake: Int32) {
        var paused = false
        /// Waits for a connection (or, with `listening` false, only for `milliseconds`); false when woken to stop.
        func wait(listening: Bool, milliseconds: Int32 = -1) -> Bool {
            var fds = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0), pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)]
            while true {
                let n = poll(&fds, listening ? 2 : 1, milliseconds)
                if n < 0 && errno == EINTR { continue }
                return fds[0].revents == 0
            }
        }
        while wait(listening: true) {
            // Accepted sockets are blocking (the flag is not inherited): the connection's thread reads them.
            let fd = accept(listenFD, nil, nil)
            if fd >= 0 { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
            if fd < 0 {
                let code = errno
                if state.withLock({ $0.shuttingDown }) { break }
                if code == EINTR || code == ECONNABORTED || code == EAGAIN || code == EWOULDBLOCK { continue }
                if [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code) {
                    // Out of descriptors: waiting clients stay in the backlog; try again every second.
                    if !paused {
                        paused = true
                        var limit = rlimit()
                        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
                        configuration.logger.error(
                            "accepting paused: out of file descriptors; retrying every second",
                            metadata: ["error": "\(String(cString: strerror(code)))", "limit": "\(limit.rlim_cur)"])
                    }
                    if !wait(listening: false, milliseconds: 1000) { break }
                    continue
                }
                configuration.logger.error("accepting failed", metadata: ["error": "\(String(cString: strerror(code)))"])
                if !wait(listening: false, milliseconds: 1000) { break }
                continue
            }
            if paused {
                paused = false
                configuration.logger.notice("accepting resumed")
            }
            let gate = configuration.gate?(fd)
            let connection = ServerConnection(fd: fd, core: self, gate: gate)
            let admitted = state.withLock { s -> Bool in
                guard !s.shuttingDown else { return false }
                s.connections[ObjectIdentifier(connection)] = connection
                return true
            }
            guard admitted else {
                close(fd)
                break
            }
            connection.start()
        }
        close(wake)
        if case .path = address { close(listenFD) }
        state.withLock { $0.acceptThreadDone = true }
        finishIfDone()
    }

    /// Starts the stream's handler; false when the server no longer takes streams.
    func deliver(_ stream: AcceptedStream) -> Bool {
        let started: (UInt64, @Sendable (RPCStream<UnixSocketServerTransport.Inbound, UnixSocketServerTransport.Outbound>, ServerContext) async -> Void)? =
            state.withLock { s in
                guard let handler = s.handler, !s.finished else { return nil }
                s.nextTask += 1
                s.running += 1
                return (s.nextTask, handler)
            }
        guard let (id, handler) = started else { return false }
        let task = Task(executorPreference: stream.onConnectionThread ? ReadingThreadExecutor.shared : nil) {
            await handler(stream.stream, stream.context)
            stream.connection.handlerReturned(stream.streamID)
            self.handlerEnded(id)
        }
        state.withLock { s in
            if s.endedEarly.remove(id) == nil { s.tasks[id] = task }
        }
        return true
    }

    private func handlerEnded(_ id: UInt64) {
        state.withLock { s in
            if s.tasks.removeValue(forKey: id) == nil { s.endedEarly.insert(id) }
            s.running -= 1
        }
        finishIfDone()
    }

    /// Returns once the server has shut down and the last handler has returned.
    func waitUntilFinished() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.finished && s.running == 0 { return true }
                s.finishedWaiter = c
                return false
            }
            if now { c.resume() }
        }
    }

    func cancelHandlers() {
        let tasks = state.withLock { Array($0.tasks.values) }
        for task in tasks { task.cancel() }
        beginGracefulShutdown()
    }

    func connectionClosed(_ connection: ServerConnection) {
        state.withLock { _ = $0.connections.removeValue(forKey: ObjectIdentifier(connection)) }
        finishIfDone()
    }

    /// After a shutdown, once nothing accepts, no connection is left and no handler runs, `listen` returns.
    private func finishIfDone() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard s.shuttingDown, s.acceptThreadDone, s.connections.isEmpty, s.handler != nil else { return nil }
            s.finished = true
            guard s.running == 0 else { return nil }
            defer { s.finishedWaiter = nil }
            return s.finishedWaiter
        }
        waiter?.resume()
    }

    func beginGracefulShutdown() {
        let connections: [ServerConnection] = state.withLock { s in
            guard !s.shuttingDown else { return [] }
            s.shuttingDown = true
            return Array(s.connections.values)
        }
        stopAccepting()
        for connection in connections { connection.goAway() }
        finishIfDone()
    }

    private func stopAccepting() {
        let fd: Int32 = state.withLock { s in
            defer { s.wakeWrite = -1 }
            return s.wakeWrite
        }
        if fd >= 0 {
            var byte: UInt8 = 1
            _ = write(fd, &byte, 1)
            close(fd)
        }
    }
}
