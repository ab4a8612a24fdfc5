import GRPCCore
import Glibc
import NIOCore
import NIOHPACK
import Synchronization

/// One HTTP/2 connection to a Unix socket: opened by the first call, read by a thread of its own, written by the
/// calls' tasks (each frame whole, under one lock; a new stream takes its id under it, so ids rise in the socket's order).
final class UnixSocketConnection: Sendable {
    let path: String
    let configuration: UnixSocketClientTransport.Configuration
    private let state = Mutex(State())
    private let writer = Mutex(Writer())

    typealias Parts = AsyncThrowingStream<(RPCResponsePart<[UInt8]>, Int), any Error>

    /// A call's stream. HTTP/2 wants new streams' ids rising in the order their HEADERS go out (a lower id sent after a
    /// higher one is a protocol error that ends the connection), and calls send their HEADERS from tasks of their own:
    /// so a stream is kept under an even key of this client's own until its HEADERS are written, and takes its (odd)
    /// HTTP/2 id then, under the writer's lock. `key` is read and changed only under the state's lock.
    final class Stream: Sendable {
        let key: Atomic<UInt32>
        init(key: UInt32) { self.key = Atomic(key) }
    }

    struct StreamState {
        var machine: ResponseStateMachine
        var continuation: Parts.Continuation
        /// What the server lets this stream send.
        var sendWindow: Int
        /// The request's HEADERS went out: the server knows the stream, and a reset must tell it.
        var sentHeaders = false
        var sentEndStream = false
        /// The response is over (its status, an error, or a reset): nothing more is sent on the stream.
        var remoteFinished = false
        /// Bytes of whole messages delivered and not yet taken by the caller.
        var buffered = 0
        /// Bytes received and not yet given back to the server as stream window.
        var owedCredit = 0

        mutating func deliver(_ outputs: [ResponseStateMachine.Output]) {
            for output in outputs {
                switch output {
                case .part(let part, let wireBytes):
                    buffered += wireBytes
                    continuation.yield((part, wireBytes))
                    if case .status = part {
                        remoteFinished = true
                        continuation.finish()
                    }
                case .failed(let error):
                    remoteFinished = true
                    continuation.finish(throwing: error)
                }
            }
        }
    }

    enum Phase {
        case idle
        case open
        case failed(RPCError)
        case shutDown
    }

    struct State {
        var phase: Phase = .idle
        var fd: Int32 = -1
        var nextStreamID: UInt32 = 1
        /// The key of the next stream not yet sent (even, so never an HTTP/2 id of this client's).
        var nextPendingKey: UInt32 = 2
        var streams: [UInt32: StreamState] = [:]
        var connectionSendWindow = 65_535
        var peerInitialWindow = 65_535
        var peerMaxFrameSize = 16_384
        var goAwayLastStream: UInt32?
        var connectionOwedCredit = 0
        var windowWaiters: [CheckedContinuation<Void, Never>] = []
        var shutdownRequested = false
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        /// The client runs its connections (`connect()` was called): calls wait for it, as GRPCClient shuts down with
        /// an error if its body ends before its connections started.
        var running = false
        var runningWaiters: [CheckedContinuation<Void, Never>] = []
    }

    struct Writer {
        var fd: Int32 = -1
        var closed = false
        /// While the reading thread runs its callers' jobs, frames written (by them or by any other thread, in the order
        /// written) wait here and go out together when the jobs are done: a call's HEADERS, DATA and end of stream in one
        /// `send`, which the server reads in one wake-up.
        var corking = false
        var corked: [UInt8] = []

        /// Writes `bytes`, or keeps them while corked (up to `corkLimit`, then everything kept is written).
        mutating func write(_ bytes: [UInt8]) -> RPCError? {
            guard corking else { return UnixSocketConnection.writeAll(fd, bytes) }
            corked += bytes
            return corked.count >= UnixSocketConnection.corkLimit ? flush() : nil
        }

        mutating func flush() -> RPCError? {
            guard !corked.isEmpty else { return nil }
            defer { corked.removeAll(keepingCapacity: corked.count <= UnixSocketConnection.corkLimit) }
            return closed ? nil : UnixSocketConnection.writeAll(fd, corked)
        }
    }

