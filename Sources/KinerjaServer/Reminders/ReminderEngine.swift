import Foundation
import GRDB
import KinerjaCore
import KinerjaPluginAPI
import KinerjaPluginHost
import KinerjaStore
import Logging

/// The rules in force and what firing one means: resolve the period, compute the audience, render the messages and
/// write them to the outbox in the same transaction that records the occurrence as handled.
struct ReminderEngine: Sendable {
    let state: DaemonState
    var store: Store { state.store }
    var clock: DaemonClock { state.clock }

    struct RuleSet: Sendable {
        var rules: [ReminderRule]
        /// Built-in rules switched off by an admin (still listed).
        var removed: [ReminderRule]
        var pluginError: String?
    }

    static func rule(_ r: Kinerja_Plugin_V1_ReminderRule, source: String) throws(ValidationError) -> ReminderRule {
        try ReminderRule(
            name: r.name, cron: r.cron, audience: r.audience, template: r.template, channels: r.channels.isEmpty ? ["log"] : r.channels,
            periodStates: r.periodStates, escalateAfterDays: Int(r.escalateAfterDays), catchUpHours: r.catchUpHours > 0 ? Int(r.catchUpHours) : 24,
            source: source)
    }

    /// National defaults, replaced or extended by the agency plugin's `ReminderCalendar`, then the admins' rules.
    func rules() async -> RuleSet {
        var builtIn: [String: ReminderRule] = [:]
        var order: [String] = []
        func put(_ r: ReminderRule, into map: inout [String: ReminderRule]) {
            if map[r.name] == nil { order.append(r.name) }
            map[r.name] = r
        }
        var pluginError: String?
        var national: [ReminderRule] = []
        for r in NationalPolicy.reminderCalendar.rules {
            if let rule = try? Self.rule(r, source: NationalPolicy.id) { national.append(rule) }
        }
        do {
            let answer = try await state.policy().reminderCalendar()
            if answer.handledBy == NationalPolicy.id {
                for r in national { put(r, into: &builtIn) }
            } else {
                if !answer.response.replaceDefaults { for r in national { put(r, into: &builtIn) } }
                for r in answer.response.rules {
                    do { put(try Self.rule(r, source: answer.handledBy), into: &builtIn) } catch {
                        pluginError = "plugin \(answer.handledBy) rule \(r.name) refused: \(error.description)"
                    }
                }
            }
        } catch {
            pluginError = "ReminderCalendar failed: \(error); the national rules stay in force"
            for r in national { put(r, into: &builtIn) }
        }
        var removed: [ReminderRule] = []
        let stored = (try? await store.read { db in try ReminderStore.storedRules(db) }) ?? []
        for s in stored {
            if s.removed {
                if let r = builtIn.removeValue(forKey: s.name) { removed.append(r) }
                continue
            }
            if let r = try? ReminderRule(
                name: s.name, cron: s.cron, audience: s.audience, template: s.template, channels: s.channels, periodStates: s.periodStates,
                escalateAfterDays: s.escalateAfterDays, catchUpHours: s.catchUpHours, source: "admin")
            {
                put(r, into: &builtIn)
            }
        }
        return RuleSet(rules: order.compactMap { builtIn[$0] }, removed: removed, pluginError: pluginError)
    }

    var zone: TimeZone {
        let id = (try? store.readNow { db in try OrganisationStore.agency(db).timeZone }) ?? "Asia/Jakarta"
        return TimeZone(identifier: id) ?? TimeZone(identifier: "Asia/Jakarta")!
    }

    /// Why a rule would not fire now (its period states), or nil.
    static func inactiveReason(_ rule: ReminderRule, _ context: ReminderContext) -> String? {
        guard !rule.periodStates.isEmpty else { return nil }
        guard let p = context.period else { return "no period for \(rule.audience.rawValue)" }
        return rule.periodStates.contains(p.state)
            ? nil : "period \(p.id) is \(p.state.rawValue), not \(rule.periodStates.map(\.rawValue).joined(separator: "/"))"
    }

