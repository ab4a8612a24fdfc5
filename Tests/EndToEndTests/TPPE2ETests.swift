import Foundation
import Testing

@Suite(.serialized) struct TPPE2ETests {
    func prepare(_ daemon: Daemon, _ dir: String) async throws {
        #expect(try await daemon.ctl(["period", "create", "2026", "--periodic", "monthly"]).status == 0)
        try await openPeriods(daemon, year: "2026", ["2026-03"])
        #expect(try await daemon.ctl(["tpp", "base", "import", try write("kelas_jabatan,base_rupiah\n7,5000000\n8,3250000\n", dir, "base.csv")]).status == 0)
        #expect(try await daemon.ctl(["rating", "set", budi, "--period", "2026-03", "--hasil-kerja", "di_atas", "--perilaku-kerja", "sesuai"]).status == 0)  // baik
        #expect(try await daemon.ctl(["rating", "set", rina, "--period", "2026-03", "--hasil-kerja", "di_bawah", "--perilaku-kerja", "di_atas"]).status == 0)  // butuh perbaikan
        let attendance = "nip,tl1,tl2,tl3,tl4,psw1,psw2,psw3,psw4,tk,sanction_percent\n\(budi),2,0,0,0,0,1,0,0,1,0\n\(rina),0,0,0,0,0,0,0,0,12,20\n"
        #expect(try await daemon.ctl(["tpp", "attendance", "import", try write(attendance, dir, "att.csv"), "--month", "2026-03"]).status == 0)
    }

    @Test func computeExplainLockExport() async throws {
        let (daemon, dir) = try await organisedDaemon()
        try await prepare(daemon, dir)
        let bad = "nip,tk,sanction_percent\n\(budi),-1,0\n\(rina),0,10\n198001012005011009,0,0\n"
        let b = try await daemon.ctl(["tpp", "attendance", "import", try write(bad, dir, "bad.csv"), "--month", "2026-03"])
        #expect(b.status == 1)
        #expect(b.stderr.contains("line 2, column tk") && b.stderr.contains("line 3, column sanction_percent: sanction must be 0 or 20–100") && b.stderr.contains("line 4, column nip"))

        let computed = try jsonObject(try await daemon.ctl(["tpp", "compute", "--month", "2026-03", "-o", "json"]).stdout)
        #expect((computed["paid"] as? NSNumber)?.intValue == 2)
        #expect((computed["blocked"] as? NSNumber)?.intValue == 1)
        let blocked = try #require((computed["blocked_employees"] as? [[String: Any]])?.first)
        #expect(blocked["nip"] as? String == kepala)
        #expect((blocked["reason"] as? String)?.contains("no TPP base for kelas jabatan 15") == true)
        // Worked example 1 (III/b): 3,000,000 + 1,700,000 = 4,700,000 gross, 235,000 tax, 4,465,000 net.
        let b1 = try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout)
        #expect((b1["kinerja"] as? NSNumber)?.int64Value == 3_000_000)
        #expect((b1["disiplin"] as? NSNumber)?.int64Value == 1_700_000)
        #expect((b1["gross"] as? NSNumber)?.int64Value == 4_700_000)
        #expect((b1["tax"] as? NSNumber)?.int64Value == 235_000)
        #expect((b1["net"] as? NSNumber)?.int64Value == 4_465_000)
        #expect(b1["predikat_period"] as? String == "2026-03")
        #expect(b1["deductions_percent"] as? String == "6")
        // PPPK IX (5 %): 1,462,500 kinerja, disiplin floored at 0, 20 % sanction → 1,170,000 gross, 58,500 tax.
        let r1 = try jsonObject(try await daemon.ctl(["tpp", "show", rina, "--month", "2026-03", "-o", "json"]).stdout)
        #expect((r1["kinerja"] as? NSNumber)?.int64Value == 1_462_500)
        #expect((r1["disiplin"] as? NSNumber)?.int64Value == 0)
        #expect((r1["gross"] as? NSNumber)?.int64Value == 1_170_000)
        #expect((r1["net"] as? NSNumber)?.int64Value == 1_111_500)
        let explain = try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03"]).stdout
        #expect(explain.contains("predikat Baik (period 2026-03) → factor 100%"))
        #expect(explain.contains("deduction TK × 1 at 4% = 4% of base"))
        #expect(explain.contains("net paid: Rp 4.465.000"))

