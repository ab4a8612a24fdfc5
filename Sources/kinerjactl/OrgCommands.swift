import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaClientTransport
import SwiftProtobuf

// MARK: agency

struct AgencyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agency", abstract: "Show or change the agency's settings.", subcommands: [AgencyShow.self, AgencySet.self])
}

struct AgencyShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show the agency's settings.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let a = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).getAgency(.init(), metadata: metadata, options: options)
        }
        printAgency(a, global)
    }
}

struct AgencySet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Change the agency's settings (admin).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Agency code.") var code: String?
    @Option(help: "Agency name.") var name: String?
    @Option(help: "Time zone: Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT).") var zone: String?
    @Option(help: "The plugin carrying the agency's rules (empty for the national rules only).") var plugin: String?

    func validate() throws {
        if code == nil && name == nil && zone == nil && plugin == nil {
            throw ValidationError("give at least one of --code, --name, --zone, --plugin")
        }
    }

    func run() async throws {
        var request = Kinerja_V1_UpdateAgencyRequest()
        if let code { request.code = code }
        if let name { request.name = name }
        if let zone { request.timeZone = zone }
        if let plugin { request.pluginID = plugin }
        let a = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).updateAgency(request, metadata: metadata, options: options)
        }
        printAgency(a, global)
    }
}

func printAgency(_ a: Kinerja_V1_Agency, _ global: GlobalOptions) {
    if global.output == .json {
        printJSON(
            [
                "code": a.code, "name": a.name, "time_zone": a.timeZone, "plugin_id": a.pluginID,
                "tpp_base": Dictionary(uniqueKeysWithValues: a.tppBase.map { (String($0.key), $0.value) }),
            ] as [String: Any])
        return
    }
    let zoneLabel = ["Asia/Jakarta": "WIB", "Asia/Makassar": "WITA", "Asia/Jayapura": "WIT"][a.timeZone].map { " (\($0))" } ?? ""
    printFields([
        ("code", a.code.isEmpty ? "-" : a.code), ("name", a.name.isEmpty ? "-" : a.name), ("time zone", a.timeZone + zoneLabel),
        ("plugin", a.pluginID.isEmpty ? "(national rules only)" : a.pluginID),
        (
            "TPP base",
            a.tppBase.isEmpty ? "(not set)" : a.tppBase.sorted { $0.key < $1.key }.map { "\($0.key): \(formatRupiah($0.value))" }.joined(separator: ", ")
        ),
    ])
}

// MARK: imports

/// Reads FILE (or standard input for '-') for an import.
func readImportFile(_ path: String) throws -> Data {
    if path == "-" { return FileHandle.standardInput.readDataToEndOfFile() }
    guard FileManager.default.fileExists(atPath: path) else { throw CLIError.usage("\(path): no such file") }
    guard let data = FileManager.default.contents(atPath: path) else { throw CLIError.failed("\(path): cannot be read") }
    return data
}

/// Reads FILE, sends it with `send` (which gets the bytes and the file's name), and prints the report with
/// `finish`; a report with errors fails the command (exit 1).
func runImport(
    _ file: String, _ global: GlobalOptions,
    finish: (Kinerja_V1_ImportReport, String, GlobalOptions) throws -> Void = finishImport,
    _ send: (GRPCClient<UnixSocketClientTransport>, CallOptions, Metadata, Data, String) async throws -> Kinerja_V1_ImportReport
) async throws {
    let content = try readImportFile(file)
    let name = (file as NSString).lastPathComponent
    let report = try await withDaemon(global, .long) { client, options, metadata in try await send(client, options, metadata, content, name) }
    try finish(report, file, global)
}

/// Prints an import report; errors go to stderr and make the command fail (exit 1).
func finishImport(_ r: Kinerja_V1_ImportReport, file: String, global: GlobalOptions) throws {
    if global.output == .json {
        printJSON(
            [
                "file": file, "applied": r.applied, "dry_run": r.dryRun, "rows": r.rows, "added": r.added, "updated": r.updated,
                "unchanged": r.unchanged, "deactivated": r.deactivated, "error_count": r.errorCount, "notes": r.notes,
                "errors": r.errors.map { ["line": $0.line, "column": $0.column, "message": $0.message] as [String: Any] },
            ] as [String: Any])
    } else if r.errors.isEmpty {
        let what = r.dryRun ? "dry run, nothing written" : "applied"
        // Only the counters that apply: deactivation happens in staff imports only.
        let deactivated = r.deactivated > 0 ? ", \(r.deactivated) deactivated" : ""
        print("\(file): \(r.rows) rows: \(r.added) added, \(r.updated) updated, \(r.unchanged) unchanged\(deactivated) (\(what))")
        for note in r.notes { print("\(file): \(note)") }
    }
    if !r.errors.isEmpty {
        if global.output != .json {
            var lines = r.errors.map { e -> String in
                var s = e.line > 0 ? "line \(e.line)" : "file"
                if !e.column.isEmpty { s += ", column \(e.column)" }
                return "\(file): \(s): \(e.message)"
            }
            if r.errorCount > r.errors.count { lines.append("\(file): … and \(Int(r.errorCount) - r.errors.count) more errors") }
            FileHandle.standardError.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        throw CLIError.failed("\(file): \(r.errorCount) error(s); nothing was applied")
    }
}

// MARK: units

struct UnitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unit", abstract: "Units (unit kerja): import, list, head.",
        subcommands: [UnitImportCommand.self, UnitList.self, UnitSetHead.self, UnitRate.self])
}

