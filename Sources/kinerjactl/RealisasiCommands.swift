import ArgumentParser
import Foundation
import GRPCCore
import KinerjaAPI
import KinerjaQR
import SwiftProtobuf

func realisasiJSON(_ r: Kinerja_V1_RealisasiEntry) -> [String: Any] {
    [
        "nip": r.key.nip, "period_id": r.key.periodID, "rhk_id": r.key.rhkID, "indicator_id": r.key.indicatorID,
        "value": r.hasValue_p ? r.value as Any : JSONNull(), "text": r.text, "evidence": r.evidence, "note": r.note, "updated_at": r.updatedAt,
    ]
}

struct RealisasiList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "One employee's realisasi for a period, per indicator, with the supervisor's umpan balik.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "Period id, e.g. 2026-03.") var period: String

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).listRealisasi(
                .with {
                    $0.nip = nip
                    $0.periodID = period
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(
                [
                    "nip": r.nip, "period_id": r.periodID, "period_state": r.periodState, "deadline": r.deadline, "extended": r.extended,
                    "open_for_filing": r.openForFiling, "skp_status": r.hasSkp ? r.skp.status : "",
                    "realisasi": r.realisasi.map(realisasiJSON),
                    "umpan_balik": r.umpanBalik.map { ["rhk_id": $0.rhkID, "text": $0.text, "by_nip": $0.byNip, "updated_at": $0.updatedAt] },
                ] as [String: Any])
            return
        }
        print(
            "\(r.nip) \(r.periodID) (\(r.periodState)); batas pengisian \(r.deadline)\(r.extended ? " (extended)" : "")"
                + "; \(r.openForFiling ? "open for filing" : "closed for filing")")
        let filed = Dictionary(r.realisasi.map { ("\($0.key.rhkID)/\($0.key.indicatorID)", $0) }, uniquingKeysWith: { a, _ in a })
        let feedback = Dictionary(r.umpanBalik.map { ($0.rhkID, $0.text) }, uniquingKeysWith: { a, _ in a })
        var rows: [[String]] = []
        for rhk in r.skp.rhk {
            for i in rhk.indicators {
                let f = filed["\(rhk.id)/\(i.id)"]
                rows.append([
                    rhk.id, i.id, i.hasTarget_p ? "\(i.target) \(i.unit)" : i.targetText,
                    f.map { $0.hasValue_p ? "\($0.value)" : $0.text } ?? "-", f.map { "\($0.evidence.count)" } ?? "-", feedback[rhk.id] ?? "",
                ])
            }
        }
        printTable(["RHK", "INDICATOR", "TARGET", "REALISASI", "EVIDENCE", "UMPAN BALIK"], rows)
    }
}

struct RealisasiPut: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "put", abstract: "File or replace one realisasi.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "Period id, e.g. 2026-03.") var period: String
    @Option(help: "RHK id.") var rhk: String
    @Option(help: "Indicator id.") var indicator: String
    @Option(help: "The value (numeric targets), e.g. 12 or 12,5.") var value: String?
    @Option(help: "The realisasi in words (qualitative targets).") var text: String?
    @Option(help: "A link to bukti dukung (repeatable).") var evidence: [String] = []
    @Option(help: "A note.") var note: String?

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).putRealisasi(
                .with {
                    $0.key = .with {
                        $0.nip = nip
                        $0.periodID = period
                        $0.rhkID = rhk
                        $0.indicatorID = indicator
                    }
                    $0.value = value ?? ""
                    $0.text = text ?? ""
                    $0.evidence = evidence
                    $0.note = note ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(realisasiJSON(r))
            return
        }
        print("filed \(r.key.nip) \(r.key.periodID) \(r.key.rhkID)/\(r.key.indicatorID): \(r.hasValue_p ? "\(r.value)" : r.text)")
    }
}

struct RealisasiDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove one realisasi.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "Period id, e.g. 2026-03.") var period: String
    @Option(help: "RHK id.") var rhk: String
    @Option(help: "Indicator id.") var indicator: String

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).deleteRealisasi(
                .with {
                    $0.nip = nip
                    $0.periodID = period
                    $0.rhkID = rhk
                    $0.indicatorID = indicator
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["deleted": r.deleted])
            return
        }
        print(r.deleted ? "deleted" : "there was no such realisasi")
    }
}

