import Foundation
import GRPCCore
import KinerjaCore
import KinerjaPluginHost
import KinerjaServerTransport
import KinerjaStore
import Logging
import ServiceLifecycle
import UnixSignals

/// `kinerjad`: resolves settings, takes the state directory's lock, opens the database, serves gRPC on the
/// Unix socket until SIGTERM/SIGINT, then closes everything in order and removes the socket file.
package enum Daemon {
    /// Exit codes (sysexits.h where one fits).
    package enum ExitCode: Int32 {
        case ok = 0
        case failure = 1
        case config = 78  // EX_CONFIG
    }

    package static func run(flags: DaemonSettings.Flags) async -> ExitCode {
        Memory.configureAllocator()
        let environment = ProcessInfo.processInfo.environment
        let fm = FileManager.default
        // Files the daemon creates are private; the socket is opened up to 0660 explicitly.
        umask(0o077)

        // 1. Settings: flags > config file > systemd environment > local defaults.
        let configPath = DaemonSettings.configPath(flags: flags, environment: environment) { fm.fileExists(atPath: $0) }
        let file: DaemonConfigFile?
        do throws(ConfigError) {
            file = try DaemonConfigFile.load(optionalPath: configPath)
        } catch {
            printError("kinerjad: configuration refused: \(error.description)")
            return .config
        }
        var resolved = DaemonSettings.resolve(flags: flags, file: file, environment: environment, currentDirectory: fm.currentDirectoryPath)
        // Socket activation: serve on the inherited socket, whatever the settings say.
        let activation = SocketActivation.fromEnvironment(environment)
        if let path = activation?.boundPath { resolved.socketPath = path }
        let gatewayActivation = SocketActivation.gateway(environment)
        if let path = gatewayActivation?.boundPath { resolved.gatewaySocketPath = path }
        let settings = resolved

        let levelBox = LogLevelBox(settings.logLevel)
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: levelBox) }
        let logger = Logger(label: "kinerjad")

        // 2. State directory and its lock.
        let lock: LockFile
        let store: Store
        do {
            try fm.createDirectory(atPath: settings.stateDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
            lock = try LockFile(path: settings.lockPath)
        } catch {
            printError("kinerjad: \(error)")
            return .failure
        }

        // 3. Database.
        do {
            store = try Store(path: settings.databasePath)
        } catch let error as NewerSchemaError {
            printError("kinerjad: \(error)")
            return .config
        } catch {
            printError("kinerjad: cannot open the database \(settings.databasePath): \(error)")
            return .failure
        }
        switch store.recovered {
        case .none: break
        case .cleared: logger.notice("cleared the staged rows of an SKP import that had not begun when the daemon stopped")
        case .finished(let period): logger.warning("finished applying an SKP import the daemon stopped in the middle of", metadata: ["period": "\(period)"])
        }

        // 4. Listening socket: handed over by systemd, or bound here.
        do {
            if activation == nil { try SocketFile.prepare(settings.socketPath) }
            if gatewayActivation == nil, let gateway = settings.gatewaySocketPath { try SocketFile.prepare(gateway) }
        } catch {
            printError("kinerjad: \(error)")
            try? store.close()
            return .failure
        }
        let clock: DaemonClock
        do {
            clock = try DaemonClock.fromEnvironment(environment)
        } catch {
            printError("kinerjad: \(error)")
            try? store.close()
            return .failure
        }
        if !clock.isSystem {
            logger.warning(
                "schedules run on a shifted clock (KINERJA_CLOCK_START/KINERJA_CLOCK_RATE; for tests only)",
                metadata: ["now": "\(UTCTime.format(clock.now()))", "rate": "\(clock.rate)"])
        }
        let state = DaemonState(
            settings: settings, flags: flags, store: store, socketActivated: activation != nil, logLevel: levelBox, logger: logger, clock: clock)
        let notifier = SystemdNotifier(environment: environment)
        state.plugins.apply(settings.plugins)

        // Bulk imports arrive as one message (100,000 employees are ~15 MB); gateways are held to less by the stream gate.
        let limits = settings.limits
        let rpcServices = RPCServices.all(state: state)
        /// The server on one listening socket; `listener` says which (the gateway socket serves gateway calls only).
        func makeServer(_ listener: Listener, activation: SocketActivation?, path: String) -> GRPCServer<UnixSocketServerTransport> {
            var config = UnixSocketServerTransport.Configuration()
            config.maxRequestMessageBytes = max(limits.maxMessageBytes, limits.gatewayMaxMessageBytes)
            config.maxConcurrentStreams = limits.maxConcurrentStreams
            config.idleTimeout = limits.idleTimeout
            config.prefaceTimeout = limits.prefaceTimeout
            config.logger = logger
            config.connectionThreadMethods = Set(MethodPolicy.short.map { "/" + $0.fullyQualifiedMethod })
            // Peer credentials are read once per connection; each stream is authorised on its headers, before its body.
            config.gate = { [state] fd in
                StreamGate.connection(fd: fd, listener: listener) { credentials, path in
                    Authorization.verdict(credentials, path: path, listener: listener, state: state)
                }
            }
            let address = activation.map { UnixSocketServerTransport.Address.descriptor(Int32($0.fileDescriptor)) } ?? .path(path)
            return GRPCServer(
                transport: UnixSocketServerTransport(address: address, configuration: config), services: rpcServices,
                interceptors: RPCServices.interceptors(state: state))
        }
        let server = makeServer(.main, activation: activation, path: settings.socketPath)
        var gatewayService: GRPCServerService?
        if let gatewayPath = settings.gatewaySocketPath {
            gatewayService = GRPCServerService(server: makeServer(.gateway, activation: gatewayActivation, path: gatewayPath), logger: logger) {
                if gatewayActivation == nil { chmod(gatewayPath, 0o660) }
                logger.notice("gateway socket ready", metadata: ["socket": "\(gatewayPath)", "socket_activated": "\(gatewayActivation != nil)"])
            }
        }

        let grpcService = GRPCServerService(server: server, logger: logger) {
            if activation == nil {
                chmod(settings.socketPath, 0o660)
            }
            let version = store.schemaVersion()
            logger.notice(
                "kinerjad \(Kinerja.version) ready",
                metadata: [
                    "socket": "\(settings.socketPath)", "socket_activated": "\(activation != nil)",
                    "state_dir": "\(settings.stateDir)", "schema_version": "\(version)",
                ])
            notifier.notify("READY=1\nSTATUS=serving on \(settings.socketPath), schema v\(version)")
        }
        var services: [any Service] = [
            grpcService, ReloadService(state: state, notifier: notifier), ReminderScheduler(state: state), DeliveryWorker(state: state),
        ]
        if let gatewayService { services.append(gatewayService) }
        if let interval = SystemdNotifier.watchdogInterval(environment: environment) {
            services.append(WatchdogService(state: state, notifier: notifier, interval: interval))
        }
        if let address = settings.metrics.listen { services.append(MetricsEndpoint(address: address, state: state)) }
        // Last: a graceful shutdown reaches it first, so health watchers hear NOT_SERVING while the server still answers.
        services.append(ServingStateService(serving: state.serving))
        let group = ServiceGroup(
            configuration: .init(
                services: services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))

        var exit = ExitCode.ok
        do {
            try await group.run()
        } catch {
            logger.error("kinerjad stopped on an error", metadata: ["error": "\(error)"])
            exit = .failure
        }
        notifier.notify("STOPPING=1\nSTATUS=stopping")
        state.plugins.shutdown()

        // 5. Orderly close: database (WAL checkpointed), socket file (unless systemd owns it), lock.
        do {
            try store.close()
        } catch {
            logger.error("closing the database failed", metadata: ["error": "\(error)"])
            exit = .failure
        }
        if activation == nil {
            unlink(settings.socketPath)
        }
        if gatewayActivation == nil, let gateway = settings.gatewaySocketPath { unlink(gateway) }
        withExtendedLifetime(lock) {}
        logger.notice("kinerjad stopped")
        return exit
    }

    static func printError(_ message: String) {
        FileHandle.standardError.write(Data((message + "\n").utf8))
    }
}