    struct Outcome: Sendable {
        var occurrence: String
        var outcome: String
        var periodID: String
        var recipients: Int
        var messages: Int
        var note: String
        var seconds: Double
        /// False when another firing already handled this occurrence.
        var applied: Bool
    }

    /// Fires `rule` for `occurrence` in one write transaction. When `expectedLast` is given the firing applies only
    /// if the rule's stored last occurrence is still that (a second scheduler or a restart cannot fire twice), and the
    /// stored last occurrence becomes `occurrence`. Manual firings leave the schedule alone.
    func fire(_ rule: ReminderRule, occurrence: Date?, expectedLast: Date?, skippedNote: String = "") throws -> Outcome {
        let started = Date()
        let now = clock.now()
        let zone = self.zone
        let today = AgencyClock(zone: zone.identifier).date(of: now)
        let key = occurrence.map(UTCTime.format) ?? "manual:" + UTCTime.format(now)
        state.logger.info("reminder fan-out started", metadata: ["rule": "\(rule.name)", "occurrence": "\(key)"])
        var outcome = try store.writeNow { db -> Outcome in
            if let occurrence {
                let last = try ReminderStore.lastOccurrence(db, rule: rule.name)
                if last != expectedLast || (last.map { $0 >= occurrence } ?? false) {
                    return Outcome(
                        occurrence: key, outcome: "fired", periodID: "", recipients: 0, messages: 0, note: "already handled", seconds: 0, applied: false)
                }
            }
            let context = try ReminderStore.context(db, scope: rule.audience.periodScope, today: today)
            let periodID = context.period?.id.description ?? ""
            func finish(_ outcomeName: String, recipients: Int = 0, messages: Int = 0, note: String) throws -> Outcome {
                if let occurrence { try ReminderStore.setLastOccurrence(db, rule: rule.name, occurrence) }
                let fullNote = [note, skippedNote].filter { !$0.isEmpty }.joined(separator: "; ")
                try ReminderStore.addHistory(
                    db, rule: rule.name, occurrence: key, outcome: outcomeName, periodID: periodID,
                    recipients: recipients, messages: messages, note: fullNote, now: now)
                return Outcome(
                    occurrence: key, outcome: outcomeName, periodID: periodID, recipients: recipients, messages: messages, note: fullNote, seconds: 0,
                    applied: true)
            }
            if let reason = Self.inactiveReason(rule, context) {
                return try finish("inactive", note: reason)
            }
            guard let people = try ReminderStore.audience(db, rule.audience, context: context, today: today) else {
                return try finish("inactive", note: "no period for \(rule.audience.rawValue) on \(today)")
            }
            let messages = Self.messages(rule, people, context: context, today: today, zone: zone)
            var all = messages
            var note = ""
            if rule.escalateAfterDays > 0, !rule.audience.rawValue.hasPrefix("supervisors"), let deadline = context.deadline {
                let late = Self.daysBetween(deadline, today)
                if late >= rule.escalateAfterDays {
                    let supervisors = try ReminderStore.people(db, nips: Set(people.compactMap(\.supervisorNIP)))
                    let escalations = Self.escalations(rule, people, supervisors: supervisors, context: context, lateDays: late)
                    all += escalations
                    note = "\(escalations.count) escalations to supervisors (\(late) days past \(deadline))"
                }
            }
            let added = try ReminderStore.enqueue(db, rule: rule.name, occurrence: key, all, now: now)
            return try finish(occurrence == nil ? "manual" : "fired", recipients: people.count, messages: added, note: note)
        }
        outcome.seconds = Date().timeIntervalSince(started)
        if outcome.applied && outcome.outcome != "skipped" && outcome.outcome != "inactive" { state.metrics.reminderFired(rule: rule.name) }
        if outcome.applied {
            state.logger.notice(
                "reminder \(outcome.outcome)",
                metadata: [
                    "rule": "\(rule.name)", "occurrence": "\(key)", "recipients": "\(outcome.recipients)", "messages": "\(outcome.messages)",
                    "period": "\(outcome.periodID)", "seconds": "\(String(format: "%.3f", outcome.seconds))", "note": "\(outcome.note)",
                ])
        }
        return outcome
    }

