import Foundation
import GRPCCore
import Logging
import NIOCore
import NIOHPACK
import NIOHTTP2

/// Limits on what one connection may make the daemon hold (`[server]` in kinerjad.toml; read at start).
package struct ConnectionLimits: Sendable, Equatable {
    /// Streams one connection may have open at once (`SETTINGS_MAX_CONCURRENT_STREAMS`).
    package var maxConcurrentStreams = 100
    /// A connection with no open stream for this long is closed.
    package var idleTimeout: Duration = .seconds(60)
    /// A connection that has not sent the HTTP/2 preface within this time is closed.
    package var prefaceTimeout: Duration = .seconds(10)
    /// The largest request message an admin or operator may send (bulk imports arrive as one message).
    package var maxMessageBytes = 256 << 20
    /// The largest request message a gateway may send (one record at a time).
    package var gatewayMaxMessageBytes = 4 << 20
    /// An SKP import of more SKPs than this is applied in steps of this many (so that no other write waits long
    /// behind it; readers still see all of it or none: see `StagedImportStore`).
    package var importStepSKPs = 2_000
    /// A realisasi import of more rows than this is applied in steps of this many.
    package var importStepRows = 50_000

    package init() {}

    func maxMessage(for role: Role) -> Int { role == .gateway ? gatewayMaxMessageBytes : maxMessageBytes }
}

/// Which socket a connection came in on.
package enum Listener: String, Sendable {
    /// The daemon's socket: roles from the caller's uid and groups.
    case main
    /// The gateway socket: whoever can open it (its file mode and group decide) is a gateway, and nothing more.
    case gateway

    /// The header the gate stamps on gateway-socket streams (a client-sent one is removed like every `kinerja-peer-*`).
    static let header = "kinerja-peer-listener"
}

/// What the gate decides on a stream's request headers, before any of its body is accepted.
enum StreamVerdict: Sendable {
    /// Go on; request messages may be at most this long.
    case allow(maxMessage: Int)
    case deny(RPCError)
}

