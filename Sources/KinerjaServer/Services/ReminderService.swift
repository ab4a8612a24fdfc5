import Foundation
import GRDB
import GRPCCore
import KinerjaAPI
import KinerjaCore
import KinerjaPluginHost
import KinerjaStore
import SwiftProtobuf

/// `kinerja.v1.ReminderService`: rules, upcoming fire times, history, manual firing and the outbox.
struct ReminderService: Kinerja_V1_ReminderService.SimpleServiceProtocol {
    let state: DaemonState
    var store: Store { state.store }
    var engine: ReminderEngine { ReminderEngine(state: state) }

    static func message(_ r: ReminderRule, removed: Bool = false) -> Kinerja_V1_Rule {
        .with {
            $0.name = r.name
            $0.cron = r.cron.source
            $0.audience = r.audience.rawValue
            $0.template = r.template
            $0.channels = r.channels.map(\.rawValue)
            $0.periodStates = r.periodStates.map(\.rawValue)
            $0.escalateAfterDays = Int32(r.escalateAfterDays)
            $0.catchUpHours = Int32(r.catchUpHours)
            $0.source = r.source
            $0.removed = removed
        }
    }

    func listRules(request: Kinerja_V1_ListRulesRequest, context: ServerContext) async throws -> Kinerja_V1_ListRulesResponse {
        let set = await engine.rules()
        return .with {
            $0.rules = set.rules.map { Self.message($0) } + set.removed.map { Self.message($0, removed: true) }
            $0.pluginError = set.pluginError ?? ""
        }
    }

    func addRule(request: Kinerja_V1_Rule, context: ServerContext) async throws -> Kinerja_V1_Rule {
        let caller = try context.caller()
        let rule: ReminderRule
        do {
            rule = try ReminderRule(
                name: request.name, cron: request.cron, audience: request.audience, template: request.template,
                channels: request.channels.isEmpty ? ["log"] : request.channels, periodStates: request.periodStates,
                escalateAfterDays: Int(request.escalateAfterDays), catchUpHours: request.hasCatchUpHours ? Int(request.catchUpHours) : 24,
                source: "admin")
        } catch {
            throw RPCError(code: .invalidArgument, message: error.description)
        }
        if rule.channels.contains(where: { $0.rawValue == "webhook" }) && state.settings.reminders.webhookURL == nil {
            throw RPCError(
                code: .failedPrecondition,
                message: "rule \(rule.name) uses the webhook channel, but no webhook is configured ([reminders.webhook] url in the config file)")
        }
        let now = state.clock.now()
        try await store.write { db in
            try ReminderStore.saveRule(db, rule, now: now)
            // The new schedule starts now: earlier occurrences of a replaced rule are not "missed".
            try ReminderStore.setLastOccurrence(db, rule: rule.name, now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "AddReminderRule", target: rule.name,
                summary: "\(rule.cron.source) → \(rule.audience.rawValue) via \(rule.channels.map(\.rawValue).joined(separator: ","))")
        }
        state.schedulerWake.signal()
        return Self.message(rule)
    }

    func enableRule(request: Kinerja_V1_EnableRuleRequest, context: ServerContext) async throws -> Kinerja_V1_Rule {
        let caller = try context.caller()
        let set = await engine.rules()
        guard let rule = set.removed.first(where: { $0.name == request.name }) else {
            if set.rules.contains(where: { $0.name == request.name }) {
                throw RPCError(code: .failedPrecondition, message: "the rule \(request.name) is not switched off")
            }
            throw RPCError(code: .notFound, message: "no built-in reminder rule named '\(Quote.short(request.name))' (reminder list)")
        }
        let now = state.clock.now()
        try await store.write { db in
            try ReminderStore.enableBuiltIn(db, name: rule.name)
            // It starts again from now: occurrences while it was off are not "missed".
            try ReminderStore.setLastOccurrence(db, rule: rule.name, now)
            try Audit.record(db, actor: caller.auditActor, rpc: "EnableReminderRule", target: rule.name, summary: "built-in rule switched back on")
        }
        state.schedulerWake.signal()
        return Self.message(rule)
    }

