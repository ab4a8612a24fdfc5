import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import SwiftProtobuf

let predikatNames = [
    "sangat_baik": "Sangat Baik", "baik": "Baik", "butuh_perbaikan": "Butuh Perbaikan", "kurang": "Kurang/Misconduct", "sangat_kurang": "Sangat Kurang",
]
let ratingNames = ["di_atas": "Di Atas Ekspektasi", "sesuai": "Sesuai Ekspektasi", "di_bawah": "Di Bawah Ekspektasi"]

struct RatingCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rating", abstract: "Ratings: set, import, suggest, derive.",
        subcommands: [RatingSet.self, RatingImport.self, RatingSuggest.self, RatingDerive.self])
}

struct RatingDerive: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "derive", abstract: "Ratings from the agency plugin's rules (DeriveRatings); --apply sets them (admin, audited).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "Period ID.") var period: String
    @Option(help: "Only this unit and its subunits.") var unit: String = ""
    @Flag(help: "Set the derived ratings (never over a closed period).") var apply = false

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).deriveRatings(
                .with {
                    $0.periodID = period
                    $0.unitCode = unit
                    $0.apply = apply
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "period": r.periodID, "handled_by": r.handledBy, "derived": r.derived, "not_derivable": r.notDerivable, "applied": r.applied,
                    "results": r.results.map {
                        [
                            "nip": $0.nip, "name": $0.name, "unit_code": $0.unitCode, "hasil_kerja": $0.hasilKerja, "perilaku_kerja": $0.perilakuKerja,
                            "explanation": $0.explanation, "not_derivable": $0.notDerivable, "reason": $0.reason, "applied": $0.applied,
                            "predikat": $0.predikat, "apply_note": $0.applyNote,
                        ] as [String: Any]
                    },
                ] as [String: Any])
            return
        }
        printTable(
            ["NIP", "NAME", "UNIT", "HASIL KERJA", "PERILAKU KERJA", apply ? "SET" : "WHY"],
            r.results.map {
                $0.notDerivable
                    ? [$0.nip, $0.name, $0.unitCode, "-", "-", "not derivable: \($0.reason)"]
                    : [
                        $0.nip, $0.name, $0.unitCode, $0.hasilKerja.isEmpty ? "(supervisor)" : $0.hasilKerja,
                        $0.perilakuKerja.isEmpty ? "(supervisor)" : $0.perilakuKerja,
                        apply ? ($0.applied ? "set → \($0.predikat)" : $0.applyNote) : $0.explanation,
                    ]
            })
        print("\(r.derived) derived, \(r.notDerivable) not derivable\(apply ? ", \(r.applied) set" : "") (rules: \(r.handledBy))")
    }
}

struct RatingSet: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "set", abstract: "Rate one employee for a period (the predikat follows from the matrix).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Option(help: "The period.") var period: String
    @Option(help: "di_atas, sesuai or di_bawah (a unit head whose unit is rated takes the unit's: leave it out).") var hasilKerja: String?
    @Option(help: "di_atas, sesuai or di_bawah.") var perilakuKerja: String
    @Option(help: "A BerAKHLAK aspect rating, ASPECT=RATING (repeatable).") var aspect: [String] = []
    @Option(help: "Notes.") var notes: String?
    @Flag(help: "Set a unit head's Hasil Kerja other than the unit's result (needs --reason; audited).") var override = false
    @Option(help: "Why the override (with --override).") var reason: String?

    func run() async throws {
        if override && (reason ?? "").isEmpty { throw CLIError.usage("--override needs --reason") }
        var aspects: [String: String] = [:]
        for a in aspect {
            let parts = a.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw CLIError.usage("--aspect takes ASPECT=RATING, got '\(a)'") }
            aspects[parts[0]] = parts[1]
        }
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).setRating(
                .with {
                    $0.nip = nip
                    $0.periodID = period
                    $0.hasilKerja = hasilKerja ?? ""
                    $0.perilakuKerja = perilakuKerja
                    $0.aspects = aspects
                    $0.notes = notes ?? ""
                    $0.override = override
                    $0.reason = reason ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON([
                "nip": r.nip, "hasil_kerja": r.hasilKerja, "perilaku_kerja": r.perilakuKerja, "predikat": r.predikat, "aspects": r.aspects,
                "hasil_by": r.hasilBy,
            ])
        } else {
            print(
                "\(r.nip) \(r.name): \(ratingNames[r.hasilKerja] ?? r.hasilKerja) / \(ratingNames[r.perilakuKerja] ?? r.perilakuKerja) → \(predikatNames[r.predikat] ?? r.predikat)"
                    + (r.hasilBy.isEmpty ? "" : " (hasil kerja from \(r.hasilBy))")
            )
        }
    }
}