struct UnitImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import units from CSV (code,name,parent_code[,head_nip]); all or nothing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file ('-' for standard input).") var file: String
    @Flag(help: "Validate and report only; write nothing.") var dryRun = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_OrgService.Client(wrapping: client).importUnits(
                .with {
                    $0.content = content
                    $0.dryRun = dryRun
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct UnitList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List units (a tree in table mode).")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).listUnits(.init(), metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                r.units.map {
                    [
                        "code": $0.code, "name": $0.name, "parent_code": $0.parentCode, "head_nip": $0.headNip, "head_name": $0.headName,
                        "active_employees": $0.activeEmployees,
                    ] as [String: Any]
                })
            return
        }
        let codes = Set(r.units.map(\.code))
        var children: [String: [Kinerja_V1_Unit]] = [:]
        var roots: [Kinerja_V1_Unit] = []
        for u in r.units {
            if u.parentCode.isEmpty || !codes.contains(u.parentCode) { roots.append(u) } else { children[u.parentCode, default: []].append(u) }
        }
        var rows: [[String]] = []
        func walk(_ u: Kinerja_V1_Unit, prefix: String, last: Bool, top: Bool) {
            let branch = top ? "" : prefix + (last ? "└─ " : "├─ ")
            let head = u.headNip.isEmpty ? "-" : "\(u.headName) (\(u.headNip))"
            rows.append([branch + u.code, u.name, head, "\(u.activeEmployees)"])
            let kids = children[u.code] ?? []
            let nextPrefix = top ? "" : prefix + (last ? "   " : "│  ")
            for (i, k) in kids.enumerated() { walk(k, prefix: nextPrefix, last: i == kids.count - 1, top: false) }
        }
        for root in roots { walk(root, prefix: "", last: true, top: true) }
        printTable(["UNIT", "NAME", "HEAD", "ACTIVE"], rows)
    }
}

struct UnitSetHead: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set-head", abstract: "Name the employee who heads a unit ('' clears it).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Unit code.") var unit: String
    @Argument(help: "NIP of the head.") var nip: String

    func run() async throws {
        let u = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).setUnitHead(
                .with {
                    $0.unitCode = unit
                    $0.nip = nip
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["code": u.code, "head_nip": u.headNip, "head_name": u.headName])
        } else {
            print(u.headNip.isEmpty ? "\(u.code): no head" : "\(u.code): headed by \(u.headName) (\(u.headNip))")
        }
    }
}

// MARK: employees

struct EmployeeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "employee", abstract: "Employees: import, list, show, export.",
        subcommands: [EmployeeImportCommand.self, EmployeeList.self, EmployeeShow.self, EmployeeExport.self])
}

struct EmployeeImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import employees from CSV; all or nothing.",
        discussion: """
            Columns (header required, any order): nip, name, kind (PNS|PPPK), golongan, jabatan, jenis_jabatan \
            (jpt|administrator|pengawas|pelaksana|fungsional), jabatan_fungsional, kelas_jabatan (1–17), unit_code, \
            supervisor_nip, email, phone, active. Required: nip, name, kind, golongan, jenis_jabatan, kelas_jabatan, \
            unit_code; optional columns left out keep the stored values. ',' or ';' delimited, UTF-8 with or without BOM.
            """)
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file ('-' for standard input).") var file: String
    @Flag(help: "Validate and report only; write nothing.") var dryRun = false
    @Flag(help: "Deactivate active employees the file does not list.") var deactivateMissing = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_OrgService.Client(wrapping: client).importEmployees(
                .with {
                    $0.content = content
                    $0.dryRun = dryRun
                    $0.deactivateMissing = deactivateMissing
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct EmployeeList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List employees, by unit then NIP.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this unit.") var unit: String?
    @Flag(help: "With --unit: include its sub-units.") var subunits = false
    @Flag(help: "Include deactivated employees.") var includeInactive = false

    func run() async throws {
        let request = Kinerja_V1_ListEmployeesRequest.with {
            $0.unitCode = unit ?? ""
            $0.includeSubunits = subunits
            $0.includeInactive = includeInactive
        }
        let employees = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).listEmployees(request, metadata: metadata, options: options) { response in
                var all: [Kinerja_V1_Employee] = []
                for try await page in response.messages { all += page.employees }
                return all
            }
        }
        if global.output == .json {
            var out = JSONArrayWriter()
            for e in employees {
                out.append([
                    "nip": .string(e.nip), "name": .string(e.name), "kind": .string(e.kind), "golongan": .string(e.golongan),
                    "jabatan": .string(e.jabatan), "jenis_jabatan": .string(e.jenisJabatan),
                    "jabatan_fungsional": .string(e.jabatanFungsional), "kelas_jabatan": .int(Int64(e.kelasJabatan)),
                    "unit_code": .string(e.unitCode), "supervisor_nip": .string(e.supervisorNip), "email": .string(e.email),
                    "phone": .string(e.phone), "active": .bool(e.active),
                ])
            }
            out.finish()
        } else {
            printTable(
                ["NIP", "NAME", "KIND", "GOL", "UNIT", "JABATAN", "SUPERVISOR", ""],
                employees.map { e in
                    [e.nip, e.name, e.kind, e.golongan, e.unitCode, e.jabatan, e.supervisorNip.isEmpty ? "-" : e.supervisorNip, e.active ? "" : "inactive"]
                })
        }
    }
}

