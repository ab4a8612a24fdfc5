import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaClientTransport
import SwiftProtobuf

struct ReminderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reminder", abstract: "Reminder rules: list, add, remove, next fire times, history, fire now.",
        subcommands: [
            ReminderList.self, ReminderAdd.self, ReminderRemove.self, ReminderEnable.self, ReminderNext.self, ReminderHistory.self, ReminderFire.self,
        ])
}

func reminderClient<R: Sendable>(
    _ global: GlobalOptions,
    _ body: @escaping @Sendable (Kinerja_V1_ReminderService.Client<UnixSocketClientTransport>, CallOptions, Metadata) async throws -> R
) async throws -> R {
    try await withDaemon(global) { client, options, metadata in
        try await body(Kinerja_V1_ReminderService.Client(wrapping: client), options, metadata)
    }
}

struct ReminderList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "The rules in force (national, plugin, admin) and switched-off built-ins.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in try await c.listRules(.init(), metadata: m, options: o) }
        if global.output == .json {
            printJSON(
                [
                    "rules": r.rules.map {
                        [
                            "name": $0.name, "cron": $0.cron, "audience": $0.audience, "template": $0.template, "channels": $0.channels,
                            "period_states": $0.periodStates, "escalate_after_days": $0.escalateAfterDays, "catch_up_hours": $0.catchUpHours,
                            "source": $0.source, "removed": $0.removed,
                        ] as [String: Any]
                    },
                    "plugin_error": r.pluginError,
                ] as [String: Any])
            return
        }
        printTable(
            ["NAME", "CRON", "AUDIENCE", "CHANNELS", "STATES", "SOURCE"],
            r.rules.map {
                [
                    $0.name, $0.cron, $0.audience, $0.channels.joined(separator: ","), $0.periodStates.isEmpty ? "any" : $0.periodStates.joined(separator: ","),
                    $0.removed ? "\($0.source) (removed)" : $0.source,
                ]
            })
        if !r.pluginError.isEmpty { FileHandle.standardError.write(Data("warning: \(r.pluginError)\n".utf8)) }
    }
}