        // Export: sorted by unit then NIP, totals equal compute's.
        let export = try jsonObject(try await daemon.ctl(["tpp", "export", "--month", "2026-03", dir + "/payroll.csv", "-o", "json"]).stdout)
        let csv = try String(contentsOfFile: dir + "/payroll.csv", encoding: .utf8)
        let lines = csv.split(separator: "\n")
        #expect(lines.first == "nip,name,unit_code,golongan,kelas_jabatan,base,kinerja,disiplin,deductions_percent,sanction_percent,gross,tax,net")
        #expect(lines.count == 3)
        #expect(lines[1].hasPrefix(rina) && lines[2].hasPrefix(budi))  // BID1 before SEKR
        let sumNet = lines.dropFirst().map { Int64($0.split(separator: ",").last!)! }.reduce(0, +)
        #expect(sumNet == (computed["total_net"] as? NSNumber)?.int64Value)
        #expect((export["total_net"] as? NSNumber)?.int64Value == sumNet)
        #expect(try await daemon.ctl(["tpp", "export", "--month", "2026-03"]).stderr.contains("blocked \(kepala)"))

        // Lock: later changes do not alter the month; compute and attendance are refused until unlocked.
        #expect(try await daemon.ctl(["tpp", "lock", "--month", "2026-03"]).status == 0)
        #expect(try await daemon.ctl(["rating", "set", budi, "--period", "2026-03", "--hasil-kerja", "di_bawah", "--perilaku-kerja", "di_bawah"]).status == 0)
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).stderr.contains("FAILED_PRECONDITION: TPP for 2026-03 is locked"))
        #expect(try await daemon.ctl(["tpp", "attendance", "import", dir + "/att.csv", "--month", "2026-03"]).stderr.contains("locked"))
        #expect((try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout)["net"] as? NSNumber)?.int64Value == 4_465_000)
        #expect(try await daemon.ctl(["tpp", "unlock", "--month", "2026-03"]).status == 2)
        #expect(try await daemon.ctl(["tpp", "unlock", "--month", "2026-03", "--reason", "koreksi absensi"]).status == 0)
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        let after = try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout)
        #expect(after["predikat"] as? String == "sangat_kurang")
        #expect((after["kinerja"] as? NSNumber)?.int64Value == 750_000)
        let audit = try await daemon.ctl(["audit", "list", "-o", "json"]).stdout
        #expect(audit.contains("unlocked: koreksi absensi") && audit.contains("LockTPP"))
        // A month outside any periodic period blocks everyone rather than paying zero.
        let april = try jsonObject(try await daemon.ctl(["tpp", "compute", "--month", "2027-04", "-o", "json"]).stdout)
        #expect((april["paid"] as? NSNumber)?.intValue == 0)
        #expect(((april["blocked_employees"] as? [[String: Any]])?.first { $0["nip"] as? String == budi }?["reason"] as? String)?.contains("no periodic period contains 2027-04") == true)
        #expect(await daemon.stop() == 0)
    }

    @Test func theAgencyPluginReplacesTheComputation() async throws {
        let (daemon, _, _) = try await pluginDaemon("load = [\"testswift\"]\n")
        let (_, dir) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        try await prepare(daemon, dir)
        #expect(try await daemon.ctl(["agency", "set", "--plugin", "testswift"]).status == 0)
        let computed = try jsonObject(try await daemon.ctl(["tpp", "compute", "--month", "2026-03", "-o", "json"]).stdout)
        #expect(computed["handled_by"] as? String == "testswift")
        let b = try jsonObject(try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout)
        #expect((b["kinerja"] as? NSNumber)?.int64Value == 3_500_000)  // 70 % share
        #expect((b["disiplin"] as? NSNumber)?.int64Value == 1_200_000)  // 5,000,000 × (30 % − 6 %)
        #expect(b["handled_by"] as? String == "testswift")
        #expect(await daemon.stop() == 0)
    }

    @Test func agencySettingsOverridesAndExplanationsKeepTheirNumbers() async throws {
        let settings = "[tpp]\nkinerja_share_percent = 70\ndisiplin_share_percent = 30\n[tpp.deduction_percent]\ntk = 5\n"
        let (daemon, plugins, configPath) = try await pluginDaemon(settings)
        let (_, dir) = try organisedDaemonFiles()
        #expect(try await daemon.ctl(["unit", "import", dir + "/units.csv"]).status == 0)
        #expect(try await daemon.ctl(["employee", "import", dir + "/employees.csv"]).status == 0)
        try await prepare(daemon, dir)
        func show() async throws -> [String: Any] { await try jsonObject(try daemon.ctl(["tpp", "show", budi, "--month", "2026-03", "-o", "json"]).stdout) }
        func money(_ o: [String: Any], _ key: String) -> Int64? { (o[key] as? NSNumber)?.int64Value }

        // 70/30 shares, TK at 5 %: deductions 1 % + 1 % + 5 % = 7 %.
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        var b = try await show()
        #expect(money(b, "kinerja") == 3_500_000)  // 5,000,000 × 70 %
        #expect(money(b, "disiplin") == 1_150_000)  // 5,000,000 × (30 % − 7 %)
        #expect(money(b, "tax") == 232_500)
        #expect(money(b, "net") == 4_417_500)
        #expect(b["deductions_percent"] as? String == "7")

        // An employee's own base: admin only, audited, used from the next computation.
        #expect(try await daemon.ctl(["tpp", "override", "set", budi, "6.000.000", "--reason", "jabatan khusus"]).status == 0)
        #expect(try await daemon.ctl(["tpp", "override", "set", budi, "-5"]).status == 2)
        let unknown = try await daemon.ctl(["tpp", "override", "set", "198001012005011009", "1000"])
        #expect(unknown.status == 1 && unknown.stderr.contains("NOT_FOUND"))
        let list = try await daemon.ctl(["tpp", "override", "list", "-o", "json"])
        let overrides = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]] ?? []
        #expect(overrides.count == 1 && overrides.first?["nip"] as? String == budi && money(overrides[0], "base_rupiah") == 6_000_000)
        // Not recomputed yet: the month's inputs changed, so it is not shown until it is computed again.
        let stale = try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03"])
        #expect(stale.status == 1 && stale.stderr.contains("inputs changed since compute at"), "\(stale.stderr)")
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        b = try await show()
        #expect(b["base_source"] as? String == "employee override")
        #expect(money(b, "kinerja") == 4_200_000)
        #expect(money(b, "disiplin") == 1_380_000)
        #expect(money(b, "net") == 5_301_000)  // 5,580,000 − 5 %

        // New numbers in the config apply to the next computation; the month keeps explaining the old ones.
        try "[plugins]\ndir = \"\(plugins)\"\n".write(toFile: configPath, atomically: true, encoding: .utf8)
        #expect(try await daemon.ctl(["reload"]).status == 0)
        let explained = try await daemon.ctl(["tpp", "show", budi, "--month", "2026-03"]).stdout
        #expect(explained.contains("kinerja = round(6000000 × 70% × 100%) = 4200000"), "\(explained)")
        #expect(explained.contains("deduction TK × 1 at 5% = 5% of base"))
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        b = try await show()
        #expect(money(b, "kinerja") == 3_600_000)
        #expect(money(b, "disiplin") == 2_040_000)  // 6,000,000 × (40 % − 6 %)
        #expect(money(b, "net") == 5_358_000)
        #expect((b["steps"] as? [String])?.contains("kinerja = round(6000000 × 60% × 100%) = 3600000") == true)

        #expect(try await daemon.ctl(["tpp", "override", "clear", budi]).status == 0)
        let again = try await daemon.ctl(["tpp", "override", "clear", budi])
        #expect(again.status == 1 && again.stderr.contains("FAILED_PRECONDITION") && again.stderr.contains("no TPP override"))
        #expect(try await daemon.ctl(["tpp", "compute", "--month", "2026-03"]).status == 0)
        #expect(try await show()["base_source"] as? String == "kelas jabatan 7")
        let audit = try await daemon.ctl(["audit", "list", "-o", "json"]).stdout
        #expect(audit.contains("none → 6000000: jabatan khusus") && audit.contains("6000000 → none"))
        #expect(await daemon.stop() == 0)
    }
}