struct RatingImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import ratings: nip,hasil_kerja,perilaku_kerja[,<BerAKHLAK aspect>…][,notes]; all or nothing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file ('-' for standard input).") var file: String
    @Option(help: "The period.") var period: String
    @Flag(help: "Validate and report only.") var dryRun = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).importRatings(
                .with {
                    $0.content = content
                    $0.periodID = period
                    $0.dryRun = dryRun
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct RatingSuggest: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "suggest", abstract: "Suggest annual ratings from the periodic ones (never applied).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "NIP.") var nip: String
    @Option(help: "The annual period.") var period: String

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).suggestRating(
                .with {
                    $0.nip = nip
                    $0.periodID = period
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["hasil_kerja": r.hasilKerja, "perilaku_kerja": r.perilakuKerja, "predikat": r.predikat, "from_periods": r.periods])
        } else {
            print(
                "suggested: \(r.hasilKerja) / \(r.perilakuKerja) → \(predikatNames[r.predikat] ?? r.predikat) (from \(r.periods.joined(separator: ", ")); not applied)"
            )
        }
    }
}

struct FeedbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback", abstract: "360° feedback.", subcommands: [FeedbackImport.self, FeedbackList.self, FeedbackPublicLink.self])
}

struct FeedbackList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "360° feedback entries and means per source (raters are never shown).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The period.") var period: String
    @Option(help: "Only this employee.") var nip: String?

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).listFeedback(
                .with {
                    $0.periodID = period
                    $0.nip = nip ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "entries": r.entries.map {
                        ["nip": $0.nip, "source": $0.source, "rating": $0.rating, "aspects": $0.aspects, "comment": $0.comment] as [String: Any]
                    },
                    "summaries": r.summaries.map {
                        ["nip": $0.nip, "name": $0.name, "entries": $0.entries, "mean_by_source": $0.meanBySource] as [String: Any]
                    },
                ] as [String: Any])
            return
        }
        printTable(
            ["NIP", "NAME", "ENTRIES", "ATASAN", "REKAN", "BAWAHAN", "MASYARAKAT"],
            r.summaries.map { s in
                [s.nip, s.name, "\(s.entries)"] + ["atasan", "rekan", "bawahan", "masyarakat"].map { s.meanBySource[$0] ?? "-" }
            })
    }
}

struct FeedbackImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import", abstract: "Import 360° feedback: nip,source,rating,rater[,comment][,<aspect>…]; all or nothing.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The CSV file ('-' for standard input).") var file: String
    @Option(help: "The period.") var period: String
    @Flag(help: "Validate and report only.") var dryRun = false

    func run() async throws {
        try await runImport(file, global) { client, options, metadata, content, name in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).importFeedback(
                .with {
                    $0.content = content
                    $0.periodID = period
                    $0.dryRun = dryRun
                    $0.fileName = name
                }, metadata: metadata, options: options)
        }
    }
}

struct UnitRate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rate", abstract: "Set a unit's predikat for a period (admin).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "Unit code.") var unit: String
    @Option(help: "The period.") var period: String
    @Option(help: "istimewa, baik, butuh_perbaikan, kurang or sangat_kurang.") var predikat: String

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).rateUnit(
                .with {
                    $0.unitCode = unit
                    $0.periodID = period
                    $0.predikat = predikat
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON([
                "unit": unit, "period": period, "predikat": predikat, "head_nip": r.headNip, "head_hasil_kerja": r.headHasilKerja, "head_note": r.headNote,
            ])
        } else {
            print("\(unit) \(period): \(predikat)")
            if !r.headNip.isEmpty { print("head: \(r.headNote)") }
        }
    }
}

