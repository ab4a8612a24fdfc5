import Foundation
import Testing

/// What only `kinerjactl` shows of appraisal: its flags and its CSV and table output. The rules themselves are
/// tested in process (`AppraisalServiceTests`).
@Suite(.serialized) struct AppraisalE2ETests {
    @Test func ratingFlagsAndTheListAsCSVAndTable() async throws {
        let (daemon, dir) = try await organisedDaemon()
        #expect(try await daemon.ctl(["period", "create", "2025", "--periodic", "quarterly"]).status == 0)
        try await openPeriods(daemon, year: "2025", ["2025-Q1"], to: "running")
        let set = try jsonObject(
            try await daemon.ctl([
                "rating", "set", budi, "--period", "2025-Q1", "--hasil-kerja", "di_atas", "--perilaku-kerja", "sesuai", "--aspect", "akuntabel=di_atas", "-o",
                "json",
            ]).stdout)
        #expect(set["predikat"] as? String == "baik")
        #expect((set["aspects"] as? [String: String])?["akuntabel"] == "di_atas")
        let bad = try await daemon.ctl(["rating", "set", budi, "--period", "2025-Q1", "--hasil-kerja", "luar biasa", "--perilaku-kerja", "sesuai"])
        #expect(bad.status == 1 && bad.stderr.contains("INVALID_ARGUMENT"))
        let list0 = try await daemon.ctl(["appraisal", "list", "--period", "2025-Q1", "-o", "csv"])
        #expect(list0.stdout.contains("\(kepala),\"Siti Aminah, S.Kom\",DINAS,,,,,,,\n"), "\(list0.stdout)")
        let good = "nip,hasil_kerja,perilaku_kerja,kompeten\n\(kepala),Di Atas Ekspektasi,diatas,\n\(rina),di bawah,SESUAI,di_bawah\n"
        #expect(try await daemon.ctl(["rating", "import", try write(good, dir, "good.csv"), "--period", "2025-Q1"]).status == 0)
        let csv = try await daemon.ctl(["appraisal", "list", "--period", "2025-Q1", "-o", "csv"]).stdout
        #expect(csv.hasPrefix("nip,name,unit,hasil_kerja,perilaku_kerja,predikat,rated_by,hasil_by,assessor_nip,assessor_acting\n"))
        #expect(csv.contains("\(rina),Rina Fanggidae,BID1,di_bawah,sesuai,butuh_perbaikan,import uid"))
        #expect(csv.contains("\(rina),Rina Fanggidae,BID1,di_bawah,sesuai,butuh_perbaikan,import uid \(getuid()),,\(budi),\n"), "\(csv)")
        #expect(csv.contains("\(kepala),\"Siti Aminah, S.Kom\",DINAS,di_atas,di_atas,sangat_baik"))
        let table = try await daemon.ctl(["appraisal", "list", "--period", "2025-Q1"]).stdout
        #expect(table.contains("Butuh Perbaikan") && table.contains("Di Atas Ekspektasi"))
        #expect(await daemon.stop() == 0)
    }
}
