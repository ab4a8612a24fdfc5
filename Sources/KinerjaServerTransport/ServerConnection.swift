import GRPCCore
import Glibc
import KinerjaClientTransport
import NIOCore
import NIOHPACK
import Synchronization

/// One client connection: a thread reads its frames and hands each new stream to the server; the streams' tasks write
/// their responses. A write goes straight to the socket when nothing is queued before it; what the socket does not
/// take is queued and written by a thread of its own (started when needed), so no task ever blocks on a slow reader.
final class ServerConnection: Sendable {
    let fd: Int32
    let core: ServerCore
    let gate: UnixSocketServerTransport.ConnectionGate?
    private let state = Mutex(State())
    private let writer = Mutex(Writer())

    var configuration: UnixSocketServerTransport.Configuration { core.configuration }

    typealias Parts = AsyncThrowingStream<(RPCRequestPart<[UInt8]>, Int), any Error>

    enum ErrorCode: UInt32 {
        case noError = 0x0
        case protocolError = 0x1
        case internalError = 0x2
        case flowControlError = 0x3
        case streamClosed = 0x5
        case frameSizeError = 0x6
        case refusedStream = 0x7
        case cancel = 0x8
        case compressionError = 0x9
        case enhanceYourCalm = 0xb
    }

    struct Entry {
        var continuation: Parts.Continuation
        var deframer: GRPCMessageDeframer
        /// What the client lets this stream send.
        var sendWindow: Int
        let cancellation: ServerContext.RPCCancellationHandle
        /// The client ended its side (END_STREAM) or reset the stream.
        var remoteClosed = false
        /// The request parts are over (ended, failed or cancelled).
        var inboundFinished = false
        /// The response is over on the wire (trailers or a reset sent): nothing more is sent on the stream.
        var localClosed = false
        /// The response HEADERS, encoded, waiting to go out with the first message or the trailers.
        var pendingHeaders: [UInt8]?
        var headersSent = false
        /// Bytes of whole messages delivered and not yet taken by the handler.
        var buffered = 0
        /// Bytes received and not yet given back to the client as stream window.
        var owedCredit = 0

        mutating func finishInbound(throwing error: RPCError? = nil) {
            guard !inboundFinished else { return }
            inboundFinished = true
            if let error { continuation.finish(throwing: error) } else { continuation.finish() }
        }
    }

    struct State {
        /// Streams whose handlers have not returned.
        var streams: [UInt32: Entry] = [:]
        var lastStreamID: UInt32 = 0
        var goingAway = false
        var closed = false
        var connectionSendWindow = 65_535
        var peerInitialWindow = 65_535
        var peerMaxFrameSize = 16_384
        /// What the client may still send on the connection. It starts at HTTP/2's 65,535 and is topped up to the
        /// configured window only by data on streams the gate allowed (and when such a stream opens): a caller whose
        /// streams are all refused never gets more than the first 64 KiB through.
        var connectionReceiveWindow = 65_535
        var windowWaiters: [CheckedContinuation<Void, Never>] = []
        /// Streams opened in this read whose window is yet to be given (see `grantWindows`).
        var ungranted: [UInt32] = []
        /// Since when no stream has been open.
        var idleSince = ContinuousClock.now
    }

    struct Writer {
        /// New bytes are taken (false once the connection is closing).
        var open = true
        var queue: [UInt8] = []
        /// A thread is writing the queue.
        var draining = false
        /// Once the queue is written, both directions are shut (the reader then sees the end and finishes).
        var shutdownWhenDrained = false
        var readerDone = false
        var fdClosed = false
        /// The reading thread is handling a read: writes wait in the queue until it is done (see `corked`).
        var corked = false
        /// Tasks waiting for the queue to shrink.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    init(fd: Int32, core: ServerCore, gate: UnixSocketServerTransport.ConnectionGate?) {
        self.fd = fd
        self.core = core
        self.gate = gate
    }

    /// The reading thread runs short calls' handlers too (synchronous SQLite reads, protobuf encoding): the stack of a
    /// Swift pool thread, not the small one of a thread that only moves bytes (reserved, not resident, until used).
    static let readerStackBytes = 8 << 20

    func start() {
        // A client that stops reading cannot hold a writing thread for ever.
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let c = configuration
        // Streams start with HTTP/2's default window of 65,535; an allowed stream is given the configured window when it
        // opens (a refused one never is).
        let opening = HTTP2Frame.settings([(0x3, UInt32(c.maxConcurrentStreams)), (0x5, UInt32(c.maxFrameSize)), (0x6, UInt32(c.maxHeaderListBytes))])
        _ = enqueue(opening.encoded())
        if !UnixSocket.startThread(name: "kinerja-conn", stackBytes: Self.readerStackBytes, { [self] in readLoop() }) {
            readerFinished()
        }
    }

    // MARK: Reading

