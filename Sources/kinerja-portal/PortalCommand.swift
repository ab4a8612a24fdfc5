import ArgumentParser
import Foundation
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
            --listen unix:PATH or --trusted-proxy ADDRESS so that the client's address reaches kinerjad's rate limits.
            """)

    @Option(help: "HOST:PORT, or unix:PATH for a reverse proxy.") var listen = "127.0.0.1:8080"
    @Option(help: "kinerjad's gateway socket.") var socket = "/run/kinerja/gateway.sock"
    @Flag(help: "Mark the session cookie Secure (the portal is reached through TLS).") var secureCookies = false
    @Option(help: "An address whose X-Forwarded-For is believed (repeatable).") var trustedProxy: [String] = []
    @Option(help: "Minutes of inactivity that end a session.") var idleMinutes = 30
    @Option(help: "Hours after sign-in that end a session whatever happens.") var absoluteHours = 12
    @Option(help: "Templates, wording and stylesheet (default: the ones built in).") var resources: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"

    func run() async throws {
        var options = PortalOptions()
        options.listen = try PortalOptions.Listen(parsing: listen)
        options.daemonSocket = socket
        options.secureCookies = secureCookies
        options.trustedProxies = Set(trustedProxy)
        guard (1...24 * 60).contains(idleMinutes), (1...72).contains(absoluteHours) else {
            throw ValidationError("--idle-minutes must be 1–1440 and --absolute-hours 1–72")
        }
        options.idleTimeout = .seconds(idleMinutes * 60)
        options.absoluteTimeout = .seconds(absoluteHours * 3600)
        options.resourcesDirectory = resources
        guard let level = Logger.Level(rawValue: logLevel) else { throw ValidationError("--log-level '\(logLevel)' is not a level") }
        var logger = Logger(label: "kinerja-portal")
        logger.logLevel = level
        try await Portal.run(options, logger: logger)
    }
}
