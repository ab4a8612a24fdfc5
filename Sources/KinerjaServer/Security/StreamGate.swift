import Foundation
import GRPCCore
import KinerjaServerTransport
import Logging

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

/// The daemon's decisions on a connection (`UnixSocketServerTransport.Configuration.gate`): the peer credentials, read
/// once when the connection is accepted; and per stream, on its request headers before any of its body is read: the
/// client-sent `kinerja-peer-*` headers removed, the connection's true credentials (and, on the gateway socket, the
/// listener) stamped, and `decide` asked about the caller and the method. A refused stream is answered at once (a
/// trailers-only response with the gRPC status) and reset: none of its body is read into the daemon. An allowed
/// stream's request messages are checked against the role's size limit as their length prefixes arrive, before the
/// message is gathered.
enum StreamGate {
    typealias Decide = @Sendable (_ credentials: PeerCredentials?, _ path: String) -> StreamVerdict

    static func connection(fd: Int32, listener: Listener, decide: @escaping Decide) -> UnixSocketServerTransport.ConnectionGate {
        let credentials = PeerCredentialsLookup.of(fd: fd)
        return UnixSocketServerTransport.ConnectionGate { path, fields in
            fields.removeAll { $0.name.lowercased().hasPrefix(PeerCredentials.headerPrefix) }
            if let credentials { fields.append((PeerCredentials.header, credentials.headerValue)) }
            if listener == .gateway { fields.append((Listener.header, listener.rawValue)) }
            switch decide(credentials, path) {
            case .deny(let error): return .deny(error)
            case .allow(let maxMessage): return .allow(maxMessageBytes: maxMessage)
            }
        }
    }
}
