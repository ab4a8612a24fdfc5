import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

struct PeriodCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "period", abstract: "Appraisal periods: create, list, show, advance, reopen, deadlines.",
        subcommands: [PeriodCreate.self, PeriodList.self, PeriodShow.self, PeriodAdvance.self, PeriodReopen.self, PeriodSetDeadline.self, PeriodExtend.self])
}

func periodJSON(_ p: Kinerja_V1_Period) -> [String: Any] {
    func deadline(_ d: Kinerja_V1_Deadline) -> Any {
        d.date.isEmpty ? JSONNull() : ["date": d.date, "until_utc": d.untilUtc, "local": d.local] as [String: Any]
    }
    return [
        "id": p.id, "kind": p.kind, "parent_id": p.parentID, "periodicity": p.periodicity, "state": p.state, "start_date": p.startDate,
        "end_date": p.endDate, "deadline": deadline(p.deadline), "skp_deadline": deadline(p.skpDeadline), "children": p.children,
        "skp_counts": p.skpCounts.reduce(into: [String: Int]()) { $0[$1.key] = Int($1.value) },
        "realisasi_filled": p.realisasiFilled, "realisasi_expected": p.realisasiExpected, "active_employees": p.activeEmployees,
        "time_zone": p.timeZone,
    ]
}

func printPeriods(_ periods: [Kinerja_V1_Period], _ global: GlobalOptions) {
    if global.output == .json {
        printJSON(periods.map(periodJSON))
        return
    }
    printTable(
        ["PERIOD", "KIND", "STATE", "START", "END", "DEADLINE"],
        periods.map { [$0.parentID.isEmpty ? $0.id : "  " + $0.id, $0.kind, $0.state, $0.startDate, $0.endDate, $0.deadline.local] })
}

struct PeriodCreate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create", abstract: "Create an annual period and its periodic children (admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The year, e.g. 2026.") var id: String
    @Option(help: "none, monthly, quarterly or semester.") var periodic: String = "none"

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PeriodService.Client(wrapping: client).createPeriod(
                .with {
                    $0.id = id
                    $0.periodic = periodic
                }, metadata: metadata, options: options)
        }
        printPeriods(r.periods, global)
    }
}

struct PeriodList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List periods.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PeriodService.Client(wrapping: client).listPeriods(.init(), metadata: metadata, options: options)
        }
        printPeriods(r.periods, global)
    }
}

func printPeriod(_ p: Kinerja_V1_Period, _ global: GlobalOptions) {
    if global.output == .json {
        printJSON(periodJSON(p))
        return
    }
    var fields: [(String, String)] = [
        ("period", p.id + (p.parentID.isEmpty ? "" : " (of \(p.parentID))")), ("kind", p.kind), ("state", p.state),
        ("dates", "\(p.startDate) … \(p.endDate)"), ("batas pengisian", p.deadline.local),
    ]
    if !p.skpDeadline.date.isEmpty { fields.append(("SKP deadline", p.skpDeadline.local)) }
    if !p.children.isEmpty { fields.append(("periodic", "\(p.periodicity): \(p.children.joined(separator: ", "))")) }
    fields.append(("active employees", "\(p.activeEmployees)"))
    if !p.skpCounts.isEmpty {
        fields.append(("SKP", ["approved", "submitted", "returned", "draft", "missing"].map { "\($0) \(p.skpCounts[$0] ?? 0)" }.joined(separator: ", ")))
    }
    if p.realisasiExpected > 0 { fields.append(("realisasi filled", "\(p.realisasiFilled) of \(p.realisasiExpected)")) }
    printFields(fields)
}

struct PeriodShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One period: state, dates, deadlines, counts.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Period id: 2026, 2026-03, 2026-Q1, 2026-S1.") var id: String

    func run() async throws {
        let p = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PeriodService.Client(wrapping: client).getPeriod(.with { $0.id = id }, metadata: metadata, options: options)
        }
        printPeriod(p, global)
    }
}

struct PeriodAdvance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "advance", abstract: "Move a period one state on: draft → planning → running → assessment → closed (admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Period id.") var id: String
    @Flag(help: "Skip the preconditions (audited; needs --reason).") var force = false
    @Option(help: "Why the preconditions are skipped.") var reason: String?

    func validate() throws {
        if force && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty { throw ValidationError("--force needs --reason TEXT") }
    }

    func run() async throws {
        let p = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PeriodService.Client(wrapping: client).advancePeriod(
                .with {
                    $0.id = id
                    $0.force = force
                    $0.reason = reason ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printJSON(periodJSON(p)) } else { print("\(p.id) is now \(p.state)") }
    }
}

struct PeriodReopen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reopen", abstract: "Take a closed period back to assessment (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Period id.") var id: String
    @Option(help: "Why (audited).") var reason: String

    func run() async throws {
        let p = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PeriodService.Client(wrapping: client).reopenPeriod(
                .with {
                    $0.id = id
                    $0.reason = reason
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printJSON(periodJSON(p)) } else { print("\(p.id) is now \(p.state)") }
    }
}

struct PeriodSetDeadline: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-deadline", abstract: "Override a period's deadlines (admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Period id.") var id: String
    @Option(help: "Filling deadline (batas pengisian), YYYY-MM-DD in the agency's zone.") var deadline: String?
    @Option(help: "Annual SKP deadline, YYYY-MM-DD.") var skpDeadline: String?

    func validate() throws {
        if deadline == nil && skpDeadline == nil { throw ValidationError("give --deadline and/or --skp-deadline") }
    }

    func run() async throws {
        let p = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PeriodService.Client(wrapping: client).setDeadline(
                .with {
                    $0.id = id
                    $0.deadline = deadline ?? ""
                    $0.skpDeadline = skpDeadline ?? ""
                }, metadata: metadata, options: options)
        }
        printPeriod(p, global)
    }
}

struct PeriodExtend: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extend", abstract: "Let one employee file for a period after its batas pengisian, until a later date (audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Period id, e.g. 2026-03.") var id: String
    @Option(help: "The employee's NIP.") var nip: String
    @Option(help: "The last day they may file (YYYY-MM-DD).") var until: String
    @Option(help: "Why (audited).") var reason: String

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PeriodService.Client(wrapping: client).extendDeadline(
                .with {
                    $0.periodID = id
                    $0.nip = nip
                    $0.until = until
                    $0.reason = reason
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["period_id": r.periodID, "nip": r.nip, "until": r.until, "reason": r.reason, "period_deadline": r.periodDeadline])
            return
        }
        print("\(r.nip) may file for \(r.periodID) until \(r.until) (the period's batas pengisian is \(r.periodDeadline))")
    }
}