/// A listening socket passed by systemd (`LISTEN_PID` = our pid, `LISTEN_FDS` ≥ 1, from fd 3 on, named by
/// `LISTEN_FDNAMES`): the main socket is the first not named `gateway`.
package struct SocketActivation: Sendable, Equatable {
    package var fileDescriptor: Int32
    package var name: String?

    /// The name systemd gives the gateway socket (`FileDescriptorName=gateway` in kinerjad-gateway.socket).
    package static let gatewayName = "gateway"

    package static func fromEnvironment(_ environment: [String: String], pid: Int32 = getpid()) -> SocketActivation? {
        all(environment, pid: pid).first { $0.name != gatewayName }
    }

    /// The gateway socket systemd passed, if any.
    package static func gateway(_ environment: [String: String], pid: Int32 = getpid()) -> SocketActivation? {
        all(environment, pid: pid).first { $0.name == gatewayName }
    }

    static func all(_ environment: [String: String], pid: Int32) -> [SocketActivation] {
        guard let pidText = environment["LISTEN_PID"], Int32(pidText) == pid,
            let countText = environment["LISTEN_FDS"], let count = Int(countText), count >= 1, count < 64
        else { return [] }
        let names = environment["LISTEN_FDNAMES"]?.split(separator: ":", omittingEmptySubsequences: false).map(String.init) ?? []
        return (0..<count).map { i in SocketActivation(fileDescriptor: 3 + Int32(i), name: i < names.count ? names[i] : nil) }
    }

    /// The path the inherited socket is bound to (`getsockname`), for status and logs.
    package var boundPath: String? {
        var address = sockaddr_un()
        var length = socklen_t(MemoryLayout<sockaddr_un>.size)
        let rc = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fileDescriptor, $0, &length) }
        }
        guard rc == 0, address.sun_family == sa_family_t(AF_UNIX) else { return nil }
        let path = withUnsafeBytes(of: address.sun_path) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return path.isEmpty ? nil : path
    }
}

/// SIGHUP: `RELOADING=1` + `MONOTONIC_USEC`, re-read the config, then `READY=1`. The socket and
/// in-flight calls are untouched.
struct ReloadService: Service {
    let state: DaemonState
    let notifier: SystemdNotifier

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        for await _ in signals.cancelOnGracefulShutdown() {
            state.logger.notice("SIGHUP: reloading the configuration")
            notifier.notify("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
            let outcome = state.reload()
            let status = outcome.error == nil ? "configuration reloaded" : "reload refused: \(outcome.error!)"
            notifier.notify("READY=1\nSTATUS=\(status)")
        }
    }
}

/// `WATCHDOG=1` every half `WATCHDOG_USEC`, sent only after a database round trip succeeds (from a task on the pool the
/// calls run on), so a wedged database or pool makes systemd restart the daemon.
struct WatchdogService: Service {
    let state: DaemonState
    let notifier: SystemdNotifier
    let interval: Duration

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await state.store.read { _ in () }
                try state.store.ping()
                notifier.notify("WATCHDOG=1")
            } catch {
                state.logger.error("watchdog: the daemon did not answer", metadata: ["error": "\(error)"])
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval / 2) }
        }
    }
}
