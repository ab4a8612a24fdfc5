import Foundation
import KinerjaFixtures
import Testing

/// Imports big enough (over 1 MB) to take the parallel SKP decoder, and what it must still refuse.
@Suite(.serialized) struct LargeImportTests {
    @Test func largeSKPDocumentsDecodeInParallelAndBadOnesAreStillNamed() async throws {
        let sample = SampleAgency(unitCount: 20, employeeCount: 2_000)
        let daemon = try Daemon()
        try await daemon.waitReady()
        let dir = try shortTemporaryDirectory("kl")
        try sample.unitsCSV.write(to: URL(fileURLWithPath: dir + "/units.csv"))
        try sample.employeesCSV.write(to: URL(fileURLWithPath: dir + "/employees.csv"))
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        let (json, csv) = sample.skpAndRealisasi(year: 2026, month: 3)
        #expect(json.count > 1 << 20)
        let text = String(decoding: json, as: UTF8.self)

        // A wrong value deep inside, a stray element, an unknown key: refused with the place named, nothing applied.
        let wrong = text.replacingOccurrences(of: "\"aspect\":\"waktu\"", with: "\"aspect\":\"durasi\"")
        let w = try await daemon.ctl(["skp", "import", try write(wrong, dir, "wrong.json")])
        #expect(w.status == 1 && w.stderr.contains(".rhk[0].indicators[1].aspect") && w.stderr.contains("durasi"), "\(w.stderr.prefix(500))")
        let stray = text.replacingOccurrences(of: "\"skp\":[{", with: "\"skp\":[7,{")
        let s = try await daemon.ctl(["skp", "import", try write(stray, dir, "stray.json")])
        #expect(s.status == 1 && s.stderr.contains("skp[0]"), "\(s.stderr.prefix(500))")
        let unknown = text.replacingOccurrences(of: "{\"period\":\"2026\",", with: "{\"period\":\"2026\",\"periode\":\"x\",")
        let u = try await daemon.ctl(["skp", "import", try write(unknown, dir, "unknown.json")])
        #expect(u.status == 1 && u.stderr.contains("periode"), "\(u.stderr.prefix(500))")
        let listed = try jsonObject(try await daemon.ctl(["skp", "list", "--period", "2026", "-o", "json"]).stdout)["skp"] as? [Any]
        #expect(listed == nil || listed?.isEmpty == true)

        // The good document: every SKP in, in file order, with its RHK and indicators.
        let ok = try await daemon.ctl(["skp", "import", try write(text, dir, "skp.json"), "--submit"])
        #expect(ok.status == 0, "\(ok.stderr)")
        let list = try jsonObject(try await daemon.ctl(["skp", "list", "--period", "2026", "-o", "json"]).stdout)
        let skps = list["skp"] as? [[String: Any]] ?? []
        #expect(skps.count == 2_000)
        #expect(skps.allSatisfy { ($0["rhk"] as? NSNumber)?.intValue == 3 && ($0["indicators"] as? NSNumber)?.intValue == 6 })
        #expect(try await daemon.ctl(["skp", "approve", "--all", "--period", "2026"]).status == 0)
        #expect(try await daemon.ctl(["period", "advance", "2026"]).status == 0)
        #expect(try await daemon.ctl(["period", "advance", "2026"]).status == 0)
        for _ in 0..<2 { #expect(try await daemon.ctl(["period", "advance", "2026-03"]).status == 0) }
        let r = try await daemon.ctl(["realisasi", "import", try write(String(decoding: csv, as: UTF8.self), dir, "real.csv")])
        #expect(r.status == 0, "\(r.stderr)")
        let shown = try jsonObject(try await daemon.ctl(["period", "show", "2026-03", "-o", "json"]).stdout)
        #expect((shown["realisasi_filled"] as? NSNumber)?.intValue == 12_000)
        #expect(await daemon.stop() == 0)
    }
}