    /// Bytes kept while corked before they are written anyway.
    static let corkLimit = 64 << 10

    init(path: String, configuration: UnixSocketClientTransport.Configuration) {
        self.path = path
        self.configuration = configuration
    }

    // MARK: Opening and closing

    /// Registers a new stream (opening the connection first if this is the first call) and returns its id and the
    /// sequence its response parts arrive on.
    func openStream(maxResponseBytes: Int) throws(RPCError) -> (Stream, Parts) {
        try openIfIdle()
        let (parts, continuation) = Parts.makeStream()
        let result: Result<Stream, RPCError> = state.withLock { s in
            switch s.phase {
            case .failed(let error): return .failure(error)
            case .shutDown, .idle: return .failure(RPCError(code: .unavailable, message: "the client has shut down"))
            case .open: break
            }
            if s.goAwayLastStream != nil {
                return .failure(RPCError(code: .unavailable, message: "kinerjad at \(path) is shutting down and takes no new calls"))
            }
            var key = s.nextPendingKey
            while s.streams[key] != nil { key = key >= 0x7fff_fffe ? 2 : key + 2 }
            s.nextPendingKey = key >= 0x7fff_fffe ? 2 : key + 2
            s.streams[key] = StreamState(
                machine: ResponseStateMachine(maxMessageBytes: maxResponseBytes), continuation: continuation, sendWindow: s.peerInitialWindow)
            return .success(Stream(key: key))
        }
        return (try result.get(), parts)
    }

    private func openIfIdle() throws(RPCError) {
        // The descriptor when this call opened the connection, nil when it was open already.
        let result: Result<Int32?, RPCError> = state.withLock { s in
            switch s.phase {
            case .open: return .success(nil)
            case .failed(let error): return .failure(error)
            case .shutDown: return .failure(RPCError(code: .unavailable, message: "the client has shut down"))
            case .idle: break
            }
            switch Self.connectSocket(path) {
            case .success(let fd):
                s.fd = fd
                s.phase = .open
                return .success(fd)
            case .failure(let error):
                return .failure(error)
            }
        }
        guard let fd = try result.get() else { return }
        writer.withLock { w in w.fd = fd }
        // The preface, our settings (no server push; the windows and frame size we accept), and the connection window.
        var opening = HTTP2Frame.preface
        opening += HTTP2Frame.settings([
            (0x2, 0), (0x4, UInt32(configuration.receiveWindow)), (0x5, UInt32(configuration.maxFrameSize)),
        ]).encoded()
        if configuration.receiveWindow > 65_535 {
            opening += HTTP2Frame.windowUpdate(streamID: 0, increment: UInt32(configuration.receiveWindow - 65_535)).encoded()
        }
        do {
            try send(opening)
        } catch {
            fail(error)
            throw error
        }
        // The reading thread runs the jobs of callers that prefer `ReadingThreadExecutor` (decoding, the next call): the
        // stack of a Swift pool thread, reserved and not resident until used.
        if !UnixSocket.startThread(name: "kinerja-client", stackBytes: 8 << 20, { [self] in readLoop(fd: fd) }) {
            fail(RPCError(code: .unavailable, message: "cannot start a thread to read the socket"))
        }
    }

    private static func connectSocket(_ path: String) -> Result<Int32, RPCError> {
        let (fd, address): (Int32, sockaddr_un)
        switch UnixSocket.makeSocket(for: path) {
        case .success(let made): (fd, address) = made
        case .failure(let error): return .failure(error)
        }
        var result: Int32
        repeat {
            result = UnixSocket.withSockaddr(address) { connect(fd, $0, $1) }
        } while result != 0 && errno == EINTR
        guard result == 0 else {
            let text = UnixSocket.errnoText()
            close(fd)
            return .failure(RPCError(code: .unavailable, message: "cannot connect to \(path): \(text)"))
        }
        return .success(fd)
    }

