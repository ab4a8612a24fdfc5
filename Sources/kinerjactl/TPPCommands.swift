import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

struct TPPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tpp", abstract: "Incentive pay (TPP): base, overrides, attendance, compute, show, lock, export.",
        subcommands: [
            TPPBase.self, TPPOverride.self, TPPAttendance.self, TPPCompute.self, TPPShow.self, TPPLock.self, TPPUnlock.self, TPPExport.self, TPPSanction.self,
        ])
}

struct TPPBase: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "base", abstract: "Base amounts per kelas jabatan.", subcommands: [TPPBaseImport.self, TPPBaseShow.self])
}

struct TPPBaseImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "import", abstract: "Import base amounts: kelas_jabatan,base_rupiah (admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file.") var file: String
    @Flag(help: "Validate and report only.") var dryRun = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_TPPService.Client(wrapping: client).importBase(
                .with {
                    $0.content = content
                    $0.dryRun = dryRun
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct TPPBaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show base amounts.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let a = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_OrgService.Client(wrapping: client).getAgency(.init(), metadata: metadata, options: options)
        }
        let rows = a.tppBase.sorted { $0.key < $1.key }
        if global.output == .json {
            printJSON(rows.map { ["kelas_jabatan": Int($0.key), "base_rupiah": $0.value] })
        } else {
            printTable(["KELAS", "BASE"], rows.map { ["\($0.key)", formatRupiah($0.value)] })
        }
    }
}

struct TPPOverride: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "override", abstract: "An employee's own base amount (special posts), instead of the kelas jabatan base.",
        subcommands: [TPPOverrideSet.self, TPPOverrideClear.self, TPPOverrideList.self])
}

func printOverride(_ o: Kinerja_V1_TPPOverride, _ global: GlobalOptions) {
    if global.output == .json {
        printJSON(["nip": o.nip, "name": o.name, "unit_code": o.unitCode, "base_rupiah": o.active ? o.baseRupiah as Any : JSONNull()] as [String: Any])
    } else {
        print(
            o.active
                ? "\(o.nip) \(o.name): TPP base \(formatRupiah(o.baseRupiah)) (override)"
                : "\(o.nip) \(o.name): override removed; the kelas jabatan base applies")
    }
}

struct TPPOverrideSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Set an employee's own base amount (admin, audited; from the next compute).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Argument(help: "Base amount in whole Rupiah: 5000000, 5.000.000 or Rp 5.000.000 (more than 0, at most 1.000.000.000).") var rupiah: String
    @Option(help: "Why (audited).") var reason: String = ""

    func run() async throws {
        // The daemon parses the amount (one Rupiah rule for every way in).
        let o = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).setOverride(
                .with {
                    $0.nip = nip
                    $0.baseText = rupiah
                    $0.reason = reason
                }, metadata: metadata, options: options)
        }
        printOverride(o, global)
    }
}

struct TPPOverrideClear: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "clear", abstract: "Remove an employee's override (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Option(help: "Why (audited).") var reason: String = ""

    func run() async throws {
        let o = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).setOverride(
                .with {
                    $0.nip = nip
                    $0.clear = true
                    $0.reason = reason
                }, metadata: metadata, options: options)
        }
        printOverride(o, global)
    }
}

struct TPPOverrideList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Employees with their own base amount.")
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).listOverrides(.init(), metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(r.overrides.map { ["nip": $0.nip, "name": $0.name, "unit_code": $0.unitCode, "base_rupiah": $0.baseRupiah] as [String: Any] })
        } else {
            printTable(["NIP", "NAME", "UNIT", "BASE"], r.overrides.map { [$0.nip, $0.name, $0.unitCode, formatRupiah($0.baseRupiah)] })
        }
    }
}

struct TPPAttendance: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "attendance", abstract: "Monthly attendance.", subcommands: [TPPAttendanceImport.self])
}

struct TPPAttendanceImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import attendance: nip,tl1,tl2,tl3,tl4,psw1,psw2,psw3,psw4,tk,sanction_percent; all or nothing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file.") var file: String
    @Option(help: "YYYY-MM") var month: String
    @Flag(help: "Validate and report only.") var dryRun = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_TPPService.Client(wrapping: client).importAttendance(
                .with {
                    $0.content = content
                    $0.month = month
                    $0.dryRun = dryRun
                    $0.fileName = name
                },
                metadata: metadata, options: options)
        }
    }
}

struct TPPCompute: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compute", abstract: "Compute a month's TPP for every active employee.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "YYYY-MM") var month: String

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).compute(.with { $0.month = month }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "month": r.month, "paid": r.paid, "blocked": r.blocked, "total_gross": r.totalGross, "total_tax": r.totalTax,
                    "total_net": r.totalNet, "handled_by": r.handledBy,
                    "blocked_employees": r.blockedEmployees.map { ["nip": $0.nip, "name": $0.name, "reason": $0.blockedReason] },
                ] as [String: Any])
            return
        }
        print(
            "\(r.month): \(r.paid) paid, \(r.blocked) blocked; gross \(formatRupiah(r.totalGross)), tax \(formatRupiah(r.totalTax)), net \(formatRupiah(r.totalNet)) (rules: \(r.handledBy))"
        )
        for b in r.blockedEmployees { print("  blocked \(b.nip) \(b.name): \(b.blockedReason)") }
    }
}

