import Foundation
import KinerjaCore
import KinerjaPluginHost
import KinerjaStore
import Logging
import Synchronization

/// The outcome of the last configuration reload, shown by `kinerjactl status`.
package struct ReloadOutcome: Sendable, Equatable {
    package var time: Date
    package var error: String?
}

/// Everything the RPC services share: the store, the settings in force, and the daemon's facts.
package final class DaemonState: Sendable {
    package let store: Store
    package let startedAt: Date
    /// `startedAt` as Status answers it (formatted once: Foundation's ISO 8601 formatting was 2% of a Status call).
    package let startedAtText: String
    package let socketActivated: Bool
    package let logLevel: LogLevelBox
    package let logger: Logger
    package let plugins: PluginRegistry
    /// "Now" for schedules (the system clock unless a test shifts it).
    package let clock: DaemonClock
    /// Wakes the outbox delivery worker after a fan-out or a retry request.
    let deliveryWake = WakeSignal()
    /// Wakes the reminder scheduler after a rule change or a reload.
    let schedulerWake = WakeSignal()
    let accounts = AccountCache()
    /// Audit rows for refused calls, bounded per caller.
    let deniedCalls: DeniedCallAudit
    let actors = ActorStanding()
    /// Anonymous (public) feedback submissions per link and per client address.
    let publicSubmissions = SubmissionLimiter()
    /// SERVING from the first call on (the database is open and migrated before the sockets listen), NOT_SERVING
    /// once the daemon begins to stop: what `grpc.health.v1.Health` answers.
    package let serving = ServingState()
    /// Counters, histograms and gauges, served by `[metrics] listen` when set.
    package let metrics = DaemonMetrics()
    private let flags: DaemonSettings.Flags
    private let current: Mutex<DaemonSettings>
    private let lastReloadBox = Mutex<ReloadOutcome?>(nil)
    private let reloadLock = Mutex<Void>(())

    package init(
        settings: DaemonSettings, flags: DaemonSettings.Flags, store: Store, socketActivated: Bool, logLevel: LogLevelBox, logger: Logger,
        clock: DaemonClock = .system
    ) {
        self.current = Mutex(settings)
        self.clock = clock
        self.deniedCalls = DeniedCallAudit(store: store, clock: clock)
        self.flags = flags
        self.store = store
        self.startedAt = Date()
        self.startedAtText = UTCTime.format(startedAt)
        self.socketActivated = socketActivated
        self.logLevel = logLevel
        self.logger = logger
        let zone = (try? store.readNow { db in try OrganisationStore.agency(db).timeZone }) ?? "Asia/Jakarta"
        self.plugins = PluginRegistry(settings: settings.plugins, timeZone: zone, logger: logger)
        let metrics = self.metrics
        plugins.observeCalls { plugin, hook, duration, failed in metrics.pluginCall(plugin: plugin, hook: hook, duration: duration, failed: failed) }
    }

    /// The agency's policy: its plugin's hooks first, the national rules for the rest.
    package func policy() throws -> Policy {
        let id = try store.readNow { db in try OrganisationStore.agency(db).pluginID }
        return Policy(registry: plugins, pluginID: id, tpp: settings.tpp)
    }

    package var settings: DaemonSettings { current.withLock { $0 } }
    package var lastReload: ReloadOutcome? { lastReloadBox.withLock { $0 } }
    var rolePolicy: RolePolicy { RolePolicy(security: settings.security) }

    /// How to name the config file in a message that tells someone to edit it.
    var configDescription: String { settings.configPath ?? DaemonSettings.systemConfigPath + " (not present; pass --config)" }

    /// Re-reads the configuration file. A file that fails validation leaves the settings in force as they
    /// were; the error is logged and kept for `status`. State dir and socket changes need a restart.
    @discardableResult
    package func reload() -> ReloadOutcome {
        reloadLock.withLock { _ in
            let old = settings
            let environment = ProcessInfo.processInfo.environment
            let path = DaemonSettings.configPath(flags: flags, environment: environment) { FileManager.default.fileExists(atPath: $0) }
            var outcome = ReloadOutcome(time: Date(), error: nil)
            do throws(ConfigError) {
                let file = try DaemonConfigFile.load(optionalPath: path)
                var next = DaemonSettings.resolve(
                    flags: flags, file: file, environment: environment, currentDirectory: FileManager.default.currentDirectoryPath)
                if next.stateDir != old.stateDir || (!socketActivated && next.socketPath != old.socketPath) {
                    logger.warning(
                        "state_dir and socket changes take effect at the next restart",
                        metadata: ["state_dir": "\(next.stateDir)", "socket": "\(next.socketPath)"])
                }
                next.stateDir = old.stateDir
                next.socketPath = old.socketPath
                current.withLock { $0 = next }
                logLevel.value = next.logLevel
                accounts.clear()
                plugins.apply(next.plugins)
                schedulerWake.signal()
                logger.notice("configuration reloaded", metadata: ["config": "\(next.configPath ?? "none")", "log_level": "\(next.logLevel)"])
            } catch {
                outcome.error = error.description
                logger.error("configuration reload refused; keeping the settings in force", metadata: ["error": "\(error.description)"])
            }
            lastReloadBox.withLock { $0 = outcome }
            return outcome
        }
    }
}
