import ServiceLifecycle
import Synchronization

/// Whether the daemon serves, and everyone waiting to hear when that changes (health Watch streams).
package final class ServingState: Sendable {
    private struct State {
        var serving = true
        var next = 0
        var watchers: [Int: AsyncStream<Bool>.Continuation] = [:]
    }

    private let state = Mutex(State())

    package init() {}

    package var serving: Bool { state.withLock { $0.serving } }

    /// Sets the status and tells every watcher; a watcher told NOT_SERVING hears nothing more.
    package func set(_ serving: Bool) {
        let watchers = state.withLock { s -> [AsyncStream<Bool>.Continuation] in
            guard s.serving != serving else { return [] }
            s.serving = serving
            let all = Array(s.watchers.values)
            if !serving { s.watchers.removeAll() }
            return all
        }
        for w in watchers {
            w.yield(serving)
            if !serving { w.finish() }
        }
    }

    /// The status now, then each change, until the daemon stops serving (or the consumer goes away).
    package func updates() -> AsyncStream<Bool> {
        let (stream, continuation) = AsyncStream<Bool>.makeStream(bufferingPolicy: .bufferingNewest(4))
        let id = state.withLock { s -> Int? in
            continuation.yield(s.serving)
            guard s.serving else { return nil }
            s.next += 1
            s.watchers[s.next] = continuation
            return s.next
        }
        if let id {
            continuation.onTermination = { [weak self] _ in self?.state.withLock { _ = $0.watchers.removeValue(forKey: id) } }
        } else {
            continuation.finish()
        }
        return stream
    }
}

/// Turns the daemon NOT_SERVING as soon as a graceful shutdown begins (it is last in the service group, so it hears
/// the signal first, while the gRPC server still answers).
struct ServingStateService: Service {
    let serving: ServingState

    func run() async throws {
        try? await gracefulShutdown()
        serving.set(false)
    }
}
