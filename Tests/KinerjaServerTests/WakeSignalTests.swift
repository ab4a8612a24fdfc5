import Foundation
import Testing

@testable import KinerjaServer

/// Only lower bounds on time are asserted (a loaded machine makes waits longer, never shorter); a wait that should
/// end early waits an hour instead, with a watchdog that records a hang. (Under the whole suite the end-to-end tests
/// keep the test runner's cooperative threads busy, so even these tasks may wait a minute or two to run.)
@Suite struct WakeSignalTests {
    /// Whether `body` finished before the watchdog (`seconds`) did.
    func finishes(within seconds: Double, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    func elapsed(_ body: () async -> Void) async -> Duration {
        let start = ContinuousClock.now
        await body()
        return ContinuousClock.now - start
    }

    @Test func aSignalGivenBeforeTheWaitCountsOnce() async {
        let wake = WakeSignal()
        wake.signal()
        wake.signal()
        #expect(await finishes(within: 600) { await wake.wait(seconds: 3600) })
        // Both signals were one: the next wait runs to its timeout.
        #expect(await elapsed { await wake.wait(seconds: 0.3) } >= .milliseconds(290))
    }

    @Test func aSignalDuringTheWaitEndsIt() async {
        let wake = WakeSignal()
        let signaller = Task {
            try? await Task.sleep(for: .milliseconds(200))
            wake.signal()
        }
        #expect(await finishes(within: 600) { await wake.wait(seconds: 3600) })
        await signaller.value
    }

    @Test func cancellationEndsTheWait() async {
        let wake = WakeSignal()
        let waiter = Task { await wake.wait(seconds: 3600) }
        try? await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        #expect(await finishes(within: 600) { await waiter.value })
        // The signal still works after a cancelled wait.
        wake.signal()
        #expect(await finishes(within: 600) { await wake.wait(seconds: 3600) })
    }

    @Test func manyRoundsDoNotLoseSignals() async {
        let wake = WakeSignal()
        let rounds = await finishes(within: 600) {
            for _ in 0..<50 {
                let t = Task { wake.signal() }
                await wake.wait(seconds: 3600)
                await t.value
            }
        }
        #expect(rounds)
        // Every signal was taken by the wait it woke: none is left over.
        #expect(await elapsed { await wake.wait(seconds: 0.2) } >= .milliseconds(190))
    }
}
