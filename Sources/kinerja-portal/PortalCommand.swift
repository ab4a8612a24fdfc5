import ArgumentParser
import Foundation
import KinerjaCore
import KinerjaPortal
import Logging

/// `kinerja-portal`: the web portal, next to `kinerjad` on its gateway socket.
@main
struct PortalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerja-portal",
        abstract: "The Kinerja web portal for staff, supervisors and the public (talks to kinerjad's gateway socket).",
        discussion: """
            Listens on 127.0.0.1:8080 unless told otherwise. Behind nginx with TLS, pass --secure-cookies and either \
            --listen unix:PATH or --trusted-proxy ADDRESS so that the client's address reaches kinerjad's rate limits. \
            Settings may also come from a file (--config, else /etc/kinerja/kinerja-portal.toml when present); flags win.
            """,
        version: Kinerja.version)

    @Option(help: "Settings file (TOML): listen, socket, secure_cookies, trusted_proxies, idle_minutes, absolute_hours, resources.")
    var config: String?

    @Option(help: "HOST:PORT, or unix:PATH for a reverse proxy (default 127.0.0.1:8080).") var listen: String?
    @Option(help: "kinerjad's gateway socket (default /run/kinerja/gateway.sock).") var socket: String?
    @Flag(help: "Mark the session cookie Secure (the portal is reached through TLS).") var secureCookies = false
    @Option(help: "An address whose X-Forwarded-For is believed (repeatable).") var trustedProxy: [String] = []
    @Option(help: "Minutes of inactivity that end a session (default 30).") var idleMinutes: Int?
    @Option(help: "Hours after sign-in that end a session whatever happens (default 12).") var absoluteHours: Int?
    @Option(help: "Templates, wording and stylesheet (default: the ones built in).") var resources: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        var options = PortalOptions()
        if let file = config ?? (FileManager.default.fileExists(atPath: PortalConfigFile.systemPath) ? PortalConfigFile.systemPath : nil) {
            options = try PortalConfigFile.apply(file, to: options)
        }
        if let listen { options.listen = try PortalOptions.Listen(parsing: listen) }
        if let socket { options.daemonSocket = socket }
        if secureCookies { options.secureCookies = true }
        if !trustedProxy.isEmpty { options.trustedProxies = Set(trustedProxy) }
        if let idleMinutes {
            guard (1...24 * 60).contains(idleMinutes) else { throw ArgumentParser.ValidationError("--idle-minutes must be 1–1440") }
            options.idleTimeout = .seconds(idleMinutes * 60)
        }
        if let absoluteHours {
            guard (1...72).contains(absoluteHours) else { throw ArgumentParser.ValidationError("--absolute-hours must be 1–72") }
            options.absoluteTimeout = .seconds(absoluteHours * 3600)
        }
        if let resources { options.resourcesDirectory = resources }
        guard let level = Logger.Level(rawValue: logLevel) else { throw ArgumentParser.ValidationError("--log-level '\(logLevel)' is not a level") }
        var logger = Logger(label: "kinerja-portal")
        logger.logLevel = level
        try await Portal.run(options, logger: logger)
    }
}
