import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

struct SKPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "skp", abstract: "Performance plans (SKP): import, show, list, submit, approve, return, feedback.",
        subcommands: [
            SKPImport.self, SKPShow.self, SKPList.self, SKPSubmit.self, SKPApprove.self, SKPReturn.self, SKPRevise.self, SKPFeedback.self, SKPCascade.self,
        ])
}

/// Prints an import report whose errors may carry a document path (JSON imports).
func finishNestedImport(_ r: Kinerja_V1_ImportReport, file: String, global: GlobalOptions) throws {
    if global.output != .json && !r.errors.isEmpty {
        let lines = r.errors.map { e in
            e.path.isEmpty
                ? (e.line > 0 ? "line \(e.line)" : "file") + (e.column.isEmpty ? "" : ", column \(e.column)") + ": \(e.message)" : "\(e.path): \(e.message)"
        }
        FileHandle.standardError.write(Data((lines.map { "\(file): \($0)" }.joined(separator: "\n") + "\n").utf8))
        var quiet = r
        quiet.errors = []
        quiet.errorCount = 0
        _ = quiet
        throw CLIError.failed("\(file): \(r.errorCount) error(s); nothing was applied")
    }
    if global.output == .json && !r.errors.isEmpty {
        printJSON(
            [
                "file": file, "applied": false, "dry_run": r.dryRun, "error_count": r.errorCount,
                "errors": r.errors.map { ["line": $0.line, "column": $0.column, "path": $0.path, "message": $0.message] as [String: Any] },
            ] as [String: Any])
        throw CLIError.failed("\(file): \(r.errorCount) error(s); nothing was applied")
    }
    try finishImport(r, file: file, global: global)
}

struct SKPImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import SKPs from a JSON file (many employees, nested RHK/indicators); all or nothing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The JSON file ('-' for standard input).") var file: String
    @Option(help: "The annual period (if the file does not say).") var period: String?
    @Flag(help: "Validate and report only.") var dryRun = false
    @Flag(help: "Mark the imported SKPs submitted (else draft).") var submit = false

    func run() async throws {
        try await runImport(file, global, finish: finishNestedImport) { client, options, metadata, content, name in
            try await Kinerja_V1_SKPService.Client(wrapping: client).importSKP(
                .with {
                    $0.content = content
                    $0.periodID = period ?? ""
                    $0.dryRun = dryRun
                    $0.submit = submit
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct SKPRefOptions: ParsableArguments {
    @Argument(help: "NIP.") var nip: String
    @Option(help: "The annual period.") var period: String

    static func make(nip: String, period: String) -> SKPRefOptions {
        var r = SKPRefOptions()
        r.nip = nip
        r.period = period
        return r
    }
}

func printSKP(_ s: Kinerja_V1_SKP, _ global: GlobalOptions) {
    if global.output == .json {
        printJSON(
            [
                "nip": s.nip, "name": s.name, "period": s.periodID, "status": s.status, "return_note": s.returnNote, "supervisor_nip": s.supervisorNip,
                "rhk": s.rhk.map { r in
                    [
                        "id": r.id, "kind": r.kind, "text": r.text, "intervensi": r.intervensi,
                        "indicators": r.indicators.map { i in
                            [
                                "id": i.id, "aspect": i.aspect, "text": i.text, "target": i.hasTarget_p ? i.target as Any : JSONNull(), "unit": i.unit,
                                "target_text": i.targetText, "direction": i.direction,
                            ] as [String: Any]
                        },
                    ] as [String: Any]
                },
                "lampiran": [
                    "dukungan_sumber_daya": s.dukunganSumberDaya, "skema_pertanggungjawaban": s.skemaPertanggungjawaban, "konsekuensi": s.konsekuensi,
                ],
                "perilaku": s.perilaku,
            ] as [String: Any])
        return
    }
    printFields([
        ("SKP", "\(s.nip) \(s.name), \(s.periodID)"), ("status", s.status + (s.returnNote.isEmpty ? "" : " — \(s.returnNote)")),
        ("supervisor", s.supervisorNip.isEmpty ? "-" : s.supervisorNip),
    ])
    for r in s.rhk {
        print("\n[\(r.kind)] \(r.id): \(r.text)" + (r.intervensi.isEmpty ? "" : "  (intervensi \(r.intervensi))"))
        for i in r.indicators {
            let number = i.target.rounded() == i.target && abs(i.target) < 1e15 ? String(Int64(i.target)) : String(i.target)
            let target = i.hasTarget_p ? "\(number) \(i.unit)".trimmingCharacters(in: .whitespaces) : i.targetText
            print("    \(i.id) \(i.aspect): \(i.text) — target \(target)\(i.direction == "lower_is_better" ? " (lower is better)" : "")")
        }
    }
}

struct SKPShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "One employee's SKP.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var ref: SKPRefOptions

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).getSKP(
                .with {
                    $0.nip = ref.nip
                    $0.periodID = ref.period
                }, metadata: metadata, options: options)
        }
        printSKP(s, global)
    }
}

