import Foundation
import NIOCore
import NIOHTTP2

/// The caller's process credentials as the kernel reports them for a Unix-socket connection
/// (`SO_PEERCRED`). Glibc does not export `struct ucred` to Swift; this struct has its layout.
public struct PeerCredentials: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32

    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// The metadata key under which the daemon's own channel handler passes the credentials to the RPC
    /// layer. Any client-sent header with this prefix is removed before the daemon adds its own.
    static let headerPrefix = "kinerja-peer"
    static let header = "kinerja-peer-cred"

    var headerValue: String { "\(uid):\(gid):\(pid)" }

    init?(headerValue: String) {
        let parts = headerValue.split(separator: ":")
        guard parts.count == 3, let uid = UInt32(parts[0]), let gid = UInt32(parts[1]), let pid = Int32(parts[2]) else {
            return nil
        }
        self.init(pid: pid, uid: uid, gid: gid)
    }
}

/// Installs, on every accepted HTTP/2 stream, a handler that stamps the connection's peer credentials
/// into the request headers (see `PeerCredentialsHandler`).
enum PeerCredentialsStamp {
    static let soPeerCred: Int32 = 17  // SO_PEERCRED on Linux

    /// For `HTTP2ServerTransport.Config.ChannelDebuggingCallbacks.onAcceptHTTP2Stream`.
    @Sendable static func onAcceptStream(_ stream: any Channel) -> EventLoopFuture<Void> {
        guard let connection = stream.parent, let provider = connection as? any SocketOptionProvider else {
            return stream.eventLoop.makeSucceededVoidFuture()
        }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soPeerCred))
        return credentials.flatMapThrowing { cred in
            try stream.pipeline.syncOperations.addHandler(PeerCredentialsHandler(credentials: cred), position: .first)
        }.flatMapErrorThrowing { _ in
            // Without credentials the stream carries no stamp and the authorisation interceptor refuses it.
            ()
        }
    }
}

/// Removes client-sent `kinerja-peer-*` headers and adds the true credentials to the request headers.
final class PeerCredentialsHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias InboundOut = HTTP2Frame.FramePayload

    private let credentials: PeerCredentials
    private var stamped = false

    init(credentials: PeerCredentials) { self.credentials = credentials }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let payload = unwrapInboundIn(data)
        guard case .headers(var headers) = payload else {
            context.fireChannelRead(data)
            return
        }
        var fields = headers.headers
        let forged = fields.map(\.name).filter { $0.lowercased().hasPrefix(PeerCredentials.headerPrefix) }
        for name in Set(forged) { fields.remove(name: name) }
        if !stamped {
            fields.add(name: PeerCredentials.header, value: credentials.headerValue)
            stamped = true
        }
        headers.headers = fields
        context.fireChannelRead(wrapInboundOut(.headers(headers)))
    }
}
