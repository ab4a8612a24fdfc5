import Foundation
import KinerjaFixtures
import Testing

/// Siti (head, JPT) supervises Budi, who supervises Rina.
func skpDocument(period: String = "2025", budiIntervensi: String = "K1", rinaIntervensi: String = "R1", only: [String]? = nil) -> String {
    ThreePersonAgency.skpDocument(period: period, budiIntervensi: budiIntervensi, rinaIntervensi: rinaIntervensi, only: only)
}

func write(_ text: String, _ dir: String, _ name: String) throws -> String {
    let path = dir + "/" + name
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
}

@Suite(.serialized) struct SKPE2ETests {
    @Test func planApproveReportAndIntervensiRules() async throws {
        let (daemon, dir) = try await organisedDaemon()
        #expect(try await daemon.ctl(["period", "create", "2025", "--periodic", "monthly"]).status == 0)
        // Typos and wrong types are named with their path, every one of them.
        let typo = skpDocument().replacingOccurrences(of: "\"intervensi\": \"K1\"", with: "\"intervnsi\": \"K1\"")
            .replacingOccurrences(of: "\"target\": 99", with: "\"target\": \"sembilan puluh sembilan\"")
        let typos = try await daemon.ctl(["skp", "import", try write(typo, dir, "typo.json")])
        #expect(typos.status == 1)
        #expect(typos.stderr.contains("skp[1] (\(budi)).rhk[0].intervnsi: unknown key"), "\(typos.stderr)")
        #expect(typos.stderr.contains("skp[2] (\(rina)).rhk[0].indicators[0].target: target must be a number"))
        #expect(try await daemon.ctl(["skp", "import", try write("{\"skp\": [", dir, "broken.json"), "--period", "2025"]).stderr.contains("not valid JSON"))
        // Intervensi must name an RHK of the direct supervisor's SKP in the same period.
        let wrong = try await daemon.ctl(["skp", "import", try write(skpDocument(budiIntervensi: "K9"), dir, "wrong.json")])
        #expect(wrong.status == 1)
        #expect(wrong.stderr.contains("skp[1] (\(budi)).rhk[0].intervensi: 'K9' is not an RHK of supervisor \(kepala)'s SKP for 2025"), "\(wrong.stderr)")
        let noSupervisorSKP = try await daemon.ctl(["skp", "import", try write(skpDocument(only: [budi]), dir, "nosup.json")])
        #expect(noSupervisorSKP.stderr.contains("supervisor \(kepala) has no SKP for 2025 yet"))
        let missing = try await daemon.ctl(["skp", "import", try write(skpDocument(rinaIntervensi: ""), dir, "missing.json")])
        #expect(missing.stderr.contains("RHK utama P1 must name the supervisor's RHK"))
        // Rina's supervisor is Budi: Siti's K1 is not Budi's.
        let skipLevel = try await daemon.ctl(["skp", "import", try write(skpDocument(rinaIntervensi: "K1"), dir, "skip.json")])
        #expect(skipLevel.stderr.contains("'K1' is not an RHK of supervisor \(budi)'s SKP"))
        // A supervisor's SKP in another period does not count.
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "none"]).status == 0)
        #expect(try await daemon.ctl(["skp", "import", try write(skpDocument(period: "2026", only: [kepala]), dir, "k26.json")]).status == 0)
        let otherPeriod = try await daemon.ctl(["skp", "import", try write(skpDocument(only: [budi]), dir, "other.json")])
        #expect(otherPeriod.stderr.contains("supervisor \(kepala) has no SKP for 2025 yet"))
        #expect(try JSONSerialization.jsonObject(with: Data(try await daemon.ctl(["skp", "list", "--period", "2025", "-o", "json"]).stdout.utf8)) as? [String: Any] != nil)

        // The good file (forward reference: the supervisor is later in the file would work too).
        let good = try await daemon.ctl(["skp", "import", try write(skpDocument(), dir, "good.json"), "-o", "json"])
        #expect(good.status == 0, "\(good.stderr)")
        #expect((try jsonObject(good.stdout)["added"] as? NSNumber)?.intValue == 3)
        let shown = try jsonObject(try await daemon.ctl(["skp", "show", budi, "--period", "2025", "-o", "json"]).stdout)
        #expect(shown["status"] as? String == "draft")
        let rhk = try #require(shown["rhk"] as? [[String: Any]])
        #expect(rhk.map { $0["id"] as? String } == ["R1", "T1"])
        #expect((rhk[0]["indicators"] as? [[String: Any]])?[1]["target_text"] as? String == "sesuai standar")
        #expect((rhk[1]["indicators"] as? [[String: Any]])?[0]["direction"] as? String == "lower_is_better")
        #expect(((shown["lampiran"] as? [String: Any])?["konsekuensi"] as? [String]) == ["Teguran"])

        // Status rules.
        #expect(try await daemon.ctl(["skp", "approve", budi, "--period", "2025"]).stderr.contains("needs submitted"))
        #expect(try await daemon.ctl(["skp", "submit", budi, "--period", "2025"]).status == 0)
        #expect(try await daemon.ctl(["skp", "return", budi, "--period", "2025"]).status == 2)  // --note is required
        let returned = try jsonObject(try await daemon.ctl(["skp", "return", budi, "--period", "2025", "--note", "Tambahkan indikator waktu", "-o", "json"]).stdout)
        #expect(returned["status"] as? String == "returned")
        #expect(returned["return_note"] as? String == "Tambahkan indikator waktu")
        #expect(try await daemon.ctl(["skp", "import", try write(skpDocument(only: [budi]), dir, "again.json")]).status == 0)  // returned is editable
        for nip in [kepala, budi, rina] {
            #expect(try await daemon.ctl(["skp", "submit", nip, "--period", "2025"]).status == 0)
            #expect(try await daemon.ctl(["skp", "approve", nip, "--period", "2025"]).status == 0)
        }
        let locked = try await daemon.ctl(["skp", "import", try write(skpDocument(only: [budi]), dir, "locked.json")])
        #expect(locked.stderr.contains("the SKP of \(budi) is approved; only draft or returned SKPs can be edited"))
        let list = try jsonObject(try await daemon.ctl(["skp", "list", "--period", "2025", "-o", "json"]).stdout)
        #expect((list["skp"] as? [[String: Any]])?.allSatisfy { $0["status"] as? String == "approved" } == true)
        #expect((list["missing"] as? NSNumber)?.intValue == 0)

        // Realisasi: all or nothing, checked against the approved SKP.
        let realisasiHeader = "nip,period,rhk_id,indicator_id,value,text,evidence,note\n"
        let badRealisasi = realisasiHeader + "\(budi),2025-03,R1,I1,3,,https://drive/lap-maret.pdf,\n\(budi),2025-03,R1,I9,1,,,\n\(budi),2025-03,R1,I2,,,,\n"
        let bad = try await daemon.ctl(["realisasi", "import", try write(badRealisasi, dir, "bad-real.csv")])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("line 3, column indicator_id: \(budi)'s SKP for 2025 has no indicator R1/I9"), "\(bad.stderr)")
        #expect(bad.stderr.contains("line 4, column text: indicator R1/I2 has a qualitative target"))
        let march = try jsonObject(try await daemon.ctl(["period", "show", "2025-03", "-o", "json"]).stdout)
        #expect((march["realisasi_filled"] as? NSNumber)?.intValue == 0)
        let goodRealisasi = realisasiHeader + "\(budi),2025-03,R1,I1,3,,https://drive/lap-maret.pdf,\n\(budi),2025-03,R1,I2,,sesuai standar,,\n\(budi),2025-03,T1,I1,0,,,\n"
        #expect(try await daemon.ctl(["realisasi", "import", try write(goodRealisasi, dir, "real.csv")]).status == 0)
        let after = try jsonObject(try await daemon.ctl(["period", "show", "2025-03", "-o", "json"]).stdout)
        #expect((after["realisasi_filled"] as? NSNumber)?.intValue == 3)
        #expect((after["realisasi_expected"] as? NSNumber)?.intValue == 5)
        // Feedback and activities.
        #expect(try await daemon.ctl(["skp", "feedback", budi, "--period", "2025-03", "--rhk", "R1", "--text", "Pertahankan"]).status == 0)
        #expect(try await daemon.ctl(["skp", "feedback", budi, "--period", "2025-03", "--rhk", "R7", "--text", "x"]).stderr.contains("NOT_FOUND"))
        // Activities are logged while a period containing the day runs.
        try await openPeriods(daemon, year: "2025")
        let activities = "nip,date,description,rhk_id,minutes,evidence\n\(budi),2025-03-03,Menyusun laporan,R1,120,\n\(budi),2025-03-04,Rapat koordinasi,,90,notulen-04.pdf\n"
        #expect(try await daemon.ctl(["activity", "import", try write(activities, dir, "act.csv")]).status == 0)
        let listed = try jsonObject(try await daemon.ctl(["activity", "list", budi, "--from", "2025-03-01", "--to", "2025-03-31", "-o", "json"]).stdout)
        #expect((listed["total_minutes"] as? NSNumber)?.intValue == 210)
        let badActivity = "nip,date,description,rhk_id,minutes\n\(budi),2025-02-30,X,,30\n\(budi),2025-03-05,Y,,0\n\(budi),2025-03-05,Z,R9,30\n"
        let ba = try await daemon.ctl(["activity", "import", try write(badActivity, dir, "bad-act.csv")])
        #expect(ba.stderr.contains("line 2, column date") && ba.stderr.contains("line 3, column minutes") && ba.stderr.contains("line 4, column rhk_id"))
        #expect(await daemon.stop() == 0)
    }

    @Test func aClosedPeriodRefusesEveryWritePath() async throws {
        let (daemon, dir) = try await organisedDaemon()
        #expect(try await daemon.ctl(["period", "create", "2025", "--periodic", "monthly"]).status == 0)
        #expect(try await daemon.ctl(["skp", "import", try write(skpDocument(), dir, "skp.json"), "--submit"]).status == 0)
        for nip in [kepala, budi, rina] { #expect(try await daemon.ctl(["skp", "approve", nip, "--period", "2025"]).status == 0) }
        // Close March while the year runs, and then the whole year.
        for _ in 0..<2 { #expect(try await daemon.ctl(["period", "advance", "2025"]).status == 0) }
        for _ in 0..<3 { #expect(try await daemon.ctl(["period", "advance", "2025-03"]).status == 0) }
        let unrated = try await daemon.ctl(["period", "advance", "2025-03"])
        #expect(unrated.stderr.contains("3 active employees are not rated for 2025-03: \(kepala), \(budi), \(rina)"), "\(unrated.stderr)")
        #expect(try await daemon.ctl(["period", "advance", "2025-03", "--force", "--reason", "uji"]).status == 0)
        let realisasi = "nip,period,rhk_id,indicator_id,value,text,evidence,note\n\(budi),2025-03,R1,I1,3,,,\n"
        let r = try await daemon.ctl(["realisasi", "import", try write(realisasi, dir, "r.csv")])
        #expect(r.status == 1 && r.stderr.contains("period 2025-03 is closed"), "\(r.stderr)")
        let f = try await daemon.ctl(["skp", "feedback", budi, "--period", "2025-03", "--rhk", "R1", "--text", "x"])
        #expect(f.stderr.contains("FAILED_PRECONDITION: period 2025-03 is closed"))
        let a = try await daemon.ctl(["activity", "import", try write("nip,date,description,minutes\n\(budi),2025-03-10,X,30\n", dir, "a.csv")])
        #expect(a.stderr.contains("period 2025-03 is closed"))
        #expect(try await daemon.ctl(["period", "set-deadline", "2025-03", "--deadline", "2025-04-20"]).stderr.contains("closed"))
        #expect(try await daemon.ctl(["period", "advance", "2025"]).status == 0)  // assessment
        #expect(try await daemon.ctl(["period", "advance", "2025", "--force", "--reason", "tutup buku"]).status == 0)
        let imp = try await daemon.ctl(["skp", "import", try write(skpDocument(only: [kepala]), dir, "k.json")])
        #expect(imp.stderr.contains("FAILED_PRECONDITION: period 2025 is closed"), "\(imp.stderr)")
        for action in [["skp", "submit", rina], ["skp", "approve", rina], ["skp", "return", rina, "--note", "x"]] {
            let res = try await daemon.ctl(action + ["--period", "2025"])
            #expect(res.stderr.contains("period 2025 is closed"), "\(action): \(res.stderr)")
        }
        #expect(await daemon.stop() == 0)
    }
}

@Suite(.serialized, .enabled(if: isRoot, "switching uid with setpriv needs root"))
struct SKPGatewayTests {
    @Test func gatewayActsWithTheEmployeesRights() async throws {
        let daemon = try await openDaemon(config: "[security]\ngateway_users = [\"65533\"]\n")
        let (_, dir) = try organisedDaemonFiles()
        chmod(dir, 0o755)
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        #expect(try await daemon.ctl(["period", "create", "2025"]).status == 0)
        func asGateway(_ nip: String, _ args: [String]) async throws -> ProcessResult {
            try await daemon.ctl(args + ["--actor-nip", nip], asUser: 65533)
        }
        let kepalaFile = try write(skpDocument(only: [kepala]), dir, "k.json")
        let budiFile = try write(skpDocument(only: [budi]), dir, "b.json")
        chmod(kepalaFile, 0o644)
        chmod(budiFile, 0o644)
        // Budi may not file Siti's SKP; Siti files her own; Budi his own.
        let foreign = try await asGateway(budi, ["skp", "import", kepalaFile])
        #expect(foreign.status == 1)
        #expect(foreign.stderr.contains("\(budi) may not import the SKP of \(kepala)"), "\(foreign.stderr)")
        #expect(try await asGateway(kepala, ["skp", "import", kepalaFile, "--submit"]).status == 0)
        #expect(try await asGateway(budi, ["skp", "import", budiFile, "--submit"]).status == 0)
        // Nobody approves their own SKP; the direct supervisor does.
        let own = try await asGateway(budi, ["skp", "approve", budi, "--period", "2025"])
        #expect(own.status == 1 && own.stderr.contains("PERMISSION_DENIED"))
        #expect(own.stderr.contains("only \(budi)'s direct supervisor (\(kepala)) may"))
        let byRina = try await asGateway(rina, ["skp", "approve", budi, "--period", "2025"])
        #expect(byRina.stderr.contains("PERMISSION_DENIED"))
        #expect(try await asGateway(kepala, ["skp", "approve", budi, "--period", "2025"]).status == 0)
        // Reading: own and subordinates only.
        #expect(try await asGateway(budi, ["skp", "show", budi, "--period", "2025"]).status == 0)
        #expect(try await asGateway(kepala, ["skp", "show", budi, "--period", "2025"]).status == 0)
        #expect(try await asGateway(rina, ["skp", "show", budi, "--period", "2025"]).stderr.contains("PERMISSION_DENIED"))
        // A gateway without an actor is refused; the operator list stays closed to it.
        #expect(try await daemon.ctl(["skp", "show", budi, "--period", "2025"], asUser: 65533).stderr.contains("must name the employee"))
        #expect(try await asGateway(kepala, ["skp", "list", "--period", "2025"]).stderr.contains("needs the operator role"))
        // Activities: own rows only.
        try await openPeriods(daemon, year: "2025")
        let act = try write("nip,date,description,minutes\n\(kepala),2025-03-10,Rapat,60\n", dir, "act.csv")
        chmod(act, 0o644)
        let wrongActor = try await asGateway(budi, ["activity", "import", act])
        #expect(wrongActor.stderr.contains("may not log activities for \(kepala)"))
        #expect(try await asGateway(kepala, ["activity", "import", act]).status == 0)
        #expect(await daemon.stop() == 0)
    }
}