struct TPPShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Explain one employee's TPP for a month, step by step.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Option(help: "YYYY-MM") var month: String

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).show(
                .with {
                    $0.nip = nip
                    $0.month = month
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "nip": r.nip, "name": r.name, "month": month, "base": r.base, "base_source": r.baseSource, "predikat": r.predikat,
                    "predikat_period": r.predikatPeriod, "kinerja": r.kinerja, "disiplin": r.disiplin, "deductions_percent": r.deductionsPercent,
                    "sanction_percent": r.sanctionPercent, "gross": r.gross, "tax": r.tax, "tax_percent": r.taxPercent, "net": r.net,
                    "blocked": r.blocked, "blocked_reason": r.blockedReason, "steps": r.steps, "handled_by": r.handledBy, "locked": r.locked,
                    "bpjs": r.bpjs, "tax_borne": r.taxBorne,
                ] as [String: Any])
            return
        }
        print("TPP \(month) — \(r.nip) \(r.name), golongan \(r.golongan), kelas \(r.kelasJabatan)\(r.locked ? " (locked)" : "")")
        if r.blocked {
            print("not paid: \(r.blockedReason)")
            return
        }
        print("base \(formatRupiah(r.base)) (\(r.baseSource)); rules: \(r.handledBy)")
        for s in r.steps { print("  \(s)") }
        print("net paid: \(formatRupiah(r.net))" + (r.taxBorne ? " (PPh \(formatRupiah(r.tax)) borne by the region)" : ""))
    }
}

struct TPPLock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "lock", abstract: "Freeze a month (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "YYYY-MM") var month: String

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).lock(.with { $0.month = month }, metadata: metadata, options: options)
        }
        if global.output == .json { printJSON(["month": s.month, "locked": s.locked]) } else { print("\(s.month) locked") }
    }
}

struct TPPUnlock: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "unlock", abstract: "Open a locked month again (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "YYYY-MM") var month: String
    @Option(help: "Why (audited).") var reason: String

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).unlock(
                .with {
                    $0.month = month
                    $0.reason = reason
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printJSON(["month": s.month, "locked": s.locked]) } else { print("\(s.month) unlocked") }
    }
}

struct TPPExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Write the payroll CSV (paid employees, by unit then NIP); blocked ones are listed on stderr.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "YYYY-MM") var month: String
    @Argument(help: "Output file; standard output when omitted.") var file: String?

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).export(.with { $0.month = month }, metadata: metadata, options: options)
        }
        if let file {
            do { try r.csv.write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
                throw CLIError.failed("cannot write \(file): \(error.localizedDescription)")
            }
        }
        if global.output == .json {
            printJSON(
                [
                    "file": file ?? "", "total_gross": r.totalGross, "total_tax": r.totalTax, "total_net": r.totalNet,
                    "blocked": r.blocked.map { ["nip": $0.nip, "name": $0.name, "reason": $0.blockedReason] },
                ] as [String: Any])
        } else if file == nil {
            FileHandle.standardOutput.write(r.csv)
        }
        if global.output != .json {
            for b in r.blocked { FileHandle.standardError.write(Data("blocked \(b.nip) \(b.name): \(b.blockedReason)\n".utf8)) }
        }
    }
}

struct TPPSanction: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sanction", abstract: "Disciplinary sanctions cutting TPP for a run of months.", subcommands: [TPPSanctionAdd.self, TPPSanctionList.self])
}

func sanctionJSON(_ s: Kinerja_V1_Sanction) -> [String: Any] {
    [
        "id": s.id, "nip": s.nip, "name": s.name, "percent": s.percent, "from": s.from, "months": s.months, "to": s.to, "reason": s.reason,
        "created_by": s.createdBy, "created_at": s.createdAt, "locked_months": s.lockedMonths,
    ]
}

struct TPPSanctionAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Cut an employee's TPP by a percentage for each month in a range (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Option(help: "20–100.") var percent: Int32
    @Option(help: "The first month (YYYY-MM).") var from: String
    @Option(help: "How many months (1–120).") var months: Int32 = 1
    @Option(help: "The decision it carries out.") var reason: String

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).addSanction(
                .with {
                    $0.nip = nip
                    $0.percent = percent
                    $0.from = from
                    $0.months = months
                    $0.reason = reason
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(sanctionJSON(s))
            return
        }
        print("#\(s.id) \(s.nip) \(s.name): \(s.percent)% from \(s.from) to \(s.to) (\(s.months) month(s)) — \(s.reason)")
        if !s.lockedMonths.isEmpty {
            print("locked, not applied (they keep what they paid; unlock and compute again to apply it): \(s.lockedMonths.joined(separator: ", "))")
        }
    }
}

struct TPPSanctionList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Sanctions, one employee's or everyone's.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Only this employee.") var nip: String?

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_TPPService.Client(wrapping: client).listSanctions(.with { $0.nip = nip ?? "" }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(r.sanctions.map(sanctionJSON))
            return
        }
        printTable(
            ["ID", "NIP", "NAME", "PERCENT", "FROM", "TO", "REASON"],
            r.sanctions.map { ["\($0.id)", $0.nip, $0.name, "\($0.percent)%", $0.from, $0.to, $0.reason] })
    }
}