    func removeRule(request: Kinerja_V1_RemoveRuleRequest, context: ServerContext) async throws -> Kinerja_V1_RemoveRuleResponse {
        let caller = try context.caller()
        let set = await engine.rules()
        guard let rule = set.rules.first(where: { $0.name == request.name }) else {
            if set.removed.contains(where: { $0.name == request.name }) {
                throw RPCError(code: .failedPrecondition, message: "the built-in rule \(request.name) is already switched off")
            }
            throw RPCError(code: .notFound, message: "no reminder rule named '\(Quote.short(request.name))' (reminder list)")
        }
        // An admin rule that overrides a built-in one: removing it brings the built-in back.
        let builtIn = rule.source != "admin"
        let now = state.clock.now()
        try await store.write { db in
            try ReminderStore.removeRule(db, name: rule.name, builtIn: builtIn, now: now)
            try Audit.record(
                db, actor: caller.auditActor, rpc: "RemoveReminderRule", target: rule.name, summary: builtIn ? "built-in rule switched off" : "removed")
        }
        state.schedulerWake.signal()
        return .with {
            $0.name = rule.name
            $0.builtIn = builtIn
        }
    }

    func next(request: Kinerja_V1_NextRequest, context: ServerContext) async throws -> Kinerja_V1_NextResponse {
        let limit = try RequestLimits.limit(request.limit, default: 10, maximum: 1_000)
        guard limit <= 1000 else { throw RPCError(code: .invalidArgument, message: "limit must be 1–1000") }
        let set = await engine.rules()
        let engine = self.engine
        let zone = engine.zone
        let now = state.clock.now()
        var upcoming: [(Date, ReminderRule)] = []
        for rule in set.rules {
            var cursor = now
            for _ in 0..<limit {
                guard let n = rule.cron.next(after: cursor, in: zone) else { break }
                upcoming.append((n, rule))
                cursor = n
            }
        }
        upcoming.sort { ($0.0, $0.1.name) < ($1.0, $1.1.name) }
        upcoming = Array(upcoming.prefix(limit))
        var previews: [String: (size: Int, active: Bool, reason: String, period: String)] = [:]
        for (_, rule) in upcoming where previews[rule.name] == nil {
            previews[rule.name] = try await Blocking.run { try engine.preview(rule) }
        }
        let local = Date.ISO8601FormatStyle(timeZoneSeparator: .colon, timeZone: zone)
        return .with {
            $0.timeZone = zone.identifier
            $0.now = now.formatted(local)
            $0.upcoming = upcoming.map { (date, rule) in
                let p = previews[rule.name]!
                return .with {
                    $0.rule = rule.name
                    $0.fireAt = date.formatted(local)
                    $0.fireAtUtc = UTCTime.format(date)
                    $0.audience = rule.audience.rawValue
                    $0.audienceSize = Int32(p.size)
                    $0.active = p.active
                    $0.inactiveReason = p.reason
                    $0.periodID = p.period
                }
            }
        }
    }

    func history(request: Kinerja_V1_HistoryRequest, context: ServerContext) async throws -> Kinerja_V1_HistoryResponse {
        let limit = try RequestLimits.limit(request.limit, default: 50)
        let entries = try await store.read { db in try ReminderStore.history(db, rule: request.rule.isEmpty ? nil : request.rule, limit: limit) }
        return .with {
            $0.entries = entries.map { e in
                .with {
                    $0.rule = e.rule
                    $0.occurrence = e.occurrence
                    $0.handledAt = e.handledAt
                    $0.outcome = e.outcome
                    $0.periodID = e.periodID
                    $0.recipients = Int32(e.recipients)
                    $0.messages = Int32(e.messages)
                    $0.note = e.note
                }
            }
        }
    }

