import Foundation
import KinerjaCore
import Synchronization

/// The daemon's notion of "now" for schedules. Normally the system clock; tests of whole processes may start
/// it elsewhere and run it faster with `KINERJA_CLOCK_START` (RFC 3339) and `KINERJA_CLOCK_RATE` (simulated
/// seconds per real second), which `kinerjad` logs loudly when set.
package struct DaemonClock: Sendable {
    let origin: Date
    let realOrigin: Date
    package let rate: Double
    /// Set in tests that move time by hand (lockouts, expiries): `now()` is whatever it says.
    let manual: ManualTime?

    package static let system = DaemonClock(origin: nil, rate: 1)

    package init(origin: Date?, rate: Double) {
        let real = Date()
        self.realOrigin = real
        self.origin = origin ?? real
        self.rate = rate > 0 ? rate : 1
        self.manual = nil
    }

    /// A clock that stands still until `time` is advanced (tests).
    package init(manual time: ManualTime) {
        self.origin = time.now
        self.realOrigin = Date()
        self.rate = 1
        self.manual = time
    }

    package var isSystem: Bool { manual == nil && rate == 1 && origin == realOrigin }

    package func now() -> Date {
        if let manual { return manual.now }
        return origin.addingTimeInterval(Date().timeIntervalSince(realOrigin) * rate)
    }

    /// Sleeps for `seconds` of this clock's time.
    package func sleep(seconds: Double) async throws {
        let real = max(0, seconds / rate)
        try await Task.sleep(for: .milliseconds(Int64((real * 1000).rounded(.up))))
    }

    /// From the environment; nil values mean the system clock. Throws a message for bad values.
    package static func fromEnvironment(_ environment: [String: String]) throws -> DaemonClock {
        var origin: Date?
        if let start = environment["KINERJA_CLOCK_START"], !start.isEmpty {
            guard let d = try? Date(start, strategy: .iso8601) else {
                throw ClockError(message: "KINERJA_CLOCK_START '\(start)' is not an RFC 3339 time such as 2026-03-01T07:59:00+07:00")
            }
            origin = d
        }
        var rate = 1.0
        if let text = environment["KINERJA_CLOCK_RATE"], !text.isEmpty {
            guard let r = Double(text), r > 0, r <= 100_000 else {
                throw ClockError(message: "KINERJA_CLOCK_RATE '\(Quote.short(text))' must be a positive number")
            }
            rate = r
        }
        return DaemonClock(origin: origin, rate: rate)
    }

    package struct ClockError: Error, CustomStringConvertible {
        package var message: String
        package var description: String { message }
    }
}

/// A time that moves only when told to (tests).
package final class ManualTime: Sendable {
    private let value: Mutex<Date>
    package init(_ start: Date) { value = Mutex(start) }
    package var now: Date { value.withLock { $0 } }
    package func advance(by seconds: TimeInterval) { value.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
