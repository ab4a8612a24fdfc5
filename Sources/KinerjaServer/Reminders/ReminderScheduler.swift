import Foundation
import KinerjaCore
import KinerjaStore
import Logging
import ServiceLifecycle

/// Fires reminder rules on their cron schedules in the agency's zone. Each rule's last handled occurrence is
/// stored; on start (and after a clock jump) the occurrences missed meanwhile are looked at: the most recent fires
/// once if it is within the rule's catch-up window, older ones are skipped and logged.
struct ReminderScheduler: Service {
    let state: DaemonState
    var engine: ReminderEngine { ReminderEngine(state: state) }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            var wait = 60.0
            if state.settings.reminders.schedulerEnabled {
                do {
                    wait = try await tick()
                } catch {
                    state.logger.error("reminder scheduler tick failed", metadata: ["error": "\(error)"])
                    wait = 5
                }
            }
            // Sleep until the next occurrence (at most a minute, so new rules and clock jumps are noticed).
            let seconds = max(0.05, min(60, wait))
            // Rule changes wake the scheduler early.
            let real = seconds / state.clock.rate
            await cancelWhenGracefulShutdown { await state.schedulerWake.wait(seconds: real) }
        }
    }

    /// One pass over every rule; returns the seconds until the next occurrence of any rule.
    func tick() async throws -> Double {
        let set = await engine.rules()
        let zone = engine.zone
        var soonest = 60.0
        for rule in set.rules {
            let now = state.clock.now()
            let last = try await state.store.read { db in try ReminderStore.lastOccurrence(db, rule: rule.name) }
            guard let last else {
                // A rule seen for the first time starts from now: nothing before it is "missed".
                try await state.store.write { db in try ReminderStore.setLastOccurrence(db, rule: rule.name, now) }
                if let n = rule.cron.next(after: now, in: zone) { soonest = min(soonest, n.timeIntervalSince(now)) }
                continue
            }
            if now > last {
                try await handle(rule, last: last, now: now, zone: zone)
            }
            let after = state.clock.now()
            if let n = rule.cron.next(after: after, in: zone) { soonest = min(soonest, n.timeIntervalSince(after)) }
        }
        return soonest
    }

    func handle(_ rule: ReminderRule, last: Date, now: Date, zone: TimeZone) async throws {
        // The window for missed occurrences; with 0 (no catch-up) only an occurrence due within the last two minutes
        // fires, which is the one the scheduler woke for.
        let window = max(Double(rule.catchUpHours) * 3600, 120)
        let windowStart = max(last, now.addingTimeInterval(-window))
        let recent = rule.cron.occurrences(after: windowStart, through: now, in: zone, limit: 100_000)
        let older = windowStart > last ? rule.cron.occurrences(after: last, through: windowStart, in: zone, limit: 10_000) : []
        let skipped = older.count + max(0, recent.count - 1)
        if let fire = recent.last {
            var note = ""
            if skipped > 0 {
                let oldest = (older.first ?? recent.first)!
                note = "\(skipped) older occurrence\(skipped == 1 ? "" : "s") skipped (from \(UTCTime.format(oldest)))"
                state.logger.warning(
                    "reminder occurrences missed while down were skipped",
                    metadata: [
                        "rule": "\(rule.name)", "skipped": "\(skipped)", "firing": "\(UTCTime.format(fire))",
                    ])
            }
            let engine = self.engine
            let skippedNote = note
            _ = try await Blocking.run { try engine.fire(rule, occurrence: fire, expectedLast: last, skippedNote: skippedNote) }
            state.deliveryWake.signal()
        } else if !older.isEmpty {
            // Everything missed is older than the catch-up window.
            let latest = older.last!
            state.logger.warning(
                "reminder occurrences older than the catch-up window were skipped",
                metadata: [
                    "rule": "\(rule.name)", "skipped": "\(older.count)", "window_hours": "\(rule.catchUpHours)",
                ])
            try await state.store.write { db in
                guard try ReminderStore.lastOccurrence(db, rule: rule.name) == last else { return }
                try ReminderStore.setLastOccurrence(db, rule: rule.name, latest)
                try ReminderStore.addHistory(
                    db, rule: rule.name, occurrence: UTCTime.format(latest), outcome: "skipped",
                    note:
                        "\(older.count) occurrence\(older.count == 1 ? "" : "s") older than the \(rule.catchUpHours) h catch-up window (from \(UTCTime.format(older.first!)))",
                    now: now)
            }
        }
    }
}
