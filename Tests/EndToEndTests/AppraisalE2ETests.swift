import Foundation
import Testing

@Suite(.serialized) struct AppraisalE2ETests {
    @Test func ratingsPredikatCurveCreditsAndClosing() throws {
        let (daemon, dir) = try organisedDaemon()
        #expect(try daemon.ctl(["period", "create", "2025", "--periodic", "quarterly"]).status == 0)
        // Ratings are accepted while a period runs (or is in assessment): the year and 2025-Q1 run.
        #expect(try daemon.ctl(["period", "advance", "2025"]).status == 0)  // planning
        #expect(try daemon.ctl(["period", "advance", "2025", "--force", "--reason", "SKP di luar sistem"]).status == 0)  // running
        for _ in 0..<2 { #expect(try daemon.ctl(["period", "advance", "2025-Q1"]).status == 0) }
        // Set one by CLI: di_atas / sesuai → Baik.
        let set = try jsonObject(try daemon.ctl(["rating", "set", budi, "--period", "2025-Q1", "--hasil-kerja", "di_atas", "--perilaku-kerja", "sesuai", "--aspect", "akuntabel=di_atas", "-o", "json"]).stdout)
        #expect(set["predikat"] as? String == "baik")
        // Changing a rating re-derives the predikat.
        let changed = try jsonObject(try daemon.ctl(["rating", "set", budi, "--period", "2025-Q1", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas", "-o", "json"]).stdout)
        #expect(changed["predikat"] as? String == "sangat_baik")
        #expect(try daemon.ctl(["rating", "set", budi, "--period", "2025-Q1", "--hasil-kerja", "luar biasa", "--perilaku-kerja", "sesuai"]).stderr.contains("INVALID_ARGUMENT"))
        // Import with the other spellings; all or nothing.
        let bad = "nip,hasil_kerja,perilaku_kerja\n\(kepala),Di Atas Ekspektasi,sesuai\n\(rina),bagus,sesuai\n"
        let b = try daemon.ctl(["rating", "import", try write(bad, dir, "bad.csv"), "--period", "2025-Q1"])
        #expect(b.status == 1 && b.stderr.contains("line 3, column hasil_kerja: 'bagus'"))
        let list0 = try daemon.ctl(["appraisal", "list", "--period", "2025-Q1", "-o", "csv"])
        #expect(list0.stdout.contains("\(kepala),\"Siti Aminah, S.Kom\",DINAS,,,\n"), "\(list0.stdout)")
        let good = "nip,hasil_kerja,perilaku_kerja,kompeten\n\(kepala),Di Atas Ekspektasi,diatas,\n\(rina),di bawah,SESUAI,di_bawah\n"
        #expect(try daemon.ctl(["rating", "import", try write(good, dir, "good.csv"), "--period", "2025-Q1"]).status == 0)
        let csv = try daemon.ctl(["appraisal", "list", "--period", "2025-Q1", "-o", "csv"]).stdout
        #expect(csv.hasPrefix("nip,name,unit,hasil_kerja,perilaku_kerja,predikat\n"))
        #expect(csv.contains("\(rina),Rina Fanggidae,BID1,di_bawah,sesuai,butuh_perbaikan"))
        #expect(csv.contains("\(kepala),\"Siti Aminah, S.Kom\",DINAS,di_atas,di_atas,sangat_baik"))
        let table = try daemon.ctl(["appraisal", "list", "--period", "2025-Q1"]).stdout
        #expect(table.contains("Butuh Perbaikan") && table.contains("Di Atas Ekspektasi"))

        // The curve: units without a predikat are reported as such; Baik needs a tail.
        let before = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["appraisal", "curve", "--period", "2025-Q1", "-o", "json"]).stdout.utf8)) as? [[String: Any]] ?? []
        #expect(before.count == 3)
        #expect(before.allSatisfy { ($0["violations"] as? [String])?.first?.contains("no predikat") == true })
        #expect(try daemon.ctl(["unit", "rate", "SEKR", "--period", "2025-Q1", "--predikat", "baik"]).status == 0)
        #expect(try daemon.ctl(["unit", "rate", "DINAS", "--period", "2025-Q1", "--predikat", "istimewa"]).status == 0)
        #expect(try daemon.ctl(["unit", "rate", "BID1", "--period", "2025-Q1", "--predikat", "butuh_perbaikan"]).status == 0)
        #expect(try daemon.ctl(["unit", "rate", "BID1", "--period", "2025-Q1", "--predikat", "hebat"]).stderr.contains("INVALID_ARGUMENT"))
        let curve = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["appraisal", "curve", "--period", "2025-Q1", "-o", "json"]).stdout.utf8)) as? [[String: Any]] ?? []
        let sekr = try #require(curve.first { $0["unit_code"] as? String == "SEKR" })
        #expect(sekr["satisfied"] as? Bool == false)
        #expect((sekr["violations"] as? [String]) == ["at least one Butuh Perbaikan or Kurang/Misconduct: none of 1"])
        #expect((sekr["minimum_changes"] as? NSNumber)?.intValue == 1)
        let dinas = try #require(curve.first { $0["unit_code"] as? String == "DINAS" })
        #expect((dinas["violations"] as? [String])?.first == "Sangat Baik at most 70%: 1 of 1 (100%)")
        let bid = try #require(curve.first { $0["unit_code"] as? String == "BID1" })
        #expect(bid["satisfied"] as? Bool == true)
        #expect((bid["percentages"] as? [String: String])?["butuh_perbaikan"] == "100")

        // Closing is refused with the reason until the curve holds (or --force --reason).
        #expect(try daemon.ctl(["period", "advance", "2025-Q1"]).status == 0)  // assessment
        let refused = try daemon.ctl(["period", "advance", "2025-Q1"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("2 units violate the distribution curve for 2025-Q1: DINAS, SEKR"), "\(refused.stderr)")
        #expect(try daemon.ctl(["unit", "rate", "SEKR", "--period", "2025-Q1", "--predikat", "butuh_perbaikan"]).status == 0)
        #expect(try daemon.ctl(["rating", "set", kepala, "--period", "2025-Q1", "--hasil-kerja", "sesuai", "--perilaku-kerja", "sesuai"]).status == 0)
        #expect(try daemon.ctl(["rating", "set", budi, "--period", "2025-Q1", "--hasil-kerja", "di_bawah", "--perilaku-kerja", "sesuai"]).status == 0)
        #expect(try daemon.ctl(["unit", "rate", "DINAS", "--period", "2025-Q1", "--predikat", "istimewa"]).status == 0)
        let closed = try daemon.ctl(["period", "advance", "2025-Q1"])
        #expect(closed.status == 0, "\(closed.stderr)")
        // A closed period rejects ratings.
        let late = try daemon.ctl(["rating", "set", budi, "--period", "2025-Q1", "--hasil-kerja", "di_atas", "--perilaku-kerja", "di_atas"])
        #expect(late.stderr.contains("FAILED_PRECONDITION: period 2025-Q1 is closed"))

        // Suggestion from periodic ratings (ties to the later period), never applied.
        for _ in 0..<2 { #expect(try daemon.ctl(["period", "advance", "2025-Q2"]).status == 0) }
        #expect(try daemon.ctl(["rating", "set", budi, "--period", "2025-Q2", "--hasil-kerja", "sesuai", "--perilaku-kerja", "di_atas"]).status == 0)
        let suggestion = try jsonObject(try daemon.ctl(["rating", "suggest", budi, "--period", "2025", "-o", "json"]).stdout)
        #expect(suggestion["hasil_kerja"] as? String == "sesuai")
        #expect(suggestion["perilaku_kerja"] as? String == "di_atas")
        #expect(suggestion["predikat"] as? String == "baik")
        #expect(try daemon.ctl(["appraisal", "list", "--period", "2025", "-o", "csv"]).stdout.contains("\(budi),Budi Santoso,SEKR,,,"))

        // Angka kredit: Rina, ahli pertama, Butuh Perbaikan in Q1 → 12.5 × 75% = 9.375 → 9.38.
        let credits = try JSONSerialization.jsonObject(with: Data(try daemon.ctl(["appraisal", "credits", "--period", "2025-Q1", "-o", "json"]).stdout.utf8)) as? [[String: Any]]
        #expect(credits?.count == 1)
        #expect(credits?.first?["credit"] as? String == "9.38")
        #expect(credits?.first?["coefficient"] as? String == "12.50")
        #expect(daemon.stop() == 0)
    }

    @Test func feedbackIsStoredWithoutExposingRaters() throws {
        let (daemon, dir) = try organisedDaemon()
        #expect(try daemon.ctl(["period", "create", "2025"]).status == 0)
        let file = "nip,source,rating,rater,comment,akuntabel\n\(budi),atasan,di_atas,\(kepala),Bagus,di_atas\n\(budi),rekan,sesuai,199001012015031001,,\n\(budi),masyarakat,di_atas,survei-17,Ramah,\n"
        #expect(try daemon.ctl(["feedback", "import", try write(file, dir, "fb.csv"), "--period", "2025"]).status == 0)
        let dup = "nip,source,rating,rater\n\(budi),rekan,di_bawah,199001012015031001\n\(budi),tetangga,sesuai,x\n"
        let d = try daemon.ctl(["feedback", "import", try write(dup, dir, "dup.csv"), "--period", "2025"])
        #expect(d.stderr.contains("line 2, column rater: this rater already gave rekan feedback"))
        #expect(d.stderr.contains("line 3, column source"))
        // Reported with means per source, never with the raters.
        let listed = try daemon.ctl(["feedback", "list", "--period", "2025", "-o", "json"])
        #expect(listed.status == 0)
        let report = try jsonObject(listed.stdout)
        #expect((report["entries"] as? [[String: Any]])?.count == 3)
        let summary = try #require((report["summaries"] as? [[String: Any]])?.first)
        #expect((summary["mean_by_source"] as? [String: String]) == ["atasan": "3.00", "rekan": "2.00", "masyarakat": "3.00"])
        #expect(!listed.stdout.contains("199001012015031001") && !listed.stdout.contains("survei-17"))
        let audit = try daemon.ctl(["audit", "list", "-o", "json"]).stdout
        #expect(!audit.contains("199001012015031001"))
        #expect(daemon.stop() == 0)
    }
}