struct SKPList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "SKPs of a period.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The annual period.") var period: String
    @Option(help: "draft, submitted, approved or returned.") var status: String?
    @Option(help: "Only this unit.") var unit: String?

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).listSKP(
                .with {
                    $0.periodID = period
                    $0.status = status ?? ""
                    $0.unitCode = unit ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "missing": r.missing,
                    "skp": r.skp.map {
                        ["nip": $0.nip, "name": $0.name, "unit_code": $0.unitCode, "status": $0.status, "rhk": $0.rhk, "indicators": $0.indicators]
                            as [String: Any]
                    },
                ] as [String: Any])
            return
        }
        printTable(
            ["NIP", "NAME", "UNIT", "STATUS", "RHK", "INDICATORS"], r.skp.map { [$0.nip, $0.name, $0.unitCode, $0.status, "\($0.rhk)", "\($0.indicators)"] })
        print("\(r.skp.count) SKPs; \(r.missing) active employees have none")
    }
}

struct SKPSubmit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "submit", abstract: "Submit an SKP for approval (draft/returned → submitted).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var ref: SKPRefOptions

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).submitSKP(
                .with {
                    $0.nip = ref.nip
                    $0.periodID = ref.period
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printSKP(s, global) } else { print("SKP of \(s.nip) for \(s.periodID) is \(s.status)") }
    }
}

struct SKPApprove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve", abstract: "Approve a submitted SKP (direct supervisor, operator or admin), or --all of a period (admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP (omit with --all).") var nip: String?
    @Option(help: "The annual period.") var period: String
    @Flag(help: "Approve every submitted SKP of the period.") var all = false
    @Option(help: "With --all: only this unit.") var unit: String?

    func validate() throws {
        if all == (nip != nil) { throw ValidationError("give a NIP, or --all") }
    }

    func run() async throws {
        if all {
            let r = try await withDaemon(global) { client, options, metadata in
                try await Kinerja_V1_SKPService.Client(wrapping: client).approveAllSKP(
                    .with {
                        $0.periodID = period
                        $0.unitCode = unit ?? ""
                    }, metadata: metadata, options: options)
            }
            if global.output == .json { printJSON(["approved": r.approved]) } else { print("\(r.approved) SKPs approved") }
            return
        }
        let ref = SKPRefOptions.make(nip: nip!, period: period)
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).approveSKP(
                .with {
                    $0.nip = ref.nip
                    $0.periodID = ref.period
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printSKP(s, global) } else { print("SKP of \(s.nip) for \(s.periodID) is \(s.status)") }
    }
}

struct SKPReturn: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "return", abstract: "Return a submitted SKP with a note.")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var ref: SKPRefOptions
    @Option(help: "What to change.") var note: String

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).returnSKP(
                .with {
                    $0.nip = ref.nip
                    $0.periodID = ref.period
                    $0.note = note
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printSKP(s, global) } else { print("SKP of \(s.nip) for \(s.periodID) is \(s.status): \(s.returnNote)") }
    }
}

struct SKPRevise: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revise", abstract: "Take an approved SKP back to returned after a dialog kinerja (while the year is in planning or running).")
    @OptionGroup var global: GlobalOptions
    @OptionGroup var ref: SKPRefOptions
    @Option(help: "What the dialog kinerja agreed to change.") var note: String

    func run() async throws {
        let s = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).reviseSKP(
                .with {
                    $0.nip = ref.nip
                    $0.periodID = ref.period
                    $0.note = note
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printSKP(s, global) } else { print("SKP of \(s.nip) for \(s.periodID) is \(s.status): \(s.returnNote)") }
    }
}

struct SKPFeedback: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback", abstract: "Record the supervisor's feedback (umpan balik) on one RHK for a period.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Option(help: "The period (periodic or annual).") var period: String
    @Option(help: "RHK id.") var rhk: String
    @Option(help: "The feedback.") var text: String

    func run() async throws {
        _ = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).giveFeedback(
                .with {
                    $0.nip = nip
                    $0.periodID = period
                    $0.rhkID = rhk
                    $0.text = text
                }, metadata: metadata, options: options)
        }
        if global.output == .json { printJSON(["ok": true]) } else { print("feedback recorded for \(nip) \(rhk) in \(period)") }
    }
}