struct AppraisalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "appraisal", abstract: "Appraisal reports: curve, list, credits, the SIASN export.",
        subcommands: [AppraisalCurve.self, AppraisalList.self, AppraisalCredits.self, AppraisalExportSIASN.self])
}

struct AppraisalCurve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "curve", abstract: "Check each unit against the distribution curve (SE MenPANRB 3/2023).")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The period.") var period: String
    @Option(help: "Only this unit.") var unit: String?

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).curve(
                .with {
                    $0.periodID = period
                    $0.unitCode = unit ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                r.units.map { u in
                    [
                        "unit_code": u.unitCode, "unit_name": u.unitName, "unit_predikat": u.unitPredikat, "employees": u.employees,
                        "counts": u.counts.mapValues { Int($0) }, "percentages": u.percentages, "violations": u.violations,
                        "satisfied": u.satisfied, "minimum_changes": u.minimumChanges >= 0 ? Int(u.minimumChanges) as Any : JSONNull(), "unrated": u.unrated,
                    ] as [String: Any]
                })
            return
        }
        let order = ["sangat_baik", "baik", "butuh_perbaikan", "kurang", "sangat_kurang"]
        printTable(
            ["UNIT", "PREDIKAT", "N", "SB", "B", "BP", "K", "SK", "UNRATED", "OK", "CHANGES", "VIOLATIONS"],
            r.units.map { u in
                [u.unitCode, u.unitPredikat.isEmpty ? "-" : u.unitPredikat, "\(u.employees)"] + order.map { "\(u.counts[$0] ?? 0)" }
                    + [
                        "\(u.unrated)", u.satisfied ? "yes" : "NO", u.minimumChanges < 0 ? "impossible" : "\(u.minimumChanges)",
                        u.violations.joined(separator: "; "),
                    ]
            })
    }
}

struct AppraisalList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Ratings and predikat of a period.")
    @OptionGroup(visibility: .hidden) var connection: ConnectionOptions
    @Option(help: "The period.") var period: String
    @Option(help: "Only this unit.") var unit: String?
    @Option(name: [.short, .customLong("output")], help: "table, json or csv.") var output: ReportFormat = .table

    func run() async throws {
        let global = connection.global(output: output == .json ? .json : .table)
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).listAppraisal(
                .with {
                    $0.periodID = period
                    $0.unitCode = unit ?? ""
                }, metadata: metadata, options: options)
        }
        switch output {
        case .json:
            var out = JSONArrayWriter()
            for x in r.rows {
                out.append([
                    "nip": .string(x.nip), "name": .string(x.name), "unit": .string(x.unitCode), "hasil_kerja": .string(x.hasilKerja),
                    "perilaku_kerja": .string(x.perilakuKerja), "predikat": .string(x.predikat), "rated_by": .string(x.ratedBy),
                    "hasil_by": .string(x.hasilBy), "supervisor_nip": .string(x.supervisorNip), "assessor_nip": .string(x.assessorNip),
                    "assessor_name": .string(x.assessorName), "assessor_acting": .string(x.assessorActing),
                ])
            }
            out.finish()
        case .csv:
            FileHandle.standardOutput.write(
                csvText(
                    header: ["nip", "name", "unit", "hasil_kerja", "perilaku_kerja", "predikat", "rated_by", "hasil_by", "assessor_nip", "assessor_acting"],
                    rows: r.rows.map {
                        [$0.nip, $0.name, $0.unitCode, $0.hasilKerja, $0.perilakuKerja, $0.predikat, $0.ratedBy, $0.hasilBy, $0.assessorNip, $0.assessorActing]
                    }))
        case .table:
            printTable(
                ["NIP", "NAME", "UNIT", "HASIL KERJA", "PERILAKU KERJA", "PREDIKAT", "ASSESSOR"],
                r.rows.map {
                    [
                        $0.nip, $0.name, $0.unitCode,
                        (ratingNames[$0.hasilKerja] ?? "-") + ($0.hasilBy.hasPrefix("unit:") ? " (\($0.hasilBy))" : $0.hasilBy.isEmpty ? "" : " (override)"),
                        ratingNames[$0.perilakuKerja] ?? "-", predikatNames[$0.predikat] ?? "(not rated)",
                        $0.assessorNip.isEmpty ? "-" : $0.assessorNip + ($0.assessorActing.isEmpty ? "" : " (\($0.assessorActing))"),
                    ]
                })
        }
    }
}

