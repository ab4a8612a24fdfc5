import Foundation
import KinerjaPluginAPI
import Logging
import SwiftProtobuf
import Synchronization

/// The plugins of this daemon: each runs in its own host process (`kinerjad plugin-host`), supervised here:
/// loading (with the refusals), reloading, and calls with a deadline. A plugin that crashes, exits or spins takes
/// only its host process down; the call ends with an error naming the plugin, and the host is restarted.
package final class PluginRegistry: Sendable {
    /// Told of every hook call that reached a plugin's host: plugin id, hook, time taken, whether it failed.
    package typealias CallObserver = @Sendable (_ plugin: String, _ hook: String, _ duration: Duration, _ failed: Bool) -> Void
    let observer = Mutex<CallObserver?>(nil)

    /// Sets the call observer (the daemon's metrics).
    package func observeCalls(_ observer: @escaping CallObserver) { self.observer.withLock { $0 = observer } }

    struct Entry {
        var info: PluginInfo
        var supervisor: PluginSupervisor
    }

    struct State {
        var settings: PluginSettings
        var entries: [String: Entry] = [:]  // by id
        var idsByPath: [String: String] = [:]
        var refused: [PluginInfo] = []  // files that could not be loaded, by path
    }

    let state: Mutex<State>
    let logger: Logger
    let timeZone: String

    package init(settings: PluginSettings, timeZone: String = "Asia/Jakarta", logger: Logger) {
        self.state = Mutex(State(settings: settings))
        self.logger = logger
        self.timeZone = timeZone
    }

    /// Every plugin the daemon tried to load: loaded, refused (with the reason), failed, disabled.
    package var plugins: [PluginInfo] {
        state.withLock { s in (s.entries.values.map(\.info) + s.refused).sorted { ($0.id, $0.path) < ($1.id, $1.path) } }
    }

    package func info(_ id: String) -> PluginInfo? { state.withLock { $0.entries[id]?.info } }

    package var settings: PluginSettings { state.withLock { $0.settings } }

    /// The host process of a plugin, while it runs.
    package func hostPID(_ id: String) -> pid_t? { state.withLock { $0.entries[id]?.supervisor }?.pid }

    func outOfService(_ id: String, reason: String?) {
        state.withLock { s in
            guard s.entries[id]?.info.status != .disabled else { return }
            s.entries[id]?.info.status = reason == nil ? .loaded : .failed
            s.entries[id]?.info.error = reason ?? ""
        }
    }

    /// Stops every plugin host (each calls its plugin's shutdown first), once, when the daemon stops.
    package func shutdown() {
        let supervisors = state.withLock { $0.entries.values.map(\.supervisor) }
        DispatchQueue.concurrentPerform(iterations: supervisors.count) { supervisors[$0].stop() }
    }
}