func employeeJSON(_ e: Kinerja_V1_Employee) -> [String: Any] {
    [
        "nip": e.nip, "name": e.name, "kind": e.kind, "golongan": e.golongan, "jabatan": e.jabatan, "jenis_jabatan": e.jenisJabatan,
        "jabatan_fungsional": e.jabatanFungsional, "kelas_jabatan": e.kelasJabatan, "unit_code": e.unitCode,
        "supervisor_nip": e.supervisorNip, "email": e.email, "phone": e.phone, "active": e.active, "cpns": e.cpns,
        "jabatan_since": e.jabatanSince,
    ]
}

struct EmployeeShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One employee with supervisor chain and direct subordinates.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String

    func run() async throws {
        let d = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).getEmployee(.with { $0.nip = nip }, metadata: metadata, options: options)
        }
        if global.output == .json {
            var object = employeeJSON(d.employee)
            object["unit_name"] = d.unitName
            object["supervisor_chain"] = d.supervisorChain.map { ["nip": $0.nip, "name": $0.name, "jabatan": $0.jabatan] }
            object["subordinates"] = d.subordinates.map { ["nip": $0.nip, "name": $0.name, "jabatan": $0.jabatan, "active": $0.active] as [String: Any] }
            object["heads_units"] = d.headsUnits
            object["acting"] = d.acting.map(actingJSON)
            object["history"] = d.history.map {
                ["changed_on": $0.changedOn, "supervisor_nip": $0.supervisorNip, "unit_code": $0.unitCode, "jabatan": $0.jabatan]
            }
            printJSON(object)
            return
        }
        let e = d.employee
        printFields([
            ("NIP", e.nip), ("name", e.name), ("kind", e.kind), ("golongan", e.golongan), ("jabatan", e.jabatan.isEmpty ? "-" : e.jabatan),
            ("jenis jabatan", e.jenisJabatan + (e.jabatanFungsional.isEmpty ? "" : " (\(e.jabatanFungsional))")),
            ("kelas jabatan", "\(e.kelasJabatan)"), ("unit", "\(e.unitCode) \(d.unitName)"),
            ("e-mail", e.email.isEmpty ? "-" : e.email), ("phone", e.phone.isEmpty ? "-" : e.phone),
            ("status", (e.active ? "active" : "inactive") + (e.cpns ? ", CPNS" : "")),
            ("in jabatan since", e.jabatanSince.isEmpty ? "-" : e.jabatanSince),
            ("heads", d.headsUnits.isEmpty ? "-" : d.headsUnits.joined(separator: ", ")),
        ])
        if !d.acting.isEmpty {
            print("\nacting (PLT/PLH):")
            for a in d.acting { print("  " + actingLine(a)) }
        }
        if !d.history.isEmpty {
            print("\nearlier (until the day before each change):")
            for h in d.history {
                print(
                    "  before \(h.changedOn): supervisor \(h.supervisorNip.isEmpty ? "-" : h.supervisorNip), unit \(h.unitCode), jabatan \(h.jabatan.isEmpty ? "-" : h.jabatan)"
                )
            }
        }
        print("\nsupervisor chain:")
        if d.supervisorChain.isEmpty { print("  (none)") }
        for (i, s) in d.supervisorChain.enumerated() { print("  \(String(repeating: "  ", count: i))↑ \(s.nip) \(s.name) — \(s.jabatan)") }
        print("\ndirect subordinates:")
        if d.subordinates.isEmpty { print("  (none)") }
        for s in d.subordinates { print("  \(s.nip) \(s.name) — \(s.jabatan)\(s.active ? "" : " (inactive)")") }
    }
}

struct EmployeeExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write every employee as CSV (imports back unchanged) to FILE or standard output.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Output file; standard output when omitted.") var file: String?

    func run() async throws {
        let data = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).exportEmployees(.init(), metadata: metadata, options: options) { response in
                var data = Data()
                for try await chunk in response.messages { data.append(chunk.data) }
                return data
            }
        }
        if let file {
            do { try data.write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
                throw CLIError.failed("cannot write \(file): \(error.localizedDescription)")
            }
        } else {
            FileHandle.standardOutput.write(data)
        }
    }
}
