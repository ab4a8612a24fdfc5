import ArgumentParser
import Foundation
import KinerjaCore
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
            ./.kinerja/kinerja.sock. SIGTERM or SIGINT stop it cleanly; SIGHUP reloads the config file. \
            Exit codes: 0 stopped cleanly, 1 failed, 78 refused its configuration or a database newer than itself. \
            `kinerjad restore BACKUP [--state-dir DIR]` installs a backup while the daemon is stopped (see \
            `kinerjad restore --help`).
            """,
        version: Kinerja.version)

    @Option(help: "Configuration file (TOML).") var config: String?
    @Option(help: "Directory holding the database and lock file.") var stateDir: String?
    @Option(help: "Path of the Unix socket to listen on.") var socket: String?
    @Option(help: "trace, debug, info, notice, warning, error or critical.") var logLevel: String?
    @Option(help: "A second socket serving gateway calls only, for a portal (as gateway_socket in the config file).")
    var gatewaySocket: String?

    func validate() throws {
        if let logLevel, DaemonConfigFile.logLevels[logLevel] == nil {
            throw ArgumentParser.ValidationError("--log-level: '\(logLevel)' is not one of trace, debug, info, notice, warning, error, critical")
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

struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kinerjad restore",
        abstract: "Install a backup (kinerjactl backup) in place of the database; the daemon must be stopped.",
        discussion: """
            Checks the backup (SQLite integrity_check, a Kinerja schema no newer than this kinerjad's), moves the \
            current database and its WAL aside as kinerja.db.before-restore-<UTC time>, and installs a copy of the \
            backup with an atomic rename. An older schema is migrated when kinerjad next starts. The state directory \
            is found as the daemon finds it (--state-dir, the config file, $STATE_DIRECTORY, ./.kinerja).
            """)

    @Argument(help: "The backup file.") var backup: String
    @Option(help: "Configuration file (TOML).") var config: String?
    @Option(help: "Directory holding the database and lock file.") var stateDir: String?

    func run() throws {
        let code = Daemon.restore(flags: DaemonSettings.Flags(config: config, stateDir: stateDir), backup: backup)
        if code != .ok { throw ExitCode(code.rawValue) }
    }
}
