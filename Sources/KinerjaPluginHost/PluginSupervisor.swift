import Foundation
import Logging
import Synchronization

/// Keeps one plugin's host process running: starts it, restarts it with backoff after it dies (a crash, an exit, or
/// a kill for an overrun deadline), and gives up (`failed`) after `faultLimit` deaths within `faultWindow`, until
/// `reset` (a reload). Calls that arrive while it restarts wait for it, within their own deadline.
final class PluginSupervisor: Sendable {
    static let faultLimit = 5
    static let faultWindow: Duration = .seconds(300)

    struct Launch: Sendable {
        var executable: String
        var path: String
        var config: [UInt8]
        var readOnly: [String]
        var loadTimeout: Duration
    }

    private struct State {
        var launch: Launch
        var connection: HostConnection?
        var faults: [ContinuousClock.Instant] = []
        /// Why the plugin was given up, while it is.
        var failed: String?
        var restarting = false
        var stopped = false
        var waiters: [UInt64: CheckedContinuation<HostConnection?, Never>] = [:]
        var nextWaiter: UInt64 = 0
    }

    let name: String
    private let state: Mutex<State>
    private let logger: Logger
    /// Told when the plugin is given up (the reason) or back in service (nil).
    private let failedChanged: @Sendable (String?) -> Void

    init(name: String, launch: Launch, logger: Logger, failedChanged: @escaping @Sendable (String?) -> Void) {
        self.name = name
        self.state = Mutex(State(launch: launch))
        self.logger = logger
        self.failedChanged = failedChanged
    }

    /// Starts the host and loads the plugin (blocking: at start and on reload).
    func start() throws(HostStartError) -> LoadedPlugin {
        let launch = state.withLock { $0.launch }
        let (connection, loaded) = try HostConnection.start(
            executable: launch.executable, path: launch.path, config: launch.config, readOnly: launch.readOnly, pluginName: name,
            timeout: launch.loadTimeout, logger: logger, onEnd: { [weak self] how, killed in self?.ended(how: how, killed: killed) })
        let stale = state.withLock { s -> HostConnection? in
            defer {
                s.connection = connection
                s.stopped = false
            }
            return s.connection
        }
        stale?.kill(because: "it was replaced")
        logger.info("plugin host started", metadata: ["plugin": "\(name)", "pid": "\(connection.pid)", "sandbox": "\(loaded.sandbox)"])
        return loaded
    }

    /// The configuration the next start uses (a reload's).
    func update(_ launch: Launch) { state.withLock { $0.launch = launch } }

    var pid: pid_t? { state.withLock { $0.connection?.pid } }

    enum CallOutcome: Sendable {
        case done(HostOutcome)
        /// The plugin is given up (why), or stopped.
        case unavailable(String)
    }

    func call(method: String, request: [UInt8], timeout: Duration) async -> CallOutcome {
        let start = ContinuousClock.now
        var connection: HostConnection?
        switch state.withLock({ s -> (HostConnection?, String?) in (s.connection, s.failed ?? (s.stopped ? "stopped" : nil)) }) {
        case (_, let reason?): return .unavailable(reason)
        case (let c?, nil) where !c.hasEnded: connection = c
        default: connection = await waitForRestart(timeout: timeout)
        }
        guard let connection else {
            let reason = state.withLock { $0.failed ?? ($0.stopped ? "stopped" : nil) }
            return reason.map { .unavailable($0) } ?? .done(.deadline)
        }
        let left = timeout - start.duration(to: .now)
        guard left > .zero else { return .done(.deadline) }
        return .done(await connection.call(method: method, request: request, timeout: left))
    }

