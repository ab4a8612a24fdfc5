import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

struct PluginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Plugin modules: list, show, reports, hook calls.",
        subcommands: [PluginList.self, PluginShow.self, PluginReport.self, PluginCall.self])
}

func pluginJSON(_ p: Kinerja_V1_Plugin) -> [String: Any] {
    [
        "id": p.id, "version": p.version, "abi_version": p.abiVersion, "path": p.path, "hooks": p.hooks, "status": p.status,
        "error": p.error, "description": p.description_p, "language": p.language, "sandbox": p.sandbox,
        "reports": p.reports.map { ["name": $0.name, "title": $0.title, "needs_period": $0.needsPeriod] as [String: Any] },
    ]
}

struct PluginList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Every configured plugin: loaded, refused, failed or disabled.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PluginService.Client(wrapping: client).listPlugins(.init(), metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(r.plugins.map(pluginJSON))
            return
        }
        print("plugin directory: \(r.directory); agency plugin: \(r.agencyPlugin.isEmpty ? "(none: national rules)" : r.agencyPlugin)")
        printTable(
            ["ID", "VERSION", "ABI", "MODULE", "STATUS", "HOOKS", "PATH / ERROR"],
            r.plugins.map { p in
                [
                    p.id.isEmpty ? "-" : p.id, p.version, p.abiVersion == 0 ? "-" : "\(p.abiVersion)", p.language.isEmpty ? "-" : p.language, p.status,
                    p.hooks.joined(separator: ","),
                    p.error.isEmpty ? p.path : p.error,
                ]
            })
    }
}

struct PluginShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One plugin: hooks, reports, status.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Plugin id.") var id: String

    func run() async throws {
        let p = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PluginService.Client(wrapping: client).getPlugin(.with { $0.id = id }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(pluginJSON(p))
            return
        }
        printFields(
            [
                ("id", p.id), ("version", p.version), ("ABI", "\(p.abiVersion)"), ("module", p.language.isEmpty ? "-" : p.language),
                ("status", p.status), ("path", p.path), ("sandbox", p.sandbox.isEmpty ? "-" : p.sandbox),
                ("description", p.description_p), ("hooks", p.hooks.joined(separator: ", ")),
                (
                    "reports",
                    p.reports.isEmpty ? "-" : p.reports.map { "\($0.name) (\($0.title))\($0.needsPeriod ? " needs --period" : "")" }.joined(separator: "; ")
                ),
            ] + (p.error.isEmpty ? [] : [("error", p.error)]))
    }
}

enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
    case table, json, csv
}

struct PluginReport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "report", abstract: "Run a plugin's report.")
    @OptionGroup(visibility: .hidden) var connection: ConnectionOptions
    @Argument(help: "Plugin id.") var id: String
    @Argument(help: "Report name (see `plugin show ID`).") var name: String
    @Option(help: "The period the report is about.") var period: String?
    @Option(name: [.short, .customLong("output")], help: "table, json or csv.") var output: ReportFormat = .table

    func run() async throws {
        let global = connection.global(output: output == .json ? .json : .table)
        let t = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_PluginService.Client(wrapping: client).runReport(
                .with {
                    $0.pluginID = id
                    $0.name = name
                    $0.periodID = period ?? ""
                }, metadata: metadata, options: options)
        }
        switch output {
        case .json:
            printJSON(
                [
                    "title": t.title, "columns": t.columns,
                    "rows": t.rows.map { row in Dictionary(uniqueKeysWithValues: zip(t.columns, row.cells).map { ($0, $1) }) },
                ] as [String: Any])
        case .csv:
            FileHandle.standardOutput.write(csvText(header: t.columns, rows: t.rows.map(\.cells)))
        case .table:
            if !t.title.isEmpty { print(t.title) }
            printTable(t.columns.map { $0.uppercased() }, t.rows.map(\.cells))
        }
    }
}

struct PluginCall: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "call",
        abstract: "Call one hook with a JSON request (for plugin developers; admin).",
        discussion: "The request and response are proto3 JSON of kinerja.plugin.v1 messages. ID 'national' calls the built-in rules.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Plugin id, or 'national'.") var id: String
    @Argument(help: "Describe, DeriveRatings, ComputeIncentive, ReminderCalendar, ValidatePeriod or Report.") var method: String
    @Option(help: "The request as JSON (default {}).") var json: String = "{}"

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_PluginService.Client(wrapping: client).callHook(
                .with {
                    $0.pluginID = id
                    $0.method = method
                    $0.requestJson = json
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            let response = (try? JSONSerialization.jsonObject(with: Data(r.responseJson.utf8))) ?? [:]
            printParsedJSON(["handled_by": r.handledBy, "response": response] as [String: Any])
        } else {
            print("handled by: \(r.handledBy)")
            print(r.responseJson)
        }
    }
}

/// The connection options alone, for commands with their own --output choices.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "Path of kinerjad's Unix socket (env KINERJA_SOCKET).") var socket: String?
    @Option(name: .long, help: "The agency's daemon on a server hosting several: its socket /run/kinerja/CODE.sock.") var agency: String?
    @Option(name: .customLong("actor-nip"), help: ArgumentHelp(visibility: .hidden)) var actorNIP: String?
    @Option(name: .customLong("metadata"), help: ArgumentHelp(visibility: .hidden)) var metadata: [String] = []
    @Option(name: .long, help: "Give up after this many seconds (default 30; long reports 600).") var timeout: Double?

    func validate() throws { try checkAgencyCode(agency) }

    func global(output: OutputFormat) -> GlobalOptions {
        var g = GlobalOptions()
        g.timeout = timeout
        g.socket = socket
        g.agency = agency
        g.output = output
        g.actorNIP = actorNIP
        g.metadata = metadata
        return g
    }
}

/// RFC 4180 CSV text.
func csvText(header: [String], rows: [[String]]) -> Data {
    var out: [UInt8] = []
    out.reserveCapacity(rows.count * 80)
    func line(_ cells: [String]) {
        for (i, c) in cells.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            if c.utf8.contains(where: { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }) {
                out.append(UInt8(ascii: "\""))
                for b in c.utf8 {
                    if b == UInt8(ascii: "\"") { out.append(b) }
                    out.append(b)
                }
                out.append(UInt8(ascii: "\""))
            } else {
                out.append(contentsOf: c.utf8)
            }
        }
        out.append(0x0A)
    }
    line(header)
    for r in rows { line(r) }
    return Data(out)
}
