import Foundation
import Testing

@testable import KinerjaServer

@Suite struct WakeSignalTests {
    func elapsed(_ body: () async -> Void) async -> Duration {
        let start = ContinuousClock.now
        await body()
        return ContinuousClock.now - start
    }

    @Test func aSignalGivenBeforeTheWaitCountsOnce() async {
        let wake = WakeSignal()
        wake.signal()
        wake.signal()
        #expect(await elapsed { await wake.wait(seconds: 5) } < .seconds(1))
        // Both signals were one: the next wait runs to its timeout.
        let t = await elapsed { await wake.wait(seconds: 0.3) }
        #expect(t >= .milliseconds(250) && t < .seconds(3))
    }

    @Test func aSignalDuringTheWaitEndsItEarly() async {
        let wake = WakeSignal()
        let signaller = Task {
            try? await Task.sleep(for: .milliseconds(200))
            wake.signal()
        }
        let t = await elapsed { await wake.wait(seconds: 20) }
        #expect(t >= .milliseconds(150) && t < .seconds(5))
        await signaller.value
    }

    @Test func cancellationEndsTheWait() async {
        let wake = WakeSignal()
        let waiter = Task { await elapsed { await wake.wait(seconds: 20) } }
        try? await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        #expect(await waiter.value < .seconds(5))
        // The signal machinery still works after a cancelled wait.
        wake.signal()
        #expect(await elapsed { await wake.wait(seconds: 20) } < .seconds(1))
    }

    @Test func manyRoundsDoNotLoseSignals() async {
        let wake = WakeSignal()
        for _ in 0..<200 {
            let t = Task { wake.signal() }
            await wake.wait(seconds: 10)
            await t.value
        }
        // Every signal was consumed by the wait it woke: nothing is pending now.
        let t = await elapsed { await wake.wait(seconds: 0.2) }
        #expect(t >= .milliseconds(150))
    }
}
