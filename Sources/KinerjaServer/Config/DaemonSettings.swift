import Foundation
import KinerjaCore
import KinerjaPluginHost
import Logging

/// What `kinerjad` runs with, resolved from (highest first) command-line flags, the TOML config file,
/// systemd's `STATE_DIRECTORY` / `RUNTIME_DIRECTORY` / `CONFIGURATION_DIRECTORY`, and the local defaults
/// (`./.kinerja/` holding the database and the socket).
package struct DaemonSettings: Sendable, Equatable {
    package var stateDir: String
    package var socketPath: String
    /// The gateway socket (`gateway_socket`): gateway calls only, whoever connects is a gateway; nil: none.
    package var gatewaySocketPath: String?
    package var logLevel: Logger.Level
    /// The config file that was read, if any.
    package var configPath: String?
    package var security: SecurityConfig
    package var plugins: PluginSettings
    /// The agency's TPP numbers from `[tpp]` (defaults when absent).
    package var tpp = TPPPolicy()
    /// `[reminders]`: delivery channels and retries.
    package var reminders = ReminderSettings()
    /// `[server]`: limits per connection (read at start; a reload does not change the listening transport's).
    package var limits = ConnectionLimits()
    /// `[accounts]`: bcrypt's cost.
    package var accounts = AccountSettings()
    /// `[public_feedback]`: limits on anonymous submissions.
    package var publicFeedback = PublicFeedbackSettings()
    /// `[appraisal]`: unit heads' Hasil Kerja, where a year's angka kredit comes from.
    package var appraisal = AppraisalSettings()
    /// `[metrics]`: where the Prometheus endpoint listens (read at start), nil: off.
    package var metrics = MetricsSettings()

    package var databasePath: String { stateDir + "/kinerja.db" }
    package var lockPath: String { stateDir + "/kinerjad.lock" }

    /// Values given on the command line; nil when the flag was not given.
    package struct Flags: Sendable, Equatable {
        package var config: String?
        package var stateDir: String?
        package var socket: String?
        package var logLevel: Logger.Level?
        package var gatewaySocket: String?

        package init(
            config: String? = nil, stateDir: String? = nil, socket: String? = nil, logLevel: Logger.Level? = nil, gatewaySocket: String? = nil
        ) {
            self.config = config
            self.stateDir = stateDir
            self.socket = socket
            self.logLevel = logLevel
            self.gatewaySocket = gatewaySocket
        }
    }

    package static let systemConfigPath = "/etc/kinerja/kinerjad.toml"
    package static let localStateDir = ".kinerja"
    package static let socketName = "kinerja.sock"

    /// The config file to read: `--config` when given (it must exist), else `$CONFIGURATION_DIRECTORY/kinerjad.toml`
    /// or `/etc/kinerja/kinerjad.toml`, whichever exists first; else none.
    package static func configPath(flags: Flags, environment: [String: String], fileExists: (String) -> Bool) -> String? {
        if let explicit = flags.config { return explicit }
        if let dir = firstPath(environment["CONFIGURATION_DIRECTORY"]) {
            let candidate = dir + "/kinerjad.toml"
            if fileExists(candidate) { return candidate }
        }
        return fileExists(systemConfigPath) ? systemConfigPath : nil
    }

    /// Resolves the settings. `file` is the parsed config file (nil when none was read).
    package static func resolve(
        flags: Flags, file: DaemonConfigFile?, environment: [String: String], currentDirectory: String
    ) -> DaemonSettings {
        func absolute(_ path: String) -> String {
            let p = path.hasPrefix("/") ? path : currentDirectory + "/" + path
            return URL(fileURLWithPath: p).standardizedFileURL.path
        }
        let stateDir =
            flags.stateDir ?? file?.stateDir ?? firstPath(environment["STATE_DIRECTORY"]) ?? localStateDir
        let socket =
            flags.socket ?? file?.socket
            ?? firstPath(environment["RUNTIME_DIRECTORY"]).map { $0 + "/" + socketName }
            ?? absolute(stateDir) + "/" + socketName
        return DaemonSettings(
            stateDir: absolute(stateDir),
            socketPath: absolute(socket),
            gatewaySocketPath: (flags.gatewaySocket ?? file?.gatewaySocket).map(absolute),
            logLevel: flags.logLevel ?? file?.logLevel ?? .info,
            configPath: file.map { absolute($0.path) },
            security: file?.security ?? SecurityConfig(),
            plugins: pluginSettings(file?.plugins ?? PluginConfigSection(), absolute: absolute),
            tpp: file?.tpp ?? TPPPolicy(),
            reminders: file?.reminders ?? ReminderSettings(),
            limits: file?.limits ?? ConnectionLimits(),
            accounts: file?.accounts ?? AccountSettings(),
            publicFeedback: file?.publicFeedback ?? PublicFeedbackSettings(), appraisal: file?.appraisal ?? AppraisalSettings(),
            metrics: file?.metrics ?? MetricsSettings())
    }

    static func pluginSettings(_ section: PluginConfigSection, absolute: (String) -> String) -> PluginSettings {
        var p = PluginSettings(directory: section.directory.map(absolute) ?? PluginSettings.defaultDirectory())
        p.hostExecutable = section.host.map(absolute) ?? PluginSettings.defaultHostExecutable()
        p.load = section.load
        p.allowInsecurePermissions = section.allowInsecurePermissions
        p.callTimeout = .milliseconds(section.callTimeoutMilliseconds)
        p.configs = section.configs
        return p
    }

    /// systemd passes several directories separated by ':'; Kinerja uses the first.
    static func firstPath(_ value: String?) -> String? {
        guard let value, !value.isEmpty else { return nil }
        return value.split(separator: ":").first.map(String.init)
    }
}
