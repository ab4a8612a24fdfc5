import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

struct ActingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "acting", abstract: "Acting officials: PLT (Pelaksana Tugas) and PLH (Pelaksana Harian) over a unit.",
        subcommands: [ActingAdd.self, ActingList.self, ActingEnd.self])
}

func actingJSON(_ a: Kinerja_V1_ActingAssignment) -> [String: Any] {
    [
        "id": a.id, "unit_code": a.unitCode, "unit_name": a.unitName, "nip": a.nip, "name": a.name, "kind": a.kind, "from": a.from, "to": a.to,
        "reason": a.reason, "created_by": a.createdBy, "ended_by": a.endedBy, "ended_at": a.endedAt, "head_nip": a.headNip, "current": a.current,
    ]
}

func actingLine(_ a: Kinerja_V1_ActingAssignment) -> String {
    "#\(a.id) \(a.kind.uppercased()) \(a.unitCode) \(a.from) to \(a.to): \(a.nip) \(a.name)"
        + (a.headNip.isEmpty ? " (post vacant)" : " for head \(a.headNip)") + (a.current ? " [now]" : "")
        + (a.reason.isEmpty ? "" : " — \(a.reason)") + (a.endedBy.isEmpty ? "" : " (ended by \(a.endedBy))")
}

struct ActingAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Make an employee PLT or PLH of a unit: for those days they take the head's rights over the head's direct subordinates (admin).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The unit.") var unit: String
    @Option(help: "The acting employee's NIP.") var nip: String
    @Option(help: "plt or plh.") var kind: String
    @Option(help: "First day (YYYY-MM-DD).") var from: String
    @Option(help: "Last day (YYYY-MM-DD).") var to: String
    @Option(help: "Why (e.g. the decree number).") var reason: String?

    func run() async throws {
        let a = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).addActing(
                .with {
                    $0.unitCode = unit
                    $0.nip = nip
                    $0.kind = kind
                    $0.from = from
                    $0.to = to
                    $0.reason = reason ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printJSON(actingJSON(a)) } else { print(actingLine(a)) }
    }
}

struct ActingList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Acting assignments, newest first.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this unit.") var unit: String?
    @Option(help: "Only this employee.") var nip: String?
    @Flag(help: "Only those covering today.") var current = false

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).listActing(
                .with {
                    $0.unitCode = unit ?? ""
                    $0.nip = nip ?? ""
                    $0.current = current
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(r.assignments.map(actingJSON))
            return
        }
        printTable(
            ["ID", "KIND", "UNIT", "NIP", "NAME", "FROM", "TO", "HEAD", "NOW", "REASON"],
            r.assignments.map {
                [
                    "\($0.id)", $0.kind.uppercased(), $0.unitCode, $0.nip, $0.name, $0.from, $0.to, $0.headNip.isEmpty ? "(vacant)" : $0.headNip,
                    $0.current ? "yes" : "", $0.reason,
                ]
            })
    }
}

struct ActingEnd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "end", abstract: "End an acting assignment early; its record stays (admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The assignment's id (acting list).") var id: Int64
    @Option(help: "The last day it covers (YYYY-MM-DD); default today.") var on: String?

    func run() async throws {
        let a = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).endActing(
                .with {
                    $0.id = id
                    $0.on = on ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printJSON(actingJSON(a)) } else { print(actingLine(a)) }
    }
}