    private func readLoop() {
        let c = configuration
        var frames = HTTP2FrameReader(maxFrameSize: c.maxFrameSize)
        var headerBlocks = HeaderBlockReader(maxBytes: c.maxHeaderListBytes)
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var preface: [UInt8] = []
        let acceptedAt = ContinuousClock.now
        // Short calls' handlers run here, after the frames of each read (see `ReadingThreadExecutor`).
        let jobs = ReadingThreadExecutor.Jobs()
        ReadingThreadExecutor.attach(jobs)
        reading: while true {
            var timeout: Duration?
            if preface.count < HTTP2Frame.preface.count {
                timeout = acceptedAt + c.prefaceTimeout - .now
            } else {
                let (idle, since, goingAway) = state.withLock { ($0.streams.isEmpty, $0.idleSince, $0.goingAway) }
                if idle && !goingAway { timeout = since + c.idleTimeout - .now }
            }
            if let t = timeout, t <= .zero {
                if preface.count < HTTP2Frame.preface.count { break }
                // Idle: GOAWAY, then the connection closes once it is written.
                goAway()
                continue
            }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ms =
                timeout.map { t -> Int32 in
                    let c = t.components
                    return Int32(clamping: min(Int64(1000), c.seconds * 1000 + c.attoseconds / 1_000_000_000_000_000 + 1))
                } ?? 1000
            let ready = poll(&pfd, 1, ms)
            if ready == 0 { continue }
            if ready < 0 {
                if errno == EINTR { continue }
                break
            }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                break
            }
            var bytes = buffer[0..<n]
            if preface.count < HTTP2Frame.preface.count {
                let need = HTTP2Frame.preface.count - preface.count
                preface += bytes.prefix(need)
                bytes = bytes.dropFirst(need)
                guard preface[...] == HTTP2Frame.preface[0..<preface.count] else { break }  // not HTTP/2: just closed
                if preface.count < HTTP2Frame.preface.count { continue }
            }
            frames.append(bytes)
            var failure: ErrorCode?
            corked {
                do {
                    while let frame = try frames.next() {
                        failure = handle(frame, headerBlocks: &headerBlocks)
                        if failure != nil { return }
                    }
                } catch {
                    failure = .frameSizeError
                    return
                }
                grantWindows()
                ReadingThreadExecutor.runPending(jobs)
            }
            if let failure {
                sendGoAway(failure)
                break
            }
        }
        // The handlers still here see their streams end, then the thread is the reader's no more.
        closeStreams()
        ReadingThreadExecutor.runPending(jobs)
        ReadingThreadExecutor.detach()
        readerFinished()
    }

    /// One frame from the client; a connection error ends the connection with GOAWAY.
    private func handle(
        _ frame: HTTP2Frame, headerBlocks: inout HeaderBlockReader
    ) -> ErrorCode? {
        if headerBlocks.isOpen, frame.kind != .continuation { return .protocolError }
        switch frame.kind {
        case .data:
            guard frame.streamID != 0, let payload = frame.unpaddedPayload() else { return .protocolError }
            return receiveData(payload, flowControlledLength: frame.payload.count, streamID: frame.streamID, endStream: frame.flags.contains(.endStream))
        case .headers, .continuation:
            guard frame.streamID != 0 else { return .protocolError }
            do {
                if let block = try headerBlocks.receive(frame) { return receiveHeaders(block) }
            } catch {
                switch error {
                // The decoder's table may now differ from the client's: the connection cannot go on.
                case .undecodable: return .compressionError
                // A header block is bounded before it is decoded (CONTINUATION floods).
                case .tooLarge: return .enhanceYourCalm
                case .badPadding, .interrupted, .continuationWithoutHeaders: return .protocolError
                }
            }
        case .settings:
            guard frame.streamID == 0 else { return .protocolError }
            if frame.flags.contains(.ack) { return frame.payload.isEmpty ? nil : .frameSizeError }
            guard frame.payload.count % 6 == 0 else { return .frameSizeError }
            if let error = applySettings(frame.payload) { return error }
            _ = enqueue(HTTP2Frame(.settings, flags: .ack).encoded())
            wakeWindowWaiters()
        case .ping:
            guard frame.streamID == 0 else { return .protocolError }
            guard frame.payload.count == 8 else { return .frameSizeError }
            if !frame.flags.contains(.ack) { _ = enqueue(HTTP2Frame(.ping, flags: .ack, payload: frame.payload).encoded()) }
        case .windowUpdate:
            guard frame.payload.count == 4 else { return .frameSizeError }
            let increment = Int(HTTP2Frame.readUInt32(frame.payload, at: 0) & 0x7fff_ffff)
            let result: (ErrorCode?, reset: ErrorCode?) = state.withLock { s in
                if frame.streamID == 0 {
                    guard increment > 0 else { return (.protocolError, nil) }
                    s.connectionSendWindow += increment
                    return (s.connectionSendWindow > Int(Int32.max) ? .flowControlError : nil, nil)
                }
                guard frame.streamID <= s.lastStreamID else { return (.protocolError, nil) }
                guard var entry = s.streams[frame.streamID], !entry.localClosed else { return (nil, nil) }
                guard increment > 0 else { return (nil, .protocolError) }
                entry.sendWindow += increment
                guard entry.sendWindow <= Int(Int32.max) else {
                    entry.localClosed = true
                    entry.cancellation.cancel()
                    entry.finishInbound(throwing: RPCError(code: .internalError, message: "the client overflowed the stream's window"))
                    s.streams[frame.streamID] = entry
                    return (nil, .flowControlError)
                }
                s.streams[frame.streamID] = entry
                return (nil, nil)
            }
            if let error = result.0 { return error }
            if let reset = result.reset { _ = enqueue(HTTP2Frame.rstStream(streamID: frame.streamID, errorCode: reset.rawValue).encoded()) }
            wakeWindowWaiters()
        case .rstStream:
            guard frame.streamID != 0 else { return .protocolError }
            guard frame.payload.count == 4 else { return .frameSizeError }
            let idle: Bool = state.withLock { s in
                guard frame.streamID <= s.lastStreamID else { return true }
                guard var entry = s.streams[frame.streamID] else { return false }
                entry.remoteClosed = true
                entry.localClosed = true
                entry.cancellation.cancel()
                entry.finishInbound(throwing: RPCError(code: .cancelled, message: "the client cancelled the call"))
                s.streams[frame.streamID] = entry
                return false
            }
            if idle { return .protocolError }
            wakeWindowWaiters()
        case .goAway:
            // The client will open no more streams; those open carry on.
            state.withLock { $0.goingAway = true }
        case .pushPromise:
            return .protocolError
        case .priority, nil:
            break
        }
        return nil
    }

    private func applySettings(_ payload: [UInt8]) -> ErrorCode? {
        let parameters: [(id: UInt16, value: Int)]
        switch HTTP2Frame.settingsParameters(payload) {
        case .success(let p): parameters = p
        case .failure(.initialWindow): return .flowControlError
        case .failure(.maxFrameSize), .failure(.enablePush): return .protocolError
        }
        state.withLock { s in
            HTTP2Frame.apply(
                parameters, initialWindow: &s.peerInitialWindow, maxFrameSize: &s.peerMaxFrameSize, streams: &s.streams, sendWindow: \.sendWindow)
        }
        return nil
    }

    /// A whole request header block: a new stream (handed to the server, or refused), or a stream's trailers.
    private func receiveHeaders(_ block: HeaderBlockReader.Block) -> ErrorCode? {
        let id = block.streamID
        enum Opening {
            case new
            case trailers
            case ignore
            case refuse
        }
        let opening: Opening = state.withLock { s in
            if s.streams[id] != nil { return .trailers }
            guard id > s.lastStreamID else { return .ignore }
            s.lastStreamID = id
            if s.goingAway || s.closed || s.streams.count >= configuration.maxConcurrentStreams { return .refuse }
            return .new
        }
        switch opening {
        case .ignore:
            return id % 2 == 1 ? nil : .protocolError
        case .refuse:
            _ = enqueue(HTTP2Frame.rstStream(streamID: id, errorCode: ErrorCode.refusedStream.rawValue).encoded())
            return nil
        case .trailers:
            // Request trailers: they end the request (gRPC clients send none; their fields are not passed on).
            guard block.endStream else {
                resetStream(id, .protocolError, because: RPCError(code: .internalError, message: "request trailers without END_STREAM"))
                return nil
            }
            receiveEnd(streamID: id)
            return nil
        case .new:
            guard id % 2 == 1 else { return .protocolError }
        }
        var fields = block.fields
        func field(_ name: String) -> String? { fields.first(where: { $0.name == name })?.value }
        guard field(":method") == "POST" else {
            respondHTTP(id, status: "405", endStream: block.endStream)
            return nil
        }
        guard let contentType = field("content-type"), contentType.hasPrefix("application/grpc") else {
            respondHTTP(id, status: "415", endStream: block.endStream)
            return nil
        }
        let path = field(":path") ?? ""
        if let encoding = field("grpc-encoding"), encoding != "identity" {
            refuse(
                id, RPCError(code: .unimplemented, message: "compressed requests (grpc-encoding: \(encoding)) are not supported"),
                endStream: block.endStream)
            return nil
        }
        let decision = gate?.decide(path, &fields) ?? .allow(maxMessageBytes: configuration.maxRequestMessageBytes)
        let maxMessage: Int
        switch decision {
        case .deny(let error):
            refuse(id, error, endStream: block.endStream)
            return nil
        case .allow(let limit):
            maxMessage = min(limit, configuration.maxRequestMessageBytes)
        }
        guard let descriptor = Self.descriptor(path) else {
            refuse(id, RPCError(code: .unimplemented, message: "no such method: \(path)"), endStream: block.endStream)
            return nil
        }
        let (parts, continuation) = Parts.makeStream()
        let cancellation = ServerContext.RPCCancellationHandle()
        continuation.yield((.metadata(ResponseStateMachine.metadata(from: fields)), 0))
        state.withLock { s in
            var entry = Entry(
                continuation: continuation, deframer: GRPCMessageDeframer(maxMessageBytes: maxMessage), sendWindow: s.peerInitialWindow,
                cancellation: cancellation)
            if block.endStream {
                entry.remoteClosed = true
                entry.finishInbound()
            } else {
                s.ungranted.append(id)
            }
            s.streams[id] = entry
        }
        let stream = RPCStream(
            descriptor: descriptor,
            inbound: RPCAsyncSequence<RPCRequestPart<[UInt8]>, any Error>(
                wrapping: FlowControlledParts(parts, throwIfCancelledAtEnd: false) { [self] in consumed($0, streamID: id) }),
            outbound: RPCWriter.Closable(wrapping: ResponseWriter(connection: self, streamID: id)))
        let context = ServerContext(descriptor: descriptor, remotePeer: "unix:", localPeer: core.localPeer, cancellation: cancellation)
        let accepted = AcceptedStream(
            stream: stream, context: context, connection: self, streamID: id, onConnectionThread: configuration.connectionThreadMethods.contains(path))
        if !core.deliver(accepted) {
            // The server is no longer taking streams.
            state.withLock { s in
                s.streams[id]?.finishInbound()
                s.streams[id] = nil
            }
            _ = enqueue(HTTP2Frame.rstStream(streamID: id, errorCode: ErrorCode.refusedStream.rawValue).encoded())
        }
        return nil
    }

    /// After each read: the configured window for the streams it opened that are still sending (and for the
    /// connection). A unary request usually ends in the read that opened it, and then needs none: no frame, no write.
    private func grantWindows() {
        let window = configuration.receiveWindow
        guard window > 65_535 else { return }
        let out: [UInt8] = state.withLock { s in
            guard !s.ungranted.isEmpty else { return [] }
            var out: [UInt8] = []
            for id in s.ungranted {
                guard let entry = s.streams[id], !entry.remoteClosed, !entry.localClosed else { continue }
                out += HTTP2Frame.windowUpdate(streamID: id, increment: UInt32(window - 65_535)).encoded()
            }
            s.ungranted = []
            if !out.isEmpty {
                let credit = Self.connectionTopUp(&s, window: window)
                if credit > 0 { out += HTTP2Frame.windowUpdate(streamID: 0, increment: UInt32(credit)).encoded() }
            }
            return out
        }
        if !out.isEmpty { _ = enqueue(out) }
    }

    /// `/package.Service/Method` as a method descriptor.
    static func descriptor(_ path: String) -> MethodDescriptor? {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash > path.startIndex else { return nil }
        let service = path[path.index(after: path.startIndex)..<slash]
        let method = path[path.index(after: slash)...]
        guard !service.isEmpty, !method.isEmpty else { return nil }
        return MethodDescriptor(fullyQualifiedService: String(service), method: String(method))
    }

    private func receiveData(_ payload: ArraySlice<UInt8>, flowControlledLength: Int, streamID: UInt32, endStream: Bool) -> ErrorCode? {
        let window = configuration.receiveWindow
        let maxBuffered = configuration.maxBufferedBytes
        enum Outcome {
            case ok
            case connectionError(ErrorCode)
            case reset(ErrorCode)
            case tooLarge(RPCError)
        }
        let (connectionCredit, streamCredit, outcome): (Int, Int, Outcome) = state.withLock { s in
            s.connectionReceiveWindow -= flowControlledLength
            guard s.connectionReceiveWindow >= 0 else { return (0, 0, .connectionError(.flowControlError)) }
            guard var entry = s.streams[streamID] else {
                // DATA for a stream never opened is a connection error; for one refused or over, its bytes only count
                // (and earn no window back).
                return (0, 0, streamID > s.lastStreamID ? .connectionError(.protocolError) : .ok)
            }
            if entry.remoteClosed { return (0, 0, entry.localClosed ? .ok : .reset(.streamClosed)) }
            let connectionCredit = entry.localClosed ? 0 : Self.connectionTopUp(&s, window: window)
            var outcome = Outcome.ok
            if !entry.inboundFinished {
                entry.deframer.append(payload)
                do {
                    while let message = try entry.deframer.next() {
                        entry.buffered += message.count + 5
                        entry.continuation.yield((.message(message), message.count + 5))
                    }
                } catch {
                    if case .tooLarge(let length, let limit) = error as? GRPCMessageDeframer.Failure {
                        outcome = .tooLarge(
                            RPCError(
                                code: .resourceExhausted,
                                message: "the request message of \(length) bytes is larger than this caller's limit of \(limit) bytes"))
                    } else {
                        outcome = .tooLarge(RPCError(code: .internalError, message: "a compressed message on a stream that declared no compression"))
                    }
                }
            }
            entry.owedCredit += flowControlledLength
            var streamCredit = 0
            if !endStream, entry.buffered <= maxBuffered, entry.owedCredit >= window / 2 {
                streamCredit = entry.owedCredit
                entry.owedCredit = 0
            }
            if endStream {
                entry.remoteClosed = true
                if case .ok = outcome {
                    if entry.deframer.pendingBytes > 0 {
                        entry.finishInbound(
                            throwing: RPCError(
                                code: .internalError, message: "the request ended inside a message (\(entry.deframer.pendingBytes) bytes left over)"))
                    } else {
                        entry.finishInbound()
                    }
                }
            }
            s.streams[streamID] = entry
            return (connectionCredit, streamCredit, outcome)
        }
        var out: [UInt8] = []
        if connectionCredit > 0 { out += HTTP2Frame.windowUpdate(streamID: 0, increment: UInt32(connectionCredit)).encoded() }
        if streamCredit > 0 { out += HTTP2Frame.windowUpdate(streamID: streamID, increment: UInt32(streamCredit)).encoded() }
        if !out.isEmpty { _ = enqueue(out) }
        switch outcome {
        case .ok: return nil
        case .connectionError(let code): return code
        case .reset(let code):
            _ = enqueue(HTTP2Frame.rstStream(streamID: streamID, errorCode: code.rawValue).encoded())
            return nil
        case .tooLarge(let error):
            // Answered now, before the message is gathered; the handler sees the error and is cancelled.
            abort(streamID, error)
            return nil
        }
    }

    /// The increment that brings the connection's receive window back to the configured size, once it is below half.
    private static func connectionTopUp(_ s: inout State, window: Int) -> Int {
        guard s.connectionReceiveWindow < window / 2 else { return 0 }
        let increment = window - s.connectionReceiveWindow
        s.connectionReceiveWindow = window
        return increment
    }

    /// The client's END_STREAM on trailers.
    private func receiveEnd(streamID: UInt32) {
        state.withLock { s in
            guard var entry = s.streams[streamID] else { return }
            entry.remoteClosed = true
            if entry.deframer.pendingBytes > 0 {
                entry.finishInbound(throwing: RPCError(code: .internalError, message: "the request ended inside a message"))
            } else {
                entry.finishInbound()
            }
            s.streams[streamID] = entry
        }
    }

    /// The handler took a message of `bytes` bytes: when the stream's buffer is small enough again, the window held back
    /// goes to the client.
    func consumed(_ bytes: Int, streamID: UInt32) {
        let window = configuration.receiveWindow
        let maxBuffered = configuration.maxBufferedBytes
        let credit = state.withLock { s -> Int in
            guard var entry = s.streams[streamID] else { return 0 }
            entry.buffered -= bytes
            var credit = 0
            if !entry.remoteClosed, entry.buffered <= maxBuffered, entry.owedCredit >= window / 2 {
                credit = entry.owedCredit
                entry.owedCredit = 0
            }
            s.streams[streamID] = entry
            return credit
        }
        if credit > 0 { _ = enqueue(HTTP2Frame.windowUpdate(streamID: streamID, increment: UInt32(credit)).encoded()) }
    }

    // MARK: Responding

    /// A stream refused on its headers: a trailers-only response with the status, and (when the client is still sending)
    /// a reset so that none of its body is sent.
    private func refuse(_ streamID: UInt32, _ error: RPCError, endStream: Bool) {
        var block: [UInt8] = []
        Self.appendResponseHeaders(to: &block, metadata: [:])
        Self.appendTrailers(to: &block, status: Status(code: Status.Code(error.code), message: error.message), metadata: error.metadata)
        var out = HTTP2Frame.headerFrames(streamID: streamID, block: block, endStream: true, maxFrame: state.withLock { $0.peerMaxFrameSize })
        if !endStream { out += HTTP2Frame.rstStream(streamID: streamID, errorCode: ErrorCode.noError.rawValue).encoded() }
        _ = enqueue(out)
    }

    /// A request that is not gRPC: an HTTP status alone.
    private func respondHTTP(_ streamID: UInt32, status: String, endStream: Bool) {
        var block: [UInt8] = []
        HPACKLiteral.append(name: ":status", value: status, to: &block)
        var out = HTTP2Frame.headerFrames(streamID: streamID, block: block, endStream: true, maxFrame: state.withLock { $0.peerMaxFrameSize })
        if !endStream { out += HTTP2Frame.rstStream(streamID: streamID, errorCode: ErrorCode.noError.rawValue).encoded() }
        _ = enqueue(out)
    }

    /// Ends an open stream with `error` from the transport's side: the status goes out (unless a response already ended),
    /// the client is told to stop sending, and the handler is cancelled.
    private func abort(_ streamID: UInt32, _ error: RPCError) {
        let frames: [UInt8]? = state.withLock { s in
            guard var entry = s.streams[streamID] else { return nil }
            defer { s.streams[streamID] = entry }
            guard Self.end(&entry, throwing: error) else { return nil }
            return Self.closingFrames(
                &entry, streamID: streamID, status: Status(code: Status.Code(error.code), message: error.message), metadata: [:],
                maxFrame: s.peerMaxFrameSize)
        }
        if let frames { _ = enqueue(frames) }
        wakeWindowWaiters()
    }

    /// The response's metadata: encoded now, sent with the first message or the trailers.
    func sendMetadata(_ metadata: Metadata, streamID: UInt32) {
        var block: [UInt8] = []
        Self.appendResponseHeaders(to: &block, metadata: metadata)
        state.withLock { s in
            guard var entry = s.streams[streamID], !entry.localClosed, !entry.headersSent, entry.pendingHeaders == nil else { return }
            entry.pendingHeaders = HTTP2Frame.headerFrames(streamID: streamID, block: block, endStream: false, maxFrame: s.peerMaxFrameSize)
            s.streams[streamID] = entry
        }
    }

    private enum Reservation {
        case granted(Int, headers: [UInt8]?)
        case drop
        case wait
    }

    private static func reserve(_ s: inout State, streamID: UInt32, wanted: Int, take: Bool) -> Reservation {
        guard !s.closed, var entry = s.streams[streamID], !entry.localClosed else { return .drop }
        let n = min(wanted, s.connectionSendWindow, entry.sendWindow, s.peerMaxFrameSize)
        guard n > 0 else { return .wait }
        guard take else { return .granted(n, headers: nil) }
        s.connectionSendWindow -= n
        entry.sendWindow -= n
        let headers = entry.pendingHeaders
        if headers != nil {
            entry.pendingHeaders = nil
            entry.headersSent = true
        }
        s.streams[streamID] = entry
        return .granted(n, headers: headers)
    }

    /// One response message as DATA frames within the client's windows (waiting for WINDOW_UPDATEs when they are spent),
    /// after the response HEADERS if they have not gone yet. A stream that is over takes no more: the rest is dropped.
    func sendMessage(_ message: [UInt8], streamID: UInt32) async throws {
        let prefix = grpcMessagePrefix(length: message.count)
        let total = prefix.count + message.count
        var offset = 0
        while offset < total {
            var reservation = state.withLock { Self.reserve(&$0, streamID: streamID, wanted: total - offset, take: true) }
            while case .wait = reservation {
                try Task.checkCancellation()
                await withTaskCancellationHandler {
                    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                        let now = state.withLock { s in
                            if case .wait = Self.reserve(&s, streamID: streamID, wanted: total - offset, take: false), !Task.isCancelled {
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
                reservation = state.withLock { Self.reserve(&$0, streamID: streamID, wanted: total - offset, take: true) }
            }
            guard case .granted(let n, let headers) = reservation else { return }
            var frame = headers ?? []
            frame.reserveCapacity(frame.count + HTTP2Frame.headerLength + n)
            HTTP2Frame.appendHeader(to: &frame, length: n, type: HTTP2Frame.Kind.data.rawValue, flags: [], streamID: streamID)
            let end = offset + n
            var i = offset
            while i < prefix.count && i < end {
                frame.append(prefix[i])
                i += 1
            }
            if i < end { frame += message[(i - prefix.count)..<(end - prefix.count)] }
            await enqueueWaiting(frame)
            offset = end
        }
    }

    /// The status and trailing metadata: the end of the response (a trailers-only response when nothing went before).
    func sendStatus(_ status: Status, metadata: Metadata, streamID: UInt32) async {
        let frames: [UInt8]? = state.withLock { s in
            guard var entry = s.streams[streamID], !entry.localClosed else { return nil }
            entry.localClosed = true
            let out = Self.closingFrames(&entry, streamID: streamID, status: status, metadata: metadata, maxFrame: s.peerMaxFrameSize)
            s.streams[streamID] = entry
            return out
        }
        if let frames { await enqueueWaiting(frames) }
    }

    /// The frames that end a response: the response headers if none went yet (a trailers-only response), the status
    /// with its metadata, and a reset with no error when the client is still sending (it need not).
    private static func closingFrames(_ entry: inout Entry, streamID: UInt32, status: Status, metadata: Metadata, maxFrame: Int) -> [UInt8] {
        var out = entry.pendingHeaders ?? []
        var block: [UInt8] = []
        if !entry.headersSent && entry.pendingHeaders == nil { appendResponseHeaders(to: &block, metadata: [:]) }
        entry.pendingHeaders = nil
        entry.headersSent = true
        appendTrailers(to: &block, status: status, metadata: metadata)
        out += HTTP2Frame.headerFrames(streamID: streamID, block: block, endStream: true, maxFrame: maxFrame)
        if !entry.remoteClosed { out += HTTP2Frame.rstStream(streamID: streamID, errorCode: ErrorCode.noError.rawValue).encoded() }
        return out
    }

    /// Ends a stream from the server's side: its handler is cancelled and its request ends with `error`. True when the
    /// response was still open (and is now closed: the caller says how to the client).
    private static func end(_ entry: inout Entry, throwing error: RPCError) -> Bool {
        entry.cancellation.cancel()
        entry.finishInbound(throwing: error)
        guard !entry.localClosed else { return false }
        entry.localClosed = true
        return true
    }

    /// The handler gave up on the response without a status.
    func resetStream(_ streamID: UInt32, _ code: ErrorCode, because error: RPCError) {
        let send = state.withLock { s -> Bool in
            guard var entry = s.streams[streamID] else { return false }
            defer { s.streams[streamID] = entry }
            return Self.end(&entry, throwing: error)
        }
        if send { _ = enqueue(HTTP2Frame.rstStream(streamID: streamID, errorCode: code.rawValue).encoded()) }
        wakeWindowWaiters()
    }

    /// The stream's handler returned: the stream is forgotten (reset if its response never ended).
    func handlerReturned(_ streamID: UInt32) {
        let (reset, lastOneWhileGoingAway): (Bool, Bool) = state.withLock { s in
            guard var entry = s.streams.removeValue(forKey: streamID) else { return (false, false) }
            entry.finishInbound(throwing: RPCError(code: .cancelled, message: "the call is over"))
            if s.streams.isEmpty { s.idleSince = .now }
            return (!entry.localClosed && !s.closed, s.streams.isEmpty && s.goingAway)
        }
        if reset { _ = enqueue(HTTP2Frame.rstStream(streamID: streamID, errorCode: ErrorCode.internalError.rawValue).encoded()) }
        if lastOneWhileGoingAway { shutdownWhenFlushed() }
    }

    static func appendResponseHeaders(to block: inout [UInt8], metadata: Metadata) {
        block.append(0x88)  // :status 200 (HPACK static table, index 8)
        HPACKLiteral.append(name: "content-type", value: "application/grpc", to: &block)
        appendMetadata(metadata, to: &block)
    }

    static func appendTrailers(to block: inout [UInt8], status: Status, metadata: Metadata) {
        HPACKLiteral.append(name: "grpc-status", value: String(status.code.rawValue), to: &block)
        if !status.message.isEmpty { HPACKLiteral.append(name: "grpc-message", value: percentEncoded(status.message), to: &block) }
        appendMetadata(metadata, to: &block)
    }

    private static func appendMetadata(_ metadata: Metadata, to block: inout [UInt8]) {
        for (key, value) in metadata {
            let name = key.lowercased()
            // What HTTP/2 cannot carry, or gRPC reserves, is left out rather than breaking the response.
            guard !name.isEmpty, !name.hasPrefix(":"), name.utf8.allSatisfy(isHeaderNameByte) else { continue }
            switch name {
            case "content-type", "grpc-status", "grpc-message", "te": continue
            default: break
            }
            let text = value.encoded()
            guard !text.utf8.contains(where: { $0 == 0 || $0 == 0x0a || $0 == 0x0d }) else { continue }
            HPACKLiteral.append(name: name, value: text, to: &block)
        }
    }

    private static func isHeaderNameByte(_ b: UInt8) -> Bool {
        switch b {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            true
        default: false
        }
    }

    private func wakeWindowWaiters() {
        let waiters = state.withLock { s in
            let waiters = s.windowWaiters
            s.windowWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Closing

    /// No new streams: GOAWAY naming the last stream taken; the connection closes when the open ones are done.
    func goAway() {
        let (last, idle): (UInt32, Bool) = state.withLock { s in
            s.goingAway = true
            return (s.lastStreamID, s.streams.isEmpty)
        }
        var payload: [UInt8] = []
        HTTP2Frame.appendUInt32(last, to: &payload)
        HTTP2Frame.appendUInt32(ErrorCode.noError.rawValue, to: &payload)
        _ = enqueue(HTTP2Frame(.goAway, payload: payload).encoded())
        if idle { shutdownWhenFlushed() }
    }

    private func sendGoAway(_ code: ErrorCode) {
        let last = state.withLock { s in
            s.goingAway = true
            return s.lastStreamID
        }
        var payload: [UInt8] = []
        HTTP2Frame.appendUInt32(last, to: &payload)
        HTTP2Frame.appendUInt32(code.rawValue, to: &payload)
        _ = enqueue(HTTP2Frame(.goAway, payload: payload).encoded())
    }

    /// The connection is over: every stream still open is cancelled and its request ends with UNAVAILABLE.
    private func closeStreams() {
        let waiters: [CheckedContinuation<Void, Never>] = state.withLock { s in
            s.closed = true
            for id in s.streams.keys {
                s.streams[id]!.cancellation.cancel()
                s.streams[id]!.localClosed = true
                s.streams[id]!.finishInbound(throwing: RPCError(code: .unavailable, message: "the client's connection closed"))
            }
            let waiters = s.windowWaiters
            s.windowWaiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    // MARK: Writing

    /// Queues whole frames for the socket: written at once when nothing is queued before them (and the reader is not
    /// holding writes back, see `corked`), the rest by a draining thread. Returns the bytes left queued, or nil when the
    /// connection is closing (the bytes are dropped).
    private func enqueue(_ bytes: [UInt8]) -> Int? {
        var startDrain = false
        let queued: Int? = writer.withLock { w in
            guard w.open else { return nil }
            if w.queue.isEmpty && !w.draining && !w.corked {
                let sent = sendNow(bytes[...])
                guard let sent else {
                    w.open = false
                    return nil
                }
                if sent == bytes.count { return 0 }
                w.queue.append(contentsOf: bytes[sent...])
            } else {
                w.queue += bytes
                if w.corked && w.queue.count <= Self.corkLimit { return w.queue.count }
            }
            startDrain = flushLocked(&w)
            return w.open ? w.queue.count : nil
        }
        if startDrain { startDraining() }
        return queued
    }

    /// What the reading thread may hold back while it handles one read: beyond it, writes go out as they come.
    static let corkLimit = 64 << 10

    /// While the reading thread handles the frames of one read and runs the short calls they started, writes wait in
    /// the queue; then they go out together: a unary call's response headers, message and trailers in one `send`, and
    /// the answers to many small calls read at once in one too (fewer system calls, fewer wake-ups of the client).
    private func corked(_ body: () -> Void) {
        writer.withLock { $0.corked = true }
        body()
        let startDrain = writer.withLock { w in
            w.corked = false
            return flushLocked(&w)
        }
        if startDrain { startDraining() }
    }

    /// Writes what is queued without waiting; true when a draining thread must write the rest.
    private func flushLocked(_ w: inout Writer) -> Bool {
        guard w.open, !w.draining, !w.queue.isEmpty else { return false }
        guard let sent = sendNow(w.queue[...]) else {
            w.open = false
            w.queue = []
            return false
        }
        if sent == w.queue.count {
            w.queue.removeAll(keepingCapacity: true)
            return false
        }
        w.queue.removeFirst(sent)
        w.draining = true
        return true
    }

    /// `send` without blocking: the bytes written (fewer when the socket's buffer is full), or nil when the client is
    /// gone (the socket is shut: the reader sees it and closes the connection).
    private func sendNow(_ bytes: ArraySlice<UInt8>) -> Int? {
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL) | Int32(MSG_DONTWAIT))
            }
            if n > 0 {
                offset += n
                continue
            }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { break }
            _ = shutdown(fd, Int32(SHUT_RDWR))
            return nil
        }
        return offset
    }

    private func startDraining() {
        if !UnixSocket.startThread(name: "kinerja-drain", { [self] in drainLoop() }) {
            writer.withLock { w in
                w.draining = false
                w.open = false
                w.queue = []
            }
            _ = shutdown(fd, Int32(SHUT_RDWR))
        }
    }

    /// `enqueue`, then waits while more than `maxQueuedBytes` are queued for a client that is not reading.
    private func enqueueWaiting(_ bytes: [UInt8]) async {
        guard let queued = enqueue(bytes), queued > configuration.maxQueuedBytes else { return }
        let limit = configuration.maxQueuedBytes
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let now = writer.withLock { w in
                if w.open && w.queue.count > limit {
                    w.waiters.append(c)
                    return false
                }
                return true
            }
            if now { c.resume() }
        }
    }

    /// Writes the queue with blocking writes until it is empty, then ends (a new thread starts when it fills again).
    private func drainLoop() {
        while true {
            let (chunk, waiters): ([UInt8]?, [CheckedContinuation<Void, Never>]) = writer.withLock { w in
                let waiters = w.waiters
                w.waiters = []
                guard w.open || w.shutdownWhenDrained, !w.queue.isEmpty else {
                    // Under the same lock as the look at the queue: bytes queued after it start a new thread.
                    w.draining = false
                    return (nil, waiters)
                }
                let chunk = w.queue
                w.queue = []
                return (chunk, waiters)
            }
            for waiter in waiters { waiter.resume() }
            guard let chunk else { break }
            var offset = 0
            while offset < chunk.count {
                let n = chunk.withUnsafeBytes { raw in Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL)) }
                if n > 0 {
                    offset += n
                    continue
                }
                if n < 0 && errno == EINTR { continue }
                // Broken, or the client read nothing for the send timeout.
                writer.withLock { w in
                    w.open = false
                    w.queue = []
                }
                _ = shutdown(fd, Int32(SHUT_RDWR))
                break
            }
        }
        settleWriter { w in
            if w.shutdownWhenDrained && !w.draining { _ = shutdown(fd, Int32(SHUT_RDWR)) }
        }
    }

    /// Changes the writer's state, then closes the descriptor if neither the reader nor a draining thread still uses
    /// it, and wakes the tasks waiting for the queue.
    private func settleWriter(_ change: (inout Writer) -> Void) {
        let waiters: [CheckedContinuation<Void, Never>] = writer.withLock { w in
            change(&w)
            if w.readerDone && !w.draining && !w.fdClosed {
                w.fdClosed = true
                close(fd)
            }
            let waiters = w.waiters
            w.waiters = []
            return waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Once what is queued is written, both directions are shut: the reader sees the end and the connection closes.
    private func shutdownWhenFlushed() {
        let startDrain = writer.withLock { w in
            let startDrain = flushLocked(&w)
            w.open = false
            if w.draining {
                w.shutdownWhenDrained = true
            } else {
                _ = shutdown(fd, Int32(SHUT_RDWR))
            }
            return startDrain
        }
        if startDrain { startDraining() }
    }

    /// The reader is done: the descriptor is closed once nothing writes to it, and the server forgets the connection.
    private func readerFinished() {
        settleWriter { w in
            w.readerDone = true
            w.open = false
            if w.draining { w.shutdownWhenDrained = true }
        }
        closeStreams()
        core.connectionClosed(self)
    }
}