struct ActivityAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Log one activity (replacing the one of the same day and description).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "The day (YYYY-MM-DD).") var date: String
    @Option(help: "What was done.") var description: String
    @Option(help: "Minutes spent (1–1440).") var minutes: Int32
    @Option(help: "An RHK of the year's SKP.") var rhk: String?
    @Option(help: "Links to bukti dukung, separated by spaces.") var evidence: String?

    func run() async throws {
        let a = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).putActivity(
                .with {
                    $0.nip = nip
                    $0.date = date
                    $0.description_p = description
                    $0.minutes = minutes
                    $0.rhkID = rhk ?? ""
                    $0.evidence = evidence ?? ""
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["id": a.id, "nip": a.nip, "date": a.date, "description": a.description_p, "minutes": a.minutes, "rhk_id": a.rhkID])
            return
        }
        print("activity \(a.id): \(a.nip) \(a.date) \(a.minutes) min \(a.description_p)")
    }
}

struct ActivityDelete: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove one logged activity by id (see `activity list`).")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "The activity's id.") var id: Int64

    func run() async throws {
        let r = try await withDaemon(global) { client, options, metadata in
            try await Kinerja_V1_SKPService.Client(wrapping: client).deleteActivity(
                .with {
                    $0.id = id
                    $0.nip = nip
                }, metadata: metadata, options: options)
        }
        if global.output == .json {
            printJSON(["deleted": r.deleted])
            return
        }
        print(r.deleted ? "deleted" : "there was no such activity")
    }
}

struct FeedbackPublicLink: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "public-link",
        abstract: "Make (or with --revoke stop) the link the public uses to rate one employee in one period.",
        discussion: "The token is printed once: put it in the portal's public address (e.g. https://kinerja.example.go.id/umpan-balik/TOKEN) or a QR code.")
    @OptionGroup var global: GlobalOptions
    @Argument(help: "The employee's NIP.") var nip: String
    @Option(help: "Period id, e.g. 2026-03.") var period: String
    @Flag(help: "Stop the link in force instead.") var revoke = false
    @Option(help: "The portal's address, for the link printed (default $KINERJA_PORTAL_URL, else http://127.0.0.1:8080).")
    var portalURL: String?
    @Option(help: "Also write the link as a QR code to this SVG file (for posters and counters).") var qr: String?

    func run() async throws {
        let request = Kinerja_V1_PublicLinkRequest.with {
            $0.nip = nip
            $0.periodID = period
        }
        let link = try await withDaemon(global) { client, options, metadata in
            let appraisal = Kinerja_V1_AppraisalService.Client(wrapping: client)
            return revoke
                ? try await appraisal.revokePublicLink(request, metadata: metadata, options: options)
                : try await appraisal.createPublicLink(request, metadata: metadata, options: options)
        }
        let base = (portalURL ?? ProcessInfo.processInfo.environment["KINERJA_PORTAL_URL"] ?? "http://127.0.0.1:8080")
            .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        let url = link.token.isEmpty ? "" : "\(base)/publik/\(link.token)"
        if let qr, !url.isEmpty {
            do {
                try QRCode(url).svg().write(toFile: qr, atomically: true, encoding: .utf8)
            } catch {
                throw CLIError(exitCode: 1, message: "the QR code could not be written to \(qr): \(error)")
            }
        }
        if global.output == .json {
            printJSON(["token": link.token, "url": url, "nip": link.nip, "name": link.name, "period_id": link.periodID, "open": link.open])
            return
        }
        if revoke {
            print("the public feedback link of \(link.nip) (\(link.name)) for \(link.periodID) is revoked")
        } else {
            print(
                "public feedback link of \(link.nip) (\(link.name)) for \(link.periodID): \(url)\(link.open ? "" : " (the period takes no ratings now)")\(qr.map { "; QR code in \($0)" } ?? "")"
            )
        }
    }
}