    static func daysBetween(_ a: CivilDate, _ b: CivilDate) -> Int {
        let c = Calendar(identifier: .gregorian)
        let x = c.date(from: DateComponents(year: a.year, month: a.month, day: a.day))!
        let y = c.date(from: DateComponents(year: b.year, month: b.month, day: b.day))!
        return c.dateComponents([.day], from: x, to: y).day ?? 0
    }

    static func values(_ p: Recipient, context: ReminderContext, today: CivilDate) -> [String: String] {
        [
            "nama": p.name, "nip": p.nip, "unit": p.unitCode, "periode": context.period?.id.description ?? "",
            "batas": context.deadline.map(ReminderTemplate.indonesianDate) ?? "-", "jumlah": String(p.count),
            "tanggal": ReminderTemplate.indonesianDate(today),
        ]
    }

    static func subject(_ rule: ReminderRule, _ context: ReminderContext) -> String {
        let period = context.period.map { " periode \($0.id)" } ?? ""
        switch rule.audience {
        case .staffMissingRealisasi: return "Pengingat realisasi kinerja\(period)"
        case .staffWithoutApprovedSKP: return "Pengingat SKP\(period)"
        case .staffMissingActivityToday: return "Pengingat laporan kegiatan harian"
        case .supervisorsWithPendingSKP: return "Persetujuan SKP bawahan\(period)"
        case .supervisorsWithUnratedSubordinates: return "Penilaian kinerja bawahan\(period)"
        case .allActiveStaff: return "Informasi kinerja\(period)"
        }
    }

    static func messages(_ rule: ReminderRule, _ people: [Recipient], context: ReminderContext, today: CivilDate, zone: TimeZone) -> [OutboxMessage] {
        let subject = Self.subject(rule, context)
        var out: [OutboxMessage] = []
        out.reserveCapacity(people.count * rule.channels.count)
        for p in people {
            let body = ReminderTemplate.render(rule.template, values(p, context: context, today: today))
            for channel in rule.channels {
                // Mail goes only to those with an address.
                if channel == .sendmail && p.email.isEmpty { continue }
                out.append(OutboxMessage(recipient: p.nip, channel: channel, nip: p.nip, name: p.name, email: p.email, subject: subject, body: body))
            }
        }
        return out
    }

    static func escalations(
        _ rule: ReminderRule, _ people: [Recipient], supervisors: [String: Recipient], context: ReminderContext, lateDays: Int
    ) -> [OutboxMessage] {
        var out: [OutboxMessage] = []
        let periode = context.period?.id.description ?? ""
        let batas = context.deadline.map(ReminderTemplate.indonesianDate) ?? "-"
        for p in people {
            guard let s = p.supervisorNIP.flatMap({ supervisors[$0] }) else { continue }
            let body =
                "Yth. \(s.name), pegawai bawahan Anda \(p.name) (NIP \(p.nip)) belum menindaklanjuti pengingat \"\(rule.name)\" periode \(periode); batas \(batas) telah lewat \(lateDays) hari."
            for channel in rule.channels {
                if channel == .sendmail && s.email.isEmpty { continue }
                out.append(
                    OutboxMessage(
                        recipient: "eskalasi:\(s.nip):\(p.nip)", channel: channel, nip: s.nip, name: s.name, email: s.email,
                        subject: "Eskalasi: " + subject(rule, context), body: body))
            }
        }
        return out
    }

    /// Audience size and whether the rule would fire now (for `reminder next`).
    func preview(_ rule: ReminderRule) throws -> (size: Int, active: Bool, reason: String, period: String) {
        let now = clock.now()
        let today = AgencyClock(zone: zone.identifier).date(of: now)
        return try store.readNow { db in
            let context = try ReminderStore.context(db, scope: rule.audience.periodScope, today: today)
            if let reason = Self.inactiveReason(rule, context) { return (0, false, reason, context.period?.id.description ?? "") }
            guard let people = try ReminderStore.audience(db, rule.audience, context: context, today: today) else {
                return (0, false, "no period for \(rule.audience.rawValue)", "")
            }
            return (people.count, true, "", context.period?.id.description ?? "")
        }
    }
}