    /// Waits for the restart in progress (or starts one); nil when it failed or `timeout` passed.
    private func waitForRestart(timeout: Duration) async -> HostConnection? {
        let needsStart = state.withLock { s -> Bool in
            guard !s.restarting, s.failed == nil, !s.stopped, s.connection?.hasEnded ?? true else { return false }
            s.restarting = true
            return true
        }
        if needsStart { DispatchQueue.global().async { [self] in restart(after: .zero) } }
        return await withCheckedContinuation { (continuation: CheckedContinuation<HostConnection?, Never>) in
            let (ready, ticket) = state.withLock { s -> (HostConnection??, UInt64) in
                if let c = s.connection, !c.hasEnded, !s.restarting { return (.some(c), 0) }
                if s.failed != nil || s.stopped { return (.some(nil), 0) }
                s.nextWaiter += 1
                s.waiters[s.nextWaiter] = continuation
                return (nil, s.nextWaiter)
            }
            if let ready {
                continuation.resume(returning: ready)
                return
            }
            // Callers stop waiting at their deadline; the restart goes on.
            let c = timeout.components
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(c.seconds) * 1_000_000_000 + Int(c.attoseconds / 1_000_000_000))) {
                [self] in
                // Only if it is still waiting.
                state.withLock { $0.waiters.removeValue(forKey: ticket) }?.resume(returning: nil)
            }
        }
    }

    /// The host process ended (reader thread).
    private func ended(how: String, killed: Bool) {
        let now = ContinuousClock.now
        let (stopped, faults) = state.withLock { s -> (Bool, Int) in
            if s.stopped { return (true, 0) }
            s.faults = s.faults.filter { now - $0 < Self.faultWindow } + [now]
            return (false, s.faults.count)
        }
        if stopped { return }
        logger.error(
            "plugin host ended; restarting it", metadata: ["plugin": "\(name)", "how": "\(how)", "faults_in_5_minutes": "\(faults)"])
        if faults >= Self.faultLimit {
            let reason = "the plugin host died \(faults) times within 5 minutes (last: \(how)); fix the plugin and reload"
            let waiters = state.withLock { s -> Dictionary<UInt64, CheckedContinuation<HostConnection?, Never>>.Values in
                s.failed = reason
                s.connection = nil
                defer { s.waiters = [:] }
                return s.waiters.values
            }
            logger.critical("plugin marked failed", metadata: ["plugin": "\(name)", "reason": "\(reason)"])
            failedChanged(reason)
            for w in waiters { w.resume(returning: nil) }
            return
        }
        let go = state.withLock { s -> Bool in
            guard !s.restarting else { return false }
            s.restarting = true
            return true
        }
        // Backoff: 100 ms, doubled per fault in the window, at most 5 s.
        let backoff = Duration.milliseconds(min(5000, 100 << (faults - 1)))
        if go { DispatchQueue.global().async { [self] in restart(after: backoff) } }
    }

    private func restart(after delay: Duration) {
        if delay > .zero {
            let c = delay.components
            usleep(UInt32(c.seconds) * 1_000_000 + UInt32(c.attoseconds / 1_000_000_000_000))
        }
        var connection: HostConnection?
        if state.withLock({ !$0.stopped && $0.failed == nil }) {
            do {
                _ = try start()
                connection = state.withLock { $0.connection }
            } catch {
                logger.error("plugin host did not restart", metadata: ["plugin": "\(name)", "error": "\(error)"])
            }
        }
        let waiters = state.withLock { s -> Dictionary<UInt64, CheckedContinuation<HostConnection?, Never>>.Values in
            s.restarting = false
            defer { s.waiters = [:] }
            return s.waiters.values
        }
        for w in waiters { w.resume(returning: connection) }
    }

    /// A reload: a failed plugin gets a fresh start (and a clean fault count).
    func reset() throws(HostStartError) -> LoadedPlugin? {
        let wasDown = state.withLock { s -> Bool in
            let down = s.failed != nil || s.stopped || (s.connection?.hasEnded ?? true)
            s.failed = nil
            s.faults = []
            return down
        }
        guard wasDown else { return nil }
        let loaded = try start()
        failedChanged(nil)
        return loaded
    }

    /// Stops the host (the plugin's shutdown runs there) and keeps it stopped.
    func stop(grace: Duration = .seconds(2)) {
        let connection = state.withLock { s -> HostConnection? in
            s.stopped = true
            return s.connection
        }
        connection?.stop(grace: grace)
        let waiters = state.withLock { s -> Dictionary<UInt64, CheckedContinuation<HostConnection?, Never>>.Values in
            defer { s.waiters = [:] }
            return s.waiters.values
        }
        for w in waiters { w.resume(returning: nil) }
    }
}
