import Foundation

/// How `kinerja-portal` runs: where it listens, where `kinerjad`'s gateway socket is, and how sessions behave.
/// Options are a public struct over plain values (as Hummingbird's `ApplicationConfiguration`), filled from the
/// command line and the optional `kinerja-portal.toml`.
public struct PortalOptions: Sendable {
    /// Where the portal listens: `HOST:PORT`, or `unix:PATH` behind a reverse proxy.
    public enum Listen: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        public init(parsing text: String) throws {
            if text.hasPrefix("unix:") {
                let path = String(text.dropFirst(5))
                guard path.hasPrefix("/"), path.utf8.count < 100 else { throw PortalOptionError("--listen unix:PATH needs an absolute PATH under 100 bytes") }
                self = .unix(path: path)
                return
            }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
                throw PortalOptionError("--listen takes HOST:PORT (port 1–65535) or unix:PATH, not '\(text)'")
            }
            var host = String(text[..<colon])
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw PortalOptionError("--listen needs a host, e.g. 127.0.0.1:8080") }
            self = .tcp(host: host, port: port)
        }

        public var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): "unix:\(path)"
            }
        }
    }

    public var listen: Listen = .tcp(host: "127.0.0.1", port: 8080)
    /// `kinerjad`'s gateway socket.
    public var daemonSocket = "/run/kinerja/gateway.sock"
    /// Mark the session cookie `Secure`: on whenever the portal is reached through TLS (the nginx site sets it).
    public var secureCookies = false
    /// Peers whose `X-Forwarded-For` is believed (a reverse proxy on this machine); from anyone else it is ignored.
    public var trustedProxies: Set<String> = []
    /// A session ends after this long without a request, and this long after login whatever happens.
    public var idleTimeout: Duration = .seconds(30 * 60)
    public var absoluteTimeout: Duration = .seconds(12 * 3600)
    /// At most this many sessions (signed-in or not) are kept; the least recently used go first.
    public var maxSessions = 50_000
    /// Templates, strings and static files; nil: the ones built into the program.
    public var resourcesDirectory: String?

    public init() {}
}

public struct PortalOptionError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
