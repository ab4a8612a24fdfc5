import ArgumentParser
import Foundation
import KinerjaServer
import Logging

struct KinerjaDaemon: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerjad",
        abstract: "The Kinerja daemon: owns the database and serves the API on a Unix socket.",
        discussion: """
            Settings come from (highest first) these flags, the TOML config file (--config, else \
            $CONFIGURATION_DIRECTORY/kinerjad.toml or /etc/kinerja/kinerjad.toml when present), systemd's \
            STATE_DIRECTORY / RUNTIME_DIRECTORY, and the local defaults: state in ./.kinerja, socket \
            ./.kinerja/kinerja.sock. SIGTERM or SIGINT stop it cleanly; SIGHUP reloads the config file.
            """)

    @Option(help: "Configuration file (TOML).") var config: String?
    @Option(help: "Directory holding the database and lock file.") var stateDir: String?
    @Option(help: "Path of the Unix socket to listen on.") var socket: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String?
    @Option(help: "A second socket serving gateway calls only, for a portal (as gateway_socket in the config file).")
    var gatewaySocket: String?

    func validate() throws {
        if let logLevel, DaemonConfigFile.logLevels[logLevel] == nil {
            throw ValidationError("--log-level: '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let flags = DaemonSettings.Flags(
            config: config, stateDir: stateDir, socket: socket, logLevel: logLevel.flatMap { DaemonConfigFile.logLevels[$0] },
            gatewaySocket: gatewaySocket)
        let code = await Daemon.run(flags: flags)
        if code != .ok { throw ExitCode(code.rawValue) }
    }
}
