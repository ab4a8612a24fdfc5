import Foundation
import Testing

/// The structure commands through `kinerjactl` and a real daemon: acting officials, a unit head's result, the SIASN
/// export, the Matriks Peran Hasil, employee history. The rules are tested in process (`StructureServiceTests`).
@Suite(.serialized) struct StructureE2ETests {
    @Test func actingUnitHeadsSIASNAndTheCascadeFromTheCommandLine() async throws {
        let (daemon, dir) = try await organisedDaemon()
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-03"], to: "running")
        #expect(try await daemon.ctl(["unit", "set-head", "SEKR", budi]).status == 0)

        // A PLT over SEKR covering today (the daemon's real clock): Siti, for Budi.
        func day(_ offset: Double) -> String {
            ISO8601DateFormatter.string(
                from: Date().addingTimeInterval(offset * 86_400), timeZone: TimeZone(identifier: "Asia/Jakarta")!, formatOptions: [.withFullDate])
        }
        let today = day(0)
        let later = day(300)
        let added = try await daemon.ctl([
            "acting", "add", "--unit", "SEKR", "--nip", kepala, "--kind", "plt", "--from", today, "--to", later, "--reason", "SK 800/12", "-o", "json",
        ])
        #expect(added.status == 0, "\(added.stderr)")
        let assignment = try jsonObject(added.stdout)
        #expect(assignment["current"] as? Bool == true && assignment["head_nip"] as? String == budi)
        let id = try #require(assignment["id"] as? Int)
        let overlap = try await daemon.ctl(["acting", "add", "--unit", "SEKR", "--nip", rina, "--kind", "plt", "--from", today, "--to", later])
        #expect(overlap.status == 1 && overlap.stderr.contains("already has a PLT"), "\(overlap.stderr)")
        let badKind = try await daemon.ctl(["acting", "add", "--unit", "SEKR", "--nip", rina, "--kind", "pj", "--from", today, "--to", today])
        #expect(badKind.status == 1 && badKind.stderr.contains("INVALID_ARGUMENT"))
        let table = try await daemon.ctl(["acting", "list", "--current"])
        #expect(table.stdout.contains("PLT") && table.stdout.contains("SK 800/12"))
        let shown = try await daemon.ctl(["employee", "show", kepala])
        #expect(shown.stdout.contains("acting (PLT/PLH):") && shown.stdout.contains("PLT SEKR"), "\(shown.stdout)")

        // The unit's predikat becomes Budi's Hasil Kerja; his rating needs only Perilaku Kerja.
        let rated = try await daemon.ctl(["unit", "rate", "SEKR", "--period", "2026-03", "--predikat", "baik"])
        #expect(rated.stdout.contains("head: \(budi) takes sesuai as Hasil Kerja"), "\(rated.stdout)")
        let set = try await daemon.ctl(["rating", "set", budi, "--period", "2026-03", "--perilaku-kerja", "di_atas"])
        #expect(set.status == 0 && set.stdout.contains("→ Baik (hasil kerja from unit:SEKR)"), "\(set.stdout)\(set.stderr)")
        let noReason = try await daemon.ctl([
            "rating", "set", budi, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas", "--override",
        ])
        #expect(noReason.status == 2 && noReason.stderr.contains("--override needs --reason"))
        let refused = try await daemon.ctl(["rating", "set", budi, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas"])
        #expect(refused.status == 1 && refused.stderr.contains("FAILED_PRECONDITION") && refused.stderr.contains("--override"))
        #expect(try await daemon.ctl(["rating", "set", rina, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas"]).status == 0)

        // The SIASN export: a CSV with the documented columns; the unrated on stderr.
        let file = dir + "/siasn.csv"
        let export = try await daemon.ctl(["appraisal", "export-siasn", "--period", "2026-03", file])
        #expect(export.status == 0 && export.stdout.contains("2 rows written"), "\(export.stdout)\(export.stderr)")
        #expect(export.stderr.contains("not exported, not rated for 2026-03: 1 (\(kepala))"))
        let csv = try String(contentsOfFile: file, encoding: .utf8)
        #expect(
            csv.hasPrefix(
                "nip,nama,tahun,periode,hasil_kinerja,perilaku_kerja,kuadran_kinerja,penilai_nip_nrp,penilai_nama,penilai_golongan,penilai_jabatan,penilai_unor_nama,status_penilai,predikat_unit,angka_kredit\n"
            ))
        // Rina's assessor on 31 March was Budi (the PLT began later); Sangat Baik, one month of Ahli Pertama: 1.5625 → 1.56.
        #expect(
            csv.contains(
                "\(rina),Rina Fanggidae,2026,BULANAN 03,DI ATAS EKSPEKTASI,DI ATAS EKSPEKTASI,Sangat Baik,\(budi),Budi Santoso,III/b,Analis,Sekretariat,ASN,,1.56\n"
            ), "\(csv)")
        #expect(csv.contains("\(budi),Budi Santoso,2026,BULANAN 03,SESUAI EKSPEKTASI,DI ATAS EKSPEKTASI,Baik,\(kepala),"))
        let json = try jsonArray(try await daemon.ctl(["appraisal", "export-siasn", "--period", "2026-03", "-", "-o", "json"]).stdout)
        #expect(json.count == 2 && json.allSatisfy { $0["penilai_nip_nrp"] as? String != nil })

        // The appraisal list names the assessor; the cascade needs SKPs (none here: everyone is listed without one).
        let list = try await daemon.ctl(["appraisal", "list", "--period", "2026-03"])
        #expect(list.stdout.contains("ASSESSOR") && list.stdout.contains("(unit:SEKR)"), "\(list.stdout)")
        let cascade = try jsonObject(try await daemon.ctl(["skp", "cascade", "--period", "2026", "-o", "json"]).stdout)
        let supervisors = try #require(cascade["supervisors"] as? [[String: Any]])
        #expect(supervisors.count == 2 && supervisors.allSatisfy { ($0["without_skp"] as? [String])?.count == 1 })

        // Ending the assignment keeps its record.
        let ended = try await daemon.ctl(["acting", "end", "\(id)", "--on", today])
        #expect(ended.status == 0 && ended.stdout.contains("ended by"), "\(ended.stdout)\(ended.stderr)")
        let again = try await daemon.ctl(["acting", "end", "\(id)", "--on", today])
        #expect(again.status == 1 && again.stderr.contains("already ends"))
        #expect(await daemon.stop() == 0)
    }
}