/// Per connection: the peer credentials, read once when the connection is accepted; the preface timeout; and the
/// backstop of the idle timeout. gRPC closes an idle connection politely (GOAWAY and a PING it waits to see
/// answered); a peer that never answers is closed here once it has had no stream for the idle time and a grace of
/// `idleGrace` more. Sits first in the connection's pipeline (it sees the raw bytes).
final class ConnectionGate: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    static let idleGrace = TimeAmount.seconds(5)

    let credentials: PeerCredentials?
    private let prefaceTimeout: TimeAmount
    private let idleTimeout: TimeAmount
    private var timer: Scheduled<Void>?
    private var sawBytes = false
    private var openStreams = 0
    private var context: ChannelHandlerContext?

    init(credentials: PeerCredentials?, prefaceTimeout: TimeAmount, idleTimeout: TimeAmount) {
        self.credentials = credentials
        self.prefaceTimeout = prefaceTimeout
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if !sawBytes { arm(prefaceTimeout) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    /// Closes the connection after `delay` unless re-armed or cancelled first.
    private func arm(_ delay: TimeAmount) {
        timer?.cancel()
        guard let context else { return }
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: delay) { loopBound.value.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if !sawBytes {
            sawBytes = true
            if openStreams == 0 { arm(idleTimeout + Self.idleGrace) }
        }
        context.fireChannelRead(data)
    }

    func streamOpened() {
        openStreams += 1
        timer?.cancel()
        timer = nil
    }

    func streamClosed() {
        openStreams -= 1
        if openStreams == 0 { arm(idleTimeout + Self.idleGrace) }
    }

    /// For `HTTP2ServerTransport.Config.ChannelDebuggingCallbacks.onAcceptTCPConnection`.
    static func install(prefaceTimeout: Duration, idleTimeout: Duration) -> @Sendable (any Channel) -> EventLoopFuture<Void> {
        func amount(_ d: Duration) -> TimeAmount {
            let c = d.components
            return .nanoseconds(c.seconds * 1_000_000_000 + c.attoseconds / 1_000_000_000)
        }
        let preface = amount(prefaceTimeout)
        let idle = amount(idleTimeout)
        return { channel in
            PeerCredentialsLookup.of(channel).flatMapThrowing { credentials in
                try channel.pipeline.syncOperations.addHandler(
                    ConnectionGate(credentials: credentials, prefaceTimeout: preface, idleTimeout: idle), position: .first)
            }
        }
    }
}

/// Per stream, first in its pipeline: removes client-sent `kinerja-peer-*` headers, stamps the connection's true
/// credentials, and asks `decide` about the caller and the method named in the headers. A refused stream is answered
/// at once (a trailers-only response with the gRPC status) and closed: none of its body is read into the daemon,
/// and the HTTP/2 window it was granted is not renewed. An allowed stream's request messages are checked against the
/// role's size limit as their length prefixes arrive, before the message is gathered.
final class StreamGate: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload
    typealias OutboundIn = HTTP2Frame.FramePayload
    typealias OutboundOut = HTTP2Frame.FramePayload

    typealias Decide = @Sendable (_ credentials: PeerCredentials?, _ path: String) -> StreamVerdict

    private let credentials: PeerCredentials?
    private let listener: Listener
    private let decide: Decide
    private var state: State = .awaitingHeaders
    /// gRPC message framing: bytes of the current 5-byte prefix seen, and of the current message still to come.
    private var prefix: [UInt8] = []
    private var remaining = 0

    enum State {
        case awaitingHeaders
        case open(maxMessage: Int)
        case refused
    }

    init(credentials: PeerCredentials?, listener: Listener, decide: @escaping Decide) {
        self.credentials = credentials
        self.listener = listener
        self.decide = decide
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        switch (state, payload) {
        case (.refused, _):
            return  // dropped: never reaches the gRPC layer
        case (.awaitingHeaders, .headers(var headers)):
            var fields = headers.headers
            let forged = fields.map(\.name).filter { $0.lowercased().hasPrefix(PeerCredentials.headerPrefix) }
            for name in Set(forged) { fields.remove(name: name) }
            if let credentials { fields.add(name: PeerCredentials.header, value: credentials.headerValue) }
            if listener == .gateway { fields.add(name: Listener.header, value: listener.rawValue) }
            let path = fields.first(name: ":path") ?? ""
            switch decide(credentials, path) {
            case .deny(let error):
                refuse(context: context, error)
            case .allow(let maxMessage):
                state = .open(maxMessage: maxMessage)
                headers.headers = fields
                context.fireChannelRead(wrapInboundOut(.headers(headers)))
            }
        case (.open(let maxMessage), .data(let frame)):
            if case .byteBuffer(let buffer) = frame.data, let tooLong = scan(buffer, maxMessage: maxMessage) {
                refuse(
                    context: context,
                    RPCError(
                        code: .resourceExhausted,
                        message: "the request message of \(tooLong) bytes is larger than this caller's limit of \(maxMessage) bytes"))
                return
            }
            context.fireChannelRead(data)
        case (.open, .headers(var headers)):
            // Trailers: strip forged credentials here too.
            var fields = headers.headers
            for name in Set(fields.map(\.name).filter { $0.lowercased().hasPrefix(PeerCredentials.headerPrefix) }) { fields.remove(name: name) }
            headers.headers = fields
            context.fireChannelRead(wrapInboundOut(.headers(headers)))
        default:
            context.fireChannelRead(data)
        }
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .refused = state {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(data, promise: promise)
    }

    /// Follows the 5-byte gRPC length prefixes through `buffer`; the declared length of a message over `maxMessage`.
    private func scan(_ buffer: ByteBuffer, maxMessage: Int) -> Int? {
        var view = buffer.readableBytesView[...]
        while !view.isEmpty {
            if remaining > 0 {
                let take = min(remaining, view.count)
                remaining -= take
                view = view.dropFirst(take)
                continue
            }
            let need = 5 - prefix.count
            prefix.append(contentsOf: view.prefix(need))
            view = view.dropFirst(need)
            guard prefix.count == 5 else { break }
            let length = Int(prefix[1]) << 24 | Int(prefix[2]) << 16 | Int(prefix[3]) << 8 | Int(prefix[4])
            prefix.removeAll(keepingCapacity: true)
            if length > maxMessage { return length }
            remaining = length
        }
        return nil
    }

    /// A trailers-only response with the status, then the stream is closed (RST_STREAM for what the client still sends).
    private func refuse(context: ChannelHandlerContext, _ error: RPCError) {
        state = .refused
        let headers: HPACKHeaders = [
            ":status": "200", "content-type": "application/grpc", "grpc-status": "\(error.code.rawValue)",
            "grpc-message": Self.percentEncoded(error.message),
        ]
        context.writeAndFlush(wrapOutboundOut(.headers(.init(headers: headers, endStream: true))), promise: nil)
        context.close(promise: nil)
    }

    /// gRPC's `grpc-message` encoding: printable ASCII but `%` as is, everything else as `%XX` of its UTF-8 bytes.
    static func percentEncoded(_ message: String) -> String {
        var out = ""
        for byte in message.utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                out.unicodeScalars.append(UnicodeScalar(byte))
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// For `HTTP2ServerTransport.Config.ChannelDebuggingCallbacks.onAcceptHTTP2Stream`.
    static func install(listener: Listener, decide: @escaping Decide) -> @Sendable (any Channel) -> EventLoopFuture<Void> {
        { stream in
            stream.eventLoop.makeCompletedFuture {
                let gate = try? stream.parent?.pipeline.syncOperations.handler(type: ConnectionGate.self)
                if let gate {
                    gate.streamOpened()
                    let bound = NIOLoopBound(gate, eventLoop: stream.eventLoop)
                    stream.closeFuture.whenComplete { _ in bound.value.streamClosed() }
                }
                try stream.pipeline.syncOperations.addHandler(StreamGate(credentials: gate?.credentials, listener: listener, decide: decide), position: .first)
            }
        }
    }
}

/// On the listening socket: when accepting fails for want of file descriptors (EMFILE, ENFILE, ENOBUFS, ENOMEM),
/// stops accepting (no reads of the listener, so the event loop does not spin on a socket it cannot serve) and tries
/// again every second; logs once when it pauses and once when it accepts again. Waiting clients stay in the backlog.
final class AcceptPause: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private let logger: Logger
    private var paused = false
    private var retry: Scheduled<Void>?

    init(logger: Logger) { self.logger = logger }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if let e = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(e.errnoCode) {
            if !paused {
                paused = true
                var limit = rlimit()
                getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
                logger.error(
                    "accepting paused: out of file descriptors; retrying every second",
                    metadata: ["error": "\(String(cString: strerror(e.errnoCode)))", "limit": "\(limit.rlim_cur)"])
            }
            context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
            let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
            retry?.cancel()
            retry = context.eventLoop.scheduleTask(in: .seconds(1)) {
                loopBound.value.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
            }
            return
        }
        context.fireErrorCaught(error)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if paused {
            paused = false
            logger.notice("accepting resumed")
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) { retry?.cancel() }

    /// For `HTTP2ServerTransport.Config.ChannelDebuggingCallbacks.onBindTCPListener`.
    static func install(logger: Logger) -> @Sendable (any Channel) -> EventLoopFuture<Void> {
        { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(AcceptPause(logger: logger)) } }
    }
}