    func fire(request: Kinerja_V1_FireRequest, context: ServerContext) async throws -> Kinerja_V1_FireResponse {
        let caller = try context.caller()
        let set = await engine.rules()
        guard let rule = set.rules.first(where: { $0.name == request.name }) else {
            if set.removed.contains(where: { $0.name == request.name }) {
                throw RPCError(
                    code: .failedPrecondition,
                    message: "the built-in rule \(request.name) is switched off (reminder enable \(request.name) switches it back on)")
            }
            throw RPCError(code: .notFound, message: "no reminder rule named '\(Quote.short(request.name))' (reminder list)")
        }
        let engine = self.engine
        let outcome = try await Blocking.run { try engine.fire(rule, occurrence: nil, expectedLast: nil) }
        try await store.write { db in
            try Audit.record(db, actor: caller.auditActor, rpc: "FireReminder", target: rule.name, summary: "\(outcome.messages) messages (\(outcome.outcome))")
        }
        state.deliveryWake.signal()
        return .with {
            $0.rule = rule.name
            $0.occurrence = outcome.occurrence
            $0.recipients = Int32(outcome.recipients)
            $0.messages = Int32(outcome.messages)
            $0.periodID = outcome.periodID
            $0.seconds = outcome.seconds
            $0.note = outcome.outcome == "inactive" ? "not fired: \(outcome.note)" : outcome.note
        }
    }

    static let statuses = ["pending", "sent", "failed", "dead"]

    func listOutbox(request: Kinerja_V1_ListOutboxRequest, context: ServerContext) async throws -> Kinerja_V1_ListOutboxResponse {
        let status = request.status.trimmedBlanks.asciiLowercased
        guard status.isEmpty || Self.statuses.contains(status) else {
            throw RPCError(code: .invalidArgument, message: "status must be one of pending, sent, failed, dead")
        }
        let limit = try RequestLimits.limit(request.limit, default: 100)
        let (rows, counts) = try await store.read { db in
            (try ReminderStore.list(db, status: status.isEmpty ? nil : status, limit: limit), try ReminderStore.counts(db))
        }
        return .with {
            $0.counts = counts.mapValues(Int64.init)
            $0.messages = rows.map { r in
                .with {
                    $0.id = r.id
                    $0.rule = r.rule
                    $0.occurrence = r.occurrence
                    $0.recipient = r.recipient
                    $0.channel = r.channel
                    $0.nip = r.nip
                    $0.name = r.name
                    $0.email = r.email
                    $0.subject = r.subject
                    $0.body = r.body
                    $0.status = r.status
                    $0.attempts = Int32(r.attempts)
                    $0.nextAttemptAt = r.nextAttemptAt
                    $0.lastError = r.lastError
                    $0.createdAt = r.createdAt
                    $0.sentAt = r.sentAt ?? ""
                }
            }
        }
    }

    func retryOutbox(request: Kinerja_V1_RetryOutboxRequest, context: ServerContext) async throws -> Kinerja_V1_RetryOutboxResponse {
        let caller = try context.caller()
        guard request.allDead != (request.id != 0) else {
            throw RPCError(code: .invalidArgument, message: "give one outbox ID or all_dead")
        }
        let now = state.clock.now()
        let queued = try await store.write { db -> Int in
            let n: Int
            if request.allDead {
                n = try ReminderStore.requeueDead(db, now: now)
            } else {
                guard let status = try ReminderStore.status(db, id: request.id) else {
                    throw RPCError(code: .notFound, message: "no outbox message \(request.id)")
                }
                guard status == "dead" || status == "failed" else {
                    throw RPCError(code: .failedPrecondition, message: "outbox message \(request.id) is \(status); only failed or dead messages are retried")
                }
                n = try ReminderStore.requeue(db, id: request.id, now: now)
            }
            try Audit.record(
                db, actor: caller.auditActor, rpc: "RetryOutbox", target: request.allDead ? "all dead" : String(request.id), summary: "\(n) queued")
            return n
        }
        state.deliveryWake.signal()
        return .with { $0.queued = Int32(queued) }
    }
}