struct RealisasiCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "realisasi", abstract: "Realisasi (achieved values with evidence).",
        subcommands: [RealisasiImport.self, RealisasiList.self, RealisasiPut.self, RealisasiDelete.self])
}

struct RealisasiImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import realisasi from CSV: nip,period,rhk_id,indicator_id,value,text,evidence,note; all or nothing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file ('-' for standard input).") var file: String
    @Flag(help: "Validate and report only.") var dryRun = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_SKPService.Client(wrapping: client).importRealisasi(
                .with {
                    $0.content = content
                    $0.dryRun = dryRun
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct ActivityCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activity", abstract: "Daily activity log (laporan kegiatan harian).",
        subcommands: [ActivityImport.self, ActivityList.self, ActivityAdd.self, ActivityDelete.self])
}

struct ActivityImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import activities from CSV: nip,date,description,rhk_id,minutes,evidence; all or nothing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file ('-' for standard input).") var file: String
    @Flag(help: "Validate and report only.") var dryRun = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_SKPService.Client(wrapping: client).importActivities(
                .with {
                    $0.content = content
                    $0.dryRun = dryRun
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct ActivityList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "One employee's activities.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Option(help: "From date YYYY-MM-DD (inclusive).") var from: String?
    @Option(help: "To date YYYY-MM-DD (inclusive).") var to: String?

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).listActivities(
                .with {
                    $0.nip = nip
                    $0.from = from ?? ""
                    $0.to = to ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "total_minutes": r.totalMinutes,
                    "activities": r.activities.map {
                        ["date": $0.date, "description": $0.description_p, "rhk_id": $0.rhkID, "minutes": $0.minutes, "evidence": $0.evidence] as [String: Any]
                    },
                ] as [String: Any])
            return
        }
        printTable(["DATE", "MINUTES", "RHK", "DESCRIPTION"], r.activities.map { [$0.date, "\($0.minutes)", $0.rhkID, $0.description_p] })
        print("total \(r.totalMinutes) minutes")
    }
}

struct SKPCascade: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cascade",
        abstract: "Matriks Peran Hasil: per supervisor RHK the subordinate RHK that intervene it; flags RHK nobody supports and staff linked to nothing.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The annual period.") var period: String
    @Option(help: "Supervisors in this unit and its sub-units.") var unit: String?

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).cascade(
                .with {
                    $0.periodID = period
                    $0.unitCode = unit ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "period": r.periodID, "unsupported": r.unsupported, "unlinked": r.unlinked,
                    "supervisors": r.supervisors.map { s in
                        [
                            "nip": s.nip, "name": s.name, "unit_code": s.unitCode, "unlinked_subordinates": s.unlinkedSubordinates, "without_skp": s.withoutSkp,
                            "rhk": s.rhk.map { x in
                                [
                                    "rhk_id": x.rhkID, "text": x.text, "kind": x.kind, "unsupported": x.unsupported,
                                    "supported_by": x.supportedBy.map {
                                        ["nip": $0.nip, "name": $0.name, "rhk_id": $0.rhkID, "rhk_text": $0.rhkText, "kind": $0.kind]
                                    },
                                ] as [String: Any]
                            },
                        ] as [String: Any]
                    },
                ] as [String: Any])
            return
        }
        for s in r.supervisors {
            print("\(s.nip) \(s.name) (\(s.unitCode))")
            if s.rhk.isEmpty { print("  (no SKP for \(r.periodID))") }
            for x in s.rhk {
                print("  \(x.rhkID) [\(x.kind)] \(x.text)\(x.unsupported ? "  ← NO SUBORDINATE RHK SUPPORTS IT" : "")")
                for l in x.supportedBy { print("      ← \(l.nip) \(l.name): \(l.rhkID) [\(l.kind)] \(l.rhkText)") }
            }
            if !s.unlinkedSubordinates.isEmpty { print("  RHK utama linked to none of these: \(s.unlinkedSubordinates.joined(separator: ", "))") }
            if !s.withoutSkp.isEmpty { print("  no SKP: \(s.withoutSkp.joined(separator: ", "))") }
        }
        print("\(r.supervisors.count) supervisors; \(r.unsupported) RHK without support; \(r.unlinked) subordinates unlinked")
    }
}
