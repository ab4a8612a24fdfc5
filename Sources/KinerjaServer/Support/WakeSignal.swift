import ServiceLifecycle
import Synchronization

/// A wake-up call between tasks: `signal()` never blocks; `wait(seconds:)` returns soon after a signal (one given
/// while nobody waited counts for the next wait), at the timeout, or when the task is cancelled. The waiter parks
/// on a continuation: an idle daemon does not wake up until there is something to do.
final class WakeSignal: Sendable {
    private struct State {
        /// A signal nobody has taken yet.
        var pending = false
        var waiter: (id: UInt64, continuation: CheckedContinuation<Void, Never>)?
        /// The last wait whose parking was cancelled before it parked.
        var cancelled: UInt64 = 0
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    init() {}

    func signal() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w.continuation
        }
        waiter?.resume()
    }

    func wait(seconds: Double) async {
        let id = state.withLock { s -> UInt64? in
            if s.pending {
                s.pending = false
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id, !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
        // A graceful shutdown (SIGTERM) ends the wait at once, so that shutdown starts within milliseconds.
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.park(id) }
                group.addTask { try? await Task.sleep(for: .milliseconds(Int64(max(0, seconds) * 1000))) }
                await group.next()
                group.cancelAll()
            }
        } onGracefulShutdown: {
            self.signal()
        }
    }

    /// Parks until a signal, or until the task is cancelled.
    private func park(_ id: UInt64) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resume = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                    if s.pending || s.cancelled == id {
                        s.pending = false
                        return [continuation]
                    }
                    // One waiter at a time; an earlier one (there should be none) wakes up early, which is allowed.
                    let earlier = s.waiter?.continuation
                    s.waiter = (id, continuation)
                    return earlier.map { [$0] } ?? []
                }
                resume.forEach { $0.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
                guard let w = s.waiter, w.id == id else {
                    s.cancelled = id
                    return nil
                }
                s.waiter = nil
                return w.continuation
            }
            waiter?.resume()
        }
    }
}