struct AppraisalCredits: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "credits", abstract: "Angka kredit of functional employees.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The period.") var period: String

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).credits(.with { $0.periodID = period }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                r.rows.map {
                    [
                        "nip": $0.nip, "jabatan_fungsional": $0.jabatanFungsional, "coefficient": $0.coefficient, "predikat": $0.predikat, "factor": $0.factor,
                        "credit": $0.credit, "credit_exact": $0.creditExact, "months": Int($0.months), "parts": $0.parts, "source": r.source,
                    ] as [String: Any]
                })
            return
        }
        printTable(
            ["NIP", "NAME", "JABATAN FUNGSIONAL", "COEFFICIENT", "PREDIKAT", "FACTOR", "MONTHS", "CREDIT"],
            r.rows.map {
                [
                    $0.nip, $0.name, $0.jabatanFungsional, $0.coefficient, $0.parts.isEmpty ? (predikatNames[$0.predikat] ?? $0.predikat) : "(periodic)",
                    $0.factor.isEmpty ? "-" : $0.factor, "\($0.months)", $0.credit,
                ]
            })
        if r.source == "periodic" { print("the year's credit is the sum of the periodic credits (credits_from = periodic)") }
    }
}

struct AppraisalExportSIASN: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-siasn",
        abstract: "Write a period's results as SIASN takes them (CSV, or JSON with -o json); unrated employees are listed on stderr.")
    @OptionGroup var global: GlobalOptions
    @Option(help: "The period (2026, or a periodic one).") var period: String
    @Argument(help: "The file to write ('-' for standard output).") var file: String

    static let columns = [
        "nip", "nama", "tahun", "periode", "hasil_kinerja", "perilaku_kerja", "kuadran_kinerja", "penilai_nip_nrp", "penilai_nama",
        "penilai_golongan", "penilai_jabatan", "penilai_unor_nama", "status_penilai", "predikat_unit", "angka_kredit",
    ]

    func run() async throws {
        let r = try await withDaemon(global, .long) { client, options, metadata in
            try await Kinerja_V1_AppraisalService.Client(wrapping: client).exportSIASN(.with { $0.periodID = period }, metadata: metadata, options: options)
        }
        func values(_ x: Kinerja_V1_SIASNRow) -> [String] {
            [
                x.nip, x.nama, "\(x.tahun)", x.periode, x.hasilKinerja, x.perilakuKerja, x.kuadranKinerja, x.penilaiNipNrp, x.penilaiNama,
                x.penilaiGolongan, x.penilaiJabatan, x.penilaiUnorNama, x.statusPenilai, x.predikatUnit, x.angkaKredit,
            ]
        }
        let data: Data
        if global.output == .json {
            let objects = r.rows.map { x in Dictionary(uniqueKeysWithValues: zip(Self.columns, values(x))) }
            data = (try? JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])) ?? Data()
        } else {
            data = csvText(header: Self.columns, rows: r.rows.map(values))
        }
        if file == "-" {
            FileHandle.standardOutput.write(data)
        } else {
            do { try data.write(to: URL(fileURLWithPath: file), options: .atomic) } catch {
                throw CLIError.failed("cannot write \(file): \(error.localizedDescription)")
            }
        }
        if !r.unrated.isEmpty {
            let list = r.unrated.prefix(20).joined(separator: ", ") + (r.unrated.count > 20 ? ", …" : "")
            FileHandle.standardError.write(Data("not exported, not rated for \(r.periodID): \(r.unrated.count) (\(list))\n".utf8))
        }
        if file != "-" { print("\(r.rows.count) rows written to \(file) (\(r.periodID))") }
    }
}