struct ReminderAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Add or replace a rule (admin, audited); a built-in name is overridden.",
        discussion: """
            Audiences: all_active_staff, staff_without_approved_skp, staff_missing_realisasi, staff_missing_activity_today, \
            supervisors_with_pending_skp, supervisors_with_unrated_subordinates. Placeholders: {nama} {nip} {unit} {periode} \
            {batas} {jumlah} {tanggal}.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Rule name (letters, digits, '-', '_').") var name: String
    @Option(help: "Five-field cron in the agency's zone, or @daily/@weekly/….") var cron: String
    @Option(help: "Who receives it.") var audience: String
    @Option(help: "Message text with placeholders.") var template: String
    @Option(name: .customLong("channel"), help: "webhook, sendmail or log (repeatable; default log).") var channels: [String] = []
    @Option(name: .customLong("state"), help: "Period state in which it fires (repeatable; default any).") var states: [String] = []
    @Option(help: "Notify the supervisor when still owed this many days after the deadline.") var escalateAfter: Int32 = 0
    @Option(help: "Missed occurrences younger than this many hours fire once after downtime (default 24; 0: no catch-up).") var catchUpHours: Int32?

    func run() async throws {
        let rule = Kinerja_V1_Rule.with {
            $0.name = name
            $0.cron = cron
            $0.audience = audience
            $0.template = template
            $0.channels = channels
            $0.periodStates = states
            $0.escalateAfterDays = escalateAfter
            if let catchUpHours { $0.catchUpHours = catchUpHours }
        }
        let r = try await reminderClient(global) { c, o, m in try await c.addRule(rule, metadata: m, options: o) }
        if global.output == .json {
            printJSON(["name": r.name, "cron": r.cron, "audience": r.audience, "source": r.source])
        } else {
            print("rule \(r.name) saved: \(r.cron) → \(r.audience)")
        }
    }
}

struct ReminderRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "remove", abstract: "Remove an admin rule, or switch a built-in one off (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Rule name.") var name: String

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in try await c.removeRule(.with { $0.name = name }, metadata: m, options: o) }
        if global.output == .json {
            printJSON(["name": r.name, "built_in": r.builtIn])
        } else {
            print(r.builtIn ? "built-in rule \(r.name) switched off" : "rule \(r.name) removed")
        }
    }
}

struct ReminderEnable: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "enable", abstract: "Switch a built-in rule that was switched off back on (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Rule name.") var name: String

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in try await c.enableRule(.with { $0.name = name }, metadata: m, options: o) }
        if global.output == .json { printJSON(["name": r.name, "source": r.source]) } else { print("built-in rule \(r.name) switched on again") }
    }
}

struct ReminderNext: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "next", abstract: "Upcoming fire times in the agency's zone, with the audience size now.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "How many.") var limit: Int32 = 10

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in try await c.next(.with { $0.limit = limit }, metadata: m, options: o) }
        if global.output == .json {
            printJSON(
                [
                    "time_zone": r.timeZone, "now": r.now,
                    "upcoming": r.upcoming.map {
                        [
                            "rule": $0.rule, "fire_at": $0.fireAt, "fire_at_utc": $0.fireAtUtc, "audience": $0.audience, "audience_size": $0.audienceSize,
                            "active": $0.active, "inactive_reason": $0.inactiveReason, "period": $0.periodID,
                        ] as [String: Any]
                    },
                ] as [String: Any])
            return
        }
        print("now \(r.now) (\(r.timeZone))")
        printTable(
            ["FIRES AT", "RULE", "AUDIENCE", "SIZE NOW", "PERIOD", "NOTE"],
            r.upcoming.map {
                [$0.fireAt, $0.rule, $0.audience, "\($0.audienceSize)", $0.periodID, $0.active ? "" : "inactive: \($0.inactiveReason)"]
            })
    }
}

struct ReminderHistory: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "history", abstract: "What happened at past occurrences, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this rule.") var rule: String = ""
    @Option(help: "How many.") var limit: Int32 = 50

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in
            try await c.history(
                .with {
                    $0.rule = rule
                    $0.limit = limit
                }, metadata: m, options: o)
        }
        if global.output == .json {
            printJSON(
                r.entries.map {
                    [
                        "rule": $0.rule, "occurrence": $0.occurrence, "handled_at": $0.handledAt, "outcome": $0.outcome, "period": $0.periodID,
                        "recipients": $0.recipients, "messages": $0.messages, "note": $0.note,
                    ] as [String: Any]
                })
            return
        }
        printTable(
            ["OCCURRENCE", "RULE", "OUTCOME", "PERIOD", "RECIPIENTS", "MESSAGES", "NOTE"],
            r.entries.map {
                [$0.occurrence, $0.rule, $0.outcome, $0.periodID, "\($0.recipients)", "\($0.messages)", $0.note]
            })
    }
}

struct ReminderFire: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fire", abstract: "Fan a rule out now, outside its schedule (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Rule name.") var name: String

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in try await c.fire(.with { $0.name = name }, metadata: m, options: o) }
        if global.output == .json {
            printJSON(
                [
                    "rule": r.rule, "occurrence": r.occurrence, "recipients": r.recipients, "messages": r.messages, "period": r.periodID,
                    "seconds": r.seconds, "note": r.note,
                ] as [String: Any])
        } else {
            print(
                "\(r.rule): \(r.messages) messages to \(r.recipients) recipients\(r.periodID.isEmpty ? "" : " (period \(r.periodID))") in \(String(format: "%.2f", r.seconds)) s\(r.note.isEmpty ? "" : "; \(r.note)")"
            )
        }
    }
}

struct OutboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "outbox", abstract: "Reminder messages waiting, sent, failed or dead.", subcommands: [OutboxList.self, OutboxRetry.self])
}

struct OutboxList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Outbox messages, newest first, with totals per status.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "pending, sent, failed or dead.") var status: String = ""
    @Option(help: "How many.") var limit: Int32 = 100

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in
            try await c.listOutbox(
                .with {
                    $0.status = status
                    $0.limit = limit
                }, metadata: m, options: o)
        }
        if global.output == .json {
            printJSON(
                [
                    "counts": r.counts,
                    "messages": r.messages.map {
                        [
                            "id": $0.id, "rule": $0.rule, "occurrence": $0.occurrence, "recipient": $0.recipient, "channel": $0.channel, "nip": $0.nip,
                            "name": $0.name, "email": $0.email, "subject": $0.subject, "body": $0.body, "status": $0.status, "attempts": $0.attempts,
                            "next_attempt_at": $0.nextAttemptAt, "last_error": $0.lastError, "created_at": $0.createdAt, "sent_at": $0.sentAt,
                        ] as [String: Any]
                    },
                ] as [String: Any])
            return
        }
        printTable(
            ["ID", "RULE", "CHANNEL", "TO", "STATUS", "ATTEMPTS", "ERROR"],
            r.messages.map {
                ["\($0.id)", $0.rule, $0.channel, "\($0.nip) \($0.name)", $0.status, "\($0.attempts)", $0.lastError]
            })
        print(["pending", "sent", "failed", "dead"].map { "\($0) \(r.counts[$0] ?? 0)" }.joined(separator: ", "))
    }
}

struct OutboxRetry: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "retry", abstract: "Queue a failed or dead message again, or every dead one (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Outbox ID.") var id: Int64?
    @Flag(help: "Every dead message.") var allDead = false

    func validate() throws {
        if (id == nil) == !allDead { throw ValidationError("give one outbox ID or --all-dead") }
    }

    func run() async throws {
        let r = try await reminderClient(global) { c, o, m in
            try await c.retryOutbox(
                .with {
                    $0.id = id ?? 0
                    $0.allDead = allDead
                }, metadata: m, options: o)
        }
        if global.output == .json { printJSON(["queued": r.queued]) } else { print("\(r.queued) queued") }
    }
}