    /// Returns once the client runs its connections, or has shut down.
    func waitUntilRunning() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s in
                if s.running || s.shutdownRequested { return true }
                s.runningWaiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }

    /// Ends the connection: the reader sees the socket close and ends every call still open.
    func shutDown() {
        let (waiters, fd): ([CheckedContinuation<Void, Never>], Int32?) = state.withLock { s in
            s.shutdownRequested = true
            let waiters = s.shutdownWaiters + s.runningWaiters
            s.shutdownWaiters = []
            s.runningWaiters = []
            switch s.phase {
            case .open:
                return (waiters, s.fd)
            case .idle:
                s.phase = .shutDown
                return (waiters, nil)
            case .failed, .shutDown:
                return (waiters, nil)
            }
        }
        if let fd {
            // GOAWAY (no error, no streams of the server's), then both directions closed; the reader closes the descriptor.
            var payload: [UInt8] = []
            HTTP2Frame.appendUInt32(0, to: &payload)
            HTTP2Frame.appendUInt32(0, to: &payload)
            try? send(HTTP2Frame(.goAway, payload: payload).encoded())
            writer.withLock { w in
                if !w.closed { _ = Glibc.shutdown(fd, Int32(SHUT_RDWR)) }
            }
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Whether a new call may go on this connection: false once it failed, was shut down, or the server said GOAWAY
    /// (the transport then opens another).
    var takesNewStreams: Bool {
        state.withLock { s in
            guard s.goAwayLastStream == nil, !s.shutdownRequested else { return false }
            switch s.phase {
            case .idle, .open: return true
            case .failed, .shutDown: return false
            }
        }
    }

    /// The server said GOAWAY: it takes no new streams on this connection (it may on another).
    var serverWentAway: Bool { state.withLock { $0.goAwayLastStream != nil } }

    /// Calls need not wait for `waitForShutdown` (a connection the transport opens in place of one that ended).
    func markRunning() {
        let waiters = state.withLock { s in
            s.running = true
            let waiters = s.runningWaiters
            s.runningWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns when the client shuts down, or when the task waiting is cancelled (as `withGRPCClient` does when its body
    /// throws), which shuts the connection down.
    func waitForShutdown() async {
        markRunning()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s in
                    if s.shutdownRequested { return true }
                    s.shutdownWaiters.append(c)
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            shutDown()
        }
    }

    /// The connection is over (the server closed it, or it broke): every call still open ends with `error`.
    private func fail(_ error: RPCError) {
        let (waiters, fd): ([CheckedContinuation<Void, Never>], Int32) = state.withLock { s in
            if case .open = s.phase {
                s.phase = s.shutdownRequested ? .shutDown : .failed(error)
            }
            for id in s.streams.keys {
                s.streams[id]!.deliver(s.streams[id]!.machine.connectionLost(error))
            }
            let waiters = s.windowWaiters
            s.windowWaiters = []
            return (waiters, s.fd)
        }
        writer.withLock { w in
            if !w.closed, fd >= 0 {
                w.closed = true
                close(fd)
            }
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Writing

    /// Writes whole frames; throws UNAVAILABLE when the connection has closed.
    private func send(_ bytes: [UInt8]) throws(RPCError) {
        let failure: RPCError? = writer.withLock { w in
            guard !w.closed, w.fd >= 0 else { return RPCError(code: .unavailable, message: "the connection to kinerjad at \(path) has closed") }
            return w.write(bytes)
        }
        if let failure { throw failure }
    }

    fileprivate static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> RPCError? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                if errno == EINTR { continue }
                return RPCError(code: .unavailable, message: "cannot write to kinerjad: \(UnixSocket.errnoText())")
            }
            offset += n
        }
        return nil
    }

    /// The request's HEADERS (and CONTINUATIONs): gRPC's pseudo-headers and headers, then the caller's metadata.
    func sendHeaders(_ stream: Stream, path: String, metadata: Metadata) throws(RPCError) {
        for (key, value) in metadata {
            guard !key.isEmpty, key.utf8.allSatisfy({ Self.isHeaderNameByte($0) }) else {
                throw RPCError(code: .invalidArgument, message: "metadata key '\(key)' is not a valid header name (lower-case letters, digits, '-', '_', '.')")
            }
            if case .string(let text) = value, text.utf8.contains(where: { $0 == 0 || $0 == 0x0a || $0 == 0x0d }) {
                throw RPCError(code: .invalidArgument, message: "the value of metadata key '\(key)' holds a line break or NUL")
            }
        }
        // Literal fields (no dynamic table): the block does not depend on what other streams sent before it.
        var block: [UInt8] = []
        for (name, value) in [
            (":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "localhost"), ("content-type", "application/grpc"),
            ("te", "trailers"),
        ] {
            HPACKLiteral.append(name: name, value: value, to: &block)
        }
        for (key, value) in metadata { HPACKLiteral.append(name: key.lowercased(), value: value.encoded(), to: &block) }
        let failure: RPCError? = writer.withLock { w in
            guard !w.closed, w.fd >= 0 else { return RPCError(code: .unavailable, message: "the connection to kinerjad at \(self.path) has closed") }
            // The stream's HTTP/2 id, taken now that nothing else can write before these HEADERS.
            let assigned: Result<(streamID: UInt32, maxFrame: Int), RPCError> = state.withLock { s in
                let key = stream.key.load(ordering: .relaxed)
                guard key % 2 == 0, var entry = s.streams[key] else {
                    return .failure(RPCError(code: .internalError, message: "the call's headers were sent twice or after it ended"))
                }
                if s.goAwayLastStream != nil {
                    return .failure(RPCError(code: .unavailable, message: "kinerjad at \(self.path) is shutting down and takes no new calls"))
                }
                guard s.nextStreamID < 0x7fff_ffff else {
                    return .failure(RPCError(code: .unavailable, message: "this connection has used all its stream ids"))
                }
                let id = s.nextStreamID
                s.nextStreamID += 2
                s.streams[key] = nil
                entry.sentHeaders = true
                s.streams[id] = entry
                stream.key.store(id, ordering: .relaxed)
                return .success((id, s.peerMaxFrameSize))
            }
            let streamID: UInt32
            let maxFrame: Int
            switch assigned {
            case .success(let a): (streamID, maxFrame) = a
            case .failure(let error): return error
            }
            return w.write(HTTP2Frame.headerFrames(streamID: streamID, block: block, endStream: false, maxFrame: maxFrame))
        }
        if let failure { throw failure }
    }

    private static func isHeaderNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    /// One gRPC message as DATA frames, each within the server's windows and frame size; waits for WINDOW_UPDATEs when
    /// the windows are spent. A response that is already over takes no more data: the rest is dropped.
    func sendMessage(_ message: [UInt8], stream: Stream) async throws {
        let prefix = grpcMessagePrefix(length: message.count)
        let total = prefix.count + message.count
        var offset = 0
        while offset < total {
            guard let (n, streamID) = try await reserveSendWindow(stream, wanted: total - offset) else { return }
            var frame: [UInt8] = []
            frame.reserveCapacity(HTTP2Frame.headerLength + n)
            HTTP2Frame.appendHeader(to: &frame, length: n, type: HTTP2Frame.Kind.data.rawValue, flags: [], streamID: streamID)
            let end = offset + n
            var i = offset
            while i < prefix.count && i < end {
                frame.append(prefix[i])
                i += 1
            }
            if i < end {
                frame += message[(i - prefix.count)..<(end - prefix.count)]
            }
            try send(frame)
            offset = end
        }
    }

    private enum Reservation {
        case granted(Int, streamID: UInt32)
        case drop
        case wait
        case failed(RPCError)
    }

    /// Up to `wanted` bytes of window taken from the stream and the connection, and the stream's id; nil when the
    /// response is over.
    private func reserveSendWindow(_ stream: Stream, wanted: Int) async throws -> (Int, UInt32)? {
        while true {
            try Task.checkCancellation()
            switch state.withLock({ Self.reserve(&$0, streamID: stream.key.load(ordering: .relaxed), wanted: wanted, take: true) }) {
            case .granted(let n, let streamID): return (n, streamID)
            case .drop: return nil
            case .failed(let error): throw error
            case .wait: break
            }
            await withTaskCancellationHandler {
                await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                    let now = state.withLock { s in
                        if case .wait = Self.reserve(&s, streamID: stream.key.load(ordering: .relaxed), wanted: wanted, take: false),
                            !Task.isCancelled
                        {
                            s.windowWaiters.append(c)
                            return false
                        }
                        return true
                    }
                    if now { c.resume() }
                }
            } onCancel: {
                wakeWindowWaiters()
            }
        }
    }

    private static func reserve(_ s: inout State, streamID: UInt32, wanted: Int, take: Bool) -> Reservation {
        if case .failed(let error) = s.phase { return .failed(error) }
        guard streamID % 2 == 1 else { return .failed(RPCError(code: .internalError, message: "a message was sent before the call's headers")) }
        guard let stream = s.streams[streamID], !stream.remoteFinished else { return .drop }
        let n = min(wanted, s.connectionSendWindow, stream.sendWindow, s.peerMaxFrameSize)
        guard n > 0 else { return .wait }
        if take {
            s.connectionSendWindow -= n
            s.streams[streamID]!.sendWindow -= n
        }
        return .granted(n, streamID: streamID)
    }

    private func wakeWindowWaiters() {
        let waiters = state.withLock { s in
            let waiters = s.windowWaiters
            s.windowWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The request is complete: an empty DATA frame that ends the stream.
    func sendEndStream(_ stream: Stream) {
        let send = state.withLock { s -> UInt32? in
            let streamID = stream.key.load(ordering: .relaxed)
            guard let entry = s.streams[streamID], entry.sentHeaders, !entry.sentEndStream, !entry.remoteFinished else { return nil }
            s.streams[streamID]!.sentEndStream = true
            return streamID
        }
        if let streamID = send { try? self.send(HTTP2Frame(.data, flags: .endStream, streamID: streamID).encoded()) }
    }

    /// The caller gave up on the request (`error` why): the response ends with that error, and the server is told if it
    /// knows of the stream.
    func resetStream(_ handle: Stream, errorCode: UInt32, because error: any Error) {
        let send = state.withLock { s -> UInt32? in
            let streamID = handle.key.load(ordering: .relaxed)
            guard var stream = s.streams[streamID], !(stream.sentEndStream && stream.remoteFinished) else { return nil }
            stream.sentEndStream = true
            let reason = error as? RPCError ?? RPCError(code: .cancelled, message: "the call was cancelled: \(error)")
            stream.deliver(stream.machine.connectionLost(reason))
            s.streams[streamID] = stream
            return stream.sentHeaders ? streamID : nil
        }
        if let streamID = send { try? self.send(HTTP2Frame.rstStream(streamID: streamID, errorCode: errorCode).encoded()) }
    }

    /// The call is over on the caller's side: the stream is forgotten, and reset if either side had not finished.
    func closeStream(_ handle: Stream) {
        let reset = state.withLock { s -> UInt32? in
            let streamID = handle.key.load(ordering: .relaxed)
            guard let stream = s.streams.removeValue(forKey: streamID) else { return nil }
            stream.continuation.finish()
            return stream.sentHeaders && !(stream.sentEndStream && stream.remoteFinished) ? streamID : nil
        }
        if let streamID = reset { try? send(HTTP2Frame.rstStream(streamID: streamID, errorCode: 0x8).encoded()) }
    }

    /// The caller took a message of `bytes` bytes: when the stream's buffer is small enough again, the window it held
    /// back goes to the server.
    func consumed(_ bytes: Int, stream handle: Stream) {
        let (credit, streamID) = state.withLock { s -> (Int, UInt32) in
            let streamID = handle.key.load(ordering: .relaxed)
            guard var stream = s.streams[streamID] else { return (0, streamID) }
            stream.buffered -= bytes
            let credit = creditDue(&stream)
            s.streams[streamID] = stream
            return (credit, streamID)
        }
        if credit > 0 { try? send(HTTP2Frame.windowUpdate(streamID: streamID, increment: UInt32(credit)).encoded()) }
    }

    private func creditDue(_ stream: inout StreamState) -> Int {
        guard !stream.remoteFinished, stream.buffered <= configuration.maxBufferedBytes, stream.owedCredit >= configuration.receiveWindow / 2
        else { return 0 }
        defer { stream.owedCredit = 0 }
        return stream.owedCredit
    }

    // MARK: Reading

    private func readLoop(fd: Int32) {
        var frames = HTTP2FrameReader(maxFrameSize: configuration.maxFrameSize)
        var headerBlocks = HeaderBlockReader(maxBytes: 1 << 20)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var failure: RPCError
        // Callers that prefer `ReadingThreadExecutor` resume here, after the frames of each read.
        let jobs = ReadingThreadExecutor.Jobs()
        ReadingThreadExecutor.attach(jobs)
        reading: while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 {
                failure = RPCError(code: .unavailable, message: "kinerjad closed the connection")
                break
            }
            if n < 0 {
                if errno == EINTR { continue }
                failure = RPCError(code: .unavailable, message: "cannot read from kinerjad: \(UnixSocket.errnoText())")
                break
            }
            frames.append(buffer[0..<n])
            do {
                while let frame = try frames.next() {
                    if let error = handle(frame, headerBlocks: &headerBlocks) {
                        failure = error
                        break reading
                    }
                }
            } catch {
                failure = RPCError(code: .internalError, message: "kinerjad sent an HTTP/2 frame larger than this client accepts (\(error))")
                break
            }
            runCorked(jobs)
        }
        fail(failure)
        // The callers still waiting here see their calls fail, then the thread is the reader's no more.
        ReadingThreadExecutor.runPending(jobs)
        ReadingThreadExecutor.detach()
    }

    /// Runs the callers' jobs that this read resumed, their frames sent together once they are done. A write that fails
    /// there shuts the socket down, and the next read fails the connection's calls.
    private func runCorked(_ jobs: ReadingThreadExecutor.Jobs) {
        guard !jobs.isEmpty else { return }
        writer.withLock { $0.corking = true }
        ReadingThreadExecutor.runPending(jobs)
        writer.withLock { w in
            w.corking = false
            if w.flush() != nil, !w.closed { shutdown(w.fd, Int32(SHUT_RDWR)) }
        }
    }

    /// One frame from the server; an error ends the connection.
    private func handle(
        _ frame: HTTP2Frame, headerBlocks: inout HeaderBlockReader
    ) -> RPCError? {
        func protocolError(_ what: String) -> RPCError {
            RPCError(code: .internalError, message: "kinerjad broke the HTTP/2 protocol: \(what)")
        }
        if headerBlocks.isOpen, frame.kind != .continuation {
            return protocolError("a header block was interrupted")
        }
        // Even ids are streams the server would open (push, turned off); this client's own keys for streams not yet sent
        // are even too, and must not be reached from the wire.
        if frame.streamID % 2 == 0, frame.streamID != 0, frame.kind != .priority {
            return protocolError("a frame on stream \(frame.streamID), which this client did not open")
        }
        switch frame.kind {
        case .data:
            guard frame.streamID != 0 else { return protocolError("DATA on stream 0") }
            guard let payload = frame.unpaddedPayload() else { return protocolError("bad padding") }
            receiveData(payload, flowControlledLength: frame.payload.count, streamID: frame.streamID, endStream: frame.flags.contains(.endStream))
        case .headers, .continuation:
            guard frame.streamID != 0 else { return protocolError("a header block on stream 0") }
            do {
                if let block = try headerBlocks.receive(frame) { receiveHeaders(block) }
            } catch {
                switch error {
                case .undecodable(let why): return RPCError(code: .internalError, message: "cannot decode kinerjad's headers: \(why)")
                case .tooLarge(let size): return protocolError("a header block of more than \(size) bytes")
                case .badPadding: return protocolError("bad padding")
                case .interrupted, .continuationWithoutHeaders: return protocolError("CONTINUATION without HEADERS")
                }
            }
        case .settings:
            guard !frame.flags.contains(.ack) else { return nil }
            guard frame.streamID == 0, frame.payload.count % 6 == 0 else { return protocolError("malformed SETTINGS") }
            if let error = applySettings(frame.payload) { return error }
            try? send(HTTP2Frame(.settings, flags: .ack).encoded())
            wakeWindowWaiters()
        case .ping:
            guard frame.payload.count == 8 else { return protocolError("PING of \(frame.payload.count) bytes") }
            if !frame.flags.contains(.ack) {
                try? send(HTTP2Frame(.ping, flags: .ack, payload: frame.payload).encoded())
            }
        case .windowUpdate:
            guard frame.payload.count == 4 else { return protocolError("malformed WINDOW_UPDATE") }
            let increment = Int(HTTP2Frame.readUInt32(frame.payload, at: 0) & 0x7fff_ffff)
            let error: RPCError? = state.withLock { s in
                if frame.streamID == 0 {
                    guard increment > 0 else { return protocolError("a zero WINDOW_UPDATE") }
                    s.connectionSendWindow += increment
                    guard s.connectionSendWindow <= Int(Int32.max) else { return protocolError("the connection window overflowed") }
                } else if s.streams[frame.streamID] != nil {
                    s.streams[frame.streamID]!.sendWindow += increment
                }
                return nil
            }
            if let error { return error }
            wakeWindowWaiters()
        case .rstStream:
            guard frame.streamID != 0, frame.payload.count == 4 else { return protocolError("malformed RST_STREAM") }
            let code = HTTP2Frame.readUInt32(frame.payload, at: 0)
            state.withLock { s in
                guard var stream = s.streams[frame.streamID] else { return }
                stream.deliver(stream.machine.receiveReset(errorCode: code))
                stream.remoteFinished = true
                stream.sentEndStream = true
                s.streams[frame.streamID] = stream
            }
            wakeWindowWaiters()
        case .goAway:
            guard frame.payload.count >= 8 else { return protocolError("malformed GOAWAY") }
            let last = HTTP2Frame.readUInt32(frame.payload, at: 0) & 0x7fff_ffff
            state.withLock { s in
                s.goAwayLastStream = last
                for id in s.streams.keys where id > last {
                    s.streams[id]!.deliver(
                        s.streams[id]!.machine.connectionLost(RPCError(code: .unavailable, message: "kinerjad is shutting down and did not take this call")))
                }
            }
            wakeWindowWaiters()
        case .pushPromise:
            return protocolError("PUSH_PROMISE, which this client turned off")
        case .priority, nil:
            break
        }
        return nil
    }

    private func receiveHeaders(_ block: HeaderBlockReader.Block) {
        state.withLock { s in
            guard var stream = s.streams[block.streamID] else { return }
            stream.deliver(stream.machine.receiveHeaders(block.fields, endStream: block.endStream))
            s.streams[block.streamID] = stream
        }
    }

    private func receiveData(_ payload: ArraySlice<UInt8>, flowControlledLength: Int, streamID: UInt32, endStream: Bool) {
        let (connectionCredit, streamCredit): (Int, Int) = state.withLock { s in
            s.connectionOwedCredit += flowControlledLength
            var connectionCredit = 0
            if s.connectionOwedCredit >= configuration.receiveWindow / 2 {
                connectionCredit = s.connectionOwedCredit
                s.connectionOwedCredit = 0
            }
            guard var stream = s.streams[streamID] else { return (connectionCredit, 0) }
            stream.deliver(stream.machine.receiveData(payload, endStream: endStream))
            stream.owedCredit += flowControlledLength
            let streamCredit = creditDue(&stream)
            s.streams[streamID] = stream
            return (connectionCredit, streamCredit)
        }
        if connectionCredit > 0 { try? send(HTTP2Frame.windowUpdate(streamID: 0, increment: UInt32(connectionCredit)).encoded()) }
        if streamCredit > 0 { try? send(HTTP2Frame.windowUpdate(streamID: streamID, increment: UInt32(streamCredit)).encoded()) }
    }

    private func applySettings(_ payload: [UInt8]) -> RPCError? {
        let parameters: [(id: UInt16, value: Int)]
        switch HTTP2Frame.settingsParameters(payload) {
        case .success(let p): parameters = p
        case .failure(.initialWindow(let value)):
            return RPCError(code: .internalError, message: "kinerjad sent an initial window of \(value), more than HTTP/2 allows")
        case .failure(.maxFrameSize(let value)):
            return RPCError(code: .internalError, message: "kinerjad sent a maximum frame size of \(value), outside what HTTP/2 allows")
        case .failure(.enablePush(let value)):
            return RPCError(code: .internalError, message: "kinerjad sent SETTINGS_ENABLE_PUSH \(value)")
        }
        state.withLock { s in
            HTTP2Frame.apply(
                parameters, initialWindow: &s.peerInitialWindow, maxFrameSize: &s.peerMaxFrameSize, streams: &s.streams, sendWindow: \.sendWindow)
        }
        return nil
    }
}
